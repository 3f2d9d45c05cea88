from datetime import date

from django.core.management.base import BaseCommand, CommandError

from notifications.reminders import reminders_send_each_congress


class Command(BaseCommand):
    help = "发送今天到期的答复期限提醒(每条提醒对同一交办、类型和期限只发一次)"

    def add_arguments(self, parser):
        parser.add_argument("--today", help="按此日期计算(YYYY-MM-DD),默认今天")

    def handle(self, *args, today=None, **options):
        try:
            day = date.fromisoformat(today) if today else None
        except ValueError:
            raise CommandError(f"日期格式不正确:{today}(应为 YYYY-MM-DD)") from None
        # Each active congress acting in it, as the periodic job runs.
        result, failed = reminders_send_each_congress(today=day)
        self.stdout.write(str(result))
        if failed:
            raise CommandError(f"以下人大的提醒未完成(详见日志):{','.join(failed)}")
