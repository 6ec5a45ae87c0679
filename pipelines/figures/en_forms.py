"""How English writes a number: the one scan that finds every number-like atom, and the small
anchored patterns around a number (magnitude, percent, sign, the unit spellings DESIGN.md fixes,
"N times", "ago").

Which of these a number has is decided in ``english.py``; what the words around it count or
measure in ``en_metrics.py``; approximators and ranges in ``en_approx.py``.
"""

from __future__ import annotations

import re
from typing import Final

from .numbers import VULGAR
from .units import spelling_pattern, unit_name

__all__ = [
    "AGE",
    "ATOM",
    "CAPITAL_NEXT",
    "COMPARATIVE",
    "DENOMS",
    "GLUED_NUMBER",
    "HALF_DOZEN",
    "HALF_PERIOD",
    "MAGNITUDE",
    "MAGNITUDE_IN",
    "MID_SENTENCE",
    "MULTIPLE_VERBS",
    "OF_POINT",
    "ORDINAL_NOT_RANK",
    "ORDINAL_WORDS",
    "OR_NEXT",
    "PERCENT",
    "PLUS",
    "POINT_IN_TIME",
    "RANK_NO",
    "RANK_VERB_BEFORE",
    "REFERENCE",
    "SIGN",
    "STARTER_STEMS",
    "TIME_UNITS",
    "UNIT",
    "WORD_NUMBERS",
    "WORD_ORDINAL_RANK",
    "YEAR_LIKE",
    "candidates",
    "unit_name",
]

WORD_NUMBERS: Final = (
    "zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    "fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
    "eighty|ninety|hundred|thousand|dozen"
)

DENOMS: Final = (
    "half|halves|thirds?|quarters?|fourths?|fifths?|sixths?|sevenths?|eighths?|ninths?|tenths?"
)

ORDINAL_WORDS: Final = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
}

MULTIPLE_VERBS: Final = {
    "doubled": 2.0,
    "tripled": 3.0,
    "trebled": 3.0,
    "quadrupled": 4.0,
    "double": 2.0,
    "triple": 3.0,
}

#: One scan finds every number-like atom; the named group says which kind it is.
ATOM: Final = re.compile(
    r"(?P<frac>(?<![A-Za-z])(?:(?P<fnum>one|two|three|four|five|six|seven|eight|nine|a)[\s\-]+)?"
    rf"(?P<fden>{DENOMS})(?![A-Za-z]))"
    r"|(?P<share>(?<![A-Za-z])(?P<snum>one|two|three|\d{1,2})\s+(?:out\s+)?(?:of|in)\s+"
    r"(?:every\s+)?(?P<sden>two|three|four|five|six|seven|eight|nine|ten|\d{1,3})(?![A-Za-z\d]))"
    r"|(?P<ord>(?<![\w.,])\d{1,3}(?:st|nd|rd|th)(?![A-Za-z]))"
    rf"|(?P<vfrac>(?<![\w.,/])(?:(?P<whole>\d+)(?:\s|-)?)?(?:(?P<vulgar>[{VULGAR}])"
    r"|(?P<vnum>\d{1,2})[/⁄](?P<vden>\d{1,2})(?![\d/]))(?![\w.,]\d))"
    r"|(?P<num>(?<![\w.,/])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)"
    rf"|(?P<word>(?<![A-Za-z\-])(?:{WORD_NUMBERS})(?:[\s\-]+(?:and\s+)?(?:{WORD_NUMBERS}))*"
    r"(?![A-Za-z]))"
    r"|(?P<mult>(?<![A-Za-z])(?:doubled|tripled|trebled|quadrupled|twice|double|triple)(?![A-Za-z\-]))"
    r"|(?P<ordw>(?<![A-Za-z])(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|"
    r"tenth)(?![A-Za-z]))",
    re.IGNORECASE,
)

GLUED_NUMBER: Final = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\d,.]\d)")

MAGNITUDE: Final = re.compile(
    r"(?:\s?-?\s?(?P<w>trillion|billion|million|thousand|hundred)|(?P<a>bn|tn|mn|k|m|b|B|M|K))"
    r"(?![A-Za-z])",
    re.IGNORECASE,
)

#: A magnitude word inside a figure's span ("5.51 million"), to scale the other end of a range.
MAGNITUDE_IN: Final = re.compile(
    r"(?<=[\d\s])(?:trillion|billion|million|thousand|bn|tn|mn)\b", re.I
)

PLUS: Final = re.compile(r"(?:\+|-plus\b)(?![\dA-Za-z])")  # "1,700+", "100-plus"

#: "5%", "5 percent", "5 percentage points", "49-per-cent", British "5pc".
PERCENT: Final = re.compile(
    r"(?:\s?(?:%|percent(?:age points?)?|per[\s\-]?cent|pct)|-per-cent|pc)(?![A-Za-z])",
    re.IGNORECASE,
)

#: Physical units after a number, longest spellings first.
#: Spellings of DESIGN.md's own units after a number (seeds/units.toml, [spellings]).
UNIT: Final = spelling_pattern()

ORDINAL_NOT_RANK: Final = re.compile(
    r"[\s\-]*(?:percentile|century|centuries|anniversary|edition|session|minute|floor|birthday|"
    r"five-year|plenary|congress|round|time|generation|batch|phase|stage|quarter|half|day|"
    r"week|month|year|street|avenue|road|precinct|district|ward|parallel)\b",
    re.IGNORECASE,
)

WORD_ORDINAL_RANK: Final = re.compile(
    r"\b(?:rank(?:ed|s|ing)?|plac(?:ed|es|ing)(?:\s+\w+)?|came|comes|finish(?:ed|es)?|"
    r"position(?:ed)?|stood|stands|sits|sat)\s+(?:in\s+)?(?:the\s+)?$",
    re.IGNORECASE,
)

#: A minus sign or the word "minus" right before a number (not a hyphen between two numbers).
SIGN: Final = re.compile(r"(?:(?<![\w.,%])[-−–]|\bminus[\s\-])$", re.IGNORECASE)

AGE: Final = re.compile(
    r"(?:\s*(?:to|-|–|or)\s*\d{1,3})?[\s\-]*years?[\s\-]*old\b", re.IGNORECASE
)  # "28-year-old", "25 to 34 years old" (both ends)

REFERENCE: Final = re.compile(
    r"\b(?:the|these|those|its|their|our|my|his|her|your)\s+(?:other\s+)?$", re.IGNORECASE
)

#: A word and a space before: the position is not the opening of a sentence or quotation.
MID_SENTENCE: Final = re.compile(r"[\w,;’'] $")

CAPITAL_NEXT: Final = re.compile(r"[ \-][A-Z]")

POINT_IN_TIME: Final = re.compile(r"\s+(?:ago|earlier|later|from\s+now|hence)\b", re.IGNORECASE)

#: What makes "N times" a multiple: a comparative or a base after it.
COMPARATIVE: Final = re.compile(
    r"\s+(?:(?!per\b)[a-z]+er\b|more|less|fewer|as\b|that\b|those\b|the\b|over\b|what\b)",
    re.IGNORECASE,
)

#: The other end of a spelled range: "two or three", "four to five".
OR_NEXT: Final = re.compile(rf"\s+(?:or|to)\s+(?:{WORD_NUMBERS}|\d)", re.IGNORECASE)

DIGITS: Final = re.compile(rf"[\d{VULGAR}]+")

LETTERS: Final = re.compile(r"[A-Za-z]+")

#: Words an atom can start with; the scan tries the big pattern only where one of them (or a
#: digit) stands, which is several times faster than letting it try every position.
STARTERS: Final = frozenset(
    [
        *WORD_NUMBERS.split("|"),
        *DENOMS.replace("?", "").split("|"),
        "a",
        "quarter",
        "thirds",
        "quarters",
        "fourths",
        "fifths",
        "sixths",
        "sevenths",
        "eighths",
        "ninths",
        "tenths",
        "doubled",
        "tripled",
        "trebled",
        "quadrupled",
        "twice",
        "double",
        "triple",
        *ORDINAL_WORDS,
    ]
)

#: Substrings every starter word contains (a quick test before tokenizing a sentence).
STARTER_STEMS: Final = tuple(sorted({w[:3] for w in STARTERS if len(w) >= 3} | {"half", "twice"}))


def candidates(text: str) -> list[int]:
    """Positions where a number may start: each digit run, and each word that may open one."""
    lower = text.lower()
    if DIGITS.search(text) is None and not any(word in lower for word in STARTER_STEMS):
        return []  # most sentences: no digit and no number word, nothing to scan
    starts = [m.start() for m in DIGITS.finditer(text)]
    starts += [m.start() for m in LETTERS.finditer(text) if m.group().lower() in STARTERS]
    starts.sort()
    return starts


RANK_VERB_BEFORE: Final = re.compile(
    r"\b(?:rank(?:s|ed|ing)?|plac(?:ed|es|ing))\s+(?:No\.\s?)?$", re.IGNORECASE
)

YEAR_LIKE: Final = re.compile(r"(?:1[89]|2[01])\d{2}")

#: "No. 8 on the list": a rank (identifiers after a capitalized noun are traps.py's).
RANK_NO: Final = re.compile(r"\bNo\.\s?$")

#: "half-a-dozen", "a half-dozen": six.
HALF_DOZEN: Final = re.compile(r"(?:a\s+)?half[\s\-]+(?:a[\s\-]+)?dozen\b", re.IGNORECASE)

#: "half a percentage point": the fraction of a point, not a share.
OF_POINT: Final = re.compile(r"[\s\-]+(?:a\s+|of\s+a\s+)?percentage[\s\-]+points?\b", re.I)

TIME_UNITS: Final = frozenset({"s", "min", "h", "day", "month", "year"})

HALF_PERIOD: Final = re.compile(
    r"(?:first|second|third|fourth|last|latter|other|this|next|past|the|a|top|bottom|upper|lower|"
    r"back|front)[\s\-]*$",
    re.IGNORECASE,
)
