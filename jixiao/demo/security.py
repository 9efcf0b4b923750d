"""Demo mode only: the published demo accounts must log in with their password alone, so the demo switches the
mandatory second factor off (a real deployment keeps the SECURITY.md default: on for 三员 and finance staff)."""

from __future__ import annotations

from jixiao.accounts.models import SecurityPolicy


def relax_second_factor_for_demo() -> None:
    policy, _ = SecurityPolicy.objects.get_or_create(pk=1)
    policy.totp_required_admins = False
    policy.totp_required_finance = False
    policy.save(update_fields=["totp_required_admins", "totp_required_finance", "updated_at"])
