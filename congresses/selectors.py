"""The congress tree (DESIGN.md §11): which congresses lie below one."""

from .models import Congress


def below(congress_id: int) -> list[Congress]:
    """Every active congress below `congress_id`, at any depth, in tree order (each after its
    parent, siblings by code); one query whatever the depth."""
    every = list(Congress.objects.filter(is_active=True).order_by("code"))
    children: dict[int | None, list[Congress]] = {}
    for c in every:
        children.setdefault(c.parent_id, []).append(c)
    found, stack = [], list(reversed(children.get(congress_id, [])))
    while stack:
        c = stack.pop()
        found.append(c)
        stack.extend(reversed(children.get(c.pk, [])))
    return found
