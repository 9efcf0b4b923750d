from typing import Any

from django.apps import AppConfig

# A project change that moves its payments in or out of a department's rollup (execution.DepartmentMonthExecution).
ROLLUP_FIELDS = {"status", "department", "department_id", "fiscal_year", "is_deleted"}


class ExecutionConfig(AppConfig):
    name = "jixiao.execution"
    verbose_name = "预算执行数据"

    def ready(self) -> None:
        from django.db.models.signals import post_save, pre_save

        from jixiao.core.jobs import stale_work_closed
        from jixiao.projects.models import Project

        stale_work_closed.connect(_close_stale_imports, dispatch_uid="execution_stale_imports")
        pre_save.connect(_remember_department, sender=Project, dispatch_uid="execution_rollup_pre")
        post_save.connect(_refresh_departments, sender=Project, dispatch_uid="execution_rollup_post")


def _touches_rollup(update_fields: Any) -> bool:
    return update_fields is None or bool(ROLLUP_FIELDS & set(update_fields))


def _remember_department(sender: Any, instance: Any, raw: bool = False, update_fields: Any = None, **_: Any) -> None:
    if raw or instance.pk is None or not _touches_rollup(update_fields):
        return
    instance._rollup_departments_before = set(
        sender.objects.filter(pk=instance.pk).values_list("department_id", flat=True)
    )


def _refresh_departments(
    sender: Any, instance: Any, created: bool = False, raw: bool = False, update_fields: Any = None, **_: Any
) -> None:
    """A saved project whose status, year or department may have changed: rebuild the departments' rollup rows
    (only when the project has payments in the rollup; a new project has none)."""
    if raw or created or not _touches_rollup(update_fields):
        return
    from jixiao.execution.models import ProjectMonthExecution
    from jixiao.execution.services import department_rollup_refresh

    before: set[int] = getattr(instance, "_rollup_departments_before", set())
    if ProjectMonthExecution.objects.filter(project_id=instance.pk).exists():
        department_rollup_refresh(department_ids={*before, instance.department_id})


def _close_stale_imports(sender: Any, before: Any, **_: Any) -> None:
    from jixiao.execution.services import close_stale_imports

    close_stale_imports(before=before)
