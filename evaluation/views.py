"""Evaluation pages: access gateway, form, one service call, render."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from suggestions import access, workflow
from suggestions.access import staff_required

from . import selectors, services
from .forms import BallotForm, PaperBallotForm, RoundForm, VotesForm
from .models import EvaluationRound

logger = logging.getLogger(__name__)


def _round(request, pk) -> EvaluationRound:
    return access.evaluation_round_for_user(request.user, pk)


def _run(form, call, **kwargs) -> bool:
    """One service call; a refusal becomes the form's message (403 for a missing right)."""
    try:
        call(**kwargs)
    except workflow.NotPermitted as exc:
        raise PermissionDenied(exc.code) from None
    except workflow.WorkflowError as exc:
        logger.info("refused %s: %s", call.__name__, exc.code)
        form.add_error(None, exc.message)
        return False
    return True


@login_required
def round_list(request):
    user = request.user
    if not (access.can_see_all(user) or user.is_deputy):
        if user.is_unit_user and user.unit_id:
            return redirect("unit_evaluation:results")
        raise PermissionDenied("evaluation rounds: staff, leaders and deputies")
    invited, voted = selectors.deputy_rounds(user)
    rounds = list(selectors.rounds_for(user))
    if not access.can_see_all(user):
        rounds = [r for r in rounds if r.pk in invited]
    return render(
        request,
        "evaluation/list.html",
        {"rounds": rounds, "invited": invited, "voted": voted},
    )


def _units_of(form) -> list:
    preset = form.cleaned_data.get("preset")
    if preset:
        return list(services.preset_units(preset, year=form.cleaned_data["year"]))
    return list(form.cleaned_data["units"])


@staff_required
def round_create(request):
    form = RoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = []
        if _run(
            form,
            lambda **kw: created.append(services.round_create(**kw)),
            actor=request.user,
            year=data["year"],
            title=data["title"],
            method=data["method"],
            meeting=data["meeting"],
            units=_units_of(form),
            invited=data["invited"],
        ):
            messages.success(request, "已创建测评")
            return redirect("evaluation:detail", created[0].pk)
    return render(request, "evaluation/form.html", {"form": form, "editing": None})


@staff_required
def round_edit(request, pk):
    current = _round(request, pk)
    if current.is_closed:
        messages.error(request, services.CLOSED_MESSAGE)
        return redirect("evaluation:detail", current.pk)
    initial = {
        "year": current.year,
        "title": current.title,
        "method": current.method,
        "meeting": current.meeting,
        "units": list(current.units.all()),
        "invited": list(current.invited.all()),
    }
    form = RoundForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _run(
            form,
            services.round_update,
            actor=request.user,
            evaluation_round=current,
            year=data["year"],
            title=data["title"],
            method=data["method"],
            meeting=data["meeting"],
            units=_units_of(form),
            invited=data["invited"],
        ):
            messages.success(request, "已保存")
            return redirect("evaluation:detail", current.pk)
    return render(request, "evaluation/form.html", {"form": form, "editing": current})


@login_required
def round_detail(request, pk):
    current = _round(request, pk)
    if not access.can_see_all(request.user):
        if request.user.is_deputy:
            return redirect("evaluation:ballot", current.pk)
        raise PermissionDenied("round page: staff and leaders")
    units = list(current.units.order_by("name"))
    results = selectors.results_of([current])[current.pk] if current.is_closed else None
    return render(
        request,
        "evaluation/detail.html",
        {
            "r": current,
            "units": units,
            "turnout": selectors.turnout(current),
            "results": results,
            "is_staff": request.user.is_committee_staff,
        },
    )


@staff_required
@require_POST
def round_step(request, pk, step):
    current = _round(request, pk)
    call, done = {
        "open": (services.round_open, "测评已开始"),
        "close": (services.round_close, "测评已结束,结果已确定"),
    }.get(step, (None, None))
    if call is None:
        raise PermissionDenied("unknown step")
    try:
        call(actor=request.user, evaluation_round=current)
    except workflow.WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("evaluation:detail", current.pk)


@login_required
def ballot(request, pk):
    """The invited deputy's ballot, made for a phone: one group of three choices per unit."""
    current = _round(request, pk)
    access.invited_deputy(request.user, current)
    units = list(current.units.order_by("name"))
    voted = current.participations.filter(access.seat_q(request.user)).exists()
    form = BallotForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        if _run(
            form,
            services.ballot_cast,
            actor=request.user,
            evaluation_round=current,
            verdicts=form.verdicts(),
        ):
            messages.success(
                request, "测评已提交,感谢您的参与。测评为无记名,您的评价不与您的身份关联。"
            )
            return redirect("evaluation:ballot", current.pk)
    return render(request, "evaluation/ballot.html", {"r": current, "form": form, "voted": voted})


@staff_required
def paper_ballot(request, pk):
    current = _round(request, pk)
    units = list(current.units.order_by("name"))
    form = PaperBallotForm(
        request.POST or None, units=units, invited=current.invited.order_by("name")
    )
    if request.method == "POST" and form.is_valid():
        if _run(
            form,
            services.paper_ballot_enter,
            actor=request.user,
            evaluation_round=current,
            verdicts=form.verdicts(),
            deputy=form.cleaned_data.get("deputy"),
        ):
            messages.success(request, "已录入一张纸质测评表")
            return redirect("evaluation:paper", current.pk)
    return render(
        request,
        "evaluation/paper.html",
        {"r": current, "form": form, "turnout": selectors.turnout(current)},
    )


@staff_required
def vote_counts(request, pk):
    current = _round(request, pk)
    units = list(current.units.order_by("name"))
    counts = {c.unit_id: c for c in current.vote_counts.all()}
    form = VotesForm(request.POST or None, units=units, counts=counts)
    if request.method == "POST" and form.is_valid():
        if _run(
            form,
            services.votes_enter,
            actor=request.user,
            evaluation_round=current,
            counts=form.counts(),
        ):
            messages.success(request, "已保存票决计票结果")
            return redirect("evaluation:detail", current.pk)
    return render(request, "evaluation/votes.html", {"r": current, "form": form})


@login_required
def unit_results(request):
    """The unit's own results in closed rounds (its inbox area): never other units'."""
    user = request.user
    if not (user.is_unit_user and user.unit_id):
        raise PermissionDenied("unit users only")
    return render(
        request,
        "evaluation/unit_results.html",
        {"unit": user.unit, "results": selectors.unit_results(user.unit_id)},
    )
