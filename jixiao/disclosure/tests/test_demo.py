"""The demo county's disclosure items (seed_demo): most published, two withheld with reasons, some pending."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from jixiao.disclosure.models import Disclosure, ItemType

S = Disclosure.Status


@pytest.mark.django_db
def test_demo_publishes_most_items_withholds_two_and_leaves_some_pending(demo_county: str) -> None:
    statuses = list(Disclosure.objects.values_list("status", flat=True))
    assert statuses.count(S.PUBLISHED) > 5
    assert statuses.count(S.PENDING) >= 3 and statuses.count(S.REVIEW) == 1
    exempt = Disclosure.objects.filter(status__in=(S.EXEMPT_SECRET, S.EXEMPT_SENSITIVE))
    assert exempt.count() >= 2 and all(item.exempt_reason for item in exempt)
    report = Disclosure.objects.filter(item_type=ItemType.KEY_EVAL_REPORT, status=S.PUBLISHED).first()
    region = Disclosure.objects.first().region  # type: ignore[union-attr]
    year = 2026
    client = Client()
    home = client.get(reverse("public:year", args=[region.mof_div_code, year])).content.decode()
    assert "个项目报告涉及涉密及敏感信息，不予公开" in home
    assert report is not None
    if report is not None:
        url = reverse("public:item_file", args=[region.mof_div_code, year, report.public_id])
        assert client.get(url).status_code == 200
