"""Score the figure extractor against the hand-labelled gold file, per category.

A predicted claim matches a gold claim when value and unit agree (values within 0.01% to absorb
rounding of shares); matched pairs are then checked attribute by attribute. Gold fields may
list several acceptable answers (a metric that could fairly be worded two ways). Lines with no
gold claims are traps: anything extracted from them is a false positive.

Used by ``tests/test_figures_gold.py`` (floors) and ``benchmarks/figures_gold.py`` (the table).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.figures import Claim, extract_claims

__all__ = ["GOLD", "Counts", "Score", "load_gold", "score_gold", "table"]

GOLD = Path(__file__).with_name("figures.jsonl")
ATTRIBUTES = ("approx", "subject", "metric", "period")


@dataclass
class Counts:
    """True and false positives and false negatives, and what they make."""

    tp: int = 0  # value and unit match
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Score(Counts):
    """Counts for one category (or the total)."""

    value_tp: int = 0  # value matches whatever the unit
    attributes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ATTRIBUTES, 0))
    strict: int = 0  # every attribute right
    misses: list[str] = field(default_factory=list)

    def accuracy(self, attribute: str) -> float:
        """Share of matched figures whose ``attribute`` is right."""
        return self.attributes[attribute] / self.tp if self.tp else 1.0

    def add(self, other: Score) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        self.value_tp += other.value_tp
        self.strict += other.strict
        for name in ATTRIBUTES:
            self.attributes[name] += other.attributes[name]
        self.misses += other.misses


def load_gold(path: Path = GOLD) -> list[dict[str, Any]]:
    """The gold lines: id, category, lang, published, text, claims."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _same_value(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-4, abs_tol=1e-6)


def _options(expected: Any) -> list[Any]:
    return expected if isinstance(expected, list) else [expected]


def _attribute_ok(name: str, gold: dict[str, Any], claim: Claim) -> bool:
    got = getattr(claim, name)
    for option in _options(gold[name]):
        if option is None and got is None:
            return True
        if option is not None and got is not None and str(option).lower() == str(got).lower():
            return True
    return False


def _score_line(line: dict[str, Any]) -> Score:
    published = dt.date.fromisoformat(line["published"]) if line.get("published") else None
    claims = extract_claims(line["text"], lang=line["lang"], published=published)
    score = Score()
    unmatched = list(claims)
    for gold in line["claims"]:
        match = next(
            (
                c
                for c in unmatched
                if _same_value(c.value, gold["value"]) and c.unit == gold["unit"]
            ),
            None,
        )
        if match is None:
            loose = next((c for c in unmatched if _same_value(c.value, gold["value"])), None)
            score.fn += 1
            if loose is not None:
                score.value_tp += 1
                unmatched.remove(loose)
            score.misses.append(f"{line['id']} missed {gold['value']:g} {gold['unit']}")
            continue
        unmatched.remove(match)
        score.tp += 1
        score.value_tp += 1
        right = [name for name in ATTRIBUTES if _attribute_ok(name, gold, match)]
        for name in right:
            score.attributes[name] += 1
        if len(right) == len(ATTRIBUTES):
            score.strict += 1
        else:
            wrong = ", ".join(
                f"{n}={getattr(match, n)!r} (want {gold[n]!r})"
                for n in ATTRIBUTES
                if n not in right
            )
            score.misses.append(f"{line['id']} {gold['value']:g} {gold['unit']}: {wrong}")
    score.fp += len(unmatched)
    for claim in unmatched:
        score.misses.append(f"{line['id']} extra {claim.value:g} {claim.unit} ({claim.key})")
    return score


def score_gold(lines: Iterable[dict[str, Any]] | None = None) -> dict[str, Score]:
    """Scores by category, plus ``"all"``, ``"en"`` and ``"zh"``."""
    scores: dict[str, Score] = defaultdict(Score)
    for line in load_gold() if lines is None else lines:
        line_score = _score_line(line)
        for bucket in (line["category"], line["lang"], "all"):
            scores[bucket].add(line_score)
    return dict(scores)


def table(scores: dict[str, Score]) -> Iterator[str]:
    """The per-category table as lines of text."""
    yield (
        f"{'category':<16}{'gold':>5}{'P':>7}{'R':>7}{'F1':>7}{'valF1':>7}"
        f"{'approx':>8}{'subj':>7}{'metric':>8}{'period':>8}{'strict':>8}"
    )
    order = [*sorted(k for k in scores if k not in ("all", "en", "zh")), "en", "zh", "all"]
    for name in order:
        s = scores[name]
        value_p = s.value_tp / (s.value_tp + s.fp) if s.value_tp + s.fp else 1.0
        value_r = s.value_tp / (s.tp + s.fn) if s.tp + s.fn else 1.0
        value_f1 = 2 * value_p * value_r / (value_p + value_r) if value_p + value_r else 0.0
        yield (
            f"{name:<16}{s.tp + s.fn:>5}{s.precision:>7.2f}{s.recall:>7.2f}{s.f1:>7.2f}"
            f"{value_f1:>7.2f}{s.accuracy('approx'):>8.2f}{s.accuracy('subject'):>7.2f}"
            f"{s.accuracy('metric'):>8.2f}{s.accuracy('period'):>8.2f}"
            f"{(s.strict / s.tp if s.tp else 1.0):>8.2f}"
        )
