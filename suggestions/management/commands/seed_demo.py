"""`manage.py seed_demo [--scale N] [--seed S] [--congresses N]`: deterministic demo data
(suggestions/demo/); with --congresses, a province of that many congresses (demo/province.py)."""

import resource
import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from congresses.models import Level
from suggestions import demo
from suggestions.demo import lower, province
from suggestions.models import Assignment, DeadlineChange, RequestState, Suggestion, Verdict

STATUS_LABELS = dict(Suggestion.Status.choices)
STATE_LABELS = dict(Assignment.State.choices)
VERDICT_LABELS = dict(Verdict.choices)
REQUEST_LABELS = dict(RequestState.choices)
CHANGE_LABELS = dict(DeadlineChange.Kind.choices)


class Command(BaseCommand):
    help = (
        "生成演示数据:市第十三届人民代表大会的代表建议及其办理全过程,以及演示账户"
        f"(staff / unit / leader / deputy / admin,密码 {demo.DEMO_PASSWORD})。"
        "Seeds deterministic demo data; a second run changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", type=int, default=300, help="number of suggestions (default 300)"
        )
        parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
        parser.add_argument(
            "--reference-date",
            dest="reference_date",
            help='the demo\'s "today" (YYYY-MM-DD, default today): deadlines and overdue '
            "counts are as of it",
        )
        parser.add_argument(
            "--congresses",
            type=int,
            help="seed a province of this many congresses (省/市/县, from 40 on 乡镇 too), "
            "the --scale suggestions shared among them by size",
        )

    def handle(self, *args, scale, seed, reference_date=None, congresses=None, **options):
        if scale < 1:
            raise CommandError("--scale 必须为正整数 / --scale must be at least 1")
        if congresses is not None:
            return self._province(congresses, scale, seed, self._day(reference_date))
        if demo.demo_present():
            self.stdout.write(
                f"演示数据已存在({demo.TERM_NAME}、用户 staff),未作任何修改。\n"
                "Demo data already present; nothing changed."
            )
            return
        problems = demo.conflicts()
        if problems:
            raise CommandError(
                "数据库中已有与演示数据冲突的记录,未写入任何数据 / "
                "the database holds rows the demo data would clash with; nothing written:\n  "
                + "\n  ".join(problems)
            )
        reference_date = self._day(reference_date)
        started = time.monotonic()
        try:
            with transaction.atomic():
                summary = demo.seed(scale=scale, seed=seed, reference=reference_date)
                # The district below the demo city: 下级人大统计 and 分级处理 (demo/lower.py).
                summary["lower"] = lower.seed(
                    reference=summary["reference"], password=demo.DEMO_PASSWORD
                )
        except demo.DemoConflict as exc:
            raise CommandError(f"未写入任何数据 / nothing written: {exc}") from None
        if connection.vendor == "postgresql":
            # Fresh planner statistics: a bulk load leaves them empty until autovacuum comes,
            # and pages planned on them meanwhile are many times slower.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        elapsed = time.monotonic() - started
        self._report(summary, scale, seed, elapsed)

    def _day(self, reference_date):
        if isinstance(reference_date, str):
            try:
                return date.fromisoformat(reference_date)
            except ValueError:
                raise CommandError(f"日期格式不正确:{reference_date}(应为 YYYY-MM-DD)") from None
        return reference_date

    def _province(self, congresses, scale, seed, reference):
        try:
            members = province.tree(congresses, seed)
            province.shares(members, scale)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if province.present(congresses, seed):
            self.stdout.write(
                f"演示省份已存在({len(members)} 个人大),未作任何修改。\n"
                "Demo province already present; nothing changed."
            )
            return
        started = time.monotonic()
        try:
            rows = province.seed(congresses=congresses, scale=scale, seed=seed, reference=reference)
        except demo.DemoConflict as exc:
            raise CommandError(f"未写入该人大的数据 / nothing written for it: {exc}") from None
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        elapsed = time.monotonic() - started
        w = self.stdout.write
        w(
            self.style.SUCCESS(
                f"演示省份已生成 / demo province seeded (congresses={congresses}, scale={scale}, "
                f"seed={seed}, {elapsed:.1f} s, peak RSS {peak_rss_mb():.0f} MB)"
            )
        )
        labels = dict(Level.choices)
        by_level = {}
        for row in rows:
            level = by_level.setdefault(row["congress"].level, [0, 0])
            level[0] += 1
            level[1] += row["scale"]
        w(
            "  "
            + ",".join(f"{labels.get(k, k)} {n} 个(建议 {m} 件)" for k, (n, m) in by_level.items())
        )
        forwarded = sum(r["forwarded"] for r in rows)
        if forwarded:
            w(f"  分级处理:转交下级人大办理 {forwarded} 件 / forwarded down: {forwarded}")
        kept = [r["congress"].code for r in rows if r["summary"] is None]
        if kept:
            w(f"  已有数据、保持不变 / already seeded, kept: {', '.join(kept)}")
        w(
            f"  演示账户 / demo accounts: staff, leader, unit, deputy(市人大),{province.LEADER}"
            f"(省人大,/dashboard/lower/);其他人大 staff_<代码>、leader_<代码>、unit_<代码>"
            f"(密码 {demo.DEMO_PASSWORD})"
        )

    def _report(self, s, scale, seed, elapsed):
        w = self.stdout.write
        w(
            self.style.SUCCESS(
                f"演示数据已生成 / demo data seeded (scale={scale}, seed={seed}, "
                f"{elapsed:.1f} s, 基准日 {s['reference']:%Y-%m-%d})"
            )
        )

        def line(label, counts, labels):
            parts = [f"{labels.get(k, k)} {v}" for k, v in counts.items() if v]
            w(f"  {label}:" + ",".join(parts))

        w(
            f"  代表建议 {s['suggestions']} 件(重点建议 {s['key']} 件),代表 {s['deputies']} 名,"
            f"承办单位 {s['units']} 个,用户 {s['users']} 个"
        )
        line("建议状态", s["by_status"], STATUS_LABELS)
        w(f"  交办 {s['assignments']} 件,逾期未答复(主办/分办){s['overdue']} 件")
        line("交办状态", s["by_state"], STATE_LABELS)
        total = sum(s["by_result"].values()) or 1
        w(
            f"  答复 {s['replies']} 件(含被替代的跟踪答复前答复);现行答复类别:"
            + ",".join(f"{k}类 {v}({v * 100 / total:.1f}%)" for k, v in s["by_result"].items())
        )
        line(f"代表反馈 {s['feedback']} 份", s["by_verdict"], VERDICT_LABELS)
        w(f"  沟通记录 {s['contacts']} 条")
        if s.get("lower", {}).get("congress"):
            w(
                f"  下级人大:{s['lower']['congress'].name},转交下级办理 "
                f"{s['lower']['forwarded']} 件(账号 {lower.USERNAME})"
            )
        line("调整申请", s["requests"]["reassignment"], REQUEST_LABELS)
        line("延期申请", s["requests"]["extension"], REQUEST_LABELS)
        line("期限变更", s["deadline_changes"], CHANGE_LABELS)
        w(f"  操作记录 {s['events']} 条")
        if s["calendar_fallback_deadlines"]:
            w(
                self.style.WARNING(
                    f"  注意:{s['calendar_fallback_deadlines']} 个期限落在尚未录入法定节假日日历的年份,"
                    "暂按周一至周五计算 / some deadlines fall in a year without an official calendar"
                )
            )
        accounts = "staff, unit, leader, deputy" + ("" if s["admin_kept"] else ", admin")
        w(f"  演示账户 / demo accounts: {accounts}(密码 {demo.DEMO_PASSWORD})")
        if s["admin_kept"]:
            w("  已有用户 admin,保持不变 / the existing admin account was left as it was")


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
