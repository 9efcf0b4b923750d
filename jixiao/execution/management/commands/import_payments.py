"""`manage.py import_payments FILE --region CODE`: the upload page's import, for files too large to upload."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jixiao.core.errors import ServiceError
from jixiao.core.spreadsheets import error_report
from jixiao.execution.imports import import_payment_file, summary_of
from jixiao.execution.models import PaymentImport
from jixiao.execution.services import PaymentImportRejectedError
from jixiao.organizations.models import FiscalRegion


class Command(BaseCommand):
    help = "导入国库集中支付数据（CSV 或 xlsx），全部成功或全部不导入；重复导入同一文件不会重复记账。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--region", required=True, help="财政区划编码（9位），如 511725000")
        parser.add_argument("--user", help="记录为导入人的用户名（可选）")
        parser.add_argument("--errors", type=Path, help="有错误时把错误报告（xlsx）写到此路径")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        region = FiscalRegion.objects.filter(mof_div_code=options["region"]).first()
        if region is None:
            raise CommandError(f"财政区划不存在：{options['region']}")
        actor: Any = "命令行 import_payments"
        if options.get("user"):
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"用户不存在：{options['user']}")
        try:
            batch = import_payment_file(
                actor=actor,
                region=region,
                path=path,
                file_name=path.name,
                source=PaymentImport.Source.COMMAND,
                system=True,
            )
        except PaymentImportRejectedError as exc:
            if options.get("errors"):
                Path(options["errors"]).write_bytes(error_report(exc.errors))
            for error in exc.errors[:20]:
                self.stderr.write(f"第{error.row}行 {error.column}：{error.message}（{error.value}）")
            raise CommandError(exc.message) from exc
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        for label, value in summary_of(batch):
            self.stdout.write(f"{label}：{value}")
        self.stdout.write(self.style.SUCCESS("导入成功"))
