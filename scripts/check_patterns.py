"""House-style checks that linters cannot express (run by `make lint`).

1. Views and API views never touch `Model.objects` directly: they read through selectors and write
   through services (ARCHITECTURE.md). `.objects.none()` is allowed as a schema placeholder.
2. No CDN links in templates: government intranets cannot reach one.
3. Python's banker's-rounding `round(` is not used on money (DOMAIN.md §0.3).
4. Projects are not changed by `Project.objects….update()` or `bulk_update()` outside tests and migrations: the
   read models that follow a project's status, year, department, region, budget and deletion (the department
   execution rollup, the region light counts) are kept by its save and delete signals (`execution/apps.py`,
   `alerts/receivers.py`), which a bulk write skips. Save the rows, or call `department_rollup_refresh` and
   `light_counts_refresh` and mark the line `# read models refreshed`.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OBJECTS = re.compile(r"\.objects\.(?!none\(\))")
CDN = re.compile(r"""(src|href)=["']https?://""")
ROUND = re.compile(r"(?<![\w.])round\(")


BULK_WRITES = {"update", "bulk_update"}
REFRESHED = "# read models refreshed"


def project_bulk_writes(text: str) -> list[int]:
    """Lines of `Project.objects….update(…)` / `.bulk_update(…)` calls, however the chain is wrapped."""
    lines = text.splitlines()
    found = []
    for node in ast.walk(ast.parse(text)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in BULK_WRITES):
            continue
        receiver: ast.expr = node.func.value
        while isinstance(receiver, (ast.Call, ast.Attribute)):
            if (
                isinstance(receiver, ast.Attribute)
                and receiver.attr == "objects"
                and isinstance(receiver.value, ast.Name)
                and receiver.value.id == "Project"
            ):
                if not any(REFRESHED in line for line in lines[node.lineno - 1 : node.end_lineno]):
                    found.append(node.lineno)
                break
            receiver = receiver.func if isinstance(receiver, ast.Call) else receiver.value
    return found


def main() -> int:
    problems: list[str] = []
    for path in ROOT.glob("jixiao/**/*.py"):
        rel = path.relative_to(ROOT)
        text = path.read_text(encoding="utf-8")
        is_view = path.name == "views.py" or (path.parent.name == "api" and path.name == "views.py")
        if "tests" not in rel.parts and "migrations" not in rel.parts:
            for number in project_bulk_writes(text):
                problems.append(
                    f"{rel}:{number}: Project bulk writes skip the read models' signals: save the rows, or refresh "
                    f"them and mark the call '{REFRESHED}'"
                )
        for number, line in enumerate(text.splitlines(), start=1):
            if is_view and OBJECTS.search(line):
                problems.append(f"{rel}:{number}: views must read through selectors, not Model.objects")
            if ROUND.search(line) and "tests" not in rel.parts:
                problems.append(f"{rel}:{number}: use Decimal.quantize(ROUND_HALF_UP), not round()")
    for path in ROOT.glob("templates/**/*.html"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if CDN.search(line):
                problems.append(f"{path.relative_to(ROOT)}:{number}: no CDN or external asset links")
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
