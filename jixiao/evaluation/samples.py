"""A filled example of the standard 项目支出绩效自评表, offered as the download template on the check page."""

from __future__ import annotations

from decimal import Decimal

from jixiao.evaluation.scoring import FundRow, IndicatorRow, SelfEvalSheet

WAN = Decimal(10000)


def example_sheet(fiscal_year: int) -> SelfEvalSheet:
    rows = [
        IndicatorRow(13, "产出指标", "数量指标", "培训农村实用人才人数", "≥500人", "520人", Decimal(20), Decimal(20)),
        IndicatorRow(14, "产出指标", "质量指标", "培训考核合格率", "≥95%", "96%", Decimal(15), Decimal(15)),
        IndicatorRow(
            15,
            "产出指标",
            "时效指标",
            "培训完成时间",
            "10月底前",
            f"{fiscal_year}年10月20日",
            Decimal(5),
            Decimal(5),
        ),
        IndicatorRow(16, "产出指标", "成本指标", "人均培训成本", "≤800元", "780元", Decimal(10), Decimal(10)),
        IndicatorRow(
            17,
            "效益指标",
            "社会效益指标",
            "农民就业创业能力",
            "显著提升",
            "明显提升",
            Decimal(30),
            Decimal(30),
            level_claimed="ACHIEVED",  # printed as the cell's last line “（完成档次：达成年度指标）”
        ),
        IndicatorRow(18, "满意度指标", "服务对象满意度指标", "参训学员满意度", "≥90%", "93%", Decimal(10), Decimal(10)),
    ]
    return SelfEvalSheet(
        fiscal_year=fiscal_year,
        project_name="（示例）农村实用人才培训项目",
        department="县农业农村局",
        unit="县农业技术推广中心",
        funds={
            "TOTAL": FundRow(50 * WAN, 50 * WAN, 48 * WAN, Decimal("0.96")),
            "FISCAL": FundRow(50 * WAN, 50 * WAN, 48 * WAN, Decimal("0.96")),
            "CARRYOVER": FundRow(Decimal(0), Decimal(0), Decimal(0), None),
            "OTHER": FundRow(Decimal(0), Decimal(0), Decimal(0), None),
        },
        exec_weight=Decimal(10),
        exec_score_claimed=Decimal("9.6"),
        goal_expected="培训农村实用人才500人以上，提升农民就业创业能力",
        goal_actual="完成培训520人，考核合格率96%",
        rows=rows,
        total_weight=Decimal(100),
        total_claimed=Decimal("99.6"),
        grade_claimed="优",
    )
