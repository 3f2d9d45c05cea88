import logging

from django.db import connection, transaction
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .celery import app as celery_app

logger = logging.getLogger(__name__)


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_broker() -> str:
    with celery_app.connection_for_write() as conn:
        # One immediate retry, no back-off sleep: a health check must answer fast.
        conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
    return "ok"


# Outside ATOMIC_REQUESTS: its transaction would hit a dead database before the check could
# report it, turning the 503 into a 500.
@transaction.non_atomic_requests
@never_cache
@require_GET
def healthz(request):
    """Database and broker status: 200 when both answer, 503 otherwise."""
    status = {}
    for name, check in (("database", _check_database), ("broker", _check_broker)):
        try:
            status[name] = check()
        except Exception as exc:  # any failure means "down"; the reason goes to the log
            logger.warning("healthz: %s check failed: %s", name, exc)
            status[name] = "error"
    healthy = all(v == "ok" for v in status.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **status}, status=200 if healthy else 503
    )
