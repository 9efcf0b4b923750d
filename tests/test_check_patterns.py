"""The house-style checks (scripts/check_patterns.py): writes that skip read models (rule 4) are found however the
call is wrapped, and other models, the apps that keep the read models, and marked calls pass; merge-conflict markers
(rule 6) and refusals that answer with a redirect (rule 7) are found."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "check_patterns.py"


def _checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_patterns", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_guarded_writes_are_found_on_any_line_of_the_chain() -> None:
    code = """
Project.objects.filter(pk=1).update(status="in_library")
Project.objects.filter(
    region=region,
).exclude(is_deleted=True).update(
    department_id=2,
)
Project.objects.bulk_update(rows, ["status"])
Target.objects.filter(pk=1).update(status="approved")
Project.objects.filter(pk=1).update(tier="key")  # read models refreshed
values.update({"a": 1})
"""
    found = [(2, "Project"), (3, "Project"), (8, "Project")]
    assert _checker().guarded_writes(code) == found
    assert _checker().guarded_writes(code, "execution") == found  # no app may bulk-write projects


def test_payments_are_written_only_where_their_rollups_are_kept() -> None:
    code = """
Payment.objects.bulk_create(rows)
Payment.objects.filter(project=p).delete()
Payment.objects.filter(pk=1).exists()
"""
    assert _checker().guarded_writes(code, "results") == [(2, "Payment"), (3, "Payment")]
    assert _checker().guarded_writes(code, "execution") == []
    assert _checker().guarded_writes(code, "demo") == []


def test_lights_are_written_only_by_the_sweep_that_keeps_their_region_counts() -> None:
    code = """
ProjectLight.objects.create(project=p, fiscal_year=2026, color="RED")
ProjectLight.objects.filter(project=p).update(color="GREEN")
ProjectLight.objects.filter(color="RED").count()
"""
    assert _checker().guarded_writes(code, "rectification") == [(2, "ProjectLight"), (3, "ProjectLight")]
    assert _checker().guarded_writes(code, "alerts") == []


def test_merge_conflict_markers_are_found_in_docs_and_templates(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    merged = "| a |\n<<<<<<< HEAD\n| b |\n=======\n| c |\n>>>>>>> s18\n"
    (tmp_path / "docs" / "a.md").write_text(merged, encoding="utf-8")
    (tmp_path / "README.md").write_text("标题\n=======\n\nSetext headings underline with = signs.\n", encoding="utf-8")
    assert _checker().conflict_markers(tmp_path) == [
        "docs/a.md:2: a merge-conflict marker is left (rule 6)",
        "docs/a.md:6: a merge-conflict marker is left (rule 6)",
    ]  # the README's underlined heading is not one


REFUSALS = """
def falls_through(request, pk):
    try:
        services.step(actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "操作成功")
    return redirect("app:detail", pk=pk)


def shows_the_page(request, pk):
    try:
        services.step(actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _detail(request, pk, status=exc.status_code)
    return redirect("app:detail", pk=pk)


def renders_after(request, pk):
    status = 200
    try:
        services.step(actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        status = exc.status_code
    return render(request, "app/detail.html", {}, status=status)


def marked(request, pk):
    try:
        services.step(actor=request.user)
    except DomainError as exc:  # refusal redirects: saved first; the page shows what was saved
        messages.error(request, exc.message)
    return redirect("app:detail", pk=pk)
"""


def test_a_refusal_that_falls_through_to_a_redirect_is_found() -> None:
    """Rule 7: the handler that shows its message and lets the view redirect (302) is found; one that returns the
    page, a view that renders after the handler, and a marked handler are not."""
    assert _checker().refusal_redirects(REFUSALS) == [REFUSALS.splitlines().index("    except DomainError as exc:") + 1]


YEARS = '''
def f(year):
    """A year from 2000 to 2100 (a docstring may say so)."""
    # a comment may name 2100 too
    if not 2000 <= year <= 2100:
        raise DomainError("年度应在2000至2100之间")
    return forms.IntegerField(min_value=FIRST_YEAR, max_value=LAST_YEAR, help_text=f"{FIRST_YEAR}至{LAST_YEAR}")
'''


def test_a_restated_year_bound_is_found_in_code_not_in_comments() -> None:
    """Rule 8: the number 2100 and a message saying 2000至2100 are found; a docstring, a comment and the constants
    are not."""
    lines = YEARS.splitlines()
    assert _checker().year_bounds(YEARS) == [
        lines.index("    if not 2000 <= year <= 2100:") + 1,
        lines.index('        raise DomainError("年度应在2000至2100之间")') + 1,
    ]


def test_the_repository_passes_its_own_checks() -> None:
    assert _checker().main() == 0
