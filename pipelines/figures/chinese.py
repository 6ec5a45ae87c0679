"""Figures in one Chinese sentence: numerals, 万/亿, measure words, units and approximators.

Chinese puts the metric *before* the number more often than English does
(``研发投入强度达到3.6%``), and the counted noun after the measure word
(``43家独角兽企业``); both sides are read. A Chinese numeral counts as a figure only when a
measure word or unit follows it, which is what keeps ``长三角``, ``一体化``, ``九城`` and
``第一次`` out without a list of exceptions.
"""

from __future__ import annotations

import re
from typing import Final

from seeds.lexicon import Metric, MetricLexicon

from .currency import zh_currency_at
from .metrics import is_money, unit_allows
from .model import Mention, SentenceReader
from .numbers import ZH_MAGNITUDES, parse_arabic, parse_chinese
from .units import physical_unit

__all__ = ["find_chinese"]

_ZH_DIGITS: Final = "零〇一二两三四五六七八九十百千万亿"
#: 成 as tenths ("三成"), not the start of a word (成为, 成立, 成本 ...).
_TENTH: Final = "成(?!为|立|果|本|功|熟|员|绩|效|交|长|都|就)"
#: Between the two ends of a range: 250~350, 7.5%~8%, 4000点-5000点, 110%至113%.
_RANGE_GAP: Final = re.compile(r"\s?(?:[~～\-–—]|至|到)\s?")
#: Two bare numbers make a range only with a sign that is never a hyphen in codes and scores.
_BARE_RANGE_GAP: Final = re.compile(r"\s?(?:[~～]|至|到)\s?")
#: Ratio marks: the numbers of 1:4～1:5 are not a range.
_RATIO: Final = frozenset(":：∶/")
_NUMBER: Final = re.compile(
    r"(?P<frac>(?P<den>[一二三四五六七八九十百千万]+|\d+)分之(?P<num>[一二三四五六七八九十]+(?:点[一二三四五六七八九零]+)?|\d+(?:\.\d+)?))"
    r"|(?P<half>超过一半|一半以上|过半|一半|大半)"
    r"|(?P<double>翻了?(?P<times>一|两|二|三)?番)"
    # two neighbouring numerals are a range: 五六成, 两三千元, 二三十, 一万二三千人
    r"|(?P<pair>(?P<phead>(?:[一二两三四五六七八九]?[十百千万亿])+)?(?P<pa>[一二两三四五六七八])"
    r"(?P<pb>[二三四五六七八九])(?P<ptail>[十百千万亿]{0,2})(?![零〇一二两三四五六七八九]))"
    rf"|(?P<tenth>(?P<tnum>[一二两三四五六七八九]|\d){_TENTH})"
    r"|(?P<rank>(?P<rverb>位列|位居|排名|排在|名列|居于?|列|排)(?:全国|全球|世界|全市|全省|国内|亚洲|同类[\u4e00-\u9fff]{0,6}中)?第(?P<rnum>\d{1,3}|[一二三四五六七八九十]{1,3})(?:位|名)?)"
    r"|(?P<rank2>第(?P<r2num>\d{1,3}|[一二三四五六七八九十]{1,3})(?:位|名|(?=[大高多低强]位?)))"
    r"|(?P<arabic>(?<![\d.A-Za-z])\d+(?:,\d{3})*(?:\.\d+)?)(?P<mag>万亿|千亿|百亿|十亿|亿|千万|百万|十万|万|千)?"
    rf"|(?P<cn>[{_ZH_DIGITS}]+(?:点[零〇一二三四五六七八九]+)?)"
)
_UNITS: Final = (
    ("平方公里", "km2", 1.0),
    ("平方千米", "km2", 1.0),
    ("平方米", "m2", 1.0),
    ("公里每小时", "km/h", 1.0),
    ("公里/小时", "km/h", 1.0),
    ("千米", "km", 1.0),
    ("公里", "km", 1.0),
    ("纳米", "nm", 1.0),
    ("nm", "nm", 1.0),
    ("个百分点", "%", 1.0),
    ("%", "%", 1.0),
    ("倍", "x", 1.0),
    ("分钟", "min", 1.0),
    ("个小时", "h", 1.0),
    ("小时", "h", 1.0),
    ("个工作日", "day", 1.0),
    ("个月", "month", 1.0),
    ("天", "day", 1.0),
    ("日", "day", 1.0),
    ("周", "day", 7.0),
    ("年", "year", 1.0),
    ("量子比特", "qubit", 1.0),
    ("比特", "qubit", 1.0),
    ("吨", "t", 1.0),
    ("万千瓦", "MW", 10.0),
    ("千瓦", "kW", 1.0),
    ("兆瓦", "MW", 1.0),
    ("毫米", "mm", 1.0),
    ("厘米", "cm", 1.0),
    ("米", "m", 1.0),
    ("公斤", "kg", 1.0),
    ("千克", "kg", 1.0),
    ("毫克", "mg", 1.0),
    ("毫升", "ml", 1.0),
    ("摄氏度", "°C", 1.0),
    ("℃", "°C", 1.0),
    ("个点", "%", 1.0),
    ("点", "point", 1.0),
)
_MEASURE: Final = re.compile(
    r"(?:多|余)?(?:万|亿)?(?:家次|人次|家|个|名|位|人|项|座|所|台|件|种|条|款|架|辆|批|支|只|张|套|"
    r"片|颗|次|例|份|篇|部|艘|栋|处|户|枚|把|块|间|组|类|场|标箱|辆次|吨|起|单|注|股|圈|遍|任|双|本|首)"
)
_APPROX_BEFORE: Final = re.compile(
    r"(?:(?P<over>超过|超出|逾|突破|多达|高达|过|至少|不少于|不低于|超)"
    r"|(?P<nearly>将近|接近|逼近|近乎|近)"
    r"|(?P<about>大约|约为|约占|约合|约|大概|差不多|预计|估计)"
    r"|(?P<under>不到|不足|少于|低于|最高可?(?:达|贷至|至)?|最多|至多|不超过|未满))$"
)
_APPROX_AFTER: Final = re.compile(
    r"(?P<over>以上|多|余|几)|(?P<about>左右|上下|前后)|(?P<under>以内|以下|之内|内(?![\u4e00-\u9fff]{0,1}[外部容]))"
)
_CLAUSE_BREAK: Final = re.compile(r"[，,；;：:。！？、（）()“”\"]")
_NOUN_RUN: Final = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]{1,12}")
_NOUN_END: Final = re.compile(r"[的和与及在是为将已从到对等都也而并]|中(?!心)")
_SHARE_TARGET: Final = re.compile(r"占(?P<target>[^，。；、]{0,24}?)(?:的|总[数量额]的?)?$")
_OF_WHICH: Final = re.compile(r"(?:其中|当中|之中)")
_LONGEST_NUMERAL: Final = 16
#: Magnitudes that stand for a round number after an approximator ("近百家", "超过百亿元").
_BARE_MAGNITUDE: Final = {"百": 100.0, "千": 1000.0, "万": 10000.0} | {
    word: value for word, value in ZH_MAGNITUDES.items() if len(word) == 2 and word[0] != "十"
}
_ABOUT_SHARE: Final = re.compile(r"约占|大约占|约为")
_VERBS_BEFORE: Final = re.compile(
    r"(?:达到|达|为|有|共有|共|已|已有|合计|累计|总计|超过|突破|约|近|增长|新增|超|逾|多达|高达|接近|将近)+$"
)
_LEADING_VERBS: Final = re.compile(
    r"(?:带动|吸引|引进|新增|拥有|建成|建有|聚集|集聚|实现|完成|培育|认定|生产|可|能|每天|每年|每月|年均|日均|的)+"
)
#: Words that only say "the number of" the lexicon term before them (企业数量).
_COUNT_WORDS: Final = frozenset({"数量", "总数", "总量", "数", "家数", "人数", "规模", "数目"})
_ZH_QUALIFIER: Final = re.compile(
    r"(?:的企业|企业)?(?:集中在|分布在|来自|属于|从事|位于|集中于|聚焦)(?P<q>[\u4e00-\u9fff]{2,8}?)(?=[、，,。和等与及]|$)"
)
_GENERIC: Final = frozenset({"share", "growth", "rank"})
_RUN_STOP: Final = frozenset("的和与及在是为将已从到对等中都也而并其占较比了")
_REDUNDANT: Final = re.compile(
    r"^(?:全市|全省|全国|本市|该市|全区|九城|其中|共有|共|已有|已|新增|新认定|累计|合计)+"
)


def _chinese_value(text: str) -> float | None:
    if text in ("两",):
        return 2.0
    return parse_chinese(text)


_UNIT_TABLE: Final = {word: (unit, scale) for word, unit, scale in _UNITS}
#: The unit words as one anchored alternation, in table order (longest spellings first).
_UNIT_RE: Final = re.compile("|".join(re.escape(word) for word, _unit, _scale in _UNITS))


def _unit_at(text: str, pos: int) -> tuple[str, float, int] | None:
    """The unit written at ``pos`` ("亿元" -> CNY x 1e8), its scale and where it ends."""
    money = zh_currency_at(text, pos)
    if money is not None:
        return money
    match = _UNIT_RE.match(text, pos)
    if match is None:
        return None
    unit, scale = _UNIT_TABLE[match.group()]
    return unit, scale, match.end()


def _approx_before(text: str, start: int) -> tuple[str, int]:
    window = text[max(0, start - 4) : start]
    match = _APPROX_BEFORE.search(window)
    if match is None:
        return "exact", start
    kind = match.lastgroup or "exact"
    return kind, start - (len(window) - match.start())


class _Reader(SentenceReader):
    def _find_terms(self) -> list[tuple[int, int, Metric]]:
        return self.lexicon.find_zh(self.text)

    def run(self) -> list[Mention]:
        previous: tuple[re.Match[str], Mention | None] | None = None
        for match in _NUMBER.finditer(self.text):
            if match.group("pair"):
                self.out += self._pair(match)
                previous = None
                continue
            mention = self._match(match)
            if previous is not None:
                first = self._range(*previous, match, mention)
                if first is not None:
                    self.out.append(first)
                    if mention is None:
                        mention = self._bare(match, "range")
            if mention is not None:
                self.out.append(mention)
            previous = (match, mention) if match.group("arabic") else None
        return self.out

    def _range(
        self,
        first_match: re.Match[str],
        first: Mention | None,
        match: re.Match[str],
        second: Mention | None,
    ) -> Mention | None:
        """Two numbers joined by ~, -, 至 or 到 are the ends of a range; the first takes the
        second's unit and magnitude ("37.5~52.5亿", "13~20%"). Returns the first end if it was
        not a figure on its own; both ends become ``range``."""
        text = self.text
        end = first.end if first is not None else first_match.end()
        if not match.group("arabic") or (
            text[first_match.start() - 1 : first_match.start()] in _RATIO
            or text[match.end() : match.end() + 1] in _RATIO
        ):
            return None
        gap = text[end : match.start()]
        if second is None:
            if first is not None or not _BARE_RANGE_GAP.fullmatch(gap):
                return None
            if _unit_at(text, match.end()) is not None:
                return None  # "5月14~15日": a date, which the second end's unit refused
            return self._bare(first_match, "range")
        if not _RANGE_GAP.fullmatch(gap) or second.unit == "rank":
            return None
        second.approx = "range"
        if first is not None:
            first.approx = "range"
            return None
        number = parse_arabic(match.group("arabic"))
        scale = second.value / number if number else 1.0
        return Mention(
            parse_arabic(first_match.group("arabic")) * scale,
            second.unit,
            "range",
            first_match.start(),
            end,
            metric=second.metric,
            metric_span=second.metric_span,
            inherit=second.inherit,
        )

    def _bare(self, match: re.Match[str], approx: str) -> Mention:
        """A bare number that is one end of a range ("250~350"): a count."""
        value = parse_arabic(match.group("arabic"))
        mention = Mention(value, "count", approx, match.start(), match.end())
        self._metric(mention, match.start(), match.end(), False)
        return mention

    def _pair(self, match: re.Match[str]) -> list[Mention]:
        """ "五六成", "两三千元", "一万二三千人": neighbouring numerals, the two ends of a range."""
        low_digit, high_digit = _chinese_value(match.group("pa")), _chinese_value(match.group("pb"))
        if low_digit is None or high_digit != low_digit + 1:
            found = self._cn_numeral(match.start(), match.group())  # "一二": not a pair
            return [found] if found is not None else []
        head, tail = match.group("phead") or "", match.group("ptail") or ""
        text, start, end = self.text, match.start(), match.end()
        if not head and not tail and re.match(_TENTH, text[end:]):
            ends = [Mention(v * 10, "%", "range", start, end + 1) for v in (low_digit, high_digit)]
            for mention in ends:
                self._percent_metric(mention)
            return ends
        low = _chinese_value(head + match.group("pa") + tail)
        high = _chinese_value(head + match.group("pb") + tail)
        if low is None or high is None:
            return []
        second = self._number(start, end, high, arabic=False, raw=head + match.group("pb") + tail)
        if second is None:
            return []
        first = Mention(
            second.value * low / high,
            second.unit,
            "range",
            second.start,
            second.end,
            metric=second.metric,
            metric_span=second.metric_span,
            inherit=second.inherit,
        )
        second.approx = "range"
        return [first, second]

    def _match(self, match: re.Match[str]) -> Mention | None:
        if match.group("frac"):
            return self._fraction(match)
        if match.group("half"):
            raw = match.group("half")
            approx = "over" if raw in ("超过一半", "一半以上", "过半", "大半") else "exact"
            approx2, left = _approx_before(self.text, match.start())
            if approx == "exact" and approx2 != "exact":
                approx = approx2
            mention = Mention(
                50.0, "%", approx, left if approx2 != "exact" else match.start(), match.end()
            )
            self._share_metric(mention)
            return mention
        if match.group("tenth"):
            raw = match.group("tnum")
            value = float(raw) if raw.isdigit() else _chinese_value(raw)
            if value is None:
                return None
            approx, left = _approx_before(self.text, match.start())
            end = match.end()
            after = _APPROX_AFTER.match(self.text, end)
            if after and approx == "exact":
                approx, end = after.lastgroup or "exact", after.end()
            mention = Mention(
                value * 10, "%", approx, left if approx != "exact" else match.start(), end
            )
            self._percent_metric(mention)  # N成 is N tenths: "七成", "下降了一成"
            return mention
        if match.group("double"):
            times = {"两": 2, "二": 2, "三": 3}.get(match.group("times") or "", 1)
            previous = next((m for m in reversed(self.out) if m.metric and m.unit != "x"), None)
            metric = f"growth of {previous.metric}" if previous is not None else None
            if metric is None:
                found = [t for t in self.terms if t[1] <= match.start()]
                metric = f"growth of {found[-1][2].name}" if found else "growth"
            return Mention(float(2**times), "x", "exact", match.start(), match.end(), metric=metric)
        if match.group("rank"):
            value = self._int(match.group("rnum"))
            if value is None:
                return None
            return self._rank(value, match.start("rverb"), match.end())
        if match.group("rank2"):
            value = self._int(match.group("r2num"))
            if value is None:
                return None
            return self._rank(value, match.start(), match.end())
        if match.group("arabic"):
            value = parse_arabic(match.group("arabic"))
            mag = match.group("mag")
            if mag:
                value *= ZH_MAGNITUDES[mag]
            return self._number(match.start(), match.end(), value, arabic=True, raw=match.group())
        raw = match.group("cn")
        return self._cn_numeral(match.start(), raw)

    def _rank(self, value: float, start: int, end: int) -> Mention:
        mention = Mention(value, "rank", "exact", start, end)
        if not self._left_metric(mention, "rank"):
            mention.inherit = True
        return mention

    @staticmethod
    def _int(raw: str) -> float | None:
        if raw.isdigit():
            return float(raw)
        return _BARE_MAGNITUDE.get(raw) or _chinese_value(raw)

    def _cn_numeral(self, start: int, raw: str) -> Mention | None:
        if len(raw) > _LONGEST_NUMERAL:
            return None  # no quantity is written with this many numeral characters
        if raw in _BARE_MAGNITUDE:
            # "近百家", "逾千人": a round number, but only with an approximator before it
            if _approx_before(self.text, start)[0] == "exact":
                return None
            return self._number(
                start, start + len(raw), _BARE_MAGNITUDE[raw], arabic=False, raw=raw
            )
        # Trim trailing magnitude characters that belong to a unit ("万元", "亿元").
        for cut in range(len(raw), 0, -1):
            head = raw[:cut]
            value = _chinese_value(head)
            if value is None:
                continue
            rest = raw[cut:]
            if rest and not _unit_at(self.text, start + cut) and not rest.startswith(("万", "亿")):
                continue
            if head in ("万", "亿", "千", "百", "十") and not self.text.startswith(
                "几", start + cut
            ):
                return None  # a bare magnitude, unless "十几个" (ten-odd)
            end = start + cut
            timed = self._time_unit_follows(end) or (
                _unit_at(self.text, end) is not None
                and _approx_before(self.text, start)[0] != "exact"
            )
            if head == "一" and not timed:
                return None  # "一家企业": the article "a", not a count
            return self._number(start, end, value, arabic=False, raw=head)
        return None

    def _time_unit_follows(self, end: int) -> bool:
        unit = _unit_at(self.text, end)
        if unit is not None and unit[0] in ("h", "min", "day", "month", "year"):
            return not self.text.startswith("年", end) or self.text.startswith(
                ("年左右", "年以"), end
            )
        return False

    def _fraction(self, match: re.Match[str]) -> Mention | None:
        den = self._int(match.group("den"))
        num_raw = match.group("num")
        num = float(num_raw) if num_raw[0].isdigit() else _chinese_value(num_raw)
        if den is None or num is None or den == 0:
            return None
        value = num if den == 100 else round(100.0 * num / den, 4)
        approx, left = _approx_before(self.text, match.start())
        end = match.end()
        after = _APPROX_AFTER.match(self.text, end)
        if after and approx == "exact":
            approx, end = after.lastgroup or "exact", after.end()
        if approx == "exact" and _ABOUT_SHARE.search(
            self.text, self._clause_start(match.start()), match.start()
        ):
            approx = "about"  # "约占全市的三分之一"
        mention = Mention(value, "%", approx, left if approx != "exact" else match.start(), end)
        self._share_metric(mention)
        return mention

    def _number(
        self, start: int, end: int, value: float, *, arabic: bool, raw: str
    ) -> Mention | None:
        text = self.text
        if text[max(0, start - 1) : start] == "第":
            return None  # "连续第七年": an ordinal, not a count
        if not arabic and text[max(0, start - 1) : start] in _DEMONSTRATIVES:
            return None  # "这两款车", "那两位学生": a reference back, not a report
        cursor = end
        approx_after = None
        after = _APPROX_AFTER.match(text, cursor)
        if after and after.lastgroup == "over" and text.startswith(("多", "余", "几"), cursor):
            approx_after, cursor = "over", after.end()
        magnitude = _LATE_MAGNITUDE.match(text, cursor)
        if magnitude is not None:  # "20多万", "1万多单": the magnitude after 多
            value *= ZH_MAGNITUDES[magnitude.group()]
            raw, cursor = raw + magnitude.group(), magnitude.end()
        unit_info = _unit_at(text, cursor)
        if unit_info is None and arabic:
            latin = physical_unit(text, cursor)  # "2335mm", "256GB" in Chinese text
            unit_info = (latin[0], 1.0, latin[1]) if latin is not None else None
        unit = "count"
        measure = None
        if unit_info is not None:
            unit, scale, cursor = unit_info
            value *= scale
            if unit == "point" and (value < 100 or not arabic) and "." not in raw:
                return None  # "7点" is a clock time; index points are in the hundreds
            if unit in _TIME and text.startswith("半", cursor):
                value, cursor = value + 0.5, cursor + 1  # "两年半"
            if unit == "km" and re.search(r"时速\S{0,2}$", text[max(0, start - 6) : start]):
                unit = "km/h"  # "时速350公里"
            if unit == "year" and arabic and 1800 <= value <= 2200 and "." not in raw:
                return None  # 2025年: a date
            if text[end:cursor] == "日":
                return None  # "1日" is a day of the month; a count of days says 天
            if unit in _TIME and (
                (unit in ("year", "month") and _TIME_BEFORE.search(text, max(0, start - 3), start))
                or _TIME_AFTER.match(text, cursor)
            ):
                return None  # "前两年", "五年前": a point in time, not a duration
        else:
            measure = _MEASURE.match(text, cursor)
            if measure is None:
                if raw[-1:] not in ("万", "亿") or re.match(r"[A-Za-z]", text[cursor : cursor + 1]):
                    return None  # "5万T": a unit the finder does not know is not a count
                # "新增10亿商品图片", "多达30万人": a magnitude makes a bare number a count
            else:
                word = measure.group()
                if "万" in word:
                    value *= 1e4
                if "亿" in word:
                    value *= 1e8
                if word.startswith(("多", "余")):
                    approx_after = "over"
                cursor = measure.end()
        if (
            unit == "count"
            and arabic
            and "." not in raw
            and measure is None
            and raw[-1:] not in "万亿"
        ):
            return None
        after = _APPROX_AFTER.match(text, cursor)
        if after:
            approx_after, cursor = after.lastgroup, after.end()
        approx, left = _approx_before(text, start)
        if approx == "exact" and approx_after:
            approx = approx_after
        mention = Mention(value, unit, approx, left if left < start else start, cursor)
        self._metric(mention, start, cursor, measure is not None)
        return mention

    # -- metric -------------------------------------------------------------------------------

    def _metric(self, mention: Mention, num_start: int, cursor: int, counted: bool) -> None:
        text, unit = self.text, mention.unit
        if unit == "%":
            self._percent_metric(mention)
            return
        if unit == "x":
            mention.metric = self._growth_of("growth")
            return
        if counted:
            if text.startswith("的", cursor):
                cursor += 1
            found = self.lexicon.zh_prefix(text[cursor : cursor + 16])
            if found is not None and unit_allows(found[0], "count"):
                mention.metric = found[0].name
                mention.metric_span = (cursor, cursor + found[1])
                return
            noun = self._noun_after(cursor)
            if noun is not None:
                mention.metric, mention.metric_span = noun
                return
        if is_money(unit):
            noun = self._noun_after(cursor, skip_de=True)
            terms = self.lexicon.find_zh(text[noun[1][0] : noun[1][1]]) if noun is not None else []
            fitting = [t for t in terms if unit_allows(t[2], unit) and t[2].units]
            if noun is not None and fitting:
                mention.metric = fitting[-1][2].name  # "70亿元战略投资", "5000万元补贴"
                mention.metric_span = noun[1]
                return
        left = self._left_metric(mention, unit)
        if left is not None:
            return
        default = self.lexicon.for_unit(unit)
        mention.metric = default.name if default else None

    def _noun_after(self, pos: int, *, skip_de: bool = True) -> tuple[str, tuple[int, int]] | None:
        if skip_de and self.text.startswith("的", pos):
            pos += 1
        match = _NOUN_RUN.match(self.text, pos)
        if match is None:
            return None
        run = match.group()
        cut = _NOUN_END.search(run)
        if cut is not None:
            run = run[: cut.start()]
        if not run:
            return None
        found = self.lexicon.lookup(run)
        name = found.name if found is not None else run
        return name, (pos, pos + len(run))

    def _clause_start(self, pos: int) -> int:
        lo = 0
        for match in _CLAUSE_BREAK.finditer(self.text, 0, pos):
            lo = match.end()
        return lo

    def _left_metric(self, mention: Mention, unit: str) -> bool | None:
        lo = self._clause_start(mention.start)
        best: tuple[int, Metric, int, int] | None = None
        for start, end, metric in self.terms:
            if start < lo or end > mention.start:
                continue
            fits = unit_allows(metric, unit) or unit in metric.default_for
            if unit == "rank":
                fits = True  # 独角兽企业数量位列第三: the rank of the unicorn count
            elif not metric.units:
                fits = fits and is_money(unit)
            if not fits:
                continue
            if best is None or end >= best[3]:
                best = (0, metric, start, end)
        if best is not None and unit == "count":
            rest = _VERBS_BEFORE.sub("", self.text[best[3] : mention.start])
            rest = _LEADING_VERBS.split(rest)[-1]
            if (
                len(rest) >= 2
                and re.fullmatch(r"[\u4e00-\u9fff]+", rest)
                and rest not in _COUNT_WORDS
            ):
                found = self.lexicon.lookup(rest)
                mention.metric = found.name if found is not None else rest  # "企业研发人员"
                mention.metric_span = (best[2], mention.start)
                return True
        if best is not None and best[1].name in _GENERIC:
            run = self._run_before(best[2], lo)
            if run:
                mention.metric = run + self.text[best[2] : best[3]]
                mention.metric_span = (best[2] - len(run), best[3])
                return True
        if best is None:
            if unit == "count":
                run = self.text[lo : mention.start]
                run = _LEADING_VERBS.split(_REDUNDANT.sub("", run))[-1]
                run = _VERBS_BEFORE.sub("", run)
                if 1 <= len(run) <= 16 and re.fullmatch(r"[\u4e00-\u9fff]+", run):
                    mention.metric = run
                    mention.metric_span = (mention.start - len(run), mention.start)
                    return True
            return None
        mention.metric = best[1].name
        mention.metric_span = (best[2], best[3])
        return True

    def _run_before(self, pos: int, lo: int) -> str:
        """The Chinese words right before ``pos`` that qualify a generic term (采购|比例)."""
        run = ""
        index = pos
        while index > lo and len(run) < 6:
            char = self.text[index - 1]
            if not ("\u4e00" <= char <= "\u9fff") or char in _RUN_STOP:
                break
            run = char + run
            index -= 1
        return _REDUNDANT.sub("", run)

    def _percent_metric(self, mention: Mention) -> None:
        noun = self._noun_after(mention.end, skip_de=True)
        if noun is not None:
            found = self.lexicon.lookup(noun[0])
            if found is not None and unit_allows(found, "%") and found.units:
                mention.metric, mention.metric_span = noun
                return
        if self._share_metric(mention):
            return
        before = self.text[max(0, mention.start - 6) : mention.start]
        if re.search(r"(?:增长|增加|提高|提升|上涨|增速|增幅)(?:了)?$", before):
            mention.metric = self._growth_of("growth")
            return
        if re.search(r"(?:下降|减少|降低|回落)(?:了)?$", before):
            mention.metric = self._growth_of("decline")
            return
        if self._left_metric(mention, "%"):
            if mention.metric in ("growth", "decline"):
                mention.metric = self._growth_of(mention.metric)
            return
        mention.metric = "share"

    def _growth_of(self, kind: str) -> str:
        """ "同比增长12.5%" after "产业规模达到2850亿元": growth of the output value.

        A bare "growth" would make every growth rate of a city one figure.
        """
        previous = next(
            (m for m in reversed(self.out) if m.metric and m.unit not in ("x", "%")), None
        )
        if previous is None:
            previous = next((m for m in reversed(self.out) if m.metric), None)
        return f"{kind} of {previous.metric}" if previous is not None else kind

    def _share_metric(self, mention: Mention) -> bool:
        text = self.text
        lo = self._clause_start(mention.start)
        before = text[lo : mention.start]
        target = _SHARE_TARGET.search(before)
        if target is not None and "占" in before and "占比" not in before:
            words = target.group("target")
            owner = ""
            if words.startswith(("全国", "我国", "中国")):
                owner = "China's "
            found = self.lexicon.find_zh(words)
            name = found[-1][2].name if found else None
            if name is None or name in ("share",):
                subject_metric = self._previous_metric(lo, mention.start)
                name = subject_metric
            mention.metric = f"share of {owner}{name}".strip() if name else "share"
            start = lo + target.start("target")
            mention.metric_span = (start, start + len(words))
            return True
        if _OF_WHICH.search(before) or before.endswith(("占比", "比重")) or "占比" in before:
            previous = next((m for m in reversed(self.out) if m.unit == "count"), None)
            name = previous.metric if previous is not None and previous.metric else None
            if (
                name is None
                and not _VERBS_BEFORE.sub("", before)
                and re.search(r"中[，,]\s*$", text[:lo])
            ):
                name = self._previous_metric(0, mention.start)  # "江苏的高新技术企业中，超过一半"
            if name is not None and name not in _GENERIC:
                # "其中超过一半集中在集成电路……": a subset, told apart by where it lies.
                qualifier = _ZH_QUALIFIER.match(text, mention.end)
                where = qualifier.group("q") if qualifier else ""
                mention.metric = f"share of {name}" + (f" in {where}" if where else "")
                return True
        return False

    def _previous_metric(self, lo: int, hi: int) -> str | None:
        for _start, end, metric in reversed(self.terms):
            if end > hi:
                continue
            if metric.name != "share":
                return metric.name
        return None


_DEMONSTRATIVES: Final = frozenset("这那该此")
_LATE_MAGNITUDE: Final = re.compile("万亿|亿|万")
_TIME: Final = frozenset({"year", "month", "day", "h", "min"})
_TIME_BEFORE: Final = re.compile(r"(?:前|近|过去|最近|这|那|头|后)$")
_TIME_AFTER: Final = re.compile(r"(?:前|来|以来|后|以后|之后|之前)")


def find_chinese(sentence: str, lexicon: MetricLexicon) -> list[Mention]:
    """Every figure in one Chinese sentence, offsets relative to the sentence."""
    return _Reader(sentence, lexicon).run()
