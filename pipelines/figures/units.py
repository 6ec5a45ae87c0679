"""Physical units written after a number, read through pint's unit registry.

Which units news reports is data (``seeds/units.toml``: pint's unit names and the short
spellings that are words in prose); how each is spelled, pluralized and prefixed is pint's
knowledge, so "kilograms", "kg" and "70kg" need no list of their own. The registry is built
on first use (it takes about a second) and each word is looked up once.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache, lru_cache
from pathlib import Path
from typing import Final

__all__ = ["physical_unit", "spelling_pattern", "unit_name"]

_DATA: Final = Path(__file__).resolve().parents[2] / "seeds" / "units.toml"
#: The unit word(s) right after a number: "GB", "kilograms", "°C", "square feet", "sq ft".
_WORD: Final = re.compile(
    r"[ \t\u00a0\-]?(?P<u>°\s?[CF]\b|℃|℉|(?:square|sq\.?|cubic)\s+[A-Za-z]+|[A-Za-zµμ]+)"
    r"(?![A-Za-z0-9])"
)
_SYMBOLS: Final = {"℃": "°C", "℉": "°F"}
_POWER: Final = {"square": " ** 2", "sq": " ** 2", "sq.": " ** 2", "cubic": " ** 3"}


@cache
def _config() -> tuple[frozenset[str], frozenset[str]]:
    with _DATA.open("rb") as handle:
        data = tomllib.load(handle)
    return frozenset(data["units"]), frozenset(data["refused"]) | frozenset(data["ambiguous"])


@cache
def _registry():  # pint is imported on first use: it is slow to load
    import pint

    return pint.UnitRegistry()


@lru_cache(maxsize=4096)
def _symbol(word: str) -> str | None:
    """pint's short symbol for ``word`` if it names a unit news reports, else None."""
    units, refused = _config()
    if word in refused or len(word) > 24:
        return None
    if word in _SYMBOLS:
        return _SYMBOLS[word]
    power = ""
    head = word.split()[0].lower() if " " in word else ""
    if head in _POWER:
        power, word = _POWER[head], word.split(None, 1)[1]
    word = word.replace(" ", "").replace("°", "deg")
    ureg = _registry()
    try:
        parsed = ureg.parse_unit_name(word)
    except Exception:  # pint raises several kinds of errors on non-units
        return None
    if not parsed or not any(name in units for _prefix, name, _suffix in parsed):
        return None
    prefix, name, suffix = next(p for p in parsed if p[1] in units)
    symbol = format(ureg.Unit(prefix + name + suffix), "~")
    if power:
        symbol += power[-1]  # "km ** 2" is written km2, as DESIGN.md names it
    return symbol.replace("degree_Celsius", "°C").replace(" ", "")


def physical_unit(text: str, pos: int) -> tuple[str, int] | None:
    """The physical unit written at ``text[pos:]`` (after a number) and where it ends."""
    match = _WORD.match(text, pos)
    if match is None:
        return None
    symbol = _symbol(match.group("u"))
    return (symbol, match.end()) if symbol is not None else None


def _spelling_key(text: str) -> str:
    return " ".join(re.split(r"[\s.\-]+", text.lower())).strip()


@cache
def _spellings() -> dict[str, str]:
    with _DATA.open("rb") as handle:
        data = tomllib.load(handle)
    return {
        _spelling_key(word): unit for unit, words in data["spellings"].items() for word in words
    }


@cache
def spelling_pattern() -> re.Pattern[str]:
    """The spellings of ``[spellings]`` after a number, longest first, in group ``u``."""
    words = sorted(_spellings(), key=len, reverse=True)
    # words of a spelling may also be joined by hyphens: "a 100-square-kilometre area"
    alternatives = "|".join(r"[\s.\-]+".join(map(re.escape, word.split(" "))) for word in words)
    return re.compile(rf"[\s\-]?(?P<u>{alternatives})(?![A-Za-z])", re.IGNORECASE)


def unit_name(written: str) -> str:
    """The unit a spelling of ``[spellings]`` stands for: "kilometres per hour" -> km/h."""
    return _spellings()[_spelling_key(written)]
