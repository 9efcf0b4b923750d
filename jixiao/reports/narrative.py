"""The annual summary's text, built from the figures (DOMAIN.md §2.9, structure of seeds 000 and 004).

Pure functions: figures in, {section key: text} out. The performance section edits the text before export.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from jixiao.reports.statistics import Figure


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    level: int  # 0 = untitled preface, 1 = 一、…, 2 = （一）…
    codes: tuple[str, ...] = ()


SECTIONS: tuple[Section, ...] = (
    Section("preface", "", 0),
    Section("work", "一、工作开展情况", 1),
    Section("work_pa", "（一）事前绩效评估", 2, ("PA-1", "PA-2", "PA-3")),
    Section("work_tg", "（二）绩效目标管理", 2, ("TG-1", "TG-2", "TG-3", "TG-4")),
    Section("work_mon", "（三）绩效运行监控", 2, ("MON-1", "MON-2", "MON-5", "MON-3", "MON-4")),
    Section("work_ev", "（四）绩效评价", 2, ("EV-1", "EV-2", "EV-3", "EV-4")),
    Section("work_ra", "（五）结果应用与整改", 2, ("RA-1", "DOC-1")),
    Section("work_dis", "（六）信息公开", 2, ("DIS-1",)),
    Section("work_ap", "（七）绩效考核、培训与第三方管理", 2, ("AP-1", "TR-1", "TP-1")),
    Section("self_score", "二、自评得分情况", 1),
    Section("problems", "三、存在的问题", 1),
    Section("next_steps", "四、下一步工作打算", 1),
)
EDITABLE = tuple(s for s in SECTIONS if s.key != "work")

NEXT_STEPS = (
    "（一）健全预算绩效管理制度。结合本地实际完善事前绩效评估、绩效目标管理、运行监控和评价结果应用等制度办法，"
    "提高预算绩效管理工作的规范性和有效性。\n"
    "（二）扩大重点绩效评价范围。围绕县委、县政府确定的重点支出项目和资金量大、社会关注度高的项目深入开展重点绩效评价，"
    "完善部门自评和财政再评价相结合的评价机制。\n"
    "（三）强化绩效结果应用。将各环节绩效结果与预算安排和政策调整挂钩，压实整改责任，提高财政资源配置效率和资金使用效益。\n"
    "（四）加强业务培训与指导。持续开展预算绩效管理业务培训和现场指导，提升预算单位绩效管理能力。"
)


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
    ordinals = ("（一）", "（二）", "（三）", "（四）", "（五）")
    return "\n".join(f"{ordinals[i]}{line}" for i, line in enumerate(lines))


def build_sections(
    figures: dict[str, Figure], *, region_name: str, work_year: int, self_score: Decimal | None
) -> dict[str, str]:
    """The generated text of every editable section."""
    texts: dict[str, str] = {
        "preface": (
            f"按照预算绩效管理工作考核的有关要求，现将{region_name}{work_year}年度预算绩效管理工作开展情况报告如下。"
        )
    }
    for section in SECTIONS:
        if section.codes:
            texts[section.key] = _join(figures, section.codes) or "暂无数据。"
    score = format(self_score.normalize(), "f") if self_score is not None else ""
    texts["self_score"] = (
        f"对照考核评分表，结合工作开展情况，{region_name}{work_year}年度预算绩效管理工作自评得分{score}分，"
        "具体得分情况详见附件。"
        if self_score is not None
        else "对照考核评分表，结合工作开展情况进行自评，具体得分情况详见附件。"
    )
    texts["problems"] = _problems(figures)
    texts["next_steps"] = NEXT_STEPS
    return texts


def outline(sections: dict[str, Any]) -> list[dict[str, Any]]:
    """The summary as it reads, in the Word file's order: every heading (一、工作开展情况 has no text of its own) with
    the current text of its section."""
    return [{"title": s.title, "level": s.level, "text": (sections.get(s.key) or {}).get("text", "")} for s in SECTIONS]


def merge_sections(old: dict[str, Any], generated: dict[str, str], *, overwrite: bool) -> dict[str, dict[str, Any]]:
    """Regeneration keeps the text a person edited, unless asked to overwrite it."""
    merged: dict[str, dict[str, Any]] = {}
    for section in EDITABLE:
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
