"""项目分级分类 in the target review (seed 002 S26; DOMAIN.md §2.2: A类 “专家集中会审 mandatory”): where the
region names a 重要性分类 on 目标审核评分设置, a target of that class is passed (优/良) only after a 集中会审; a
return, 中 or 差 needs none; other classes go on as before."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import World
from jixiao.core.errors import DomainError
from jixiao.core.models import AuditEvent
from jixiao.projects.models import Project
from jixiao.targets import services, services_panel
from jixiao.targets.models import TargetReviewSettings
from jixiao.targets.tests.pages_helpers import TO_PERF_REVIEW, make_target, move

SETTINGS = {
    "scored": "",
    "points_1": "25",
    "points_2": "25",
    "points_3": "25",
    "points_4": "25",
    "pass_score": "60",
    "grade_excellent": "90",
    "grade_good": "80",
    "grade_fair": "60",
}


def _settings_page_token(client: Any) -> str:
    return str(client.get("/targets/review-settings/").context["form"].initial["lock_token"])


def test_a_class_targets_pass_only_after_a_panel(world: World) -> None:
    finance = world.login("performance")
    token = _settings_page_token(finance)
    saved = finance.post("/targets/review-settings/", {**SETTINGS, "lock_token": token, "panel_classes": ["A"]})
    assert saved.status_code == 302
    row = TargetReviewSettings.objects.get(region=world.region)
    assert row.panel_classes == "A" and not row.scored
    event = AuditEvent.objects.filter(event_type="target.review_settings").latest("seq")
    assert event.changes["panel_classes"] == [None, "A"]
    assert "须经集中会审的重要性分类" in finance.get("/targets/review-settings/").content.decode()

    Project.objects.filter(pk=world.school_project.pk).update(tier=Project.Tier.A)
    target = move(world, make_target(world), *TO_PERF_REVIEW)
    perf = world.users["performance"]
    with pytest.raises(DomainError, match="本项目为A类项目，其绩效目标须经集中会审（会审成员提出意见）后方可评定通过"):
        services.target_transition(actor=perf, target=target, action="grade_good", comment="同意")
    target.refresh_from_db()
    assert target.status == "perf_review"
    # The page refuses with the reason (4xx), the target unchanged.
    refused = finance.post(f"/targets/{target.pk}/transition/", {"action": "grade_excellent", "comment": "好"})
    assert refused.status_code == 400 and "须经集中会审" in refused.content.decode()
    # A panel closed by force with no opinion does not count.
    services_panel.panel_assign(actor=perf, target=target, members=[world.users["expert"]], kind="expert")
    services_panel.panel_send(actor=perf, target=target)
    target = services.target_transition(actor=perf, target=target, action="panel_done", comment="结束", force=True)
    with pytest.raises(DomainError, match="须经集中会审"):
        services.target_transition(actor=perf, target=target, action="grade_good", comment="同意")
    services_panel.panel_send(actor=perf, target=target)
    assignment = target.panel.get()
    services_panel.panel_submit(actor=world.users["expert"], assignment=assignment, conclusion="pass", opinion="同意")
    target = services.target_transition(actor=perf, target=target, action="panel_done", comment="会审通过")
    # Returned after the panel and resubmitted: the revised target goes to the panel again before it passes.
    target = services.target_transition(actor=perf, target=target, action="perf_return", comment="请修改")
    target = services.target_transition(actor=world.users["unit_user"], target=target, action="resubmit", comment="")
    with pytest.raises(DomainError, match="须经集中会审"):
        services.target_transition(actor=perf, target=target, action="grade_good", comment="同意")
    services_panel.panel_send(actor=perf, target=target)
    target = services.target_transition(actor=perf, target=target, action="panel_done", comment="会审通过")
    target = services.target_transition(actor=perf, target=target, action="grade_good", comment="同意")
    assert target.status == "ready_for_budget"


def test_returns_and_other_classes_need_no_panel(world: World) -> None:
    TargetReviewSettings.objects.create(region=world.region, panel_classes="A")
    perf = world.users["performance"]
    Project.objects.filter(pk=world.school_project.pk).update(tier=Project.Tier.A)
    target = move(world, make_target(world), *TO_PERF_REVIEW)
    target = services.target_transition(actor=perf, target=target, action="perf_return", comment="请修改")
    assert target.status == "returned"
    # A B类 project passes directly.
    Project.objects.filter(pk=world.school_project.pk).update(tier=Project.Tier.B)
    target = services.target_transition(actor=world.users["unit_user"], target=target, action="resubmit", comment="")
    assert target.status == "perf_review"  # back to the stage that returned it
    assert services.target_transition(actor=perf, target=target, action="grade_good", comment="同意").status == (
        "ready_for_budget"
    )
