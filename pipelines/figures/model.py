"""The claim record (DESIGN.md, "A figure (claim) as JSON") and the internal mention record.

A *mention* is what a language module finds inside one sentence: value, unit, approximator, span
and whatever the wording says about the metric. A *claim* is a mention placed in the document:
absolute span, subject, period and key. Keeping the two apart lets the English and Chinese
modules stay ignorant of gazetteers, dates and keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

if TYPE_CHECKING:
    from seeds.lexicon import Metric, MetricLexicon

__all__ = [
    "APPROX",
    "Approx",
    "Claim",
    "Mention",
    "Role",
    "SentenceReader",
]

Approx = Literal["exact", "over", "under", "about", "nearly", "range"]
APPROX: Final = ("exact", "over", "under", "about", "nearly", "range")

#: Position of a figure in a before/after pair ("from 80% to 37%"), or None.
Role = Literal["from", "to"] | None


@dataclass(frozen=True, slots=True)
class Claim:
    """One quantitative claim, as stored and shown (``as_dict`` is the JSON contract)."""

    value: float
    unit: str
    approx: str
    subject: str | None
    metric: str | None
    period: str | None
    key: str
    sentence: str
    start: int
    end: int
    lang: str
    #: Whether the key may tie this figure to other articles' (pipelines/figures/comparable.py).
    comparable: bool = True
    #: Why not, when ``comparable`` is False.
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The claim as the JSON object of DESIGN.md, keys in contract order."""
        return {
            "value": self.value,
            "unit": self.unit,
            "approx": self.approx,
            "subject": self.subject,
            "metric": self.metric,
            "period": self.period,
            "key": self.key,
            "sentence": self.sentence,
            "start": self.start,
            "end": self.end,
            "lang": self.lang,
            "comparable": self.comparable,
            "reason": self.reason,
        }


@dataclass(slots=True)
class Mention:
    """A figure found in one sentence; offsets are relative to the sentence.

    ``metric_span`` covers the words the metric was read from, so that an entity inside them
    ("42% of *China's* advanced chips") is not taken for the subject. ``inherit`` marks an
    elided metric ("surpassing Shenzhen's 38") to be copied from the previous figure;
    ``possessor_end`` is where an owning "X's" ends, right before the number. ``subject_hint``
    names the subject when the wording fixes it ("the national average of 2.7%" -> China).
    """

    value: float
    unit: str
    approx: str
    start: int
    end: int
    metric: str | None = None
    metric_span: tuple[int, int] | None = None
    inherit: bool = False
    possessor_end: int | None = None
    role: Role = None
    subject_kinds: tuple[str, ...] = ()
    subject_hint: str | None = None


class SentenceReader:
    """Reads the figures of one sentence; holds the sentence so helpers stay small.

    The English and Chinese readers differ in how they read numbers, not in this: each
    finds the sentence's lexicon terms once (not once per figure) through ``_find_terms``.
    """

    def __init__(self, text: str, lexicon: MetricLexicon) -> None:
        self.text = text
        self.lexicon = lexicon
        self.out: list[Mention] = []
        self._terms: list[tuple[int, int, Metric]] | None = None

    def _find_terms(self) -> list[tuple[int, int, Metric]]:
        raise NotImplementedError

    @property
    def terms(self) -> list[tuple[int, int, Metric]]:
        """Lexicon terms of the sentence, found on first use."""
        if self._terms is None:
            self._terms = self._find_terms()
        return self._terms
