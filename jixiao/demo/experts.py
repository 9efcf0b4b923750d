"""The demo county's expert pool (专家库): a few experts per field, the 教育 ones with demo logins, and one
third-party agency (第三方机构) whose staff login is `agency1`.

Deterministic and small: three 教育 experts (the logins expert1, expert2 and expert3, so a draw of three in 教育
picks exactly them) and five in other fields. None works for 县教育局, so its assessments can draw them.
"""

from __future__ import annotations

from django.contrib.auth.hashers import make_password

from jixiao.accounts.capabilities import Role
from jixiao.accounts.demo_logins import DEMO_PASSWORD
from jixiao.accounts.models import Membership, User
from jixiao.experts.models import Agency, Expert
from jixiao.organizations.models import FiscalRegion

# (name, field, title, affiliation, login: an existing demo username or a new one created here, or "")
EXPERTS: tuple[tuple[str, str, str, str, str], ...] = (
    ("赵文博", "教育", "高级教师", "达州市教育科学研究所", "expert1"),
    ("钱淑芬", "教育", "副教授", "四川文理学院教育学院", "expert2"),
    ("孙立新", "教育", "正高级教师", "达州中学", "expert3"),
    ("李会明", "财务", "高级会计师", "四川蜀通会计师事务所", ""),
    ("周建平", "财务", "注册会计师", "达州正信会计师事务所", ""),
    ("吴志勇", "工程", "高级工程师", "达州市建筑设计院", ""),
    ("郑海涛", "工程", "造价工程师", "四川华诚工程造价咨询公司", ""),
    ("王秀兰", "农业", "农业技术推广研究员", "达州市农业科学研究院", ""),
)
# Expert logins this module creates (expert1 is one of the demo logins the generator makes).
NEW_LOGINS = {"expert2": "钱淑芬", "expert3": "孙立新"}
# The demo third-party agency; the generator's `agency1` login works for it.
AGENCY = {
    "name": "四川明信绩效评价咨询有限公司",
    "credit_code": "91511700MA62D4L83R",
    "qualification": "预算绩效管理第三方机构入库资格；工程造价咨询甲级",
    "contact_person": "周凯",
    "phone": "13880001234",
}
AGENCY_LOGIN = "agency1"


def seed_experts(county: FiscalRegion) -> int:
    """Create the pool and the extra expert logins; return how many users were created."""
    password = make_password(DEMO_PASSWORD)
    created = [
        User(username=username, display_name=display, password=password) for username, display in NEW_LOGINS.items()
    ]
    User.objects.bulk_create(created)
    Membership.objects.bulk_create(Membership(user=user, role=Role.EXPERT, region=county) for user in created)
    logins = {user.username: user for user in User.objects.filter(username__in=[row[4] for row in EXPERTS if row[4]])}
    Expert.objects.bulk_create(
        Expert(
            region=county,
            user=logins.get(login) if login else None,
            kind=Expert.Kind.EXPERT,
            name=name,
            field=field,
            title=title,
            affiliation=affiliation,
        )
        for name, field, title, affiliation, login in EXPERTS
    )
    agency = Agency.objects.create(region=county, **AGENCY)
    agency.users.set(User.objects.filter(username=AGENCY_LOGIN))
    return len(created)
