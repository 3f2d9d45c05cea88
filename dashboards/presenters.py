"""What the dashboard pages show, built once for the HTML tables and the chart data alike:
tiles, charts with a drill-down URL on every number, unit table rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlencode

from django.urls import get_script_prefix, get_urlconf, reverse

from suggestions.figures import RESULTS, UNIT_TABLE, Figures, Rate, UnitRow
from suggestions.models import ReplyResult

from .forms import Filters


def percent(rate: Rate) -> str:
    return str(rate)


@lru_cache(maxsize=16)
def _reversed(name: str, prefix: str, urlconf) -> str:
    return reverse(name, urlconf=urlconf)


def list_path() -> str:
    """The suggestion list's path, reversed once per script prefix and URLconf (a dashboard
    links to it dozens of times)."""
    return _reversed("suggestions:list", get_script_prefix(), get_urlconf())


def drill_url(filters: Filters, figure: str, **overrides) -> str:
    """The suggestion list holding exactly the suggestions behind `figure` for these filters."""
    extra = {k: v for k, v in overrides.items() if v is not None}
    params = filters.query()
    if extra.keys() & params.keys():  # an override keeps the filter's place in the query
        params.update(extra)
        params["figure"] = figure
        return f"{list_path()}?{urlencode(params)}"
    tail = urlencode({**extra, "figure": figure})
    head = filters.query_string
    return f"{list_path()}?{head}&{tail}" if head else f"{list_path()}?{tail}"


def list_url(**params) -> str:
    return f"{list_path()}?{urlencode({k: v for k, v in params.items() if v})}"


@dataclass
class Tile:
    label: str
    value: str
    detail: str
    url: str
    hint: str = ""


def commitment_tile(rate, filters: Filters) -> Tile:
    """承诺兑现率 (suggestions.figures.commitment_fulfilment), linked to the ledger."""
    url = reverse("commitments:ledger") + (f"?unit={filters.unit.pk}" if filters.unit else "")
    return Tile(
        "承诺兑现率",
        str(rate),
        f"{rate.numerator} / {rate.denominator}",
        url,
        "按期兑现的承诺事项 / 截至该日到期的承诺事项(B类、C类答复)",
    )


def tiles(f: Figures, filters: Filters) -> list[Tile]:
    def rate_tile(label, rate, figure, hint):
        return Tile(
            label,
            str(rate),
            f"{rate.numerator} / {rate.denominator}",
            drill_url(filters, figure),
            hint,
        )

    return [
        Tile(
            "交办", str(f.assigned), "件", drill_url(filters, "assigned"), "有主办或分办交办的建议"
        ),
        Tile(
            "已答复",
            str(f.replied),
            "件",
            drill_url(filters, "replied"),
            "每个主办、分办单位均已答复",
        ),
        rate_tile("办结率", f.completion_rate, "closed", "办结 / 交办"),
        rate_tile("按期答复率", f.on_time_rate, "on_time", "按期答复 / 已答复"),
        rate_tile("满意率", f.satisfied_rate, "satisfied", "最新反馈满意 / 有反馈"),
        rate_tile(
            "基本满意率", f.basically_satisfied_rate, "basically", "最新反馈基本满意 / 有反馈"
        ),
        rate_tile("满意和基本满意率", f.content_rate, "content", "满意或基本满意 / 有反馈"),
        rate_tile(
            "初次满意率", f.first_satisfied_rate, "first_satisfied", "初次答复反馈满意 / 有初次反馈"
        ),
        rate_tile(
            "初次满意和基本满意率",
            f.first_content_rate,
            "first_content",
            "初次答复反馈满意或基本满意 / 有初次反馈",
        ),
        rate_tile("解决率", f.solved_rate, "result_A", "A类 / 已答复"),
        rate_tile("面商率", f.face_to_face_rate, "face_to_face", "答复前面商 / 已答复"),
        Tile(
            "逾期",
            str(f.overdue),
            "项交办",
            drill_url(filters, "overdue"),
            "逾期未答复的交办(按承办任务计)",
        ),
    ]


@dataclass
class Point:
    value: int
    url: str


@dataclass
class Series:
    name: str
    points: list[Point]


@dataclass
class Chart:
    id: str
    title: str
    # "bar", "hbar" (horizontal bars, one row per label), "line" or "pie"
    # (drawn by static/js/dashboard.js)
    kind: str
    labels: list[str]
    series: list[Series] = field(default_factory=list)
    # Only the first rows are drawn; the rest are behind this link ("更多").
    more_url: str = ""
    more_label: str = ""

    @property
    def has_data(self) -> bool:
        """Anything to draw: an empty scope shows 暂无数据, never four equal slices of zero."""
        return any(p.value for s in self.series for p in s.points)

    @property
    def rows(self) -> list:
        """(label, [Point per series]) for the HTML table beside the chart."""
        return [(label, [s.points[i] for s in self.series]) for i, label in enumerate(self.labels)]

    def as_json(self) -> dict:
        """The chart for static/js/dashboard.js (dataclasses.asdict's deep copies, written
        out: they cost more than building the chart)."""
        return {
            "id": self.id,
            "title": self.title,
            "kind": self.kind,
            "labels": list(self.labels),
            "series": [
                {"name": s.name, "points": [{"value": p.value, "url": p.url} for p in s.points]}
                for s in self.series
            ],
            "more_url": self.more_url,
            "more_label": self.more_label,
        }


def category_chart(f: Figures, filters: Filters, category_ids: dict) -> Chart:
    shares = [c for c in f.by_category if c.category in category_ids]
    return Chart(
        "chart-categories",
        "按分类:交办件数",
        "bar",
        [c.category for c in shares],
        [
            Series(
                "交办",
                [
                    Point(
                        c.assigned,
                        drill_url(filters, "assigned", category=category_ids[c.category]),
                    )
                    for c in shares
                ],
            )
        ],
    )


UNIT_SERIES = (
    ("交办", "assigned", "unit_assigned"),
    ("已答复", "replied", "unit_replied"),
    ("逾期", "overdue", "unit_overdue"),
)


# The by-unit chart draws this many units (most assignments first); the ranking has them all.
UNIT_CHART_TOP = 15


def unit_chart(rows: list[UnitRow], filters: Filters, top: int = UNIT_CHART_TOP) -> Chart:
    rows = sorted(rows, key=lambda r: (-r.assigned, r.unit_name))
    more = len(rows) - top
    rows = rows[:top]
    query = urlencode(filters.query())
    return Chart(
        "chart-units",
        "按承办单位:交办、已答复、逾期(按承办任务计"
        + (f",交办最多的{top}个单位)" if more > 0 else ")"),
        "hbar",
        [r.unit_name for r in rows],
        [
            Series(
                name,
                [Point(getattr(r, attr), drill_url(filters, figure, unit=r.unit_id)) for r in rows],
            )
            for name, attr, figure in UNIT_SERIES
        ],
        more_url=f"{reverse('dashboards:units')}?{query}" if more > 0 else "",
        more_label=f"更多:其余{more}个单位见承办单位排名" if more > 0 else "",
    )


def trend_chart(points: list, filters: Filters) -> Chart:
    return Chart(
        "chart-trend",
        "月度趋势:已答复与逾期(各月最后一个已存储日)",
        "line",
        [day.isoformat() for day, _ in points],
        [
            Series(
                "已答复",
                [
                    Point(f.replied, drill_url(filters, "replied", as_of=day.isoformat()))
                    for day, f in points
                ],
            ),
            Series(
                "逾期",
                [
                    Point(f.overdue, drill_url(filters, "overdue", as_of=day.isoformat()))
                    for day, f in points
                ],
            ),
        ],
    )


RESULT_LABELS = dict(ReplyResult.choices)


def result_chart(f: Figures, filters: Filters) -> Chart:
    return Chart(
        "chart-results",
        "答复分类:A/B/C/D(占已答复)",
        "pie",
        [f"{RESULT_LABELS.get(x, x)}({f.result_rate(x)})" for x in RESULTS],
        [Series("件数", [Point(f.results[x], drill_url(filters, f"result_{x}")) for x in RESULTS])],
    )


# --- unit tables -----------------------------------------------------------------------------


@dataclass
class Cell:
    text: str
    url: str = ""


UNIT_COLUMNS = tuple(c.label for c in UNIT_TABLE)


def unit_cells(row: UnitRow, filters: Filters) -> list[Cell]:
    """The unit table's cells (`figures.UNIT_TABLE`), each linking to the suggestions behind
    it."""
    # `drill_url` for each column, with the list's path and the filters worked out once per
    # row rather than per cell (a ranking has six cells for each of dozens of units).
    path, params = list_path(), {**filters.query(), "unit": row.unit_id}
    return [
        Cell(column.text(row), f"{path}?{urlencode({**params, 'figure': column.figure})}")
        for column in UNIT_TABLE
    ]


def unit_table(rows, filters: Filters) -> list[tuple[UnitRow, list[Cell]]]:
    """`unit_cells` of many rows (the ranking): the list's path and the filters' part of the
    query string are worked out once for the table, each cell adds its unit and figure."""
    query = filters.query()
    if "unit" in query:  # a unit filter keeps its place in the query string: cell by cell
        return [(row, unit_cells(row, filters)) for row in rows]
    head = f"{list_path()}?{filters.query_string}&unit="
    figures = [(column, urlencode({"figure": column.figure})) for column in UNIT_TABLE]
    return [
        (row, [Cell(c.text(row), f"{head}{row.unit_id}&{figure}") for c, figure in figures])
        for row in rows
    ]


def unit_results(row: UnitRow, filters: Filters) -> list[tuple[str, Cell, str]]:
    """A unit's A/B/C/D split: (label, count linking to its suggestions, share of replied)."""
    figure = {"A": "unit_solved", **{x: f"unit_result_{x}" for x in RESULTS[1:]}}
    return [
        (
            RESULT_LABELS.get(x, x),
            Cell(str(row.results[x]), drill_url(filters, figure[x], unit=row.unit_id)),
            str(row.result_rate(x)),
        )
        for x in RESULTS
    ]
