"""结果应用 of a key evaluation (seed 002 S47: “根据评价结果修订《区中小学校舍维修改造专项资金管理实施办法》…”):
once the results are issued, the 绩效股 links the rules its bureau issued or revised on them; the page lists them, the
annual report's EV-3 counts them; other regions' rules, forwarded ones and earlier ones are not offered."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from conftest import World
from jixiao.core.errors import DomainError, NotFoundError, PermissionDeniedError
from jixiao.core.models import AuditEvent
from jixiao.keyeval import selectors, services
from jixiao.keyeval.models import EvalTemplate, KeyEvaluation
from jixiao.regulations import services as regulation_services
from jixiao.regulations.models import Regulation


def _evaluation(world: World, status: str = "issued") -> KeyEvaluation:
    ev = services.evaluation_create(
        actor=world.users["performance"],
        data={
            "fiscal_year": 2026,
            "title": "中小学校舍维修改造",
            "kind": KeyEvaluation.Kind.FINANCE,
            "object_type": KeyEvaluation.ObjectType.PROJECT,
            "budget_book": KeyEvaluation.BudgetBook.GENERAL,
            "mode": KeyEvaluation.Mode.SELF_RUN,
            "template": EvalTemplate.objects.get(kind="project_10", region__isnull=True, fiscal_year__isnull=True),
        },
        projects=[world.school_project],
    )
    KeyEvaluation.objects.filter(pk=ev.pk).update(status=status)
    ev.refresh_from_db()
    return ev


def _rule(world: World, title: str, action: str = "revised", on: date = date(2026, 11, 2), **extra: Any) -> Regulation:
    data = {
        "title": title,
        "doc_no": "",
        "category": "results",
        "action": action,
        "issuer": "渠县财政局",
        "issued_on": on,
        "is_current": True,
        "note": "",
    }
    return regulation_services.regulation_create(actor=extra.get("actor", world.users["performance"]), data=data)


def test_the_performance_section_links_the_rules_revised_on_the_results(world: World) -> None:
    ev = _evaluation(world)
    revised = _rule(world, "渠县中小学校舍维修改造专项资金管理实施办法（修订）")
    issued = _rule(world, "渠县农业机械购置补贴实施方案", action="issued")
    forwarded = _rule(world, "转发省预算绩效管理结果应用办法", action="forwarded")
    older = _rule(world, "渠县2025年校舍办法（修订）", on=date(2025, 5, 1))
    finance = world.login("performance")
    page = finance.get(f"/keyeval/{ev.pk}/").content.decode()
    # Offered: the bureau's own rules issued or revised from the evaluated year on.
    assert revised.title in page and issued.title in page
    assert forwarded.title not in page and older.title not in page
    response = finance.post(f"/keyeval/{ev.pk}/regulations/", {"regulations": [revised.pk, issued.pk]})
    assert response.status_code == 302 and response["Location"].endswith("#regulations")
    assert list(selectors.linked_regulations(ev)) == [issued, revised]  # newest first (same day: the later row)
    event = AuditEvent.objects.get(event_type="keyeval.regulations_link", object_id=str(ev.pk))
    assert event.changes["regulations"][0] == [] and set(event.changes["regulations"][1]) == {
        revised.title,
        issued.title,
    }
    # The department reads which rules its evaluation changed; it cannot change the list.
    dept = world.login("dept_admin")
    assert revised.title in dept.get(f"/keyeval/{ev.pk}/").content.decode()
    assert dept.post(f"/keyeval/{ev.pk}/regulations/", {"regulations": [revised.pk]}).status_code == 403
    assert ev.events.filter(action="regulations_link").exists()  # on the page's 流转记录 too
    # Unticking keeps the other; a withdrawn rule drops out of the list.
    finance.post(f"/keyeval/{ev.pk}/regulations/", {"regulations": [revised.pk]})
    assert list(selectors.linked_regulations(ev)) == [revised]
    # A linked rule edited since so that the form no longer offers it (now 转发) is kept by a save that never showed it.
    Regulation.objects.filter(pk=issued.pk).update(action="forwarded")
    ev.regulations.add(issued)
    finance.post(f"/keyeval/{ev.pk}/regulations/", {"regulations": [revised.pk]})
    assert set(selectors.linked_regulations(ev)) == {revised, issued}
    Regulation.objects.filter(pk=revised.pk).update(is_deleted=True)
    assert list(selectors.linked_regulations(ev)) == [issued]
    # An expert reading the evaluation does not see the bureau's register.
    assert selectors.linked_regulations(ev, world.users["expert"]).count() == 0


def test_refusals(world: World) -> None:
    perf = world.users["performance"]
    revised = _rule(world, "渠县校舍办法（修订）")
    forwarded = _rule(world, "转发省办法", action="forwarded")
    draft = _evaluation(world, status="fieldwork")
    with pytest.raises(DomainError, match="评价结果下达后"):
        services.regulations_link(actor=perf, evaluation=draft, regulation_ids=[revised.pk])
    ev = _evaluation(world)
    with pytest.raises(NotFoundError):  # a forwarded rule is not the bureau's own
        services.regulations_link(actor=perf, evaluation=ev, regulation_ids=[forwarded.pk])
    with pytest.raises(NotFoundError):
        services.regulations_link(actor=perf, evaluation=ev, regulation_ids=["abc"])
    with pytest.raises(PermissionDeniedError):
        services.regulations_link(actor=world.users["budget"], evaluation=ev, regulation_ids=[revised.pk])
    # Another county's rule: not found, on the page as a 404, and nothing linked.
    Regulation.objects.filter(pk=revised.pk).update(region=world.other_region)
    response = world.login("performance").post(f"/keyeval/{ev.pk}/regulations/", {"regulations": [revised.pk]})
    assert response.status_code == 404
    assert not ev.regulations.exists()
    assert not AuditEvent.objects.filter(event_type="keyeval.regulations_link").exists()


def test_the_annual_figure_counts_the_rules(world: World) -> None:
    ev = _evaluation(world)
    revised = _rule(world, "渠县校舍办法（修订）")
    services.regulations_link(actor=world.users["performance"], evaluation=ev, regulation_ids=[revised.pk])
    assert selectors.regulations_on_results(world.region, 2026) == 1
    assert selectors.regulations_on_results(world.other_region, 2026) == 0
    assert selectors.regulations_on_results(world.region, 2025) == 0
