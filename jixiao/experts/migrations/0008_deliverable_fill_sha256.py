"""The SHA-256 of the 委托成果 stored before the table moved onto StoredFile (decision 0006): each stored file is read
in chunks, in primary-key batches; a missing file leaves its row's sha256 empty and never fails the migration. Not
atomic, so each batch is committed as it goes and a run that stops can simply be run again (only rows still without a
sha256 are read). The files stay where they are."""

from django.db import migrations

from jixiao.core.uploads import fill_sha256


def fill(apps, schema_editor):
    EngagementDeliverable = apps.get_model("experts", "EngagementDeliverable")
    fill_sha256(EngagementDeliverable._default_manager.using(schema_editor.connection.alias))


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("experts", "0007_deliverable_stored_file"),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
