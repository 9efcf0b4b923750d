"""A city bureau reads its counties' 通报 but does not edit, regenerate or issue them: issued from above, a county's
draft would go out under the county's 文号 series by someone outside its bureau (the same rule as 年度总结 and 培训)."""

from __future__ import annotations

from typing import Any

import pytest

from jixiao.accounts.models import Membership, User
from jixiao.accounts.tests.factories import UserFactory
from jixiao.bulletins import services
from jixiao.bulletins.models import BulletinStatus
from jixiao.bulletins.tests.test_review_fixes_s34 import _monitoring
from jixiao.core.errors import PermissionDeniedError
from jixiao.core.models import Job
from jixiao.documents.models import OfficialDocument
from jixiao.organizations.tests.factories import city_with_counties

pytestmark = pytest.mark.django_db


def test_a_city_reads_a_countys_bulletin_but_does_not_change_or_issue_it(world: Any) -> None:
    city, _counties = city_with_counties(world.region)
    city_perf = UserFactory(username="city_perf")
    Membership.objects.create(user=city_perf, role="performance", region=city)
    bulletin = _monitoring(world)
    client = world.login("performance")
    client.force_login(city_perf)
    page = client.get(f"/bulletins/{bulletin.pk}/")
    body = page.content.decode()
    assert page.status_code == 200 and bulletin.title in body
    assert 'data-testid="actions"' not in body and 'name="narrative"' not in body
    edit = {"title": bulletin.title, "narrative": "市局改写的正文", "version": bulletin.version}
    assert client.post(f"/bulletins/{bulletin.pk}/edit/", edit).status_code == 403
    for action in ("issue", "refresh"):
        response = client.post(f"/bulletins/{bulletin.pk}/transition/", {"action": action, "version": bulletin.version})
        assert response.status_code == 403, action
        assert "上级只能查看" in response.content.decode()
    city_perf = User.objects.get(pk=city_perf.pk)
    with pytest.raises(PermissionDeniedError, match="上级只能查看"):
        services.bulletin_issue(actor=city_perf, bulletin=bulletin)
    with pytest.raises(PermissionDeniedError, match="上级只能查看"):
        services.bulletin_refresh(actor=city_perf, bulletin=bulletin)
    bulletin.refresh_from_db()
    assert bulletin.status == BulletinStatus.DRAFT and bulletin.narrative != "市局改写的正文"
    assert not OfficialDocument.objects.exists() and not Job.objects.filter(kind="bulletins.refresh").exists()
    # The county's own 绩效股 still acts on it.
    county = world.login("performance")
    assert 'data-testid="actions"' in county.get(f"/bulletins/{bulletin.pk}/").content.decode()
