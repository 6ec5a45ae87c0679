"""Figures in one English sentence: numbers, their units, approximators and the words they count.

Each number is found once by a single scan (``en_forms.ATOM``: Arabic numerals, number words,
fractions, ordinals, multiples), then grown left and right with small anchored patterns
(currency, magnitude, percent, physical unit, approximator). Anchored patterns keep the work
linear: nothing here can backtrack over more than a few words.

Where things are decided:

- a number form (digits, words, fractions, "×10^"): ``en_forms.py`` and this module's reader;
- a unit: ``currency.py`` (money), ``units.py`` (physical units through pint), ``en_forms.py``
  (the spellings DESIGN.md fixes: km/h, km2, nm, qubit, durations, "times");
- an approximator or a range: ``en_approx.py`` (words in ``seeds/english.toml``);
- a metric: ``en_metrics.py`` with ``en_phrases.py``; a subject: ``subjects.py``;
- what is *not* a figure (dates, codes, names): ``traps.py``.
"""

from __future__ import annotations

import re
from typing import Final

from seeds.lexicon import MetricLexicon

from .currency import currency_after, currency_before, dollar_country_after
from .en_approx import APPROX_AFTER, approx_before, pair_ranges
from .en_forms import (
    AGE,
    ATOM,
    CAPITAL_NEXT,
    COMPARATIVE,
    GLUED_NUMBER,
    HALF_DOZEN,
    HALF_PERIOD,
    MAGNITUDE,
    MID_SENTENCE,
    MULTIPLE_VERBS,
    OF_POINT,
    OR_NEXT,
    ORDINAL_NOT_RANK,
    ORDINAL_WORDS,
    PERCENT,
    PLUS,
    POINT_IN_TIME,
    RANK_NO,
    RANK_VERB_BEFORE,
    REFERENCE,
    SIGN,
    STARTER_STEMS,
    TIME_UNITS,
    UNIT,
    WORD_NUMBERS,
    WORD_ORDINAL_RANK,
    YEAR_LIKE,
    candidates,
    unit_name,
)
from .en_metrics import MetricReader
from .en_phrases import GROWTH_VERB, OF_PHRASE, PRONOUN_OBJ, np_words
from .metrics import is_money, metric_from_words
from .model import Mention
from .numbers import (
    EN_MAGNITUDES,
    fraction_percent,
    parse_arabic,
    parse_en_word,
    scientific_exponent,
    share_percent,
    vulgar_value,
)
from .traps import is_title_case
from .units import physical_unit
from .vocabulary import words as vocabulary

__all__ = ["STARTER_STEMS", "find_english"]

#: "or more", "and above" after a number make it a floor; "or so", "or something" an estimate.
_MORE: Final = re.compile(r"more|above|greater|higher|longer", re.IGNORECASE)

#: "16 times earnings", "14 times this year's EPS": a valuation multiple (seeds/english.toml).
_MULTIPLE_BASE: Final = re.compile(
    r"\s+(?:"
    + "|".join(
        re.escape(w).replace("'", "['’]")
        for w in sorted(vocabulary("multiple_bases"), key=len, reverse=True)
    )
    + r")\b",
    re.IGNORECASE,
)

#: "several hundred", "a few dozen", "hundreds of thousands": a vague amount.
_VAGUE_BEFORE: Final = re.compile(
    r"\b(?:several|a\s+few|few|many|hundreds\s+of|thousands\s+of)\s+(?:(?:hundred|thousand|dozen)\s+)?$",
    re.IGNORECASE,
)

#: The second end of a spelled range: "five or six", "two to three".
_OR_BEFORE: Final = re.compile(rf"\b(?:{WORD_NUMBERS}|\d+)\s+(?:or|to)\s+[a-z\-]+$", re.IGNORECASE)

#: What makes "one day" a duration: "for one day", "in just one day", "a one-day retreat".
_DURATION_BEFORE: Final = re.compile(
    r"\b(?:for|within|in|only|just|than|about|over|after|lasting|per|a|the|first|last|every)\s+$",
    re.IGNORECASE,
)

#: "three more bodies", "two other firms": a count of the noun after "more".
_MORE_NOUN: Final = re.compile(r"\s+(?:more|other|additional|extra|new)\s+[a-z]{3,}", re.IGNORECASE)

#: "half a billion", "a quarter of a million": a fraction of the magnitude after it.
_OF_MAGNITUDE: Final = re.compile(
    r"[\s\-]+(?:of\s+)?a[\s\-]+(?=(?:trillion|billion|million|thousand)\b)", re.I
)

#: "one of the five pillars", "one of its two pilots": the total of a partitive is a count.
_PARTITIVE_BEFORE: Final = re.compile(
    r"\bof\s+(?:the|its|their|his|her|our|these|those)\s+(?:\w+\s+)?$", re.IGNORECASE
)
#: "the five years that", "the past two years": a span of time, not a reference back.
_TIME_NEXT: Final = re.compile(r"[\s\-]+(?:years?|months?|weeks?|days?|hours?|decades?)\b", re.I)
#: "three of its parks", "two of his children": a spelled count of a group named after "of".
_OF_GROUP: Final = re.compile(r"\s+of\s+(?:the|its|their|his|her|our|these|those)\b", re.IGNORECASE)


class _Reader(MetricReader):
    """Reads the figures of one sentence; holds the sentence so helpers stay small."""

    #: The dollar a sentence named with its country (NZ$, A$), which its bare "$" then means.
    dollar: str | None = None

    def run(self) -> list[Mention]:
        skip_to = 0
        for start in candidates(self.text):
            if start < skip_to:
                continue
            match = ATOM.match(self.text, start)
            mention = self._atom(match) if match is not None else self._glued_money(start)
            if mention is not None:
                self.out.append(mention)
                skip_to = mention.end
        pair_ranges(self.text, self.out)
        return self.out

    def _glued_money(self, start: int) -> Mention | None:
        """A number glued to a currency prefix ("EUR50m", "RM23.50", "$US55m"); the scan skips
        digits after letters, which are otherwise codes ("A100")."""
        if (
            not self.text[start - 1 : start].isalpha()
            or currency_before(self.text, start)[0] is None
        ):
            return None
        match = GLUED_NUMBER.match(self.text, start)
        return self._number(start, match.end(), match.group()) if match is not None else None

    def _atom(self, match: re.Match[str]) -> Mention | None:
        if match.group("frac"):
            found = self._fraction(match)
            if (
                found is None
                and match.group("fnum") is None
                and match.group("fden").lower() in ORDINAL_WORDS
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
        approx, left = approx_before(self.text, start)
        return approx, (left if approx != "exact" else start)

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
        if OF_PHRASE.match(self.text, match.end()) is not None and not whole:
            share = Mention(round(100 * value, 4), "%", mention.approx, mention.start, match.end())
            self._share_metric(share, match.end())
            return share
        return mention if whole and match.group("vulgar") else None

    def _fraction(self, match: re.Match[str]) -> Mention | None:
        text = self.text
        num, den = match.group("fnum"), match.group("fden")
        start = match.start()
        dozen = HALF_DOZEN.match(text, start)
        if dozen is not None:  # "a half-dozen project managers", "half-a-dozen countries"
            return self._number(start, dozen.end(), "6", value=6.0)
        if num is None or num in ("a", "A"):
            before = text[max(0, match.start() - 12) : match.start()]
            if (
                HALF_PERIOD.search(before)
                and not before.rstrip()
                .lower()
                .endswith(("nearly", "about", "almost", "than", "over", "roughly", "around"))
                and num is None
            ):
                return None  # "the first half of the year", "the other half"
            if den.lower() != "half" and num is None:
                return None  # "quarter" alone: "fourth-quarter deals"
        scaled = _OF_MAGNITUDE.match(text, match.end())
        if scaled is not None:  # "half a billion dollars", "a quarter of a million people"
            share = fraction_percent(None if num in (None, "a", "A") else num, den)
            if share is not None:
                return self._number(start, scaled.end(), "0", value=share / 100)
        if re.match(
            r"[\s\-]*(?:of\s+(?:the|this|that|next|last)\s+(?:year|decade|century))",
            text[match.end() :],
        ):
            return None
        value = fraction_percent(None if num in (None, "a", "A") else num, den)
        if value is None:
            return None
        approx, span_start = self._approx_span(start, match.end())
        point = OF_POINT.match(text, match.end())
        if point is not None:  # "half a percentage point": 0.5 of a point, in the unit of %
            return Mention(value / 100, "%", approx, span_start, point.end())
        if (
            OF_PHRASE.match(text, match.end()) is None
            and PRONOUN_OBJ.match(text, match.end()) is None
        ) and approx == "exact":
            return None  # "half" or "a third" with no "of" is rarely a share
        mention = Mention(value, "%", approx, span_start, match.end())
        self._share_metric(mention, match.end())
        return mention

    def _share(self, match: re.Match[str]) -> Mention | None:
        snum, sden = match.group("snum"), match.group("sden")
        plain_of = re.match(r"\s*of\s", match.group()[len(snum) :]) is not None
        after = self.text[match.end() : match.end() + 1]
        if (
            plain_of
            and sden.isdigit()
            and (np_words(self.text, match.end())[0] or after in ("-", "+"))
        ):
            # "29 of 50 states": two counts; "one out of every three", "7 in 10": a share
            return self._number(
                match.start(),
                match.start() + len(snum),
                snum,
                None if snum.isdigit() else parse_en_word(snum),
            )
        num = float(snum) if snum.isdigit() else parse_en_word(snum)
        den = float(sden) if sden.isdigit() else parse_en_word(sden)
        if num is None or den is None:
            return None
        value = share_percent(num, den)
        if value is None:
            return None
        approx, span_start = self._approx_span(match.start(), match.end())
        mention = Mention(value, "%", approx, span_start, match.end())
        words, start, end = np_words(self.text, match.end())
        if words:
            metric = metric_from_words(words, self.lexicon, "count")
            mention.metric = f"share of {metric}" if metric else None
            mention.metric_span = (start, end)
        else:
            self._share_metric(mention, match.end())
        return mention

    def _ordinal(self, match: re.Match[str]) -> Mention | None:
        text = self.text
        if ORDINAL_NOT_RANK.match(text, match.end()):
            return None
        if re.match(r"\s?[A-Z]", text[match.end() : match.end() + 3]):
            return None  # "the 15th Five-Year Plan", "2nd China International Import Expo"
        mention = Mention(float(match.group()[:-2]), "rank", "exact", match.start(), match.end())
        self._rank_metric(mention)
        return mention

    def _word_ordinal(self, match: re.Match[str]) -> Mention | None:
        before = self.text[max(0, match.start() - 30) : match.start()]
        if not WORD_ORDINAL_RANK.search(before):
            return None
        if ORDINAL_NOT_RANK.match(self.text, match.end()):
            return None
        value = float(ORDINAL_WORDS[match.group().lower()])
        mention = Mention(value, "rank", "exact", match.start(), match.end())
        self._rank_metric(mention)
        return mention

    def _multiple(self, match: re.Match[str]) -> Mention | None:
        word = match.group().lower()
        value = 2.0 if word == "twice" else MULTIPLE_VERBS[word]
        approx, span_start = self._approx_span(match.start(), match.end())
        if word == "twice" and not COMPARATIVE.match(self.text, match.end()):
            return None  # "bowled out twice": how often, not a multiple ("twice as many")
        if word in ("double", "triple") and approx == "exact":
            return None  # "double-digit", "a double benefit"; "nearly double" is a multiple
        mention = Mention(value, "x", approx, span_start, match.end())
        mention.metric = self._multiple_metric(mention)
        return mention

    def _word_number(self, match: re.Match[str]) -> Mention | None:
        value = parse_en_word(match.group("word"))
        if value is None or value == 0:
            return None
        if _VAGUE_BEFORE.search(self.text, max(0, match.start() - 16), match.start()):
            return None  # "several hundred thousand years", "a few dozen": no number is given
        if (
            REFERENCE.search(self.text, max(0, match.start() - 16), match.start())
            and not _TIME_NEXT.match(self.text, match.end())
            and not _PARTITIVE_BEFORE.search(self.text, max(0, match.start() - 30), match.start())
        ):
            return None  # "the two cities", "my other two interests": a reference, not a count
        if (
            match.group("word")[:1].isupper()
            and MID_SENTENCE.search(self.text, 0, match.start())
            and CAPITAL_NEXT.match(self.text, match.end())
            and not is_title_case(self.text)
        ):
            return None  # "Ninety Mile Beach", "the 15th Five-Year Plan": a name
        return self._number(match.start("word"), match.end("word"), match.group("word"), value)

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
        if AGE.match(text, end):  # "28-year-old", "some twelve years old": an age
            return None
        if value is None:
            value = parse_arabic(raw) if spelled is None else spelled
        exponent = scientific_exponent(text, end) if spelled is None else None
        if exponent is not None:  # "1.99×10−30", "3 × 10^8"
            power, end = exponent
            value *= 10.0**power
        currency, written, left = currency_before(text, start)
        if (
            written == "PS"
            and start == left + 2
            and raw.isdigit()
            and not MAGNITUDE.match(text, end)
        ):
            return None  # "PS4", "PS5": a name; a mangled "£" leads a real amount ("PS8.1bn")
        if written == "$" and self.dollar is not None:
            currency = self.dollar  # "NZ$27.8b ..., Australia ($26.2b)": the dollar named first
        elif "$" in written and written != "$":
            self.dollar = currency
        named_dollar = written == "$"
        cursor, over = end, False
        plus = PLUS.match(text, cursor)
        if plus:
            over, cursor = True, plus.end()
        magnitude = 1.0
        mag = MAGNITUDE.match(text, cursor)
        if mag:
            word, abbr = mag.group("w"), mag.group("a")
            # "5m" is metres and "3B" part of a name unless it is money or a capital M/K.
            if word or abbr.lower() in ("bn", "tn", "mn") or currency or abbr in ("M", "K", "k"):
                magnitude = EN_MAGNITUDES[(word or abbr).lower()]
                cursor = mag.end()
        plus = PLUS.match(text, cursor)
        if plus:
            over, cursor = True, plus.end()
        unit = "count"
        pct = PERCENT.match(text, cursor)
        if pct:
            unit, cursor = "%", pct.end()
            plus = PLUS.match(text, cursor)
            if plus:
                over, cursor = True, plus.end()
        elif currency is None:
            named = currency_after(text, cursor)  # "5 Hong Kong dollars", "50 EUR", "3 cents"
            if (
                named is not None
                and magnitude == 1.0
                and YEAR_LIKE.fullmatch(raw)
                and named[0].isupper()
            ):
                named = None  # "2015 UAH Spring Career Fair": a year before a name, not hryvnias
            if named is not None:
                currency, scale, cursor = named
                magnitude *= scale
        if named_dollar and unit == "count":
            country = dollar_country_after(text, cursor)  # "$254-billion Canadian"
            if country is not None:
                currency = country[0]
        if currency is not None and unit == "count":
            unit = currency
        elif unit == "count":
            phys = UNIT.match(text, cursor) if magnitude == 1.0 else None
            if phys:
                unit, cursor = unit_name(phys.group("u")), phys.end()
            else:  # "16GB", "70 kilograms", "29.4 million pounds": pint knows the spellings
                found = physical_unit(text, cursor)
                if found is not None:
                    unit, cursor = found
        if cursor == end and end < len(text) and text[end].isascii() and text[end].isalpha():
            return None  # a code: "6G", "A100" (letters before are excluded by the scan)
        if unit in TIME_UNITS and POINT_IN_TIME.match(text, cursor):
            return None  # "two years ago", "five days later": a point in time, not a duration
        occurrences = (
            unit == "x"
            and text[end:cursor].strip(" -").lower() == "times"
            and not COMPARATIVE.match(text, cursor)
            and not GROWTH_VERB.search(text, max(0, start - 30), start)
        )
        if occurrences and ("." in raw or _MULTIPLE_BASE.match(text, cursor)):
            occurrences = False  # "16.36 times trailing earnings": a valuation multiple
        if occurrences:
            unit = "count"  # "five times a second": occurrences; "ten times faster": a multiple
        if (
            spelled is None
            and unit == "count"
            and magnitude == 1.0
            and not over
            and YEAR_LIKE.fullmatch(raw)
        ):
            return None  # "in 2018", "Tech Pioneer 2025": a year used as a date
        approx, approx_start = approx_before(text, left)
        if (
            approx == "over"
            and unit in TIME_UNITS
            and re.match(r"over\b", text[approx_start:], re.I)
            and not re.search(
                r"\b(?:just|well|a\s+little|slightly|little)\s+$",
                text[max(0, approx_start - 12) : approx_start],
                re.I,
            )
        ):
            approx, approx_start = "exact", left  # "over 5 years" is a span of time
        if (
            spelled is not None
            and not occurrences
            and not self._spelled_is_figure(value, unit, magnitude, approx, cursor)
        ):
            return None
        if (
            unit == "count"
            and magnitude == 1.0
            and currency is None
            and (
                RANK_VERB_BEFORE.search(text, max(0, start - 20), start)
                or RANK_NO.search(text, max(0, start - 5), start)
            )
        ):
            mention = Mention(value, "rank", "exact", start, end)  # "ranks 3 globally"
            self._rank_metric(mention)
            return mention
        value *= magnitude
        sign = SIGN.search(text, max(0, left - 8), left)
        if sign is not None and spelled is None:  # "-1.3%", "(-64%)", "minus 5 degrees"
            value, left = -value, sign.start()
            approx_start = min(approx_start, left)
        if unit == "week":
            unit, value = "day", value * 7
        span_start = approx_start if approx != "exact" else left
        if approx == "exact" and over:
            approx = "over"
        after = APPROX_AFTER.match(text, cursor)
        if after and approx == "exact":
            approx = "over" if _MORE.search(after.group()) else "about"
            cursor = after.end()
        mention = Mention(value, unit, approx, span_start, cursor)
        self._metric(mention, cursor)
        if approx == "exact" and mention.metric_span and mention.metric_span[0] >= cursor:
            tail = APPROX_AFTER.match(text, mention.metric_span[1])
            if tail is not None:  # "40 labs or so"
                mention.approx = "over" if _MORE.search(tail.group()) else "about"
        return mention

    def _spelled_is_figure(
        self, value: float, unit: str, magnitude: float, approx: str, cursor: int
    ) -> bool:
        """Spelled-out numbers are figures from two up when they count something written after
        them ("two women", "seven others"), and from one with a unit ("one minute", "four
        months"), as tests/gold/real.py's guide has it; a lone "one" is mostly the article.
        """
        if value == 1 and unit in ("bit", "point"):
            return False  # "not one bit", "at one point": idioms, not a data size or a score
        if value == 1 and unit == "day" and not _DURATION_BEFORE.search(self.text, 0, cursor - 7):
            return False  # "could one day be used": someday, not a duration ("for one day")
        if magnitude != 1.0 or unit == "%" or is_money(unit) or unit != "count":
            return True
        if OR_NEXT.match(self.text, cursor) or _OR_BEFORE.search(
            self.text, max(0, cursor - 40), cursor
        ):
            return True  # "two or three times", "five or six.": an end of a range
        if value >= 2 and (
            _OF_GROUP.match(self.text, cursor) or _MORE_NOUN.match(self.text, cursor)
        ):
            return True  # "three of its parks", "two of his children", "three more bodies"
        words, _, _ = np_words(self.text, cursor)
        return value >= 2 and (bool(words) or approx != "exact")


def find_english(sentence: str, lexicon: MetricLexicon) -> list[Mention]:
    """Every figure in one English sentence, offsets relative to the sentence."""
    return _Reader(sentence, lexicon).run()
