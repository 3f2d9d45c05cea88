"""Dashboards for staff and leaders: access check, filters, one selector, render."""

from dataclasses import replace
from urllib.parse import quote

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from evaluation import selectors as evaluation_selectors
from suggestions import access, dates, figures
from suggestions.access import overview_required
from supervision import selectors as supervision_selectors
from units.models import Unit

from . import presenters, report, selectors
from .forms import AsOfForm, DashboardFilterForm, Filters

KEY_PAGE_SIZE = 100


def _filters(request, **fixed) -> tuple[DashboardFilterForm, Filters]:
    """Filters from the URL; the form shown again with the defaults it fell back to (the
    current term, today), and the reason when it fell back. Validated once: the form shown
    is the one checked, its data now holding the defaults."""
    form = DashboardFilterForm(request.GET or None)
    filters = replace(form.filters(), **fixed)
    shown = {"term": filters.term.pk if filters.term else "", "as_of": filters.as_of.isoformat()}
    if not form.is_bound:
        form.initial = shown
        return form, filters
    data = request.GET.copy()
    for name, value in shown.items():
        data[name] = value
    form.data = data
    return form, filters


@overview_required
def dashboard(request):
    form, filters = _filters(request)
    data = selectors.dashboard(filters=filters)
    category_ids = form.category_ids()
    charts = [
        presenters.category_chart(data.figures, filters, category_ids),
        presenters.unit_chart(data.units, filters),
        presenters.trend_chart([(day, f) for day, f, _ in data.history], filters),
        presenters.result_chart(data.figures, filters),
    ]
    return render(
        request,
        "dashboards/dashboard.html",
        {
            "form": form,
            "filters": filters,
            "data": data,
            "tiles": [
                *presenters.tiles(data.figures, filters),
                presenters.commitment_tile(
                    figures.commitment_fulfilment(as_of=filters.as_of, scope=filters.scope),
                    filters,
                ),
            ],
            "charts": charts,
            "chart_data": {c.id: c.as_json() for c in charts},
            "stored_trend": selectors.has_history(filters),
            "has_lower": selectors.has_lower(request.user.congress_id),
        },
    )


@overview_required
def units(request):
    form, filters = _filters(request)
    data = selectors.units(filters=filters)
    sort = request.GET.get("sort", figures.DEFAULT_UNIT_SORT)
    sort = sort if sort in figures.UNIT_SORTS else figures.DEFAULT_UNIT_SORT
    ranked, apart = figures.rank_units(data.units, sort)
    query = request.GET.copy()
    sort_links = []
    for key, (label, _) in figures.UNIT_SORTS.items():
        query["sort"] = key
        sort_links.append((key, label, f"?{query.urlencode()}"))
    return render(
        request,
        "dashboards/units.html",
        {
            "form": form,
            "filters": filters,
            "source": data.provenance,
            "sort": sort,
            "sort_links": sort_links,
            "minimum": settings.PORTAL["RANKING_MIN_ASSIGNMENTS"],
            "columns": presenters.UNIT_COLUMNS,
            "ranked": presenters.unit_table(ranked, filters),
            "apart": presenters.unit_table(apart, filters),
            # Separate blocks: the latest closed evaluation rounds and 承诺兑现率 per unit.
            "evaluation_blocks": evaluation_selectors.latest_blocks(as_of=filters.as_of),
            "commitment_rates": _commitment_rows(filters),
        },
    )


def _commitment_rows(filters) -> list:
    """(unit id, name, 承诺兑现率) of every unit with a commitment due by the day, by name."""
    rates = figures.commitment_fulfilment_by_unit(as_of=filters.as_of, scope=filters.scope)
    names = Unit.objects.filter(pk__in=[pk for pk, r in rates.items() if r.denominator])
    return [(u.pk, u.name, rates[u.pk]) for u in names.order_by("name").only("pk", "name")]


@overview_required
def unit_detail(request, pk):
    unit = get_object_or_404(Unit, pk=pk)
    form, filters = _filters(request, unit=unit)
    data = selectors.unit_page(filters=filters)
    row = data.units[0] if data.units else None
    points = [(day, r) for day, _, r in data.history if r is not None]
    history = [(day, r, presenters.unit_cells(r, filters)) for day, r in points]
    chart = presenters.Chart(
        "chart-unit-history",
        "历史:按期答复率与A类占比(各月最后一个已存储日)",
        "line",
        [day.isoformat() for day, _ in points],
        [
            presenters.Series(
                "按期答复率(%)",
                [
                    presenters.Point(
                        float(r.on_time_rate.percent or 0),
                        presenters.drill_url(filters, "unit_on_time", as_of=day.isoformat()),
                    )
                    for day, r in points
                ],
            ),
            presenters.Series(
                "A类占比(%)",
                [
                    presenters.Point(
                        float(r.solved_rate.percent or 0),
                        presenters.drill_url(filters, "unit_solved", as_of=day.isoformat()),
                    )
                    for day, r in points
                ],
            ),
        ],
    )
    return render(
        request,
        "dashboards/unit.html",
        {
            "unit": unit,
            "form": form,
            "filters": filters,
            "data": data,
            "row": row,
            "columns": presenters.UNIT_COLUMNS,
            "cells": presenters.unit_cells(row, filters) if row else None,
            "results": presenters.unit_results(row, filters) if row else None,
            "tiles": presenters.tiles(data.figures, filters),
            "history": history,
            "evaluation_results": evaluation_selectors.unit_results(unit.pk, as_of=filters.as_of),
            "commitment_rate": figures.commitment_fulfilment(
                as_of=filters.as_of, scope=filters.scope
            ),
            "chart": chart,
            "chart_data": {chart.id: chart.as_json()},
        },
    )


@overview_required
def key_board(request):
    form, filters = _filters(request)
    rows = list(selectors.key_suggestions(term=filters.term, limit=KEY_PAGE_SIZE + 1))
    return render(
        request,
        "dashboards/key.html",
        {
            "form": form,
            "filters": filters,
            "rows": [(s, selectors.action_label(s.latest_action)) for s in rows[:KEY_PAGE_SIZE]],
            "more": len(rows) > KEY_PAGE_SIZE,
            "list_url": presenters.list_url(
                term=filters.term.pk if filters.term else None, key="on"
            ),
            "today": timezone.localdate(),
            # --- 重点督办专题 (supervision app): each topic's progress and what is late ---
            "topics": supervision_selectors.key_board_topics(
                today=dates.today(), term=filters.term
            ),
        },
    )


@overview_required
def report_page(request):
    form, filters = _filters(request)
    draft = report.report_draft(filters=filters)
    return render(
        request,
        "dashboards/report.html",
        {"form": form, "filters": filters, "report": draft, "query": request.GET.urlencode()},
    )


def _download(body: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return response


def _file_name(draft, ext: str) -> str:
    return quote(f"代表建议办理情况_{draft.as_of.isoformat()}.{ext}")


@overview_required
def report_docx(request):
    _, filters = _filters(request)
    draft = report.report_draft(filters=filters)
    return _download(
        report.report_docx(draft),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _file_name(draft, "docx"),
    )


@overview_required
def report_xlsx(request):
    _, filters = _filters(request)
    draft = report.report_draft(filters=filters)
    return _download(
        report.report_xlsx(draft),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _file_name(draft, "xlsx"),
    )


@overview_required
def lower(request):
    """下级人大统计: the lower congresses' figures side by side and summed."""
    form = AsOfForm(request.GET or None)
    as_of = form.day()
    view = selectors.upward_view(congress=request.congress, as_of=as_of)
    return render(request, "dashboards/lower.html", {"form": form, "as_of": as_of, "view": view})


@overview_required
def lower_detail(request, code):
    """One lower congress: its figures, its units' rows and its own lower congresses."""
    congress = access.lower_congress_for_user(request.user, code)
    form = AsOfForm(request.GET or None)
    as_of = form.day()
    row, unit_rows, view = selectors.lower_congress_view(congress=congress, as_of=as_of)
    return render(
        request,
        "dashboards/lower_detail.html",
        {"form": form, "as_of": as_of, "row": row, "unit_rows": unit_rows, "view": view},
    )
