"""Audit trails in Chinese (`core.audit_labels`): every event code the services write has a name, the changes of an
event show field names and values a finance clerk reads, and the pages use them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import World
from jixiao.accounts.models import Role
from jixiao.core import audit
from jixiao.core.audit_labels import (
    MODULES,
    PREFIXED,
    _workflow_actions,
    action_label,
    change_rows,
    event_label,
    object_label,
)
from jixiao.core.models import AuditEvent
from jixiao.projects.models import Project

SOURCE = Path(__file__).resolve().parent.parent / "jixiao"
# event_type="x.y", event = "x.y" (… else "x.y"), and the pre-assessment download helper's codes
STATIC = re.compile(r'(?:event_type=|event = |else |_audit\(request, \w+, )"([a-z_]+\.[a-z_]+)"')
CODE_WORD = re.compile(r"[a-z]+_|\.[a-z]")  # what is left of a code: "foo_", ".bar"


def _static_codes() -> set[str]:
    codes: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        codes.update(STATIC.findall(path.read_text(encoding="utf-8")))
    return codes


def test_every_event_code_written_in_the_source_has_a_chinese_name() -> None:
    codes = _static_codes()
    assert len(codes) > 150 and {"project.create", "region.create", "preassessment.opinion_download"} <= codes
    unnamed = sorted(code for code in codes if event_label(code) == code or CODE_WORD.search(event_label(code)))
    assert unnamed == []


def test_every_workflow_action_has_a_chinese_name_in_its_module() -> None:
    actions = _workflow_actions()
    checked = 0
    for prefix, (_module, app) in MODULES.items():
        for (workflow_app, action), label in actions.items():
            if workflow_app == app:
                assert event_label(f"{prefix}.{action}").endswith(f"：{label}")
                assert action_label(prefix, action) == label
                checked += 1
    assert checked > 60
    bulk = {(prefix, "bulk_") for prefix in ("disclosure", "project", "target", "monitoring", "evaluation")}
    assert set(PREFIXED) == {("evaluation", "selfeval_"), ("evaluation", "selfeval.bulk_"), *bulk}
    assert event_label("evaluation.selfeval_submit") == "单位自评：提交自评"
    assert event_label("disclosure.bulk_publish").startswith("信息公开：批量")
    # core.bulk's events (prefix.bulk_action) read as the batch of the workflow's step, not as codes.
    assert event_label("project.bulk_dept_approve") == "项目库：批量主管部门审核通过"
    assert event_label("evaluation.selfeval.bulk_dept_approve") == "单位自评：批量主管部门审核通过"
    # A module's own name for an action another module uses otherwise.
    assert event_label("appraisal.task_create") == "绩效考核：下达考核任务"
    assert event_label("monitoring.task_create") == "绩效监控：新建监控任务"
    assert object_label("projects.project") == "项目" and object_label("project.export") == "项目库"
    assert object_label("nobody.knows") == "nobody.knows"


def test_unknown_codes_are_shown_as_they_are() -> None:
    assert event_label("nobody.knows") == "nobody.knows"
    assert event_label("project.no_such_action") == "project.no_such_action"
    assert event_label("") == ""
    assert action_label("project", "no_such_action") == "no_such_action"


def test_changes_are_shown_with_field_names_choice_labels_and_local_times() -> None:
    rows = change_rows(
        "projects.project",
        {
            "status": ["draft", "submitted"],
            "is_key": [False, True],
            "name": [None, "新名称"],
            "updated_at": [None, "2026-12-05T05:59:10.513113+00:00"],
            "no_such_field": [1, 2],
        },
    )
    assert rows == [
        ("状态", "status", "草稿", "待主管部门审核"),
        ("重点项目", "is_key", "否", "是"),
        ("项目名称", "name", "（空）", "新名称"),
        (str(Project._meta.get_field("updated_at").verbose_name), "updated_at", "（空）", "2026-12-05 13:59"),
        ("no_such_field", "no_such_field", "1", "2"),
    ]
    assert change_rows("no.model", {"a": [None, "b"]}) == [("a", "a", "（空）", "b")]
    # Nothing both ways (NULL and "" as a record is created) is no change a reader sees: no “（空） → （空）” row.
    assert change_rows("projects.project", {"name": [None, ""], "status": [None, "draft"]}) == [
        ("状态", "status", "（空）", "草稿")
    ]
    assert audit.diff({"name": None, "code": "A"}, {"name": "", "code": "B"}) == {"code": ["A", "B"]}
    assert change_rows("no.model", {"a": ["2026-13-45T00:00", "x"]}) == [("a", "a", "2026-13-45T00:00", "x")]
    assert change_rows("projects.project", None) == []
    # A batch's ids are the records it moved (no old value), not a change from the first id to the second.
    assert change_rows("projects.project", {"ids": [7, 9]}) == [("批量办理的记录ID", "ids", "", "7、9（共2条）")]
    grouped = change_rows("no.model", {"before": [{"title": "报告", "doc_no": "", "sent": True}, ["a", None]]})
    assert grouped == [("before", "before", "title：报告；doc_no：（空）；sent：是", "a、（空）")]
    # A group of the model's own fields recorded together reads with their names and labels too.
    grouped = change_rows("projects.project", {"before": [{"status": "draft", "is_key": True, "x": 1}, None]})
    assert grouped == [("before", "before", "状态：草稿；重点项目：是；x：1", "（空）")]


@pytest.mark.django_db
def test_the_project_page_and_the_audit_console_read_in_chinese(world: World) -> None:
    project = world.school_project
    project.is_new, project.start_year = False, 2025
    project.save(update_fields=["is_new", "start_year"])
    assert world.login("unit_user").post(f"/projects/{project.pk}/transition/", {"action": "submit"}).status_code == 302
    audit.record(
        actor=world.users["performance"], event_type="project.update", obj=project, changes={"is_key": [False, True]}
    )
    page = world.login("performance").get(f"/projects/{project.pk}/").content.decode()
    assert "<td>提交审核</td>" in page and "<td>submit</td>" not in page
    assert "项目库：提交审核" in page and "project.submit" not in page
    assert "重点项目：否 → 是" in page and "is_key" not in page

    console = world.login("audit_admin").get("/accounts/console/audit/", {"event_type": "project."}).content.decode()
    assert "项目库：修改" in console and "<td>项目 " in console
    assert f">{Role.UNIT_USER.label}</td>" in console and ">unit_user</td>" not in console
    assert 'class="form-select form-select-sm"' in console
    assert AuditEvent.objects.filter(event_type="project.submit", object_id=str(project.pk)).exists()


@pytest.mark.django_db
def test_the_audit_console_names_linked_rows_with_one_query_per_model_for_the_page(world: World) -> None:
    """Foreign keys in `changes` are ids; the page names them reading each linked model once, however many events."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def events(n: int) -> None:
        for i in range(n):
            AuditEvent.objects.create(
                actor_name="x",
                event_type="project.update",
                object_type="projects.project",
                object_id=str(i),
                changes={"unit": [world.school.pk, world.hospital.pk], "department": [world.edu.pk, world.edu.pk]},
            )

    def page_queries() -> tuple[int, str]:
        client = world.login("audit_admin")
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/accounts/console/audit/?event_type=project.update")
        assert response.status_code == 200
        return len(queries.captured_queries), response.content.decode()

    events(1)
    page_queries()  # the first request fills the process's caches (content types), as in production
    one, body = page_queries()
    assert f"{world.school.name} → {world.hospital.name}" in body
    events(20)
    many, body = page_queries()
    assert many == one and body.count(f"{world.school.name} → {world.hospital.name}") == 21


def test_a_json_fields_own_keys_are_not_read_as_the_models_fields() -> None:
    # WarningRule.params is a JSON field: its keys are its own, even one named like a rule column ("name").
    rows = change_rows("alerts.warningrule", {"params": [{"name": 1}, {"name": 2}]})
    assert rows[0][2:] == ("name：1", "name：2")
