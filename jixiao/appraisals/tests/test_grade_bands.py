"""A total below every band's minimum (扣分项 took it under 0) gets the lowest grade, not none."""

from __future__ import annotations

from decimal import Decimal

from jixiao.appraisals.models import _default_bands
from jixiao.appraisals.ranking import grade_for


def test_every_total_gets_a_grade_of_the_configured_bands() -> None:
    bands = _default_bands()
    assert grade_for(Decimal("95"), bands) == "优秀"
    assert grade_for(Decimal("60"), bands) == "合格"
    assert grade_for(Decimal("0"), bands) == "不合格"
    assert grade_for(Decimal("-3.5"), bands) == "不合格"
    assert grade_for(Decimal("-3.5"), [{"label": "合格", "min": "60"}, {"label": "较差", "min": "30"}]) == "较差"
    assert grade_for(Decimal("50"), []) == ""
