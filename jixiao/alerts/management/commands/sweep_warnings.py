"""Recompute warnings and lights: `sweep_warnings [--region CODE] [--year Y] [--as-of DATE] [--backdate] [--workers N]`.

A case found is opened today (its handling deadline counted from today), also when `--as-of` names a past day: a
recomputation of a past period must not open cases born overdue (escalated, payments suspended, on the next look).
`--backdate` opens them on the `--as-of` day instead, for rebuilding a past year's history on purpose."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jixiao.alerts.sweep import default_as_of, opening_day, sweep_in_parallel
from jixiao.organizations.models import FiscalRegion
from jixiao.organizations.selectors import current_fiscal_year
from jixiao.projects.models import Project


class Command(BaseCommand):
    help = "重新计算预警（默认：所有有项目的财政区划、当前年度、今天）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--region", help="财政区划编码（mof_div_code）")
        parser.add_argument("--year", type=int, help="预算年度")
        parser.add_argument("--as-of", dest="as_of", help="计算日期 YYYY-MM-DD")
        parser.add_argument(
            "--backdate",
            action="store_true",
            help="新开的预警处置按计算日期开立（重建往年数据时使用；默认按今天开立，处置期限从今天起算）",
        )
        parser.add_argument(
            "--workers", type=int, default=1, help="并行进程数（PostgreSQL；每个进程计算一部分财政区划）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        year = options["year"]
        if year is None:
            current = current_fiscal_year()
            year = current.year if current else date.today().year
        try:
            as_of = date.fromisoformat(options["as_of"]) if options["as_of"] else default_as_of(year)
        except ValueError as exc:
            raise CommandError("日期格式应为 YYYY-MM-DD") from exc
        if options["region"]:
            regions = list(FiscalRegion.objects.filter(mof_div_code=options["region"]))
            if not regions:
                raise CommandError(f"财政区划 {options['region']} 不存在")
        else:
            ids = Project.objects.filter(fiscal_year=year).values("region_id").distinct()
            regions = list(FiscalRegion.objects.filter(pk__in=ids).order_by("pk"))
        if options["workers"] < 1:
            raise CommandError("--workers 应为正整数")
        # Passes of several regions (the same handful of queries for twenty counties as for one), shared by workers.
        opened_on = as_of if options["backdate"] else opening_day(as_of)
        results = sweep_in_parallel(regions, year, as_of, workers=options["workers"], opened_on=opened_on)
        for region in regions:
            result = results[region.pk]
            self.stdout.write(
                f"{region.name} {year}年度（{as_of}）：项目{result.projects}个，预警{result.warnings}条，"
                f"红灯{result.red}条，新开处置{result.cases_opened}件"
            )
