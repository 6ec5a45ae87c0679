"""May this figure tie two articles together? (DESIGN.md: a claim's ``comparable`` and ``reason``.)

A key is an identity only when it names *whose* figure it is and *what* it measures. "43
unicorns in Shanghai" is one: another article saying 40 unicorns in Shanghai disagrees with it.
"55" (a defendant's age, metric ``count``) about the article's default country is not: another
article's "5,232" under the same coarse key says nothing about it. Figures that fail are still
stored, shown and diffed within their own article; they just never make ``corroborated``,
``conflict`` or a cross-article ``changed``.

Two general rules, each with its one-line reason stored on the claim:

- the subject must be named: an entity found in the figure's sentence (or referred back to by
  "It"/"the city"), or fixed by the wording; the article's main subject used as a default is
  not a name;
- the metric must say what is measured: a metric of the lexicon, or a noun phrase with at
  least one word that is not generic (``seeds/comparable.toml`` lists the generic words);
  and it must not be one of the kinds that are never one fact reported twice: market quotes
  (a daily series), ages and prison terms, sports scores (``[never]`` in the same file).

Pure; the word lists are read once.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Final, Literal

from seeds.config import SEEDS_DIR
from seeds.lexicon import MetricLexicon

__all__ = ["SubjectOrigin", "Verdict", "judge"]

#: Where a figure's subject came from: named in (or referred to by) its sentence, fixed by the
#: wording, or the article's default; ``none`` when nothing was found.
SubjectOrigin = Literal["named", "reference", "hint", "default", "none"]

_WORDS: Final = re.compile(r"[a-z][a-z'’-]*|[\u4e00-\u9fff]+|\d+")


@dataclass(frozen=True, slots=True)
class Verdict:
    comparable: bool
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class _Generic:
    fallback: frozenset[str]
    words: frozenset[str]
    stop: frozenset[str]
    #: (reason, pattern of its words): metrics that are never compared across articles.
    never: tuple[tuple[str, re.Pattern[str]], ...]


@lru_cache(maxsize=4)
def _generic(path: Path = SEEDS_DIR / "comparable.toml") -> _Generic:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    raw = data["generic"]
    return _Generic(
        fallback=frozenset(raw["fallback"]),
        words=frozenset(w.lower() for w in (*raw["en"], *raw["zh"])),
        stop=frozenset(w.lower() for w in raw["stop"]),
        never=tuple((reason, _words_pattern(words)) for reason, words in data["never"].items()),
    )


def _words_pattern(words: list[str]) -> re.Pattern[str]:
    """Whole words for Latin script, substrings for Chinese (no spaces between its words)."""
    latin = sorted((w for w in words if w.isascii()), key=len, reverse=True)
    cjk = sorted((w for w in words if not w.isascii()), key=len, reverse=True)
    parts = [r"(?<![a-z])(?:" + "|".join(map(re.escape, latin)) + r")(?![a-z])"] if latin else []
    parts += [re.escape(w) for w in cjk]
    return re.compile("|".join(parts), re.IGNORECASE)


def _is_generic(metric: str, unit: str, lexicon: MetricLexicon) -> bool:
    """A metric with no word that names a measured thing (a lexicon metric always names one)."""
    generic = _generic()
    name = metric.strip().lower()
    if not name or name in generic.fallback or name == unit.lower():
        return True
    if lexicon.lookup(name) is not None:
        return False
    if name in generic.words:
        return True
    words = [w for w in _WORDS.findall(name) if w not in generic.stop]
    return all(w in generic.words or w.isdigit() or len(w) < 2 for w in words)


def judge(
    *, subject_origin: SubjectOrigin, metric: str, unit: str, lexicon: MetricLexicon
) -> Verdict:
    """Whether a figure's key is specific enough to compare across articles, and why not."""
    if subject_origin == "none":
        return Verdict(False, "no subject named")
    if subject_origin == "default":
        return Verdict(False, "subject is the article's default, not named with the figure")
    if _is_generic(metric, unit, lexicon):
        return Verdict(False, f"generic metric {metric!r}: says not what is measured")
    if lexicon.lookup(metric) is not None:
        return Verdict(True)
    for reason, words in _generic().never:
        if words.search(metric):
            return Verdict(False, reason)
    return Verdict(True)
