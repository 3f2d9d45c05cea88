"""预交办 forms: they parse input; planning.services decides and writes."""

from django import forms

from suggestions.forms import PICKER, AssignForm, BoundedMultipleChoiceField, _event_day
from suggestions.models import Suggestion

from .models import PlanState, PlanUnit


class PlanCreateForm(forms.Form):
    title = forms.CharField(label="方案名称", max_length=100)
    suggestions = BoundedMultipleChoiceField(
        Suggestion.objects.none(),
        kind="bulk",
        label="建议(已立案、尚未交办)",
        widget=forms.SelectMultiple(attrs=PICKER),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Registered and in no plan still open (planning.services.plan_create refuses both).
        self.fields["suggestions"].queryset = (
            Suggestion.objects.filter(status=Suggestion.Status.REGISTERED)
            .exclude(plan_items__plan__state__in=[PlanState.DRAFT, PlanState.PUBLISHED])
            .order_by("term__number", "number")
        )
        self.fields["suggestions"].label_from_instance = lambda s: f"{s.display_number} {s.title}"


class PlanUnitsForm(AssignForm):
    """The units proposed for one item: the 交办 form's unit choices, without its day."""

    assigned_on = None


class PlanAssignForm(forms.Form):
    assigned_on = _event_day("交办日期")


class PlanAnswerForm(forms.Form):
    decision = forms.ChoiceField(
        label="意见", choices=PlanUnit.Decision.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label="异议理由",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="有异议时必填,可写明建议改由哪个单位办理",
    )
