"""Celery tasks for big Excel files: thin, they fetch the job and call the service. They go
to the default queue (CELERY_TASK_DEFAULT_QUEUE = "default")."""

from celery import shared_task

from congresses.context import acting_in

from .models import ImportJob


@shared_task
def check_import(job_id: int) -> None:
    from . import services  # services queue these tasks: import late to avoid a cycle

    job = ImportJob.objects.filter(pk=job_id).first()
    if job is not None:
        # The job's congress: its rows are checked against, and written into, that one only.
        with acting_in(job.congress_id):
            services.import_job_check(job=job)


@shared_task
def run_import(job_id: int) -> None:
    from . import services

    job = ImportJob.objects.filter(pk=job_id).first()
    if job is not None:
        with acting_in(job.congress_id):
            services.import_job_run(job=job)
