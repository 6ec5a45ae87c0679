"""Split English and Chinese text into sentences, keeping offsets.

A figure's sentence is its context in the change log, and its subject is looked for inside it,
so boundaries matter more than elegance: a line break always ends a sentence (titles, datelines
and list items have no full stop), ``。！？`` always do, and ``.!?`` do when followed by space and
a capital, a digit or CJK, unless the dot ends an abbreviation (``Dr.``, ``No.``, ``U.S.``) or a
list marker (``1. Personnel Pipelines``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from .script import CJK

__all__ = ["Sentence", "split_sentences"]


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence span of the text; ``paragraph`` numbers the lines the text is made of."""

    start: int
    end: int
    paragraph: int


_LINE: Final = re.compile(r"[^\n\r\u2028\u2029]+")
_BOUNDARY: Final = re.compile(
    r"[.!?]+[\"'”’)\]]*(?=\s+[\"“'‘(\[]?[A-Z0-9" + CJK + r"])"
    r"|[。！？]+[”’」』）)]*"
    r"|[!?]+[”’」』）)]*(?=[" + CJK + r"])"
)
# fmt: off
_ABBREVIATIONS: Final = (
    "Mr", "Mrs", "Ms", "Dr", "Prof", "St", "Mt", "No", "Nos", "Nr", "vs", "etc", "Inc", "Co",
    "Corp", "Ltd", "Jr", "Sr", "Gov", "Sen", "Rep", "Gen", "Col", "Lt", "Fig", "approx", "est",
    "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec",
    "e.g", "i.e", "U.S", "U.K", "U.N", "E.U", "a.m", "p.m",
)
# fmt: on
_ABBREVIATION: Final = re.compile(
    r"(?:^|[\s(\"“])(?:" + "|".join(re.escape(a) for a in _ABBREVIATIONS) + r"|[A-Z])$"
)
#: How far from its end a text can hold an abbreviation the pattern sees: the longest, and
#: the character before it. The search starts there (``^`` still means the text's start).
_ABBREVIATION_REACH: Final = max(map(len, _ABBREVIATIONS)) + 1
# "1." opening a line (or following a spam token) is a list marker, not the end of a sentence.
_LIST_MARKER: Final = re.compile(r"(?:^|[" + CJK + r"]\s*|[•·\-*]\s*)\s*[0-9]{1,2}$")
_SPACE: Final = " \t\f\v\u00a0\u3000"


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of ``text`` in order, trimmed of surrounding whitespace, never empty."""
    out: list[Sentence] = []
    for paragraph, line in enumerate(_LINE.finditer(text)):
        line_start = line.start()
        body = line.group()
        cut = 0
        for boundary in _BOUNDARY.finditer(body):
            end = boundary.end()
            if body[boundary.start()] == ".":
                before = body[cut : boundary.start()]
                tail = max(0, len(before) - _ABBREVIATION_REACH)
                if _ABBREVIATION.search(before, tail) or _LIST_MARKER.search(before):
                    continue
            _append(out, body, line_start, cut, end, paragraph)
            cut = end
        _append(out, body, line_start, cut, len(body), paragraph)
    return out


def _append(out: list[Sentence], body: str, offset: int, start: int, end: int, para: int) -> None:
    while start < end and body[start] in _SPACE:
        start += 1
    while end > start and body[end - 1] in _SPACE:
        end -= 1
    if start < end:
        out.append(Sentence(offset + start, offset + end, para))
