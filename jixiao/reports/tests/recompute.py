"""Every figure of the annual summary recomputed the plain way: fetch the rows with the ORM and count them in Python.

Deliberately not the statistics module's aggregates, so a wrong filter or GROUP BY there shows up as a mismatch.
"""

from __future__ import annotations

from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import timezone

from jixiao.alerts.models import FundAdjustment, ProjectLight, Warning
from jixiao.disclosure.models import Disclosure
from jixiao.evaluation.models import (
    AuthenticityItem,
    ReEvaluationBatch,
    ReEvaluationSample,
    SelfEvalFund,
    SelfEvaluation,
)
from jixiao.experts.models import AgencyQualityReview
from jixiao.keyeval.models import KeyEvaluation
from jixiao.monitoring.models import MonitoringRecord
from jixiao.organizations.models import BudgetUnit
from jixiao.preassessment.models import SUPPORTIVE, PreAssessment
from jixiao.projects.models import Project
from jixiao.targets.models import PerformanceTarget, ReviewComment, TargetEvent

D0 = Decimal(0)


def _in(obj_region: Any, path: str) -> bool:
    return str(obj_region.path).startswith(path)


def recompute(path: str, wy: int, fy: int) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    pas = [
        pa
        for pa in PreAssessment.objects.select_related("region")
        if not pa.is_deleted
        and _in(pa.region, path)
        and pa.submitted_at
        and timezone.localtime(pa.submitted_at).year == wy
    ]
    concluded = [pa for pa in pas if pa.status == "concluded"]
    supportive = [pa for pa in concluded if pa.conclusion in SUPPORTIVE]
    out["PA-1"] = {"count": len(pas), "requested_yuan": sum((pa.requested_amount_yuan for pa in pas), D0)}
    out["PA-2"] = {
        "supported_count": len(supportive),
        "supported_yuan": sum((pa.supported_amount_yuan or D0 for pa in supportive), D0),
        "by_conclusion": {k: {"count": n} for k, n in Counter(pa.conclusion for pa in concluded).items()},
    }
    out["PA-3"] = {
        "reduction_yuan": sum((pa.requested_amount_yuan for pa in concluded), D0)
        - sum((pa.supported_amount_yuan or D0 for pa in supportive), D0)
    }

    targets = [
        t
        for t in PerformanceTarget.objects.select_related("region")
        if not t.is_deleted and t.fiscal_year == wy and _in(t.region, path)
    ]
    approved = [t for t in targets if t.status in ("approved", "adjusting")]
    out["TG-1"] = {
        "dept_overall_units": len({t.unit_id for t in approved if t.subject_type == "dept_overall"}),
        "projects": len([t for t in approved if t.subject_type == "project"]),
        "project_yuan": sum((t.annual_total_yuan for t in approved if t.subject_type == "project"), D0),
        "units": len(
            [
                u
                for u in BudgetUnit.objects.select_related("region")
                if u.is_active and not u.is_deleted and _in(u.region, path)
            ]
        ),
    }
    target_ids = {t.pk for t in targets}
    comments = [c for c in ReviewComment.objects.select_related("target") if c.target_id in target_ids]
    out["TG-2"] = {
        "count": len(comments),
        "targets": len({c.target_id for c in comments}),
        "departments": len({c.target.department_id for c in comments}),
        "submitted_targets": len([t for t in targets if t.status != "draft"]),
    }
    events = [e for e in TargetEvent.objects.all() if e.target_id in target_ids]
    out["TG-3"] = {
        "reviewed": len({e.target_id for e in events if e.to_status not in ("draft", "unit_submitted")}),
        "returned": len({e.target_id for e in events if e.to_status == "returned"}),
    }

    scored = [t for t in targets if t.review_score is not None]
    poor = [t for t in scored if t.review_grade == "poor"]
    out["TG-5"] = (
        {
            "scored": len(scored),
            "mean": (sum((t.review_score for t in scored), D0) / len(scored)).quantize(Decimal("0.01"), ROUND_HALF_UP),
            "poor": len(poor),
            "poor_yuan": sum((t.annual_total_yuan for t in poor), D0),
        }
        if scored
        else {}
    )

    records = [
        r
        for r in MonitoringRecord.objects.select_related("task", "unit", "region")
        if not r.is_deleted
        and not r.task.is_deleted
        and r.task.fiscal_year == wy
        and r.task.status in ("issued", "closed")
        and _in(r.region, path)
    ]
    out["MON-1"] = {
        "units": len({r.unit_id for r in records}),
        "first_level": len({r.unit_id for r in records if r.unit.level == 1}),
        "projects": len({r.project_id for r in records if r.project_id}),
        "towns": len({r.unit_id for r in records if r.unit.kind in ("town", "street", "dev_zone")}),
    }
    rounds: dict[int, list[Any]] = {}
    for r in records:
        if r.project_id:
            rounds.setdefault(r.task_id, []).append(r)
    overall = [r for r in records if not r.project_id]
    out["MON-5"] = {
        "departments": len({r.department_id for r in overall}),
        "reviewed": len({r.department_id for r in overall if r.status == "approved"}),
        "budget_yuan": sum((r.current_budget_yuan for r in overall), D0),
    }
    out["MON-2"] = {
        "rounds": sorted(
            (
                len(rs),
                sum((r.current_budget_yuan for r in rs), D0),
                sum((r.executed_to_date_yuan for r in rs), D0),
            )
            for rs in rounds.values()
        )
    }
    projects = {p.pk: p for p in Project.objects.select_related("region") if not p.is_deleted and _in(p.region, path)}
    red = {w.project_id for w in Warning.objects.filter(fiscal_year=wy, color="RED") if w.project_id in projects}
    lit = {light.project_id for light in ProjectLight.objects.filter(fiscal_year=wy) if light.project_id in projects}
    out["MON-3"] = {
        "red_projects": len(red),
        "red_yuan": sum((projects[i].total_amount_yuan for i in red), D0),
        "monitored_projects": len(lit),
        "monitored_yuan": sum((projects[i].total_amount_yuan for i in lit), D0),
    }
    adjustments = [a for a in FundAdjustment.objects.filter(fiscal_year=wy) if a.project_id in projects]
    out["MON-4"] = {"by_kind": _by_kind([a for a in adjustments if a.source == "MONITORING"])}
    out["RA-1"] = {"by_kind": _by_kind(adjustments), "by_source": _by_source(adjustments)}
    reviewed = [a for a in adjustments if a.source == "TARGET_REVIEW"]
    out["TG-4"] = {
        "projects": len({a.project_id for a in reviewed}),
        "amount_yuan": sum((a.amount_yuan for a in reviewed), D0),
        "by_kind": _by_kind(reviewed),
    }
    retro = [a for a in adjustments if a.source == "PRE_ASSESSMENT" and a.kind == "RETRO_REDUCE"]
    out["PA-3"]["retro_reduce_projects"] = len({a.project_id for a in retro})
    out["PA-3"]["retro_reduce_yuan"] = sum((a.amount_yuan for a in retro), D0)

    evals = [
        s
        for s in SelfEvaluation.objects.select_related("region")
        if not s.is_deleted and s.fiscal_year == fy and s.status not in ("filling", "returned") and _in(s.region, path)
    ]
    project_eval_ids = {s.pk for s in evals if s.subject == "project"}
    out["EV-1"] = {
        "projects": len(project_eval_ids),
        "overall": len([s for s in evals if s.subject == "dept_overall"]),
        "departments": len({s.department_id for s in evals}),
        "project_yuan": sum(
            (
                f.annual_yuan
                for f in SelfEvalFund.objects.filter(fund_source="TOTAL")
                if f.self_eval_id in project_eval_ids
            ),
            D0,
        ),
    }
    batches = [
        b
        for b in ReEvaluationBatch.objects.select_related("region")
        if not b.is_deleted and b.fiscal_year == fy and b.status != "draft" and _in(b.region, path)
    ]
    batch_ids = {b.pk for b in batches}
    samples = [s for s in ReEvaluationSample.objects.all() if s.batch_id in batch_ids]
    grades = Counter(s.re_grade for s in samples if s.re_grade)
    out["EV-2"] = {
        "sample": len(samples),
        "population": sum(b.population_size for b in batches),
        "amount_yuan": sum((s.amount_yuan for s in samples), D0),
        "by_grade": {g: grades.get(g, 0) for g in ("优", "良", "中", "差")},
    }
    keys = [
        k
        for k in KeyEvaluation.objects.select_related("region")
        if not k.is_deleted and k.fiscal_year == fy and _in(k.region, path)
    ]
    out["EV-3"] = {
        "n": len(keys),
        "amount": sum((k.amount_yuan for k in keys), D0),
        "third_party": len([k for k in keys if k.mode == "third_party"]),
        "departments": len({k.department_id for k in keys if k.department_id}),
        "by_grade": {
            str(label): len([k for k in keys if k.status == "issued" and k.grade == value])
            for value, label in KeyEvaluation._meta.get_field("grade").choices
        },
        "reports": [k.title for k in sorted((k for k in keys if k.status == "issued"), key=lambda k: (k.title, k.pk))],
    }
    withheld = {
        d.subject_id
        for d in Disclosure.objects.filter(item_type="KEY_EVAL_REPORT")
        if d.status in ("exempt_secret", "exempt_sensitive", "exempt_other")
        and not d.is_deleted
        and d.subject_type.model_class() is KeyEvaluation  # type: ignore[union-attr]
    }
    # A report of a 主管部门 flagged 涉密 is not named in a public document either.
    withheld |= {k.pk for k in keys if k.department_id and k.department.is_secret}  # type: ignore[union-attr]
    out["EV-3"]["public_reports"] = [
        k.title
        for k in sorted((k for k in keys if k.status == "issued"), key=lambda k: (k.title, k.pk))
        if k.pk not in withheld
    ]
    out["EV-3"]["withheld_reports"] = len([k for k in keys if k.status == "issued" and k.pk in withheld])
    items = [
        i
        for i in AuthenticityItem.objects.select_related("check_batch__region")
        if not i.check_batch.is_deleted and i.check_batch.fiscal_year == fy and _in(i.check_batch.region, path)
    ]
    out["EV-4"] = {"projects": len({i.self_eval_id for i in items}), "indicators": len([i for i in items if i.finding])}
    reviews = [
        r
        for r in AgencyQualityReview.objects.select_related("agency__region")
        if timezone.localtime(r.reviewed_at).year == wy and _in(r.agency.region, path)
    ]
    out["TP-1"] = {"reviewed": len(reviews)}
    later = _later_stages(path, wy)
    out["RA-1"].update(later.pop("RA-1"))
    out.update(later)
    return out


def _later_stages(path: str, wy: int) -> dict[str, dict[str, Any]]:
    """DOC-1, DIS-1, AP-1, TR-1, REG-1, MON-6 and the result applications of RA-1, from the later stages' own rows."""
    from jixiao.appraisals.models import Appraisal
    from jixiao.disclosure.models import Disclosure
    from jixiao.documents.models import ISSUED_STATES, OfficialDocument
    from jixiao.inspections.models import Inspection
    from jixiao.regulations.models import Regulation
    from jixiao.results.models import ResultApplication
    from jixiao.training.models import TrainingSession

    docs = [
        d
        for d in OfficialDocument.objects.select_related("region")
        if not d.is_deleted and d.fiscal_year == wy and d.status in ISSUED_STATES and _in(d.region, path)
    ]
    items = [
        d
        for d in Disclosure.objects.select_related("region", "department", "unit")
        if not d.is_deleted and d.fiscal_year == wy and _in(d.region, path)
    ]
    # A published item whose department or unit was flagged 涉密 since is withheld (涉密), as the public site reads it.
    hidden = [
        d
        for d in items
        if d.status == "published" and ((d.department and d.department.is_secret) or (d.unit and d.unit.is_secret))
    ]
    appraisals = [
        a
        for a in Appraisal.objects.select_related("task", "region")
        if not a.task.is_deleted
        and a.task.fiscal_year == wy
        and a.status in ("ranked", "outcomes_issued")
        and _in(a.region, path)
    ]
    sessions = [
        t
        for t in TrainingSession.objects.select_related("region")
        if not t.is_deleted and t.year == wy and _in(t.region, path)
    ]
    # REG-1 counts the bureau's own rules: the report's region itself, not the regions below it.
    rules = Counter(
        r.action
        for r in Regulation.objects.select_related("region")
        if not r.is_deleted and r.year == wy and r.region.path == path
    )
    checks = [
        i
        for i in Inspection.objects.select_related("region")
        if not i.is_deleted and i.fiscal_year == wy and _in(i.region, path)
    ]
    applications = [
        r
        for r in ResultApplication.objects.select_related("region")
        if not r.is_deleted and r.fiscal_year == wy and _in(r.region, path)
    ]
    return {
        "DOC-1": {"issued_total": len(docs), "issued": dict(Counter(d.doc_type for d in docs))},
        "DIS-1": {
            "published_total": len([d for d in items if d.status == "published"]) - len(hidden),
            "exempt_total": len([d for d in items if d.status.startswith("exempt_")]) + len(hidden),
        },
        "AP-1": {
            "examinees": len(appraisals),
            "commend": len([a for a in appraisals if a.outcome == "COMMEND"]),
            "interview": len([a for a in appraisals if a.outcome == "INTERVIEW"]),
        },
        "TR-1": {"sessions": sum(t.session_count for t in sessions), "attendance": sum(t.attendance for t in sessions)},
        "REG-1": {
            "records": sum(rules.values()),
            **{action: rules.get(action, 0) for action in Regulation.Action.values},
        },
        "MON-6": {
            "checks": len(checks),
            "departments": len({i.department_id for i in checks}),
            "with_problems": len([i for i in checks if i.findings.strip()]),
        }
        if checks
        else {},
        "RA-1": {
            "applications": {
                "total": len(applications),
                "decided": len([r for r in applications if r.status == "decided"]),
            }
        },
    }


def _by_kind(rows: list[Any], attr: str = "kind") -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = {}
    keys = FundAdjustment.Kind.values if attr == "kind" else FundAdjustment.Source.values
    for key in keys:
        chosen = [a for a in rows if getattr(a, attr) == key]
        result[key] = {
            "count": len(chosen),
            "projects": len({a.project_id for a in chosen}),
            "amount_yuan": sum((a.amount_yuan for a in chosen), D0),
        }
    return result


def _by_source(rows: list[Any]) -> dict[str, dict[str, Any]]:
    return _by_kind(rows, "source")


def matches(snapshot: Any, expected: Any) -> bool:
    """`expected` (Decimals, ints, nested dicts, lists) equals the JSON snapshot (Decimals stored as strings)."""
    if isinstance(expected, Decimal):
        return snapshot is not None and Decimal(str(snapshot)) == expected
    if isinstance(expected, dict):
        return isinstance(snapshot, dict) and all(matches(snapshot.get(k), v) for k, v in expected.items())
    if isinstance(expected, list | tuple):
        return len(snapshot) == len(expected) and all(matches(s, e) for s, e in zip(snapshot, expected, strict=True))
    return bool(snapshot == expected)


def assert_figures_match(statistics: dict[str, Any], path: str, wy: int, fy: int) -> None:
    expected = recompute(path, wy, fy)
    mon2 = expected.pop("MON-2")["rounds"]
    got_rounds = sorted(
        (r["count"], Decimal(r["budget_yuan"]), Decimal(r["executed_yuan"]))
        for r in statistics["MON-2"]["values"]["rounds"]
    )
    assert got_rounds == mon2, ("MON-2", got_rounds, mon2)
    for code, values in expected.items():
        assert matches(statistics[code]["values"], values), (code, statistics[code]["values"], values)
