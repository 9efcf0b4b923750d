"""Demo 信息公开: the performance section (jxg) generates the year's items and publishes most of them through the
services; one self-evaluation report is withheld as 涉密 and one as 敏感 (with reasons; the key evaluation's report is
always published), a few target tables stay pending and one waits in the review queue. Deterministic from `rng`."""

from __future__ import annotations

import random
from typing import Any

from jixiao.accounts.models import User
from jixiao.core.bulk import MAX_BATCH
from jixiao.disclosure import services
from jixiao.disclosure.models import Disclosure, DisclosureStatus, ItemType

PENDING_LEFT = 3
EXEMPTIONS = (
    ("exempt_secret", "涉及国家秘密（经保密审查），依法不予公开"),
    ("exempt_sensitive", "涉及个人信息和商业秘密，不宜公开"),
)


def seed_disclosure(rng: random.Random, county: Any, year: int) -> None:
    perf = User.objects.filter(username="jxg").first()
    if perf is None:
        return
    services.disclosure_generate(actor=perf, region=county, fiscal_year=year)
    items = list(Disclosure.objects.filter(region__path__startswith=county.path, fiscal_year=year).order_by("id"))
    pending = [i for i in items if i.status == DisclosureStatus.PENDING]
    targets = [i for i in pending if i.item_type == ItemType.TARGET_TABLE]
    rng.shuffle(targets)
    left = {i.pk for i in targets[:PENDING_LEFT]}
    in_review = targets[PENDING_LEFT] if len(targets) > PENDING_LEFT else None
    reports = [i for i in pending if i.item_type == ItemType.SELF_EVAL_REPORT]
    reports = reports or [i for i in pending if i.item_type == ItemType.KEY_EVAL_REPORT]
    exempt = {i.pk: EXEMPTIONS[n] for n, i in enumerate(rng.sample(reports, min(len(EXEMPTIONS), len(reports))))}
    proposed = [i.pk for i in pending if i.pk not in left]
    if not proposed:
        return
    _in_batches(perf, proposed, "propose")
    waiting = {in_review.pk} if in_review is not None else set()
    for pk, (action, reason) in exempt.items():
        item = Disclosure.objects.get(pk=pk)
        services.disclosure_transition(actor=perf, item=item, action=action, comment=reason)
    to_publish = [pk for pk in proposed if pk not in waiting and pk not in exempt]
    if to_publish:
        _in_batches(perf, to_publish, "publish")


def _in_batches(actor: Any, ids: list[int], action: str) -> None:
    """As the page does it: a batch holds at most MAX_BATCH items."""
    for start in range(0, len(ids), MAX_BATCH):
        services.disclosure_bulk_transition(actor=actor, ids=ids[start : start + MAX_BATCH], action=action)
