"""The inbox (/notifications/), the nav badge, notify(), and the staff page of reminders."""

import datetime as dt

import pytest
from django.core import mail
from django.db import transaction

from notifications.models import Notification, ReminderDelivery
from notifications.reminders import reminders_send
from notifications.services import notify

from .factories import PASSWORD


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def test_notify_writes_one_row_per_recipient_and_mails_after_commit(
    people, django_capture_on_commit_callbacks, monkeypatch
):
    from congress.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)  # the e-mail task runs inline
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            rows = notify(
                recipients=[people.unit_user, people.unit_user, people.staff],
                kind="assignment.new",
                title="新交办建议",
                body="请及时签收。",
                url="/suggestions/1/",
            )
            assert mail.outbox == []  # nothing leaves before the change commits
    assert [n.recipient for n in rows] == [people.unit_user, people.staff]
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [people.unit_user.email, people.staff.email]
    )


def test_the_inbox_lists_only_my_notifications_and_the_nav_counts_unread(client, people):
    notify(recipients=[people.unit_user], kind="x", title="给我的通知", email=False)
    notify(recipients=[people.staff], kind="x", title="别人的通知", email=False)
    login(client, people.unit_user)
    page = client.get("/notifications/").content.decode()
    assert "给我的通知" in page and "别人的通知" not in page
    assert 'title="未读通知">1</span>' in page


def test_marking_read_clears_the_badge(client, people):
    (note,) = notify(recipients=[people.unit_user], kind="x", title="通知", email=False)
    login(client, people.unit_user)
    assert client.post(f"/notifications/{note.pk}/read/").status_code == 302
    note.refresh_from_db()
    assert note.is_read
    assert "未读通知" not in client.get("/notifications/").content.decode()


def test_someone_elses_notification_cannot_be_marked(client, people):
    (note,) = notify(recipients=[people.staff], kind="x", title="通知", email=False)
    login(client, people.unit_user)
    assert client.post(f"/notifications/{note.pk}/read/").status_code == 404
    assert client.get(f"/notifications/{note.pk}/read/").status_code == 405
    note.refresh_from_db()
    assert not note.is_read


def test_mark_all_read(client, people):
    notify(recipients=[people.unit_user], kind="x", title="一", email=False)
    notify(recipients=[people.unit_user], kind="x", title="二", email=False)
    login(client, people.unit_user)
    client.post("/notifications/read-all/")
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_the_inbox_needs_a_login(client, db):
    assert client.get("/notifications/").status_code == 302


@pytest.mark.parametrize("size", [2, 20])
def test_the_inbox_answers_in_constant_queries(client, people, django_assert_max_num_queries, size):
    for i in range(size):
        notify(recipients=[people.unit_user], kind="x", title=f"通知{i}", email=False)
    login(client, people.unit_user)
    with django_assert_max_num_queries(6):
        assert client.get("/notifications/").status_code == 200


# --- staff page of reminders -----------------------------------------------------------------


@pytest.fixture
def reminded(people, journey, settings):
    for _ in range(2):
        journey.assigned()
    _s, failing = journey.assigned(roles=(("other_unit", "lead"),))
    deadline = failing.deadline
    reminders_send(today=deadline - dt.timedelta(3))
    ReminderDelivery.objects.filter(assignment=failing).update(
        state="failed", attempts=5, last_error="SMTPServerDisconnected: 连接中断"
    )


def test_staff_see_what_was_sent_and_what_failed(client, people, reminded):
    login(client, people.staff)
    page = client.get("/notifications/reminders/").content.decode()
    assert page.count("已发送") >= 2 and "发送失败" in page
    assert "SMTPServerDisconnected" in page
    failed = client.get("/notifications/reminders/?state=failed").content.decode()
    assert failed.count("到期前3天提醒") == 1


def test_a_bad_state_filter_gets_a_chinese_error(client, people, reminded):
    login(client, people.staff)
    assert "状态参数不正确" in client.get("/notifications/reminders/?state=x").content.decode()


@pytest.mark.parametrize("who", ["unit_user", "leader", "deputy_user", "nobody"])
def test_the_reminder_log_is_for_staff_only(client, people, who):
    login(client, getattr(people, who))
    assert client.get("/notifications/reminders/").status_code == 403


def test_the_reminder_log_answers_in_constant_queries(
    client, people, reminded, django_assert_max_num_queries
):
    login(client, people.staff)
    # The deliveries, their text messages (one prefetch) and the other unsent messages.
    with django_assert_max_num_queries(9):
        assert client.get("/notifications/reminders/").status_code == 200
