"""The period a figure is tied to: a year, ``since 2020``, ``by 2030``, ``annually``, ...

The period is part of a claim's key, so 2024 and 2025 venture totals are a time series and not
a conflict. Relative periods (``last year``, ``去年``) are resolved against the article's date;
without one they are dropped rather than stored as words that would mean another year next
January. ``截至2025年底`` / ``as of end-2025`` date a running total (43 unicorns *so far*) and
deliberately give no period: the next report of the same total must land on the same key.

Which figure an expression belongs to follows word order: English puts time after the figure
("$87 billion ... in 2025"), Chinese before it ("2025年，全市新认定……1.5万家").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

__all__ = ["PeriodMark", "assign_periods", "find_periods"]

_EVENT_VERB: Final = re.compile(
    r"\b(?:opened|founded|launched|established|completed|set\s+up|built|created|unveiled|started|"
    r"began|announced|signed|published|introduced|tightened|hit|born|listed|released|held|"
    r"passed|adopted|approved|issued|made|achieved|won|headlines|debuted)\s+(?:\w+\s+)?$",
    re.IGNORECASE,
)
_SINCE_BEFORE: Final = re.compile(r"\bsince\b[^,;.\d]{0,30}$", re.IGNORECASE)

_EN: Final = re.compile(
    r"(?P<since>\bsince\s+(?:(?:the\s+)?(?:start|beginning|end)\s+of\s+|early\s+|late\s+|mid-?)?(?P<sy>(?:19|20)\d{2})\b)"
    r"|(?P<by>\b(?:by|until|through)\s+(?:the\s+end\s+of\s+|end-|late\s+|mid-?)?(?P<by_y>(?:19|20)\d{2})\b)"
    r"|(?P<asof>\bas\s+of\s+(?:the\s+end\s+of\s+|end-)?(?:19|20)\d{2}\b)"
    r"|(?P<inyear>\b(?:in|during|for|throughout|over)\s+(?:(?:the\s+)?(?:first|second|third|fourth|last)\s+"
    r"(?:half|quarter|\d+\s+months|(?:eleven|ten|nine|six|three)\s+months)\s+of\s+|fiscal\s+|FY\s?)?"
    r"(?P<iy>(?:19|20)\d{2})\b(?![\-–]\d))"
    r"|(?P<paren>\((?P<py>(?:19|20)\d{2})\))"
    r"|(?P<named>(?<=[A-Z][a-z])\s(?P<ny>20\d{2})\b)"
    r"|(?P<last>\blast\s+year\b)|(?P<this>\bthis\s+year\b)|(?P<next>\bnext\s+year\b)"
    r"|(?P<annual>\b(?:annually|per\s+annum|per\s+year|a\s+year|each\s+year|every\s+year|yearly|"
    r"in\s+annual)\b)"
    r"|(?P<monthly>\b(?:monthly(?!\s+active)|per\s+month|a\s+month|each\s+month|every\s+month)\b)"
    r"|(?P<daily>\b(?:daily(?!\s+active)|per\s+day|a\s+day|each\s+day|every\s+day)\b)",
    re.IGNORECASE,
)
_ZH: Final = re.compile(
    r"(?P<since>(?:自|从)?(?P<sy>(?:19|20)\d{2})年(?:以来|起))"
    r"|(?P<by>(?:到|至)(?P<by_y>(?:19|20)\d{2})年(?:底|末)?)"
    r"|(?P<asof>截[至止]到?(?:19|20)\d{2}年(?:底|末|\d{1,2}月(?:底|末)?)?)"
    r"|(?P<inyear>(?P<iy>(?:19|20)\d{2})年(?:全年|上半年|前三季度|度)?)"
    r"|(?P<last>去年|上一年)|(?P<this>今年|本年)|(?P<next>明年)"
    r"|(?P<annual>每年|年均|每一年|全年)"
    r"|(?P<monthly>每月|月均)"
    r"|(?P<daily>每天|每日|日均)"
)


_KINDS: Final = (
    "since",
    "by",
    "asof",
    "inyear",
    "paren",
    "named",
    "last",
    "this",
    "next",
    "annual",
    "monthly",
    "daily",
)


@dataclass(frozen=True, slots=True)
class PeriodMark:
    """A period expression in a sentence; ``period`` None means "explicitly no period"."""

    start: int
    end: int
    period: str | None


def _resolve(match: re.Match[str], published: dt.date | None, text: str) -> PeriodMark | None:
    groups = match.groupdict()
    kind = next((g for g in _KINDS if groups.get(g)), None)
    start, end = match.span()
    if kind == "since":
        return PeriodMark(start, end, f"since {match.group('sy')}")
    if kind == "by":
        return PeriodMark(start, end, f"by {match.group('by_y')}")
    if kind == "asof":
        return PeriodMark(start, end, None)
    if kind == "inyear":
        year = match.group("iy")
        before = text[max(0, start - 40) : start]
        if _SINCE_BEFORE.search(before):
            return PeriodMark(start, end, f"since {year}")
        if _EVENT_VERB.search(before):
            return None  # "a fund set up in 2024": when something happened, not a period
        return PeriodMark(start, end, year)
    if kind == "paren":
        return PeriodMark(start, end, match.group("py"))
    if kind == "named":
        return PeriodMark(start, end, match.group("ny"))
    if kind in ("last", "this", "next"):
        if published is None:
            return None
        offset = {"last": -1, "this": 0, "next": 1}[kind]
        return PeriodMark(start, end, str(published.year + offset))
    if kind == "annual":
        return PeriodMark(start, end, "annually")
    if kind == "monthly":
        return PeriodMark(start, end, "monthly")
    if kind == "daily":
        return PeriodMark(start, end, "daily")
    return None


_EN_STARTERS: Final = frozenset(
    [
        "since",
        "by",
        "until",
        "through",
        "as",
        "in",
        "during",
        "for",
        "throughout",
        "over",
        "last",
        "this",
        "next",
        "annually",
        "per",
        "a",
        "each",
        "every",
        "yearly",
        "monthly",
        "daily",
    ]
)
_ZH_STARTERS: Final = frozenset("自从到至截去上今本明每年全月日")
_LETTERS: Final = re.compile(r"[A-Za-z]+")
_DIGITS: Final = re.compile(r"\d+")


def _starts(sentence: str, lang: str) -> list[int]:
    """Where a period expression may begin: the big pattern is tried only there."""
    starts = set()
    for match in _DIGITS.finditer(sentence):
        starts.add(match.start())
        starts.add(match.start() - 1)  # "(2020)", "Index 2025"
    if lang == "zh":
        starts.update(i for i, char in enumerate(sentence) if char in _ZH_STARTERS)
    else:
        starts.update(
            m.start() for m in _LETTERS.finditer(sentence) if m.group().lower() in _EN_STARTERS
        )
    return sorted(s for s in starts if s >= 0)


def find_periods(sentence: str, lang: str, published: dt.date | None) -> list[PeriodMark]:
    """Period expressions of one sentence, left to right."""
    pattern = _ZH if lang == "zh" else _EN
    marks: list[PeriodMark] = []
    reached = 0
    for start in _starts(sentence, lang):
        if start < reached:
            continue
        match = pattern.match(sentence, start)
        if match is None:
            continue
        reached = match.end()
        mark = _resolve(match, published, sentence)
        if mark is not None:
            marks.append(mark)
    return marks


_CLAUSE: Final = re.compile(r"[;；。!?！？]")


def assign_periods(
    sentence: str,
    spans: Sequence[tuple[int, int]],
    marks: Sequence[PeriodMark],
    lang: str,
) -> list[str | None]:
    """The period of each figure (by span, in order) from the sentence's period marks.

    English: the first mark after a figure and before the next figure; else the nearest mark
    before it in the same clause. Chinese: the nearest mark before it in the same clause; else
    the first mark after it, before the next figure.
    """
    out: list[str | None] = []
    usable = [m for m in marks if not any(s <= m.start < e for s, e in spans)]
    first_start = spans[0][0] if spans else len(sentence)
    for index, (start, end) in enumerate(spans):
        next_start = spans[index + 1][0] if index + 1 < len(spans) else len(sentence)
        after = [m for m in usable if end <= m.start < next_start]
        # In English a mark that follows another figure belongs to that figure ("80,000
        # wafers a month, and ... 42%"): only marks ahead of every figure are shared forward.
        before = [
            m
            for m in usable
            if m.end <= start
            and not _CLAUSE.search(sentence, m.end, start)
            and (lang == "zh" or m.end <= first_start)
        ]
        chosen: PeriodMark | None = None
        if lang == "zh":
            # Chinese names the time first; a mark after a figure is its own only when it
            # follows at once ("增长12.5%（2025年）").
            close = [m for m in after if sentence[end : m.start] in ("", "（", "(")]
            chosen = before[-1] if before else (close[0] if close else None)
        else:
            chosen = after[0] if after else (before[-1] if before else None)
        out.append(chosen.period if chosen else None)
    return out
