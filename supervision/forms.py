"""Forms of the supervision pages. Rules live in supervision.services; forms only parse."""

import re

from django import forms
from django.contrib.auth import get_user_model

from deputies.models import Term
from suggestions.forms import PICKER, MultipleFileField, _event_day
from suggestions.models import Suggestion
from suggestions.widgets import ListedModelChoiceField
from units.models import Unit

from .models import ActionKind, Committee, MilestoneKind
from .services import MAX_TOPIC_SUGGESTIONS


def _date(label: str, **kwargs):
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}), **kwargs)


class TopicForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    term = ListedModelChoiceField(label="届次", queryset=Term.objects.order_by("-number"))
    title = forms.CharField(label="专题名称", max_length=200)
    description = forms.CharField(
        label="专题说明", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    committee = ListedModelChoiceField(
        label="督办委员会",
        required=False,
        queryset=Committee.objects.filter(is_active=True).order_by("name"),
        empty_label="(未指定)",
    )
    leaders = forms.ModelMultipleChoiceField(
        label="领办领导",
        queryset=get_user_model()
        .in_congress.filter(is_leader=True, is_active=True)
        .order_by("name"),
        widget=forms.SelectMultiple(attrs=PICKER),
    )
    numbers = forms.CharField(
        label="建议编号",
        required=False,
        help_text="本届已立案的建议编号,以逗号或空格分隔,如 12, 35, 108",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    lead_unit = ListedModelChoiceField(
        label="牵头单位",
        required=False,
        queryset=Unit.objects.filter(is_active=True).order_by("name"),
        empty_label="(按建议的主办单位)",
        help_text="不选则取各建议的主办、分办单位",
    )
    co_units = forms.ModelMultipleChoiceField(
        label="协同单位",
        required=False,
        queryset=Unit.objects.filter(is_active=True).order_by("name"),
        widget=forms.SelectMultiple(attrs=PICKER),
        help_text="不选则取各建议的协办单位",
    )

    def clean_numbers(self):
        raw = self.cleaned_data.get("numbers") or ""
        parts = [p for p in re.split(r"[\s,,、;;]+", raw) if p]
        if len(parts) > MAX_TOPIC_SUGGESTIONS:
            raise forms.ValidationError(f"一个专题最多包含{MAX_TOPIC_SUGGESTIONS}件建议")
        numbers = []
        for part in parts:
            digits = part.lstrip("第").rstrip("号")
            if not digits.isdigit() or int(digits) > 2147483647:
                raise forms.ValidationError(f"“{part}”不是建议编号")
            numbers.append(int(digits))
        return list(dict.fromkeys(numbers))

    def clean(self):
        data = super().clean()
        term, numbers = data.get("term"), data.get("numbers")
        if term is not None and numbers:
            found = {s.number: s for s in Suggestion.objects.filter(term=term, number__in=numbers)}
            missing = [f"{n:04d}" for n in numbers if n not in found]
            if missing:
                self.add_error("numbers", f"{term.name}没有这些编号的建议:{'、'.join(missing)}")
            data["suggestions"] = [found[n] for n in numbers if n in found]
        else:
            data["suggestions"] = []
        return data

    def service_fields(self) -> dict:
        d = self.cleaned_data
        return {
            "year": d["year"],
            "term": d["term"],
            "title": d["title"],
            "description": d.get("description", ""),
            "committee": d.get("committee"),
            "leaders": list(d["leaders"]),
            "suggestions": d["suggestions"],
            "lead_unit": d.get("lead_unit"),
            "co_units": list(d.get("co_units") or []),
        }


class MilestoneForm(forms.Form):
    kind = forms.ChoiceField(label="环节", choices=MilestoneKind.choices)
    planned_on = _date("计划日期")
    note = forms.CharField(label="说明", required=False, max_length=2000)


class MilestoneDoneForm(forms.Form):
    done_on = _event_day("完成日期")
    note = forms.CharField(
        label="情况说明", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    files = MultipleFileField(label="附件", required=False, help_text="PDF、Word、PNG 或 JPEG")


class CloseForm(forms.Form):
    closed_on = _event_day("完成日期")
    summary = forms.CharField(
        label="办理总结",
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="写入专题办理情况报告的开头",
    )


class ActionForm(forms.Form):
    kind = forms.ChoiceField(label="类型", choices=ActionKind.choices, widget=forms.RadioSelect)
    content = forms.CharField(
        label="内容", widget=forms.Textarea(attrs={"rows": 5}), max_length=5000
    )
    happened_on = _event_day("日期")
    participants = forms.CharField(
        label="参加人员",
        required=False,
        max_length=2000,
        help_text="视察、座谈时必填",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label="落实说明", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    acknowledged_on = _event_day("签收日期")
