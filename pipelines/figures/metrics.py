"""Turn the words a figure counts or measures into a stable metric name.

"43 unicorns", "43 unicorn startups" and "43家独角兽企业" must give the same metric, or the
change log would see three unrelated figures. Known phrases map to the lexicon's canonical name
(``seeds/metrics.toml``); unknown ones are lemmatized (singular head, lower-case common words)
so at least inflection does not split keys.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from seeds.lexicon import Metric, MetricLexicon

__all__ = [
    "DETERMINERS",
    "GENERIC_MODIFIERS",
    "display_words",
    "is_money",
    "metric_from_words",
    "normalize_metric",
    "singular",
    "unit_allows",
]

#: Words dropped from the front of a noun phrase before it becomes a metric.
DETERMINERS: Final = frozenset(
    {
        "a",
        "an",
        "the",
        "its",
        "their",
        "his",
        "her",
        "our",
        "all",
        "these",
        "those",
        "this",
        "that",
        "some",
        "such",
        "other",
        "any",
        "each",
        "every",
        "both",
    }
)

#: Modifiers that do not change what is counted ("43 *new* unicorns" is still unicorns).
GENERIC_MODIFIERS: Final = frozenset(
    {
        "new",
        "newly",
        "more",
        "additional",
        "other",
        "total",
        "registered",
        "active",
        "leading",
        "major",
        "big",
        "large",
        "key",
        "annual",
        "yearly",
        "monthly",
        "daily",
        "current",
        "existing",
        "about",
        "some",
        "over",
        "nearly",
        "approximately",
        "roughly",
        "record",
        "cumulative",
        "overall",
        "combined",
        "local",
        "domestic",
        "municipal",
        "provincial",
        "such",
    }
)

_NO_SINGULAR: Final = frozenset(
    {
        "news",
        "series",
        "species",
        "sales",
        "goods",
        "means",
        "headquarters",
        "physics",
        "economics",
        "logistics",
        "electronics",
        "robotics",
        "analytics",
        "mathematics",
        "data",
        "this",
        "its",
        "has",
        "was",
        "is",
        "as",
        "us",
        "gas",
        "bus",
        "plus",
        "status",
        "campus",
        "corpus",
        "census",
        "basis",
        "analysis",
        "thesis",
        "crisis",
        "emphasis",
        "process",
        "access",
        "business",
        "class",
        "glass",
        "mass",
        "press",
        "progress",
        "success",
        "loss",
        "ross",
    }
)
_IRREGULAR: Final = {
    "people": "people",
    "children": "child",
    "men": "man",
    "women": "woman",
    "staff": "staff",
    "criteria": "criterion",
    "phenomena": "phenomenon",
}
_ACRONYM: Final = re.compile(r"^[A-Z0-9&]{2,}s?$")


def singular(word: str) -> str:
    """Singular of an English plural noun by suffix rules, good enough for news nouns."""
    lower = word.lower()
    if lower in _IRREGULAR:
        return _IRREGULAR[lower] if word.islower() else word
    if _ACRONYM.match(word) and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]  # "IPOs" -> "IPO"
    if len(lower) <= 3 or lower in _NO_SINGULAR or not lower.endswith("s"):
        return word
    if lower.endswith(("'s", "’s")):
        return word  # a possessive, not a plural
    if lower.endswith(("ss", "us", "is")):
        return word
    if lower.endswith("ies") and len(lower) > 4:
        return word[:-3] + "y"
    if lower.endswith(("sses", "ches", "shes", "xes", "zes")):
        return word[:-2]
    return word[:-1]


def _display(word: str) -> str:
    # Keep case for acronyms and proper nouns (AI, R&D, China's); lower-case the rest.
    if any(c.isupper() for c in word[1:]) or _ACRONYM.match(word):
        return word
    if word[:1].isupper() and ("'" in word or "’" in word):
        return word
    return word.lower()


def display_words(words: Sequence[str]) -> str:
    """Words as a metric phrase: leading determiners dropped, casing normalized."""
    kept = list(words)
    while kept and kept[0].lower() in DETERMINERS:
        kept.pop(0)
    return " ".join(_display(w) for w in kept)


def is_money(unit: str) -> bool:
    """Whether ``unit`` is an ISO 4217 code (the only upper-case three-letter units)."""
    return len(unit) == 3 and unit.isascii() and unit.isalpha() and unit.isupper()


def unit_allows(metric: Metric, unit: str) -> bool:
    """Whether ``metric`` can describe a figure in ``unit``.

    ``"money"`` in a metric's units stands for every currency code, so that a venture total
    in dollars and one in yuan share a metric without listing currencies.
    """
    if not metric.units:
        return True
    return unit in metric.units or ("money" in metric.units and is_money(unit))


def metric_from_words(words: Sequence[str], lexicon: MetricLexicon, unit: str) -> str | None:
    """The metric named by a noun phrase (head last), or None if nothing is left of it.

    The longest lexicon term ending the phrase gives the canonical name; remaining modifiers
    are kept in front unless they are generic ("AI startups" stays apart from "startups",
    "new tech startups" does not).
    """
    kept = [w for w in words if w]
    while kept and kept[0].lower() in DETERMINERS:
        kept.pop(0)
    if not kept:
        return None
    found = lexicon.match_head(kept)
    if found is not None and unit_allows(found[0], unit):
        metric, size = found
        rest = [w for w in kept[: len(kept) - size] if w.lower() not in GENERIC_MODIFIERS]
        return " ".join([*(_display(w) for w in rest), metric.name]) if rest else metric.name
    # "new" is generic in "new startups" but part of the name in "new energy vehicle output".
    named = any(lexicon.lookup(" ".join(kept[:size])) for size in range(2, len(kept)))
    while not named and len(kept) > 1 and kept[0].lower() in GENERIC_MODIFIERS:
        kept.pop(0)
    head = singular(kept[-1])
    return " ".join([*(_display(w) for w in kept[:-1]), _display(head)])


def normalize_metric(metric: str) -> str:
    """The metric as it appears in a claim key: lower-case, single spaces, no ``|``."""
    return " ".join(metric.lower().replace("|", "/").split())
