"""Roles and what they may do: the one table that maps every role to capabilities and a data scope.

DOMAIN.md §6.10 and SECURITY.md §1.3 (三员分立). A capability is a string `area.verb`; views,
services, the API and the menu all ask `membership.can(capability)`.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from jixiao.core.scoping import ScopeLevel


class Role(models.TextChoices):
    PERFORMANCE = "performance", _("绩效股")
    BUDGET = "budget", _("预算股")
    BUSINESS = "business", _("业务股室")
    DEPT_ADMIN = "dept_admin", _("主管部门")
    UNIT_USER = "unit_user", _("预算单位")
    EXPERT = "expert", _("评审专家")
    AGENCY = "agency", _("第三方机构")
    LEADER = "leader", _("领导（只读）")
    OVERSIGHT = "oversight", _("人大/审计（只读）")
    SYS_ADMIN = "sys_admin", _("系统管理员")
    SEC_ADMIN = "sec_admin", _("安全管理员")
    AUDIT_ADMIN = "audit_admin", _("审计管理员")


THREE_ADMINS = frozenset({Role.SYS_ADMIN, Role.SEC_ADMIN, Role.AUDIT_ADMIN})

READ_ORG = {"org.view"}
READ_PROJECTS = {"project.view", "project.export"}
# The indicator library is public knowledge inside the bureau: every business role may read it.
READ_INDICATORS = {"indicator.view", "indicator.export"}
READ_TARGETS = {"target.view", "target.export"}
BUSINESS_READ = READ_ORG | READ_PROJECTS | READ_INDICATORS | READ_TARGETS
ENTRY = {"project.create", "project.edit", "project.submit", "project.import", "indicator.propose"} | {
    "target.edit",
    "target.submit",
    "target.import",
}

ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.PERFORMANCE: frozenset(
        BUSINESS_READ
        | {"org.export", "project.edit_any", "project.configure", "indicator.approve", "indicator.manage"}
        | {"indicator.import"}
        | {"target.grade", "target.comment", "target.configure", "target.case_manage"}
        | {"expert.view", "expert.manage", "expert.contact"}
    ),
    Role.BUDGET: frozenset(
        BUSINESS_READ
        | {"org.manage", "org.import", "org.export", "fiscal_year.manage"}
        | {"project.edit_any", "project.import", "project.create", "target.approve"}
    ),
    Role.BUSINESS: frozenset(
        BUSINESS_READ | {"project.review_section", "indicator.review", "target.review_section", "target.comment"}
    ),
    # project.joint_review: only a department a region's 联合审核设置 names reviews (projects.joint_review).
    Role.DEPT_ADMIN: frozenset(
        BUSINESS_READ | ENTRY | {"project.review_dept", "project.joint_review", "target.review_dept", "target.comment"}
    ),
    Role.UNIT_USER: frozenset(BUSINESS_READ | ENTRY),
    # Experts see only the targets they are drawn onto a panel for (targets.models.TargetQuerySet).
    Role.EXPERT: frozenset({"indicator.view", "target.view", "target.panel_review"}),
    Role.AGENCY: frozenset({"indicator.view"}),
    Role.LEADER: frozenset(BUSINESS_READ),
    Role.OVERSIGHT: frozenset(BUSINESS_READ | {"target.panel_review"}),
    # 三员: no business data at all (SECURITY.md §1.3).
    Role.SYS_ADMIN: frozenset(
        {"org.view", "org.manage", "org.import", "org.export", "fiscal_year.manage", "users.manage"}
    ),
    Role.SEC_ADMIN: frozenset({"org.view", "roles.grant", "security.manage"}),
    Role.AUDIT_ADMIN: frozenset({"audit.view", "audit.export"}),
}

# How far each role sees business rows (projects and later stages).
ROLE_SCOPE: dict[str, str] = {
    Role.PERFORMANCE: ScopeLevel.REGION,
    Role.BUDGET: ScopeLevel.REGION,
    Role.BUSINESS: ScopeLevel.SECTION,
    Role.DEPT_ADMIN: ScopeLevel.DEPARTMENT,
    Role.UNIT_USER: ScopeLevel.UNIT,
    Role.EXPERT: ScopeLevel.NONE,
    Role.AGENCY: ScopeLevel.NONE,
    Role.LEADER: ScopeLevel.REGION,
    Role.OVERSIGHT: ScopeLevel.REGION,
    Role.SYS_ADMIN: ScopeLevel.NONE,
    Role.SEC_ADMIN: ScopeLevel.NONE,
    Role.AUDIT_ADMIN: ScopeLevel.NONE,
}

# How far each role sees organisation reference data (departments, units). The system and security
# administrators maintain accounts and org units for the whole region but see no business rows.
ROLE_ORG_SCOPE: dict[str, str] = {**ROLE_SCOPE, Role.SYS_ADMIN: ScopeLevel.REGION, Role.SEC_ADMIN: ScopeLevel.REGION}

# Which organisation a role's membership must name.
ROLE_REQUIRES: dict[str, str | None] = {
    Role.BUSINESS: "section",
    Role.PERFORMANCE: "section",
    Role.BUDGET: "section",
    Role.DEPT_ADMIN: "department",
    Role.UNIT_USER: "unit",
}


def capabilities_for(role: str) -> frozenset[str]:
    return ROLE_CAPABILITIES.get(role, frozenset())


# 事前绩效评估 (DOMAIN.md §2.1): every business role reads; units and departments file; the department, the
# 对口 business section and the performance section review in turn; the performance section concludes and configures.
PREASSESSMENT_CAPABILITIES: dict[str, set[str]] = {
    Role.PERFORMANCE: {"preassessment.view", "preassessment.conclude", "preassessment.configure"},
    Role.BUDGET: {"preassessment.view"},
    Role.BUSINESS: {"preassessment.view", "preassessment.review_section"},
    Role.DEPT_ADMIN: {"preassessment.view", "preassessment.file", "preassessment.review_dept"},
    Role.UNIT_USER: {"preassessment.view", "preassessment.file"},
    Role.LEADER: {"preassessment.view"},
    Role.OVERSIGHT: {"preassessment.view"},
    # Experts score only the assessments whose panel they are drawn onto (preassessment.panels).
    Role.EXPERT: {"preassessment.score"},
    # Third-party agencies see and review only the assessments commissioned to their agency (scope in the model).
    Role.AGENCY: {"preassessment.view", "preassessment.agency_review"},
}
for _role, _caps in PREASSESSMENT_CAPABILITIES.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | _caps


# 绩效运行监控 (DOMAIN.md §2.3, §6.10): the performance section creates and issues rounds and gives the final review;
# units and departments fill; the department, the 对口 business section and the performance section review in turn.
MONITORING_CAPABILITIES: dict[str, set[str]] = {
    Role.PERFORMANCE: {"monitoring.view", "monitoring.manage"},
    Role.BUDGET: {"monitoring.view"},
    Role.BUSINESS: {"monitoring.view", "monitoring.review_section"},
    Role.DEPT_ADMIN: {"monitoring.view", "monitoring.fill", "monitoring.review_dept"},
    Role.UNIT_USER: {"monitoring.view", "monitoring.fill"},
    Role.LEADER: {"monitoring.view"},
    Role.OVERSIGHT: {"monitoring.view"},
}
for _role, _caps in MONITORING_CAPABILITIES.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | _caps


# 预警与处置 (DOMAIN.md §5, §2.3): every business role reads warnings and lights; units (and their 主管部门) explain
# red warnings and propose a disposition; the performance section decides, selects 重点/重大 projects, and
# configures rules, the rule profile and the working-day calendar. The performance and budget sections register
# the budget adjustments decided at other stages (预算调整登记: 目标审核 核减, 事前评估 追减…).
ALERTS_CAPABILITIES: dict[str, set[str]] = {
    Role.PERFORMANCE: {"alerts.view", "alerts.decide", "alerts.configure", "alerts.adjust"},
    Role.BUDGET: {"alerts.view", "alerts.adjust"},
    Role.BUSINESS: {"alerts.view"},
    Role.DEPT_ADMIN: {"alerts.view", "alerts.respond"},
    Role.UNIT_USER: {"alerts.view", "alerts.respond"},
    Role.LEADER: {"alerts.view"},
    Role.OVERSIGHT: {"alerts.view"},
}
for _role, _caps in ALERTS_CAPABILITIES.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | _caps


# 预算执行数据 (DOMAIN.md §2.3): the budget and performance sections import treasury payments; every business role
# that sees projects reads the payments of the projects it sees (scoped like projects).
EXECUTION_CAPABILITIES: dict[str, set[str]] = {
    Role.PERFORMANCE: {"execution.view", "execution.import"},
    Role.BUDGET: {"execution.view", "execution.import"},
    Role.BUSINESS: {"execution.view"},
    Role.DEPT_ADMIN: {"execution.view"},
    Role.UNIT_USER: {"execution.view"},
    Role.LEADER: {"execution.view"},
    Role.OVERSIGHT: {"execution.view"},
}
for _role, _caps in EXECUTION_CAPABILITIES.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | _caps


# 绩效评价 (DOMAIN.md §2.4, §4): every business role may check a filled 自评表 against the scoring rules.
EVALUATION_CAPABILITIES: dict[str, set[str]] = {
    role: {"evaluation.check"}
    for role in (
        Role.PERFORMANCE,
        Role.BUDGET,
        Role.BUSINESS,
        Role.DEPT_ADMIN,
        Role.UNIT_USER,
        Role.LEADER,
        Role.OVERSIGHT,
        Role.AGENCY,
    )
}
# 单位自评 (DOMAIN.md §2.4.2, §6.10): units (and 主管部门) fill; 主管部门 → 对口业务股室 → 绩效股 review; the
# performance section starts the year's round; every business role reads the records it sees.
for _role, _caps in {
    Role.PERFORMANCE: {"evaluation.view", "evaluation.manage", "evaluation.review_final"},
    Role.BUDGET: {"evaluation.view"},
    Role.BUSINESS: {"evaluation.view", "evaluation.review_section"},
    Role.DEPT_ADMIN: {"evaluation.view", "evaluation.fill", "evaluation.review_dept"},
    Role.UNIT_USER: {"evaluation.view", "evaluation.fill"},
    Role.LEADER: {"evaluation.view"},
    Role.OVERSIGHT: {"evaluation.view"},
}.items():
    EVALUATION_CAPABILITIES[_role] = EVALUATION_CAPABILITIES[_role] | _caps
# 抽评/再评价 and 真实性核查 (DOMAIN.md §2.4.5, §2.4.6): the performance section draws and re-scores (or commissions an
# agency, whose staff re-score the samples assigned to it); the sections run authenticity checks of their projects.
for _role, _caps in {
    Role.PERFORMANCE: {"evaluation.reevaluate", "evaluation.rescore", "evaluation.authenticity"},
    Role.BUSINESS: {"evaluation.authenticity"},
    Role.AGENCY: {"evaluation.rescore"},
}.items():
    EVALUATION_CAPABILITIES[_role] = EVALUATION_CAPABILITIES[_role] | _caps
for _role, _caps in EVALUATION_CAPABILITIES.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | _caps


# 重点绩效评价 and 第三方委托 (DOMAIN.md §2.4.3, §2.8, §6.10): the performance section organises key evaluations, edits
# the framework templates, commissions agencies and reviews their practice quality (engagement.manage); a 主管部门
# commissions agencies for its own work and sees only those engagements (engagement.commission, scoped by
# EngagementQuerySet); finance staff, drawn experts and the commissioned agency's staff score what they are assigned
# to; the evaluated department or unit answers the draft. The 预算股 has no part in engagements (§6.10: "–").
# keyeval.organise creates evaluations: the 绩效股 its own (finance evaluations, managed with keyeval.manage), a
# 主管部门 the 部门评价 it runs itself (§6.10 "Run department evaluation: D ✔"), which only it manages and its own
# staff (keyeval.score when assigned), its own commissioned agency or its units answer (selectors.manages).
KEYEVAL_CAPABILITIES: dict[str, set[str]] = {
    Role.PERFORMANCE: {
        "keyeval.view",
        "keyeval.organise",
        "keyeval.manage",
        "keyeval.score",
        "engagement.view",
        "engagement.commission",
        "engagement.manage",
    },
    Role.BUDGET: {"keyeval.view", "keyeval.score"},
    Role.BUSINESS: {"keyeval.view", "keyeval.score"},
    Role.DEPT_ADMIN: {
        "keyeval.view",
        "keyeval.organise",
        "keyeval.respond",
        "keyeval.score",
        "engagement.view",
        "engagement.commission",
    },
    Role.UNIT_USER: {"keyeval.view", "keyeval.respond"},
    Role.EXPERT: {"keyeval.view", "keyeval.score"},
    Role.AGENCY: {"keyeval.view", "keyeval.score", "engagement.view", "engagement.deliver"},
    Role.LEADER: {"keyeval.view", "engagement.view"},
    Role.OVERSIGHT: {"keyeval.view", "engagement.view"},
}
for _role, _caps in KEYEVAL_CAPABILITIES.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | _caps


# 文书 (DOMAIN.md §2.5, §6.10): the performance and business sections draft and issue (the performance section also
# edits templates and 文号 series); departments and units receive, sign and answer what is addressed to them, and a
# 下级财政 addressed by the region above does so through its performance section (`documents.receive`: its inbox
# lists only the rows addressed to its own region, `selectors.recipient_filter`). Read-only roles never sign.
DOCUMENTS_CAPABILITIES: dict[str, set[str]] = {
    Role.PERFORMANCE: {
        "documents.view",
        "documents.drafts",
        "documents.draft",
        "documents.issue",
        "documents.configure",
        "documents.receive",
    },
    Role.BUSINESS: {"documents.view", "documents.drafts", "documents.draft", "documents.issue"},
    Role.BUDGET: {"documents.view", "documents.drafts"},
    Role.DEPT_ADMIN: {"documents.view", "documents.receive"},
    Role.UNIT_USER: {"documents.view", "documents.receive"},
    Role.LEADER: {"documents.view", "documents.drafts"},
    # Oversight reads issued documents only (see `*.drafts` above).
    Role.OVERSIGHT: {"documents.view"},
}
for _role, _caps in DOCUMENTS_CAPABILITIES.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | _caps


# training (issue 7): 培训 records are kept by the performance section; leaders and oversight read them.
TRAINING_CAPABILITIES: dict[str, set[str]] = {
    Role.PERFORMANCE: {"training.view", "training.manage"},
    Role.BUDGET: {"training.view"},
    Role.LEADER: {"training.view"},
    Role.OVERSIGHT: {"training.view"},
}
for _role, _caps in TRAINING_CAPABILITIES.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | _caps


# 制度办法 (the “1+X” register, seeds 000 and 002): the performance section keeps its region's rules; everyone on
# staff reads them, since departments and units must follow them.
REGULATION_CAPABILITIES: dict[str, set[str]] = {
    Role.PERFORMANCE: {"regulation.view", "regulation.manage"},
    Role.BUSINESS: {"regulation.view"},
    Role.BUDGET: {"regulation.view"},
    Role.DEPT_ADMIN: {"regulation.view"},
    Role.UNIT_USER: {"regulation.view"},
    Role.LEADER: {"regulation.view"},
    Role.OVERSIGHT: {"regulation.view"},
}
for _role, _caps in REGULATION_CAPABILITIES.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | _caps


# 季度检查 (seed 003: 股室联镇、联部门, 每季度检查部门专项业务经费): the business sections check their 对口
# departments and the performance section any of the region's; departments read the checks of themselves (the
# problems and opinions are addressed to them); leaders, the budget section and oversight read.
INSPECTION_CAPABILITIES: dict[str, set[str]] = {
    Role.PERFORMANCE: {"inspection.view", "inspection.record"},
    Role.BUSINESS: {"inspection.view", "inspection.record"},
    Role.BUDGET: {"inspection.view"},
    Role.DEPT_ADMIN: {"inspection.view"},
    Role.LEADER: {"inspection.view"},
    Role.OVERSIGHT: {"inspection.view"},
}
for _role, _caps in INSPECTION_CAPABILITIES.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | _caps


# 问题整改 (DOMAIN.md §2.5, §6.10): the performance and business sections turn problems into findings, issue notices
# and review feedback (the business section for its 对口 departments); departments and units answer; finance runs the
# overdue sweep; leaders and oversight read.
# `*.drafts`: the bureau's own staff (and its leaders) read cases and documents still being prepared (待下达, 草稿);
# the external read-only oversight (人大, 审计, 纪检: DOMAIN.md §1.3 "receive reports and disclosures") reads them
# once issued, as departments and units do (decision 0008).
RECTIFICATION_CAPABILITIES: dict[str, set[str]] = {
    Role.PERFORMANCE: {
        "rectification.view",
        "rectification.drafts",
        "rectification.manage",
        "rectification.review",
        "rectification.sweep",
        "rectification.configure",
    },
    Role.BUSINESS: {"rectification.view", "rectification.drafts", "rectification.manage", "rectification.review"},
    Role.BUDGET: {"rectification.view", "rectification.drafts"},
    Role.DEPT_ADMIN: {"rectification.view", "rectification.respond"},
    Role.UNIT_USER: {"rectification.view", "rectification.respond"},
    Role.LEADER: {"rectification.view", "rectification.drafts"},
    Role.OVERSIGHT: {"rectification.view"},
}
for _role, _caps in RECTIFICATION_CAPABILITIES.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | _caps


# 结果应用 (issue 7, DOMAIN.md §2.5, §6.10): the performance section keeps the rules and generates the proposals,
# the budget section decides; business sections, departments and units read their own; leaders and oversight read.
RESULTS_CAPABILITIES: dict[str, set[str]] = {
    Role.PERFORMANCE: {"results.view", "results.configure", "results.generate", "results.export"},
    Role.BUDGET: {"results.view", "results.decide", "results.generate", "results.export"},
    Role.BUSINESS: {"results.view", "results.export"},
    Role.DEPT_ADMIN: {"results.view"},
    Role.UNIT_USER: {"results.view"},
    Role.LEADER: {"results.view", "results.export"},
    Role.OVERSIGHT: {"results.view", "results.export"},
}
for _role, _caps in RESULTS_CAPABILITIES.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | _caps


# 信息公开 (issue 7, DOMAIN.md §2.6, §6.10): departments and units propose their items (or ask for an exemption);
# the performance section generates the year's items, reviews, publishes and withdraws; others read.
DISCLOSURE_CAPABILITIES: dict[str, set[str]] = {
    Role.PERFORMANCE: {"disclosure.view", "disclosure.propose", "disclosure.review", "disclosure.generate"},
    Role.BUDGET: {"disclosure.view"},
    Role.BUSINESS: {"disclosure.view"},
    Role.DEPT_ADMIN: {"disclosure.view", "disclosure.propose"},
    Role.UNIT_USER: {"disclosure.view", "disclosure.propose"},
    Role.LEADER: {"disclosure.view"},
    Role.OVERSIGHT: {"disclosure.view"},
}
for _role, _caps in DISCLOSURE_CAPABILITIES.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | _caps


# appraisals (issue 7, DOMAIN.md §6.10): examinees self-score, business sections score their items, the
# performance section configures templates, scores finally, ranks and issues outcomes.
APPRAISALS_CAPABILITIES: dict[str, set[str]] = {
    Role.PERFORMANCE: {
        "appraisal.view",
        "appraisal.manage",
        "appraisal.self_score",
        "appraisal.section_score",
        "appraisal.final",
    },
    Role.BUDGET: {"appraisal.view"},
    Role.BUSINESS: {"appraisal.view", "appraisal.section_score"},
    Role.DEPT_ADMIN: {"appraisal.view", "appraisal.self_score"},
    Role.LEADER: {"appraisal.view"},
    Role.OVERSIGHT: {"appraisal.view"},
}
for _role, _caps in APPRAISALS_CAPABILITIES.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | _caps


# 通报 (DOMAIN.md §2.5): the performance section generates, edits and issues bulletins; finance staff and read-only
# roles read them (departments and units receive the issued 通报 as a document).
BULLETINS_CAPABILITIES: dict[str, set[str]] = {
    Role.PERFORMANCE: {"bulletins.view", "bulletins.manage"},
    Role.BUDGET: {"bulletins.view"},
    Role.BUSINESS: {"bulletins.view"},
    Role.LEADER: {"bulletins.view"},
    Role.OVERSIGHT: {"bulletins.view"},
}
for _role, _caps in BULLETINS_CAPABILITIES.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | _caps


# 统计分析 (issue 7): the dashboard is read by leaders, the bureau's sections, oversight and (scoped to their own
# rows) departments; the annual work summary is written by the performance section and read at region level.
REPORTS_CAPABILITIES: dict[str, set[str]] = {
    Role.PERFORMANCE: {"reports.view", "reports.view_annual", "reports.annual"},
    Role.BUDGET: {"reports.view", "reports.view_annual"},
    Role.BUSINESS: {"reports.view"},
    Role.DEPT_ADMIN: {"reports.view"},
    Role.LEADER: {"reports.view", "reports.view_annual"},
    Role.OVERSIGHT: {"reports.view", "reports.view_annual"},
}
for _role, _caps in REPORTS_CAPABILITIES.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | _caps
