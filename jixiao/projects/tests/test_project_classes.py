"""项目分级分类 sets as the stages' rules store them (monitoring tiers, the target review's 集中会审)."""

from __future__ import annotations

import pytest

from jixiao.core.errors import DomainError
from jixiao.projects.services import project_classes

pytestmark = pytest.mark.nodb


def test_classes_are_kept_in_order_once_and_anything_else_is_refused() -> None:
    assert project_classes("CA") == "AC"
    assert project_classes("AA") == "A"
    assert project_classes("") == project_classes(None) == ""
    with pytest.raises(DomainError, match="重要性分类只能是A、B、C"):
        project_classes("AD")
