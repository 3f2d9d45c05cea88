"""Excel imports: upload → check (preview) → confirm → import, all or nothing.

Small files run within the request; files above PORTAL["IMPORT_INLINE_MAX_ROWS"] rows are
checked and imported by Celery tasks (imports.tasks) that record their progress on the job.
Each step claims the job with a conditional update, so a double click or a redelivered task
never runs a step twice.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from deputies.models import Delegation, Deputy
from suggestions import workflow
from units.models import Unit

from . import excel, tasks
from .models import ImportJob
from .validation import CHECKERS, Plan

logger = logging.getLogger(__name__)

State = ImportJob.State


class ImportRefused(Exception):
    """A step that does not fit the job's state; the message is Chinese."""


def inline_max_rows() -> int:
    return settings.PORTAL["IMPORT_INLINE_MAX_ROWS"]


def _file_error(message: str) -> list[dict]:
    return [{"sheet": "", "row": "", "column": "", "message": message}]


def import_job_create(
    *, actor, kind: str, upload: UploadedFile, register: bool = True
) -> ImportJob:
    """Store the file and check it: at once when small, else in a task after commit."""
    job = ImportJob(
        kind=kind,
        original_name=upload.name[:255],
        register=register,
        created_by=actor,
    )
    job.file.save(upload.name, upload, save=False)
    try:
        with job.file.open("rb") as source:
            rows, job.total_rows = excel.parse_rows(source, excel.SHEETS[kind])
    except excel.FileUnreadable as exc:
        job.state, job.errors, job.checked_at = State.INVALID, _file_error(str(exc)), timezone.now()
        job.save()
        return job
    # The parsed rows beside the file: the check and the import read them, not the XML.
    job.file.storage.save(_rows_name(job), ContentFile(rows))
    job.save()
    if job.total_rows <= inline_max_rows():
        import_job_check(job=job)
        job.refresh_from_db()
    else:
        transaction.on_commit(lambda: _queue_check(job.pk))
    return job


# A broker that is down must not leave a job waiting for a task that was never queued: the
# job is closed with a Chinese message the job page shows, and staff try again later.
BROKER_DOWN = "后台任务服务暂时不可用"


def _queue_check(job_id: int) -> None:
    try:
        tasks.check_import.delay(job_id)
    except Exception as exc:
        logger.error("import job %s: check task not queued (broker unreachable?): %s", job_id, exc)
        ImportJob.objects.filter(pk=job_id, state=State.PENDING).update(
            state=State.INVALID,
            errors=_file_error(f"{BROKER_DOWN},文件未检查,请稍后重新上传"),
            checked_at=timezone.now(),
        )


def _queue_run(job_id: int) -> None:
    try:
        tasks.run_import.delay(job_id)
    except Exception as exc:
        logger.error("import job %s: import task not queued (broker unreachable?): %s", job_id, exc)
        # Back to the checked state: nothing was written, and staff can confirm again.
        ImportJob.objects.filter(pk=job_id, state=State.RUNNING).update(
            state=State.READY,
            confirmed_by=None,
            started_at=None,
            message=f"{BROKER_DOWN},尚未导入任何数据,请稍后再次确认导入",
        )


def _progress(job: ImportJob):
    def report(rows: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(processed_rows=rows)

    return report


def _rows_name(job: ImportJob) -> str:
    return f"{job.file.name}.rows.json"


def _stored_table(job: ImportJob) -> excel.Table | None:
    """The rows the upload parsed (`excel.parse_rows`), or None for a job uploaded before
    they were kept."""
    storage, name = job.file.storage, _rows_name(job)
    if not storage.exists(name):
        return None
    with storage.open(name, "rb") as stored:
        return excel.stored_table(stored.read())


def _plan(job: ImportJob) -> Plan:
    """Check the upload's rows against the database as it is now. The rows come parsed
    from the upload; the workbook is read again only for a job without them."""
    table = _stored_table(job)
    if table is not None:
        return _check(job, table)
    with job.file.open("rb") as source:
        try:
            table = excel.open_table(source, excel.SHEETS[job.kind])
        except excel.FileUnreadable as exc:
            return Plan(kind=job.kind, errors=_file_error(str(exc)))
        return _check(job, table)


def _check(job: ImportJob, table: excel.Table) -> Plan:
    try:
        return CHECKERS[job.kind](table, register=job.register, progress=_progress(job))
    except excel.FileTooLarge as exc:  # found while reading the rows: the row cap
        return Plan(kind=job.kind, errors=_file_error(str(exc)))
    finally:
        table.close()


def import_job_check(*, job: ImportJob) -> None:
    """The preview: every error, or a summary of what confirming will create. Saves no data."""
    if not ImportJob.objects.filter(pk=job.pk, state=State.PENDING).update(
        state=State.VALIDATING, processed_rows=0
    ):
        return
    plan = _plan(job)
    ImportJob.objects.filter(pk=job.pk).update(
        state=State.INVALID if plan.errors else State.READY,
        errors=plan.errors,
        summary=plan.summary,
        total_rows=plan.rows,
        processed_rows=plan.rows,
        checked_at=timezone.now(),
    )


def import_job_confirm(*, actor, job: ImportJob) -> None:
    """Staff confirm a clean preview: import now (small file) or in a task."""
    if not getattr(actor, "is_committee_staff", False):
        raise ImportRefused("只有工作人员可以导入")
    if not ImportJob.objects.filter(pk=job.pk, state=State.READY).update(
        state=State.RUNNING,
        confirmed_by=actor,
        started_at=timezone.now(),
        processed_rows=0,
        message="",
    ):
        raise ImportRefused("该文件已导入或未通过检查,不能再次确认")
    if job.total_rows <= inline_max_rows():
        import_job_run(job=job)
    else:
        transaction.on_commit(lambda: _queue_run(job.pk))


def import_job_run(*, job: ImportJob) -> None:
    """Check the file again (the database may have changed since the preview), then write
    everything in one transaction, or nothing."""
    job = ImportJob.objects.select_related("confirmed_by").get(pk=job.pk)
    if job.state != State.RUNNING:
        return
    plan = _plan(job)
    done = dict(processed_rows=plan.rows, finished_at=timezone.now())
    if plan.errors:
        ImportJob.objects.filter(pk=job.pk).update(
            state=State.INVALID,
            errors=plan.errors,
            message="确认导入时重新检查发现错误(数据在预览后有变化),未保存任何数据",
            **done,
        )
        return
    try:
        # The data and the job's "done" commit together: a redelivered task finds it done.
        with transaction.atomic():
            counts = WRITERS[job.kind](plan=plan, actor=job.confirmed_by, job=job)
            ImportJob.objects.filter(pk=job.pk).update(
                state=State.DONE, created_counts=counts, finished_at=timezone.now()
            )
    except workflow.WorkflowError as exc:
        ImportJob.objects.filter(pk=job.pk).update(
            state=State.FAILED, message=f"{exc.message};未保存任何数据", **done
        )
        return
    except Exception:
        logger.exception("Import job %s failed", job.pk)
        ImportJob.objects.filter(pk=job.pk).update(
            state=State.FAILED, message="导入时发生系统错误,未保存任何数据,请联系管理员", **done
        )
        return


# --- writers: called inside the import's transaction --------------------------------------


def _write_suggestions(*, plan: Plan, actor, job: ImportJob) -> dict:
    created = workflow.suggestions_import(
        actor=actor, items=plan.items, register=job.register, source={"import_job": job.pk}
    )
    counts = {"代表建议": len(created)}
    # Rows whose external ticket number was already recorded (found by the check, or
    # recorded meanwhile and skipped by the workflow): reported, not imported again.
    present = plan.summary.get("already_present", 0) + len(plan.items) - len(created)
    if present:
        counts["已录入过(未重复导入)"] = present
    return counts


def _write_deputies(*, plan: Plan, actor, job: ImportJob) -> dict:
    delegations = {(d.term_id, d.name): d for d in Delegation.objects.all()}
    missing = {
        (item["term"].pk, item["delegation_name"])
        for item in plan.items
        if item["delegation_name"] and (item["term"].pk, item["delegation_name"]) not in delegations
    }
    created_delegations = Delegation.objects.bulk_create(
        [Delegation(term_id=term_id, name=name) for term_id, name in sorted(missing)]
    )
    delegations.update({(d.term_id, d.name): d for d in created_delegations})
    fields = ("gender", "occupation", "group", "phone", "email", "address")
    deputies = Deputy.objects.bulk_create(
        [
            Deputy(
                term=item["term"],
                name=item["name"],
                delegation=delegations.get((item["term"].pk, item["delegation_name"])),
                identity_confidential=item["identity_confidential"],
                is_active=item["is_active"],
                **{name: item[name] for name in fields},
            )
            for item in plan.items
        ],
        batch_size=1000,
    )
    counts = {"代表": len(deputies)}
    if created_delegations:
        counts["代表团"] = len(created_delegations)
    return counts


def _write_units(*, plan: Plan, actor, job: ImportJob) -> dict:
    fields = ("name", "short_name", "system", "contact_person", "contact_phone", "email")
    units = Unit.objects.bulk_create(
        [
            Unit(is_active=item["is_active"], **{name: item[name] for name in fields})
            for item in plan.items
        ],
        batch_size=1000,
    )
    wanted = {item["parent"] for item in plan.items if item["parent"]}
    by_name = {u.name: u for u in Unit.objects.filter(name__in=wanted)}
    with_parent = []
    for unit, item in zip(units, plan.items, strict=True):
        if item["parent"]:
            unit.parent = by_name[item["parent"]]
            with_parent.append(unit)
    Unit.objects.bulk_update(with_parent, ["parent"], batch_size=1000)
    return {"承办单位": len(units)}


WRITERS = {
    excel.SUGGESTIONS.kind: _write_suggestions,
    excel.DEPUTIES.kind: _write_deputies,
    excel.UNITS.kind: _write_units,
}
