"""Numerals to floats: Arabic with separators, English number words, fractions, Chinese numerals.

Chinese numerals go through cn2an (a maintained library) rather than home-made tables, but only
after a cheap shape check, because cn2an raises on, and warns about, inputs that are not
numerals; warnings are errors in our tests and noise in a crawler's log.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from functools import lru_cache
from typing import Final

import cn2an

__all__ = [
    "EN_MAGNITUDES",
    "VULGAR",
    "ZH_MAGNITUDES",
    "fraction_percent",
    "parse_arabic",
    "parse_chinese",
    "parse_en_word",
    "scientific_exponent",
    "share_percent",
    "vulgar_value",
]

EN_MAGNITUDES: Final[dict[str, float]] = {
    "hundred": 1e2,
    "thousand": 1e3,
    "k": 1e3,
    "million": 1e6,
    "mn": 1e6,
    "m": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "trillion": 1e12,
    "tn": 1e12,
}

ZH_MAGNITUDES: Final[dict[str, float]] = {
    "十": 1e1,
    "百": 1e2,
    "千": 1e3,
    "万": 1e4,
    "十万": 1e5,
    "百万": 1e6,
    "千万": 1e7,
    "亿": 1e8,
    "十亿": 1e9,
    "百亿": 1e10,
    "千亿": 1e11,
    "万亿": 1e12,
}

_ONES: Final[dict[str, int]] = {
    "zero": 0,
    "one": 1,
    "a": 1,
    "an": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS: Final[dict[str, int]] = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_DENOMINATORS: Final[dict[str, int]] = {
    "half": 2,
    "halves": 2,
    "third": 3,
    "quarter": 4,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
}
_SPLIT: Final = re.compile(r"[\s\-]+")
_ZH_NUMERAL: Final = re.compile(
    r"[零〇一二两三四五六七八九十百千万亿]+(?:点[零〇一二三四五六七八九]+)?"
)
_ZH_DIGIT: Final = re.compile(r"[零〇一二两三四五六七八九十]")


#: Unicode vulgar fractions (½, ¼, ¾, ⅓ ...): their value is in the Unicode database.
VULGAR: Final = "½⅓⅔¼¾⅕⅖⅗⅘⅙⅚⅛⅜⅝⅞"
_SUPERSCRIPTS: Final = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
#: "×10−30", "x 10^8", "×10⁸": a power of ten after a mantissa (a sign, ^ or superscript is
#: required after a plain "10", so that "3 x 10 m" stays a size).
_EXPONENT: Final = re.compile(
    r"\s?[×x*]\s?10(?:\^|\*\*|(?=[-−–⁻⁰¹²³⁴⁵⁶⁷⁸⁹]))\s?(?P<e>[-−–]?\d{1,3}|⁻?[⁰¹²³⁴⁵⁶⁷⁸⁹]{1,3})(?![\d.])"
)


def vulgar_value(char: str) -> float:
    """``"½"`` -> 0.5: the numeric value Unicode gives the character."""
    return unicodedata.numeric(char)


def scientific_exponent(text: str, pos: int) -> tuple[int, int] | None:
    """The power of ten written at ``text[pos:]`` and where it ends, or None."""
    match = _EXPONENT.match(text, pos)
    if match is None:
        return None
    digits = match.group("e").translate(_SUPERSCRIPTS).replace("−", "-").replace("–", "-")
    return int(digits), match.end()


def parse_arabic(text: str) -> float:
    """``"1,700"`` -> 1700.0; ``"99.2"`` -> 99.2 (the caller's regex guarantees the shape)."""
    return float(text.replace(",", ""))


def parse_en_word(text: str) -> float | None:
    """English cardinal words: ``"three"``, ``"twenty-five"``, ``"two hundred"``, ``"a dozen"``."""
    total = 0
    current = 0
    for word in _SPLIT.split(text.lower().strip()):
        if word in _ONES:
            current += _ONES[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "dozen":
            current = max(current, 1) * 12
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word == "thousand":
            total += max(current, 1) * 1000
            current = 0
        elif word:
            return None
    return float(total + current)


def _round_share(value: float) -> float:
    return round(value, 4)


def fraction_percent(numerator: str | None, denominator: str) -> float | None:
    """``("one", "seventh")`` -> 14.2857; ``(None, "half")`` -> 50.0; shares are percentages."""
    denom = denominator.lower()
    if denom.endswith("s") and denom not in _DENOMINATORS:
        denom = denom[:-1]
    parts = _DENOMINATORS.get(denom)
    if parts is None:
        return None
    count = 1.0 if numerator is None else parse_en_word(numerator)
    if count is None:
        return None
    return _round_share(100.0 * count / parts)


def share_percent(numerator: float, denominator: float) -> float | None:
    """ "one out of every three" -> 33.3333: a share as a percentage, or None if meaningless."""
    if denominator <= 0 or numerator <= 0 or numerator > denominator:
        return None
    return _round_share(100.0 * numerator / denominator)


@lru_cache(maxsize=4096)
def parse_chinese(text: str) -> float | None:
    """A Chinese numeral (``三千二百亿``, ``一点五``, ``两``) as a float, or None.

    Runs that are not numerals (``十四五``, ``万``) return None instead of raising or warning.
    """
    if not _ZH_NUMERAL.fullmatch(text) or not _ZH_DIGIT.search(text):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return float(cn2an.cn2an(text, "normal"))
        except (ValueError, KeyError, IndexError, TypeError, OverflowError):
            return None
