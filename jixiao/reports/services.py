"""Writes of the reports stage: generate, edit, finalise and export the annual work summary."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from jixiao.core import audit
from jixiao.core.errors import ConflictError, DomainError, PermissionDeniedError
from jixiao.core.locking import duplicate_is_conflict
from jixiao.core.numbers import FIRST_YEAR, LAST_YEAR, is_year
from jixiao.core.permissions import require
from jixiao.organizations.models import FiscalRegion
from jixiao.reports.documents import render_annual_report
from jixiao.reports.models import AnnualReport
from jixiao.reports.narrative import build_sections, editable_of, merge_sections
from jixiao.reports.selectors import kept_by
from jixiao.reports.statistics import Figure, Scope, compute_all

MAX_SECTION_CHARS = 8000
OTHER_REGION = "这是其他财政区划的年度工作总结，只能查看，不能修改"
CENT = Decimal("0.01")


def jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value.quantize(CENT))  # every Decimal figure is yuan; SQLite sums drop the places
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)  # lazy translations, dates, enum members from the later stages' contracts


def snapshot(figures: dict[str, Figure]) -> dict[str, Any]:
    return {
        code: {
            "label": f.label,
            "values": jsonable(f.values),
            "params": jsonable(f.params),
            "sentence": f.sentence,
            "available": f.available,
            "table": [list(row) for row in f.table],
        }
        for code, f in figures.items()
    }


def _region(actor: Any) -> Any:
    membership = getattr(actor, "active_membership", None)
    if membership is None:
        raise DomainError("没有可用的工作身份")
    return membership.region


def _check_year(year: Any, label: str) -> int:
    if not is_year(year):
        raise DomainError(f"{label}应为{FIRST_YEAR}至{LAST_YEAR}之间的年份")
    return year


def _check_generate(actor: Any, work_year: int, kind: str) -> None:
    require(actor, "reports.annual")
    _check_year(work_year, "工作年度")
    if kind not in AnnualReport.Kind.values:
        raise DomainError("报告类型不正确")


def annual_report_check_generate(*, actor: Any, work_year: int, kind: str) -> None:
    """What can be refused before the figures are computed, in the request that starts the generation job (a
    finalised report is never regenerated; `annual_report_generate` checks again under the row lock)."""
    _check_generate(actor, work_year, kind)
    final = AnnualReport.objects.filter(
        region=_region(actor), work_year=work_year, kind=kind, is_deleted=False, status=AnnualReport.Status.FINAL
    )
    if final.exists():
        raise ConflictError("报告已定稿，不能重新生成")


def annual_report_generate(
    *,
    actor: Any,
    work_year: int,
    kind: str = AnnualReport.Kind.UPWARD,
    fiscal_year: int | None = None,
    self_score: Decimal | None = None,
    overwrite: bool = False,
) -> AnnualReport:
    """One click: compute every §2.9 figure for the actor's region and (re)build the draft. Text a person edited
    survives regeneration unless `overwrite` is given."""
    _check_generate(actor, work_year, kind)
    if fiscal_year is None:
        # DOMAIN.md §0.3, §2.9: a work year's report gives the self-evaluations, re-evaluations and key evaluations of
        # the year before (FY = WY − 1; the 2021 report, the 2020 自评 round).
        fiscal_year = work_year - 1 if work_year > FIRST_YEAR else work_year
    fiscal_year = _check_year(fiscal_year, "评价对象年度")
    region = _region(actor)
    with transaction.atomic():
        # Two first generations of the region's report at once: the second waits here for the first (PostgreSQL)
        # and then finds its report; where the lock is no lock (SQLite), the unique row refuses it below.
        FiscalRegion.objects.filter(pk=region.pk).lock()
        report = (
            AnnualReport.objects.select_for_update(of=("self",))
            .filter(region=region, work_year=work_year, kind=kind, is_deleted=False)
            .first()
        )
        if report is not None and report.status == AnnualReport.Status.FINAL:
            raise ConflictError("报告已定稿，不能重新生成")
        if report is None:
            report = AnnualReport(region=region, work_year=work_year, kind=kind, created_by=actor)
            titles: dict[str, str] = {
                AnnualReport.Kind.UPWARD: f"{region.name}财政局关于{work_year}年度预算绩效管理工作总结的报告",
                # Seed 004's title.
                AnnualReport.Kind.EFFECTS: f"{region.name}财政局关于{work_year}年度预算绩效管理工作开展情况的报告",
            }
            report.title = titles.get(kind, f"{region.name}{work_year}年度预算绩效管理工作情况说明")
        else:
            report.version += 1
        if self_score is not None:
            report.self_score = self_score
        report.fiscal_year = fiscal_year
        figures = compute_all(Scope(region=region, work_year=work_year, fiscal_year=fiscal_year, actor=actor))
        generated = build_sections(
            figures,
            region_name=region.name,
            work_year=work_year,
            fiscal_year=fiscal_year,
            self_score=report.self_score,
            kind=kind,
        )
        report.sections = merge_sections(report.sections or {}, generated, overwrite=overwrite, kind=kind)
        report.statistics = snapshot(figures)
        report.generated_at = timezone.now()
        report.generated_by = actor
        report.updated_by = actor
        # The same region, year and kind may have been generated by someone else a moment ago.
        with duplicate_is_conflict("报告正在由他人生成，请稍后刷新"):
            report.save()
        audit.record(
            actor=actor,
            event_type="reports.annual_generate",
            obj=report,
            changes={"work_year": work_year, "fiscal_year": fiscal_year, "kind": kind, "overwrite": overwrite},
        )
    return report


def annual_report_update(
    *,
    actor: Any,
    report: AnnualReport,
    texts: dict[str, str],
    version: int,
    title: str | None = None,
    doc_no: str | None = None,
    addressees: str | None = None,
    self_score: Decimal | None = None,
) -> AnnualReport:
    """Save edited text; a section whose text differs from the generated one is marked as edited."""
    require(actor, "reports.annual")
    for key, text in texts.items():
        if len(text) > MAX_SECTION_CHARS:
            raise DomainError(f"“{key}”部分超过{MAX_SECTION_CHARS}字")
    with transaction.atomic():
        locked = AnnualReport.objects.select_for_update(of=("self",)).visible_to(actor).filter(pk=report.pk).first()
        if locked is None:
            raise DomainError("报告不存在")
        if not kept_by(actor, locked):
            raise PermissionDeniedError(OTHER_REGION)
        if locked.version != version:
            raise ConflictError("报告已被他人修改，请刷新后重试")
        if locked.status == AnnualReport.Status.FINAL:
            raise ConflictError("报告已定稿，不能修改")
        before = {"title": locked.title, "doc_no": locked.doc_no, "addressees": locked.addressees}
        sections = dict(locked.sections or {})
        changed = []
        for section in editable_of(locked.kind, sections):
            if section.key not in texts:
                continue
            entry = dict(sections.get(section.key) or {"title": section.title, "generated": ""})
            new = texts[section.key].replace("\r\n", "\n").strip()
            if new != entry.get("text"):
                changed.append(section.key)
            entry["text"] = new
            entry["edited"] = new != (entry.get("generated") or "").strip()
            sections[section.key] = entry
        locked.sections = sections
        if title is not None:
            if not title.strip():
                raise DomainError("标题不能为空")
            locked.title = title.strip()[:200]
        if doc_no is not None:
            locked.doc_no = doc_no.strip()[:50]
        if addressees is not None:
            locked.addressees = addressees.strip()[:300]
        if self_score is not None:
            locked.self_score = self_score
        locked.version += 1
        locked.updated_by = actor
        locked.save()
        audit.record(
            actor=actor,
            event_type="reports.annual_edit",
            obj=locked,
            changes={"sections": changed, "before": before},
        )
    return locked


def annual_report_finalize(*, actor: Any, report: AnnualReport, version: int) -> AnnualReport:
    require(actor, "reports.annual")
    with transaction.atomic():
        locked = AnnualReport.objects.select_for_update(of=("self",)).visible_to(actor).filter(pk=report.pk).first()
        if locked is None:
            raise DomainError("报告不存在")
        if not kept_by(actor, locked):
            raise PermissionDeniedError(OTHER_REGION)
        if locked.version != version:
            raise ConflictError("报告已被他人修改，请刷新后重试")
        if locked.status == AnnualReport.Status.FINAL:
            raise ConflictError("报告已定稿")
        locked.status = AnnualReport.Status.FINAL
        locked.version += 1
        locked.updated_by = actor
        locked.save(update_fields=["status", "version", "updated_by", "updated_at"])
        audit.record(actor=actor, event_type="reports.annual_finalize", obj=locked)
    return locked


def annual_report_export(*, actor: Any, report: AnnualReport) -> bytes:
    """The Word file; every export is audited."""
    require(actor, "reports.view_annual")
    content = render_annual_report(report, issuer=f"{report.region.name}财政局")
    with transaction.atomic():
        AnnualReport.objects.filter(pk=report.pk).update(exported_at=timezone.now())
        audit.record(actor=actor, event_type="reports.annual_export", obj=report)
    return content
