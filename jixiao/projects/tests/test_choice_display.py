"""`get_<field>_display` on business rows reads a cached label dict; it must say what Django's own version says."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import models

from jixiao.projects.models import Project


@pytest.mark.django_db
def test_cached_labels_equal_djangos_for_every_choice_field_and_value(world: Any) -> None:
    project = world.school_project
    fields = [f for f in Project._meta.concrete_fields if f.choices]
    assert {"status", "category"} <= {f.name for f in fields}
    for field in fields:
        for value, _label in [*field.flatchoices, ("not-a-choice", "")]:
            setattr(project, field.attname, value)
            cached = getattr(project, f"get_{field.name}_display")()
            djangos = models.Model._get_FIELD_display(project, field)  # type: ignore[attr-defined]
            assert cached == djangos and isinstance(cached, str), (field.name, value)
    project.status = Project.Status.IN_LIBRARY
    assert project.get_status_display() == str(Project.Status.IN_LIBRARY.label)
