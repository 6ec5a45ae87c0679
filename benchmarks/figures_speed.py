"""How fast is figure extraction? Prints figures; asserts nothing (tests carry no timings).

1. The demo site's article pages: figures per page against trafilatura's own extraction of the
   same pages (issue 3's target: under 20% of trafilatura's time). The demo pages are small
   (5-6 KB of HTML); real news pages carry 100 KB and more of menus, sidebars, comments and
   scripts around the same text, which costs trafilatura (about 28 ms a page, issue 3 says) and
   not the figure finder. So the same articles are also measured inside generated pages of
   that size: the text is the demo's, the page chrome is made up here.
2. A large synthetic bilingual corpus: characters and claims per second.
3. Pathological inputs (endless digit runs, number soup, unpunctuated pages): the worst time.

Run: ``python -m benchmarks.figures_speed [--articles N]``.
"""

from __future__ import annotations

import argparse
import html
import json
import random
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from pipelines.extract import decode_body, extract_article
from pipelines.figures import extract_claims
from pipelines.model import Article

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "seeds" / "demo" / "site"

EN = [
    "{place} now hosts {n:,} {topic} companies, up {p}% from a year earlier, city data show.",
    "Investment in {place}'s {topic} sector reached ${b} billion in {year}, officials said.",
    "A new {topic} laboratory in {place} will employ more than {n:,} engineers by {year}.",
    "The {place} {topic} cluster ranks {r}th nationally, according to an industry survey.",
    "Local firms filed {n:,} patents on {topic}, nearly a quarter of the regional total.",
    "Researchers said the {topic} pilot line in {place} cut production costs by {p}%.",
    "The incubator has helped {n} startups raise ¥{b} billion since {year}.",
    "Trains between {place} and Shanghai take about {m} minutes; the line opened on March 3.",
    "Analysts expect the market to grow {p}% annually, though the 1+8 plan is still a draft.",
]
ZH = [
    "{year}年，{place_zh}{topic_zh}企业达到{n}家，同比增长{p}%。",
    "{place_zh}{topic_zh}产业规模突破{b}00亿元，约占全国的四分之一。",
    "截至{year}年底，{place_zh}共有独角兽企业{r}家，位列全国第{r2}。",
    "记者3月5日获悉，{place_zh}新增研发人员超过{n}人，其中外籍人才近{m}名。",
]
PLACES = ["Shanghai", "Pudong", "Zhangjiang", "Lingang", "Suzhou", "Hangzhou", "Hefei", "Nanjing"]
PLACES_ZH = ["上海", "浦东", "张江", "临港", "苏州", "杭州", "合肥", "南京"]
TOPICS = ["chip", "AI", "biotech", "quantum", "robotics", "battery"]
TOPICS_ZH = ["集成电路", "人工智能", "生物医药", "量子", "机器人", "动力电池"]


def synthetic_article(seed: int) -> str:
    """A made-up article of 10-16 sentences, English or Chinese, full of figures and traps."""
    rnd = random.Random(seed)
    zh = rnd.random() < 0.35
    lines = []
    for _ in range(rnd.randint(10, 16)):
        template = rnd.choice(ZH if zh else EN)
        lines.append(
            template.format(
                place=rnd.choice(PLACES),
                place_zh=rnd.choice(PLACES_ZH),
                topic=rnd.choice(TOPICS),
                topic_zh=rnd.choice(TOPICS_ZH),
                n=rnd.randint(12, 90_000),
                p=rnd.randint(2, 80),
                b=rnd.randint(1, 90),
                year=rnd.randint(2015, 2030),
                r=rnd.randint(4, 39),
                r2=rnd.randint(1, 9),
                m=rnd.randint(20, 120),
            )
        )
    return "\n".join(lines)


def timed(fn: Callable[[], object], repeat: int = 3) -> float:
    """Best-of-``repeat`` wall time of ``fn`` in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _demo_articles(*extra: Path) -> Iterator[tuple[str, str, Article]]:
    """The demo site's article pages: (file name, HTML, what trafilatura extracts from it)."""
    pages = [
        p for p in sorted((SITE / "rev1").rglob("*.html")) if "/story/" in str(p) or "/20" in str(p)
    ]
    for path in [*pages, *extra]:
        _, markup = decode_body(path.read_bytes(), None)
        try:
            yield path.name, markup, extract_article(markup, url=f"http://127.0.0.1/{path.name}")
        except ValueError:
            continue


def _time_both(markup: str, name: str, article: Article) -> tuple[float, float]:
    """Best-of times of trafilatura on ``markup`` and of the figure finder on its text."""
    url = f"http://127.0.0.1/{name}"
    extract_claims(article.text, lang=article.lang)  # warm caches and lexicons
    return (
        timed(lambda: extract_article(markup, url=url)),
        timed(lambda: extract_claims(article.text, lang=article.lang), repeat=20),
    )


def demo_pages() -> None:
    data_page = SITE / "rev1" / "pujiang-post" / "data" / "shanghai-tech-in-numbers.html"
    rows = []
    for name, markup, article in _demo_articles(data_page):
        t_traf, t_fig = _time_both(markup, name, article)
        rows.append((name, len(article.text), t_traf, t_fig))
    print("demo article pages (best of runs):")
    print(f"  {'page':<42}{'chars':>7}{'traf ms':>9}{'fig ms':>8}{'ratio':>7}")
    for name, chars, t_traf, t_fig in rows:
        print(
            f"  {name:<42}{chars:>7}{t_traf * 1e3:>9.2f}{t_fig * 1e3:>8.2f}{t_fig / t_traf:>7.1%}"
        )
    ratio = sum(r[3] for r in rows) / sum(r[2] for r in rows)
    print(f"  figures / trafilatura time over {len(rows)} pages: {ratio:.1%} (target < 20%)")


def news_page(title: str, paragraphs: list[str], seed: int) -> str:
    """A full-size news page around ``paragraphs``: what a real outlet wraps an article in.

    Navigation menus, a ticker, share buttons, "most read" and "related" lists with teasers,
    reader comments, a long footer, JSON-LD, inline styles and scripts (about 100-150 KB).
    """
    rnd = random.Random(seed)
    sections = ["News", "Tech", "Business", "Policy", "Science", "Opinion", "Video", "Data"]

    def teaser() -> str:
        return synthetic_article(rnd.randint(0, 10**6)).splitlines()[0]

    def links(n: int, prefix: str) -> str:
        return "".join(
            f'<li><a href="/{prefix}/{rnd.randint(1000, 99999)}.html">'
            f"{rnd.choice(sections)} {rnd.choice(PLACES)} {rnd.choice(TOPICS)} {k}</a></li>"
            for k in range(n)
        )

    style = "".join(
        f".c{k}{{margin:{k % 7}px;padding:{k % 5}px;color:#{k:06x}}}" for k in range(400)
    )
    script = "".join(
        f"window.ad{k}=function(a){{return a*{k}+{rnd.random():.6f};}};" for k in range(400)
    )
    menu = "".join(f"<li>{name}<ul>{links(18, name.lower())}</ul></li>" for name in sections)
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    sidebar = "".join(
        f"<li><h4>{html.escape(teaser())}</h4><p>{html.escape(teaser())}</p></li>"
        for _ in range(20)
    )
    comments = "".join(
        f'<div class="comment"><span class="user">reader{rnd.randint(1, 9999)}</span>'
        f'<p>{html.escape(teaser())}</p><a href="#reply">Reply</a> 👍 {rnd.randint(0, 300)}</div>'
        for _ in range(15)
    )
    ld = json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": title,
            "datePublished": "2026-03-02T08:00:00+08:00",
        }
    )
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{html.escape(title)}</title>"
        + "".join(f'<meta name="m{k}" content="{rnd.random()}">' for k in range(30))
        + f'<script type="application/ld+json">{ld}</script><style>{style}</style>'
        f"<script>{script}</script></head><body>"
        f'<header><nav class="menu"><ul>{menu}</ul></nav>'
        f'<div class="ticker">{"".join(f"<span>{html.escape(teaser())}</span>" for _ in range(8))}</div>'
        f"</header><main><article><h1>{html.escape(title)}</h1>"
        f'<div class="byline">By Staff Reporter · 2026-03-02 08:00</div>'
        f'<div class="share"><a href="#wx">WeChat</a><a href="#wb">Weibo</a><a href="#x">X</a></div>'
        f"{body}</article>"
        f'<section class="related"><h3>Related</h3><ul>{links(12, "related")}</ul></section>'
        f'<section class="comments"><h3>Comments</h3>{comments}</section></main>'
        f"<aside><h3>Most read</h3><ol>{sidebar}</ol></aside>"
        f"<footer><ul>{links(100, 'site')}</ul><p>© 2026 Example Media Group. ICP 12345678</p>"
        f"</footer><script>{script}</script></body></html>"
    )


def full_size_pages() -> None:
    rows = []
    for seed, (name, _small, article) in enumerate(_demo_articles()):
        if len(article.text) < 500:
            continue  # a listing or a stub, not an article
        page = news_page(article.title or name, article.text.split("\n"), seed)
        big = extract_article(page, url=f"http://127.0.0.1/{name}")
        t_traf, t_fig = _time_both(page, name, big)
        # The page's <h1> repeats the title at the top of the text; anything else is a leak.
        same = "same text" if big.text.endswith(article.text) else "text differs"
        rows.append((name, len(page), len(big.text), t_traf, t_fig, same))
    print("the same articles in full-size news pages (generated chrome, best of runs):")
    print(f"  {'page':<42}{'KB':>5}{'chars':>7}{'traf ms':>9}{'fig ms':>8}{'ratio':>7}")
    for name, size, chars, t_traf, t_fig, same in rows:
        print(
            f"  {name:<42}{size // 1024:>5}{chars:>7}{t_traf * 1e3:>9.2f}{t_fig * 1e3:>8.2f}"
            f"{t_fig / t_traf:>7.1%}  {same}"
        )
    ratio = sum(r[4] for r in rows) / sum(r[3] for r in rows)
    print(f"  figures / trafilatura time over {len(rows)} pages: {ratio:.1%} (target < 20%)")


def corpus(articles: int) -> None:
    texts = [synthetic_article(i) for i in range(articles)]
    chars = sum(map(len, texts))
    start = time.perf_counter()
    claims = sum(len(extract_claims(t)) for t in texts)
    elapsed = time.perf_counter() - start
    per_article = [timed(lambda t=t: extract_claims(t), repeat=1) for t in texts[:200]]
    print(f"synthetic corpus: {articles} articles, {chars:,} chars, {claims:,} claims")
    print(
        f"  {chars / elapsed:,.0f} chars/s, {claims / elapsed:,.0f} claims/s, "
        f"{elapsed / articles * 1e3:.2f} ms/article "
        f"(median {statistics.median(per_article) * 1e3:.2f} ms, "
        f"max {max(per_article) * 1e3:.2f} ms over 200)"
    )


PATHOLOGICAL = {
    "digit run 200k": "7" * 200_000,
    "comma digits 100k": "1," * 50_000,
    "spaced numbers 100k": "12 " * 33_000,
    "percent soup 100k": "42% of " * 14_000,
    "zh numerals 100k": "三千二百亿" * 20_000,
    "zh measure soup 100k": "超过43家约3200亿元" * 8_000,
    "words 100k": "one two three hundred " * 4_500,
    "one unpunctuated line 100k": " ".join(
        synthetic_article(i).replace("\n", " ") for i in range(90)
    )[:100_000],
    "dates and phones 100k": "2025-05-24 00:25 021-12345678 " * 3_300,
}


def pathological() -> None:
    print("pathological inputs:")
    worst = 0.0
    for name, text in PATHOLOGICAL.items():
        seconds = timed(lambda t=text: extract_claims(t), repeat=1)
        worst = max(worst, seconds * 1e3 / max(1, len(text)) * 1e5)
        print(f"  {name:<30}{len(text):>8} chars {seconds * 1e3:>9.1f} ms")
    print(f"  worst: {worst:.1f} ms per 100k chars")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    args = parser.parse_args()
    demo_pages()
    full_size_pages()
    corpus(args.articles)
    pathological()


if __name__ == "__main__":
    main()
