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
    # get_or_create: a transactional test's flush removes the rows the data migration seeded.
    return Category.objects.get_or_create(name=name)[0]


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


# 五定 named at 签收 (workflow.assignment_accept): required of 主办/分办 units.
FIVE_FIXED = {
    "responsible_leader": "李分管",
    "handler_name": "张经办",
    "handler_phone": "13800138000",
}
