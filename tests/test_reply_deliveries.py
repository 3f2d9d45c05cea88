"""Every deputy answered (DESIGN.md §4a, §8): a reply is recorded as sent to the lead deputy,
each confirmed co-signer and the lead deputies of suggestions merged into it; a merged
suggestion's deputy gives their own verdicts, shown beside the lead's and never counted."""

import pytest
from django.core import mail

from notifications.models import Notification
from suggestions import workflow
from suggestions.models import (
    Assignment,
    CoSignature,
    Feedback,
    ReplyDelivery,
    Suggestion,
)

from .api_helpers import session_client
from .dashboard_helpers import tiles
from .factories import FIVE_FIXED, DeputyFactory, UserFactory, release_follow_up, release_reply


def as_user(client, user):
    client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def merged(people, journey, django_capture_on_commit_callbacks, monkeypatch):
    """A suggestion led by 张伟 and co-signed by 李娜 (confirmed) and 赵六 (not yet), into
    which 王五's suggestion was merged; then its lead unit replies."""
    wang_user = UserFactory(username="wang", is_deputy=True, email="wang@example.org")
    wang = DeputyFactory(term=people.term, name="王五", user=wang_user)
    zhao = DeputyFactory(term=people.term, name="赵六")
    main = journey.registered(title="关于学校周边交通的建议")
    main.co_signers.add(people.other_deputy)  # confirmed: entered by staff on paper
    main.co_signers.add(zhao, through_defaults={"state": CoSignature.State.PENDING})
    own = journey.submitted(title="关于校门口增设护栏的建议", lead_deputy=wang)
    workflow.suggestion_merge(actor=people.staff, suggestion=own, into=main, note="同一事项")
    workflow.suggestion_assign(actor=people.staff, suggestion=main, units=[(people.unit, "lead")])
    assignment = main.assignments.get()
    workflow.assignment_accept(actor=people.unit_user, assignment=assignment, **FIVE_FIXED)
    from congress.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)  # e-mails sent at commit
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reply = release_reply(
            actor=people.unit_user,
            assignment=assignment,
            text="已在校门口增设护栏和信号灯。",
            result="A",
            is_public=True,
        )
    return {
        "main": main,
        "own": own,
        "wang": wang,
        "wang_user": wang_user,
        "zhao": zhao,
        "reply": reply,
    }


def test_a_reply_is_recorded_as_sent_to_the_lead_confirmed_co_signers_and_merged_deputies(
    people, merged
):
    rows = {
        (d.deputy.name, d.role, d.via_id, d.sent_on)
        for d in ReplyDelivery.objects.filter(reply=merged["reply"]).select_related("deputy")
    }
    day = merged["reply"].replied_on
    assert rows == {
        ("张伟", "lead", merged["main"].pk, day),
        ("李娜", "co_signer", merged["main"].pk, day),
        ("王五", "merged", merged["own"].pk, day),
    }  # 赵六 has not confirmed: not sent it


def test_each_receiving_deputy_is_told_and_the_merged_one_is_asked_for_feedback(people, merged):
    delivery = ReplyDelivery.objects.get(deputy=merged["wang"])
    wang = Notification.objects.get(recipient=merged["wang_user"])
    assert wang.url == f"/my/deliveries/{delivery.pk}/"
    assert "已并入此件办理" in wang.body
    assert Notification.objects.filter(recipient=people.deputy_user, url__contains="/feedback/")
    assert Notification.objects.filter(recipient=people.other_deputy_user).exists()
    assert "wang@example.org" in {address for m in mail.outbox for address in m.to}


def test_a_follow_up_reply_is_delivered_again(people, merged):
    # A B-class reply later followed up is sent to everyone once more.
    reply = merged["reply"]
    reply.result = "B"
    reply.save(update_fields=["result"])
    new = release_follow_up(
        actor=people.unit_user,
        reply=reply,
        text="已全部完成。",
        result="A",
        is_public=True,
    )
    assert new.deliveries.count() == 3


def test_the_merged_deputy_reads_the_reply_and_gives_feedback_from_my_page(
    client, people, merged, django_assert_max_num_queries
):
    deputy = as_user(client, merged["wang_user"])
    with django_assert_max_num_queries(12):
        listing = text(deputy.get("/my/"))
    delivery = ReplyDelivery.objects.get(deputy=merged["wang"])
    assert "并案建议的答复" in listing and f"/my/deliveries/{delivery.pk}/" in listing
    with django_assert_max_num_queries(12):
        page = deputy.get(f"/my/deliveries/{delivery.pk}/")
    assert "已在校门口增设护栏和信号灯" in text(page)
    response = deputy.post(
        f"/my/deliveries/{delivery.pk}/",
        {"result_verdict": "dissatisfied", "work_verdict": "basically", "remarks": "护栏太矮"},
    )
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.result_verdict, delivery.remarks, delivery.on_behalf) == (
        "dissatisfied",
        "护栏太矮",
        False,
    )
    # Only the lead deputy's 不满意 reopens handling: this one changes nothing.
    assert Assignment.objects.get(suggestion=merged["main"]).state == "replied"
    assert Suggestion.objects.get(pk=merged["main"].pk).status == "replied"
    assert not Feedback.objects.exists()
    # Given once.
    again = deputy.post(
        f"/my/deliveries/{delivery.pk}/",
        {"result_verdict": "satisfied", "work_verdict": "satisfied"},
    )
    assert "您已对该答复反馈过意见" in text(again)
    delivery.refresh_from_db()
    assert delivery.result_verdict == "dissatisfied"


def test_merged_feedback_is_shown_beside_the_leads_and_not_counted_in_the_figures(
    client, people, merged, settings
):
    reply = merged["reply"]
    workflow.feedback_record(
        actor=people.deputy_user, reply=reply, result_verdict="satisfied", work_verdict="satisfied"
    )
    workflow.delivery_feedback_record(
        actor=merged["wang_user"],
        delivery=ReplyDelivery.objects.get(deputy=merged["wang"]),
        result_verdict="dissatisfied",
        work_verdict="dissatisfied",
        remarks="护栏太矮",
    )
    page = text(as_user(client, people.staff).get(f"/suggestions/{merged['main'].pk}/"))
    assert "并案代表王五反馈" in page and "护栏太矮" in page and "不计入统计" in page
    assert "送达代表" in page and "王五(并案" in page
    dashboard = as_user(client, people.leader).get("/dashboard/", {"term": people.term.pk})
    shown = tiles(text(dashboard))
    # One suggestion with feedback, the lead's 满意: the merged deputy's 不满意 is not counted.
    assert shown["满意率"][1:] == ("100.0%", "1 / 1")


def test_staff_enter_a_merged_deputys_paper_feedback(client, people, merged):
    delivery = ReplyDelivery.objects.get(deputy=merged["wang"])
    staff = as_user(client, people.staff)
    url = f"/suggestions/{merged['main'].pk}/deliveries/{delivery.pk}/feedback/"
    assert staff.get(url).status_code == 200
    staff.post(url, {"result_verdict": "satisfied", "work_verdict": "satisfied"})
    delivery.refresh_from_db()
    assert (delivery.result_verdict, delivery.on_behalf) == ("satisfied", True)


def test_only_the_merged_deputy_or_staff_give_that_feedback(client, people, merged):
    delivery = ReplyDelivery.objects.get(deputy=merged["wang"])
    url = f"/my/deliveries/{delivery.pk}/"
    form = {"result_verdict": "satisfied", "work_verdict": "satisfied"}
    # The lead deputy may see the reply (it is theirs), but this row is not: 403.
    assert as_user(client, people.deputy_user).post(url, form).status_code == 403
    # Another deputy does not see it at all: 404; a unit's user is no deputy: 403.
    stranger = UserFactory(username="stranger", is_deputy=True)
    DeputyFactory(term=people.term, user=stranger)
    assert as_user(client, stranger).post(url, form).status_code == 404
    assert as_user(client, people.unit_user).post(url, form).status_code == 403
    # The API says the same.
    api = session_client(people.deputy_user)
    assert (
        api.post(f"/api/v1/deliveries/{delivery.pk}/feedback/", form, format="json").status_code
        == 403
    )
    assert (
        session_client(stranger)
        .post(f"/api/v1/deliveries/{delivery.pk}/feedback/", form, format="json")
        .status_code
        == 404
    )
    delivery.refresh_from_db()
    assert delivery.result_verdict == ""


def test_the_api_lists_deliveries_and_takes_merged_feedback(people, merged):
    delivery = ReplyDelivery.objects.get(deputy=merged["wang"])
    api = session_client(merged["wang_user"])
    response = api.post(
        f"/api/v1/deliveries/{delivery.pk}/feedback/",
        {"result_verdict": "basically", "work_verdict": "satisfied"},
        format="json",
    )
    assert response.status_code == 201
    body = session_client(people.staff).get(f"/api/v1/replies/{merged['reply'].pk}/").json()
    assert body["feedback"] is None  # the lead has not answered: the figures' feedback
    sent = {(d["deputy"]["name"], d["role"], d["result_verdict"]) for d in body["deliveries"]}
    assert sent == {
        ("张伟", "lead", ""),
        ("李娜", "co_signer", ""),
        ("王五", "merged", "basically"),
    }


def test_the_export_shows_the_merged_deputys_verdict(client, people, merged):
    from .xlsx import read_rows

    workflow.delivery_feedback_record(
        actor=merged["wang_user"],
        delivery=ReplyDelivery.objects.get(deputy=merged["wang"]),
        result_verdict="basically",
        work_verdict="satisfied",
    )
    response = as_user(client, people.staff).get("/imports/export/suggestions/")
    header, *rows = read_rows(response.content)
    column = list(header).index("代表反馈")
    assert {row[column] for row in rows} == {"王五(并案):基本满意", None}


def test_the_backfill_records_past_replies_as_sent(people, merged):
    from importlib import import_module

    from django.apps import apps

    ReplyDelivery.objects.all().delete()
    migration = import_module("suggestions.migrations.0014_reply_deliveries_and_external_tickets")
    migration.record_past_deliveries(apps, None)
    assert set(ReplyDelivery.objects.values_list("deputy__name", "role")) == {
        ("张伟", "lead"),
        ("李娜", "co_signer"),
        ("王五", "merged"),
    }


def test_bulk_written_replies_get_the_same_deliveries_as_the_workflow_gives(people, merged):
    # The demo seeder writes replies in bulk and then records their deliveries in bulk.
    from suggestions.deliveries import deliveries_record_missing

    given = set(ReplyDelivery.objects.values_list("reply", "deputy", "role", "via", "sent_on"))
    ReplyDelivery.objects.all().delete()
    assert deliveries_record_missing() == 3
    again = set(ReplyDelivery.objects.values_list("reply", "deputy", "role", "via", "sent_on"))
    assert again == given
    assert deliveries_record_missing() == 0  # only replies without deliveries
