"""Load the starter indicator library (frameworks, categories, indicators). Safe to run again."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from jixiao.indicators.library_data import load_starter_library


class Command(BaseCommand):
    help = "Create the missing parts of the starter indicator library (idempotent)"

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            created = load_starter_library(apps.get_model)
        self.stdout.write(f"指标库初始数据：新增分类{created['categories']}个，新增指标{created['items']}条")
