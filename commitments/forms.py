"""Forms of the ledger pages: they parse input; commitments.services decides and writes."""

from django import forms
from django.conf import settings

from suggestions import attachments as attachment_rules
from suggestions.forms import MultipleFileField, ReplyForm, _event_day


class CommitmentForm(forms.Form):
    what = forms.CharField(label="承诺事项", widget=forms.Textarea(attrs={"rows": 3}))
    due_on = forms.DateField(label="承诺完成日期", widget=forms.DateInput(attrs={"type": "date"}))
    responsible = forms.CharField(label="责任人(科室、人员)", max_length=100)


class NoteForm(forms.Form):
    text = forms.CharField(label="进展情况", widget=forms.Textarea(attrs={"rows": 3}))
    noted_on = _event_day("进展日期")


class CompleteForm(forms.Form):
    note = forms.CharField(label="完成情况", widget=forms.Textarea(attrs={"rows": 3}))
    completed_on = _event_day("完成日期(实际完成的日期)")
    evidence = MultipleFileField(label="佐证材料", required=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        portal = settings.PORTAL
        self.fields["evidence"].help_text = (
            f"{attachment_rules.ACCEPTED},按文件内容检查;每个不超过 {portal['ATTACHMENT_MAX_MB']} MB,"
            f"最多 {portal['ATTACHMENT_MAX_COUNT']} 个"
        )

    def clean_evidence(self):
        files = self.cleaned_data["evidence"]
        try:
            attachment_rules.check_batch(files)
        except attachment_rules.AttachmentRefused as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None
        return files


class FollowUpForm(ReplyForm):
    """跟踪答复 once every commitment of a B-class reply is completed: drafted like any reply
    letter, then signed off (签发) on the assignment page."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].label = "跟踪答复正文"
