"""The SHA-256 of the 重点评价文件 stored before the table moved onto StoredFile (decision 0006): each stored file is
read in chunks, in primary-key batches; a missing file leaves its row's sha256 empty and never fails the migration.
Not atomic, so each batch is committed as it goes and a run that stops can simply be run again (only rows still
without a sha256 are read). The files stay where they are."""

from django.db import migrations

from jixiao.core.uploads import fill_sha256


def fill(apps, schema_editor):
    KeyEvalDocument = apps.get_model("keyeval", "KeyEvalDocument")
    fill_sha256(KeyEvalDocument._default_manager.using(schema_editor.connection.alias))


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("keyeval", "0005_document_stored_file"),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
