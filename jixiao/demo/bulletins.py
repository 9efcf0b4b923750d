"""Demo 通报: the re-evaluation bulletin of the demo's re-evaluation batch, generated from its data and issued
(渠财绩〔year〕n号) to the county's departments, as the performance section (jxg) would do it."""

from __future__ import annotations

import random
from typing import Any

from jixiao.accounts.models import User
from jixiao.bulletins import services
from jixiao.core.errors import DomainError
from jixiao.evaluation.models import ReEvaluationBatch


def seed_bulletins(rng: random.Random, county: Any, year: int) -> None:
    del rng, year
    perf = User.objects.filter(username="jxg").first()
    batch = (
        ReEvaluationBatch.objects.filter(region=county)
        .exclude(status=ReEvaluationBatch.Status.DRAFT)
        .order_by("-id")
        .first()
    )
    if perf is None or batch is None:
        return
    try:
        bulletin = services.bulletin_generate(
            actor=perf, kind="RE_EVAL", fiscal_year=batch.fiscal_year, source_id=str(batch.pk)
        )
        services.bulletin_issue(actor=perf, bulletin=bulletin)
    except DomainError:
        return
