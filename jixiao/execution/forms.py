from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from jixiao.core.forms import bootstrapify

ACCEPTED_SUFFIXES = (".csv", ".xlsx")


class PaymentImportForm(forms.Form):
    file = forms.FileField(label="支付数据文件（.csv 或 .xlsx）", error_messages={"required": "请选择要上传的文件"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrapify(self)
        self.fields["file"].widget.attrs["accept"] = ",".join(ACCEPTED_SUFFIXES)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(ACCEPTED_SUFFIXES):
            raise forms.ValidationError("只接受 CSV（.csv）或 Excel（.xlsx）文件，可先下载导入模板")
        # CSV is streamed, so it may be far larger than the spreadsheet limit; nginx caps the body as well.
        limit = int(getattr(settings, "JIXIAO_MAX_PAYMENT_UPLOAD_BYTES", 200 * 1024 * 1024))
        if upload.size > limit:
            raise forms.ValidationError(f"文件过大：不能超过 {limit // (1024 * 1024)} MB，更大的文件请用命令行导入")
        # A workbook is read whole (core.spreadsheets): beyond its own limit it is refused here, not by the job
        # after the upload was stored.
        xlsx_limit = int(settings.JIXIAO_MAX_UPLOAD_BYTES)
        if upload.name.lower().endswith(".xlsx") and upload.size > xlsx_limit:
            raise forms.ValidationError(
                f"文件过大：Excel 文件不能超过 {xlsx_limit // (1024 * 1024)} MB，更大的数据请另存为 CSV 后导入"
            )
        head = upload.read(4)
        upload.seek(0)
        if upload.name.lower().endswith(".xlsx") and head != b"PK\x03\x04":
            raise forms.ValidationError("文件不是有效的 Excel（.xlsx）文件")
        if upload.name.lower().endswith(".csv") and head.startswith(
            (b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF", b"MZ")
        ):
            raise forms.ValidationError("文件内容不是 CSV 文本")
        return upload
