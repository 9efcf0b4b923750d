"""Print docs/workflows.md from the workflow tables of every app (`make docs`)."""

from __future__ import annotations

from typing import Any

from django.apps import apps as django_apps
from django.core.management.base import BaseCommand
from django.utils.module_loading import autodiscover_modules

from jixiao.core.workflow import REGISTRY, Workflow, as_markdown


class Command(BaseCommand):
    help = "Print the workflow tables as Markdown"

    def handle(self, *args: Any, **options: Any) -> None:
        autodiscover_modules("workflow")
        parts = ["# 业务流程（由 `make docs` 根据各模块 workflow.py 生成，请勿手工编辑）", ""]
        # Lifecycle order: the order of the apps in INSTALLED_APPS, then the order inside each workflow module.
        apps = [config.name for config in django_apps.get_app_configs()]

        def position(workflow: Workflow) -> tuple[int, str, int]:
            owner = next((i for i, name in enumerate(apps) if workflow.module.startswith(name + ".")), len(apps))
            return owner, workflow.module, workflow.line

        parts.extend(as_markdown(w) for w in sorted(REGISTRY, key=position))
        self.stdout.write("\n".join(parts))
