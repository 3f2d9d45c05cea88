"""The public reply page: no login, only published replies, no personal contact data."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from congresses import context
from congresses.models import Congress

from . import selectors
from .forms import PublicSearchForm


def public_replies(request):
    """One congress's published replies: `?congress=<code>` (a province's platform links each
    congress's page), else the congress acted in or the default one."""
    code = request.GET.get("congress", "")
    if code:
        congress_id = (
            Congress.objects.filter(code=code, is_active=True).values_list("pk", flat=True).first()
        )
        if congress_id is None:
            raise Http404("no such congress")
    else:
        congress_id = context.current_id() or context.default_congress_id()
    with context.acting_in(congress_id):
        return _public_replies(request, congress_id)


def _public_replies(request, congress_id: int):
    # The filter offers the years that have published replies. A link may still ask for any
    # year since the portal's calendar begins: it is kept (and answers none) rather than
    # silently showing every year.
    years = selectors.public_reply_years(congress_id)
    asked = request.GET.get("year", "")
    if asked.isdigit() and 2004 <= int(asked) <= timezone.localdate().year:
        years = sorted({*years, int(asked)}, reverse=True)
    form = PublicSearchForm(request.GET or None, years=years)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    replies = selectors.public_replies(
        congress_id=congress_id,
        category=filters.get("category"),
        year=filters.get("year"),
        text=filters.get("q") or "",
    )
    page = Paginator(replies, 20).get_page(request.GET.get("page"))
    return render(request, "public/replies.html", {"form": form, "page": page})
