"""Fixtures for the indicator library tests.

The starter library comes with migration 0002, but tests that flush the database (live-server browser tests)
remove it, so `library` reloads whatever is missing (idempotent and fast).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps

from conftest import World
from jixiao.indicators import services
from jixiao.indicators.library_data import load_starter_library
from jixiao.indicators.models import IndicatorLibraryItem
from jixiao.indicators.tests.helpers import proposal_data


@pytest.fixture
def library(db: Any) -> None:
    load_starter_library(apps.get_model)


@pytest.fixture
def world(world: World, library: None) -> World:
    return world


@pytest.fixture
def proposal(world: World) -> IndicatorLibraryItem:
    """A draft proposed by 县第一中学 (县教育局, 对口 教科文股)."""
    return services.indicator_item_propose(actor=world.users["unit_user"], data=proposal_data())
