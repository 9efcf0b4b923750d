"""Review fixes (session 34): a 通报 never goes out with a 【待填写：…】 hole, its title is checked like a template's,
and the same figures are not generated into a second bulletin."""

from __future__ import annotations

from typing import Any

import pytest

from jixiao.bulletins import services
from jixiao.bulletins.models import Bulletin, BulletinStatus
from jixiao.bulletins.tests.test_bulletins import _round
from jixiao.core.errors import ConflictError, DomainError
from jixiao.core.models import Job
from jixiao.documents import services as documents
from jixiao.documents.models import OfficialDocument

pytestmark = pytest.mark.django_db


def _monitoring(world: Any) -> Bulletin:
    task = _round(world)
    return services.bulletin_generate(
        actor=world.users["performance"], kind="MONITORING", fiscal_year=2026, source_id=str(task.pk)
    )


def test_a_bulletin_whose_text_would_hold_an_unfilled_value_is_not_issued(world: Any) -> None:
    """The region's 通报 template asks for {contact}, which a bulletin never gives: issuing used to number and send
    【待填写：联系人及电话】 to every department."""
    perf = world.users["performance"]
    bulletin = _monitoring(world)
    documents.template_save(
        actor=perf,
        doc_type="CIRCULAR_MONITORING",
        title_pattern="关于{year}年度预算绩效运行监控结果的通报",
        body="{recipient}：\n{content}\n联系人：{contact}\n{issuer}\n{date}",
    )
    with pytest.raises(DomainError, match="还有未填写的内容（【待填写：联系人及电话】）"):
        services.bulletin_issue(actor=perf, bulletin=bulletin)
    bulletin.refresh_from_db()
    assert bulletin.status == BulletinStatus.DRAFT and bulletin.document is None
    assert not OfficialDocument.objects.exists()
    # The page says why, with the refusal's status.
    response = world.login("performance").post(f"/bulletins/{bulletin.pk}/transition/", {"action": "issue"})
    assert response.status_code == 400 and "【待填写：联系人及电话】" in response.content.decode()
    # With the template completed it goes out.
    documents.template_save(
        actor=perf,
        doc_type="CIRCULAR_MONITORING",
        title_pattern="关于{year}年度预算绩效运行监控结果的通报",
        body="{recipient}：\n{content}\n联系人：张三，0818-1234567\n{issuer}\n{date}",
    )
    issued = services.bulletin_issue(actor=perf, bulletin=bulletin)
    assert issued.status == BulletinStatus.ISSUED and "【待填写" not in issued.document.body  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("title", "message"),
    [
        ("关于{项目名称}监控结果的通报", "标题中有无法识别的占位符"),
        ("关于{unknown}监控结果的通报", "标题中有无法识别的占位符"),
        ("关于2026年度{监控结果的通报", "标题中有不成对的花括号"),
    ],
)
def test_a_bulletin_title_is_checked_like_a_template(world: Any, title: str, message: str) -> None:
    bulletin = _monitoring(world)
    with pytest.raises(DomainError, match=message):
        services.bulletin_update(
            actor=world.users["performance"], bulletin=bulletin, title=title, narrative=bulletin.narrative
        )
    bulletin.refresh_from_db()
    assert "{" not in bulletin.title


def test_a_title_with_a_placeholder_the_bulletin_does_not_fill_is_not_issued(world: Any) -> None:
    """{project} is a known placeholder, so the title saves; a 通报 gives no project, so it is refused at issue."""
    perf = world.users["performance"]
    bulletin = _monitoring(world)
    bulletin = services.bulletin_update(
        actor=perf, bulletin=bulletin, title="关于{project}监控结果的通报", narrative=bulletin.narrative
    )
    with pytest.raises(DomainError, match="【待填写：项目名称】"):
        services.bulletin_issue(actor=perf, bulletin=bulletin)
    assert not OfficialDocument.objects.exists()


def test_the_same_figures_are_not_generated_into_a_second_bulletin(world: Any) -> None:
    perf = world.users["performance"]
    bulletin = _monitoring(world)
    with pytest.raises(ConflictError, match=f"本区划已有该通报“{bulletin.title}”（草稿"):
        services.bulletin_generate(actor=perf, kind="MONITORING", fiscal_year=2026, source_id=bulletin.source_id)
    # Refused in the request, at the field, with no job started.
    response = world.login("performance").post(
        "/bulletins/generate/",
        {"kind": "MONITORING", "fiscal_year": 2026, "source_id": f"MONITORING:{bulletin.source_id}"},
    )
    assert response.status_code == 409 and f"本区划已有该通报“{bulletin.title}”" in response.content.decode()
    assert not Job.objects.exists()
    services.bulletin_issue(actor=perf, bulletin=bulletin)
    with pytest.raises(ConflictError, match="（已印发）"):
        services.bulletin_generate(actor=perf, kind="MONITORING", fiscal_year=2026, source_id=bulletin.source_id)
    # A year-wide kind is one bulletin per year; another year is another bulletin.
    services.bulletin_generate(actor=perf, kind="KEY_EVAL", fiscal_year=2026)
    with pytest.raises(ConflictError):
        services.bulletin_generate(actor=perf, kind="KEY_EVAL", fiscal_year=2026)
    services.bulletin_generate(actor=perf, kind="KEY_EVAL", fiscal_year=2025)
    # A deleted bulletin does not count.
    Bulletin.objects.filter(kind="KEY_EVAL", fiscal_year=2026).update(is_deleted=True)
    services.bulletin_generate(actor=perf, kind="KEY_EVAL", fiscal_year=2026)
    assert Bulletin.objects.filter(kind="KEY_EVAL", is_deleted=False).count() == 2
