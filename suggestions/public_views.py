"""The public reply page: no login, only published replies, no personal contact data."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from . import selectors
from .forms import PublicSearchForm


def public_replies(request):
    # The filter offers the years that have published replies. A link may still ask for any
    # year since the portal's calendar begins: it is kept (and answers none) rather than
    # silently showing every year.
    years = selectors.public_reply_years()
    asked = request.GET.get("year", "")
    if asked.isdigit() and 2004 <= int(asked) <= timezone.localdate().year:
        years = sorted({*years, int(asked)}, reverse=True)
    form = PublicSearchForm(request.GET or None, years=years)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    replies = selectors.public_replies(
        category=filters.get("category"), year=filters.get("year"), text=filters.get("q") or ""
    )
    page = Paginator(replies, 20).get_page(request.GET.get("page"))
    return render(request, "public/replies.html", {"form": form, "page": page})
