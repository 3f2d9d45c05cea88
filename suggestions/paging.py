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


def _count_and_ids(queryset: QuerySet, start: int, size: int, cap: int | None):
    """A search's count (capped at `cap`, exact when None) and one page of its ids, in one
    query on PostgreSQL, from one reading of the matching rows (a MATERIALIZED CTE) sorted
    afterwards. With a LIMIT the planner otherwise walks the sort's index and tests the
    text of every row it passes (4,700 rows' LIKE for a page of a 1,400-row search),
    where the trigram or bigram index finds every match at once and sorting them is cheap."""
    keys = []  # the sort's columns, by their names in the CTE
    for name in queryset.query.order_by:
        column = name.lstrip("-")
        column = "pk" if column in ("pk", "id") else column
        keys.append((column, "DESC" if name.startswith("-") else "ASC"))
    columns = list(dict.fromkeys(["pk", *(column for column, _ in keys)]))
    sql, params = queryset.values(*columns).order_by().query.sql_with_params()
    connection = connections[queryset.db]
    quote = connection.ops.quote_name
    order = ", ".join(f"{quote(column)} {direction}" for column, direction in keys)
    count = (
        "SELECT count(*) FROM matching"
        if cap is None
        else "SELECT count(*) FROM (SELECT 1 FROM matching LIMIT %s) AS counted"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH matching AS MATERIALIZED ({sql}) SELECT ({count}), "
            f"ARRAY(SELECT {quote('pk')} FROM matching ORDER BY {order} LIMIT %s OFFSET %s)",
            [*params, *([] if cap is None else [cap + 1]), size, start],
        )
        return cursor.fetchone()


def _page_rows(queryset: QuerySet, start: int, size: int, ids: list | None = None) -> QuerySet:
    """The rows of one page in one query: the page's ids are chosen by a narrow inner
    query (ids in the list's order, no joins or per-row subqueries), or given (`ids`), and
    only those rows are joined and annotated, instead of joining every match before
    sorting."""
    page_ids = queryset.values("pk")[start : start + size] if ids is None else ids
    # The inner query has decided which rows; the outer one only joins and annotates
    # them, so it drops the filters (a search's bigram test costs 0.2 ms a row).
    outer = queryset.all()
    outer.query.where = WhereNode()
    return outer.filter(pk__in=page_ids)


def list_page(
    queryset: QuerySet,
    *,
    number,
    per_page: int,
    exact: bool = False,
    cap: int = COUNT_CAP,
    narrow: bool = False,
) -> ListPage:
    """The page `number` of the ordered `queryset`; a bad number means the first page, one
    past the end the last page, as Django's `get_page`. Past the counted rows a page is
    still shown when it has rows. `narrow`: the filters find few rows through an index of
    their own (a search), so the count and the page's ids come from one reading of them
    (`_count_and_ids`; still two queries)."""
    number = _page_number(number)
    ids = None
    if narrow and connections[queryset.db].vendor == "postgresql":
        start = (number - 1) * per_page
        total, ids = _count_and_ids(queryset, start, per_page + 1, None if exact else cap)
    else:
        total = queryset.count() if exact else capped_count(queryset, cap)
    capped = total > cap and not exact
    if capped:
        total = cap
    elif number > 1 and (number - 1) * per_page >= total:
        number = max(1, -(-total // per_page))
        ids = None  # past the end: the last page's ids are chosen below
    start = (number - 1) * per_page
    rows = list(_page_rows(queryset, start, per_page + 1, ids))
    if capped and not rows and number > 1:  # far past the end: find the last page
        return list_page(
            queryset, number=number, per_page=per_page, exact=True, cap=cap, narrow=narrow
        )
    return ListPage(
        number=number,
        rows=rows[:per_page],
        paginator=ListPaginator(count=total, capped=capped, per_page=per_page),
        has_next=len(rows) > per_page,
    )
