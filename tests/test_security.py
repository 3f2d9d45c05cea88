"""Production security: deploy checks, headers, CSP without inline script, login lockout,
password rules, and an audit trail nothing can change."""

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import LoginFailure
from suggestions.models import AuditEvent, HistoryIsImmutable

from .factories import PASSWORD
from .test_settings import production, run_django

ROOT = Path(__file__).resolve().parent.parent


def _production_settings(tmp_path, *names) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}))"
    )
    result = run_django(code, tmp_path, **production())
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production(PORTAL_VAR_DIR=str(tmp_path)),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_cookies_are_secure_and_https_is_enforced(tmp_path):
    values = _production_settings(
        tmp_path,
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "X_FRAME_OPTIONS",
    )
    assert values == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "X_FRAME_OPTIONS": "DENY",
    }


def test_every_page_carries_a_csp_without_inline_script_and_denies_framing(client, people):
    client.force_login(people.staff)
    response = client.get("/suggestions/")
    csp = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'"  # no inline script, no eval
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an inline event handler"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
    (re.compile(r"\sstyle\s*=", re.I), "an inline style attribute"),
    (re.compile(r"<style", re.I), "a <style> element"),
]


@pytest.mark.parametrize(
    "template",
    sorted(p.relative_to(ROOT / "templates") for p in (ROOT / "templates").rglob("*.html")),
    ids=str,
)
def test_no_template_has_inline_script_or_style(template):
    text = (ROOT / "templates" / template).read_text(encoding="utf-8")
    # The error pages carry their few styles inline: they must render when static files,
    # the database or anything else is down. The CSP allows inline styles, never scripts.
    checks = INLINE[:3] if str(template).startswith("error_base") else INLINE
    for pattern, what in checks:
        assert not pattern.search(text), f"{template} has {what}: keep it in static/ files"


# --- login lockout ---------------------------------------------------------------------------


def _login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(client, people):
    for _ in range(5):
        assert "用户名或密码不正确" in _login(client, "staff1", "wrong").content.decode()
    response = _login(client, "staff1", PASSWORD)
    page = response.content.decode()
    assert response.status_code == 200 and "登录失败次数过多,已暂时锁定" in page
    assert "_auth_user_id" not in client.session


def test_the_lock_ends_after_the_window(client, people, settings):
    for _ in range(5):
        _login(client, "staff1", "wrong")
    LoginFailure.objects.update(at=timezone.now() - dt.timedelta(minutes=16))
    response = _login(client, "staff1", PASSWORD)
    assert response.status_code == 302
    assert not LoginFailure.objects.filter(username="staff1").exists()


def test_a_right_password_clears_earlier_failures(client, people):
    for _ in range(4):
        _login(client, "staff1", "wrong")
    assert _login(client, "staff1", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        _login(client, "staff1", "wrong")
    assert _login(client, "staff1", PASSWORD).status_code == 302


def test_guessing_many_accounts_from_one_address_locks_the_address(client, people, settings):
    settings.PORTAL = {**settings.PORTAL, "LOGIN_MAX_FAILURES_PER_IP": 6}
    for i in range(6):
        _login(client, f"nobody{i}", "wrong")
    assert "已暂时锁定" in _login(client, "staff1", PASSWORD).content.decode()


def test_the_admin_login_locks_out_too(client, people):
    people.staff.is_staff = True
    people.staff.save()
    for _ in range(5):
        client.post("/admin/login/", {"username": "staff1", "password": "wrong"})
    response = client.post("/admin/login/", {"username": "staff1", "password": PASSWORD})
    assert "已暂时锁定" in response.content.decode()


# --- password rules --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("abc123", "密码长度太短。密码必须包含至少 10 个字符。"),
        ("8462957301", "密码只包含数字。"),
        ("password123", "这个密码太常见了。"),
    ],
)
def test_weak_passwords_are_refused_in_chinese(people, password, message):
    with pytest.raises(ValidationError) as refused:
        validate_password(password, people.staff)
    assert message in " ".join(refused.value.messages)


def test_a_strong_password_is_accepted(people):
    validate_password("lianghui-2026-jianyi", people.staff)


# --- the audit trail -------------------------------------------------------------------------


def test_audit_events_cannot_be_changed_or_deleted_through_the_orm(people, journey):
    journey.registered()
    event = AuditEvent.objects.first()
    event.reason = "改写历史"
    with pytest.raises(HistoryIsImmutable):
        event.save()
    with pytest.raises(HistoryIsImmutable):
        event.delete()
    with pytest.raises(HistoryIsImmutable):
        AuditEvent.objects.filter(pk=event.pk).update(reason="改写历史")
    with pytest.raises(HistoryIsImmutable):
        AuditEvent.objects.all().delete()
    event.refresh_from_db()
    assert event.reason == ""


def test_audit_events_cannot_be_changed_or_deleted_in_the_admin(client, people, journey):
    from django.contrib.auth import get_user_model

    journey.registered()
    admin_user = get_user_model().objects.create_superuser("root", "r@example.org", PASSWORD)
    client.force_login(admin_user)
    event = AuditEvent.objects.first()
    change = client.post(f"/admin/suggestions/auditevent/{event.pk}/change/", {"reason": "x"})
    delete = client.post(f"/admin/suggestions/auditevent/{event.pk}/delete/", {"post": "yes"})
    assert change.status_code in (403, 200) and delete.status_code == 403
    event.refresh_from_db()
    assert event.reason == "" and AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.postgres
def test_postgresql_refuses_raw_sql_that_would_rewrite_history(people, journey):
    if connection.vendor != "postgresql":
        pytest.skip("the database trigger exists on PostgreSQL only")
    journey.registered()
    event_id = AuditEvent.objects.values_list("pk", flat=True).first()
    for sql in (
        "UPDATE suggestions_auditevent SET reason = 'x' WHERE id = %s",
        "DELETE FROM suggestions_auditevent WHERE id = %s",
    ):
        with pytest.raises(Exception, match="audit events are immutable"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, [event_id])
    assert AuditEvent.objects.filter(pk=event_id, reason="").exists()
