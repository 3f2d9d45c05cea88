from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from . import services
from .errors import NotPermitted


@login_required
@require_http_methods(["GET", "POST"])
def switch(request):
    """切换人大: the congresses the user may act in, and a button for each."""
    error = ""
    if request.method == "POST":
        try:
            congress = services.congress_switch(
                user=request.user, congress_id=request.POST.get("congress", "")
            )
        except NotPermitted as refused:
            error = refused.message
        else:
            messages.success(request, f"已切换到{congress.name}")
            return redirect("home")
    return render(
        request,
        "congresses/switch.html",
        {"congresses": services.congresses_open_to(request.user), "error": error},
        status=403 if error else 200,
    )
