"""One path restricts rows everywhere: `Model.objects.visible_to(user)`.

Each scoped model's queryset implements `scope(membership)`; this base resolves the user's active
membership (see accounts.User.active_membership) and returns nothing for anonymous users or users
without a membership. Not yours and not there look the same: callers turn a miss into a 404.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Q
from django.http import Http404

M = TypeVar("M", bound=models.Model)


class ScopedQuerySet(models.QuerySet[M], Generic[M]):
    def visible_to(self, user: Any) -> ScopedQuerySet[M]:
        if user is None or not getattr(user, "is_authenticated", False):
            return self.none()
        membership = getattr(user, "active_membership", None)
        if membership is None:
            return self.none()
        return self.scope(membership)

    def scope(self, membership: Any) -> ScopedQuerySet[M]:  # pragma: no cover - each model overrides
        raise NotImplementedError

    def get_visible_or_404(self, user: Any, **lookup: Any) -> M:
        try:
            return self.visible_to(user).get(**lookup)
        except (ObjectDoesNotExist, ValueError, TypeError) as exc:
            raise Http404 from exc


class ScopeLevel:
    """How far a membership sees business rows. Roles map to a level in accounts.capabilities."""

    REGION = "region"  # the whole region subtree (finance bureau staff, leaders, oversight)
    SECTION = "section"  # departments the business section is 对口 for
    DEPARTMENT = "department"  # one 主管部门 and all its units
    UNIT = "unit"  # one 预算单位 and its subordinate units
    NONE = "none"  # no business rows (三员, experts and agencies until assigned)


def whole_departments_q(membership: Any, department: str) -> Q | None:
    """The part of the business-row scope that takes whole 主管部门, as a filter on `department` (a path to the
    department: "department" on business rows, "" on departments themselves): everything for REGION (the region
    filter comes with the rows), the 对口 departments for SECTION, one department for DEPARTMENT; None for a narrower
    scope (UNIT sees part of a department) or an incomplete membership. The one statement of these rules, shared by
    `BusinessRowQuerySet` and the department × month read models (execution.selectors)."""
    prefix = f"{department}__" if department else ""
    level = membership.scope_level
    if level == ScopeLevel.REGION:
        return Q()
    if level == ScopeLevel.SECTION and membership.section_id:
        return Q(**{f"{prefix}finance_section_id": membership.section_id})
    if level == ScopeLevel.DEPARTMENT and membership.department_id:
        return Q(**{f"{prefix}id": membership.department_id})
    return None


class BusinessRowQuerySet(ScopedQuerySet[M], Generic[M]):
    """The scope rule shared by business rows that carry `region`, `department` and `unit` (projects, targets,
    pre-assessments …): REGION sees the subtree, SECTION its 对口 departments, DEPARTMENT its own, UNIT its unit
    and the units below it. Models with other audiences extend `scope` and fall back to this."""

    def scope(self, membership: Any) -> ScopedQuerySet[M]:
        qs = self.filter(is_deleted=False, region_id__in=membership.region.subtree_ids)
        whole = whole_departments_q(membership, "department")
        if whole is not None:
            return qs.filter(whole)
        if membership.scope_level == ScopeLevel.UNIT and membership.unit_id:
            return qs.filter(unit__path__startswith=membership.unit.path)
        return self.none()
