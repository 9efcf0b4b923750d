"""House-style checks that linters cannot express (run by `make lint`).

1. Views (`views.py`, `views_*.py`, `api/views.py`) never touch `Model.objects` directly: they read through
   selectors and write through services (ARCHITECTURE.md). `.objects.none()` is allowed as a schema placeholder.
2. No CDN links in templates: government intranets cannot reach one.
3. Python's banker's-rounding `round(` is not used on money (DOMAIN.md §0.3).
4. Read models are not bypassed (outside tests and migrations):
   - projects are not changed by `Project.objects….update()` or `bulk_update()`: the read models that follow a
     project's status, year, department, region, budget and deletion (the department execution rollup, the region
     light counts) are kept by its save and delete signals (`execution/apps.py`, `alerts/receivers.py`), which a
     bulk write skips. Save the rows, or call `department_rollup_refresh` and `light_counts_refresh`;
   - payments are written by `jixiao.execution` (imports and services, which keep the project × month rollup and
     the payment totals: `rollup_refresh`) and the demo builders (which rebuild them), nowhere else;
   - warning lights are written by `jixiao.alerts` (the sweep, which keeps the region light counts that the
     dashboard card and the 待整改问题 count read: `light_counts_refresh`), nowhere else.
   A call that refreshes the read models itself is marked `# read models refreshed`.
5. Views do not catch `NotFoundError`: a service's "not found" is answered 404 by one place
   (`core.middleware.NotFoundMiddleware` for pages, `core.api.exception_handler` for the API), and a view's
   `except DomainError` does not see it (core/errors.py).
6. No merge-conflict markers left in a text file Python does not parse (docs, templates, styles, scripts): a
   half-resolved merge of docs/architecture.md stood unseen for five sessions.
7. A view's refusal answers with its page and the refusal's status (docs/architecture.md): an `except …Error`
   handler that shows `messages.error` returns (the page again, status 4xx). One that falls through to the view's
   `return redirect(…)` answers 302, and the page that follows says nothing of a refusal to anything but a person;
   a deliberate one is marked `# refusal redirects: <why>` on its `except` line.
8. The years a 年度 may be (2000–2100) are `core.numbers.FIRST_YEAR`/`LAST_YEAR`, read through `core.forms.YearField`,
   `core.filters.YearFilter` and `is_year`: no other code writes the number 2100 or a message "2000至2100"
   (seventy restatements were folded in session 25).
"""

from __future__ import annotations

import ast
import io
import re
import sys
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OBJECTS = re.compile(r"\.objects\.(?!none\(\))")
CDN = re.compile(r"""(src|href)=["']https?://""")
ROUND = re.compile(r"(?<![\w.])round\(")
NOT_FOUND = re.compile(r"except\b.*\bNotFoundError\b|isinstance\(.*\bNotFoundError\b")
CONFLICT = re.compile(r"^(<{7}|>{7}) ")  # not ======= alone: a Markdown heading may be underlined so
TEXT_FILES = ("README.md", "docs/**/*.md", "templates/**/*.html", "static/css/*.css", "static/js/*.js", "Makefile")


# Model → (manager methods that write around the model's read models, the apps allowed to call them).
GUARDED_WRITES: dict[str, tuple[set[str], set[str]]] = {
    "Project": ({"update", "bulk_update"}, set()),
    "Payment": ({"create", "bulk_create", "update", "bulk_update", "delete"}, {"execution", "demo"}),
    "ProjectLight": (
        {"create", "bulk_create", "update", "bulk_update", "delete", "update_or_create", "get_or_create"},
        {"alerts"},
    ),
}
REFRESHED = "# read models refreshed"


def guarded_writes(text: str, app: str = "") -> list[tuple[int, str]]:
    """(line, model) of `Model.objects….method(…)` calls of GUARDED_WRITES outside the model's allowed apps, however
    the chain is wrapped, unless marked REFRESHED."""
    lines = text.splitlines()
    found = []
    for node in ast.walk(ast.parse(text)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        receiver: ast.expr = node.func.value
        while isinstance(receiver, (ast.Call, ast.Attribute)):
            if (
                isinstance(receiver, ast.Attribute)
                and receiver.attr == "objects"
                and isinstance(receiver.value, ast.Name)
            ):
                methods, apps = GUARDED_WRITES.get(receiver.value.id, (set(), set()))
                marked = any(REFRESHED in line for line in lines[node.lineno - 1 : node.end_lineno])
                if node.func.attr in methods and app not in apps and not marked:
                    found.append((node.lineno, receiver.value.id))
                break
            receiver = receiver.func if isinstance(receiver, ast.Call) else receiver.value
    return found


def conflict_markers(root: Path) -> list[str]:
    """Lines a merge left behind (rule 6), in the text files no parser reads."""
    found = []
    for pattern in TEXT_FILES:
        for path in sorted(root.glob(pattern)):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if CONFLICT.match(line):
                    found.append(f"{path.relative_to(root)}:{number}: a merge-conflict marker is left (rule 6)")
    return found


REDIRECT_MARK = "# refusal redirects:"


def _calls(node: ast.AST, dotted: str) -> bool:
    return any(isinstance(n, ast.Call) and ast.unparse(n.func) == dotted for n in ast.walk(node))


def refusal_redirects(text: str) -> list[int]:
    """Lines of `except …Error` handlers (rule 7) that call messages.error, neither return nor raise, and are
    followed in their block by `return redirect(…)`."""
    tree = ast.parse(text)
    lines = text.splitlines()
    found = []
    for parent in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(parent, field, None)
            if not isinstance(block, list):
                continue
            for index, statement in enumerate(block):
                if not isinstance(statement, ast.Try):
                    continue
                later = block[index + 1 :]
                redirects = any(
                    isinstance(n, ast.Return) and n.value is not None and _calls(n.value, "redirect") for n in later
                )
                if not redirects:
                    continue
                for handler in statement.handlers:
                    kind = ast.unparse(handler.type) if handler.type is not None else ""
                    body = ast.Module(body=handler.body, type_ignores=[])
                    leaves = any(isinstance(n, (ast.Return, ast.Raise)) for n in ast.walk(body))
                    marked = REDIRECT_MARK in lines[handler.lineno - 1]
                    if "Error" in kind and _calls(body, "messages.error") and not leaves and not marked:
                        found.append(handler.lineno)
    return sorted(found)


YEAR_TEXT = re.compile(r"2000\s*[至到—–~-]\s*2100")


def year_bounds(text: str) -> list[int]:
    """Lines (rule 8) whose code holds the number 2100 or a string saying 2000至2100: comments and docstrings may
    name the years; code reads them from core.numbers."""
    found = []
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if (token.type == tokenize.NUMBER and token.string == "2100") or (
            token.type == tokenize.STRING and YEAR_TEXT.search(token.string) and not token.string.startswith('"""')
        ):
            found.append(token.start[0])
    return sorted(set(found))


def main() -> int:
    problems: list[str] = []
    for path in ROOT.glob("jixiao/**/*.py"):
        rel = path.relative_to(ROOT)
        text = path.read_text(encoding="utf-8")
        is_view = path.name.startswith("views") and path.suffix == ".py"  # views.py, views_*.py, api/views.py
        if "tests" not in rel.parts and "migrations" not in rel.parts:
            app = rel.parts[1] if len(rel.parts) > 2 else ""
            for number, model in guarded_writes(text, app):
                problems.append(
                    f"{rel}:{number}: this {model} write skips the read models kept beside it (rule 4): write through "
                    f"the model's services, or refresh them and mark the call '{REFRESHED}'"
                )
        if "tests" not in rel.parts and "migrations" not in rel.parts and rel.as_posix() != "jixiao/core/numbers.py":
            for number in year_bounds(text):
                problems.append(
                    f"{rel}:{number}: a year's bounds are core.numbers.FIRST_YEAR/LAST_YEAR (rule 8): use YearField, "
                    "YearFilter or is_year, or an f-string of the constants"
                )
        if is_view and "tests" not in rel.parts:
            for number in refusal_redirects(text):
                problems.append(
                    f"{rel}:{number}: a refusal shows its page with its status, not a redirect (rule 7): return the "
                    f"page with exc.status_code, or mark the except line '{REDIRECT_MARK} <why>'"
                )
        for number, line in enumerate(text.splitlines(), start=1):
            if is_view and OBJECTS.search(line):
                problems.append(f"{rel}:{number}: views must read through selectors, not Model.objects")
            if path.name.startswith("views") and NOT_FOUND.search(line):
                problems.append(f"{rel}:{number}: views leave NotFoundError to NotFoundMiddleware (rule 5)")
            if ROUND.search(line) and "tests" not in rel.parts:
                problems.append(f"{rel}:{number}: use Decimal.quantize(ROUND_HALF_UP), not round()")
    for path in ROOT.glob("templates/**/*.html"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if CDN.search(line):
                problems.append(f"{path.relative_to(ROOT)}:{number}: no CDN or external asset links")
    problems.extend(conflict_markers(ROOT))
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
