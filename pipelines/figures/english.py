"""Figures in one English sentence: numbers, their units, approximators and the words they count.

Each number is found once by a single scan (Arabic numerals, number words, fractions, ordinals,
multiples), then grown left and right with small anchored patterns (currency, magnitude,
percent, physical unit, approximator). Anchored patterns keep the work linear: nothing here
can backtrack over more than a few words. Deciding what is *not* a figure (dates, codes,
names) happens in ``traps``; this module only reads the wording.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from typing import Final

from seeds.lexicon import Metric, MetricLexicon

from .currency import currency_after, currency_before
from .metrics import DETERMINERS, display_words, is_money, metric_from_words, singular, unit_allows
from .model import Mention, SentenceReader
from .numbers import (
    EN_MAGNITUDES,
    VULGAR,
    fraction_percent,
    parse_arabic,
    parse_en_word,
    scientific_exponent,
    share_percent,
    vulgar_value,
)
from .traps import is_title_case
from .units import physical_unit

__all__ = ["STARTER_STEMS", "find_english"]

_WORD_NUMBERS: Final = (
    "zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    "fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
    "eighty|ninety|hundred|thousand|dozen"
)
_DENOMS: Final = (
    "half|halves|thirds?|quarters?|fourths?|fifths?|sixths?|sevenths?|eighths?|ninths?|tenths?"
)
_ORDINAL_WORDS: Final = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10,
}  # fmt: skip
_MULTIPLE_VERBS: Final = {"doubled": 2.0, "tripled": 3.0, "trebled": 3.0, "quadrupled": 4.0}

#: One scan finds every number-like atom; the named group says which kind it is.
_ATOM: Final = re.compile(
    r"(?P<frac>(?<![A-Za-z])(?:(?P<fnum>one|two|three|four|five|six|seven|eight|nine|a)[\s\-]+)?"
    rf"(?P<fden>{_DENOMS})(?![A-Za-z]))"
    r"|(?P<share>(?<![A-Za-z])(?P<snum>one|two|three|\d{1,2})\s+(?:out\s+)?(?:of|in)\s+"
    r"(?:every\s+)?(?P<sden>two|three|four|five|six|seven|eight|nine|ten|\d{1,3})(?![A-Za-z\d]))"
    r"|(?P<ord>(?<![\w.,])\d{1,3}(?:st|nd|rd|th)(?![A-Za-z]))"
    rf"|(?P<vfrac>(?<![\w.,/])(?:(?P<whole>\d+)(?:\s|-)?)?(?:(?P<vulgar>[{VULGAR}])"
    r"|(?P<vnum>\d{1,2})[/⁄](?P<vden>\d{1,2})(?![\d/]))(?![\w.,]\d))"
    r"|(?P<num>(?<![\w.,/])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)"
    rf"|(?P<word>(?<![A-Za-z\-])(?:{_WORD_NUMBERS})(?:[\s\-]+(?:and\s+)?(?:{_WORD_NUMBERS}))*"
    r"(?![A-Za-z]))"
    r"|(?P<mult>(?<![A-Za-z])(?:doubled|tripled|trebled|quadrupled|twice)(?![A-Za-z]))"
    r"|(?P<ordw>(?<![A-Za-z])(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|"
    r"tenth)(?![A-Za-z]))",
    re.IGNORECASE,
)

_GLUED_NUMBER: Final = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\d,.]\d)")
_MAGNITUDE: Final = re.compile(
    r"(?:\s?-?\s?(?P<w>trillion|billion|million|thousand|hundred)|(?P<a>bn|tn|mn|k|m|b|B|M|K))"
    r"(?![A-Za-z])",
    re.IGNORECASE,
)
#: A magnitude word inside a figure's span ("5.51 million"), to scale the other end of a range.
_MAGNITUDE_IN: Final = re.compile(r"(?<=[\d\s])(?:trillion|billion|million|thousand|bn|tn|mn)\b", re.I)
_PLUS: Final = re.compile(r"\+(?![\dA-Za-z])")
_PERCENT: Final = re.compile(
    r"\s?(?:%|percent(?:age points?)?|per\s?cent|pct)(?![A-Za-z])", re.IGNORECASE
)
#: Physical units after a number, longest spellings first.
_UNIT: Final = re.compile(
    r"[\s\-]?(?P<u>km/h|kph|kilomet(?:er|re)s?\s+(?:per|an)\s+hour|"
    r"square\s+kilomet(?:er|re)s?|sq\.?\s?km|km2|km²|square\s+met(?:er|re)s?|sq\.?\s?m|m2|m²|"
    r"nanomet(?:er|re)s?|nm|kilomet(?:er|re)s?|km|met(?:er|re)s|"
    r"qubits?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?|seconds?|secs?|"
    r"gigawatts?|GW|megawatts?|MW|GWh|TWh|tonnes?|tons?|times|fold|x)(?![A-Za-z])",
    re.IGNORECASE,
)
_UNIT_NAMES: Final = {
    "km/h": "km/h", "kph": "km/h", "km2": "km2", "km²": "km2", "m2": "m2", "m²": "m2",
    "nm": "nm", "km": "km", "gw": "GW", "mw": "MW", "gwh": "GWh", "twh": "TWh", "x": "x",
    "times": "x", "fold": "x",
}  # fmt: skip
_UNIT_PREFIXES: Final = (
    ("kilometers per", "km/h"), ("kilometres per", "km/h"), ("kilometer per", "km/h"),
    ("kilometre per", "km/h"), ("kilometers an", "km/h"), ("kilometres an", "km/h"),
    ("square kilomet", "km2"), ("sq km", "km2"), ("sq. km", "km2"), ("sqkm", "km2"),
    ("square met", "m2"), ("sq m", "m2"), ("sq. m", "m2"), ("nanomet", "nm"), ("kilomet", "km"),
    ("met", "m"), ("qubit", "qubit"), ("min", "min"), ("hour", "h"), ("hr", "h"),
    ("day", "day"), ("week", "week"), ("month", "month"), ("year", "year"), ("sec", "s"),
    ("gigawatt", "GW"), ("megawatt", "MW"), ("ton", "t"),
)  # fmt: skip
#: Approximators read right to left from the number (the longest wins).
_APPROX_BEFORE: Final = re.compile(
    r"(?:(?P<over>more\s+than|over|above|exceeding|in\s+excess\s+of|upwards\s+of|at\s+least|"
    r"no\s+(?:fewer|less)\s+than|not\s+less\s+than|passe[sd]|passing|surpass(?:ed|es|ing)?|"
    r"top(?:ped|s)|exceed(?:ed|s)?|beyond|north\s+of|well\s+over|some\s+more\s+than)"
    r"|(?P<under>less\s+than|fewer\s+than|under|below|up\s+to|at\s+most|no\s+more\s+than|"
    r"not\s+(?:more|exceeding)|within|short\s+of|just\s+under)"
    r"|(?P<nearly>nearly|almost|close\s+to|approaching|nearing|near|just\s+shy\s+of)"
    r"|(?P<about>about|around|approximately|roughly|some|an\s+estimated|estimated(?:\s+at)?|"
    r"put\s+at|circa|ca\.|"
    r"~|approx\.?|on\s+the\s+order\s+of))"
    r"\s*(?:US\$|HK\$|\$|€|¥|£|RMB\s?)?\s*$",
    re.IGNORECASE,
)
_APPROX_AFTER: Final = re.compile(r"\s*(?:or\s+so|or\s+more|and\s+(?:more|above))\b", re.I)
_RANGE_HEAD: Final = re.compile(
    r"(?:between|(?P<spread>rang(?:e|es|ed|ing)\s+)?from)\s*(?:US\$|\$|€|¥|RMB\s?)?\s*$", re.I
)
_UP_FROM: Final = re.compile(
    r"(?:up|down|rising|falling|increasing|decreasing|compared|against)?\s*"
    r"(?:from)\s+(?:just\s+|only\s+|a\s+mere\s+)?(?:US\$|\$|€|¥|RMB\s?)?\s*$",
    re.IGNORECASE,
)
# A noun phrase after a number ends at one of these (or at punctuation).
_NP_STOP: Final = frozenset(
    [
        "of",
        "in",
        "at",
        "on",
        "for",
        "to",
        "from",
        "with",
        "by",
        "as",
        "than",
        "and",
        "or",
        "but",
        "nor",
        "that",
        "which",
        "who",
        "whom",
        "whose",
        "were",
        "was",
        "are",
        "is",
        "be",
        "been",
        "being",
        "have",
        "has",
        "had",
        "will",
        "would",
        "could",
        "can",
        "may",
        "might",
        "must",
        "shall",
        "should",
        "do",
        "does",
        "did",
        "now",
        "each",
        "every",
        "a",
        "an",
        "the",
        "this",
        "these",
        "those",
        "per",
        "across",
        "into",
        "onto",
        "over",
        "under",
        "since",
        "around",
        "about",
        "between",
        "within",
        "through",
        "during",
        "including",
        "after",
        "before",
        "last",
        "next",
        "its",
        "their",
        "his",
        "her",
        "our",
        "not",
        "still",
        "also",
        "already",
        "only",
        "just",
        "so",
        "while",
        "when",
        "where",
        "because",
        "according",
        "compared",
        "up",
        "down",
        "out",
        "off",
        "back",
        "more",
        "less",
        "ago",
        "worth",
        "valued",
        "earlier",
        "later",
        "today",
        "there",
        "here",
        "they",
        "it",
        "he",
        "she",
        "we",
        "you",
        "i",
        "yet",
        "then",
        "versus",
        "vs",
        "against",
        "among",
        "amid",
        "despite",
        "via",
        "like",
        "unlike",
        "toward",
        "towards",
        "set",
        "built",
        "made",
        "used",
        "located",
        "founded",
        "launched",
        "said",
        "says",
        "say",
        "based",
        "owned",
        "run",
        "operated",
        "goes",
        "comes",
        "makes",
        "takes",
        "gives",
        "shows",
        "grows",
        "remains",
        "accounts",
        "holds",
        "runs",
        "uses",
        "needs",
        "gets",
        "sits",
        "stands",
        "leads",
        "hosts",
        "includes",
        "employs",
        "produces",
        "supplies",
        "helps",
        "means",
        "came",
        "went",
        "enrol",
        "enrols",
        "enroll",
        "earn",
        "earns",
        "annually",
        "daily",
        "monthly",
        "yearly",
    ]
)
_OF_COUNTED: Final = re.compile(
    r"\s+of\s+(?:the\s+|its\s+|their\s+)?(?:[\w\-]+['’]s\s+)?(?:top\s+)?\d[\d,]*\s"
)
_TOP_N: Final = re.compile(r"\s+(?P<n>\d{1,4})\b")
_PARTITIVE: Final = frozenset(
    [
        "pieces",
        "piece",
        "units",
        "unit",
        "sets",
        "set",
        "sorts",
        "kinds",
        "types",
        "batches",
        "rounds",
        "tons",
        "tonnes",
        "items",
    ]
)
_WORD: Final = re.compile(r"[A-Za-z][A-Za-z0-9'’&\-]*|R&D")
_SPACE_WORD: Final = re.compile(r"[ \t]*(?P<w>[A-Za-z][A-Za-z0-9'’&\-]*)")
_OF_PHRASE: Final = re.compile(
    r"\s+of\s+(?:(?:the|all|its|their|his|her|our|this|these|those)\s+)*", re.IGNORECASE
)
_PRONOUN_OBJ: Final = re.compile(r"\s+of\s+(?:them|it)\b", re.IGNORECASE)
_PER: Final = re.compile(
    r"\s*(?:per|for\s+every)\s+(?P<n>\d{1,3}(?:,\d{3})+|\d+)\s+(?P<w>[a-z]+)", re.IGNORECASE
)
_GROWTH_VERB: Final = re.compile(
    r"\b(?:grow|grew|grown|growing|rose|risen|rise|rising|increased?|increasing|jump(?:ed|s)?|"
    r"surged?|climb(?:ed|s)?|expand(?:ed|s)?|soar(?:ed|s)?|up)\s+(?:by\s+)?(?:at\s+)?$",
    re.IGNORECASE,
)
_DECLINE_VERB: Final = re.compile(
    r"\b(?:fell|fall(?:en|s)?|drop(?:ped|s)?|declined?|decreased?|shr[ai]nk|shrunk|cut|"
    r"reduc(?:ed|ing)|lower(?:ed)?|slid|down)\s+(?:by\s+)?(?:costs?\s+)?(?:by\s+)?$",
    re.IGNORECASE,
)
_ORDINAL_NOT_RANK: Final = re.compile(
    r"[\s\-]*(?:percentile|century|centuries|anniversary|edition|session|minute|floor|birthday|"
    r"five-year|plenary|congress|round|time|generation|batch|phase|stage|quarter|half|day|"
    r"week|month|year)\b",
    re.IGNORECASE,
)
_WORD_ORDINAL_RANK: Final = re.compile(
    r"\b(?:rank(?:ed|s|ing)?|plac(?:ed|es|ing)(?:\s+\w+)?|came|comes|finish(?:ed|es)?|"
    r"position(?:ed)?|stood|stands|sits|sat)\s+(?:in\s+)?(?:the\s+)?$",
    re.IGNORECASE,
)
#: A minus sign or the word "minus" right before a number (not a hyphen between two numbers).
_SIGN: Final = re.compile(r"(?:(?<![\w.,%])[-−–]|\bminus[\s\-])$", re.IGNORECASE)
_AGE: Final = re.compile(r"[\s\-]*year[\s\-]*old", re.IGNORECASE)
_REFERENCE: Final = re.compile(
    r"\b(?:the|these|those|its|their|our|my|his|her|your)\s+(?:other\s+)?$", re.IGNORECASE
)
#: A word and a space before: the position is not the opening of a sentence or quotation.
_MID_SENTENCE: Final = re.compile(r"[\w,;’'] $")
_CAPITAL_NEXT: Final = re.compile(r"[ \-][A-Z]")
_POINT_IN_TIME: Final = re.compile(r"\s+(?:ago|earlier|later)\b", re.IGNORECASE)
#: What makes "N times" a multiple: a comparative or a base after it.
_COMPARATIVE: Final = re.compile(
    r"\s+(?:(?!per\b)[a-z]+er\b|more|less|fewer|as\b|that\b|those\b|the\b|over\b|what\b)",
    re.IGNORECASE,
)
#: The other end of a spelled range: "two or three", "four to five".
_OR_NEXT: Final = re.compile(rf"\s+(?:or|to)\s+(?:{_WORD_NUMBERS}|\d)", re.IGNORECASE)


_DIGITS: Final = re.compile(rf"[\d{VULGAR}]+")
_LETTERS: Final = re.compile(r"[A-Za-z]+")
#: Words an atom can start with; the scan tries the big pattern only where one of them (or a
#: digit) stands, which is several times faster than letting it try every position.
_STARTERS: Final = frozenset(
    [*_WORD_NUMBERS.split("|"), *_DENOMS.replace("?", "").split("|"), "a", "quarter", "thirds",
     "quarters", "fourths", "fifths", "sixths", "sevenths", "eighths", "ninths", "tenths",
     "doubled", "tripled", "trebled", "quadrupled", "twice", *_ORDINAL_WORDS]
)  # fmt: skip


#: Substrings every starter word contains (a quick test before tokenizing a sentence).
STARTER_STEMS: Final = tuple(sorted({w[:3] for w in _STARTERS if len(w) >= 3} | {"half", "twice"}))


def _candidates(text: str) -> list[int]:
    """Positions where a number may start: each digit run, and each word that may open one."""
    lower = text.lower()
    if _DIGITS.search(text) is None and not any(word in lower for word in STARTER_STEMS):
        return []  # most sentences: no digit and no number word, nothing to scan
    starts = [m.start() for m in _DIGITS.finditer(text)]
    starts += [m.start() for m in _LETTERS.finditer(text) if m.group().lower() in _STARTERS]
    starts.sort()
    return starts


def _unit_name(raw: str) -> str:
    key = raw.lower()
    if key in _UNIT_NAMES:
        return _UNIT_NAMES[key]
    for prefix, unit in _UNIT_PREFIXES:
        if key.startswith(prefix):
            return unit
    return key


def _approx_before(text: str, start: int) -> tuple[str, int]:
    """The approximator ending right before ``start`` and where it begins (or exact)."""
    window = text[max(0, start - 30) : start]
    match = _APPROX_BEFORE.search(window)
    if match is None:
        return "exact", start
    kind = next(k for k in ("over", "under", "nearly", "about") if match.group(k))
    return kind, start - (len(window) - match.start())


def _np_words(text: str, pos: int, limit: int = 6) -> tuple[list[str], int, int]:
    """The noun phrase starting at ``pos``: its words, and its span (start, end).

    It ends before a stop word or punctuation, and right after a plural head ("43 unicorns
    *founded* ...") unless the head is partitive ("pieces of equipment").
    """
    words: list[str] = []
    start = end = pos
    cursor = pos
    while len(words) < limit:
        match = _SPACE_WORD.match(text, cursor)
        if match is None:
            break
        word = match.group("w")
        lower = word.lower()
        top = _TOP_N.match(text, match.end()) if lower == "top" else None
        if top is not None:
            if not words:
                start = match.start("w")
            words += [word, top.group("n")]
            cursor = end = top.end()
            continue
        if lower in {"and", "or"} and words and _plural_ahead(text, match.end()):
            words.append(lower)
            cursor = match.end()
            continue
        if lower in _NP_STOP or (lower in DETERMINERS and words):
            if lower == "of" and words and words[-1].lower() in _PARTITIVE:
                words.pop()
                cursor = match.end()
                continue
            break
        if not words:
            start = match.start("w")
        words.append(word)
        end = match.end("w")
        cursor = match.end()
        if _is_plural_head(word) and lower not in _PARTITIVE:
            break
        if text.startswith("/", cursor) and _plural_ahead(text, cursor + 1):
            words.append("and")  # "venture capital/private equity firms"
            cursor += 1
    return words, start, end


def _plural_ahead(text: str, pos: int) -> bool:
    """Whether a plural head follows within three words ("venture capital *and* private
    equity firms"), so that "and" joins modifiers rather than two phrases."""
    cursor = pos
    for _ in range(3):
        match = _SPACE_WORD.match(text, cursor)
        if match is None or match.group("w").lower() in _NP_STOP:
            return False
        if _is_plural_head(match.group("w")):
            return True
        cursor = match.end()
    return False


def _is_plural_head(word: str) -> bool:
    lower = word.lower()
    if len(lower) <= 3 or not lower.endswith("s") or lower.endswith(("ss", "us", "is")):
        return lower in {"ips", "evs", "ais"}
    return not lower.endswith("'s") and not lower.endswith("’s")


def _of_target(text: str, pos: int) -> tuple[list[str], int, int] | None:
    """The "of ..." phrase after a share (``42% of China's advanced chip output``)."""
    match = _OF_PHRASE.match(text, pos)
    if match is None:
        return None
    words, start, end = _np_words(text, match.end(), limit=7)
    if not words:
        return None
    return words, start, end


def _lexicon_near(
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


def _clause_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The clause around a figure: between the nearest ``;``/``:``/``—``/``(`` boundaries."""
    lo = max(text.rfind(c, 0, start) for c in ';:—()"“”')
    hi_candidates = [i for i in (text.find(c, end) for c in ';—()"“”') if i != -1]
    return lo + 1, min(hi_candidates) if hi_candidates else len(text)


def _is_physical(unit: str) -> bool:
    return unit not in ("count", "%", "rank", "x") and not is_money(unit)


#: Nouns a sum of money can name ("¥100 million equipment budgets").
_MONEY_HEADS: Final = frozenset(
    [
        "budget",
        "fund",
        "grant",
        "investment",
        "round",
        "deal",
        "revenue",
        "sale",
        "loan",
        "subsidy",
        "program",
        "programme",
        "project",
        "valuation",
        "market",
        "economy",
        "industry",
        "cluster",
        "package",
        "plan",
        "facility",
        "bond",
    ]
)
_RANK_VERB_BEFORE: Final = re.compile(
    r"\b(?:rank(?:s|ed|ing)?|plac(?:ed|es|ing))\s+(?:No\.\s?)?$", re.IGNORECASE
)
_YEAR_LIKE: Final = re.compile(r"(?:1[89]|2[01])\d{2}")
_LEFT_STOP: Final = frozenset(
    [
        "its",
        "their",
        "the",
        "a",
        "an",
        "his",
        "her",
        "our",
        "this",
        "that",
        "these",
        "those",
        "has",
        "have",
        "had",
        "is",
        "was",
        "are",
        "were",
        "cut",
        "reduced",
        "lowered",
        "raised",
        "increased",
        "boosted",
        "grew",
        "brought",
        "lifted",
        "pushed",
        "dropped",
        "and",
        "or",
        "but",
        "which",
        "who",
        "what",
        "it",
        "they",
        "with",
        "by",
        "reducing",
        "cutting",
        "lowering",
        "raising",
        "increasing",
        "boosting",
        "bringing",
        "pushing",
    ]
)
_SMALL_SPELLED: Final = 10.0
_AUXILIARIES: Final = frozenset(
    [
        "has",
        "have",
        "had",
        "been",
        "be",
        "is",
        "are",
        "was",
        "were",
        "roughly",
        "nearly",
        "about",
        "almost",
        "more",
        "than",
        "all",
        "already",
        "now",
        "also",
        "just",
        "since",
        "at",
        "by",
        "over",
        "some",
    ]
)
_QUALIFIER_VERBS: Final = frozenset(
    [
        "work",
        "works",
        "working",
        "are",
        "is",
        "operate",
        "operating",
        "focus",
        "focusing",
        "specialise",
        "specialize",
        "specialising",
        "specializing",
        "on",
        "in",
        "at",
        "come",
        "from",
        "based",
        "located",
        "active",
        "engaged",
    ]
)


def _qualifier(text: str) -> str:
    """The few content words after "of them" that say which subset a share is."""
    words = []
    for match in _WORD.finditer(text.split(",")[0].split(";")[0]):
        word = match.group()
        if not words and word.lower() in _QUALIFIER_VERBS:
            continue
        if word.lower() in _NP_STOP:
            break
        words.append(word)
        if len(words) == 3:
            break
    return display_words(words)


_NATIONAL_AVERAGE: Final = re.compile(r"\bnational\s+(?:average|level|figure)\s+(?:of\s+)?$", re.I)
_TIME_UNITS: Final = frozenset({"s", "min", "h", "day", "month", "year"})
_HALF_PERIOD: Final = re.compile(
    r"(?:first|second|third|fourth|last|latter|other|this|next|past|the|a)[\s\-]*$", re.IGNORECASE
)


class _Reader(SentenceReader):
    """Reads the figures of one sentence; holds the sentence so helpers stay small."""

    #: The dollar a sentence named with its country (NZ$, A$), which its bare "$" then means.
    dollar: str | None = None

    def _find_terms(self) -> list[tuple[int, int, Metric]]:
        return self.lexicon.find_en(self.text)

    def run(self) -> list[Mention]:
        skip_to = 0
        for start in _candidates(self.text):
            if start < skip_to:
                continue
            match = _ATOM.match(self.text, start)
            mention = self._atom(match) if match is not None else self._glued_money(start)
            if mention is not None:
                self.out.append(mention)
                skip_to = mention.end
        self._pair_ranges()
        return self.out

    def _glued_money(self, start: int) -> Mention | None:
        """A number glued to a currency prefix ("EUR50m", "RM23.50", "$US55m"); the scan skips
        digits after letters, which are otherwise codes ("A100")."""
        if not self.text[start - 1 : start].isalpha() or currency_before(self.text, start)[0] is None:
            return None
        match = _GLUED_NUMBER.match(self.text, start)
        return self._number(start, match.end(), match.group()) if match is not None else None

    def _atom(self, match: re.Match[str]) -> Mention | None:
        if match.group("frac"):
            found = self._fraction(match)
            if (
                found is None
                and match.group("fnum") is None
                and match.group("fden").lower() in _ORDINAL_WORDS
            ):
                return self._word_ordinal(match)  # "ranked third"
            return found
        if match.group("share"):
            return self._share(match)
        if match.group("ord"):
            return self._ordinal(match)
        if match.group("vfrac"):
            return self._vulgar_fraction(match)
        if match.group("num"):
            return self._number(match.start("num"), match.end("num"), match.group("num"))
        if match.group("word"):
            return self._word_number(match)
        if match.group("mult"):
            return self._multiple(match)
        if match.group("ordw"):
            return self._word_ordinal(match)
        return None

    def _approx_span(self, start: int, end: int) -> tuple[str, int]:
        approx, left = _approx_before(self.text, start)
        return approx, (left if approx != "exact" else start)

    # -- shares, ranks and multiples -------------------------------------------------------

    def _vulgar_fraction(self, match: re.Match[str]) -> Mention | None:
        """ "4½ years", "1/16 inch", "1⁄32 of the budget": a value in the unit written after it;
        with no unit, a share if "of" follows (DESIGN: fractions are %), else nothing ("3/4")."""
        if match.group("vulgar"):
            part = vulgar_value(match.group("vulgar"))
        else:
            den = int(match.group("vden"))
            if den == 0:
                return None
            part = int(match.group("vnum")) / den
        whole = match.group("whole")
        value = part + (float(whole) if whole else 0.0)
        mention = self._number(match.start(), match.end(), match.group(), value=value)
        if mention is None or mention.unit != "count" or mention.value != value:
            return mention
        if _OF_PHRASE.match(self.text, match.end()) is not None and not whole:
            share = Mention(round(100 * value, 4), "%", mention.approx, mention.start, match.end())
            self._share_metric(share, match.end())
            return share
        return mention if whole and match.group("vulgar") else None

    def _fraction(self, match: re.Match[str]) -> Mention | None:
        text = self.text
        num, den = match.group("fnum"), match.group("fden")
        start = match.start()
        if num is None or num in ("a", "A"):
            before = text[max(0, match.start() - 12) : match.start()]
            if (
                _HALF_PERIOD.search(before)
                and not before.rstrip()
                .lower()
                .endswith(("nearly", "about", "almost", "than", "over", "roughly", "around"))
                and num is None
            ):
                return None  # "the first half of the year", "the other half"
            if den.lower() != "half" and num is None:
                return None  # "quarter" alone: "fourth-quarter deals"
        if re.match(
            r"[\s\-]*(?:of\s+(?:the|this|that|next|last)\s+(?:year|decade|century))",
            text[match.end() :],
        ):
            return None
        value = fraction_percent(None if num in (None, "a", "A") else num, den)
        if value is None:
            return None
        approx, span_start = self._approx_span(start, match.end())
        if (
            _OF_PHRASE.match(text, match.end()) is None
            and _PRONOUN_OBJ.match(text, match.end()) is None
        ) and approx == "exact":
            return None  # "half" or "a third" with no "of" is rarely a share
        mention = Mention(value, "%", approx, span_start, match.end())
        self._share_metric(mention, match.end())
        return mention

    def _share(self, match: re.Match[str]) -> Mention | None:
        snum, sden = match.group("snum"), match.group("sden")
        num = float(snum) if snum.isdigit() else parse_en_word(snum)
        den = float(sden) if sden.isdigit() else parse_en_word(sden)
        if num is None or den is None:
            return None
        value = share_percent(num, den)
        if value is None:
            return None
        approx, span_start = self._approx_span(match.start(), match.end())
        mention = Mention(value, "%", approx, span_start, match.end())
        words, start, end = _np_words(self.text, match.end())
        if words:
            metric = metric_from_words(words, self.lexicon, "count")
            mention.metric = f"share of {metric}" if metric else None
            mention.metric_span = (start, end)
        else:
            self._share_metric(mention, match.end())
        return mention

    def _ordinal(self, match: re.Match[str]) -> Mention | None:
        text = self.text
        if _ORDINAL_NOT_RANK.match(text, match.end()):
            return None
        if re.match(r"\s?[A-Z]", text[match.end() : match.end() + 3]):
            return None  # "the 15th Five-Year Plan", "2nd China International Import Expo"
        mention = Mention(float(match.group()[:-2]), "rank", "exact", match.start(), match.end())
        self._rank_metric(mention)
        return mention

    def _word_ordinal(self, match: re.Match[str]) -> Mention | None:
        before = self.text[max(0, match.start() - 30) : match.start()]
        if not _WORD_ORDINAL_RANK.search(before):
            return None
        if _ORDINAL_NOT_RANK.match(self.text, match.end()):
            return None
        value = float(_ORDINAL_WORDS[match.group().lower()])
        mention = Mention(value, "rank", "exact", match.start(), match.end())
        self._rank_metric(mention)
        return mention

    def _rank_metric(self, mention: Mention) -> None:
        specific = [t for t in self.terms if t[2].name != "rank"]  # "Nature Index" over "ranks"
        found = _lexicon_near(specific, 0, len(self.text), "rank", mention.start)
        if found is not None:
            mention.metric, mention.metric_span = found[0].name, (found[1], found[2])
        else:
            mention.inherit = True

    def _multiple(self, match: re.Match[str]) -> Mention | None:
        word = match.group().lower()
        value = 2.0 if word == "twice" else _MULTIPLE_VERBS[word]
        approx, span_start = self._approx_span(match.start(), match.end())
        mention = Mention(value, "x", approx, span_start, match.end())
        mention.metric = self._multiple_metric(mention)
        return mention

    def _multiple_metric(self, mention: Mention) -> str:
        """What doubled: the figure before it in the sentence ("10,000 engineers ..., roughly
        twice as many"), else the noun phrase before the verb ("Commercial rents ... have
        tripled"). A bare "growth" would make every "doubled" in a city agree with every other.
        """
        previous = next((m for m in reversed(self.out) if m.metric and m.unit != "x"), None)
        if previous is not None:
            return f"growth of {previous.metric}"
        kept = _phrase_before(self.text[max(0, mention.start - 80) : mention.start])
        return f"growth of {display_words(kept)}" if kept else "growth"

    def _word_number(self, match: re.Match[str]) -> Mention | None:
        value = parse_en_word(match.group("word"))
        if value is None or value == 0:
            return None
        if _REFERENCE.search(self.text, max(0, match.start() - 16), match.start()):
            return None  # "the two cities", "my other two interests": a reference, not a count
        if (
            match.group("word")[:1].isupper()
            and _MID_SENTENCE.search(self.text, 0, match.start())
            and _CAPITAL_NEXT.match(self.text, match.end())
            and not is_title_case(self.text)
        ):
            return None  # "Ninety Mile Beach", "the 15th Five-Year Plan": a name
        return self._number(match.start("word"), match.end("word"), match.group("word"), value)

    # -- one number ---------------------------------------------------------------------------

    def _number(
        self,
        start: int,
        end: int,
        raw: str,
        spelled: float | None = None,
        *,
        value: float | None = None,
    ) -> Mention | None:
        """A cardinal at ``start:end`` with what surrounds it; ``spelled``: its value if a word,
        ``value``: its value if the caller read it (fractions)."""
        text = self.text
        if spelled is None and _AGE.match(text, end):
            return None
        if value is None:
            value = parse_arabic(raw) if spelled is None else spelled
        exponent = scientific_exponent(text, end) if spelled is None else None
        if exponent is not None:  # "1.99×10−30", "3 × 10^8"
            power, end = exponent
            value *= 10.0**power
        currency, written, left = currency_before(text, start)
        if written == "$" and self.dollar is not None:
            currency = self.dollar  # "NZ$27.8b ..., Australia ($26.2b)": the dollar named first
        elif "$" in written and written != "$":
            self.dollar = currency
        cursor, over = end, False
        plus = _PLUS.match(text, cursor)
        if plus:
            over, cursor = True, plus.end()
        magnitude = 1.0
        mag = _MAGNITUDE.match(text, cursor)
        if mag:
            word, abbr = mag.group("w"), mag.group("a")
            # "5m" is metres and "3B" part of a name unless it is money or a capital M/K.
            if word or abbr.lower() in ("bn", "tn", "mn") or currency or abbr in ("M", "K", "k"):
                magnitude = EN_MAGNITUDES[(word or abbr).lower()]
                cursor = mag.end()
        plus = _PLUS.match(text, cursor)
        if plus:
            over, cursor = True, plus.end()
        unit = "count"
        pct = _PERCENT.match(text, cursor)
        if pct:
            unit, cursor = "%", pct.end()
            plus = _PLUS.match(text, cursor)
            if plus:
                over, cursor = True, plus.end()
        elif currency is None:
            named = currency_after(text, cursor)  # "5 Hong Kong dollars", "50 EUR", "3 cents"
            if named is not None:
                currency, scale, cursor = named
                magnitude *= scale
        if currency is not None and unit == "count":
            unit = currency
        elif unit == "count":
            phys = _UNIT.match(text, cursor) if magnitude == 1.0 else None
            if phys:
                unit, cursor = _unit_name(phys.group("u")), phys.end()
            else:  # "16GB", "70 kilograms", "29.4 million pounds": pint knows the spellings
                found = physical_unit(text, cursor)
                if found is not None:
                    unit, cursor = found
        if cursor == end and end < len(text) and text[end].isascii() and text[end].isalpha():
            return None  # a code: "6G", "A100" (letters before are excluded by the scan)
        if unit in _TIME_UNITS and _POINT_IN_TIME.match(text, cursor):
            return None  # "two years ago", "five days later": a point in time, not a duration
        occurrences = (
            unit == "x"
            and text[end:cursor].strip(" -").lower() == "times"
            and not _COMPARATIVE.match(text, cursor)
            and not _GROWTH_VERB.search(text, max(0, start - 30), start)
        )
        if occurrences:
            unit = "count"  # "five times a second": occurrences; "ten times faster": a multiple
        if (
            spelled is None
            and unit == "count"
            and magnitude == 1.0
            and not over
            and _YEAR_LIKE.fullmatch(raw)
        ):
            return None  # "in 2018", "Tech Pioneer 2025": a year used as a date
        approx, approx_start = _approx_before(text, left)
        if (
            approx == "over"
            and unit in _TIME_UNITS
            and re.match(r"over\b", text[approx_start:], re.I)
        ):
            approx, approx_start = "exact", left  # "over 5 years" is a span of time
        if spelled is not None and not occurrences and not self._spelled_is_figure(
            value, unit, magnitude, approx, cursor
        ):
            return None
        if (
            unit == "count"
            and magnitude == 1.0
            and currency is None
            and _RANK_VERB_BEFORE.search(text, max(0, start - 20), start)
        ):
            mention = Mention(value, "rank", "exact", start, end)  # "ranks 3 globally"
            self._rank_metric(mention)
            return mention
        value *= magnitude
        sign = _SIGN.search(text, max(0, left - 8), left)
        if sign is not None and spelled is None:  # "-1.3%", "(-64%)", "minus 5 degrees"
            value, left = -value, sign.start()
            approx_start = min(approx_start, left)
        if unit == "week":
            unit, value = "day", value * 7
        span_start = approx_start if approx != "exact" else left
        if approx == "exact" and over:
            approx = "over"
        after = _APPROX_AFTER.match(text, cursor)
        if after and approx == "exact":
            approx = "about" if "so" in after.group().lower() else "over"
            cursor = after.end()
        mention = Mention(value, unit, approx, span_start, cursor)
        self._metric(mention, cursor)
        if approx == "exact" and mention.metric_span and mention.metric_span[0] >= cursor:
            tail = _APPROX_AFTER.match(text, mention.metric_span[1])
            if tail is not None:  # "40 labs or so"
                mention.approx = "about" if "so" in tail.group().lower() else "over"
        return mention

    def _spelled_is_figure(
        self, value: float, unit: str, magnitude: float, approx: str, cursor: int
    ) -> bool:
        """Spelled-out numbers are figures from two up when they count something written after
        them ("two women", "seven others"), and from one with a unit ("one minute", "four
        months"), as tests/gold/real.py's guide has it; a lone "one" is mostly the article.
        """
        if magnitude != 1.0 or unit == "%" or is_money(unit) or unit != "count":
            return True
        if _OR_NEXT.match(self.text, cursor):
            return True  # "two or three times": one end of a range
        words, _, _ = _np_words(self.text, cursor)
        return value >= 2 and (bool(words) or approx != "exact")

    # -- metric -------------------------------------------------------------------------------

    def _metric(self, mention: Mention, cursor: int) -> None:
        unit = mention.unit
        if unit == "%":
            self._percent_metric(mention, cursor)
        elif unit == "x":
            mention.metric = self._multiple_metric(mention)
        elif _is_physical(unit):
            self._physical_metric(mention, cursor)
        else:
            self._count_metric(mention, cursor)

    def _count_metric(self, mention: Mention, cursor: int) -> None:
        """Counts and money: the noun phrase after the number, else a metric named nearby."""
        text, unit = self.text, mention.unit
        words, start, end = _np_words(text, cursor)
        if is_money(unit) and words:
            found = self.lexicon.match_head(words)
            fits = found is not None and unit_allows(found[0], unit)
            if not fits and singular(words[-1]).lower() not in _MONEY_HEADS:
                words = []  # "450 billion yuan last year": no noun of its own
        if words:
            metric = metric_from_words(words, self.lexicon, unit)
            per = _PER.match(text, end)
            if metric is not None and per:
                metric = f"{metric} per {per.group('n')} {per.group('w')}"
                end = per.end()
            mention.metric, mention.metric_span = metric, (start, end)
            return
        if self._possessor_before(mention) or _PRONOUN_OBJ.match(text, cursor):
            mention.inherit = True  # "surpassing Shenzhen's 38", "400k of them"
            return
        counted = _OF_COUNTED.match(text, cursor) if unit == "count" else None
        if counted is not None:
            cursor = counted.end() - 1  # "7 of the city's 12 large model developers"
        target = _of_target(text, cursor) if unit == "count" and counted is None else None
        if counted is not None:
            words, start, end = _np_words(text, counted.end())
            if words:
                mention.metric = metric_from_words(words, self.lexicon, unit)
                mention.metric_span = (start, end)
                return
        if target is not None:
            shared = _share_words(target[0], self.lexicon)
            if shared is not None:  # "7 of the city's 12 large model developers"
                mention.metric = shared[0].split("'s ", 1)[-1]
                mention.metric_span = (target[1], target[2])
                return
        grown = next(
            (m for m in reversed(self.out) if (m.metric or "").startswith("growth of ")), None
        )
        if grown is not None and re.search(
            r"\bto\s+$", text[max(0, mention.start - 5) : mention.start]
        ):
            mention.metric = grown.metric[len("growth of ") :]  # "grew 8 percent to 340 million"
            return
        mention.metric = self._lexicon_metric(mention, unit)

    def _physical_metric(self, mention: Mention, cursor: int) -> None:
        """Physical units: a lexicon metric that fits the unit, else the unit's default."""
        unit = mention.unit
        words, start, end = _np_words(self.text, cursor)
        found = self.lexicon.match_head(words) if words else None
        if found is not None and unit_allows(found[0], unit) and found[0].units:
            mention.metric, mention.metric_span = found[0].name, (start, end)
            return
        near = self._lexicon_metric(mention, unit)
        if near is not None:
            mention.metric = near
            return
        default = self.lexicon.for_unit(unit)
        if default is not None:
            mention.metric = default.name
        elif words:
            mention.metric = metric_from_words(words, self.lexicon, unit)

    def _possessor_before(self, mention: Mention) -> bool:
        before = self.text[max(0, mention.start - 30) : mention.start]
        match = re.search(r"([A-Z][\w\-]*)(?:'s|’s)\s*$", before)
        if match is None:
            return False
        mention.possessor_end = mention.start - (len(before) - match.end())
        return True

    def _lexicon_metric(self, mention: Mention, unit: str) -> str | None:
        label = _label_metric(self.text, self.lexicon, mention.start, unit)
        if label is not None:
            return label
        lo, hi = _clause_bounds(self.text, mention.start, mention.end)
        found = _lexicon_near(self.terms, lo, hi, unit, mention.start)
        if found is None:
            return None
        metric, start, end = found
        mention.metric_span = (start, end)
        return metric.name

    def _percent_metric(self, mention: Mention, cursor: int) -> None:
        text = self.text
        before = text[max(0, mention.start - 40) : mention.start]
        if _NATIONAL_AVERAGE.search(before):
            mention.subject_hint = "China"
            mention.inherit = True
            return
        if _GROWTH_VERB.search(before):
            mention.metric = self._multiple_metric(mention)
            return
        if _DECLINE_VERB.search(before):
            mention.metric = self._multiple_metric(mention).replace("growth", "decline", 1)
            return
        if self._share_metric(mention, cursor):
            if mention.metric == "share of GDP" and re.search(
                r"\b(?:R&D|research|innovation)\b",
                text[max(0, mention.start - 40) : mention.end + 80],
            ):
                mention.metric = "R&D intensity"
            return
        words, start, end = _np_words(text, cursor)
        if words:
            found = self.lexicon.match_head(words)
            if found is not None and unit_allows(found[0], "%") and found[0].units:
                mention.metric, mention.metric_span = found[0].name, (start, end)
                return
            first = words[0].lower()
            if first in {"growth", "increase", "rise", "jump"}:
                mention.metric = "growth"
                return
            if first in {"decline", "drop", "fall", "decrease", "cut", "reduction"}:
                mention.metric = "decline"
                return
        metric = self._lexicon_metric(mention, "%")
        if metric is not None and metric != "share":
            mention.metric = metric
            return
        left = self._left_phrase(mention.start)
        if left is not None:
            mention.metric, mention.metric_span = left
            return
        if any(m.unit == "%" for m in self.out) or self._possessor_before(mention):
            mention.inherit = True  # "38% ..., against 22% for Shenzhen"
            return
        mention.metric = metric or "share"

    def _left_phrase(self, start: int) -> tuple[str, tuple[int, int]] | None:
        """ "cut its reliance on imported inputs from 80%": the phrase before "from"/"at"."""
        before = self.text[max(0, start - 80) : start]
        head = re.search(
            r"\b(?:from|at|to|of|by|was|is|stood\s+at|reached)\s+(?:just\s+|only\s+)?$", before
        )
        if head is None or head.group().strip().lower() in ("of", "to"):
            return None
        kept = _phrase_before(before[: head.start()])
        if not kept or len(kept) > 6 or not kept[-1][:1].islower():
            return None
        kept[-1] = singular(kept[-1])
        lexical = self.lexicon.lookup(" ".join(kept))
        name = lexical.name if lexical is not None else display_words(kept)
        offset = max(0, start - 80)
        phrase_start = offset + before.rfind(kept[0], 0, head.start())
        return name, (phrase_start, offset + head.start())

    def _share_metric(self, mention: Mention, cursor: int) -> bool:
        """``X% of Y`` -> "share of Y"; ``of them`` -> "share of <previous metric>"."""
        text = self.text
        if _PRONOUN_OBJ.match(text, cursor):
            previous = next((m for m in reversed(self.out) if m.unit == "count"), None)
            if previous is None or not previous.metric:
                mention.metric = "share"
                return True
            # "about a third of them work on AI": a subset, told apart by what follows.
            pronoun = _PRONOUN_OBJ.match(text, cursor)
            assert pronoun is not None
            qualifier = _qualifier(text[pronoun.end() : pronoun.end() + 60])
            mention.metric = f"share of {previous.metric}" + (
                f" in {qualifier}" if qualifier else ""
            )
            return True
        target = _of_target(text, cursor)
        if target is None:
            return False
        words, start, end = target
        shared = _share_words(words, self.lexicon)
        if shared is None:
            return False
        metric, owner_words = shared
        mention.metric = f"share of {metric}"
        # An owner that is not a proper name ("the facility's users") is the subject, not part
        # of the metric: leave it outside the span so the subject finder can see it.
        if owner_words:
            start = text.find(words[owner_words], start)
        mention.metric_span = (start, end)
        return True

    # -- ranges and before/after pairs -----------------------------------------------------

    def _pair_ranges(self) -> None:
        text, out = self.text, self.out
        for first, second in itertools.pairwise(out):
            gap = text[first.end : second.start]
            if not re.fullmatch(r"\s*(?:and|to|or|-|–|—)\s*", gap, re.IGNORECASE):
                continue
            lead = text[max(0, first.start - 40) : first.start]
            head = _RANGE_HEAD.search(lead)
            # a dash or "or" between two numbers is a range on its own: "1.4–2.0%", "four or five"
            dash = gap.strip().lower() in {"-", "–", "—", "or"}
            if head is None and not dash:
                continue
            starts_from = (
                head is not None and "from" in head.group().lower() and not head.group("spread")
            )
            spread = head is not None and head.group("spread")
            if starts_from or (not dash and not spread and _UP_FROM.search(lead)):
                first.role, second.role = "from", "to"
            else:
                first.approx = second.approx = "range"
            _share_unit(first, second, text)
        for mention in out:
            if mention.role is not None:
                continue
            if not re.search(r"\b(?:up|down)\s+from\s+(?:just\s+|only\s+)?(?:US\$|\$|€|¥)?$",
                             text[max(0, mention.start - 25) : mention.start], re.IGNORECASE):  # fmt: skip
                continue
            previous = [m for m in out if m.end <= mention.start and m.unit == mention.unit]
            if previous:
                mention.role = "from"
                mention.metric = previous[-1].metric
                mention.metric_span = previous[-1].metric_span
                mention.inherit = False


def _phrase_before(before: str) -> list[str]:
    """The noun phrase ending ``before`` once verbs are dropped: "Online retail sales in
    Zhejiang grew" -> [Online, retail, sales]. Stops at a determiner, an owner ("Tongji
    University's") or a verb; a trailing "in <Name>" is the place, not the metric.
    """
    words = _WORD.findall(before)
    while words and (
        words[-1].lower() in _AUXILIARIES
        or _GROWTH_VERB.search(words[-1] + " ")
        or _DECLINE_VERB.search(words[-1] + " ")
    ):
        words.pop()
    kept: list[str] = []
    for word in reversed(words[-7:]):
        lower = word.lower()
        if (
            lower in DETERMINERS
            or lower in _LEFT_STOP - {"in", "of"}
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


def _share_unit(first: Mention, second: Mention, text: str) -> None:
    """ "15 and 20 investments", "$2-3 billion": the first number takes the second's unit,
    and its magnitude ("5.01–5.51 million")."""
    scale = _MAGNITUDE_IN.search(text, second.start, second.end)
    if (
        first.unit == second.unit
        and scale is not None
        and not _MAGNITUDE_IN.search(text, first.start, first.end)
        and first.value < second.value / 100
    ):
        first.value *= EN_MAGNITUDES[scale.group().lower()]
    if first.unit == "count" and second.unit != "count":
        first.unit = second.unit
        first.metric = None  # what the bare first number seemed to count no longer applies
        if first.value < second.value / 100:
            first.value *= second.value / max(1.0, _leading(second.value))
    take_second = not first.metric or first.inherit or first.unit == second.unit != "count"
    if take_second and second.metric and not second.inherit:
        first.metric, first.metric_span, first.inherit = second.metric, second.metric_span, False
    elif first.metric and (not second.metric or second.inherit):
        second.metric, second.metric_span, second.inherit = first.metric, first.metric_span, False


def _leading(value: float) -> float:
    """The digits part of a scaled value (2e9 -> 2), to scale "2-3 billion"'s first number."""
    scale = 1.0
    while value >= 1000 and value % 1000 == 0:
        value /= 1000
        scale *= 1000
    return value


#: Owners that name a country without saying which: kept as written, never assumed to be China.
_COUNTRY_OWNERS: Final = frozenset({"country's", "nation's", "national"})


def _share_words(words: Sequence[str], lexicon: MetricLexicon) -> tuple[str, int] | None:
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
        if first.lower() in _COUNTRY_OWNERS or first[:1].isupper():
            owner = "country's" if first.lower() in _COUNTRY_OWNERS else first
        else:
            skipped = 1
        kept = kept[1:]
    if not kept:
        return None
    metric = metric_from_words(kept, lexicon, "count")
    if metric is None:
        return None
    return f"{owner} {metric}".strip(), skipped


_LABEL: Final = re.compile(r"^\s*(?P<label>[A-Z][A-Za-z&'’\- ]{1,40}?)\s*:\s")


def _label_metric(text: str, lexicon: MetricLexicon, start: int, unit: str) -> str | None:
    """A fact-box line "Venture money: investors put $87 billion ..." names its metric first."""
    match = _LABEL.match(text)
    if match is None or match.end() > start:
        return None
    metric = lexicon.lookup(match.group("label"))
    if metric is None or not unit_allows(metric, unit):
        words = _WORD.findall(match.group("label"))
        found = lexicon.match_head(words) if words else None
        if found is None or not unit_allows(found[0], unit) or not found[0].units:
            return None
        metric = found[0]
    return metric.name


def find_english(sentence: str, lexicon: MetricLexicon) -> list[Mention]:
    """Every figure in one English sentence, offsets relative to the sentence."""
    return _Reader(sentence, lexicon).run()
