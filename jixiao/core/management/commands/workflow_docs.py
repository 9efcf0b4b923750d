"""Print docs/workflows.md from the workflow tables of every app (`make docs`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.module_loading import autodiscover_modules

from jixiao.core.workflow import REGISTRY, as_markdown


class Command(BaseCommand):
    help = "Print the workflow tables as Markdown"

    def handle(self, *args: Any, **options: Any) -> None:
        autodiscover_modules("workflow")
        parts = ["# 业务流程（由 `make docs` 根据各模块 workflow.py 生成，请勿手工编辑）", ""]
        parts.extend(as_markdown(w) for w in REGISTRY)
        self.stdout.write("\n".join(parts))
