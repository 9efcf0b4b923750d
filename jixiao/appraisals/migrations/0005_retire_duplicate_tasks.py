"""Retire duplicate appraisal tasks (a double submit of 下达考核任务 issued the same task twice) before 0006 makes
(region, fiscal_year, kind) unique among live tasks.

Duplicates are resolved without losing work: in each group the task with work (scores, evidence, a status past
已下达) is kept, else the earliest; the untouched copies are soft-deleted (`is_deleted`: rows kept, hidden
everywhere). Two copies that both carry work cannot be merged automatically: the migration then stops and names
them, so an administrator can decide."""

from django.db import migrations
from django.db.models import Count, Q


def _has_work(apps, task):
    appraisal = apps.get_model("appraisals", "Appraisal")
    score = apps.get_model("appraisals", "AppraisalScore")
    evidence = apps.get_model("appraisals", "AppraisalEvidence")
    if task.status != "open":
        return True
    appraisals = appraisal.objects.filter(task=task)
    touched = ~Q(status="task_issued") | ~Q(exist_problems="") | ~Q(rectify_step="") | ~Q(mof_aud_opinion="")
    if appraisals.filter(touched).exists():
        return True
    scored = Q(ind_score__isnull=False) | Q(eval_score__isnull=False) | ~Q(ind_note="") | ~Q(eval_note="")
    if score.objects.filter(Q(appraisal__task=task) & scored).exists():
        return True
    return evidence.objects.filter(appraisal__task=task).exists()


def retire_duplicate_tasks(apps, schema_editor):
    task_model = apps.get_model("appraisals", "AppraisalTask")
    live = task_model.objects.filter(is_deleted=False)
    groups = (
        live.values("region_id", "fiscal_year", "kind").annotate(n=Count("id")).filter(n__gt=1).order_by()
    )
    for group in groups:
        tasks = list(live.filter(**{k: group[k] for k in ("region_id", "fiscal_year", "kind")}).order_by("id"))
        worked = [t for t in tasks if _has_work(apps, t)]
        if len(worked) > 1:
            names = "、".join(f"#{t.pk}“{t.name}”" for t in worked)
            raise RuntimeError(
                f"{group['fiscal_year']}年度同一区划有多个已开展工作的同类考核任务（{names}），"
                "请先保留其中一个（其余标记为已删除）后再运行迁移"
            )
        keep = worked[0] if worked else tasks[0]
        for task in tasks:
            if task.pk != keep.pk:
                task.is_deleted = True
                task.save(update_fields=["is_deleted"])


class Migration(migrations.Migration):
    dependencies = [
        ("appraisals", "0004_settings_out_of_range"),
    ]

    operations = [migrations.RunPython(retire_duplicate_tasks, migrations.RunPython.noop)]
