"""Security round two (issue 12): an audit trail nothing can truncate or switch off for a
whole connection, a lockout that trusts only the proxy's own hop, no redirect off the site,
capped attachments, password changes, and a demo staff account that is not a superuser."""

import datetime as dt
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction

from accounts.models import LoginFailure
from suggestions import workflow
from suggestions.history import history_maintenance
from suggestions.models import Attachment, AuditEvent, Reply

from .factories import PASSWORD, pdf_upload, release_reply
from .test_settings import production, run_django

# --- the audit trail on PostgreSQL -----------------------------------------------------------

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the database triggers exist on PostgreSQL only"
)
IMMUTABLE = "audit events are immutable"


def _raw(sql, params=()):
    with connection.cursor() as cursor:
        if sql.startswith("TRUNCATE"):
            # The test's own rows leave deferred foreign-key checks, which TRUNCATE won't wait for.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(sql, params)


@pytest.mark.postgres
@postgres_only
@pytest.mark.parametrize(
    "sql",
    [
        "TRUNCATE suggestions_auditevent",
        "TRUNCATE suggestions_suggestion, suggestions_auditevent CASCADE",
    ],
)
def test_truncate_of_the_audit_trail_is_refused(people, journey, sql):
    journey.registered()
    with pytest.raises(Exception, match=IMMUTABLE):
        with transaction.atomic():
            _raw(sql)
    assert AuditEvent.objects.exists()


@pytest.mark.postgres
@postgres_only
def test_the_old_on_switch_no_longer_opens_the_trail(people, journey):
    journey.registered()
    event_id = AuditEvent.objects.values_list("pk", flat=True).first()
    with pytest.raises(Exception, match=IMMUTABLE):
        with transaction.atomic():
            _raw("SET LOCAL portal.history_maintenance = 'on'")
            _raw("DELETE FROM suggestions_auditevent WHERE id = %s", [event_id])
    assert AuditEvent.objects.filter(pk=event_id).exists()


@pytest.mark.postgres
@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_session_level_switch_does_not_carry_into_a_later_transaction(people, journey):
    journey.registered()
    event_id = AuditEvent.objects.values_list("pk", flat=True).first()
    # Session-level (is_local false), as a plain SET would leave it on a pooled connection.
    with transaction.atomic():
        _raw("SELECT set_config('portal.history_maintenance', txid_current()::text, false)")
    try:
        for sql in (
            "UPDATE suggestions_auditevent SET reason = 'x' WHERE id = %s",
            "DELETE FROM suggestions_auditevent WHERE id = %s",
        ):
            with pytest.raises(Exception, match=IMMUTABLE):
                with transaction.atomic():
                    _raw(sql, [event_id])
        with pytest.raises(Exception, match=IMMUTABLE):
            with transaction.atomic():
                _raw("TRUNCATE suggestions_auditevent")
    finally:
        _raw("RESET portal.history_maintenance")
    assert AuditEvent.objects.filter(pk=event_id, reason="").exists()


@pytest.mark.postgres
@postgres_only
def test_the_maintenance_path_still_changes_and_removes_history(people, journey):
    journey.registered()
    journey.registered()
    first, second = AuditEvent.objects.values_list("pk", flat=True)[:2]
    with history_maintenance():
        _raw("UPDATE suggestions_auditevent SET reason = '更正' WHERE id = %s", [first])
        _raw("DELETE FROM suggestions_auditevent WHERE id = %s", [second])
    assert AuditEvent.objects.get(pk=first).reason == "更正"
    assert not AuditEvent.objects.filter(pk=second).exists()
    # The switch ended with that transaction.
    with pytest.raises(Exception, match=IMMUTABLE):
        with transaction.atomic():
            _raw("DELETE FROM suggestions_auditevent WHERE id = %s", [first])
    with history_maintenance():
        _raw("TRUNCATE suggestions_auditevent")
    assert not AuditEvent.objects.exists()


# --- the client address behind the proxy -----------------------------------------------------

PROXY = "10.0.0.2"  # the TLS proxy, as REMOTE_ADDR sees it


def _login_via_proxy(client, username, password, forwarded):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        HTTP_X_FORWARDED_FOR=forwarded,
        REMOTE_ADDR=PROXY,
    )


@pytest.fixture
def behind_proxy(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.TRUSTED_PROXY_COUNT = 1
    settings.PORTAL = {**settings.PORTAL, "LOGIN_MAX_FAILURES_PER_IP": 6}


def test_rotating_spoofed_forwarded_entries_still_lock_the_address(client, people, behind_proxy):
    # The attacker at 203.0.113.7 invents a new leftmost entry each time; the proxy appends
    # the real address.
    for i in range(6):
        _login_via_proxy(client, f"nobody{i}", "wrong", f"198.51.100.{i}, 203.0.113.7")
    response = _login_via_proxy(client, "staff1", PASSWORD, "198.51.100.99, 203.0.113.7")
    assert "已暂时锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_chosen_forwarded_entry_cannot_lock_out_another_address(client, people, behind_proxy):
    victim = "192.0.2.10"
    for i in range(6):
        _login_via_proxy(client, f"nobody{i}", "wrong", f"{victim}, 203.0.113.66")
    response = _login_via_proxy(client, "staff1", PASSWORD, victim)
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(people.staff.pk)
    assert set(LoginFailure.objects.values_list("ip", flat=True)) == {"203.0.113.66"}


@pytest.mark.parametrize(
    ("count", "forwarded", "recorded"),
    [
        (0, "203.0.113.7", PROXY),  # no proxy trusted: the header is ignored
        (1, "not-an-address", PROXY),
        (2, "203.0.113.7", PROXY),  # fewer entries than trusted proxies
        (2, "198.51.100.1, 203.0.113.7, 10.0.0.1", "203.0.113.7"),  # CDN, then our proxy
    ],
)
def test_the_address_comes_from_the_trusted_hop_or_remote_addr(
    client, people, settings, count, forwarded, recorded
):
    settings.TRUSTED_PROXY_COUNT = count
    _login_via_proxy(client, "staff1", "wrong", forwarded)
    assert LoginFailure.objects.get().ip == recorded


def test_the_api_throttle_counts_the_trusted_hop_too(client, db, behind_proxy, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "anon": "2/min",
        },
    }
    cache.clear()
    statuses = [
        client.get(
            "/api/docs/", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}, 203.0.113.7", REMOTE_ADDR=PROXY
        ).status_code
        for i in range(3)
    ]
    assert statuses == [200, 200, 429]


@pytest.mark.parametrize(
    ("env", "count"),
    [({"BEHIND_TLS_PROXY": "true"}, 1), ({}, 0), ({"TRUSTED_PROXY_COUNT": "2"}, 2)],
)
def test_trusted_proxy_count_defaults_to_one_behind_the_proxy(tmp_path, env, count):
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.TRUSTED_PROXY_COUNT)"
    )
    result = run_django(code, tmp_path, **production(**env))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == str(count)


# --- no redirect off the site ----------------------------------------------------------------

OFF_SITE = [
    "https://evil.invalid/",
    "//evil.invalid/",
    "///evil.invalid/",
    "https:/\\evil.invalid/",
    "\\\\evil.invalid/",
    "javascript:alert(1)",
]


def _pending_extension(people, journey):
    _, assignment = journey.accepted()
    return workflow.assignment_request_extension(
        actor=people.unit_user,
        assignment=assignment,
        requested_deadline=assignment.deadline + dt.timedelta(days=30),
        reason="需要实地调研",
        deputy_informed=True,
    )


def _decide(client, people, extension, next_url, **extra):
    client.force_login(people.staff)
    return client.post(
        f"/suggestions/requests/extension/{extension.pk}/decide/",
        {"approve": "yes", "note": "", "next": next_url},
        **extra,
    )


@pytest.mark.parametrize("target", OFF_SITE)
def test_a_staff_decision_never_redirects_off_site(client, people, journey, target):
    extension = _pending_extension(people, journey)
    response = _decide(client, people, extension, target)
    suggestion_id = extension.assignment.suggestion_id
    assert response.status_code == 302
    assert response["Location"] == f"/suggestions/{suggestion_id}/"


def test_a_staff_decision_honours_a_same_site_next(client, people, journey):
    extension = _pending_extension(people, journey)
    response = _decide(client, people, extension, "/suggestions/requests/?tab=extension")
    assert response["Location"] == "/suggestions/requests/?tab=extension"


def test_over_https_a_plain_http_next_is_refused(client, people, journey):
    extension = _pending_extension(people, journey)
    response = _decide(client, people, extension, "http://testserver/suggestions/", secure=True)
    assert response["Location"] == f"/suggestions/{extension.assignment.suggestion_id}/"


@pytest.mark.parametrize("target", OFF_SITE)
def test_login_never_redirects_off_site(client, people, target):
    response = client.post(
        f"/accounts/login/?next={quote(target)}",
        {"username": "staff1", "password": PASSWORD, "next": target},
    )
    assert response.status_code == 302 and response["Location"] == "/"


def test_login_honours_a_same_site_next(client, people):
    response = client.post(
        "/accounts/login/", {"username": "staff1", "password": PASSWORD, "next": "/inbox/"}
    )
    assert response["Location"] == "/inbox/"


@pytest.mark.parametrize("target", OFF_SITE)
def test_logout_never_redirects_off_site(client, people, target):
    client.force_login(people.staff)
    response = client.post("/accounts/logout/", {"next": target})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"


def test_logout_honours_a_same_site_next(client, people):
    client.force_login(people.staff)
    response = client.post("/accounts/logout/", {"next": "/public/"})
    assert response["Location"] == "/public/"


# --- attachments per reply -------------------------------------------------------------------


def _reply_with(client, people, assignment, files):
    client.force_login(people.unit_user)
    return client.post(
        f"/inbox/{assignment.pk}/reply/",
        {
            "reply-text": "答复内容",
            "reply-result": "A",
            "reply-publication": "public",
            "reply-attachments": files,
        },
    )


def test_too_many_attachments_are_refused_in_the_reply_form(client, people, journey, settings):
    settings.PORTAL = {**settings.PORTAL, "ATTACHMENT_MAX_COUNT": 3}
    _, assignment = journey.accepted()
    files = [pdf_upload(f"附件{i}.pdf") for i in range(4)]
    response = _reply_with(client, people, assignment, files)
    assert response.status_code == 200
    assert "一次答复最多上传 3 个附件,本次选择了 4 个" in response.content.decode()
    assert not Reply.objects.exists() and not Attachment.objects.exists()


def test_attachments_too_large_together_are_refused(client, people, journey, settings):
    settings.PORTAL = {**settings.PORTAL, "ATTACHMENT_MAX_MB": 1, "ATTACHMENT_MAX_TOTAL_MB": 2}
    _, assignment = journey.accepted()
    body = b"%PDF-1.4\n" + b"0" * (900 * 1024)  # each under 1 MB, three over 2 MB together
    files = [SimpleUploadedFile(f"扫描件{i}.pdf", body) for i in range(3)]
    response = _reply_with(client, people, assignment, files)
    assert "超过每次答复 2 MB 的合计上限" in response.content.decode()
    assert not Attachment.objects.exists()


def test_attachments_within_the_limits_are_stored(client, people, journey, settings):
    settings.PORTAL = {**settings.PORTAL, "ATTACHMENT_MAX_COUNT": 3}
    _, assignment = journey.accepted()
    files = [pdf_upload(f"附件{i}.pdf") for i in range(3)]
    assert _reply_with(client, people, assignment, files).status_code == 302
    assert Attachment.objects.count() == 3


def test_the_workflow_itself_refuses_too_many_attachments(people, journey, settings):
    # Pages, the API and imports all reply through the workflow: the cap holds for each.
    settings.PORTAL = {**settings.PORTAL, "ATTACHMENT_MAX_COUNT": 1}
    _, assignment = journey.accepted()
    with pytest.raises(workflow.InvalidTransition, match="一次答复最多上传 1 个附件"):
        release_reply(
            actor=people.unit_user,
            assignment=assignment,
            text="经研究,已采纳。",
            result="A",
            attachments=[pdf_upload("一.pdf"), pdf_upload("二.pdf")],
        )
    assert not Reply.objects.exists()


# --- changing one's own password -------------------------------------------------------------

NEW_PASSWORD = "lianghui-2026-jianyi"


def _change_password(client, old, new1, new2=None):
    return client.post(
        "/accounts/password/",
        {"old_password": old, "new_password1": new1, "new_password2": new2 or new1},
        follow=True,
    )


def test_a_user_changes_their_own_password_and_stays_logged_in(client, people):
    client.force_login(people.unit_user)
    page = client.get("/").content.decode()
    assert 'href="/accounts/password/"' in page and "修改密码" in page  # in the navigation
    response = _change_password(client, PASSWORD, NEW_PASSWORD)
    assert "密码已修改" in response.content.decode()
    assert client.get("/inbox/").status_code == 200  # still logged in
    people.unit_user.refresh_from_db()
    assert people.unit_user.check_password(NEW_PASSWORD)
    client.logout()
    assert client.login(username="unit1", password=NEW_PASSWORD)


@pytest.mark.parametrize(
    ("old", "new1", "new2", "message"),
    [
        (PASSWORD, "abc123", None, "密码长度太短。密码必须包含至少 10 个字符。"),
        (PASSWORD, "8462957301", None, "密码只包含数字。"),
        (PASSWORD, "password123", None, "这个密码太常见了。"),
        (PASSWORD, NEW_PASSWORD, "lianghui-2026-other", "输入的两个密码不一致。"),
        ("not-my-password", NEW_PASSWORD, None, "旧密码不正确"),
    ],
)
def test_a_password_breaking_a_rule_is_refused_in_chinese(client, people, old, new1, new2, message):
    client.force_login(people.unit_user)
    response = _change_password(client, old, new1, new2)
    assert response.status_code == 200 and message in response.content.decode()
    people.unit_user.refresh_from_db()
    assert people.unit_user.check_password(PASSWORD)


def test_the_password_page_shows_the_rules_and_needs_a_login(client, people):
    response = client.get("/accounts/password/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    client.force_login(people.deputy_user)
    page = client.get("/accounts/password/").content.decode()
    assert "修改密码" in page and "密码至少包含 10 个字符" in page


def test_wrong_old_passwords_count_towards_the_lockout(client, people):
    """A stolen session must not be a way round the lockout: five wrong old passwords lock the
    account on the password page and at the login."""
    client.force_login(people.unit_user)
    for _ in range(5):
        assert "旧密码不正确" in _change_password(client, "guess", NEW_PASSWORD).content.decode()
    page = _change_password(client, PASSWORD, NEW_PASSWORD).content.decode()
    assert "密码错误次数过多,已暂时锁定" in page
    people.unit_user.refresh_from_db()
    assert people.unit_user.check_password(PASSWORD)  # the right one is refused while locked
    client.logout()
    response = client.post("/accounts/login/", {"username": "unit1", "password": PASSWORD})
    assert "登录失败次数过多,已暂时锁定" in response.content.decode()
