"""Generated local news sites for tests: feeds, sitemaps, listings, robots.txt, encodings.

Each builder writes static files into a folder that ``site_server`` serves;
a test edits a file and crawls again to make a revision.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

CHROME_TOP = """<nav class="menu"><a href="/">Home</a> <a href="/news/">News</a>
<a href="/about.html">About us</a> <a href="/contact.html">Contact</a></nav>
<div class="cookie-banner"><p>We use cookies to improve your experience. Accept all cookies</p></div>"""

CHROME_BOTTOM = """<aside class="related"><h3>Related</h3><ul>
<li><a href="/news/other-1.html">Port traffic rises in spring</a></li>
<li><a href="/news/other-2.html">Weather: rain expected this weekend</a></li></ul></aside>
<footer><p>Copyright 2026 Test Outlet. All rights reserved.</p>
<p>互联网新闻信息许可证31120170001</p><p>Disinformation report hotline: 021-62345678</p>
<div class="lang"><p>CHOOSE YOUR LANGUAGE</p><p>English | 中文 | Français</p></div></footer>"""


@dataclass
class Story:
    slug: str
    title: str
    paragraphs: list[str]
    lang: str = "en"
    published: str = "2026-10-01"


def page_html(story: Story, *, base: str, path: str, charset: str = "utf-8") -> str:
    paras = "\n".join(f"<p>{escape(p)}</p>" for p in story.paragraphs)
    return f"""<!DOCTYPE html>
<html lang="{story.lang}"><head><meta charset="{charset}">
<title>{escape(story.title)} - Test Outlet</title>
<meta name="author" content="Wang Lei">
<meta property="article:published_time" content="{story.published}T08:00:00+08:00">
<link rel="canonical" href="{base}{path}">
</head><body>{CHROME_TOP}
<article><h1>{escape(story.title)}</h1>
<p>⏱ {story.published} 08:00 🔖 Tech 📢0</p>
{paras}
</article>
{CHROME_BOTTOM}</body></html>"""


UNICORNS = Story(
    "unicorns",
    "Shanghai counts 43 unicorns as chip and AI startups multiply",
    [
        "Shanghai is now home to 43 unicorns, according to a survey of venture-backed "
        "technology companies published by the municipal science commission on Monday.",
        "爱上海同城419 The count puts the city ahead of Shenzhen, which the same survey "
        "credits with 38 such companies, and reflects a wave of funding for semiconductor "
        "design houses and artificial intelligence developers in Zhangjiang.",
        "Venture capital investment in Shanghai technology startups reached $87 billion "
        "in 2024, the survey found, with more than 1,200 AI companies now based in the city.",
        "上海龙凤419",
        "Officials said the Zhangjiang Science City laboratories would open another 15 shared "
        "chip testing lines next year, cutting prototype costs for young hardware firms.",
        "Analysts cautioned that valuations had cooled since the peak and that several "
        "unicorns were preparing listings on the STAR Market to raise fresh capital.",
    ],
)

SMIC = Story(
    "smic-node",
    "SMIC ramps 5nm output at its Pudong fabs",
    [
        "SMIC has reached volume production of 5nm chips at its Pudong facilities in Shanghai, "
        "two people familiar with the plans said, a step that follows years of export limits.",
        "The company's Lingang plant now turns out 80,000 wafers monthly, and engineers in "
        "Zhangjiang are working on the next process node with domestic lithography tools.",
        "Shanghai's integrated circuit industry grew 22% last year, city statistics show, as "
        "design firms and equipment makers clustered around the Yangtze River Delta.",
        "Industry groups said the semiconductor alliance now links 147 factories across "
        "Jiangsu and Zhejiang, supplying materials and packaging to the Shanghai fabs.",
    ],
)

ZH_UNICORNS = Story(
    "zh-unicorns",
    "上海独角兽企业增至43家 人工智能与芯片领域领跑",
    [
        "记者从上海市科委获悉，截至今年九月，上海共有独角兽企业43家，数量居全国前列。",
        "上海龙凤419论坛",
        "这些企业主要集中在集成电路、人工智能和生物医药三大先导产业，其中张江科学城聚集了近一半。",
        "今年前三季度，上海科技型企业获得风险投资超过870亿美元，同比增长明显。",
        "长三角地区的科技创新协作也在加快，上海与江苏、浙江、安徽共建的研发平台已超过200个。",
        "业内人士认为，随着科创板持续扩容，更多独角兽企业有望在上海上市融资。",
    ],
    lang="zh",
)

OFF_TOPIC = Story(
    "football",
    "Late goal sends Madrid through to the cup semi-final",
    [
        "A header in the 89th minute gave Madrid a 2-1 win on Saturday night and a place in "
        "the semi-final of the national cup, to the delight of a sold-out stadium.",
        "The visitors had led for most of the second half after a penalty, and their "
        "goalkeeper made six saves before the home side finally broke through.",
        "The coach praised the squad's patience and said the team would rest several "
        "players before the league fixture next weekend against their city rivals.",
        "Tickets for the semi-final go on sale on Tuesday, the club said in a statement, "
        "with priority given to season ticket holders and members of supporters' clubs.",
    ],
)


def write_story(
    root: Path,
    path: str,
    story: Story,
    *,
    base: str,
    encoding: str = "utf-8",
    charset: str | None = "utf-8",
) -> None:
    """Write one article page; ``charset=None`` leaves the declaration out entirely."""
    html = page_html(story, base=base, path=path, charset=charset or "utf-8")
    if charset is None:
        html = html.replace('<meta charset="utf-8">', "")
    target = root / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(html.encode(encoding, errors="xmlcharrefreplace"))


def write_feed(root: Path, path: str, items: list[tuple[str, str]], *, base: str) -> None:
    entries = "".join(
        f"<item><title>{escape(t)}</title><link>{base}{p}</link>"
        f"<pubDate>Mon, 0{i + 1} Sep 2026 08:00:00 +0800</pubDate></item>"
        for i, (p, t) in enumerate(items)
    )
    xml = (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Test Outlet</title><link>{base}/</link>{entries}</channel></rss>"
    )
    (root / path.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
    (root / path.lstrip("/")).write_text(xml, encoding="utf-8")


def write_sitemap(root: Path, path: str, paths: list[str], *, base: str) -> None:
    urls = "".join(
        f"<url><loc>{base}{p}</loc><lastmod>2026-09-0{i + 1}</lastmod></url>"
        for i, p in enumerate(paths)
    )
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    )
    (root / path.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
    (root / path.lstrip("/")).write_text(xml, encoding="utf-8")


def write_listing(root: Path, path: str, links: list[tuple[str, str]]) -> None:
    items = "".join(f'<li><a href="{p}">{escape(t)}</a></li>' for p, t in links)
    html = (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>News</title></head><body>"
        f"{CHROME_TOP}<ul class='stories'>{items}</ul>"
        "<a href='/about.html'>About</a> <a href='http://elsewhere.invalid/news/9.html'>x</a>"
        "</body></html>"
    )
    (root / path.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
    (root / path.lstrip("/")).write_text(html, encoding="utf-8")


def sources_toml(entries: list[dict[str, object]]) -> str:
    """A sources file with fast politeness settings for local tests."""
    lines = ["[defaults]", 'interval = "1h"', "delay = 0", "concurrency = 4", ""]
    for entry in entries:
        lines.append("[[source]]")
        for key, value in entry.items():
            if isinstance(value, bool):
                lines.append(f"{key} = {'true' if value else 'false'}")
            elif isinstance(value, str):
                lines.append(f"{key} = '{value}'")
            else:
                lines.append(f"{key} = {value!r}".replace("'", '"'))
        lines.append("")
    return "\n".join(lines)
