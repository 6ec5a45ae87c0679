"""Property tests: cleaning, decoding, extraction and figures on arbitrary and hostile input.

Whatever a page holds (any Unicode, NUL bytes, lone surrogates' replacements, huge numbers,
digit runs thousands long, mixed scripts, pathological HTML), these stages must return
rather than raise or hang, and figure spans must point inside the text. Examples are
derandomized (the same ones every run, so CI never flakes on a new example) and capped at
200 per property; ``deadline`` bounds the time of each input.
"""

from __future__ import annotations

import contextlib
import string
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from w3lib.encoding import resolve_encoding

from pipelines.clean import clean_text, normalize_for_hash
from pipelines.extract import ExtractionError, decode_body, extract_article
from pipelines.figures import extract_claims

EXAMPLES = 200


def _settings(deadline_ms: int) -> settings:
    return settings(
        max_examples=EXAMPLES,
        deadline=timedelta(milliseconds=deadline_ms),
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@pytest.fixture(scope="module", autouse=True)
def warm_up() -> None:
    """Load lexicons, regexes and trafilatura once, so no example pays for a cold start."""
    clean_text("warm up")
    extract_claims("Shanghai has 43 unicorns. 上海有43家独角兽企业。", lang="en")
    with contextlib.suppress(ExtractionError):
        extract_article("<html><body><p>warm up</p></body></html>", url="http://x/")


# -- strategies ---------------------------------------------------------------------------

#: Any character except surrogates (which cannot be encoded, so never come out of a decoder).
any_char = st.characters(blacklist_categories=("Cs",))
WORDS_EN = [
    "Shanghai",
    "Hangzhou",
    "Jiangsu",
    "SMIC",
    "unicorns",
    "startups",
    "chips",
    "billion",
    "million",
    "more than",
    "nearly",
    "about",
    "up",
    "to",
    "from",
    "in",
    "the",
    "rose",
    "tripled",
    "nm",
    "km",
    "%",
    "percent",
    "yuan",
    "$",
    "US$",
    "per cent",
    "No.",
    "G60",
    "1+8",
    "2.0",
    "Q3",
    "2024",
    "H1",
    "one-seventh",
    "a quarter",
    "-",
    "–",
    "~",
    "+",
]
WORDS_ZH = [
    "上海",
    "长三角",
    "独角兽",
    "企业",
    "超过",
    "约",
    "近",
    "亿元",
    "万",
    "千",
    "百",
    "三千二百亿",
    "一点五万",
    "百分之",
    "家",
    "纳米",
    "个",
    "同比增长",
    "去年",
    "第",
    "名",
    "倍",
    "成",
    "两",
    "〇",
    "零",
    "壹",
    "億",
    "萬",
    "：",
    "，",
    "。",
    "%",
]
digit_runs = st.integers(min_value=1, max_value=5000).map(lambda n: "9" * n)
huge_numbers = st.one_of(
    st.integers(min_value=-(10**400), max_value=10**400).map(str),
    st.integers(min_value=0, max_value=10**30).map(lambda n: f"{n:,}"),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(
        [
            "1e308",
            "1e309",
            "1E-400",
            "inf",
            "NaN",
            "0x7fffffff",
            "１２３４５６",
            "٣٤٥",
            "१२३",
            "Ⅻ",
            "½",
            "²³",
            "1.5.6.7",
            "1,2,3,4",
            "3.14159" * 50,
        ]
    ),
)
token = st.one_of(
    st.sampled_from(WORDS_EN),
    st.sampled_from(WORDS_ZH),
    huge_numbers,
    digit_runs,
    st.text(any_char, max_size=8),
)
#: Sentences that look like news figures, mixed with junk: where the number parser works hardest.
figure_text = st.lists(token, min_size=1, max_size=60).map(
    lambda parts: "".join(p if p in WORDS_ZH else f" {p}" for p in parts)
)
mixed_text = st.one_of(
    st.text(any_char, max_size=2000),
    figure_text,
    st.lists(figure_text, max_size=8).map("\n".join),
    st.lists(figure_text, max_size=8).map("。".join),
)


@st.composite
def hostile_html(draw: st.DrawFn) -> str:
    """Tag soup: unclosed, misnested and deeply nested tags, NULs and control characters,
    comments and CDATA cut short, huge attributes, and real-looking paragraphs in between."""
    tags = [
        "p",
        "div",
        "span",
        "b",
        "i",
        "table",
        "tr",
        "td",
        "article",
        "script",
        "style",
        "svg",
        "math",
        "template",
        "noscript",
        "iframe",
        "a",
        "li",
        "ul",
        "h1",
        "font",
    ]
    pieces = [draw(st.sampled_from(["", "<!DOCTYPE html>", "<html>", "<?xml version='1.0'?>"]))]
    for _ in range(draw(st.integers(0, 40))):
        kind = draw(st.integers(0, 7))
        tag = draw(st.sampled_from(tags))
        if kind == 0:
            pieces.append(f"<{tag}>")
        elif kind == 1:
            pieces.append(f"</{tag}>")
        elif kind == 2:
            pieces.append(draw(figure_text))
        elif kind == 3:
            pieces.append(draw(st.text(any_char, max_size=50)))
        elif kind == 4:
            depth = draw(st.integers(1, 300))
            pieces.append(f"<{tag}>" * depth)
        elif kind == 5:
            pieces.append(
                draw(
                    st.sampled_from(
                        [
                            "\x00",
                            "\x01\x02\x1b",
                            "<!--",
                            "-->",
                            "<![CDATA[",
                            "]]>",
                            "&#0;",
                            "&#xD800;",
                            "&#1114112;",
                            "&nbsp",
                            "&amp;amp;",
                            "<",
                            ">",
                            "\ufeff",
                            "\u202e",
                        ]
                    )
                )
            )
        elif kind == 6:
            pieces.append(f'<{tag} class="{"x" * draw(st.integers(0, 20000))}">')
        else:
            pieces.append(f"<p>{draw(figure_text)}</p>")
    return "".join(pieces)


# -- cleaning -----------------------------------------------------------------------------


@given(mixed_text)
@_settings(deadline_ms=500)
def test_clean_text_returns_clean_lines_and_is_idempotent(text: str) -> None:
    cleaned, removed = clean_text(text)
    assert "\x00" not in cleaned
    lines = cleaned.split("\n") if cleaned else []
    assert all(line and line == line.strip() for line in lines)
    assert all(count > 0 for count in removed.values())
    assert clean_text(cleaned)[0] == cleaned
    normalize_for_hash(cleaned)  # the version hash input never raises either


# -- decoding -----------------------------------------------------------------------------

charsets = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "text/html",
            "text/html; charset=utf-8",
            "text/html; charset=gbk",
            "text/html; charset=big5",
            "text/html; charset=ISO-8859-1",
            "text/html; charset=utf-16",
            "text/html; charset=utf-7",
            "text/html; charset=x-unknown",
            "text/html; charset=",
            "application/pdf",
            'text/html; charset="utf-8"; charset=gbk',
        ]
    ),
    st.text(any_char, max_size=40),
)


@given(st.binary(max_size=4000), charsets)
@_settings(deadline_ms=1000)
def test_decode_body_turns_any_bytes_into_text(body: bytes, content_type: str | None) -> None:
    encoding, text = decode_body(body, content_type)
    assert isinstance(encoding, str) and encoding
    assert isinstance(text, str)


@given(
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=400),
    st.sampled_from(["gbk", "gb2312", "big5", "utf-8"]),
)
@_settings(deadline_ms=1000)
def test_a_correctly_declared_encoding_round_trips(text: str, label: str) -> None:
    """Bytes in the encoding a header names come back as the text, never re-guessed.

    Labels mean what browsers make of them (WHATWG, as w3lib resolves them: gbk is read as
    gb18030, big5 as big5-hkscs), so the bytes are made with that codec.
    """
    codec = resolve_encoding(label)
    try:
        body = text.encode(codec)
    except UnicodeEncodeError:
        body, label = text.encode("utf-8"), "utf-8"
    assert decode_body(body, f"text/html; charset={label}")[1] == text


latin_words = st.lists(
    st.text(st.sampled_from(string.ascii_letters + "éèêàâçôûîïüöäßñÉÀÇ"), min_size=1, max_size=12),
    min_size=1,
    max_size=80,
).map(" ".join)


@given(latin_words)
@_settings(deadline_ms=1000)
def test_a_true_latin1_page_is_not_mistaken_for_a_cjk_one(text: str) -> None:
    """The Latin-1-header repair (GBK bytes under ISO-8859-1) must leave real Latin-1 alone."""
    html = f"<html><head><title>t</title></head><body><p>{text}</p></body></html>"
    assert decode_body(html.encode("latin-1"), "text/html; charset=ISO-8859-1")[1] == html


# -- extraction -----------------------------------------------------------------------------


@given(hostile_html())
@_settings(deadline_ms=3000)
def test_extract_article_survives_pathological_html(html: str) -> None:
    try:
        article = extract_article(html, url="http://127.0.0.1/news/1.html")
    except ExtractionError as exc:
        assert exc.reason  # a reason fetch_errors can record, never a traceback
        return
    assert article.text and "\x00" not in article.text
    assert article.lang in ("en", "zh")


@given(st.binary(max_size=3000), charsets)
@_settings(deadline_ms=3000)
def test_any_fetched_bytes_decode_and_extract_or_fail_with_a_reason(
    body: bytes, content_type: str | None
) -> None:
    _, html = decode_body(body, content_type)
    try:
        extract_article(html, url="http://127.0.0.1/news/2.html")
    except ExtractionError as exc:
        assert exc.reason


# -- figures ---------------------------------------------------------------------------------


@given(mixed_text, st.sampled_from(["en", "zh", None]))
@_settings(deadline_ms=1000)
def test_figure_spans_lie_inside_the_text(text: str, lang: str | None) -> None:
    for claim in extract_claims(text, lang=lang):
        assert 0 <= claim.start < claim.end <= len(text), claim
        assert text[claim.start : claim.end].strip(), claim
        assert claim.key and claim.unit


@given(
    st.lists(st.one_of(digit_runs, huge_numbers), min_size=1, max_size=20),
    st.sampled_from(WORDS_EN + WORDS_ZH),
)
@_settings(deadline_ms=1000)
def test_huge_numbers_and_digit_runs_never_break_figures(numbers: list[str], word: str) -> None:
    text = f"Shanghai has {' '.join(numbers)} {word}. 上海共有{numbers[0]}{word}。"
    for claim in extract_claims(text, lang="en"):
        assert 0 <= claim.start < claim.end <= len(text)
        assert claim.value == claim.value  # never NaN


def test_a_tree_the_metadata_readers_choke_on_is_a_reason_not_a_crash() -> None:
    """htmldate asserts on an <svg> holding paragraphs; the page is a failure with a reason."""
    with pytest.raises(ExtractionError):
        extract_article("<svg><p><p>", url="http://127.0.0.1/news/1.html")
