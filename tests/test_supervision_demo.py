"""The demo seeder's key topics: one in progress with a late milestone and instructions to
acknowledge, one closed with its report; their acts on the timeline and in the report."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from suggestions import demo, figures
from supervision.models import Acknowledgement, KeyTopic

pytestmark = pytest.mark.django_db


def test_the_demo_has_an_open_and_a_closed_topic(settings):
    call_command(
        "seed_demo",
        scale=200,
        seed=2026,
        reference_date=demo.BASE_REFERENCE_DATE,
        stdout=StringIO(),
    )
    settings.PORTAL_TODAY = demo.BASE_REFERENCE_DATE
    open_topic = KeyTopic.objects.get(state="open")
    closed = KeyTopic.objects.get(state="done")
    assert open_topic.suggestions.exists() and closed.suggestions.exists()
    assert (
        open_topic.milestones.filter(
            done_on__isnull=True, planned_on__lt=demo.BASE_REFERENCE_DATE
        ).count()
        == 1
    )
    acks = Acknowledgement.objects.filter(action__topic=open_topic)
    assert (
        acks.filter(acknowledged_on__isnull=False).exists()
        and acks.filter(acknowledged_on__isnull=True).exists()
    )
    counts = figures.supervision_counts(
        scope=figures.Scope(term=open_topic.term), as_of=demo.BASE_REFERENCE_DATE
    )
    assert counts == {"supervision.instruction": 3, "supervision.urge": 1, "supervision.visit": 1}

    client = Client()
    client.force_login(User.objects.get(username="leader"))
    page = client.get(f"/supervision/topics/{open_topic.pk}/").content.decode()
    assert "推进城市公共交通高质量发展" in page and "滞后 1 项" in page
    assert "促进义务教育优质均衡发展" in client.get("/dashboard/key/").content.decode()
    report = client.get(f"/supervision/topics/{closed.pk}/report/").content.decode()
    assert "集团化办学覆盖面明显扩大" in report
