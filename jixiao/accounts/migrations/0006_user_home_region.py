"""User.home_region: the region of the administrator who opened the account. While an account holds no role, its
home region decides which administrators manage it (accounts.selectors.users_for_admin; docs/security.md).

Existing accounts get it from the `user.create` audit record (the region the creating 系统管理员 acted in) or,
failing that, from their first membership. Accounts with neither (opened in `manage.py shell`) stay empty: while
they hold no role, only top-level administrators see them.
"""

from collections import defaultdict

import django.db.models.deletion
from django.db import migrations, models

MANAGING_ROLES = {"sys_admin"}  # the roles holding users.manage when this migration was written
CHUNK = 500


def _creating_regions(apps, pending):
    """user id → the region the administrator who opened it acted in, for the accounts in `pending`."""
    AuditEvent = apps.get_model("core", "AuditEvent")
    Membership = apps.get_model("accounts", "Membership")
    events = (
        AuditEvent.objects.filter(event_type="user.create", object_type="accounts.user", actor_id__isnull=False)
        .order_by("seq")
        .values_list("object_id", "actor_id", "role", "organization")
    )
    first = {}
    for object_id, actor_id, role, organization in events.iterator(chunk_size=2000):
        if object_id.isdigit() and int(object_id) in pending:
            first.setdefault(int(object_id), (actor_id, role, organization))
    actors = {actor_id for actor_id, _role, _org in first.values()}
    held = defaultdict(list)  # actor id → [(role, region id, region name)], revoked ones too
    rows = Membership.objects.filter(user_id__in=list(actors)).order_by("id")
    for user_id, role, region_id, name in rows.values_list("user_id", "role", "region_id", "region__name"):
        held[user_id].append((role, region_id, name))
    found = {}
    for user_id, (actor_id, role, organization) in first.items():
        roles = {role} if role else MANAGING_ROLES
        candidates = [(region_id, name) for r, region_id, name in held[actor_id] if r in roles]
        named = {region_id for region_id, name in candidates if name == organization}
        regions = named or {region_id for region_id, _name in candidates}
        if len(regions) == 1:  # the administrator acted in one region (or the record names it): that one
            found[user_id] = regions.pop()
    return found


def fill_home_region(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    Membership = apps.get_model("accounts", "Membership")
    pending = set(User.objects.filter(home_region__isnull=True).values_list("pk", flat=True))
    if not pending:
        return
    found = _creating_regions(apps, pending)
    memberships = Membership.objects.order_by("id").values_list("user_id", "region_id")
    for user_id, region_id in memberships.iterator(chunk_size=2000):
        if user_id in pending:
            found.setdefault(user_id, region_id)  # no traceable opening: the region of the first role
    by_region = defaultdict(list)
    for user_id, region_id in found.items():
        if region_id is not None:
            by_region[region_id].append(user_id)
    for region_id, user_ids in by_region.items():
        for start in range(0, len(user_ids), CHUNK):
            User.objects.filter(pk__in=user_ids[start : start + CHUNK]).update(home_region_id=region_id)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_totp"),
        ("core", "0005_job_result_url"),
        ("organizations", "0002_calendar_day"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="home_region",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="organizations.fiscalregion",
                verbose_name="开户区划",
            ),
        ),
        migrations.RunPython(fill_home_region, migrations.RunPython.noop),
    ]
