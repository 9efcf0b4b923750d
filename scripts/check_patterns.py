"""House-style checks that linters cannot express (run by `make lint`).

1. Views and API views never touch `Model.objects` directly: they read through selectors and write
   through services (ARCHITECTURE.md). `.objects.none()` is allowed as a schema placeholder.
2. No CDN links in templates: government intranets cannot reach one.
3. Python's banker's-rounding `round(` is not used on money (DOMAIN.md §0.3).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OBJECTS = re.compile(r"\.objects\.(?!none\(\))")
CDN = re.compile(r"""(src|href)=["']https?://""")
ROUND = re.compile(r"(?<![\w.])round\(")


def main() -> int:
    problems: list[str] = []
    for path in ROOT.glob("jixiao/**/*.py"):
        rel = path.relative_to(ROOT)
        text = path.read_text(encoding="utf-8")
        is_view = path.name == "views.py" or (path.parent.name == "api" and path.name == "views.py")
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
