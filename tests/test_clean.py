"""Cleaning: spam tokens and boilerplate lines go, the story stays."""

from __future__ import annotations

import pytest

from pipelines.clean import clean_text, normalize_for_hash
from tests.conftest import SHARED_SEEDS, SHARED_SEEDS_SKIP

SPAM = [
    "上海龙凤419",
    "爱上海同城419",
    "上海贵族宝贝sh1314",
    "夜上海419论坛",
    "上海龙凤千花1314",
    "爱上海419论坛",
    "上海龙凤419会所",
    "上海私人品茶",
]


@pytest.mark.parametrize("token", SPAM)
def test_spam_token_alone_on_a_line_is_dropped(token: str) -> None:
    text, removed = clean_text(f"First paragraph about chips.\n{token}\nSecond paragraph.")
    assert text == "First paragraph about chips.\nSecond paragraph."
    assert removed["spam"] == 1


@pytest.mark.parametrize("token", SPAM)
def test_spam_token_glued_to_a_paragraph_is_cut_out(token: str) -> None:
    text, _ = clean_text(f"{token} Artificial intelligence is everywhere in the city.")
    assert text == "Artificial intelligence is everywhere in the city."


def test_spam_inside_a_dateline_and_standalone_words() -> None:
    text, _ = clean_text(
        "⏱ 2025-05-24 00:25 🔖 爱上海龙凤419论坛 📢0\n上海娱乐 Regional news.\nBody."
    )
    assert text == "Regional news.\nBody."


def test_ordinary_chinese_words_are_kept() -> None:
    line = "上海娱乐产业去年营收增长，上海同城快递网络覆盖全市。"
    assert clean_text(line)[0] == line


@pytest.mark.parametrize(
    "line",
    [
        "CHOOSE YOUR LANGUAGE",
        "互联网新闻信息许可证10120180008",
        "Disinformation report hotline: 010-85061466",
        "举报电话：021-12345678",
        "An aerial view of the facility in Zhangjiang, Shanghai, October 18, 2024. /VCG",
        "Copyright 2026 Example News. All rights reserved.",
        "English | 中文 | Français",
        "2025-05-24 00:25",
        "We use cookies to improve your experience.",
    ],
)
def test_boilerplate_lines_are_dropped(line: str) -> None:
    text, removed = clean_text(f"Story line one.\n{line}\nStory line two.")
    assert text == "Story line one.\nStory line two."
    assert removed["boilerplate"] == 1


def test_hash_ignores_whitespace_and_bylines() -> None:
    a = "Title\nBy Wang Lei\nShanghai has 43 unicorns.\n\nMore  text."
    b = "Title\nBy Li Na  \nUpdated: 2026-10-02\nShanghai has 43   unicorns.\nMore text."
    assert normalize_for_hash(a) == normalize_for_hash(b)
    assert normalize_for_hash(a) != normalize_for_hash(a.replace("43", "44"))


@pytest.mark.skipif(not SHARED_SEEDS.exists(), reason=SHARED_SEEDS_SKIP)
def test_seed_samples_lose_every_spam_token_and_keep_the_story() -> None:
    for path in sorted(SHARED_SEEDS.glob("*.txt")):
        text, _ = clean_text(path.read_text(encoding="utf-8"))
        for marker in ("419", "1314", "龙凤", "品茶", "许可证", "hotline", "CHOOSE YOUR"):
            assert marker not in text, (path.name, marker)
        assert len(text) > 0.8 * len(path.read_text(encoding="utf-8")) - 400


def test_a_long_line_with_chrome_in_it_is_kept() -> None:
    """Table layouts flatten a whole article onto one line; its footer must not drop it."""
    story = (
        "Shanghai is now home to 43 unicorns, the science commission said. " * 5
        + "⏱ 2026-03-02 Copyright 2026 Pujiang Post, all rights reserved."
    )
    text, removed = clean_text(story)
    assert "43 unicorns" in text and removed["boilerplate"] == 0
    assert clean_text("Copyright 2026 Pujiang Post. All rights reserved.")[0] == ""


def _page_with_code(blob: str) -> str:
    config = '<script>var page = {authors: "Li Wei", section: "Tech"};</script>'
    ld = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": '
        f'"2026-10-02", "author": {{"name": "Li Wei"}}, "filler": "{"x" * 20_000}"}}</script>'
    )
    paragraphs = "".join(
        f"<p>Zhangjiang now hosts {120 + n} chip design firms, up {n + 3}% from a year earlier,"
        " according to the district's science and technology commission.</p>"
        for n in range(8)
    )
    return (
        f"<html><head><title>Chip firms in Zhangjiang</title>{ld}{config}"
        f"<style>{'.ad{display:none}' * 2_000}</style></head><body>"
        f"<script>window.__STATE__ = {blob};</script -->"
        f"<article><h1>Chip firms in Zhangjiang</h1>{paragraphs}</article></body></html>"
    )


def test_big_code_blocks_are_dropped_before_extraction_and_the_article_is_the_same() -> None:
    """A state blob or bundle of hundreds of KB is code, not text: dropped before trafilatura
    parses it; small config scripts and JSON-LD (bylines and dates) stay."""
    from pipelines.extract import BIG_CODE, drop_big_code, extract_article

    blob = (
        '{"items": ['
        + ",".join(f'{{"id": {n}, "title": "teaser {n}"}}' for n in range(4000))
        + "]}"
    )
    html = _page_with_code(blob)
    dropped = drop_big_code(html)
    assert "__STATE__" not in dropped and ".ad{display:none}" not in dropped
    assert 'authors: "Li Wei"' in dropped and '"datePublished": "2026-10-02"' in dropped
    assert "<article>" in dropped and len(dropped) < len(html) - BIG_CODE  # "</script -->" ends it
    small = _page_with_code('{"items": []}')
    assert drop_big_code(small).count("<script") == 3  # JSON-LD, config, a small state
    with_blob = extract_article(html, url="http://127.0.0.1:9/zj.html")
    without = extract_article(small, url="http://127.0.0.1:9/zj.html")
    assert with_blob.text == without.text and "127 chip design firms" in with_blob.text
    assert (with_blob.author, with_blob.published) == (without.author, without.published)
    assert with_blob.published == "2026-10-02"
