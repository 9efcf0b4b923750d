from django.db import migrations, models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce


def backfill(apps, schema_editor):
    """A published target table froze the target's goal_version as it stood when it was published: the highest
    version recorded by then (an approval or an approved adjustment writes a TargetVersion row), else the first.

    Two UPDATE statements whatever the number of items (a province upgrading has ~200,000): one for the items with a
    publication time (versions recorded by then), one for any without (the highest version recorded)."""
    Disclosure = apps.get_model("disclosure", "Disclosure")
    TargetVersion = apps.get_model("targets", "TargetVersion")
    items = Disclosure.objects.filter(
        item_type__in=("TARGET_TABLE", "DEPT_OVERALL_TARGET"), status="published", subject_id__isnull=False
    )
    versions = TargetVersion.objects.filter(target_id=OuterRef("subject_id")).order_by("-goal_version")
    by_then = versions.filter(created_at__lte=OuterRef("published_at"))
    for rows, recorded in (
        (items.filter(published_at__isnull=False), by_then),
        (items.filter(published_at__isnull=True), versions),
    ):
        rows.update(source_version=Coalesce(Subquery(recorded.values("goal_version")[:1]), 1))


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
