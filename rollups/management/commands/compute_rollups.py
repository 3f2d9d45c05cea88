from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from rollups.services import rollups_compute_all, rollups_compute_history


class Command(BaseCommand):
    help = "计算并保存各范围(届、会议、来源、分类、承办单位)截至某日的统计数"

    def add_arguments(self, parser):
        parser.add_argument("--as-of", dest="as_of", help="截至日期(YYYY-MM-DD),默认今天")
        parser.add_argument(
            "--months",
            type=int,
            default=0,
            help="同时保存截至日期之前若干个月的月末统计数(月度趋势用),默认 0",
        )

    def handle(self, *args, as_of=None, months=0, **options):
        try:
            day = date.fromisoformat(as_of) if as_of else timezone.localdate()
        except ValueError:
            raise CommandError(f"日期格式不正确:{as_of}(应为 YYYY-MM-DD)") from None
        if day > timezone.localdate():
            raise CommandError(f"截至日期不能晚于今天:{day:%Y-%m-%d}")
        if months < 0:
            raise CommandError("--months 不能为负数")
        if months:
            count = rollups_compute_history(as_of=day, months=months)
            self.stdout.write(
                f"已保存 {count} 个范围截至 {day:%Y-%m-%d} 及此前 {months} 个月末的统计数"
            )
            return
        count = rollups_compute_all(as_of=day)
        self.stdout.write(f"已保存 {count} 个范围截至 {day:%Y-%m-%d} 的统计数")
