"""Excel import and export pages, committee staff only."""

from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from deputies.models import Meeting
from suggestions import access
from suggestions.access import staff_required
from suggestions.forms import SuggestionFilterForm
from suggestions.models import Category
from suggestions.selectors import suggestion_list

from . import excel, exports, services
from .forms import UploadForm
from .models import ImportJob

# The job page shows this many errors; the full list is a download.
ERRORS_SHOWN = 500


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=excel.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _index(request, form):
    return render(
        request,
        "imports/index.html",
        {
            "form": form,
            "sheets": excel.SHEETS.values(),
            "jobs": ImportJob.objects.select_related("created_by")[:20],
            "can_export_confidential": access.can_export_confidential_names(request.user),
        },
    )


@staff_required
@require_GET
def index(request):
    return _index(request, UploadForm())


@staff_required
@require_GET
def template_download(request, kind):
    spec = excel.SHEETS.get(kind)
    if spec is None:
        raise Http404("no such sheet")
    notes = []
    if spec is excel.SUGGESTIONS:
        notes = [
            ("分类", [c.name for c in Category.objects.filter(is_active=True)]),
            ("会议", [str(m) for m in Meeting.objects.select_related("term")]),
        ]
    return _xlsx(excel.template_workbook(spec, notes), f"{spec.title}导入模板.xlsx")


@staff_required
@require_POST
def upload(request):
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _index(request, form)
    job = services.import_job_create(
        actor=request.user,
        kind=form.cleaned_data["kind"],
        upload=form.cleaned_data["file"],
        register=form.cleaned_data["register"],
    )
    return redirect("imports:job", pk=job.pk)


@staff_required
@require_GET
def job_detail(request, pk):
    job = get_object_or_404(ImportJob.objects.select_related("created_by", "confirmed_by"), pk=pk)
    return render(
        request,
        "imports/job.html",
        {
            "job": job,
            "errors": job.errors[:ERRORS_SHOWN],
            "errors_hidden": max(len(job.errors) - ERRORS_SHOWN, 0),
        },
    )


@staff_required
@require_POST
def job_confirm(request, pk):
    job = get_object_or_404(ImportJob, pk=pk)
    try:
        services.import_job_confirm(actor=request.user, job=job)
    except services.ImportRefused as exc:
        messages.error(request, str(exc))
    return redirect("imports:job", pk=job.pk)


@staff_required
@require_GET
def job_progress(request, pk):
    job = get_object_or_404(ImportJob, pk=pk)
    return JsonResponse(
        {
            "state": job.state,
            "state_label": job.get_state_display(),
            "busy": job.is_busy,
            "processed_rows": job.processed_rows,
            "total_rows": job.total_rows,
            "percent": job.percent,
            "url": reverse("imports:job", args=[job.pk]),
        }
    )


@staff_required
@require_GET
def job_errors(request, pk):
    job = get_object_or_404(ImportJob, pk=pk)
    return _xlsx(excel.errors_workbook(job.errors), f"导入错误清单-{job.pk}.xlsx")


def _today() -> str:
    return timezone.localdate().isoformat()


def _reveal(request) -> bool:
    """The 包含保密代表姓名 option, for those allowed it (403 for anyone else)."""
    requested = request.GET.get("confidential") == "1"
    return access.export_reveals_confidential(request.user, requested=requested)


def _stamp(reveal: bool) -> str:
    return _today() + ("-含保密代表姓名" if reveal else "")


@staff_required
@require_GET
def export_suggestions(request):
    # The staff list's own filters and visibility (drafts stay their deputies' own).
    reveal = _reveal(request)
    filters = SuggestionFilterForm(request.GET).filters()
    queryset = suggestion_list(user=request.user, filters=filters)
    try:
        content = exports.export_suggestions(queryset, reveal_confidential=reveal)
    except exports.ExportTooLarge as exc:
        messages.error(request, str(exc))
        return redirect("imports:index")
    return _xlsx(content, f"代表建议-{_stamp(reveal)}.xlsx")


@staff_required
@require_GET
def export_deputies(request):
    reveal = _reveal(request)
    content = exports.export_deputies(reveal_confidential=reveal)
    return _xlsx(content, f"代表-{_stamp(reveal)}.xlsx")


@staff_required
@require_GET
def export_units(request):
    return _xlsx(exports.export_units(), f"承办单位-{_today()}.xlsx")
