from django.db import migrations, models


def sources_of_decisions(apps, schema_editor):
    """The adjustments recorded before the stage was kept all came from 预警处置 decisions (the only writer): one
    UPDATE marks them 绩效运行监控."""
    FundAdjustment = apps.get_model("alerts", "FundAdjustment")
    FundAdjustment.objects.filter(source_case__isnull=False).update(source="MONITORING")


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0007_reminder_letter_document"),
    ]

    operations = [
        migrations.AddField(
            model_name="fundadjustment",
            name="source",
            field=models.CharField(
                choices=[
                    ("PRE_ASSESSMENT", "事前绩效评估"),
                    ("TARGET_REVIEW", "绩效目标审核"),
                    ("MONITORING", "绩效运行监控"),
                    ("EVALUATION", "绩效评价"),
                    ("RESULT_APPLICATION", "结果应用"),
                    ("OTHER", "其他"),
                ],
                default="OTHER",
                max_length=20,
                verbose_name="环节",
            ),
        ),
        migrations.RunPython(sources_of_decisions, migrations.RunPython.noop),
    ]
