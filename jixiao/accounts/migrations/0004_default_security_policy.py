"""The security policy row with the SECURITY.md §1.2 defaults; existing accounts start their password age now."""

from django.db import migrations
from django.utils import timezone


def forwards(apps, schema_editor):
    apps.get_model("accounts", "SecurityPolicy").objects.get_or_create(pk=1)
    apps.get_model("accounts", "User").objects.filter(password_changed_at__isnull=True).update(
        password_changed_at=timezone.now()
    )


def backwards(apps, schema_editor):
    apps.get_model("accounts", "SecurityPolicy").objects.filter(pk=1).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_security_policy")]

    operations = [migrations.RunPython(forwards, backwards)]
