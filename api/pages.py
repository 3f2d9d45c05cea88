"""The staff page that issues and revokes API tokens."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from suggestions.access import staff_required

from . import services
from .forms import TokenIssueForm
from .models import ApiToken


@staff_required
def tokens(request):
    """List tokens; on POST issue one and show it once, on this response only (never stored)."""
    form = TokenIssueForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        token, raw = services.token_issue(
            actor=request.user, owner=form.cleaned_data["owner"], name=form.cleaned_data["name"]
        )
        issued = {"token": token, "raw": raw}
        form = TokenIssueForm()
    rows = ApiToken.objects.select_related("user", "created_by", "revoked_by")
    response = render(request, "api/tokens.html", {"form": form, "tokens": rows, "issued": issued})
    if issued:
        response["Cache-Control"] = "no-store"  # the page holds a secret
    return response


@require_POST
@staff_required
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk)
    services.token_revoke(actor=request.user, token=token)
    messages.success(request, f"已吊销令牌“{token.name}”")
    return redirect("api:tokens")
