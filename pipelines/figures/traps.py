"""Spans of a sentence where numbers are never figures.

Dates, clock times, phone/hotline/licence numbers, list markers, version-like names
(``Silicon Valley 2.0``, ``1+8``, ``1+X``), short quoted names (``"Tech Pioneer 2025"``,
``“一小时科创圈”``), ages used as adjectives, rate denominators (``per 10,000 residents``),
sports scores and spam tokens. A figure that overlaps one of these spans is dropped. Keeping
them as spans (rather than special cases in the finders) lets one list serve both languages.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Final

from .currency import currency_before

__all__ = ["is_title_case", "protected_spans"]

_MONTHS: Final = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)

_NAMES: Final = Path(__file__).resolve().parents[2] / "seeds" / "names.toml"
with _NAMES.open("rb") as _handle:
    _NAME_DATA: Final = tomllib.load(_handle)
#: Nouns whose number names one of them rather than counting them (seeds/names.toml).
_NUMBERED_NOUNS: Final = "|".join(re.escape(noun) for noun in _NAME_DATA["numbered_nouns"])
#: Index names whose number is part of the name, wherever they stand (seeds/names.toml).
_INDICES: Final = "|".join(
    re.escape(name).replace(r"\ ", r"\s").replace(r"\-", r"[\s\-]")
    for name in _NAME_DATA["indices"]
)

#: Statistics named by the length of their period: "52-week high", "200-day moving average".
_PERIOD_STATS: Final = "|".join(
    re.escape(w).replace(r"\ ", r"\s") for w in _NAME_DATA["period_statistics"]
)
_PERIOD_UNITS: Final = "week|day|month|year"

_CLOCK: Final = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
_INDEX_GATES: Final = tuple(
    {
        re.split(r"[\s\-/]", name)[0] if name[1:2] != " " else name[:3]
        for name in _NAME_DATA["indices"]
    }
)
_MONTH_WORDS: Final = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)

# (gate, pattern): a pattern runs only when one of its gate substrings occurs in the sentence
# (None: always). Patterns are kept apart rather than joined into one alternation, because a
# match of one would hide an overlapping match of another ("⏱ 2025" hiding "2025-05-24").
# Each opens with a literal or a digit, the word boundary checked just after it
# ("\d(?<!\w\d)" is "\b\d"), so the regex engine can skip to where a match may start.
_RAW: Final[tuple[tuple[tuple[str, ...] | None, str], ...]] = (
    # ISO-like dates and times: 2025-05-24, 2025/5/24, 24.05.2025, 00:25, 10:20:33, 9 a.m.
    (None, r"\d(?<!\w\d)\d{3}[-/.]\d{1,2}[-/.]\d{1,2}\b"),
    (None, r"\d(?<!\w\d)\d?[/.]\d{1,2}[/.]\d{2,4}\b"),
    ((":", "："), r"\d(?<![\d.]\d)\d?[:：]\d{2}(?::\d{2})?(?:\s?[ap]\.?m\.?)?"),
    (
        ("am", "pm", "a.m", "p.m", "AM", "PM", "A.M", "P.M"),
        r"\d(?<!\w\d)\d?(?:[.:]\d{2})?\s?(?:[apAP]\.[mM]\.|(?:am|pm|AM|PM)\b)",
    ),
    # Clock spans: "from 3 to 9 p.m.", "10-11am"
    (
        ("am", "pm", "a.m", "p.m", "AM", "PM"),
        r"\d(?<!\w\d)\d?(?:[:.]\d{2})?\s*(?:to|-|–)\s*\d{1,2}(?:[:.]\d{2})?\s?(?:[apAP]\.[mM]\.|(?:am|pm|AM|PM)\b)",
    ),
    # Live-blog timestamps opening an entry: "17.00 We are going to leave ...", "09.52 In Indonesia"
    (None, r"^\s*(?:[01]\d|2[0-3])[.:][0-5]\d(?=\s+[A-Z\"“‘']|\s*$)"),
    # Dialled numbers and emergency lines: "calling 911", "a 911 dispatch operator", "999 call"
    (
        ("call", "dial", "phone", "dispatch", "operator", "emergency"),
        r"\b(?:call(?:ed|ing|s)?|dial(?:l?ed|l?ing|s)?|phoned?)\s+\d{3,}\b"
        r"|\b(?:911|999|112)\s+(?:calls?|dispatch\w*|operators?|emergency|cent(?:er|re)s?)\b",
    ),
    # Clock times in words: "twelve o'clock", "three or four a.m."
    (
        ("o'clock", "o’clock", "a.m.", "p.m."),
        rf"(?i:\b(?:(?:{_CLOCK})\s+(?:or|to)\s+)?(?:{_CLOCK}|\d{{1,2}})\s?(?:o['’]clock|[ap]\.m\.))",
    ),
    # Years cut to two digits: in ’91, the ’80s
    (("’", "'"), r"(?<![\w’'])[’']\d{2}s?\b"),
    # Month-name dates: October 18, 2024 / 18 October / March 2025 / the 18th of May
    (
        _MONTH_WORDS,
        rf"\b{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:[-–]\d{{1,2}})?(?:,?\s+\d{{4}})?(?!\d|,\d)",
    ),
    (_MONTH_WORDS, rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}\b(?:,?\s+\d{{4}})?"),
    (_MONTH_WORDS, rf"\b{_MONTHS}\.?,?\s+\d{{4}}\b"),
    # Chinese dates: 2025年3月1日, 3月1日, 2025年底, 3月份, 一九九八年
    (("月",), r"\d{2,4}\s?年\s?\d{1,2}\s?月(?:\s?\d{1,2}\s?[日号])?"),
    (("月",), r"\d{1,2}\s?月\s?\d{1,2}\s?[日号]"),
    (("月",), r"\d(?<!\d\d)\d?月(?:份|初|中旬|下旬|上旬|底|末)?(?!\d)"),
    (("年",), r"[12](?<![\d.][12])[0-9]\d{2}\s?年(?:代|度|初|底|末|中|前|后|以来)?"),
    (("年",), r"[一二三四五六七八九〇零]{4}年"),
    # Periods of a calendar told as spans: "in the first 11 months of 2024" (while "over the
    # past 5 years" is a duration, a figure)
    (
        ("first", "last", "past", "next", "previous", "coming"),
        r"\b(?:first\s+\d{1,2}\s+(?:months|years|days|weeks|quarters)\b|(?:last|past|next|previous|"
        r"coming)\s+\d{1,2}\s+(?:months|years|days|weeks|quarters)\s+of\s+(?:the\s+year|\d{4})\b)",
    ),
    # Years in decades and seasons: the 2020s, Q3 2025, H1
    (None, r"(?:19|20)(?<!\w..)\d{2}s\b"),
    (None, r"[QH][1-4](?<!\w..)\b"),
    # Phones, hotlines, licence and ID numbers
    (None, r"\+\s?86[\s\-]?\(?0?\d{2,3}\)?[\s\-]?\d{3,4}[\s\-]?\d{4}\b"),
    (None, r"(?:\(0|0)\d{2,3}\)?[\s\-]\d{3,4}[\s\-]?\d{4}\b"),
    # A link title in brackets standing alone: "[Trippy Tales: The History of 8 Hallucinogens]"
    (("[",), r"^\s*\[[^\]\n]{0,120}\]\s*$"),
    # Street blocks: "the 23300 block of Edmond Street"; a 24-hour clock: "departed at 2100 on Sunday"
    (("block",), r"\b\d+\s+block\s+of\b"),
    (
        ("at ",),
        r"\bat\s+(?:[01]\d|2[0-3])[0-5]\d\b(?=\s+(?:hours|hrs|GMT|BST|UTC|local|on|today|tonight)\b)",
    ),
    # British numbers: 08000 858531, 0800 858 531, 020 7946 0018
    (None, r"\b0\d{2,4}[\s\-]\d{3}[\s\-]?\d{3,4}\b"),
    # Citations: "Developmental Biology 392(2): 404–418", "doi:10.1016/j.ydbio.2014.06.005"
    (("(", "doi"), r"\b\d+\(\d+\):\s?\d+(?:[–-]\d+)?|\bdoi:\s?\S+"),
    (None, r"[48](?<!\w[48])00[\s\-]?\d{3}[\s\-]?\d{4}\b"),
    (None, r"1(?<!\w1)[3-9]\d{9}\b"),
    (None, r"\d(?<![\d,.]\d)\d{6,}(?![\d,.])"),
    (
        None,
        r"(?:电话|热线|传真|邮编|许可证|备案号|ICP备|ICP证|公网安备|编号|Tel|Fax|Hotline|"
        r"License|Licence|ID)[\s:：号]*[\dA-Za-z\-\s()]{3,}",
    ),
    (None, r"[沪京粤浙苏皖]ICP[备证]\d+号(?:-\d+)?"),
    # Names with numbers: 1+8, 1+X, Silicon Valley 2.0, Industry 4.0, No. 1, COVID-19
    (("+",), r"\d(?<!\w\d)\d*\s?\+\s?(?:\d+|[A-Z])\b(?!\s?(?:%|percent))"),
    ((".0",), r"(?<=[A-Za-z]\s)\d{1,2}\.0\b"),
    (("top", "Top", "TOP"), r"\b(?:top|Top|TOP)[\s\-]\d{1,4}\b"),
    # "Proposition No. 5" names one; "No. 8 on the list" is a rank (english.py)
    (("No.",), r"(?<=[\w,] )[A-Z][a-z]+\s+No\.\s?\d+\b"),
    # North American phone numbers: 1-800-555-0199, (646) 274-2455, 646-274-2455
    (None, r"(?<![\w.\-])(?:1[\s\-.])?(?:\(\d{3}\)\s?|\d{3}[\s\-.])\d{3}[\-.]\d{4}\b"),
    # Model numbers with a series: Airbus A320-200, Boeing 737-800
    (("-",), r"\b[A-Z]{1,4}\d{2,4}[A-Z]?-\d{1,4}[A-Z]?\b(?![.,]\d|\s?%)"),
    (("-",), r"\b[A-Z][a-z]+\s\d{3}-\d{3}\b(?![.,]\d|\s?%)"),
    # A period named by its length (seeds/names.toml): "52-week high", "trailing-12-month"
    (
        None,
        rf"(?i:\d(?<!\w\d)\d{{0,2}}[\s\-](?:{_PERIOD_UNITS})[\s\-]"
        rf"(?:[—–-]+\s*and\s+[\w\-]+\s*[—–-]+\s*)?(?:{_PERIOD_STATS})\b)",
    ),
    # A list title quoted or cited: “10 Breakthrough Technologies 2014”, (see 35 Innovators Under 35)
    (
        ("“", '"', "(see"),
        r"(?:(?<=[“\"])|(?<=\(see ))\d{1,4}\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+(?:\s+\d+)?",
    ),
    (
        ("trailing", "Trailing"),
        r"(?i:\btrailing[\s\-]\d{1,2}[\s\-](?:months?|weeks?|days?|years?)\b)",
    ),
    # Index names: S&P 500, Nikkei 225, TA-125 (seeds/names.toml); codes of a capitalized name
    # and a hyphen: FFF-258, F-35
    (_INDEX_GATES, rf"\b(?:{_INDICES})\b"),
    (("-",), r"\b[A-Z][A-Za-z]*-\d+(?:\.\d+)?\b(?![.,]\d|\s?%)"),
    # Slide and gallery counters opening an item: "- 25/50 Change at the top"
    (("/",), r"^\s*(?:[-*•]\s*)?\d{1,3}/\d{1,3}(?=\s+[A-Z])"),
    # Identifiers: a number after the noun it numbers (version 8, Bug 1553982, Table 6-1,
    # Section 427 Row 21: see _numbered), the 22nd amendment, after "#", and note markers
    # ([20], "seconds.23")
    (None, rf"\d(?<!\w\d)\d*(?:st|nd|rd|th)\s+(?i:{_NUMBERED_NOUNS})\b"),
    (("#",), r"#\s?\d+\b"),
    (("[",), r"\[\d{1,3}\]"),
    (None, r"(?<=[a-z][.,])\d{1,3}(?=\s|$)"),
    (("图", "表"), r"[图表]\s?\d+"),
    (("-19",), r"\b(?:COVID|Covid|covid)-19\b"),
    # Ages used as adjectives, rate denominators, sports scores
    (("year",), r"\d(?<!\w\d)\d{0,2}[\s\-]year[\s\-]old\b"),
    (("aged",), r"\baged\s+\d{1,3}\b"),
    (("age",), r"\bages?\s+(?:of\s+)?\d{1,3}(?:\s*(?:to|-|–|and|or)\s*\d{1,3})?\b"),
    (
        ("younger", "older"),
        r"\b(?:younger|older)\s+than\s+\d{1,3}\b(?![\s\-]*(?:%|percent|per|years?\s+(?:of|in|on|at)))",
    ),
    # News gives ages in commas after a name: "Cathy Medernach, 48, told ..."
    ((",",), r"\b[A-Z][A-Za-z]+,\s\d{1,3}(?=,)"),
    (
        ("turn",),
        r"\bturn(?:ed|s|ing)?\s+\d{1,3}\b(?![\s\-]*(?:%|percent|per|million|billion|years?\s+(?:ago|earlier)))",
    ),
    (
        ("per", "every"),
        r"\b(?:per|for\s+every)\s+\d{1,3}(?:,\d{3})*(?:\s+(?:people|residents|"
        r"inhabitants|persons|employees|workers))\b",
    ),
    (
        ("每",),
        r"每\s?(?:\d+(?:\.\d+)?|[一二三四五六七八九十百千万]+)\s?(?:万|千|百)?\s?(?:人|名|户)",
    ),
    (
        ("win", "victory", "defeat", "loss", "draw", "lead", "home", "away"),
        r"\d(?<![\d.]\d)\d?[-–]\d{1,2}(?=\s+(?:win|victory|defeat|loss|draw|lead|home|away)\b)",
    ),
    (
        ("won", "beat", "lost", "drew", "trailed", "led", "ended", "finished"),
        r"\b(?:won|beat|lost|drew|trailed|led|ended|finished)\s+\d{1,2}[-–]\d{1,2}\b",
    ),
    (
        ("score", "halftime", "half-time"),
        r"\d(?<![\d.]\d)\d?[-–]\d{1,2}(?=\s+(?:at\s+)?(?:halftime|half-time|the\s+break)\b)|\bscore\s(?:was|is|of)\s\d{1,2}[-–]\d{1,2}\b",
    ),
    # Addresses: Building 3, Room 1204, 88 Keyuan Road, 1000号, 3号楼
    (
        (
            "Building",
            "Room",
            "Floor",
            "Suite",
            "Unit",
            "Gate",
            "Exit",
            "Hall",
            "Block",
            "Tower",
            "Line",
            "Lane",
            "Platform",
        ),
        r"\b(?:Building|Room|Floor|Suite|Unit|Gate|Exit|Hall|Block|Tower|Line|Lane|Platform)\s+\d+[A-Z]?\b",
    ),
    (
        ("Road", "Street", "Avenue", "Lane", "Rd", "St", "Ave", "Boulevard"),
        r"\d(?<!\w\d)\d*\s+(?:[NSEW]\.?\s+)?[A-Z][a-z]+\s+(?:Road|Street|Avenue|Lane|Rd|St|Ave|Boulevard)\b",
    ),
    (("号", "弄"), r"\d+\s?(?:号楼|号线|号院|弄|号(?![\u4e00-\u9fff]*(?:企业|公司)))"),
    # Emoji counters of page chrome (📢0, 👁 27) and spam codes
    (None, r"[📢👁🔖⏱🕒📅]\s?\d+"),
    (("sh", "SH"), r"\b(?:sh|SH)\d{3,4}\b"),
    # Short quoted names: "Tech Pioneer 2025", “一小时科创圈”, 《十四五规划》
    (None, r"《[^》\n]{1,40}》"),
    (None, r"“[^”\n\d]{0,12}[\d一二三四五六七八九十][^”\n]{0,12}”"),
    (None, r"\"[A-Z][^\"\n]{0,30}\""),
    (None, r"“[A-Z][^”\n]{0,30}”"),
    (None, r"'[A-Z][^'\n]{0,30}'"),
)
_TRAPS: Final = tuple(
    (frozenset(gate) if gate else None, re.compile(pattern)) for gate, pattern in _RAW
)
_GATE_WORDS: Final = frozenset(word for gate, _pattern in _RAW for word in gate or ())
#: The gate words by their first character: a sentence is searched only for the words whose
#: first character it has (a set intersection in C spares most of the substring searches).
_GATES_BY_FIRST: Final = {
    first: tuple(word for word in _GATE_WORDS if word[0] == first)
    for first in {word[0] for word in _GATE_WORDS}
}
_GATE_FIRSTS: Final = frozenset(_GATES_BY_FIRST)

#: Numbered list markers at the start of a sentence: "1. ", "(2) ", "3) ", "一、", "①".
_LIST_MARKER: Final = re.compile(
    r"^\s*(?:[\u4e00-\u9fff]{1,12}\d{0,4}[\u4e00-\u9fff]{0,4}\s+)?"  # a spam token glued in front
    r"(?:[(（]?\d{1,2}[.)）、](?=\s|[\u4e00-\u9fff])|[(（]\d{1,2}[)）]|[一二三四五六七八九十]{1,3}、|"
    r"[(（][一二三四五六七八九十]{1,3}[)）]|[①-⑳]|[-*•]\s*\d{1,3}\s*$)"  # "- 2" alone: an item number
)
#: A quoted segment of four words or more is speech, not a name, and keeps its figures.
_SPEECH_WORDS: Final = re.compile(r"[A-Za-z]+\W+[A-Za-z]+\W+[A-Za-z]+\W+[A-Za-z]+\b")


#: A capitalized name right before a number inside a sentence is one name with it: "From
#: Firefox 85 it is", "as Apollo 11 approached", "HTML 5 or XHTML 4.01", "Proposition 8".
_NAME_NUMBER: Final = re.compile(
    r"(?<=[\w,’'] )(?:[A-Z][\w&]*|[a-z]+[A-Z]\w*) (?P<n>\d+(?:\.\d+)*)"
    r"(?![\w%]|[.,]\d|\s?(?:percent|per\s?cent)\b)"
)
_LONG_WORD: Final = re.compile(r"\b[A-Za-z][a-z]{3,}\b")
#: Words title case leaves in lower case.
_TITLE_SMALL: Final = frozenset({"with", "from", "into", "onto", "over", "than", "amid", "after"})


def is_title_case(sentence: str) -> bool:
    """A headline in title case ("Shanghai Hosts 43 Unicorns"): capitals tell no names there."""
    words = [w for w in _LONG_WORD.findall(sentence) if w not in _TITLE_SMALL]
    return len(words) >= 2 and all(w[0].isupper() for w in words)


#: A word right before a number ("version 8", "Bug #12", "p.12"), and the number's rest.
_WORD_BEFORE_NUMBER: Final = re.compile(r"\b(?i:[a-z]+\.?)(?=\s?#?\s?\d)")
_NUMBER_AFTER_WORD: Final = re.compile(r"\s?#?\s?\d[\w.:\-]*")
_NUMBERED_NOUN_SET: Final = frozenset(noun.lower() for noun in _NAME_DATA["numbered_nouns"])
if not all(re.fullmatch(r"[a-z]+\.?", noun) for noun in _NUMBERED_NOUN_SET):
    raise ValueError(f"{_NAMES}: a numbered noun is one word, optionally ending in '.'")


def _numbered(sentence: str) -> list[tuple[int, int]]:
    """Numbers naming one of a noun's kind: "version 8", "Table 6-1", "Row 21" (nouns from
    seeds/names.toml).

    The words before numbers are found first and looked up in a set: one alternation of
    every noun, tried at each position, cost more than the rest of the traps together.
    Spans do not overlap, as ``finditer`` over that alternation gave them.
    """
    spans: list[tuple[int, int]] = []
    end = 0
    for word in _WORD_BEFORE_NUMBER.finditer(sentence):
        if word.start() < end or word.group().lower() not in _NUMBERED_NOUN_SET:
            continue
        number = _NUMBER_AFTER_WORD.match(sentence, word.end())
        assert number is not None  # the word's lookahead saw it
        end = number.end()
        spans.append((word.start(), end))
    return spans


def _name_numbers(sentence: str) -> list[tuple[int, int]]:
    found = [
        match.span()
        for match in _NAME_NUMBER.finditer(sentence)
        if currency_before(sentence, match.start("n"))[0] is None  # "RMB 20", "EUR 50"
    ]
    return found if found and not is_title_case(sentence) else []


def protected_spans(sentence: str) -> list[tuple[int, int]]:
    """Spans of ``sentence`` whose numbers are not figures, left to right."""
    spans: list[tuple[int, int]] = []
    marker = _LIST_MARKER.match(sentence)
    if marker:
        spans.append((marker.start(), marker.end()))
    present = {
        word
        for first in _GATE_FIRSTS.intersection(sentence)
        for word in _GATES_BY_FIRST[first]
        if word in sentence
    }
    for gate, pattern in _TRAPS:
        if gate is not None and gate.isdisjoint(present):
            continue
        for match in pattern.finditer(sentence):
            text = match.group()
            if text[:1] in "\"“'" and _SPEECH_WORDS.search(text):
                continue  # a quotation of speech, not a name
            spans.append(match.span())
    spans += _numbered(sentence)
    spans += _name_numbers(sentence)
    spans.sort()
    return spans
