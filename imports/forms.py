from django import forms

from .models import ImportKind

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label="导入内容", choices=ImportKind.choices)
    file = forms.FileField(label="Excel文件(.xlsx)")
    register = forms.TypedChoiceField(
        label="代表建议导入后",
        choices=[("1", "直接立案(已在纸面立案的建议)"), ("0", "待立案(已提交)")],
        coerce=lambda v: v == "1",
        initial="1",
        help_text="只对代表建议有效",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(
                "请上传 .xlsx 格式的 Excel 文件(旧版 .xls 请先另存为 .xlsx)"
            )
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("文件不能超过 20 MB")
        return upload
