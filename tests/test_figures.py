"""Figure extraction, one category at a time: tables of sentence -> expected figures.

Each row names what a reader would list; the tests check value, unit and approximator first,
then the subject/metric/period wherever the row gives them. The gold-set test
(``test_figures_gold.py``) scores the same behaviour over 200+ labelled figures.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.figures import EXTRACTOR_VERSION, Claim, claim_key, extract_claims
from pipelines.figures.numbers import fraction_percent, parse_chinese, parse_en_word
from pipelines.figures.sentences import split_sentences
from seeds.lexicon import LexiconError, load_gazetteer, load_metrics


def figures(text: str, lang: str | None = None, **kwargs: object) -> list[tuple]:
    """(value, unit, approx) of every claim, the shape most rows compare."""
    return [(c.value, c.unit, c.approx) for c in extract_claims(text, lang=lang, **kwargs)]


def only(text: str, lang: str | None = None, **kwargs: object) -> Claim:
    claims = extract_claims(text, lang=lang, **kwargs)
    assert len(claims) == 1, [c.as_dict() for c in claims]
    return claims[0]


# -- the contract -------------------------------------------------------------------------------


def test_claim_json_has_the_contract_keys_in_order() -> None:
    claim = only("Shanghai counts 43 unicorns.")
    assert list(claim.as_dict()) == [
        "value",
        "unit",
        "approx",
        "subject",
        "metric",
        "period",
        "key",
        "sentence",
        "start",
        "end",
        "lang",
        "comparable",
        "reason",
    ]
    assert claim.as_dict() == {
        "value": 43.0,
        "unit": "count",
        "approx": "exact",
        "subject": "Shanghai",
        "metric": "unicorns",
        "period": None,
        "key": "shanghai|unicorns|count",
        "sentence": "Shanghai counts 43 unicorns.",
        "start": 16,
        "end": 18,
        "lang": "en",
        "comparable": True,
        "reason": None,
    }
    json.dumps(claim.as_dict())


def test_spans_point_at_the_figure_in_the_callers_text() -> None:
    text = "Title line\nSMIC reached 5nm.　上海共有４３家独角兽企业。 Hangzhou placed 13th."
    for claim in extract_claims(text):
        assert claim.sentence in text
        assert text[claim.start : claim.end].strip()
        assert claim.start >= text.index(claim.sentence)
    assert [text[c.start : c.end] for c in extract_claims(text)] == ["5nm", "４３家", "13th"]


def test_version_is_a_named_string() -> None:
    assert EXTRACTOR_VERSION.startswith("figures-")


def test_key_rule() -> None:
    assert (
        claim_key("Shanghai", "VC investment", "USD", "2024") == "shanghai|vc investment|usd|2024"
    )
    assert claim_key(None, "count", "count", None) == "|count|count"


# -- same fact, same key ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Shanghai counts 43 unicorns.", "en"),
        ("Shanghai is home to 43 unicorn startups.", "en"),
        ("Shanghai now has 43 unicorn companies, officials said.", "en"),
        ("截至2025年底，上海共有43家独角兽企业。", "zh"),
        ("上海独角兽企业达43家", "zh"),
    ],
)
def test_unicorn_wordings_share_one_key(text: str, lang: str) -> None:
    assert only(text, lang).key == "shanghai|unicorns|count"


@pytest.mark.parametrize(
    "text",
    [
        "SMIC has developed 5nm chips at its Pudong facilities.",
        "SMIC has reached 3nm chip production at a Shanghai plant.",
        "Shanghai-based SMIC ramps up 14nm nodes.",
        "中芯国际已实现7纳米工艺量产。",
    ],
)
def test_process_nodes_share_one_key(text: str) -> None:
    assert only(text).key == "smic|process node|nm"


def test_process_node_in_a_title_finds_the_company_in_the_lead() -> None:
    text = "Shanghai claims 3nm chip milestone\nSMIC has reached 3nm chip production."
    assert {c.key for c in extract_claims(text)} == {"smic|process node|nm"}


def test_foreign_experts_in_two_wordings_conflict_on_one_key() -> None:
    a = only("The scheme has brought 28,000 foreign experts to Shanghai.")
    b = only("Shanghai has attracted 42,000 foreign experts under its visa programme.")
    assert a.key == b.key == "shanghai|foreign talent|count"


# -- English ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hefei has 1,700+ startups.", [(1700.0, "count", "over")]),
        ("About 60%+ of them are profitable.", [(60.0, "%", "about")]),
        ("The park has 30+ labs.", [(30.0, "count", "over")]),
        ("Output grew 12.5% last year.", [(12.5, "%", "exact")]),
        ("The fund is worth $2.5 billion.", [(2.5e9, "USD", "exact")]),
        ("It raised US$1.2bn in Hong Kong.", [(1.2e9, "USD", "exact")]),
        ("Labs have ¥100 million budgets.", [(1e8, "CNY", "exact")]),
        ("The firm earned 450 billion yuan.", [(4.5e11, "CNY", "exact")]),
        ("The city spent RMB 20 billion on chips.", [(2e10, "CNY", "exact")]),
        ("A €300 million plant opened.", [(3e8, "EUR", "exact")]),
        (
            "Servers: 1.3M units, 400k in Hangzhou.",
            [(1.3e6, "count", "exact"), (4e5, "count", "exact")],
        ),
        ("Exports rose 20 percent.", [(20.0, "%", "exact")]),
        ("Nanjing opened twelve new incubators.", [(12.0, "count", "exact")]),
        ("Hefei attracted twenty-five academicians.", [(25.0, "count", "exact")]),
        ("Ningbo hosts some forty R&D centres.", [(40.0, "count", "about")]),
    ],
)
def test_english_cardinals_magnitudes_currencies_percentages(text: str, expected: list) -> None:
    assert figures(text, "en") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Revenue fell to EUR50m last year.", [(5e7, "EUR", "exact")]),
        ("A coffee costs RM23.50 in the mall.", [(23.5, "MYR", "exact")]),
        ("The grant was $A82,615,680 in total.", [(82615680.0, "AUD", "exact")]),
        ("The grant was A$12m in total.", [(1.2e7, "AUD", "exact")]),
        ("Profit was $US55,931,000 last year.", [(55931000.0, "USD", "exact")]),
        ("The fund raised HK$3.2 billion.", [(3.2e9, "HKD", "exact")]),
        ("Tickets cost S$12 each.", [(12.0, "SGD", "exact")]),
        ("Sky paid £4.2bn for the rights.", [(4.2e9, "GBP", "exact")]),
        (
            "The studio spent ¥3 billion, or about 20 billion yen.",
            [(3e9, "JPY", "exact"), (2e10, "JPY", "about")],
        ),
        ("It sold for 5 million Hong Kong dollars.", [(5e6, "HKD", "exact")]),
        ("The bill was 300 USD.", [(300.0, "USD", "exact")]),
        ("Oil fell 3 cents.", [(0.03, "USD", "exact")]),
        (
            "China (NZ$27.8b), Australia ($26.2b).",
            [(2.78e10, "NZD", "exact"), (2.62e10, "NZD", "exact")],
        ),
        ("The console weighs 8.4 pounds.", [(8.4, "lb", "exact")]),
        ("鸿海投资10亿美元，约合62亿元人民币。", [(1e9, "USD", "exact"), (6.2e9, "CNY", "about")]),
        ("公司净亏损13亿英镑。", [(1.3e9, "GBP", "exact")]),
        ("价值7万元美金的轿车。", [(7e4, "USD", "exact")]),
        ("融资5亿港元。", [(5e8, "HKD", "exact")]),
        ("原油期货下跌3美分。", [(0.03, "USD", "exact")]),
    ],
)
def test_currencies_as_symbols_prefixes_codes_and_names(text: str, expected: list) -> None:
    """ISO 4217 codes through babel's CLDR tables and seeds/currencies.toml."""
    assert figures(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("In the 4½ years since its founding it grew.", [(4.5, "year", "exact")]),
        ("The blade is 1/16 inch thick.", [(0.0625, "in", "exact")]),
        ("The gap is 1⁄32 of the width.", [(3.125, "%", "exact")]),
        ("It is open 24/7 now.", []),
        ("The mass is 1.99×10−30 kg.", [(1.99e-30, "kg", "exact")]),
        ("Light travels 3 × 10^8 metres a second.", [(3e8, "m", "exact")]),
        ("The room is 3 x 10 metres.", [(3.0, "x", "exact"), (10.0, "m", "exact")]),  # not 3e10
        ("The layer is ~1.2mm thick.", [(1.2, "mm", "about")]),
        ("They sell to four or five buyers.", [(4.0, "count", "range"), (5.0, "count", "range")]),
        (
            "He walked round the block two or three times.",
            [(2.0, "count", "range"), (3.0, "count", "range")],
        ),
        ("It is about 10 times faster.", [(10.0, "x", "about")]),
        (
            "It will rise to 5.01–5.51 million.",
            [(5.01e6, "count", "range"), (5.51e6, "count", "range")],
        ),
        ("An argument between two women turned violent.", [(2.0, "count", "exact")]),
        ("It took four months and one minute.", [(4.0, "month", "exact"), (1.0, "min", "exact")]),
        ("I fixed it 2 years ago.", []),
        ("My other two interests are absent.", []),
        ("He was a lad some twelve years old.", []),
        ("The savings add up to 6 petabytes a day.", [(6.0, "PB", "exact")]),
        ("AI may replace them within the next five years.", [(5.0, "year", "under")]),
        ("It had more than 100 as of last July.", [(100.0, "count", "over")]),
        ("“Half of them are turtles,” said Alden.", [(50.0, "%", "exact")]),
        ("Whales stranded on Ninety Mile Beach.", []),
        ("They met at twelve o'clock, or three or four a.m.", []),
    ],
)
def test_english_number_forms(text: str, expected: list) -> None:
    assert figures(text, "en") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One-seventh of China's high-tech firms are here.", [(14.2857, "%", "exact")]),
        ("Nearly half of the users come from the delta.", [(50.0, "%", "nearly")]),
        ("About a third of them work on AI.", [(33.3333, "%", "about")]),
        ("Nearly a quarter of its GDP comes from here.", [(25.0, "%", "nearly")]),
        ("Two-thirds of exports are electronics.", [(66.6667, "%", "exact")]),
        ("One out of every three papers came from Shanghai.", [(33.3333, "%", "exact")]),
        ("Roughly one in three engineers came from abroad.", [(33.3333, "%", "about")]),
        ("In the first half of the year sales rose.", []),
        ("People are the other half of the strategy.", []),
        ("Fourth-quarter deals were revised.", []),
    ],
)
def test_english_fractions_are_percentages(text: str, expected: list) -> None:
    assert figures(text, "en") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The cluster was placed 6th, with Hangzhou 13th.",
            [(6.0, "rank", "exact"), (13.0, "rank", "exact")],
        ),
        ("Shanghai now ranks 3 globally in the Nature Index.", [(3.0, "rank", "exact")]),
        ("Hangzhou ranked third, behind Beijing.", [(3.0, "rank", "exact")]),
        ("The 15th Five-Year Plan starts now.", []),
        ("The 7th China International Import Expo opens.", []),
        ("He scored in the 88th minute.", []),
    ],
)
def test_english_ranks(text: str, expected: list) -> None:
    assert figures(text, "en") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SMIC makes 3nm chips.", (3.0, "nm")),
        ("Trains run at 350km/h.", (350.0, "km/h")),
        ("The region spans 358,000 square kilometers.", (358000.0, "km2")),
        ("A 128-qubit processor was built.", (128.0, "qubit")),
        ("The trip takes 90 minutes.", (90.0, "min")),
        ("Testing lasts 72 hours.", (72.0, "h")),
        ("The link is 470 km long.", (470.0, "km")),
        ("The project took 30 months.", (30.0, "month")),
        ("Output reached 5.2 GW.", (5.2, "GW")),
        ("Approval takes 2 weeks.", (14.0, "day")),
    ],
)
def test_english_physical_units(text: str, expected: tuple) -> None:
    claim = only(text, "en")
    assert (claim.value, claim.unit) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Rents have tripled since 2020.", [(3.0, "x", "exact")]),
        ("The count has roughly doubled.", [(2.0, "x", "about")]),
        ("It trains twice as many engineers.", [(2.0, "x", "exact")]),
        ("Output is five times higher.", [(5.0, "x", "exact")]),
    ],
)
def test_english_multiples(text: str, expected: list) -> None:
    assert figures(text, "en") == expected


def test_multiples_name_what_grew_so_they_do_not_collide() -> None:
    a = only("Shanghai's count of AI firms has roughly doubled.")
    b = only("Commercial rents in Shanghai have tripled.")
    assert a.metric != b.metric
    assert b.metric == "growth of commercial rents"


@pytest.mark.parametrize(
    ("text", "approx"),
    [
        ("over 40 labs", "over"),
        ("more than 40 labs", "over"),
        ("at least 40 labs", "over"),
        ("nearly 40 labs", "nearly"),
        ("close to 40 labs", "nearly"),
        ("almost 40 labs", "nearly"),
        ("about 40 labs", "about"),
        ("roughly 40 labs", "about"),
        ("around 40 labs", "about"),
        ("under 40 labs", "under"),
        ("fewer than 40 labs", "under"),
        ("40 labs or so", "about"),
        ("as many as 40 labs", "under"),
        ("closer to 40 labs", "nearly"),
        ("40 labs or something", "about"),
        ("40 labs or more", "over"),
    ],
)
def test_english_approximators(text: str, approx: str) -> None:
    claim = only(f"Hefei has {text}.", "en")
    assert (claim.value, claim.approx) == (40.0, approx)
    assert text.split(" labs")[0] in claim.sentence[claim.start - 10 : claim.end]


def test_ranges_and_before_after_pairs() -> None:
    assert figures("The fund will back between 15 and 20 startups.") == [
        (15.0, "count", "range"),
        (20.0, "count", "range"),
    ]
    before, after = extract_claims("The alliance cut its reliance on imports from 80% to 37%.")
    assert (before.value, before.period, after.value, after.period) == (80.0, "before", 37.0, None)
    assert before.metric == after.metric == "reliance on import"
    now, then = extract_claims("Shanghai makes 42% of China's advanced chips, up from 18% in 2020.")
    assert (now.period, then.period) == (None, "2020")
    assert now.metric == then.metric == "share of china's advanced chip"
    low, high = extract_claims("Each start-up receives 2-3 million yuan in support.")
    assert (low.value, low.unit, high.value, high.unit) == (2e6, "CNY", 3e6, "CNY")


def test_shares_keep_the_owner_of_the_total_but_not_the_subject() -> None:
    claim = only("Shanghai now accounts for 42% of China's advanced chip output.")
    assert (claim.subject, claim.metric) == ("Shanghai", "share of china's advanced chip output")
    claim = only("Nearly half of the SSRF's users hail from the delta.")
    assert (claim.subject, claim.metric) == ("SSRF", "share of user")


# -- Chinese ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("上海共有43家独角兽企业。", [(43.0, "count", "exact")]),
        ("研发经费合计超过三千二百亿元。", [(3.2e11, "CNY", "over")]),
        ("研发经费合计超过3200亿元。", [(3.2e11, "CNY", "over")]),
        ("全市新认定科技型中小企业1.5万家。", [(15000.0, "count", "exact")]),
        ("估值合计约2600亿美元。", [(2.6e11, "USD", "about")]),
        ("占比达到百分之四十。", [(40.0, "%", "exact")]),
        ("占比达到40%。", [(40.0, "%", "exact")]),
        ("占比达到４０％。", [(40.0, "%", "exact")]),
        ("长三角GDP合计超过三十万亿元。", [(3e13, "CNY", "over")]),
        ("高新技术企业数量占全国的七分之一。", [(14.2857, "%", "exact")]),
        ("约占全国的四分之一。", [(25.0, "%", "about")]),
        ("其中超过一半集中在集成电路领域。", [(50.0, "%", "over")]),
        ("三成以上的企业完成了改造。", [(30.0, "%", "over")]),
        ("采购比例较五年前翻了一番。", [(2.0, "x", "exact")]),
        ("南京拥有五十三所高校。", [(53.0, "count", "exact")]),
        ("合肥建成两个国家实验室。", [(2.0, "count", "exact")]),
    ],
)
def test_chinese_numerals_magnitudes_measure_words(text: str, expected: list) -> None:
    assert figures(text, "zh") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("以平均客单价250~350估算。", [(250.0, "count", "range"), (350.0, "count", "range")]),
        ("GMV是37.5~52.5亿。", [(3.75e9, "count", "range"), (5.25e9, "count", "range")]),
        ("成本在13~20%之间。", [(13.0, "%", "range"), (20.0, "%", "range")]),
        ("在4000点-5000点这波行情中。", [(4000.0, "point", "range"), (5000.0, "point", "range")]),
        ("一般3~4个工作日到账。", [(3.0, "day", "range"), (4.0, "day", "range")]),
        ("五六成资金来自民间。", [(50.0, "%", "range"), (60.0, "%", "range")]),
        ("一个六七万元的小车。", [(6e4, "CNY", "range"), (7e4, "CNY", "range")]),
        ("已有一万二三千人。", [(1.2e4, "count", "range"), (1.3e4, "count", "range")]),
        ("减少了十几个点的仓位。", [(10.0, "%", "over")]),
        ("募集资金均超过百亿元。", [(1e10, "CNY", "over")]),
        ("百亿元的项目。", []),
        ("杠杆为1:4～1:5之间。", []),
        ("5月14~15日召开评审会。", []),
    ],
)
def test_chinese_ranges(text: str, expected: list) -> None:
    assert figures(text, "zh") == expected


@pytest.mark.parametrize(
    ("text", "approx"),
    [
        ("企业超过300家", "over"),
        ("企业逾300家", "over"),
        ("企业突破300家", "over"),
        ("企业300多家", "over"),
        ("企业300余家", "over"),
        ("企业300家以上", "over"),
        ("企业近300家", "nearly"),
        ("企业约300家", "about"),
        ("企业300家左右", "about"),
        ("企业不到300家", "under"),
        ("企业不足300家", "under"),
    ],
)
def test_chinese_approximators(text: str, approx: str) -> None:
    claim = only(f"临港{text}。", "zh")
    assert (claim.value, claim.approx, claim.subject) == (300.0, approx, "Lingang")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("G60科创走廊在全国同类科创廊道中位列第三。", [(3.0, "rank", "exact")]),
        ("无锡规模位列全国第3。", [(3.0, "rank", "exact")]),
        ("南京排在第七位。", [(7.0, "rank", "exact")]),
        ("第一次来的人很惊讶。", []),
    ],
)
def test_chinese_ranks(text: str, expected: list) -> None:
    assert figures(text, "zh") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("华虹在无锡量产55纳米芯片。", (55.0, "nm", "exact")),
        ("高铁设计时速350公里。", (350.0, "km/h", "exact")),
        ("规划面积386平方公里。", (386.0, "km2", "exact")),
        ("最快只需约40分钟。", (40.0, "min", "about")),
        ("手续压缩到5个工作日以内。", (5.0, "day", "under")),
        ("从搬入到通线只用了不到一年。", (1.0, "year", "under")),
        ("研制出66量子比特的处理器。", (66.0, "qubit", "exact")),
        ("储存环周长432米。", (432.0, "m", "exact")),
    ],
)
def test_chinese_units(text: str, expected: tuple) -> None:
    claim = only(text, "zh")
    assert (claim.value, claim.unit, claim.approx) == expected


def test_chinese_metrics_map_to_english_names() -> None:
    assert only("上海独角兽企业达43家", "zh").metric == "unicorns"
    assert only("全市已有超过600家芯片设计企业。", "zh").metric == "chip design companies"
    assert only("研发投入强度平均达到3.6%。", "zh").metric == "r&d intensity"
    assert only("蔚来获得70亿元战略投资。", "zh").metric == "investment"


# -- never figures ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "The forum was held on October 18, 2024 in Zhangjiang.",
        "⏱ 2025-05-24 00:25 🔖 news 📢0",
        "Since its completion in 2009, the facility has been busy.",
        "The G60 corridor and 6G labs are planning terms.",
        'The "1+8 Innovation Corridor" and the "1+X" system.',
        "It is Asia's Silicon Valley 2.0, officials say.",
        'The government\'s "Tech Pioneer 2025" program.',
        "1. Personnel Pipelines: talent flows freely.",
        "夜上海419论坛 1. Personnel Pipelines",
        "A 28-year-old entrepreneur, Lin Zhe, demonstrates it.",
        "Disinformation report hotline: 010-85061466",
        "互联网新闻信息许可证10120180008",
        "举报电话：021-62345678，沪ICP备12345678号。",
        "2025年3月1日，座谈会在合肥召开。",
        "G60科创走廊和“一小时科创圈”建设稳步推进。",
        "一、坚持创新驱动发展。",
        "这家企业前两年刚刚完成搬迁，五年前还在闵行。",
        "上海龙凤419论坛 夜上海sh1314 上海贵族宝贝sh1314",
        "在张江一家生物医药企业，记者看到了新的实验室。",
        "长三角一体化已经上升为国家战略。",
        "The derby ended 2-1 after a header in the 88th minute.",
        "Visit Building 3, Room 1204, 88 Keyuan Road.",
        "In the first 11 months of 2024, demand rose.",
        "The two cities can share infrastructure.",
        "Officials met at 10:00 on March 5.",
        "The Shanghai 2035 master plan was published in 2018.",
        "From Firefox 85 it is possible to disable the feature.",
        "The alarm went off as Apollo 11 approached the moon.",
        "Pages validate as either HTML 5 or XHTML 4.01 Transitional.",
        "The changes in QGIS 2.8 fall into several categories.",
        "The release of PHP 8 brought a JIT.",
        "S&P 500 futures were flat while the Nikkei 225 index and TA-125 slipped.",
        "This was talked about in an earlier FFF (FFF-258) post.",
        "- 25/50 Change at the top for Alibaba.",
        "Measure your 99th percentile response time.",
    ],
)
def test_never_figures(text: str) -> None:
    assert extract_claims(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Shanghai Hosts 43 Unicorn Startups", [(43.0, "count", "exact")]),  # a title: no names
        ("The city spent RMB 20 billion on chips.", [(2e10, "CNY", "exact")]),
        ("Shares of Alibaba rose 5% on Monday.", [(5.0, "%", "exact")]),
    ],
)
def test_a_capital_before_a_number_is_not_always_a_name(text: str, expected: list) -> None:
    assert figures(text, "en") == expected


def test_rate_denominator_is_part_of_the_metric_not_a_figure() -> None:
    claim = only("The office counted 56 high-value invention patents per 10,000 residents.")
    assert claim.value == 56.0
    assert claim.metric == "high-value patents per 10,000 residents"


# -- periods ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "published", "period"),
    [
        ("Investors put $87 billion into Shanghai in 2025.", None, "2025"),
        ("The industry brought in 450 billion yuan last year.", dt.date(2026, 3, 2), "2025"),
        ("The industry brought in 450 billion yuan last year.", None, None),
        ("Suzhou adds about 1,100 startups annually.", None, "annually"),
        ("The plant turns out 80,000 wafers a month.", None, "monthly"),
        ("320 start-ups were registered every day.", None, "daily"),
        ("The AI industry has grown 340% since 2020.", None, "since 2020"),
        ("It will train 10,000 engineers by 2030.", None, "by 2030"),
        ("It hosted 20,000 projects since it opened in 2009.", None, "since 2009"),
        ("A fund set up in 2024 holds 10 billion yuan.", None, None),
        ("2025年，全市新认定科技型中小企业1.5万家。", None, "2025"),
        ("截至2025年底，上海共有43家独角兽企业。", None, None),
        ("到2027年，全市将建设20个左右的概念验证中心。", None, "by 2027"),
        ("去年，上海新增高新技术企业4200家。", dt.date(2026, 2, 1), "2025"),
        ("宁波每年新增专利约2万件。", None, "annually"),
        ("2020年以来，苏州引进外籍人才超过8000名。", None, "since 2020"),
    ],
)
def test_periods(text: str, published: dt.date | None, period: str | None) -> None:
    assert only(text, published=published).period == period


def test_a_period_belongs_to_its_own_figure() -> None:
    wafers, share = extract_claims(
        "Its plant turns out 80,000 wafers a month, and the city makes 42% of China's chips."
    )
    assert (wafers.period, share.period) == ("monthly", None)


# -- subjects --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "subjects"),
    [
        ("SMIC, the largest foundry, employs 19,000 staff at its Pudong site.", ["SMIC"]),
        (
            "Shanghai's startup scene has 43 unicorns, surpassing Shenzhen's 38.",
            ["Shanghai", "Shenzhen"],
        ),
        (
            "The Shanghai-Suzhou cluster was placed 6th, with Hangzhou 13th, Nanjing 15th and Hefei 39th.",
            ["Shanghai-Suzhou", "Hangzhou", "Nanjing", "Hefei"],
        ),
        ("The scheme has brought 28,000 foreign experts to Shanghai.", ["Shanghai"]),
        (
            "Shanghai-based companies had 38% of IPOs, against 22% for Shenzhen.",
            ["Shanghai", "Shenzhen"],
        ),
        (
            "Ant Group booked $3.1B in profit, while NetEase earned $2.9bn.",
            ["Ant Group", "NetEase"],
        ),
        ("临港新片区产业规模已突破1000亿元，落户企业超过300家。", ["Lingang", "Lingang"]),
        (
            "G60科创走廊九城协同\n九城高新技术企业数量已占全国的七分之一。",
            ["G60 Science and Technology Innovation Corridor"],
        ),
    ],
)
def test_subjects(text: str, subjects: list) -> None:
    assert [c.subject for c in extract_claims(text)] == subjects


def test_references_back_resolve_to_the_article_subjects() -> None:
    text = (
        "Shanghai remains the region's source of capital.\n"
        "The city counts 43 unicorn startups.\n"
        "SMIC runs a plant in Lingang. Its newest line turns out 80,000 wafers a month."
    )
    assert [c.key for c in extract_claims(text)] == [
        "shanghai|unicorns|count",
        "smic|wafers|count|monthly",
    ]
    text = "G60科创走廊九城协同\n全市已有超过600家芯片设计企业。"
    assert only(text, "zh", main_subject="Shanghai").subject == "Shanghai"


def test_main_subject_is_the_fallback() -> None:
    assert only("The count has roughly doubled.", main_subject="Hefei").subject == "Hefei"
    assert only("The count has roughly doubled.").subject is None


# -- robustness ------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_never_raises_and_spans_are_valid(text: str) -> None:
    for claim in extract_claims(text):
        assert 0 <= claim.start < claim.end <= len(text)
        assert claim.sentence
        assert claim.key.count("|") in (2, 3)


_ALPHABET = st.sampled_from(
    [
        *list(
            '0123456789 ,.%+-$¥亿万千百十一二三四五六七八九两分之约超过近第位列家个人年月天\n。，“”"()'
        ),
        "billion",
        " of ",
        "more than ",
        "nearly ",
        "Shanghai",
        "上海",
        "SMIC",
        "nm",
        "km",
        " half",
        " quarter",
        "one",
        "twenty",
        " in 2020",
        " last year",
        " ranked ",
        "from ",
        " to ",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=80).map("".join))
def test_never_raises_on_number_soup(text: str) -> None:
    assert extract_claims(text) == extract_claims(text)  # deterministic too


def test_huge_and_pathological_inputs_finish() -> None:
    for text in ("9" * 100_000, "1," * 20_000, "1 " * 5_000, "一" * 20_000, "42% of " * 2_000):
        extract_claims(text)
    assert extract_claims("") == []
    assert extract_claims("Worth 1" + "0" * 400 + " yuan.") == []  # an ID-like digit run


def test_sentence_splitting_keeps_list_markers_and_abbreviations() -> None:
    text = "1. Personnel Pipelines: talent. Dr. Chen said U.S. rules bite.\n上海很好。杭州也好！"
    pieces = [text[s.start : s.end] for s in split_sentences(text)]
    assert pieces == [
        "1. Personnel Pipelines: talent.",
        "Dr. Chen said U.S. rules bite.",
        "上海很好。",
        "杭州也好！",
    ]


# -- numbers and lexicons --------------------------------------------------------------------------


def test_number_helpers() -> None:
    assert parse_en_word("twenty-five") == 25.0
    assert parse_en_word("two hundred") == 200.0
    assert parse_en_word("unicorn") is None
    assert fraction_percent("one", "seventh") == 14.2857
    assert fraction_percent(None, "half") == 50.0
    assert parse_chinese("三千二百亿") == 3.2e11
    assert parse_chinese("一点五") == 1.5
    assert parse_chinese("十四五") is None
    assert parse_chinese("万") is None
    assert parse_chinese("九" * 400) is None or parse_chinese("九" * 400) > 0


def test_lexicons_load_and_refuse_bad_files(tmp_path: Path) -> None:
    gazetteer, metrics = load_gazetteer(), load_metrics()
    assert gazetteer.get("上海").name == "Shanghai"
    assert metrics.lookup("独角兽企业").name == "unicorns"
    assert metrics.lookup("R&D centres").name == "R&D centers"
    bad = tmp_path / "bad.toml"
    bad.write_text('[[entity]]\nname = "X"\nkind = "planet"\n', encoding="utf-8")
    with pytest.raises(LexiconError, match="planet"):
        load_gazetteer(bad)
    bad.write_text('[[metric]]\nname = "x"\nen = "not a list"\n', encoding="utf-8")
    with pytest.raises(LexiconError, match="list"):
        load_metrics(bad)


def test_prose_words_pint_reads_as_units_are_not_units() -> None:
    """ "the total for 2025 has been revised": "has" is a verb, not hectares."""
    assert extract_claims("The venture total for 2025 has been revised after late deals.") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Until Dawn was a breakout hit for the PS4 last year.", []),  # a name, not £4
        ("The deal is worth PS8.1bn to the group.", [(8.1e9, "GBP")]),  # a mangled "£"
        ("Shanghai now has 911 registered chip firms.", [(911.0, "count")]),  # not the phone line
        ("A 911 dispatch operator took the call.", []),
        ("The index did not move one bit.", []),
        ("The bus carries eight bits per cycle.", [(8.0, "bit")]),  # only "one bit" is an idiom
    ],
)
def test_names_and_idioms_that_look_like_figures(text: str, expected: list) -> None:
    assert [(c.value, c.unit) for c in extract_claims(text)] == expected
