"""factory_boy factories. States beyond `submitted` are reached through the workflow in
tests (see tests/conftest.py), never by writing a status directly."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from deputies.models import Delegation, Deputy, Meeting, Term
from suggestions.models import Category, Suggestion
from units.models import Unit

PASSWORD = "portal-test-pw"


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"测试承办单位{n}")
    system = Unit.System.GOVERNMENT


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Sequence(lambda n: f"用户{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class TermFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Term
        django_get_or_create = ("number",)

    number = 13
    name = factory.LazyAttribute(lambda t: f"市第{t.number}届")
    start_date = dt.date(2023, 1, 1)
    is_current = True


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    term = factory.SubFactory(TermFactory)
    number = factory.Sequence(lambda n: n + 1)
    name = factory.LazyAttribute(lambda m: f"第{m.number}次会议")
    start_date = dt.date(2026, 1, 10)


class DelegationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delegation

    term = factory.SubFactory(TermFactory)
    name = factory.Sequence(lambda n: f"第{n}代表团")


class DeputyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deputy

    term = factory.SubFactory(TermFactory)
    name = factory.Sequence(lambda n: f"代表{n}")
    phone = factory.Sequence(lambda n: f"1380000{n:04d}")


def category(name: str = "城乡建设") -> Category:
    from congresses.context import default_congress_id

    # get_or_create: a transactional test's flush removes the rows the data migration seeded.
    # The congress acted in (or the default one): names repeat across congresses.
    return Category.objects.get_or_create(name=name, congress_id=default_congress_id())[0]


class SuggestionFactory(factory.django.DjangoModelFactory):
    """A suggestion as staff log it: submitted, numbered."""

    class Meta:
        model = Suggestion

    term = factory.SubFactory(TermFactory)
    number = factory.Sequence(lambda n: n + 1)
    channel = "session"
    category = factory.LazyFunction(category)
    title = factory.Sequence(lambda n: f"关于改善第{n}号路段交通秩序的建议")
    content = "建议加强早晚高峰交通疏导,增设信号灯。"
    lead_deputy = factory.SubFactory(DeputyFactory, term=factory.SelfAttribute("..term"))
    submitted_on = dt.date(2026, 1, 12)
    status = Suggestion.Status.SUBMITTED


def pdf_upload(name: str = "答复函.pdf"):
    """A small file that is a PDF by content."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    return SimpleUploadedFile(name, body, content_type="application/pdf")


# --- replies: drafted, signed (签发) and released, as the portal makes them official ----------


def _signer_of(actor, unit):
    if actor.can_sign_replies and actor.unit_id == unit.pk:
        return actor
    found = get_user_model().objects.filter(unit=unit, is_unit_user=True, can_sign_replies=True)
    return found.first() or UserFactory(is_unit_user=True, unit=unit, can_sign_replies=True)


def _reviewer():
    from congresses.context import default_congress_id

    # The staff of the congress acted in (or the default one): never another congress's.
    found = get_user_model().objects.filter(
        is_committee_staff=True, is_active=True, congress_id=default_congress_id()
    )
    return found.first() or UserFactory(is_committee_staff=True)


def _publication(is_public: bool, not_public_reason: str) -> dict:
    if is_public:
        return {"publication": "public"}
    return {"publication": "private", "not_public_reason": not_public_reason}


def sign_and_release(draft, *, actor, replied_on):
    from suggestions import signing

    draft = signing.reply_sign(
        actor=_signer_of(actor, draft.assignment.unit), draft=draft, signed_on=replied_on
    )
    if draft.stage == "signed":
        return signing.reply_release(actor=_reviewer(), draft=draft, released_on=replied_on)
    return draft.reply


def release_reply(
    *,
    actor,
    assignment,
    text: str,
    result: str,
    replied_on=None,
    is_public: bool = False,
    not_public_reason: str = "",
    contact_person: str = "",
    contact_phone: str = "",
    attachments=(),
):
    """A reply as the deputy receives it: `actor` (the clerk) drafts, a user of the unit with
    the signing right signs on `replied_on`, and staff release it that day where review is
    required. Returns the released Reply."""
    from suggestions import signing

    draft = signing.reply_draft_save(
        actor=actor,
        assignment=assignment,
        text=text,
        result=result,
        contact_person=contact_person,
        contact_phone=contact_phone,
        attachments=attachments,
        **_publication(is_public, not_public_reason),
    )
    return sign_and_release(draft, actor=actor, replied_on=replied_on)


def release_follow_up(
    *,
    actor,
    reply,
    text: str,
    result: str,
    replied_on=None,
    is_public: bool = False,
    not_public_reason: str = "",
):
    """A follow-up (跟踪答复) drafted, signed and released like `release_reply`."""
    from suggestions import signing

    draft = signing.reply_follow_up_draft(
        actor=actor,
        reply=reply,
        text=text,
        result=result,
        **_publication(is_public, not_public_reason),
    )
    return sign_and_release(draft, actor=actor, replied_on=replied_on)


# --- supervision -------------------------------------------------------------------------------


class CommitteeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "supervision.Committee"
        django_get_or_create = ("name",)

    name = "财政经济委员会"
    kind = "special"


def key_topic(*, staff, leaders, suggestions, title="优化城区交通出行环境", year=2026, **kwargs):
    """A 重点督办专题 made as staff make it (supervision.services.topic_create)."""
    from supervision import services

    suggestions = list(suggestions)
    term = kwargs.pop("term", None) or suggestions[0].term
    kwargs.setdefault("committee", CommitteeFactory())
    return services.topic_create(
        actor=staff,
        year=year,
        term=term,
        title=title,
        leaders=list(leaders),
        suggestions=suggestions,
        **kwargs,
    )


# 五定 named at 签收 (workflow.assignment_accept): required of 主办/分办 units.
FIVE_FIXED = {
    "responsible_leader": "李分管",
    "handler_name": "张经办",
    "handler_phone": "13800138000",
}
