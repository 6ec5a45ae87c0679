"""Approximators and ranges in English: "more than 40", "nearly 30%", "40 or so", "between 8,000
and 10,000", "from 80% to 37%", "$2-3 billion", "four or five buyers".

The approximator words are data (``seeds/english.toml``); the rules that read them are here.
"""

from __future__ import annotations

import itertools
import re
from typing import Final

from .en_forms import MAGNITUDE_IN
from .model import Mention
from .numbers import EN_MAGNITUDES
from .vocabulary import APPROX_KINDS, approximator_endings, approximator_pattern

__all__ = ["APPROX_AFTER", "APPROX_BEFORE", "approx_before", "pair_ranges"]

#: Approximators read right to left from the number (seeds/english.toml; the longest wins).
APPROX_BEFORE: Final = approximator_pattern()
_ENDINGS: Final = approximator_endings()
#: What :data:`APPROX_BEFORE` lets stand between an approximator and the number, casefolded.
_CURRENCIES: Final = ("us$", "hk$", "$", "€", "¥", "£", "rmb")

_ADDS_UP: Final = re.compile(r"\badd(?:s|ed|ing)?\s+up$", re.IGNORECASE)
#: A verb that moves something to a level, with up to three words of object: "bumps the rate".
_RAISED: Final = re.compile(
    r"\b(?:bump|rais|push|bring|brought|ramp|boost|lift|crank|jack)\w*(?:\s+[\w’'-]+){0,3}\s+$",
    re.IGNORECASE,
)
APPROX_AFTER: Final = re.compile(
    r"\s*(?:or\s+so|or\s+something|or\s+(?:more|greater|higher|longer)|and\s+(?:more|above))\b",
    re.I,
)

RANGE_HEAD: Final = re.compile(
    r"(?:between|(?P<spread>rang(?:e|es|ed|ing)\s+)?from)\s*(?:US\$|\$|€|¥|RMB\s?)?\s*$", re.I
)

UP_FROM: Final = re.compile(
    r"(?:up|down|rising|falling|increasing|decreasing|compared|against)?\s*"
    r"(?:from)\s+(?:just\s+|only\s+|a\s+mere\s+)?(?:US\$|\$|€|¥|RMB\s?)?\s*$",
    re.IGNORECASE,
)


def _may_end_with_approximator(window: str) -> bool:
    """Does ``window``, less a currency and spaces at its end, end with an approximator's last
    word? Most numbers have no approximator: this test in C spares them the pattern, which
    tries each of its alternatives at every position of the window (15 µs a number)."""
    bare = window.rstrip().casefold()
    if bare.endswith(_ENDINGS):
        return True
    return any(
        bare.endswith(currency) and bare[: -len(currency)].rstrip().endswith(_ENDINGS)
        for currency in _CURRENCIES
    )


def approx_before(text: str, start: int) -> tuple[str, int]:
    """The approximator ending right before ``start`` and where it begins (or exact)."""
    window = text[max(0, start - 30) : start]
    if not _may_end_with_approximator(window):
        return "exact", start
    match = APPROX_BEFORE.search(window)
    if match is None:
        return "exact", start
    kind = next(k for k in APPROX_KINDS if match.group(k))
    if kind == "under" and _ADDS_UP.search(window, 0, match.start() + 2):
        return "exact", start  # "adds up to 6 PB" is a total, not a cap
    if (
        kind == "under"
        and re.match(r"up\s+to", match.group(), re.IGNORECASE)
        and _RAISED.search(text, max(0, start - 60), start - (len(window) - match.start()))
    ):
        return "exact", start  # "bumps the frame rate up to 60FPS": raised to, not a cap
    return kind, start - (len(window) - match.start())


#: "by a margin of 48% to 38%", "voted 9 to 1": two sides, not the ends of a range.
_SIDES: Final = re.compile(r"\b(?:by|margin\s+of|vot(?:e|ed|es|ing)|ratio\s+of)\s+(?:a\s+)?$", re.I)


#: A verb of change right before the first amount: "rose 2% to 5%" is by how much and to what.
_CHANGE: Final = re.compile(
    r"\b(?:rose|rise[sn]?|rising|fell|fall(?:s|en|ing)?|increas\w*|decreas\w*|climb\w*|jump\w*|"
    r"gain\w*|drop\w*|declin\w*|grew|grow\w*|up|down|added|lost|cut|rais\w*|slip\w*|soar\w*|"
    r"plung\w*|slid\w*|tumbl\w*|surg\w*|advanc\w*|edg\w*\s+(?:up|down|higher|lower))"
    r"\s+(?:by\s+)?(?:an?\s+)?(?:\w+\s+)?$",
    re.IGNORECASE,
)


def _same_kind(first: Mention, second: Mention, lead: str) -> bool:
    """ "X to Y" is a range when both are one kind of amount (or the first is bare) and
    nothing says they are a before and after ("from") or two sides ("by 56% to 35%")."""
    if first.role or second.role or UP_FROM.search(lead) or _SIDES.search(lead):
        return False
    if first.unit == second.unit:
        if first.unit != "count" and _CHANGE.search(lead):
            return False  # "rose 0.5% to 4.5%": a change and the level it reached
        return first.unit != "count" or first.value < second.value
    return first.unit == "count" and second.unit != "count"


def share_unit(first: Mention, second: Mention, text: str) -> None:
    """ "15 and 20 investments", "$2-3 billion": the first number takes the second's unit,
    and its magnitude ("5.01–5.51 million")."""
    scale = MAGNITUDE_IN.search(text, second.start, second.end)
    if (
        first.unit == second.unit
        and scale is not None
        and not MAGNITUDE_IN.search(text, first.start, first.end)
        and first.value < second.value / 100
    ):
        first.value *= EN_MAGNITUDES[scale.group().lower()]
    if first.unit == "count" and second.unit != "count":
        first.unit = second.unit
        first.metric = None  # what the bare first number seemed to count no longer applies
        if first.value < second.value / 100:
            first.value *= second.value / max(1.0, leading(second.value))
    take_second = not first.metric or first.inherit or first.unit == second.unit != "count"
    if take_second and second.metric and not second.inherit:
        first.metric, first.metric_span, first.inherit = second.metric, second.metric_span, False
    elif first.metric and (not second.metric or second.inherit):
        second.metric, second.metric_span, second.inherit = first.metric, first.metric_span, False


def leading(value: float) -> float:
    """The digits part of a scaled value (2e9 -> 2), to scale "2-3 billion"'s first number."""
    scale = 1.0
    while value >= 1000 and value % 1000 == 0:
        value /= 1000
        scale *= 1000
    return value


def pair_ranges(text: str, out: list[Mention]) -> None:
    """Join neighbouring figures into ranges and before/after pairs, in place."""
    for first, second in itertools.pairwise(out):
        gap = text[first.end : second.start]
        if not re.fullmatch(r"\s*(?:and|to|or|-|–|—|-to-)\s*", gap, re.IGNORECASE):
            continue
        if gap.strip() == "—" and gap != "—":
            continue  # "$2.554 — $1.15 less": a spaced em dash opens an aside
        lead = text[max(0, first.start - 40) : first.start]
        head = RANGE_HEAD.search(lead)
        # a dash or "or" between two numbers is a range on its own: "1.4–2.0%", "four or five";
        # so is "to" between two amounts of one kind: "US $89 to $93 billion", "3.5 to 4 percent"
        dash = gap.strip().lower() in {"-", "–", "—", "or", "-to-"} or (
            gap.strip().lower() == "to" and _same_kind(first, second, lead)
        )
        if head is None and not dash:
            continue
        starts_from = (
            head is not None and "from" in head.group().lower() and not head.group("spread")
        )
        spread = head is not None and head.group("spread")
        if starts_from or (not dash and not spread and UP_FROM.search(lead)):
            first.role, second.role = "from", "to"
        else:
            first.approx = second.approx = "range"
        share_unit(first, second, text)
    for first, second in itertools.pairwise(out):
        # "up to 50 km (31 miles)": a conversion in parentheses shares the approximator
        if (
            second.approx == "exact"
            and first.approx not in ("exact", "range")
            and re.fullmatch(r"\s*\(\s*", text[first.end : second.start])
            and first.unit not in ("count", "%")
            and second.unit not in ("count", "%")
        ):
            second.approx = first.approx
    for mention in out:
        if mention.role is not None:
            continue
        if not re.search(
            r"\b(?:up|down)\s+from\s+(?:just\s+|only\s+)?(?:US\$|\$|€|¥)?$",
            text[max(0, mention.start - 25) : mention.start],
            re.IGNORECASE,
        ):
            continue
        previous = [m for m in out if m.end <= mention.start and m.unit == mention.unit]
        if previous:
            mention.role = "from"
            mention.metric = previous[-1].metric
            mention.metric_span = previous[-1].metric_span
            mention.inherit = False
