"""Money: currency symbols, prefixes, codes and names -> ISO 4217 codes, from babel's CLDR data.

CLDR knows which codes are in use, how each locale writes them (``US$``, ``A$``, ``HK$``,
``NZ$``, ``RM``, ``€``, ``£``, ``₹``) and their English and Chinese names (``US dollars``,
``euros``, ``美元``, ``港元``, ``澳元``). A symbol gets the code most locales give it;
``seeds/currencies.toml`` settles the symbols currencies share (``$``, ``¥``), adds press
spellings CLDR lacks (``S$``, ``RMB``, ``港币``) and refuses codes that are English words
(``ALL``, ``TOP``). The tables are built on first use from a few dozen locales.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from babel import Locale

__all__ = ["Currencies", "currencies", "currency_after", "currency_before", "zh_currency_at"]

_DATA: Final = Path(__file__).resolve().parents[2] / "seeds" / "currencies.toml"


@dataclass(frozen=True, slots=True)
class Currencies:
    """Lookup tables: every key maps to one ISO 4217 code."""

    codes: frozenset[str]  # ISO codes in use, written in capitals: "EUR 50", "50 EUR"
    symbols: dict[str, str]  # "US$", "A$", "RM", "€", "£", "S$"
    names: dict[str, str]  # lower-case English names and Chinese names: "hong kong dollars", "港元"
    cents: dict[str, str]  # hundredths: "cents", "pence", "美分"
    shared: dict[str, tuple[str, dict[str, tuple[str, ...]]]]  # "¥" -> (CNY, {JPY: words})

    def symbol_code(self, symbol: str, sentence: str) -> str | None:
        """The code of a symbol or prefix as written before a number (``$US`` is ``US$``)."""
        symbol = symbol.replace(" ", "")
        if symbol.startswith("$") and len(symbol) > 1:
            symbol = symbol[1:] + "$"  # "$US55m", "$A82m": the Australian press order
        if symbol in self.shared:
            default, others = self.shared[symbol]
            for code, words in others.items():
                if any(word in sentence for word in words):
                    return code
            return default
        return self.symbols.get(symbol) or (symbol if symbol in self.codes else None)


@cache
def currencies() -> Currencies:
    """The tables, built once from babel and ``seeds/currencies.toml``."""
    from babel import Locale, localedata  # imported on first use, as pint is
    from babel.numbers import get_territory_currencies

    with _DATA.open("rb") as handle:
        data = tomllib.load(handle)
    refused = frozenset(data["refused"])
    english, chinese = Locale("en"), Locale("zh")
    codes = {
        code
        for territory in english.territories
        if len(territory) == 2 and territory.isalpha()
        for code in get_territory_currencies(territory, tender=True)
    } - refused
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    locales = [f"en_{t}" for t in sorted(english.territories) if t.isalpha()]
    for locale in (english, chinese, *map(Locale.parse, filter(localedata.exists, locales))):
        for code, symbol in locale.currency_symbols.items():
            if code in codes and symbol != code:
                votes[symbol][code] += 1
    symbols = {
        symbol: counts.most_common(1)[0][0]
        for symbol, counts in votes.items()
        if symbol not in refused and 2 * counts.most_common(1)[0][1] > counts.total()
    }
    # A currency with a sign of its own in English (€, ¥, ₹) is also called by its bare name
    # ("euros", "yen", "rupees"); others only by their full name ("Malaysian ringgits").
    signed = {code for code in codes if english.currency_symbols.get(code, code) != code}
    names: dict[str, set[str]] = defaultdict(set)
    for code in codes:
        for name in _english_names(english, code):
            if " " in name:
                names[name].add(code)
            if code in signed:
                names[name.rsplit(" ", 1)[-1]].add(code)
        name = chinese.currencies.get(code)
        if name:
            names[name].add(code)
    one_code = {name: found.pop() for name, found in names.items() if len(found) == 1}
    for key, code in data["aliases"].items():
        if key.isalpha() and key.isupper():
            symbols[key] = code  # "RMB 5"
        if key.isalpha():
            one_code[key if _is_cjk(key) or key.isupper() else key.lower()] = code
        else:
            symbols[key] = code  # "S$"
    shared = {
        symbol: (
            spec["default"],
            {code: tuple(words) for code, words in spec.items() if code != "default"},
        )
        for symbol, spec in data["shared"].items()
    }
    return Currencies(
        codes=frozenset(codes),
        symbols={k: v for k, v in symbols.items() if k not in shared},
        names={k: v for k, v in one_code.items() if k not in refused},
        cents=dict(data["cents"]),
        shared=shared,
    )


def _english_names(locale: Locale, code: str) -> set[str]:
    """CLDR's English name of ``code`` and its plurals, lower-cased ("us dollars")."""
    found = {locale.currencies.get(code) or ""}
    found |= set((locale._data["currency_names_plural"].get(code) or {}).values())
    return {name.lower() for name in found if name and "(" not in name}


def _is_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


@cache
def _before_pattern() -> re.Pattern[str]:
    """A symbol or code ending right before a number: ``US$``, ``$US``, ``US $``, ``€``, ``EUR``."""
    table = currencies()
    marks = {ch for key in (*table.symbols, *table.shared) for ch in key if not ch.isalnum()}
    marks.discard("$")
    mark_class = "".join(sorted(re.escape(ch) for ch in marks))
    return re.compile(
        r"(?:(?<![A-Za-z])(?P<pre>[A-Z]{1,3}) ?)?(?P<dollar>\$)(?P<post>[A-Z]{1,2}(?![a-z]))?\s?$"
        rf"|(?:(?<![A-Za-z])(?P<lead>[A-Z]{{1,3}}))?(?P<mark>[{mark_class}])\s?$"
        r"|(?<![A-Za-z])(?P<word>[A-Z][A-Za-z]{1,2})\s?$"
    )


def currency_before(text: str, start: int) -> tuple[str | None, str, int]:
    """The currency written right before the number at ``start``: code, as written, where.

    ``(None, "", start)`` when there is none.
    """
    window = text[max(0, start - 8) : start]
    match = _before_pattern().search(window)
    if match is None:
        return None, "", start
    written, at = match.group().strip(), match.start()
    code = currencies().symbol_code(written, text)
    if code is None and match.group("dollar"):  # "CEO $5m": a plain dollar after a word
        code, written, at = currencies().symbol_code("$", text), "$", match.start("dollar")
    if code is None:
        return None, "", start
    return code, written, start - (len(window) - at)


_AFTER: Final = re.compile(r"[ \t\-]?(?P<w>[A-Za-z]+(?:[ \-][A-Za-z]+){0,2}|[\u3400-\u9fff]{1,3})")


def currency_after(text: str, pos: int) -> tuple[str, float, int] | None:
    """A currency named right after a number ("5 Hong Kong dollars", "50 EUR", "3 cents"):
    its code, the factor to apply (0.01 for cents) and where the name ends."""
    match = _AFTER.match(text, pos)
    if match is None:
        return None
    table = currencies()
    words = re.split(r"([ \-])", match.group("w"))
    for count in range(len(words), 0, -2):  # the longest name first: "us dollars", "dollars"
        name = "".join(words[:count])
        end = match.start("w") + len(name)
        if end < len(text) and text[end].isalpha() and not _is_cjk(text[end]):
            continue
        if name in table.codes:
            return name, 1.0, end
        key = name.lower().replace("-", " ")
        if key in table.names:
            return table.names[key], 1.0, end
        if key in table.cents:
            return table.cents[key], 0.01, end
    return None


@cache
def _zh_pattern() -> re.Pattern[str]:
    table = currencies()
    names = sorted((k for k in table.names if _is_cjk(k)), key=len, reverse=True)
    cents = sorted((k for k in table.cents if _is_cjk(k)), key=len, reverse=True)
    return re.compile(
        r"(?P<scale>万亿|亿|万)?"
        rf"(?:(?P<cent>{'|'.join(cents)})|(?P<yuan>元)?(?P<name>{'|'.join(names)}))"
    )


_ZH_SCALES: Final = {"万亿": 1e12, "亿": 1e8, "万": 1e4}


def zh_currency_at(text: str, pos: int) -> tuple[str, float, int] | None:
    """A Chinese money unit at ``pos``: 亿美元, 万港元, 元 and 元人民币, 7万元美金's 元美金
    (元 before a currency's name is that currency), 美分. Its code, scale and end."""
    match = _zh_pattern().match(text, pos)
    if match is None:
        return None
    table = currencies()
    scale = _ZH_SCALES.get(match.group("scale") or "", 1.0)
    if match.group("cent"):
        return table.cents[match.group("cent")], scale * 0.01, match.end()
    return table.names[match.group("name")], scale, match.end()


@cache
def _dollar_adjectives() -> tuple[re.Pattern[str], dict[str, str]]:
    with _DATA.open("rb") as handle:
        table: dict[str, str] = tomllib.load(handle)["dollar_adjectives"]
    names = "|".join(re.escape(n) for n in sorted(table, key=len, reverse=True))
    return re.compile(rf"\s*\(?(?P<n>{names})(?![\w.])"), table


def dollar_country_after(text: str, pos: int) -> tuple[str, int] | None:
    """ "$254-billion Canadian": the dollar a country adjective after the amount names, and
    where it ends."""
    pattern, table = _dollar_adjectives()
    match = pattern.match(text, pos)
    return (table[match.group("n")], match.end()) if match is not None else None
