"""Second review of 通报: 印发 and 按最新数据重新生成 from a page out of date are refused (409), not applied to a
text the user has not seen."""

from __future__ import annotations

from typing import Any

import pytest

from jixiao.bulletins import services
from jixiao.bulletins.models import Bulletin, BulletinStatus
from jixiao.bulletins.tests.test_review_fixes_s34 import _monitoring
from jixiao.core.models import Job
from jixiao.documents.models import OfficialDocument

pytestmark = pytest.mark.django_db


def test_issue_and_refresh_from_a_stale_page_are_a_409_and_change_nothing(world: Any) -> None:
    """A colleague saved a new text after the page was shown: 印发 numbered and sent that text out unseen, and
    重新生成 silently replaced it. The page's buttons carry the version shown; a newer bulletin refuses both."""
    perf = world.users["performance"]
    bulletin = _monitoring(world)
    client = world.login("performance")
    page = client.get(f"/bulletins/{bulletin.pk}/").content.decode()
    actions = page.split('data-testid="actions"')[1].split("</form>")[0]
    assert f'name="version" value="{bulletin.version}"' in actions
    shown = bulletin.version
    services.bulletin_update(actor=perf, bulletin=bulletin, title=bulletin.title, narrative="同事改过的正文")
    for action in ("issue", "refresh"):
        response = client.post(f"/bulletins/{bulletin.pk}/transition/", {"action": action, "version": shown})
        assert response.status_code == 409, action
        assert "通报已被他人修改，请刷新后重试" in response.content.decode()
    bulletin.refresh_from_db()
    assert bulletin.status == BulletinStatus.DRAFT and bulletin.narrative == "同事改过的正文"
    assert not OfficialDocument.objects.exists() and not Job.objects.filter(kind="bulletins.refresh").exists()
    # The job re-checks under the row lock (a save between the press and the job).
    with pytest.raises(services.ConflictError):
        services.bulletin_refresh(actor=perf, bulletin=bulletin, version=shown)
    # From the page as it stands now, both go through.
    response = client.post(f"/bulletins/{bulletin.pk}/transition/", {"action": "refresh", "version": bulletin.version})
    assert Job.objects.get(kind="bulletins.refresh").status == Job.Status.DONE
    bulletin.refresh_from_db()
    response = client.post(f"/bulletins/{bulletin.pk}/transition/", {"action": "issue", "version": bulletin.version})
    assert response.status_code == 302
    assert Bulletin.objects.get(pk=bulletin.pk).status == BulletinStatus.ISSUED
