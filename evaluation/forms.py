"""Forms of the evaluation pages: they parse input; evaluation.services decides and writes."""

from django import forms

from deputies.models import Deputy
from suggestions import dates
from suggestions.forms import PICKER
from suggestions.models import Verdict
from units.models import Unit

from .models import EvaluationRound
from .services import PRESETS


class RoundForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    title = forms.CharField(label="名称", max_length=200)
    method = forms.ChoiceField(
        label="测评方式", choices=EvaluationRound.Method.choices, widget=forms.RadioSelect
    )
    meeting = forms.CharField(
        label="会议", max_length=100, required=False, help_text="票决评议:如 市人大常委会第十次会议"
    )
    preset = forms.ChoiceField(
        label="按预设选择单位",
        required=False,
        choices=[("", "(不使用预设,按下方所选)"), *PRESETS.items()],
        help_text="选择预设时,以预设的单位代替下方所选",
    )
    units = forms.ModelMultipleChoiceField(
        Unit.objects.filter(is_active=True).order_by("system", "name"),
        label="测评单位",
        required=False,
        widget=forms.SelectMultiple(attrs=PICKER),
    )
    invited = forms.ModelMultipleChoiceField(
        Deputy.objects.filter(is_active=True).order_by("name"),
        label="受邀代表(满意度测评)",
        required=False,
        widget=forms.SelectMultiple(attrs=PICKER),
        help_text="有登录账户的受邀代表可在手机上网上测评;纸质测评表由工作人员录入",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = dates.today().year


class BallotForm(forms.Form):
    """One radio group per unit of the round: 满意 / 基本满意 / 不满意."""

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        for unit in units:
            self.fields[f"unit_{unit.pk}"] = forms.ChoiceField(
                label=unit.name, choices=Verdict.choices, widget=forms.RadioSelect
            )

    def verdicts(self) -> dict:
        return {
            int(k.removeprefix("unit_")): v
            for k, v in self.cleaned_data.items()
            if k.startswith("unit_")
        }


class PaperBallotForm(BallotForm):
    def __init__(self, *args, units, invited, **kwargs):
        super().__init__(*args, units=units, **kwargs)
        self.fields["deputy"] = forms.ModelChoiceField(
            invited,
            label="署名代表",
            required=False,
            empty_label="(未署名的测评表)",
            help_text="署名的测评表记为该代表已参加,该代表不能再网上测评",
        )
        self.order_fields(["deputy"])


class VotesForm(forms.Form):
    """票决评议: three counts per unit."""

    KINDS = (("satisfied", "满意"), ("basically", "基本满意"), ("dissatisfied", "不满意"))

    def __init__(self, *args, units, counts=None, **kwargs):
        super().__init__(*args, **kwargs)
        counts = counts or {}
        self.units = list(units)
        for unit in self.units:
            for key, label in self.KINDS:
                self.fields[f"{key}_{unit.pk}"] = forms.IntegerField(
                    label=f"{unit.name} {label}票",
                    min_value=0,
                    max_value=100000,
                    initial=getattr(counts.get(unit.pk), key, 0),
                )

    def rows(self):
        return [(u, [self[f"{key}_{u.pk}"] for key, _ in self.KINDS]) for u in self.units]

    def counts(self) -> dict:
        return {
            u.pk: tuple(self.cleaned_data[f"{key}_{u.pk}"] for key, _ in self.KINDS)
            for u in self.units
        }
