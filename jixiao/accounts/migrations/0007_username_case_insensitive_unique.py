"""User names are unique regardless of case, in the database too (UNIQUE index on lower(username), SQLite and
PostgreSQL). Until now only the services' check guarded it: two concurrent creations could both pass it.

An existing pair of names differing only in case stops the migration with the names listed: rename one of each
pair first (manage.py shell), then migrate again. Nothing is renamed automatically — the user would not know
their new login.
"""

from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import Lower


def refuse_case_duplicates(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    lowered = User.objects.annotate(lower=Lower("username"))
    twins = list(lowered.values("lower").annotate(n=Count("pk")).filter(n__gt=1).values_list("lower", flat=True)[:20])
    if twins:
        names = sorted(lowered.filter(lower__in=twins).values_list("username", flat=True))
        raise RuntimeError(
            "无法建立“用户名不区分大小写唯一”约束：以下账号的用户名只有大小写不同："
            + "、".join(names)
            + "。请先将每组中的一个账号改名（manage.py shell），再重新运行 migrate。"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_user_home_region"),
    ]

    operations = [
        migrations.RunPython(refuse_case_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                Lower("username"),
                name="accounts_user_username_ci_unique",
                violation_error_message="用户名已存在（不区分大小写）",
            ),
        ),
    ]
