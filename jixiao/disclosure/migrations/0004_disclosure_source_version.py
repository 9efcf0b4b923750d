from django.db import migrations, models
from django.db.models import Max


def backfill(apps, schema_editor):
    """A published target table froze the target's goal_version as it stood when it was published: the highest
    version recorded by then (an approval or an approved adjustment writes a TargetVersion row), else the first."""
    Disclosure = apps.get_model("disclosure", "Disclosure")
    TargetVersion = apps.get_model("targets", "TargetVersion")
    items = Disclosure.objects.filter(
        item_type__in=("TARGET_TABLE", "DEPT_OVERALL_TARGET"), status="published", subject_id__isnull=False
    )
    for item in items.iterator():
        by_then = TargetVersion.objects.filter(target_id=item.subject_id)
        if item.published_at is not None:
            by_then = by_then.filter(created_at__lte=item.published_at)
        version = by_then.aggregate(v=Max("goal_version"))["v"] or 1
        Disclosure.objects.filter(pk=item.pk).update(source_version=version)


class Migration(migrations.Migration):
    dependencies = [
        ("disclosure", "0003_disclosure_search_text"),
        ("targets", "0006_reviewcomment_indicator_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="disclosure",
            name="source_version",
            field=models.PositiveSmallIntegerField(
                blank=True, editable=False, null=True, verbose_name="公开时的目标版本"
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
