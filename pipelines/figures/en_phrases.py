"""Noun phrases around an English figure: the words after a number ("43 *unicorn startups*"),
the "of" target of a share ("42% *of China's advanced chip output*"), the phrase before "from"
("cut *its reliance on imported inputs* from 80%"), fact-box labels and nearby lexicon terms.

``en_metrics.py`` turns these words into a metric name; the stop words are data
(``seeds/english.toml``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from seeds.lexicon import Metric, MetricLexicon

from .metrics import DETERMINERS, display_words, is_money, metric_from_words, unit_allows
from .vocabulary import words

__all__ = [
    "AUXILIARIES",
    "COUNTRY_OWNERS",
    "DECLINE_VERB",
    "GROWTH_VERB",
    "LEFT_STOP",
    "MONEY_HEADS",
    "NATIONAL_AVERAGE",
    "NP_STOP",
    "OF_COUNTED",
    "OF_PHRASE",
    "PER",
    "PRONOUN_OBJ",
    "WORD",
    "clause_bounds",
    "is_physical",
    "label_metric",
    "lexicon_near",
    "np_words",
    "of_target",
    "phrase_before",
    "share_words",
    "subset_words",
]

#: A noun phrase after a number ends at one of these (or at punctuation). (seeds/english.toml)
NP_STOP: Final = words("np_stop")

OF_COUNTED: Final = re.compile(
    r"\s+of\s+(?:the\s+|its\s+|their\s+)?(?:[\w\-]+['’]s\s+)?(?:top\s+)?\d[\d,]*\s"
)

TOP_N: Final = re.compile(r"\s+(?P<n>\d{1,4})\b")

#: Heads that measure another noun ("pieces of equipment"). (seeds/english.toml)
PARTITIVE: Final = words("partitive")

WORD: Final = re.compile(r"[A-Za-z][A-Za-z0-9'’&\-]*|R&D")

SPACE_WORD: Final = re.compile(r"[ \t]*(?P<w>[A-Za-z][A-Za-z0-9'’&\-]*)")

OF_PHRASE: Final = re.compile(
    r"\s+of\s+(?:(?:the|all|its|their|his|her|our|this|these|those)\s+)*", re.IGNORECASE
)

PRONOUN_OBJ: Final = re.compile(r"\s+of\s+(?:them|it)\b", re.IGNORECASE)

PER: Final = re.compile(
    r"\s*(?:per|for\s+every)\s+(?P<n>\d{1,3}(?:,\d{3})+|\d+)\s+(?P<w>[a-z]+)", re.IGNORECASE
)

GROWTH_VERB: Final = re.compile(
    r"\b(?:grow|grew|grown|growing|rose|risen|rise|rising|increased?|increasing|jump(?:ed|s)?|"
    r"surged?|climb(?:ed|s)?|expand(?:ed|s)?|soar(?:ed|s)?|up)\s+(?:by\s+)?(?:at\s+)?$",
    re.IGNORECASE,
)

DECLINE_VERB: Final = re.compile(
    r"\b(?:fell|fall(?:en|s)?|drop(?:ped|s)?|declined?|decreased?|shr[ai]nk|shrunk|cut|"
    r"reduc(?:ed|ing)|lower(?:ed)?|slid|down)\s+(?:by\s+)?(?:costs?\s+)?(?:by\s+)?$",
    re.IGNORECASE,
)


def np_words(text: str, pos: int, limit: int = 6) -> tuple[list[str], int, int]:
    """The noun phrase starting at ``pos``: its words, and its span (start, end).

    It ends before a stop word or punctuation, and right after a plural head ("43 unicorns
    *founded* ...") unless the head is partitive ("pieces of equipment").
    """
    words: list[str] = []
    start = end = pos
    cursor = pos
    while len(words) < limit:
        match = SPACE_WORD.match(text, cursor)
        if match is None:
            break
        word = match.group("w")
        lower = word.lower()
        top = TOP_N.match(text, match.end()) if lower == "top" else None
        if top is not None:
            if not words:
                start = match.start("w")
            words += [word, top.group("n")]
            cursor = end = top.end()
            continue
        if lower in {"and", "or"} and words and plural_ahead(text, match.end()):
            words.append(lower)
            cursor = match.end()
            continue
        if lower in NP_STOP or (lower in DETERMINERS and words):
            if lower == "of" and words and words[-1].lower() in PARTITIVE:
                words.pop()
                cursor = match.end()
                continue
            break
        if not words:
            start = match.start("w")
        words.append(word)
        end = match.end("w")
        cursor = match.end()
        if is_plural_head(word) and lower not in PARTITIVE:
            break
        if text.startswith("/", cursor) and plural_ahead(text, cursor + 1):
            words.append("and")  # "venture capital/private equity firms"
            cursor += 1
    return words, start, end


def plural_ahead(text: str, pos: int) -> bool:
    """Whether a plural head follows within three words ("venture capital *and* private
    equity firms"), so that "and" joins modifiers rather than two phrases."""
    cursor = pos
    for _ in range(3):
        match = SPACE_WORD.match(text, cursor)
        if match is None or match.group("w").lower() in NP_STOP:
            return False
        if is_plural_head(match.group("w")):
            return True
        cursor = match.end()
    return False


def is_plural_head(word: str) -> bool:
    lower = word.lower()
    if len(lower) <= 3 or not lower.endswith("s") or lower.endswith(("ss", "us", "is")):
        return lower in {"ips", "evs", "ais"}
    return not lower.endswith("'s") and not lower.endswith("’s")


def of_target(text: str, pos: int) -> tuple[list[str], int, int] | None:
    """The "of ..." phrase after a share (``42% of China's advanced chip output``)."""
    match = OF_PHRASE.match(text, pos)
    if match is None:
        return None
    words, start, end = np_words(text, match.end(), limit=7)
    if not words:
        return None
    return words, start, end


def lexicon_near(
    terms: Sequence[tuple[int, int, Metric]], lo: int, hi: int, unit: str, anchor: int
) -> tuple[Metric, int, int] | None:
    """The lexicon metric in ``text[lo:hi]`` closest to ``anchor`` that fits ``unit``.

    Only metrics that declare ``unit`` (or default to it) qualify: a metric with no declared
    units is too vague to be picked up from a distance.
    """
    best: tuple[int, Metric, int, int] | None = None
    for start, end, metric in terms:
        if start < lo or end > hi:
            continue
        if not metric.units or not (unit_allows(metric, unit) or unit in metric.default_for):
            continue
        distance = min(abs(start - anchor), abs(end - anchor))
        if best is None or distance < best[0]:
            best = (distance, metric, start, end)
    return None if best is None else best[1:]


def clause_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The clause around a figure: between the nearest ``;``/``:``/``—``/``(`` boundaries."""
    lo = max(text.rfind(c, 0, start) for c in ';:—()"“”')
    hi_candidates = [i for i in (text.find(c, end) for c in ';—()"“”') if i != -1]
    return lo + 1, min(hi_candidates) if hi_candidates else len(text)


def is_physical(unit: str) -> bool:
    return unit not in ("count", "%", "rank", "x") and not is_money(unit)


#: Nouns a sum of money can name ("¥100 million equipment budgets"). (seeds/english.toml)
MONEY_HEADS: Final = words("money_heads")

#: Where a metric read leftwards from "from/at/was" stops. (seeds/english.toml)
LEFT_STOP: Final = words("left_stop")

#: Verbs and adverbs dropped from the end of a phrase before a number. (seeds/english.toml)
AUXILIARIES: Final = words("auxiliaries")

#: Verbs skipped before the words that name a subset. (seeds/english.toml)
QUALIFIER_VERBS: Final = words("qualifier_verbs")


def subset_words(text: str) -> str:
    """The few content words after "of them" that say which subset a share is."""
    words = []
    for match in WORD.finditer(text.split(",")[0].split(";")[0]):
        word = match.group()
        if not words and word.lower() in QUALIFIER_VERBS:
            continue
        if word.lower() in NP_STOP:
            break
        words.append(word)
        if len(words) == 3:
            break
    return display_words(words)


NATIONAL_AVERAGE: Final = re.compile(r"\bnational\s+(?:average|level|figure)\s+(?:of\s+)?$", re.I)


def phrase_before(before: str) -> list[str]:
    """The noun phrase ending ``before`` once verbs are dropped: "Online retail sales in
    Zhejiang grew" -> [Online, retail, sales]. Stops at a determiner, an owner ("Tongji
    University's") or a verb; a trailing "in <Name>" is the place, not the metric.
    """
    words = WORD.findall(before)
    while words and (
        words[-1].lower() in AUXILIARIES
        or GROWTH_VERB.search(words[-1] + " ")
        or DECLINE_VERB.search(words[-1] + " ")
    ):
        words.pop()
    kept: list[str] = []
    for word in reversed(words[-7:]):
        lower = word.lower()
        if (
            lower in DETERMINERS
            or lower in LEFT_STOP - {"in", "of"}
            or lower.endswith(("'s", "’s"))
        ):
            break
        kept.insert(0, word)
    for index in range(len(kept) - 1, 0, -1):
        if kept[index].lower() in ("in", "from", "at", "across") and all(
            w[:1].isupper() for w in kept[index + 1 :]
        ):
            kept = kept[:index]
            break
    while kept and kept[0].lower() in ("of", "in"):
        kept.pop(0)
    return kept


#: Owners that name a country without saying which: never assumed to be China. (seeds/english.toml)
COUNTRY_OWNERS: Final = words("country_owners")


def share_words(words: Sequence[str], lexicon: MetricLexicon) -> tuple[str, int] | None:
    """Metric words of a share target and how many leading words are a non-name owner.

    A proper-name owner stays in the metric ("share of China's advanced chip output"); "the
    country's" stays "country's" (the sentence does not say which country); another common-noun owner ("the facility's users") is the
    figure's subject, so it is left out of the metric.
    """
    kept = list(words)
    owner = ""
    skipped = 0
    first = kept[0].replace("’", "'") if kept else ""
    if first.endswith("'s") and len(kept) > 1:
        if first.lower() in COUNTRY_OWNERS or first[:1].isupper():
            owner = "country's" if first.lower() in COUNTRY_OWNERS else first
        else:
            skipped = 1
        kept = kept[1:]
    if not kept:
        return None
    metric = metric_from_words(kept, lexicon, "count")
    if metric is None:
        return None
    return f"{owner} {metric}".strip(), skipped


LABEL: Final = re.compile(r"^\s*(?P<label>[A-Z][A-Za-z&'’\- ]{1,40}?)\s*:\s")


def label_metric(text: str, lexicon: MetricLexicon, start: int, unit: str) -> str | None:
    """A fact-box line "Venture money: investors put $87 billion ..." names its metric first."""
    match = LABEL.match(text)
    if match is None or match.end() > start:
        return None
    metric = lexicon.lookup(match.group("label"))
    if metric is None or not unit_allows(metric, unit):
        words = WORD.findall(match.group("label"))
        found = lexicon.match_head(words) if words else None
        if found is None or not unit_allows(found[0], unit) or not found[0].units:
            return None
        metric = found[0]
    return metric.name
