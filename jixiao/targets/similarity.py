"""Similar-target detection (相似目标): spot duplicate projects across departments (DOMAIN.md §2.2, seed 002
"绩效目标相同的同类项目，建议整合统筹资金").

Chinese text has no word breaks, so texts are compared as character bigrams (cosine similarity) on the name, the
annual goal and the indicator names. Candidates are the same year and region within the user's scope, fetched
as plain columns in two queries; the county has about a thousand targets a year, so scoring them here is cheap.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from jixiao.targets.models import PerformanceTarget, TargetIndicator

# How much each part of a target counts in the overall score.
WEIGHTS = {"name": 0.4, "goal": 0.3, "indicators": 0.3}
_NOISE = re.compile(r"[^\w]|[\d_]")


@dataclass(frozen=True)
class SimilarTarget:
    target: PerformanceTarget
    score: float  # 0..1
    reason: str


@dataclass(frozen=True)
class _Profile:
    name: Counter[str]
    goal: Counter[str]
    indicators: Counter[str]
    indicator_names: frozenset[str]


def bigrams(text: str) -> Counter[str]:
    """Character bigrams of the text without punctuation and digits (a lone character counts as itself)."""
    s = _NOISE.sub("", unicodedata.normalize("NFKC", text)).lower()
    if len(s) < 2:
        return Counter([s] if s else [])
    return Counter(s[i : i + 2] for i in range(len(s) - 1))


def cosine(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(count * b[gram] for gram, count in a.items() if gram in b)
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return dot / norm


def _profile(name: str, goal: str, indicator_names: list[str]) -> _Profile:
    cleaned = frozenset("".join(n.split()) for n in indicator_names)
    return _Profile(bigrams(name), bigrams(goal), bigrams("；".join(sorted(cleaned))), cleaned)


def _score(a: _Profile, b: _Profile) -> tuple[float, str]:
    parts = {
        "name": cosine(a.name, b.name),
        "goal": cosine(a.goal, b.goal),
        "indicators": cosine(a.indicators, b.indicators),
    }
    score = sum(WEIGHTS[k] * v for k, v in parts.items())
    shared = len(a.indicator_names & b.indicator_names)
    reason = "名称相似度{:.0%}，年度目标相似度{:.0%}，指标相似度{:.0%}".format(
        parts["name"], parts["goal"], parts["indicators"]
    )
    if shared:
        reason += f"，相同指标{shared}项"
    return score, reason


def _indicator_names(target: PerformanceTarget, candidates: QuerySet[PerformanceTarget]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = {}
    wanted = Q(target_id=target.pk) | Q(target_id__in=candidates.values("id"))
    for target_id, name in TargetIndicator.objects.filter(wanted).values_list("target_id", "name"):
        names.setdefault(target_id, []).append(name)
    return names


def similar_targets(
    user: Any, target: PerformanceTarget, limit: int = 10, min_score: float = 0.1
) -> list[SimilarTarget]:
    """The other targets of the same year and region that `user` may see, most similar first."""
    candidates = (
        PerformanceTarget.objects.visible_to(user)
        .filter(fiscal_year=target.fiscal_year, region_id=target.region_id)
        .exclude(pk=target.pk)
    )
    rows = list(candidates.values_list("id", "name", "annual_goal"))
    names = _indicator_names(target, candidates)
    mine = _profile(target.name, target.annual_goal, names.get(target.pk, []))
    scored = []
    for pk, name, goal in rows:
        score, reason = _score(mine, _profile(name, goal, names.get(pk, [])))
        if score >= min_score:
            scored.append((score, pk, reason))
    scored.sort(key=lambda s: (-s[0], s[1]))
    top = scored[:limit]
    objects = PerformanceTarget.objects.select_related("department", "unit", "project").in_bulk([s[1] for s in top])
    return [SimilarTarget(objects[pk], float(f"{score:.4f}"), reason) for score, pk, reason in top]
