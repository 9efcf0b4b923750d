"""The open-data schema: datasets, their columns and types (also shown at /public/data/schema/ and in
docs/disclosure.md). Every value comes from a published snapshot, never from a live source row."""

from __future__ import annotations

from dataclasses import dataclass

from jixiao.disclosure.models import ItemType

SCHEMA_VERSION = "1.0"


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # string | integer | decimal (a string with 2 places, exact) | datetime (ISO 8601 with offset)
    title: str
    description: str = ""


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    item_types: tuple[str, ...]
    detail: str  # "" one row per item; else the snapshot list each row comes from ("indicators", "projects")
    columns: tuple[Column, ...]

    @property
    def field_names(self) -> list[str]:
        return [c.name for c in self.columns]


ITEM = Column("item_id", "string", "公开事项编号", "公开事项的唯一编号（UUID），对应公开页面地址")
YEAR = Column("fiscal_year", "integer", "年度")
REGION = Column("region_code", "string", "财政区划编码", "9位财政区划编码")
DEPT_CODE = Column("department_code", "string", "主管部门编码")
DEPT = Column("department_name", "string", "主管部门")
UNIT_CODE = Column("unit_code", "string", "单位编码")
UNIT = Column("unit_name", "string", "单位")
PUBLISHED = Column("published_at", "datetime", "公开时间")

DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(
            "targets",
            "绩效目标表",
            (ItemType.TARGET_TABLE, ItemType.DEPT_OVERALL_TARGET),
            "",
            (
                ITEM,
                Column(
                    "item_type", "string", "公开事项类型", "TARGET_TABLE 项目绩效目标表；DEPT_OVERALL_TARGET 部门整体"
                ),
                YEAR,
                REGION,
                DEPT_CODE,
                DEPT,
                UNIT_CODE,
                UNIT,
                Column("project_code", "string", "项目编码", "部门整体目标为空"),
                Column("name", "string", "项目（目标）名称"),
                Column("annual_goal", "string", "年度总体目标"),
                Column("annual_total_yuan", "decimal", "年度资金总额（元）"),
                Column("annual_fiscal_yuan", "decimal", "其中：财政拨款（元）"),
                Column("task_count", "integer", "年度主要任务数"),
                Column("indicator_count", "integer", "绩效指标数"),
                PUBLISHED,
            ),
        ),
        Dataset(
            "target_indicators",
            "绩效目标表·绩效指标",
            (ItemType.TARGET_TABLE, ItemType.DEPT_OVERALL_TARGET),
            "indicators",
            (
                ITEM,
                YEAR,
                REGION,
                DEPT,
                Column("name", "string", "项目（目标）名称"),
                Column("year_flag", "string", "年度/中期"),
                Column("lv1", "string", "一级指标"),
                Column("lv2", "string", "二级指标"),
                Column("indicator", "string", "三级指标"),
                Column("operator", "string", "指标性质"),
                Column("target_value", "string", "指标值"),
                Column("unit", "string", "计量单位"),
            ),
        ),
        Dataset(
            "self_evaluations",
            "绩效自评结果",
            (ItemType.SELF_EVAL_REPORT,),
            "",
            (
                ITEM,
                YEAR,
                REGION,
                DEPT,
                UNIT,
                Column("subject", "string", "自评类型", "项目支出 / 部门整体支出"),
                Column("project_code", "string", "项目编码"),
                Column("name", "string", "名称"),
                Column("score", "decimal", "自评得分"),
                Column("grade", "string", "自评等级", "优 / 良 / 中 / 差"),
                PUBLISHED,
            ),
        ),
        Dataset(
            "key_evaluations",
            "重点绩效评价报告",
            (ItemType.KEY_EVAL_REPORT,),
            "",
            (
                ITEM,
                YEAR,
                REGION,
                DEPT,
                Column("name", "string", "报告名称"),
                Column("object_type", "string", "评价对象类型"),
                Column("amount_yuan", "decimal", "评价资金（元）"),
                Column("score", "decimal", "评价得分"),
                Column("grade", "string", "评价等级"),
                PUBLISHED,
                Column("file_url", "string", "报告文件下载地址"),
            ),
        ),
        Dataset(
            "agri_fund_projects",
            "涉农整合资金项目公告·项目",
            (ItemType.AGRI_FUND_NOTICE,),
            "projects",
            (
                ITEM,
                YEAR,
                REGION,
                Column("project_code", "string", "项目编码"),
                Column("project_name", "string", "项目名称"),
                DEPT,
                UNIT,
                Column("period", "string", "实施期限"),
                Column("total_yuan", "decimal", "资金总额（元）"),
                Column("fiscal_yuan", "decimal", "其中：财政拨款（元）"),
                Column("is_rural_link", "string", "衔接资金项目", "是 / 否"),
                Column("annual_goal", "string", "年度绩效目标", "已批复绩效目标的年度目标；未批复的为空"),
                PUBLISHED,
            ),
        ),
    )
}
