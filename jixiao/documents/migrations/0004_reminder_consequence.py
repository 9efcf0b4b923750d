"""The 提醒敦促函's last sentence names the consequence through the {consequence} placeholder instead of always
threatening a 约谈: a 整改 case already summoned with a 约谈通知书 is not summoned twice (rectification passes its own
consequence; the default, `models.PLACEHOLDER_DEFAULTS`, keeps the old wording).

Only rows whose body is still the old default text word for word are changed (the national default and a region's
copy saved without edits); a region's edited template is its own wording and stays as it is.
"""

from django.db import migrations

HEAD = (
    "{recipient}：\n"
    "经核查，你单位存在以下情况：\n"
    "{problems}\n"
    "根据预算绩效管理有关规定，现予以提醒敦促。请你单位于{deadline}前{requirements}，"
    "并将办理情况反馈我局。"
)
TAIL = "，并将有关情况纳入预算绩效管理工作考核。\n联系人及电话：{contact}\n{issuer}\n{date}"
OLD = HEAD + "逾期仍未办理的，我局将按规定进行约谈" + TAIL
NEW = HEAD + "逾期仍未办理的，{consequence}" + TAIL


def _swap(apps, before: str, after: str) -> None:
    Template = apps.get_model("documents", "DocumentTemplate")
    for row in Template.objects.filter(doc_type="REMINDER_LETTER", body=before):
        row.body = after
        row.version += 1
        row.save(update_fields=["body", "version"])


def forwards(apps, schema_editor):
    _swap(apps, OLD, NEW)


def backwards(apps, schema_editor):
    _swap(apps, NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [("documents", "0003_tables")]

    operations = [migrations.RunPython(forwards, backwards)]
