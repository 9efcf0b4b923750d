"""The left menu, by lifecycle stage; each entry shows only to roles with its capability."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse


@dataclass(frozen=True)
class MenuItem:
    label: str
    url_name: str
    capability: str | None = None
    args: tuple[Any, ...] = ()


@dataclass(frozen=True)
class MenuGroup:
    label: str
    icon: str
    items: tuple[MenuItem, ...] = field(default_factory=tuple)


MENU: tuple[MenuGroup, ...] = (
    MenuGroup("工作台", "bi-house", (MenuItem("我的待办", "core:home"),)),
    MenuGroup(
        "项目库",
        "bi-folder2-open",
        (
            MenuItem("项目列表", "projects:list", "project.view"),
            MenuItem("新增项目", "projects:create", "project.create"),
            MenuItem("导入项目", "projects:import", "project.import"),
            MenuItem("联合审核", "projects:joint_list", "project.joint_review"),
            MenuItem("联合审核设置", "projects:joint_settings", "project.configure"),
        ),
    ),
    MenuGroup(
        "事前绩效评估",
        "bi-clipboard-check",
        (
            MenuItem("评估项目", "preassessment:list", "preassessment.view"),
            MenuItem("申报事前评估", "preassessment:start", "preassessment.file"),
            MenuItem("评估统计", "preassessment:statistics", "preassessment.view"),
            MenuItem("评估规则", "preassessment:rules", "preassessment.configure"),
            MenuItem("评分模板", "preassessment:scoring_templates", "preassessment.configure"),
            MenuItem("我的评审任务", "preassessment:my_reviews", "preassessment.score"),
        ),
    ),
    MenuGroup(
        "绩效目标管理",
        "bi-bullseye",
        (
            MenuItem("绩效目标", "targets:list", "target.view"),
            MenuItem("为项目填报绩效目标", "targets:start", "target.edit"),
            MenuItem("填报部门整体绩效目标", "targets:dept_start", "target.edit"),
            MenuItem("我的会审任务", "targets:panel_mine", "target.panel_review"),
            MenuItem("绩效目标批复", "targets:approve_batch", "target.approve"),
            MenuItem("目标审核统计", "targets:statistics", "target.view"),
            MenuItem("智能审核规则", "targets:rules", "target.configure"),
            MenuItem("目标审核评分设置", "targets:review_settings", "target.configure"),
            MenuItem("指标案例库", "targets:case_list", "target.view"),
            MenuItem("指标库", "indicators:library_list", "indicator.view"),
            MenuItem("申报指标", "indicators:item_propose", "indicator.propose"),
            MenuItem("我的指标申报", "indicators:proposals", "indicator.propose"),
            MenuItem("导入指标", "indicators:import", "indicator.import"),
            MenuItem("指标体系", "indicators:frameworks", "indicator.view"),
        ),
    ),
    MenuGroup(
        "专家与第三方",
        "bi-people",
        (
            MenuItem("专家库", "experts:list", "expert.view"),
            MenuItem("专家抽取", "experts:draw_list", "expert.view"),
            MenuItem("第三方机构", "experts:agency_list", "expert.manage"),
            MenuItem("第三方委托", "experts:engagement_list", "engagement.view"),
            MenuItem("执业质量核查", "experts:review_list", "engagement.manage"),
            MenuItem("执业质量核查设置", "experts:quality_settings", "engagement.manage"),
        ),
    ),
    MenuGroup(
        "执行数据",
        "bi-cash-stack",
        (
            MenuItem("执行进度分析", "execution:analysis", "execution.view"),
            MenuItem("支付数据", "execution:payment_list", "execution.view"),
            MenuItem("导入支付数据", "execution:import", "execution.import"),
        ),
    ),
    MenuGroup(
        "绩效运行监控",
        "bi-activity",
        (
            MenuItem("监控任务", "monitoring:task_list", "monitoring.view"),
            MenuItem("新建监控任务", "monitoring:task_create", "monitoring.manage"),
            MenuItem("监控填报", "monitoring:record_list", "monitoring.view"),
            MenuItem("预警列表", "alerts:list", "alerts.view"),
            MenuItem("预警处置", "alerts:cases", "alerts.view"),
            MenuItem("重点监控", "alerts:tiers", "alerts.view"),
            MenuItem("预警规则", "alerts:rules", "alerts.configure"),
            MenuItem("工作日历", "alerts:calendar", "alerts.configure"),
            MenuItem("季度检查", "inspections:list", "inspection.view"),
            MenuItem("检查覆盖情况", "inspections:coverage", "inspection.view"),
        ),
    ),
    MenuGroup(
        "绩效评价",
        "bi-award",
        (
            MenuItem("自评表校验", "evaluation:selfeval_check", "evaluation.check"),
            MenuItem("单位自评", "evaluation:selfeval_list", "evaluation.view"),
            MenuItem("自评统计", "evaluation:selfeval_statistics", "evaluation.view"),
            MenuItem("再评价（抽评）", "evaluation:reeval_list", "evaluation.reevaluate"),
            MenuItem("再评价任务", "evaluation:reeval_samples", "evaluation.rescore"),
            MenuItem("真实性核查", "evaluation:authenticity_list", "evaluation.authenticity"),
            MenuItem("上级核查印证资料", "evaluation:upper_list", "evaluation.fill"),
            MenuItem("重点绩效评价", "keyeval:list", "keyeval.view"),
            MenuItem("我的评价评分", "keyeval:my_scoring", "keyeval.score"),
            MenuItem("重点评价统计", "keyeval:statistics", "keyeval.view"),
            MenuItem("评价指标体系", "keyeval:templates", "keyeval.manage"),
        ),
    ),
    MenuGroup(
        "结果应用",
        "bi-arrow-repeat",
        (
            MenuItem("结果应用建议", "results:list", "results.view"),
            MenuItem("四挂钩统计", "results:links", "results.view"),
            MenuItem("预算调整登记", "alerts:adjustments", "alerts.view"),
            MenuItem("存量资金清理", "alerts:idle_funds", "alerts.view"),
            MenuItem("结果应用规则", "results:rules", "results.configure"),
        ),
    ),
    MenuGroup(
        "问题整改",
        "bi-tools",
        (
            MenuItem("整改事项", "rectification:list", "rectification.view"),
            MenuItem("待整改问题", "rectification:candidates", "rectification.manage"),
            MenuItem("登记问题", "rectification:finding_create", "rectification.manage"),
            MenuItem("整改统计", "rectification:statistics", "rectification.view"),
            MenuItem("整改期限规则", "rectification:settings", "rectification.configure"),
        ),
    ),
    MenuGroup(
        "文书与通报",
        "bi-file-earmark-text",
        (
            MenuItem("文书管理", "documents:list", "documents.view"),
            MenuItem("起草文书", "documents:create", "documents.draft"),
            MenuItem("我收到的文书", "documents:inbox", "documents.receive"),
            MenuItem("制度办法", "regulations:list", "regulation.view"),
            MenuItem("绩效通报", "bulletins:list", "bulletins.view"),
            MenuItem("文书模板", "documents:templates", "documents.configure"),
            MenuItem("发文字号", "documents:series", "documents.configure"),
        ),
    ),
    MenuGroup(
        "信息公开",
        "bi-megaphone",
        (
            MenuItem("公开事项", "disclosure:list", "disclosure.view"),
            MenuItem("公开审核", "disclosure:review", "disclosure.review"),
            MenuItem("公开统计", "disclosure:statistics", "disclosure.view"),
            MenuItem("公开网站", "public:index", "disclosure.view"),
        ),
    ),
    MenuGroup(
        "绩效考核与培训",
        "bi-trophy",
        (
            MenuItem("考核任务与排名", "appraisals:list", "appraisal.view"),
            MenuItem("考核评分表", "appraisals:templates", "appraisal.manage"),
            MenuItem("考核参数", "appraisals:settings", "appraisal.manage"),
            MenuItem("培训管理", "training:list", "training.view"),
        ),
    ),
    MenuGroup(
        "统计分析",
        "bi-bar-chart",
        (
            MenuItem("领导驾驶舱", "reports:dashboard", "reports.view"),
            MenuItem("年度工作总结", "reports:annual_list", "reports.view_annual"),
        ),
    ),
    MenuGroup(
        "基础信息",
        "bi-diagram-3",
        (
            MenuItem("单位树", "organizations:tree", "org.view"),
            MenuItem("主管部门", "organizations:department_list", "org.view"),
            MenuItem("预算单位", "organizations:unit_list", "org.view"),
            MenuItem("财政区划与股室", "organizations:region_list", "org.view"),
            MenuItem("财政年度", "organizations:year_list", "fiscal_year.manage"),
        ),
    ),
    MenuGroup(
        "系统管理",
        "bi-shield-lock",
        (
            MenuItem("用户管理", "accounts:user_list", "users.manage"),
            MenuItem("角色授权", "accounts:membership_list", "roles.grant"),
            MenuItem("安全策略", "accounts:security_policy", "security.manage"),
            MenuItem("审计日志", "accounts:audit_list", "audit.view"),
        ),
    ),
)


def menu_for(membership: Any, current_path: str) -> list[dict[str, Any]]:
    """The menu for this identity, with the entry for ``current_path`` highlighted.

    The entries (and their ~65 ``reverse()`` calls) depend only on the set of capabilities and the URLconf, so the
    built structure is kept in process memory; only the per-request copy and its highlighting are made here.
    """
    capabilities = frozenset() if membership is None else frozenset(membership.capabilities)
    cached = _menu_structure(capabilities, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
    groups = [
        {
            "label": label,
            "icon": icon,
            "items": [{"label": item_label, "url": url, "active": False} for item_label, url in items],
            "open": False,
        }
        for label, icon, items in cached
    ]
    _mark_active(groups, current_path)
    return groups


MenuStructure = tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]


@lru_cache(maxsize=256)
def _menu_structure(capabilities: frozenset[str], urlconf: str, script_prefix: str) -> MenuStructure:
    """(group label, icon, ((item label, url), …)) for the groups with at least one entry these capabilities see.

    ``urlconf`` and ``script_prefix`` are part of the key only because ``reverse()`` depends on them.
    """
    groups = []
    for group in MENU:
        items = tuple(
            (item.label, reverse(item.url_name, args=item.args))
            for item in group.items
            if item.capability is None or item.capability in capabilities
        )
        if items:
            groups.append((group.label, group.icon, items))
    return tuple(groups)


def _mark_active(groups: list[dict[str, Any]], current_path: str) -> None:
    """Highlight the one entry whose URL is the longest prefix of the current path."""
    best: tuple[int, dict[str, Any], dict[str, Any]] | None = None
    for group in groups:
        for item in group["items"]:
            url = item["url"]
            matches = current_path == url or (url != "/" and current_path.startswith(url))
            if matches and (best is None or len(url) > best[0]):
                best = (len(url), group, item)
    if best is not None:
        best[2]["active"] = True
        best[1]["open"] = True
