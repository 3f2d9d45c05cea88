"""A unit's user walks every URL of the portal and finds nothing of another unit."""

import itertools
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from suggestions import workflow
from suggestions.models import Assignment, AuditEvent, Contact, Reply

from .factories import pdf_upload, release_reply

# Words that appear only in the first unit's records.
MARKERS = ("甲单位专属建议标题", "甲单位的答复正文", "甲单位的面商记录", "甲单位的延期理由")


def _routes(patterns=None, prefix=""):
    """Every route of the portal as a string with its <converter:name> placeholders."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith("admin/"):
                continue  # the admin has its own staff-only gate, tested in test_admin
            yield from _routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route


STR_VALUES = {
    "kind": ["reassignment", "extension"],
    "action": ["contact", "reply", "opinion", "extension", "reassignment"],
}


def _urls(route: str, ids: list[int]):
    names = re.findall(r"<(\w+):(\w+)>", route)
    choices = [ids if conv == "int" else STR_VALUES.get(name, ["x"]) for conv, name in names]
    for values in itertools.product(*choices):
        url = route
        for (conv, name), value in zip(names, values, strict=True):
            url = url.replace(f"<{conv}:{name}>", str(value), 1)
        yield "/" + url


@pytest.fixture
def first_units_records(people, journey):
    suggestion, assignment = journey.accepted(title="甲单位专属建议标题")
    workflow.assignment_record_contact(
        actor=people.unit_user,
        assignment=assignment,
        kind="face",
        contacted_on=timezone.localdate(),
        participants="张伟",
        summary="甲单位的面商记录",
    )
    workflow.assignment_request_extension(
        actor=people.unit_user,
        assignment=assignment,
        requested_deadline=assignment.deadline + timezone.timedelta(days=10),
        reason="甲单位的延期理由",
        deputy_informed=True,
    )
    reply = release_reply(
        actor=people.unit_user,
        assignment=assignment,
        text="甲单位的答复正文",
        result="B",
        is_public=False,
        not_public_reason="涉及个人信息",
        attachments=[pdf_upload()],
    )
    # The other unit has work of its own, so its pages are not empty.
    journey.assigned(title="乙单位的建议", roles=(("other_unit", "lead"),))
    ids = {
        suggestion.pk,
        assignment.pk,
        reply.pk,
        reply.attachments.get().pk,
        assignment.extensionrequests.get().pk,
        assignment.contacts.get().pk,
    }
    return sorted(ids)


def _table_sizes():
    return [m.objects.count() for m in (Assignment, Reply, Contact, AuditEvent)]


def test_another_units_user_finds_nothing_of_the_first_unit_anywhere(
    client, people, first_units_records
):
    client.force_login(people.other_unit_user)
    before = _table_sizes()
    visited = 0
    routes = list(_routes())
    for expected in ("suggestions/<int:pk>/", "inbox/<int:pk>/<str:action>/", "my/", "public/"):
        assert expected in routes
    assert "files/attachments/<int:pk>/" in routes
    for route in routes:
        for url in _urls(route, first_units_records):
            for method in ("get", "post"):
                client.force_login(people.other_unit_user)  # logout/ is one of the routes
                response = getattr(client, method)(url)
                visited += 1
                assert response.status_code < 500, (method, url)
                body = (
                    b"".join(response.streaming_content) if response.streaming else response.content
                )
                for marker in MARKERS:
                    assert marker.encode() not in body, (method, url, marker)
    assert visited >= 2 * len(routes)
    assert _table_sizes() == before


def test_the_first_units_own_user_does_see_them(client, people, first_units_records):
    client.force_login(people.unit_user)
    inbox = client.get("/inbox/?tab=replied").content.decode()
    assert "甲单位专属建议标题" in inbox
