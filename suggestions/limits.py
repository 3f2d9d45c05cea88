"""The longest list one request may carry, and its refusal in Chinese: the one place the API
serializers, the page forms and the workflow ask. The numbers are settings
(PORTAL["MAX_*"] in congress/settings.py), listed in README's Security section. Edges check
the length before they look anything up, so an oversized list costs no query."""

from django.conf import settings

# kind → (setting, refusal)
_LIMITS = {
    "co_signers": ("MAX_CO_SIGNERS", "附议代表最多{limit}人"),
    "units": ("MAX_UNITS_PER_ASSIGNMENT", "一次交办最多{limit}个承办单位"),
    "bulk": ("MAX_BULK_ITEMS", "一次最多处理{limit}件建议,请缩小筛选范围或分批操作"),
}

CODE = "too_many"


def limit(kind: str) -> int:
    return settings.PORTAL[_LIMITS[kind][0]]


def too_many(kind: str, count: int) -> str | None:
    """The refusal when `count` items exceed the limit for `kind`, else None."""
    if count <= limit(kind):
        return None
    return _LIMITS[kind][1].format(limit=limit(kind))
