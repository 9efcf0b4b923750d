from django.db import migrations, models


def reallocations_of_decisions(apps, schema_editor):
    """A 调剂 decided before it became a budget adjustment of its own kind left no record: later decisions on the
    project's year could take the same funds again. Each decided 调剂 with an amount and no adjustment gets its
    record, as `services.case_decide` now writes it."""
    WarningCase = apps.get_model("alerts", "WarningCase")
    FundAdjustment = apps.get_model("alerts", "FundAdjustment")
    decided = WarningCase.objects.filter(
        decided_option="REALLOCATE", decided_amount_yuan__gt=0, adjustments__isnull=True
    ).order_by("pk")
    FundAdjustment.objects.bulk_create(
        [
            FundAdjustment(
                project_id=case.project_id,
                fiscal_year=case.fiscal_year,
                source="MONITORING",
                kind="REALLOCATE",
                amount_yuan=case.decided_amount_yuan,
                reason=(case.decision_reason.strip() or case.explanation)[:2000],
                source_case_id=case.pk,
                created_by_id=case.decided_by_id,
            )
            for case in decided.iterator(chunk_size=500)
        ],
        batch_size=500,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0010_tier_rule_classes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="fundadjustment",
            name="kind",
            field=models.CharField(
                choices=[
                    ("CUT_AT_ASSESSMENT", "压减"),
                    ("REDUCE_ON_REVIEW", "核减"),
                    ("WRITE_OFF", "核销"),
                    ("ADJUST_DOWN", "调减"),
                    ("RETRO_REDUCE", "追减"),
                    ("RECOVER", "收回"),
                    ("TRIM_SPECIAL", "削减"),
                    ("REALLOCATE", "调剂"),
                    ("INCREASE", "激励/追加"),
                ],
                max_length=20,
                verbose_name="类型",
            ),
        ),
        migrations.RunPython(reallocations_of_decisions, migrations.RunPython.noop),
    ]
