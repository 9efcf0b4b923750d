"""The annual summary's text, built from the figures (DOMAIN.md §2.9, structure of seeds 000 and 004; the public
工作情况说明 in the structure of seed 001).

Pure functions: figures in, {section key: text} out. The performance section edits the text before export.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from jixiao.reports.statistics import Figure, wan


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    level: int  # 0 = untitled preface, 1 = 一、…, 2 = （一）…
    codes: tuple[str, ...] = ()
    editable: bool = True
    # The issued key-evaluation reports (EV-3) as a 序号/评价报告 table printed after the section's text.
    reports_table: bool = False
    # Printed only when it has text: a bureau with nothing to ask the upper level clears it (the last heading, so
    # leaving it out renumbers nothing).
    optional: bool = False


WORK_PARTS: tuple[Section, ...] = (
    Section("work_pa", "（一）事前绩效评估", 2, ("PA-1", "PA-2", "PA-3")),
    Section("work_tg", "（二）绩效目标管理", 2, ("TG-1", "TG-2", "TG-3", "TG-5", "TG-4")),
    Section("work_mon", "（三）绩效运行监控", 2, ("MON-1", "MON-2", "MON-5", "MON-3", "MON-4", "MON-6")),
    Section("work_ev", "（四）绩效评价", 2, ("EV-1", "EV-2", "EV-3", "EV-4")),
    Section("work_ra", "（五）结果应用与整改", 2, ("RA-1", "DOC-1")),
    Section("work_dis", "（六）信息公开", 2, ("DIS-1",)),
    Section("work_ap", "（七）绩效考核、培训与第三方管理", 2, ("AP-1", "TR-1", "TP-1")),
    # Added 7 Dec 2026 after the others, so the parts of a report generated before it keep their numbers.
    Section("work_reg", "（八）制度建设", 2, ("REG-1",)),
)
# 向上级报送的工作总结 (seeds 000, 004).
SECTIONS: tuple[Section, ...] = (
    Section("preface", "", 0),
    Section("work", "一、工作开展情况", 1, editable=False),
    *WORK_PARTS,
    Section("self_score", "二、自评得分情况", 1),
    Section("problems", "三、存在的问题", 1),
    Section("next_steps", "四、下一步工作打算", 1),
    # Seed 000 ends with the bureau's requests to the upper level (added 7 Dec 2026; older reports read without it).
    Section("suggestions", "五、意见建议", 1, optional=True),
)
# 对外公开的工作情况说明 (seed 001): the key evaluations' results first, then the work done; figures only — no
# self-score, no problems list, no unit's opinion, no expert's name.
PUBLIC_SECTIONS: tuple[Section, ...] = (
    Section("public_results", "一、公开重大政策和重点项目绩效执行结果", 1, ("EV-3", "DIS-1"), reports_table=True),
    Section("public_work", "二、工作开展情况说明", 1),
    *WORK_PARTS,
)
# 工作总结 in seed 004's structure: the work done, then 取得的成效, 存在的不足, 下一步工作打算及建议 (no 自评得分).
EFFECT_SECTIONS: tuple[Section, ...] = (
    Section("preface", "", 0),
    Section("work", "一、工作开展情况", 1, editable=False),
    *WORK_PARTS,
    Section("effects", "二、取得的成效", 1),
    Section("problems", "三、存在的不足", 1),
    Section("next_steps", "四、下一步工作打算及建议", 1),
)
PUBLIC = "PUBLIC"  # AnnualReport.Kind.PUBLIC (the narrative stays free of the models)
EFFECTS = "EFFECTS"  # AnnualReport.Kind.EFFECTS
INCREASE = "INCREASE"  # FundAdjustment.Kind.INCREASE (激励/追加)


def sections_of(kind: str, stored: dict[str, Any] | None = None) -> tuple[Section, ...]:
    """The report kind's sections in the order they read. A public report generated before it had sections of its own
    (6 Dec 2026) stored the upward ones: it keeps reading (and exporting, finalised or not) as it was written until it
    is regenerated."""
    if kind == EFFECTS:
        chosen = EFFECT_SECTIONS
    elif kind != PUBLIC:
        chosen = SECTIONS
    else:
        legacy = stored is not None and "preface" in stored and "public_results" not in stored
        chosen = SECTIONS if legacy else PUBLIC_SECTIONS
    if not stored:
        return chosen
    # A part added after the report was generated (（八）制度建设) is left out until it is regenerated: a finalised
    # report reads and exports as it was written, without an empty heading.
    return tuple(s for s in chosen if not s.editable or s.key in stored)


def printed_of(kind: str, stored: dict[str, Any]) -> tuple[Section, ...]:
    """The sections the report prints (the page and the Word file): an optional one only when it has text."""
    return tuple(
        s for s in sections_of(kind, stored) if not s.optional or ((stored.get(s.key) or {}).get("text") or "").strip()
    )


def editable_of(kind: str, stored: dict[str, Any] | None = None) -> tuple[Section, ...]:
    return tuple(s for s in sections_of(kind, stored) if s.editable)


# Seed 000's 五、意见建议, as a starting point the performance section rewrites or clears.
SUGGESTIONS = (
    "（一）对预算绩效管理业务培训的要求及方式作出具体规定，同时派遣业务人员现场指导，强化质量把控。\n"
    "（二）明确绩效管理股（室）的人员配置及专业要求。"
)
NEXT_STEPS = (
    "（一）健全预算绩效管理制度。结合本地实际完善事前绩效评估、绩效目标管理、运行监控和评价结果应用等制度办法，"
    "提高预算绩效管理工作的规范性和有效性。\n"
    "（二）扩大重点绩效评价范围。围绕县委、县政府确定的重点支出项目和资金量大、社会关注度高的项目深入开展重点绩效评价，"
    "完善部门自评和财政再评价相结合的评价机制。\n"
    "（三）强化绩效结果应用。将各环节绩效结果与预算安排和政策调整挂钩，压实整改责任，提高财政资源配置效率和资金使用效益。\n"
    "（四）加强业务培训与指导。持续开展预算绩效管理业务培训和现场指导，提升预算单位绩效管理能力。"
)


# Seed 004 ends its 下一步工作打算 with what it asks of the province.
NEXT_STEPS_AND_SUGGESTIONS = (
    NEXT_STEPS + "\n（五）建议上级财政部门继续加强预算绩效管理业务培训和现场指导，"
    "明确绩效管理股（室）的人员配置及专业要求。"
)
ORDINALS = ("（一）", "（二）", "（三）", "（四）", "（五）", "（六）")


def _join(figures: dict[str, Figure], codes: tuple[str, ...]) -> str:
    sentences = [figures[c].sentence for c in codes if c in figures and figures[c].available]
    return "。".join(s.rstrip("。") for s in sentences) + ("。" if sentences else "")


def _problems(figures: dict[str, Figure]) -> str:
    lines: list[str] = []
    tg3 = figures.get("TG-3")
    if tg3 is not None and tg3.values.get("returned"):
        lines.append(
            f"绩效目标编报质量有待提高。全年审核绩效目标{tg3.values['reviewed']}个，退回修改{tg3.values['returned']}个，"
            f"退回率{tg3.values['rate']}，部分单位目标设置不够明确、细化、量化。"
        )
    mon3 = figures.get("MON-3")
    if mon3 is not None and mon3.values.get("red_projects"):
        lines.append(
            f"部分项目预算执行进度滞后。{mon3.values['red_projects']}个项目触发红色预警，"
            "“重分配、轻管理、重支出、轻绩效”的思想依旧存在。"
        )
    ev2 = figures.get("EV-2")
    if ev2 is not None and (ev2.values.get("by_grade") or {}).get("差"):
        lines.append(f"部分单位自评质量不高，财政再评价中{ev2.values['by_grade']['差']}个项目评价等级为“差”。")
    lines.append("专业人才不足。绩效管理工作涉及量大面广、专业性强，县级层面缺少能满足要求的专业人员。")
    return "\n".join(f"{ORDINALS[i]}{line}" for i, line in enumerate(lines))


def _values(figures: dict[str, Figure], code: str) -> dict[str, Any]:
    figure = figures.get(code)
    return figure.values if figure is not None and figure.available else {}


def _effects(figures: dict[str, Figure]) -> str:
    """二、取得的成效 in seed 004's manner (目标编制质量再提高, 重点评估评价效果再凸显…), each point from the figures of
    the year; a point without figures is left out."""
    lines: list[str] = []
    tg3, tg4 = _values(figures, "TG-3"), _values(figures, "TG-4")
    if tg3.get("reviewed"):
        text = (
            f"绩效目标编制质量再提高。全年审核绩效目标{tg3['reviewed']}个，"
            f"对{tg3.get('returned', 0)}个提出修改意见并退回（退回率{tg3.get('rate', '0.00%')}）"
        )
        if tg4.get("projects"):
            text += f"，通过目标审核调整{tg4['projects']}个项目预算{wan(tg4.get('amount_yuan'))}万元"
        lines.append(text + "，从源头上提高了预算和绩效目标编制的科学性和精准性。")
    pa3 = _values(figures, "PA-3")
    if pa3.get("reduction_yuan"):
        lines.append(
            f"事前绩效评估把关作用再增强。申请资金{wan(pa3.get('requested_yuan'))}万元的新增项目经事前评估，"
            f"核减{wan(pa3['reduction_yuan'])}万元，不合理的支出挡在了预算之外。"
        )
    ev2, ev3 = _values(figures, "EV-2"), _values(figures, "EV-3")
    if ev2.get("sample") or ev3.get("n"):
        parts = []
        if ev2.get("sample"):
            parts.append(f"财政再评价抽取{ev2['sample']}个项目（抽取比例{ev2.get('rate', '')}）")
        if ev3.get("n"):
            grades = "、".join(f"{k}{v}个" for k, v in (ev3.get("by_grade") or {}).items() if v)
            parts.append(
                f"开展财政重点绩效评价{ev3['n']}个，涉及资金{wan(ev3.get('amount'))}万元"
                + (f"，评价等级{grades}" if grades else "")
            )
        text = "重点评价效果再凸显。" + "，".join(parts)
        if ev3.get("regulations_on_results"):
            text += f"，根据评价结果出台或修订制度办法{ev3['regulations_on_results']}项"
        lines.append(text + "。")
    ra1 = _values(figures, "RA-1")
    # The budgets cut or recovered on the results (压减, 核减, 核销, 调减, 追减, 收回, 削减); an 激励/追加 is not a cut.
    adjusted = [v for k, v in (ra1.get("by_kind") or {}).items() if v.get("count") and k != INCREASE]
    if adjusted:
        total = sum((Decimal(v.get("amount_yuan") or 0) for v in adjusted), Decimal(0))
        cuts = sum(v["count"] for v in adjusted)
        text = f"绩效结果应用再深化。全年运用绩效结果压减、核减、收回等预算{cuts}笔{wan(total)}万元"
        idle = (ra1.get("by_source") or {}).get("IDLE_FUNDS") or {}
        if idle.get("count"):
            text += f"，其中清理盘活存量资金{wan(idle.get('amount_yuan'))}万元"
        lines.append(text + "，有效提高了财政资金使用效益。")
    if not lines:
        return "暂无数据。"
    return "\n".join(f"{ORDINALS[i]}{line}" for i, line in enumerate(lines))


def _public_results(figures: dict[str, Figure], *, region_name: str, work_year: int, fiscal_year: int) -> str:
    """一、公开重大政策和重点项目绩效执行结果 as seed 001 words it: EV-3 by every object type (zeros included), the
    reports formed, and how many of those reports were withheld; a year without evaluations reads with 0, not a
    blank."""
    lines: list[str] = []
    ev3 = figures.get("EV-3")
    if ev3 is not None and ev3.available:
        values = ev3.values
        types = "、".join(f"{label}{n}个" for label, n in (values.get("by_object_type") or {}).items())
        lines.append(
            f"{work_year}年度，{region_name}财政对{fiscal_year}年度重点绩效评价共选取{values.get('n', 0)}个评价对象"
            f"（包括{types}），评价资金总额{wan(values.get('amount'))}万元，"
            f"其中委托第三方机构评价{values.get('third_party', 0)}个。"
            f"目前已下达评价结果并形成{len(values.get('reports') or [])}个评价报告。"
        )
    if ev3 is not None and ev3.available:
        # The reports of the table below (EV-3's issued key evaluations), not DIS-1's withheld items of every kind.
        withheld = int(ev3.values.get("withheld_reports") or 0)
        other = int(ev3.values.get("withheld_reports_other") or 0)
        lines.append(
            f"落实重大政策和重点项目评价结果公开有关要求，{region_name}财政局组织相关业务股室、被评价单位对重点绩效评价报告"
            f"进行公开（具体项目见下表）。{withheld - other}个项目报告涉及涉密及敏感信息，不予公开"
            + (f"；{other}个因其他原因不予公开" if other else "")
            + "。"
        )
    return "\n".join(lines) or "暂无数据。"


def build_sections(
    figures: dict[str, Figure],
    *,
    region_name: str,
    work_year: int,
    self_score: Decimal | None,
    kind: str = "UPWARD",
    fiscal_year: int | None = None,
) -> dict[str, str]:
    """The generated text of every editable section of the report kind."""
    texts: dict[str, str] = {}
    for section in WORK_PARTS:
        texts[section.key] = _join(figures, section.codes) or "暂无数据。"
    if kind == PUBLIC:
        texts["public_results"] = _public_results(
            figures, region_name=region_name, work_year=work_year, fiscal_year=fiscal_year or work_year
        )
        texts["public_work"] = f"现将{region_name}{work_year}年度预算绩效管理工作开展情况说明如下。"
        return texts
    texts["preface"] = (
        f"按照预算绩效管理工作考核的有关要求，现将{region_name}{work_year}年度预算绩效管理工作开展情况报告如下。"
    )
    if kind == EFFECTS:
        texts["effects"] = _effects(figures)
        texts["problems"] = _problems(figures)
        texts["next_steps"] = NEXT_STEPS_AND_SUGGESTIONS
        return texts
    score = format(self_score.normalize(), "f") if self_score is not None else ""
    texts["self_score"] = (
        f"对照考核评分表，结合工作开展情况，{region_name}{work_year}年度预算绩效管理工作自评得分{score}分，"
        "具体得分情况详见附件。"
        if self_score is not None
        else "对照考核评分表，结合工作开展情况进行自评，具体得分情况详见附件。"
    )
    texts["problems"] = _problems(figures)
    texts["next_steps"] = NEXT_STEPS
    texts["suggestions"] = SUGGESTIONS
    return texts


def key_evaluation_reports(statistics: dict[str, Any]) -> list[str]:
    """The issued key-evaluation reports' titles as the snapshot's EV-3 lists them (序号 = position + 1), those whose
    disclosure was withheld left out: the table is printed in a public document."""
    ev3 = (statistics or {}).get("EV-3") or {}
    return [str(title) for title in (ev3.get("values") or {}).get("public_reports") or []]


def outline(sections: dict[str, Any], kind: str = "UPWARD") -> list[dict[str, Any]]:
    """The summary as it reads, in the Word file's order: every heading (一、工作开展情况 has no text of its own) with
    the current text of its section, and whether the key-evaluation reports table follows it."""
    return [
        {
            "title": s.title,
            "level": s.level,
            "text": (sections.get(s.key) or {}).get("text", ""),
            "reports_table": s.reports_table,
        }
        for s in printed_of(kind, sections)
    ]


def merge_sections(
    old: dict[str, Any], generated: dict[str, str], *, overwrite: bool, kind: str = "UPWARD"
) -> dict[str, dict[str, Any]]:
    """Regeneration keeps the text a person edited, unless asked to overwrite it."""
    merged: dict[str, dict[str, Any]] = {}
    for section in editable_of(kind):
        new = generated.get(section.key, "")
        previous = old.get(section.key) or {}
        keep = bool(previous.get("edited")) and not overwrite
        merged[section.key] = {
            "title": section.title,
            "generated": new,
            "text": previous.get("text", new) if keep else new,
            "edited": keep,
        }
    return merged
