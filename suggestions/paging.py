"""The staff list's pager: counts exactly up to a cap, and says so above it.

An exact COUNT(*) of a list of 100,000 suggestions reads every matching row on each page
view (half the list page's time, three quarters of a short search's). The list counts up
to `COUNT_CAP` instead and says "超过 1000 件" above it, never a number it did not count;
`?count=exact` (a link on the page) and the dashboards' drill-downs (`figure=`) count
everything, because there the number must match the figure. Two queries per page, as
Django's Paginator (the count, then the page's rows); one more for an exact count past
the cap.

On PostgreSQL the capped count reads the matching rows through a MATERIALIZED CTE: the
planner then picks the plan it would for counting them all (the trigram or bigram index
of a search), and the count stops after `cap + 1` rows. A bare `LIMIT` lets it pick a
"fast start" sequential scan instead, which for a rare search term reads the whole table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connections
from django.db.models import QuerySet
from django.db.models.sql.where import WhereNode

COUNT_CAP = 1000


@dataclass
class ListPaginator:
    """What the template reads from `page.paginator`: `count` (exact, or the cap when
    `capped`), `num_pages` (None when capped)."""

    count: int
    capped: bool
    per_page: int

    @property
    def num_pages(self) -> int | None:
        if self.capped:
            return None
        return max(1, -(-self.count // self.per_page))


@dataclass
class ListPage:
    """One page of the list, with the parts of Django's Page the list template uses."""

    number: int
    rows: list
    paginator: ListPaginator
    has_next: bool
    object_list: list = field(init=False)

    def __post_init__(self):
        self.object_list = self.rows

    def __iter__(self):
        return iter(self.rows)

    def __len__(self):
        return len(self.rows)

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_previous() or self.has_next

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def _page_number(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return number if number >= 1 else 1


def capped_count(queryset: QuerySet, cap: int) -> int:
    """The number of rows, or cap + 1 when there are more than `cap`."""
    inner = queryset.order_by().values("pk")
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return inner[: cap + 1].count()
    sql, params = inner.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH matching AS MATERIALIZED ({sql}) "
            "SELECT count(*) FROM (SELECT 1 FROM matching LIMIT %s) AS counted",
            [*params, cap + 1],
        )
        return cursor.fetchone()[0]


def _page_rows(queryset: QuerySet, start: int, size: int) -> QuerySet:
    """The rows of one page in one query: the page's ids are chosen by a narrow inner
    query (ids in the list's order, no joins or per-row subqueries), and only those rows
    are joined and annotated, instead of joining every match before sorting."""
    page_ids = queryset.values("pk")[start : start + size]
    # The inner query has decided which rows; the outer one only joins and annotates
    # them, so it drops the filters (a search's bigram test costs 0.2 ms a row).
    outer = queryset.all()
    outer.query.where = WhereNode()
    return outer.filter(pk__in=page_ids)


def list_page(
    queryset: QuerySet, *, number, per_page: int, exact: bool = False, cap: int = COUNT_CAP
) -> ListPage:
    """The page `number` of the ordered `queryset`; a bad number means the first page, one
    past the end the last page, as Django's `get_page`. Past the counted rows a page is
    still shown when it has rows."""
    number = _page_number(number)
    total = queryset.count() if exact else capped_count(queryset, cap)
    capped = total > cap and not exact
    if capped:
        total = cap
    elif number > 1 and (number - 1) * per_page >= total:
        number = max(1, -(-total // per_page))
    start = (number - 1) * per_page
    rows = list(_page_rows(queryset, start, per_page + 1))
    if capped and not rows and number > 1:  # far past the end: find the last page
        return list_page(queryset, number=number, per_page=per_page, exact=True, cap=cap)
    return ListPage(
        number=number,
        rows=rows[:per_page],
        paginator=ListPaginator(count=total, capped=capped, per_page=per_page),
        has_next=len(rows) > per_page,
    )
