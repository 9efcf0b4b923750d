"""`python manage.py check_selfevaluation FILE.xlsx [--json]`: score a filled 项目支出绩效自评表 as given.

Needs no database rows: it reads the standard layout (DOMAIN.md §3.4), scores it with the national default rules
(DOMAIN.md §4) and prints every parsed value, computed score, claimed score and flag.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jixiao.core.errors import ServiceError
from jixiao.evaluation.scoring import NATIONAL_DEFAULT, ScoringConfig, as_dict, evaluate
from jixiao.evaluation.selectors import scoring_config
from jixiao.evaluation.selfeval_xlsx import read_selfevaluations
from jixiao.organizations.models import FiscalRegion


def _n(value: Any) -> str:
    return "—" if value is None else str(value)


def _parsed(p: dict[str, Any]) -> str:
    if p.get("deadline"):
        return f"{p['kind']} {_n(p['op'])} 截止 {p['deadline']}"
    if p.get("lo") is not None:
        return f"{p['kind']} {_n(p['lo'])}–{_n(p['hi'])} {_n(p['unit'])}"
    return f"{p['kind']} {_n(p['op'])} {_n(p['num'])} {_n(p['unit'])}"


class Command(BaseCommand):
    help = "检查一张项目支出绩效自评表（xlsx）：解析每个值，按规则计算得分，与填报得分比对并列出问题"
    requires_system_checks: list[str] = []  # type: ignore[assignment]
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="自评表 .xlsx 文件")
        parser.add_argument("--json", action="store_true", help="输出 JSON（一张表为一个对象，多张表为数组）")
        parser.add_argument("--strict", action="store_true", help="存在 ERROR 级问题时以退出码 2 结束")
        parser.add_argument(
            "--region",
            help="按该财政区划（区划代码）在数据库中的评分参数计算；不指定时按全国默认参数，不读数据库",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        try:
            sheets = read_selfevaluations(path.read_bytes())
        except ServiceError as exc:
            raise CommandError(str(exc)) from exc
        results = [as_dict(evaluate(sheet, self._config(options.get("region"), sheet.fiscal_year))) for sheet in sheets]
        if options["json"]:
            payload: Any = results[0] if len(results) == 1 else results
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
        else:
            for result in results:
                self._print(result)
        if options["strict"] and any(r["has_errors"] for r in results):
            raise SystemExit(2)

    def _config(self, region_code: str | None, fiscal_year: int) -> ScoringConfig:
        if not region_code:
            return NATIONAL_DEFAULT
        region = FiscalRegion.objects.filter(mof_div_code=region_code).first()
        if region is None:
            raise CommandError(f"财政区划不存在：{region_code}")
        return scoring_config(region, fiscal_year)

    def _print(self, r: dict[str, Any]) -> None:
        w = self.stdout.write
        w(f"== {r['project']}（{r['fiscal_year']}年度） {r['department']} / {r['unit']}")
        e = r["exec"]
        w(f"预算执行率：执行率 {_n(e['rate'])}（填报 {_n(e['rate_claimed'])}） 分值 {_n(e['weight'])}")
        w(f"  填报得分 {_n(e['claimed'])}  计算得分 {_n(e['computed'])}  {e['formula']}")
        for m in e["messages"]:
            w(f"  [{m['severity']}] {m['code']} {m['message']}")
        for i in r["indicators"]:
            t, a = i["target"], i["actual"]
            w(f"第{i['row']}行 {i['lv1']}/{i['lv2']}/{i['name']} 分值 {_n(i['weight'])}")
            w(f"  年度指标值“{t['text']}” → {_parsed(t)}")
            w(f"  实际完成值“{a['text']}” → {_parsed(a)}")
            w(f"  填报得分 {_n(i['claimed'])}  计算得分 {_n(i['computed'])}  {i['formula']}")
            for m in i["messages"]:
                w(f"  [{m['severity']}] {m['code']} {m['message']}")
        w(f"总分：填报 {_n(r['total']['claimed'])}  计算 {_n(r['total']['computed'])}")
        w(f"等级：填报 {_n(r['grade']['claimed'])}  计算 {_n(r['grade']['computed'])}")
        for m in r["messages"]:
            w(f"[{m['severity']}] {m['code']} {m['message']}")
        verdict = "存在须更正的错误" if r["has_errors"] else "未发现须更正的错误"
        w(f"结论：{verdict}")
