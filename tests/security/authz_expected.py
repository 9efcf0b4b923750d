"""The expected allow/deny table of the authorization matrix (checklist C11), kept in the repository.

ALLOWED[url name] is the set of personas that open the list/landing page (200); every other persona is refused
(403, or a redirect elsewhere). EXPECTED_LANDING[persona][url name] is derived from it. Pages not listed here (new
apps) are walked with the generic rules only; add them when their access rules are settled. Regenerate a draft with
`JIXIAO_AUTHZ_DUMP=1 pytest -n 0 tests/security/test_authz_matrix.py -k persona_walk -s` and review every change.
"""

from __future__ import annotations

ADMIN_PERSONAS = frozenset({"sys_admin", "sec_admin", "audit_admin"})
# URL namespaces holding business data: the 三员 never open them (SECURITY.md §1.3, checklist C08).
BUSINESS_NAMESPACES = frozenset(
    {
        "projects", "targets", "preassessment", "experts", "execution", "monitoring", "alerts", "evaluation",
        "keyeval", "indicators", "inspections",
    }
)  # fmt: skip

# URLs in a namespace whose id is not the namespace's own regional row but shared reference data (national scoring
# templates and the like): walked with a missing id instead of the other region's row.
SHARED_REFERENCE_ROWS = frozenset({"preassessment:scoring_template"})

# Pages that answer 500 today, reported to their owners; remove the entry when fixed (the walk then checks it).
KNOWN_SERVER_ERRORS: frozenset[str] = frozenset()

PERSONAS = (
    "performance",
    "budget",
    "business",
    "dept_admin",
    "unit_user",
    "other_unit_user",
    "expert",
    "agency",
    "leader",
    "oversight",
    "sys_admin",
    "sec_admin",
    "audit_admin",
)

# Persona groups that recur in the table below.
NOBODY: frozenset[str] = frozenset()
EVERYONE: frozenset[str] = frozenset(PERSONAS)
PERFORMANCE_SECTION: frozenset[str] = frozenset({"performance"})
STAFF: frozenset[str] = frozenset(
    {"performance", "budget", "business", "dept_admin", "unit_user", "other_unit_user", "leader", "oversight"}
)
STAFF_AND_EXTERNAL: frozenset[str] = STAFF | {"expert", "agency"}
STAFF_AND_AGENCIES: frozenset[str] = STAFF | {"agency"}
STAFF_AND_EXPERTS: frozenset[str] = STAFF | {"expert"}
STAFF_AND_SYS_SEC: frozenset[str] = STAFF | {"sys_admin", "sec_admin"}
BUDGET_AND_SYS: frozenset[str] = frozenset({"budget", "sys_admin"})
UNIT_SIDE: frozenset[str] = frozenset({"dept_admin", "unit_user", "other_unit_user"})
INSPECTION_READERS: frozenset[str] = frozenset(
    {"performance", "budget", "business", "dept_admin", "leader", "oversight"}
)

# Reviewed against SECURITY.md §1.3 and the role capabilities (jixiao/accounts/capabilities.py): the 三员 see only
# their consoles, organizations (system admin) and their own account pages; business roles see their stages.
ALLOWED: dict[str, frozenset[str]] = {
    "accounts:audit_list": frozenset({"audit_admin"}),
    "accounts:membership_import": frozenset({"sec_admin"}),
    "accounts:membership_import_errors": NOBODY,
    "accounts:membership_import_template": frozenset({"sec_admin"}),
    "accounts:membership_list": frozenset({"sec_admin"}),
    "accounts:password_change": EVERYONE,
    "accounts:security_policy": frozenset({"sec_admin"}),
    "accounts:two_factor": EVERYONE,
    "accounts:user_import": frozenset({"sys_admin"}),
    "accounts:user_import_errors": NOBODY,
    "accounts:user_import_template": frozenset({"sys_admin"}),
    "accounts:user_list": frozenset({"sys_admin"}),
    "alerts:calendar": PERFORMANCE_SECTION,
    "alerts:cases": STAFF,
    "alerts:export": STAFF,
    "alerts:idle_fund_export": STAFF,
    "alerts:idle_funds": STAFF,
    "alerts:list": STAFF,
    "alerts:rules": PERFORMANCE_SECTION,
    "alerts:tiers": STAFF,
    "api:api-root": EVERYONE,
    "api:department-list": STAFF_AND_SYS_SEC,
    "api:docs": EVERYONE,
    "api:indicator-framework-list": STAFF_AND_EXTERNAL,
    "api:indicator-list": STAFF_AND_EXTERNAL,
    "api:payment-list": STAFF,
    "api:preassessment-list": STAFF_AND_AGENCIES,
    "api:project-list": STAFF,
    "api:region-list": STAFF_AND_SYS_SEC,
    "api:schema": EVERYONE,
    "api:selfevaluation-list": STAFF,
    "api:target-list": STAFF_AND_EXPERTS,
    "api:unit-list": STAFF_AND_SYS_SEC,
    "core:home": EVERYONE,
    "evaluation:authenticity_list": frozenset({"performance", "business"}),
    "evaluation:reeval_list": PERFORMANCE_SECTION,
    "evaluation:reeval_samples": frozenset({"performance", "agency"}),
    "evaluation:selfeval_check": STAFF_AND_AGENCIES,
    "evaluation:selfeval_list": STAFF,
    "evaluation:selfeval_sample": STAFF_AND_AGENCIES,
    "evaluation:selfeval_start": PERFORMANCE_SECTION,
    "evaluation:selfeval_statistics": STAFF,
    # 上级核查印证资料: units and 主管部门 upload, the checking sections review; other readers have no such work.
    "evaluation:upper_list": frozenset({"performance", "business"}) | UNIT_SIDE,
    "execution:analysis": STAFF,
    "execution:import": frozenset({"performance", "budget"}),
    "execution:import_template": frozenset({"performance", "budget"}),
    "execution:payment_export": STAFF,
    "execution:payment_list": STAFF,
    "experts:agency_create": PERFORMANCE_SECTION,
    "experts:agency_list": PERFORMANCE_SECTION,
    "experts:create": PERFORMANCE_SECTION,
    "experts:draw_create": PERFORMANCE_SECTION,
    "experts:draw_list": PERFORMANCE_SECTION,
    "experts:engagement_create": frozenset({"performance", "dept_admin"}),
    "experts:engagement_list": frozenset({"performance", "dept_admin", "agency", "leader", "oversight"}),
    "experts:export": PERFORMANCE_SECTION,
    "experts:import": PERFORMANCE_SECTION,
    "experts:import_errors": NOBODY,
    "experts:import_template": PERFORMANCE_SECTION,
    "experts:list": PERFORMANCE_SECTION,
    "experts:quality_settings": PERFORMANCE_SECTION,
    "experts:review_list": PERFORMANCE_SECTION,
    "indicators:export": STAFF,
    "indicators:frameworks": STAFF_AND_EXTERNAL,
    "indicators:import": PERFORMANCE_SECTION,
    "indicators:import_errors": NOBODY,
    "indicators:import_template": PERFORMANCE_SECTION,
    "indicators:item_create": PERFORMANCE_SECTION,
    "indicators:item_propose": UNIT_SIDE,
    "indicators:library_list": STAFF_AND_EXTERNAL,
    "indicators:proposals": UNIT_SIDE,
    "indicators:search": STAFF_AND_EXTERNAL,
    "keyeval:create": frozenset({"performance", "dept_admin"}),
    "keyeval:list": STAFF_AND_EXTERNAL,
    "keyeval:my_scoring": frozenset({"performance", "budget", "business", "dept_admin", "expert", "agency"}),
    "keyeval:statistics": STAFF_AND_EXTERNAL,
    "keyeval:templates": PERFORMANCE_SECTION,
    "monitoring:record_list": STAFF,
    "monitoring:task_create": PERFORMANCE_SECTION,
    "monitoring:task_list": STAFF,
    "organizations:department_autocomplete": EVERYONE,  # any login; the results are scoped
    "organizations:department_create": BUDGET_AND_SYS,
    "organizations:department_list": STAFF_AND_SYS_SEC,
    "organizations:region_create": BUDGET_AND_SYS,
    "organizations:region_list": STAFF_AND_SYS_SEC,
    "organizations:section_create": BUDGET_AND_SYS,
    "organizations:tree": STAFF_AND_SYS_SEC,
    "organizations:section_autocomplete": EVERYONE,  # results need org.view
    "organizations:unit_autocomplete": EVERYONE,
    "organizations:unit_create": BUDGET_AND_SYS,
    "organizations:unit_export": frozenset({"performance", "budget", "sys_admin"}),
    "organizations:unit_import": BUDGET_AND_SYS,
    "organizations:unit_import_errors": NOBODY,
    "organizations:unit_import_template": BUDGET_AND_SYS,
    "organizations:unit_list": STAFF_AND_SYS_SEC,
    "organizations:year_list": BUDGET_AND_SYS,
    "preassessment:export": STAFF_AND_AGENCIES,
    "preassessment:list": STAFF_AND_AGENCIES,
    "preassessment:my_reviews": frozenset({"expert"}),
    "preassessment:rules": PERFORMANCE_SECTION,
    "preassessment:scoring_templates": PERFORMANCE_SECTION,
    "preassessment:start": UNIT_SIDE,
    "preassessment:statistics": STAFF_AND_AGENCIES,
    "projects:create": frozenset({"budget", "dept_admin", "unit_user", "other_unit_user"}),
    "projects:export": STAFF,
    "projects:import": frozenset({"budget", "dept_admin", "unit_user", "other_unit_user"}),
    "projects:import_errors": NOBODY,
    "projects:import_template": frozenset({"budget", "dept_admin", "unit_user", "other_unit_user"}),
    "projects:list": STAFF,
    "projects:autocomplete": STAFF,  # the search box of project fields; the results are scoped
    "inspections:coverage": INSPECTION_READERS,
    "inspections:coverage_export": INSPECTION_READERS,
    "inspections:create": frozenset({"performance", "business"}),
    "inspections:export": INSPECTION_READERS,
    "inspections:list": INSPECTION_READERS,
    "regulations:create": PERFORMANCE_SECTION,
    "regulations:export": STAFF,
    "regulations:list": STAFF,
    "targets:approve_batch": frozenset({"budget"}),
    "targets:case_list": STAFF_AND_EXPERTS,
    "targets:dept_start": UNIT_SIDE,
    "targets:export_declarations": STAFF,
    "targets:export_flat": STAFF,
    "targets:import": UNIT_SIDE,
    "targets:import_errors": NOBODY,
    "targets:list": STAFF_AND_EXPERTS,
    "targets:panel_mine": frozenset({"expert", "oversight"}),
    "targets:rules": PERFORMANCE_SECTION,
    "targets:review_settings": PERFORMANCE_SECTION,
    "targets:start": UNIT_SIDE,
    "targets:statistics": STAFF_AND_EXPERTS,
}

EXPECTED_LANDING: dict[str, dict[str, bool]] = {
    persona: {url: persona in allowed for url, allowed in ALLOWED.items()} for persona in PERSONAS
}
