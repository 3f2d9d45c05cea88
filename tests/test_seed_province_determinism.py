"""`seed_demo --congresses N --scale M` is deterministic: the same seed gives the same rows
(by content, not primary keys) on every run, in every congress."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from congresses.models import Congress
from suggestions import demo

from .test_seed_demo import checksum

pytestmark = pytest.mark.django_db


def _province_checksum(seed: int) -> tuple[str, list]:
    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            call_command(
                "seed_demo",
                congresses=3,
                scale=90,
                seed=seed,
                reference_date=demo.BASE_REFERENCE_DATE,
                stdout=StringIO(),
            )
            tree = list(Congress.objects.order_by("code").values_list("code", "name", "level"))
            result = (checksum(), tree)
            raise Rollback
    except Rollback:
        return result


def test_the_same_seed_gives_the_same_province_and_another_seed_does_not():
    first, tree = _province_checksum(2026)
    assert sorted(level for _, _, level in tree) == ["city", "county", "province"]
    assert _province_checksum(2026) == (first, tree)
    assert _province_checksum(7)[0] != first
