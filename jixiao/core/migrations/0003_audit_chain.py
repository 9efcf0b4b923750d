"""Chain the audit trail with HMAC-SM3 (core.audit_chain): new columns, the chain head, and chain the existing rows."""

from django.db import migrations, models


def chain_existing_rows(apps, schema_editor):
    from jixiao.core import audit_chain

    AuditEvent = apps.get_model("core", "AuditEvent")
    AuditChainHead = apps.get_model("core", "AuditChainHead")
    db = schema_editor.connection.alias
    seq, prev_mac = 0, ""
    # Oldest first; historical managers are plain, so update() works here (and only here).
    for event in AuditEvent.objects.using(db).order_by("occurred_at", "id").iterator(chunk_size=2000):
        seq += 1
        changes = audit_chain.normalize_json(event.changes or {})
        record = {name: getattr(event, name) for name in audit_chain.SIGNED_FIELDS}
        record.update(seq=seq, occurred_at=event.occurred_at, changes=changes)
        key_id, mac = audit_chain.sign(record, prev_mac)
        AuditEvent.objects.using(db).filter(pk=event.pk).update(
            seq=seq, prev_mac=prev_mac, mac=mac, key_id=key_id, changes=changes
        )
        prev_mac = mac
    AuditChainHead.objects.using(db).update_or_create(pk=1, defaults={"seq": seq, "mac": prev_mac})


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_job"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="occurred_at",
            field=models.DateTimeField(db_index=True, verbose_name="时间"),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="seq",
            field=models.BigIntegerField(editable=False, null=True, verbose_name="序号"),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="prev_mac",
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name="前序MAC", default=""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="mac",
            field=models.CharField(editable=False, max_length=64, verbose_name="MAC", default=""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="key_id",
            field=models.CharField(editable=False, max_length=16, verbose_name="密钥编号", default=""),
            preserve_default=False,
        ),
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                ("id", models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                ("seq", models.BigIntegerField(default=0, verbose_name="最后序号")),
                ("mac", models.CharField(blank=True, max_length=64, verbose_name="最后MAC")),
                ("anchor_seq", models.BigIntegerField(default=0, verbose_name="已归档至序号")),
                ("anchor_mac", models.CharField(blank=True, max_length=64, verbose_name="已归档末条MAC")),
            ],
            options={
                "verbose_name": "审计链头",
                "verbose_name_plural": "审计链头",
            },
        ),
        migrations.RunPython(chain_existing_rows, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.BigIntegerField(editable=False, unique=True, verbose_name="序号"),
        ),
    ]
