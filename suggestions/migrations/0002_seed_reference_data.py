"""Reference data: the seven default categories, the channel deadline rules and the official
calendar for the years the `chinesecalendar` package covers (2004–2026)."""

from django.db import migrations

CATEGORIES = ["财政经济", "城乡建设", "科教文卫", "行政司法", "农业与农村", "旅游", "环境资源保护"]

CHANNEL_RULES = {
    "session": {"reply_months": 3, "reply_days": 0},
    "recess": {"reply_months": 3, "reply_days": 0},
    "voice": {"reply_months": 0, "reply_days": 15},
    "express": {"reply_months": 0, "reply_days": 7},
}

HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def seed(apps, schema_editor):
    Category = apps.get_model("suggestions", "Category")
    ChannelRule = apps.get_model("suggestions", "ChannelRule")
    CalendarDay = apps.get_model("suggestions", "CalendarDay")
    CalendarYear = apps.get_model("suggestions", "CalendarYear")
    for order, name in enumerate(CATEGORIES, start=1):
        Category.objects.get_or_create(name=name, defaults={"order": order})
    for channel, durations in CHANNEL_RULES.items():
        ChannelRule.objects.get_or_create(channel=channel, defaults=durations)

    from chinese_calendar import constants

    days = {}
    for day, name in constants.holidays.items():
        days[day] = CalendarDay(date=day, is_workday=False, name=HOLIDAY_NAMES.get(name, name))
    for day, name in constants.workdays.items():
        days[day] = CalendarDay(
            date=day, is_workday=True, name=f"{HOLIDAY_NAMES.get(name, name)}调休上班"
        )
    CalendarDay.objects.bulk_create(days.values(), ignore_conflicts=True)
    years = sorted({d.year for d in days})
    CalendarYear.objects.bulk_create(
        [CalendarYear(year=y, source="chinesecalendar 1.11.0(国务院办公厅通知)") for y in years],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("suggestions", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
