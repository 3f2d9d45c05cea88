"""Page forms: they parse and validate input; the workflow decides and writes."""

from django import forms
from django.conf import settings
from django.core import signing
from django.utils import timezone

from accounts.models import User
from congresses.models import Congress
from deputies.models import Deputy, Meeting, Term
from units.models import Unit

from . import attachments as attachment_rules
from . import limits, ranges
from .dates import PastDay
from .figures import FIGURE_CHOICES
from .masking import mask_contacts
from .models import (
    Category,
    Channel,
    ContactKind,
    Publication,
    ReplyResult,
    Suggestion,
    Verdict,
)
from .selectors import SORTS
from .widgets import (
    ListedModelChoiceField,
    QuickCheckboxInput,
    QuickDateInput,
    QuickSelect,
    QuickTextInput,
)
from .workflow import forward_targets

PICKER = {"class": "picker"}  # enhanced into a searchable picker by static/js/portal.js


def _date_input(**kwargs):
    return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **kwargs)


def _event_day(label: str):
    """The day a step happened, for steps recorded later from paper (DESIGN.md §7): optional,
    shown as today; empty means today. The workflow checks it against the step it follows."""
    return forms.DateField(
        label=label,
        required=False,
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="补录时填写实际发生的日期;空则为今天",
    )


def _blank(choices, label="全部"):
    return [("", label), *choices]


class BoundedMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Several objects, at most as many as `suggestions.limits` allows for `kind`: the length
    is checked before the one lookup of them all."""

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind

    def clean(self, value):
        if value and isinstance(value, list | tuple):
            if too_many := limits.too_many(self.kind, len(value)):
                raise forms.ValidationError(too_many, code=limits.CODE)
        return super().clean(value)


class SuggestionFilterForm(forms.Form):
    """The list's filters; they live in the URL so a list can be bookmarked and shared."""

    q = forms.CharField(label="关键词", required=False, max_length=100, widget=QuickTextInput)
    term = ListedModelChoiceField(
        Term.objects.all(), label="届次", required=False, empty_label="全部", widget=QuickSelect
    )
    meeting = ListedModelChoiceField(
        Meeting.objects.select_related("term"),
        label="会议",
        required=False,
        empty_label="全部",
        widget=QuickSelect,
    )
    channel = forms.ChoiceField(
        label="来源", required=False, choices=_blank(Channel.choices), widget=QuickSelect
    )
    category = ListedModelChoiceField(
        Category.objects.all(), label="分类", required=False, empty_label="全部", widget=QuickSelect
    )
    status = forms.ChoiceField(
        label="状态", required=False, choices=_blank(Suggestion.Status.choices), widget=QuickSelect
    )
    unit = ListedModelChoiceField(
        Unit.objects.all(), label="承办单位", required=False, empty_label="全部", widget=QuickSelect
    )
    system = forms.ChoiceField(
        label="单位系统", required=False, choices=_blank(Unit.System.choices), widget=QuickSelect
    )
    deputy = forms.CharField(label="代表", required=False, max_length=50, widget=QuickTextInput)
    key = forms.BooleanField(label="仅重点建议", required=False, widget=QuickCheckboxInput)
    overdue = forms.BooleanField(label="仅逾期", required=False, widget=QuickCheckboxInput)
    # The workbench's queues (suggestions/workbench.py links to them).
    due_soon = forms.BooleanField(label="仅即将到期", required=False, widget=QuickCheckboxInput)
    awaiting_feedback = forms.BooleanField(
        label="仅待代表反馈", required=False, widget=QuickCheckboxInput
    )
    assign_late = forms.BooleanField(
        label="仅闭会期间超期未交办", required=False, widget=QuickCheckboxInput
    )
    supervisor = ListedModelChoiceField(
        User.in_congress.filter(is_leader=True).order_by("name"),
        label="督办领导",
        required=False,
        empty_label="全部",
        widget=QuickSelect,
    )
    # Dashboard drill-down: exactly the suggestions behind one figure of suggestions.figures
    # for the scope above, as of a day (today when empty).
    figure = forms.ChoiceField(
        label="统计口径", required=False, choices=_blank(FIGURE_CHOICES), widget=QuickSelect
    )
    as_of = forms.DateField(
        label="统计截至",
        required=False,
        validators=[PastDay("统计截至日期")],
        widget=QuickDateInput(attrs={"type": "date"}),
    )
    sort = forms.ChoiceField(
        label="排序",
        required=False,
        choices=[(k, v[0]) for k, v in SORTS.items()],
        widget=QuickSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supervisor"].label_from_instance = lambda user: user.display_name

    def filters(self) -> dict:
        """Cleaned filters, or none at all when the URL was tampered with (shown as an error)."""
        return self.cleaned_data if self.is_valid() else {}

    def share_choices(self, bulk_form: "BulkForm") -> None:
        """The bulk bar lists the filters' active units and leaders: read once for both (two
        queries fewer on the list page). Read by name, as the database sorts names; the
        filter's units then by system (plain ASCII codes, sorted alike everywhere)."""
        units = list(Unit.objects.order_by("name"))
        leaders = list(self.fields["supervisor"].queryset)
        self.fields["unit"].objects = sorted(units, key=lambda unit: unit.system)  # stable
        self.fields["supervisor"].objects = leaders
        bulk_form.fields["unit"].objects = [unit for unit in units if unit.is_active]
        bulk_form.fields["supervisor"].objects = [user for user in leaders if user.is_active]


class SuggestionForm(forms.Form):
    """Create or edit a suggestion. Deputy and meeting choices are those of one term."""

    number = ranges.form_field(
        Suggestion,
        "number",
        label="编号",
        required=False,
        min_value=1,
        help_text="已按本届顺序建议下一个编号;纸质件已有编号时可改为原编号",
    )
    meeting = forms.ModelChoiceField(
        Meeting.objects.none(), label="会议", required=False, empty_label="(不属于某次会议)"
    )
    kind = forms.ChoiceField(label="类别", choices=Suggestion.Kind.choices)
    channel = forms.ChoiceField(label="来源", choices=Channel.choices)
    category = forms.ModelChoiceField(
        Category.objects.filter(is_active=True),
        label="分类",
        required=False,
        empty_label="(暂不分类,立案时再选)",
    )
    title = forms.CharField(label="标题", max_length=200)
    content = forms.CharField(label="内容", widget=forms.Textarea(attrs={"rows": 8}))
    lead_deputy = forms.ModelChoiceField(
        Deputy.objects.none(), label="领衔代表", widget=forms.Select(attrs=PICKER)
    )
    co_signers = BoundedMultipleChoiceField(
        Deputy.objects.none(),
        kind="co_signers",
        label="附议代表",
        required=False,
        widget=forms.SelectMultiple(attrs=PICKER),
    )
    submitted_on = _date_input(label="提出日期", required=False, validators=[PastDay("提出日期")])
    # 附议确认 (DESIGN.md §8): staff entering a signed paper form confirm for the co-signers;
    # unticked, each co-signer confirms online and stays 待确认 until then.
    co_signers_confirmed = forms.BooleanField(
        label="附议代表已在纸质建议上签名(由工作人员代为确认)",
        required=False,
        initial=True,
    )

    def __init__(
        self, *args, term: Term, editing: bool = False, forwarded_copy: bool = False, **kwargs
    ):
        super().__init__(*args, **kwargs)
        deputies = Deputy.objects.filter(term=term).select_related("delegation").order_by("name")
        self.fields["lead_deputy"].queryset = deputies
        self.fields["co_signers"].queryset = deputies
        self.fields["lead_deputy"].label_from_instance = _deputy_label
        self.fields["co_signers"].label_from_instance = _deputy_label
        self.fields["meeting"].queryset = Meeting.objects.filter(term=term).select_related("term")
        if editing:
            # Co-signers added on the edit page are staff's entry of the paper form.
            del self.fields["number"]
            del self.fields["co_signers_confirmed"]
        if forwarded_copy:
            # Its deputies are the upper congress's (Suggestion.proposers), not of this term.
            del self.fields["lead_deputy"]
            del self.fields["co_signers"]

    def clean_co_signers(self):
        return list(self.cleaned_data["co_signers"])


def _deputy_label(deputy: Deputy) -> str:
    return f"{deputy.name}({deputy.delegation.name})" if deputy.delegation_id else deputy.name


# What the edit form was based on, so a refused save can show what changed meanwhile.
_BASE_SALT = "suggestions.edit.base"


def sign_base(values: dict) -> str:
    return signing.dumps(values, salt=_BASE_SALT, compress=True)


def read_base(token: str) -> dict:
    try:
        return signing.loads(token, salt=_BASE_SALT)
    except signing.BadSignature:
        return {}


class EditMeta(forms.Form):
    """Hidden fields of the edit form: the version and values the user started from."""

    version = ranges.form_field(Suggestion, "version", widget=forms.HiddenInput, min_value=1)
    base = forms.CharField(widget=forms.HiddenInput, required=False)


class RegisterForm(forms.Form):
    category = forms.ModelChoiceField(
        Category.objects.filter(is_active=True), label="分类", required=False
    )
    registered_on = _event_day("立案日期")


class RejectForm(forms.Form):
    reason = forms.ChoiceField(
        label="不予立案理由", choices=_blank(Suggestion.RejectReason.choices, "请选择")
    )
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class MergeForm(forms.Form):
    into_number = ranges.form_field(Suggestion, "number", label="并入同届第几号建议", min_value=1)
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class AssignForm(forms.Form):
    """交办: one lead (主办), or several split units (分办), plus any co-handlers (协办)."""

    lead = forms.ModelChoiceField(
        Unit.objects.none(), label="主办单位", required=False, widget=forms.Select(attrs=PICKER)
    )
    split = BoundedMultipleChoiceField(
        Unit.objects.none(),
        kind="units",
        label="分办单位",
        required=False,
        widget=forms.SelectMultiple(attrs=PICKER),
        help_text="多个单位分别答复时选择,与主办单位二选一",
    )
    co = BoundedMultipleChoiceField(
        Unit.objects.none(),
        kind="units",
        label="协办单位",
        required=False,
        widget=forms.SelectMultiple(attrs=PICKER),
    )
    assigned_on = _date_input(label="交办日期", validators=[PastDay("交办日期")])

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("assigned_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        units = Unit.objects.filter(is_active=True).order_by("system", "name")
        for name in ("lead", "split", "co"):
            self.fields[name].queryset = units

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        units = []
        if data.get("lead"):
            units.append((data["lead"], "lead"))
        units += [(u, "split") for u in data.get("split") or ()]
        units += [(u, "co") for u in data.get("co") or ()]
        if not units:
            raise forms.ValidationError("请至少选择一个承办单位")
        if too_many := limits.too_many("units", len(units)):
            raise forms.ValidationError(too_many, code=limits.CODE)
        data["units"] = units
        return data


class KeyForm(forms.Form):
    is_key = forms.BooleanField(label="重点建议", required=False)
    supervisor = forms.ModelChoiceField(
        User.in_congress.filter(is_leader=True, is_active=True).order_by("name"),
        label="督办领导",
        required=False,
        help_text="设为重点建议时必选(由办理流程检查)",
    )


class DecideForm(forms.Form):
    approve = forms.TypedChoiceField(
        label="审核结果",
        choices=[("yes", "同意"), ("no", "不同意")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="审核意见", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    decided_on = _event_day("审核日期")
    new_unit = forms.ModelChoiceField(
        Unit.objects.filter(is_active=True).order_by("name"),
        label="改交单位",
        required=False,
        help_text="同意调整时选择;不选则采用申请单位建议的单位",
    )


class OpinionWaiverForm(forms.Form):
    """Staff waive a co-handler's missing opinion, saying why (workflow.co_opinion_waive)."""

    reason = forms.CharField(
        label="豁免理由",
        max_length=500,
        error_messages={"required": "请填写豁免理由", "max_length": "豁免理由不能超过500字"},
    )


class FeedbackForm(forms.Form):
    """The 代表意见反馈表 as staff copy it from paper."""

    result_verdict = forms.ChoiceField(
        label="对办理结果", choices=Verdict.choices, widget=forms.RadioSelect
    )
    work_verdict = forms.ChoiceField(
        label="对办理工作", choices=Verdict.choices, widget=forms.RadioSelect
    )
    remarks = forms.CharField(
        label="具体意见", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    given_on = _event_day("反馈日期(纸质表上的日期)")


class CloseForm(forms.Form):
    note = forms.CharField(
        label="办结说明", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    closed_on = _event_day("办结日期")


class ForwardForm(forms.Form):
    """转交下级人大 (分级处理): one of the congress's active direct lower congresses."""

    to_congress = forms.ModelChoiceField(
        Congress.objects.none(),
        label="转交给",
        empty_label="请选择下级人大",
        # A congress not offered (a sibling, itself, an inactive one): the workflow's words.
        error_messages={"invalid_choice": "只能转交本级人大的下级人大"},
    )
    note = forms.CharField(
        label="转办说明", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    forwarded_on = _event_day("转办日期")

    def __init__(self, *args, congress_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_congress"].queryset = forward_targets(congress_id)


class BulkForm(forms.Form):
    """An action on the ticked rows, or on every row matching the list's filters."""

    ACTIONS = [("assign", "批量交办"), ("key", "设为重点建议"), ("export", "导出")]
    action = forms.ChoiceField(label="操作", choices=ACTIONS, widget=QuickSelect)
    ids = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=())
    all_matching = forms.BooleanField(required=False)
    unit = ListedModelChoiceField(
        Unit.objects.filter(is_active=True).order_by("name"),
        label="承办单位",
        required=False,
        widget=QuickSelect,
    )
    role = forms.ChoiceField(
        label="办理方式",
        required=False,
        choices=[("lead", "主办"), ("co", "协办"), ("split", "分办")],
        widget=QuickSelect,
    )
    supervisor = ListedModelChoiceField(
        KeyForm.base_fields["supervisor"].queryset,
        label=KeyForm.base_fields["supervisor"].label,
        required=False,
        help_text=KeyForm.base_fields["supervisor"].help_text,
        widget=QuickSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any integer id is accepted here; access and state are checked per suggestion.
        self.fields["ids"].valid_value = lambda value: True

    def clean_ids(self):
        ids = self.cleaned_data["ids"]
        if too_many := limits.too_many("bulk", len(ids)):
            raise forms.ValidationError(too_many, code=limits.CODE)
        low, high = ranges.column_range(Suggestion, "id")
        if any(not low <= pk <= high for pk in ids):
            raise forms.ValidationError("所选建议不存在")
        return ids

    def clean(self):
        data = super().clean()
        if not data.get("ids") and not data.get("all_matching"):
            raise forms.ValidationError("请先勾选建议,或选择“全部筛选结果”")
        if data.get("action") == "assign" and not data.get("unit"):
            self.add_error("unit", "批量交办请选择承办单位")
        return data


# --- handling units -------------------------------------------------------------------------


class AcceptForm(forms.Form):
    """签收 with 五定: whether the names are required (主办/分办) is the workflow's rule."""

    accepted_on = _event_day("签收日期")
    responsible_leader = forms.CharField(label="分管领导", max_length=50, required=False)
    handler_name = forms.CharField(label="经办人", max_length=50, required=False)
    handler_phone = forms.CharField(
        label="经办人电话",
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )


class ContactForm(forms.Form):
    kind = forms.ChoiceField(label="方式", choices=ContactKind.choices, widget=forms.RadioSelect)
    contacted_on = _event_day("日期")
    participants = forms.CharField(label="参加人员", max_length=300)
    summary = forms.CharField(label="情况", widget=forms.Textarea(attrs={"rows": 3}))


class ReassignmentRequestForm(forms.Form):
    reason = forms.CharField(label="申请调整理由", widget=forms.Textarea(attrs={"rows": 3}))
    suggested_unit = forms.ModelChoiceField(
        Unit.objects.filter(is_active=True).order_by("name"),
        label="建议改交单位",
        required=False,
    )


class ExtensionRequestForm(forms.Form):
    requested_deadline = _date_input(label="申请延至")
    reason = forms.CharField(label="延期理由", widget=forms.Textarea(attrs={"rows": 3}))
    deputy_informed = forms.BooleanField(label="已向代表说明延期原因", required=False)


class OpinionForm(forms.Form):
    text = forms.CharField(label="协办意见", widget=forms.Textarea(attrs={"rows": 5}))
    sent_on = _event_day("送达日期")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; each is checked by the workflow, by content."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": ".pdf,.docx,.png,.jpg,.jpeg"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files if f]


# What the printed 答复函 adds around the text the clerk writes (templates/print/
# reply_letter.html): said on the form so the text does not repeat it.
LETTER_ADDS = (
    "打印的答复函会自动加上:标题、文号、称呼(“××代表:”)、开头语(“您提出的《建议标题》收悉,"
    "现答复如下:”)、协办单位意见、结束语(“衷心感谢您对我们工作的关心和支持。”)、落款单位、"
    "签发人和日期。这里只写答复的正文,不要重复称呼、开头语和落款。"
)


class ReplyForm(forms.Form):
    """The 答复函 as the unit's clerk drafts it; signed off (签发) separately."""

    text = forms.CharField(
        label="答复正文",
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=LETTER_ADDS,
    )
    result = forms.ChoiceField(
        label="答复类别", choices=ReplyResult.choices, widget=forms.RadioSelect
    )
    contact_person = forms.CharField(label="联系人", max_length=50, required=False)
    contact_phone = forms.CharField(label="联系电话", max_length=50, required=False)
    publication = forms.ChoiceField(
        label="公开方式",
        choices=Publication.choices,
        initial=Publication.PUBLIC,
        widget=forms.RadioSelect,
        help_text="签发时一并确定;公开的答复隐去联系方式",
    )
    summary = forms.CharField(
        label="公开摘要",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="摘要公开时必填,公开页面显示摘要而不是全文",
    )
    not_public_reason = forms.CharField(
        label="不公开理由", max_length=200, required=False, help_text="不公开时必填"
    )
    publish_later = forms.BooleanField(
        label="暂缓公开(由工作人员确定公开日期,最迟发布后20个工作日)", required=False
    )
    attachments = MultipleFileField(label="附件", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        portal = settings.PORTAL
        # Read here, not at import: the limits are settings.
        self.fields["attachments"].help_text = (
            f"{attachment_rules.ACCEPTED},按文件内容检查;"
            f"每个不超过 {portal['ATTACHMENT_MAX_MB']} MB,最多 {portal['ATTACHMENT_MAX_COUNT']} 个,"
            f"合计不超过 {portal['ATTACHMENT_MAX_TOTAL_MB']} MB"
        )

    def clean_attachments(self):
        files = self.cleaned_data["attachments"]
        try:
            attachment_rules.check_batch(files)
        except attachment_rules.AttachmentRefused as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None
        return files


class SignForm(forms.Form):
    signed_on = _event_day("签发日期")


class ReleaseForm(forms.Form):
    result = forms.ChoiceField(
        label="答复类别",
        choices=[("", "不调整")] + list(ReplyResult.choices),
        required=False,
        help_text="需要调整类别时选择,并填写理由",
    )
    reason = forms.CharField(label="调整类别的理由", max_length=500, required=False)
    released_on = _event_day("发布日期")


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label="退回理由", max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class PublishDayForm(forms.Form):
    publish_on = _date_input(label="公开日期", required=False)


# --- deputies -------------------------------------------------------------------------------


class DeputySuggestionForm(forms.Form):
    """A deputy writes a suggestion of their own (a draft until they submit it)."""

    kind = forms.ChoiceField(label="类别", choices=Suggestion.Kind.choices)
    channel = forms.ChoiceField(
        label="提出时间",
        choices=[(Channel.SESSION, Channel.SESSION.label), (Channel.RECESS, Channel.RECESS.label)],
        initial=Channel.RECESS,
    )
    title = forms.CharField(label="标题", max_length=200)
    content = forms.CharField(label="内容", widget=forms.Textarea(attrs={"rows": 10}))
    co_signers = BoundedMultipleChoiceField(
        Deputy.objects.none(),
        kind="co_signers",
        label="附议代表",
        required=False,
        widget=forms.SelectMultiple(attrs=PICKER),
    )

    def __init__(self, *args, deputy: Deputy, **kwargs):
        super().__init__(*args, **kwargs)
        others = (
            Deputy.objects.filter(term_id=deputy.term_id, is_active=True)
            .exclude(pk=deputy.pk)
            .select_related("delegation")
            .order_by("name")
        )
        self.fields["co_signers"].queryset = others
        self.fields["co_signers"].label_from_instance = _deputy_label

    def clean_co_signers(self):
        return list(self.cleaned_data["co_signers"])


class DeputyFeedbackForm(forms.Form):
    result_verdict = forms.ChoiceField(
        label="对办理结果", choices=Verdict.choices, widget=forms.RadioSelect
    )
    work_verdict = forms.ChoiceField(
        label="对办理工作", choices=Verdict.choices, widget=forms.RadioSelect
    )
    remarks = forms.CharField(
        label="具体意见",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="不满意时必填,单位将据此重新办理",
    )


# --- the public page ------------------------------------------------------------------------


class PublicSearchForm(forms.Form):
    q = forms.CharField(label="关键词", required=False, max_length=100)
    category = forms.ModelChoiceField(
        Category.objects.all(), label="分类", required=False, empty_label="全部分类"
    )
    year = forms.TypedChoiceField(label="年份", required=False, coerce=int, empty_value=None)

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", "全部年份"), *[(y, f"{y}年") for y in years]]

    def clean_q(self):
        # Searching for a phone number or address would tell whether a reply holds it.
        q = self.cleaned_data["q"]
        if mask_contacts(q) != q:
            raise forms.ValidationError("不能按电话号码或电子邮箱查询")
        return q
