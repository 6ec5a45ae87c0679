"""The change log on pages shaped like real news (issue 11), crawled for real from a local site.

The pages are written for this test and reproduce what real news did to the change log:
unrelated articles whose generic numbers (ages, prison terms, scores, index moves, model
names) share coarse keys; chrome that changes on every visit (update stamps, reader
counters); and a figure repeated in the lede and the body, whose second mention is edited.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from seeds.demo_site import SiteServer
from tests import sites
from tests.conftest import run_cli

COURT = sites.Story(
    "court",
    "Man sentenced over warehouse fraud in Ohio",
    [
        "A federal judge in the United States sentenced Daniel Roe, 55, to 18 years in prison on "
        "Tuesday for a fraud that cost a warehouse chain 5,232 customers, prosecutors said.",
        "Roe had pleaded guilty in March, 18 years after he first set up the shell companies "
        "through which he moved the money, according to court filings in the United States.",
        "His lawyer said the 55-year-old would appeal the length of the sentence.",
    ],
)
FOOTBALL = sites.Story(
    "derby",
    "Late header settles the derby",
    [
        "A header in the 89th minute gave United a 2-1 win over their neighbours on Saturday, "
        "in front of 41,000 fans in the United States' largest football stadium.",
        "The visitors' goalkeeper made 6 saves and United had 18 shots, 7 of them on target.",
        "The win lifts United to 55 points, 3 clear at the top of the table.",
    ],
)
MARKETS = sites.Story(
    "markets",
    "Tokyo stocks slip as exporters weigh",
    [
        "Japan's Nikkei 225 index fell 1.3% on Thursday and the broader Topix lost 0.8%, as a "
        "stronger yen weighed on exporters in Japan.",
        "Carmakers led the decline, with shares of the three largest down between 2% and 3%.",
        "In China, the Shanghai Composite rose 0.4% while Hong Kong's Hang Seng slipped 0.2%.",
    ],
)
GADGETS = sites.Story(
    "laptop",
    "A new 14-inch laptop with a 12-hour battery",
    [
        "The 14-inch model weighs 1.2 kg and its battery lasts 12 hours, the company says, "
        "against 10 hours for last year's 13-inch version sold in the United States.",
        "It costs $1,299 in the United States, and 18 colour options will follow next year.",
        "Reviewers praised the keyboard but said the 1080p webcam lagged behind rivals, and the "
        "maker promised 5 years of software updates for buyers who register the device.",
    ],
)

LABS = sites.Story(
    "labs",
    "Hefei adds national laboratories as chip research grows",
    [
        "Hefei now hosts 12 national laboratories, the Anhui provincial science department "
        "said on Monday, as the city builds out its quantum and chip research base.",
        "The department's spring survey counted 12 national laboratories in Hefei and 310 new "
        "technology companies registered in the city during the first quarter.",
        "Officials expect two more laboratories to open in Hefei's Binhu district next year, "
        "with most of the new companies working on batteries and semiconductors.",
        "Shanghai, a two-hour train ride away, has worked with Hefei on shared chip testing "
        "lines that cut prototype costs for young hardware firms in both cities.",
    ],
)

UNRELATED = [COURT, FOOTBALL, MARKETS, GADGETS]

#: Chrome a page prints around the article and changes on every visit.
CHROME = (
    '<div class="stamp">Updated {minutes} minutes ago · {online} online</div>'
    '<aside class="counters"><p>{comments} comments</p><p>阅读 {reads}万</p></aside>'
)


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def write(site_dir: Path, server: SiteServer, story: sites.Story, chrome: str = "") -> str:
    path = f"/news/{story.slug}.html"
    sites.write_story(site_dir, path, story, base=server.base_url)
    if chrome:
        target = site_dir / path.lstrip("/")
        html = target.read_text(encoding="utf-8").replace("<body>", "<body>" + chrome, 1)
        target.write_text(html, encoding="utf-8")
    return f"{server.base_url}{path}"


def crawl(sources: Path, db: Path, *extra: str) -> None:
    result = run_cli("crawl", "--sources", str(sources), *extra, db=db)
    assert result.returncode == 0, result.stdout + result.stderr


def test_unrelated_articles_with_generic_numbers_make_no_cross_article_event(
    site_dir: Path, site_server: SiteServer, tmp_path: Path, db_path: Path
) -> None:
    entries = [
        {
            "name": f"outlet-{i}",
            "kind": "page",
            "topic": False,
            "url": write(site_dir, site_server, story),
        }
        for i, story in enumerate(UNRELATED)
    ]
    sources = tmp_path / "sources.toml"
    sources.write_text(sites.sources_toml(entries))
    crawl(sources, db_path)
    assert rows(db_path, "SELECT count(*) FROM articles WHERE status = 'active'") == [(4,)]
    assert rows(db_path, "SELECT count(*) FROM claims") >= [(8,)]  # figures were found ...
    cross = rows(
        db_path, "SELECT kind, key, old_value, new_value FROM claim_events WHERE kind != 'new'"
    )
    assert cross == []  # ... and none of them tied two of these articles together
    reasons = rows(db_path, "SELECT DISTINCT reason FROM claims WHERE comparable = 0")
    assert reasons, "generic figures are stored with the reason they are not comparable"


def test_a_revision_of_chrome_logs_nothing_and_an_edited_second_mention_one_change(
    site_dir: Path, site_server: SiteServer, tmp_path: Path, db_path: Path
) -> None:
    chrome = CHROME.format(minutes=3, online="3,418", comments=12, reads="3.2")
    url = write(site_dir, site_server, LABS, chrome)
    sources = tmp_path / "sources.toml"
    sources.write_text(sites.sources_toml([{"name": "anhui-daily", "kind": "page", "url": url}]))
    crawl(sources, db_path)
    first_events = rows(db_path, "SELECT count(*) FROM claim_events")
    texts = rows(db_path, "SELECT text FROM article_versions")
    assert "online" not in texts[0][0] and "阅读" not in texts[0][0]

    # Only the chrome changes: not a new version, no event.
    write(
        site_dir,
        site_server,
        LABS,
        CHROME.format(minutes=47, online="5,102", comments=96, reads="4.1"),
    )
    crawl(sources, db_path, "--all")
    assert rows(db_path, "SELECT count(*) FROM article_versions") == [(1,)]
    assert rows(db_path, "SELECT count(*) FROM claim_events") == first_events

    # The second mention of "12 national laboratories" becomes 14; the lede keeps 12.
    edited = sites.Story(LABS.slug, LABS.title, list(LABS.paragraphs))
    edited.paragraphs[1] = edited.paragraphs[1].replace("12 national", "14 national")
    write(site_dir, site_server, edited, chrome)
    crawl(sources, db_path, "--all")
    assert rows(db_path, "SELECT count(*) FROM article_versions") == [(2,)]
    events = rows(
        db_path,
        "SELECT kind, old_value, new_value, sentence, prior_sentence"
        " FROM claim_events WHERE version_id = (SELECT max(id)"
        " FROM article_versions)",
    )
    assert [(k, old, new) for k, old, new, _, _ in events] == [("changed", 12, 14)]
    [(_, _, _, sentence, prior_sentence)] = events
    assert "14 national" in sentence and "12 national" in prior_sentence
