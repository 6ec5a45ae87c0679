"""The change log on real news pages nobody here wrote: how much of it is noise?

    .venv/bin/python -m benchmarks.changelog_real FOLDER... [--json] [--examples N]

Every ``*.html`` file of the FOLDERs (saved pages of real outlets, kept outside the
repository; README "Benchmarks" says where to get them) is served from 127.0.0.1 by a separate
process and crawled with the real ``deltawatch crawl`` into a temporary store, which is then
read with sqlite3. The pages go to four sources (two ``page`` sources, two ``listing`` ones),
``topic = false`` so every article is kept. Two measurements, each in its own store:

(a) Unrelated articles, crawled once. These pages are about unrelated things, so every
    cross-article event (``corroborated``, ``conflict``, ``changed`` against another article)
    is a tie the key made between figures that have nothing to do with each other: printed per
    100 stored articles, with the keys that tied the most articles and one example each.

(b) Each page revised once, refetched with ``crawl --all``. Pages are split by index mod 3:
    1. identical refetch (byte-identical body, answered 200): any event is a false positive;
    2. chrome-only revision (an "updated N minutes ago / N online" line, a "Most read" aside
       with view counts, a comment counter, an edited <script>; the article body untouched):
       any event is a false positive;
    3. one body figure changed: the first figure the first crawl stored that can be edited
       (one number, in a sentence of 40 characters or more, found at one place of the raw
       page: alone, or with its neighbours in the text) gets another value in the same format,
       about 10% off (43 -> 47, 1.5 -> 1.7; 30% for "about"/"nearly" figures, which agree
       within 10%). Counted, of the pages edited: those whose second crawl logged exactly that
       ``changed`` event (old and new value as expected), and every other event of theirs.

A change log is only worth reading if unrelated articles rarely tie together, unchanged or
chrome-only pages log nothing, and a changed figure is reported as one ``changed`` event.
Nothing about a corpus is hard-coded; develop on some folders, hold one out.
"""

from __future__ import annotations

import argparse
import bisect
import codecs
import json
import math
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from benchmarks.common import ROOT, free_port, served
from tests.sites import sources_toml

SOURCES = 4
GROUPS = ("identical", "chrome", "figure")
CROSS_KINDS = ("corroborated", "conflict", "changed")
MIN_SENTENCE = 40  # characters: a figure in prose, not a table cell or a menu entry
V1_MTIME, V2_MTIME = 1_767_225_600, 1_767_312_000  # fixed Last-Modified: 2026-01-01, -02

CHROME_TOP = {
    "en": (
        '<div class="live">Updated 12 minutes ago · 3,418 online</div>\n'
        '<aside class="most-read"><h3>Most read</h3><ol>\n'
        '<li><a href="/top/1.html">Commuters face delays as bridge repairs begin</a>'
        " <span>12,408 views</span></li>\n"
        '<li><a href="/top/2.html">Recipes for a quick weeknight dinner</a>'
        " <span>8,911 views</span></li>\n"
        '<li><a href="/top/3.html">Weather: showers expected through the weekend</a>'
        " <span>6,530 views</span></li>\n</ol></aside>\n"
    ),
    "zh": (
        '<div class="live">更新于12分钟前 · 在线3418人</div>\n'
        '<aside class="most-read"><h3>阅读排行</h3><ol>\n'
        '<li><a href="/top/1.html">地铁二号线周末部分区段停运检修</a> <span>阅读 3.2万</span></li>\n'
        '<li><a href="/top/2.html">秋季养生：这些食物要多吃</a> <span>阅读 2.7万</span></li>\n'
        '<li><a href="/top/3.html">周末天气：阴有小雨 气温回落</a> <span>阅读 1.9万</span></li>\n'
        "</ol></aside>\n"
    ),
}
CHROME_BOTTOM = {
    "en": '<div class="comments-count">1,204 comments</div>\n',
    "zh": '<div class="comments-count">评论 1204</div>\n',
}
SCRIPT_EDIT = b"var pageViews=3418;"

_BODY = re.compile(rb"<body\b[^>]*>", re.I)
_BODY_END = re.compile(rb"</body\s*>", re.I)
_SCRIPT = re.compile(rb"<script\b([^>]*)>", re.I)
_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([A-Za-z0-9_-]+)", re.I)
_HIDDEN = re.compile(r"(?is)<script\b.*?</script\s*>|<style\b.*?</style\s*>|<!--.*?-->|<[^>]*>")
_NUMBER = re.compile(r"[0-9][0-9,]*(?:\.[0-9]+)?")
_ORDINAL = re.compile(rb"(?:st|nd|rd|th)\b")


# -- the corpus and the site ----------------------------------------------------------------


@dataclass
class Page:
    """One corpus file, served at ``path``; ``group`` (b) and ``source`` by its index."""

    index: int
    file: Path
    path: str
    body: bytes
    expected: tuple[float, float] | None = None  # group 3: (old, new) value of the edit
    edit: str = ""  # group 3: what was edited, for people
    v2: bytes = b""

    @property
    def group(self) -> str:
        return GROUPS[self.index % len(GROUPS)]

    @property
    def source(self) -> str:
        return f"corpus-{self.index % SOURCES}"


def load_corpus(folders: list[Path]) -> list[Page]:
    pages: list[Page] = []
    for j, folder in enumerate(folders):
        for file in sorted(folder.glob("*.html")):
            path = f"/{j}-{quote(folder.name)}/{quote(file.name)}"
            pages.append(Page(len(pages), file, path, file.read_bytes()))
    return pages


def folder_sizes(folders: list[Path], pages: list[Page]) -> list[tuple[Path, int]]:
    return [(f, sum(p.path.startswith(f"/{j}-") for p in pages)) for j, f in enumerate(folders)]


def write_site(root: Path, pages: list[Page], *, version: int) -> None:
    """The pages (version 1 or 2 bodies) and the listings, all with one fixed mtime, so the
    server's Last-Modified is the same on every run and version 2 is never a 304."""
    if root.exists():
        shutil.rmtree(root)
    for k in range(SOURCES):
        if k % 2:
            links = "".join(
                f'<li><a href="{p.path}">{p.file.stem}</a></li>\n'
                for p in pages
                if p.source == f"corpus-{k}"
            )
            listing = root / f"listing-{k}.html"
            listing.parent.mkdir(parents=True, exist_ok=True)
            listing.write_text(
                f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Index"
                f"</title></head><body><ul>{links}</ul></body></html>"
            )
    for page in pages:
        target = root / page.path.split("/")[1] / page.file.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(page.body if version == 1 else page.v2)
    for file in root.rglob("*.html"):
        os.utime(file, (V1_MTIME, V1_MTIME) if version == 1 else (V2_MTIME, V2_MTIME))


def write_sources(file: Path, pages: list[Page], base: str) -> None:
    """Four sources: even ones list their page URLs, odd ones are listings to follow."""
    entries: list[dict[str, object]] = []
    for k in range(SOURCES):
        name = f"corpus-{k}"
        if k % 2:
            entries.append(
                {
                    "name": name,
                    "kind": "listing",
                    "url": f"{base}/listing-{k}.html",
                    "follow": r"/\d+-[^/]+/[^/]+$",
                    "topic": False,
                }
            )
        else:
            urls = [base + p.path for p in pages if p.source == name]
            entries.append({"name": name, "kind": "page", "urls": urls, "topic": False})
    file.write_text(sources_toml(entries), encoding="utf-8")


def crawl(db: Path, sources: Path, pages: int, *extra: str) -> tuple[float, int]:
    """The real CLI in a child process: (wall seconds, exit code). Exit 2 or more, or a run
    that did not fetch every page, ends the benchmark: its numbers would mean nothing."""
    start = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "deltawatch",
            "--db",
            str(db),
            "crawl",
            "--sources",
            str(sources),
            *extra,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
        env={**os.environ, "NO_COLOR": "1"},
    )
    last = "SELECT pages + errors AS pages FROM runs ORDER BY id DESC LIMIT 1"
    fetched = rows(db, last) if db.exists() else []
    if done.returncode not in (0, 1) or not fetched or fetched[0]["pages"] < pages:
        sys.exit(
            f"crawl {' '.join(extra)} failed (exit {done.returncode}, "
            f"{fetched[0]['pages'] if fetched else 0} of {pages} pages):\n"
            f"{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
        )
    return time.perf_counter() - start, done.returncode


def rows(db: Path, sql: str, *params: object) -> list[dict[str, Any]]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(sql, params)]


def page_of_article(db: Path, pages: list[Page], base: str) -> dict[int, Page]:
    """Article id -> the page it was fetched from (the store keys articles by canonical URL)."""
    by_url = {base + p.path: p for p in pages}
    found = {}
    for a in rows(db, "SELECT id, url, fetched_url FROM articles"):
        page = by_url.get(a["fetched_url"] or "") or by_url.get(a["url"])
        if page is not None:
            found[a["id"]] = page
    return found


def store_counts(db: Path) -> dict[str, int]:
    [counts] = rows(
        db,
        "SELECT (SELECT count(*) FROM articles) AS articles,"
        " (SELECT count(*) FROM article_versions WHERE suspect IS NOT NULL)"
        " AS suspect, (SELECT count(*) FROM fetch_errors) AS fetch_errors,"
        " (SELECT count(*) FROM claims) AS claims",
    )
    return counts


# -- (a) unrelated articles --------------------------------------------------------------------


def unrelated(tmp: Path, pages: list[Page], n_examples: int) -> dict[str, Any]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    write_site(tmp / "site", pages, version=1)
    write_sources(tmp / "sources.toml", pages, base)
    db = tmp / "a.db"
    with served(tmp / "site", port):
        wall, code = crawl(db, tmp / "sources.toml", len(pages))
    counts = store_counts(db)
    kinds = Counter(
        {
            r["kind"]: r["n"]
            for r in rows(db, "SELECT kind, count(*) AS n FROM claim_events GROUP BY kind")
        }
    )
    cross = rows(
        db,
        "SELECT e.*, p.sentence AS prior_sentence FROM claim_events e"
        " LEFT JOIN claims p ON p.id = e.prior_claim_id WHERE e.kind IN"
        " ('corroborated', 'conflict', 'changed') AND e.prior_article_url IS NOT NULL"
        " AND e.prior_article_url != e.article_url ORDER BY e.key, e.article_url,"
        " e.prior_article_url",
    )
    by_key: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in cross:
        by_key[event["key"]].append(event)
    top = sorted(by_key.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:n_examples]
    examples = [
        {
            "key": key,
            "events": len(evs),
            "kind": e["kind"],
            "old_value": e["old_value"],
            "new_value": e["new_value"],
            "prior_url": _path(e["prior_article_url"], base),
            "url": _path(e["article_url"], base),
            "match": e["match"],
            "prior_sentence": _short(e["prior_sentence"]),
            "sentence": _short(e["sentence"]),
        }
        for key, evs in top
        for e in evs[:1]
    ]
    suspect = rows(
        db,
        "SELECT url, suspect AS why FROM article_versions WHERE suspect IS NOT"
        " NULL UNION ALL SELECT url, reason FROM fetch_errors ORDER BY url",
    )
    by_kind = Counter(e["kind"] for e in cross)
    articles = counts["articles"]
    return {
        "pages": len(pages),
        **counts,
        "exit": code,
        "crawl_seconds": round(wall, 1),
        "events": dict(sorted(kinds.items())),
        "cross_article": {k: by_kind[k] for k in CROSS_KINDS} | {"total": len(cross)},
        "cross_per_100_articles": round(100 * len(cross) / max(articles, 1), 1),
        "cross_keys": len(by_key),
        "top_keys": examples,
        "not_extracted": [f"{_path(r['url'], base)}: {r['why']}" for r in suspect],
    }


# -- (b) revisions -----------------------------------------------------------------------------


def decode(body: bytes) -> tuple[str, str]:
    """(text, codec): the declared charset, else UTF-8 if it decodes, else GB18030."""
    declared = _CHARSET.search(body[:4096])
    candidates = ["utf-8", "gb18030"]
    if declared:
        try:
            name = codecs.lookup(declared.group(1).decode("ascii")).name
        except LookupError:
            name = ""
        if name in ("gb2312", "gbk"):
            name = "gb18030"  # pages that say GB2312 use GBK characters too
        if name:
            candidates.insert(0, name)
    for codec in candidates:
        try:
            return body.decode(codec), codec
        except UnicodeDecodeError:
            continue
    return body.decode("gb18030", errors="replace"), "gb18030"


def language(text: str) -> str:
    """``zh`` when Chinese characters outweigh Latin words in the visible text."""
    visible = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>|<[^>]+>", " ", text)
    cjk = sum("\u4e00" <= ch <= "\u9fff" for ch in visible)
    latin = sum(ch.isascii() and ch.isalpha() for ch in visible)
    return "zh" if cjk * 4 > latin else "en"


def chrome_revision(body: bytes) -> bytes:
    """Group 2: page furniture that moves between fetches; the article is untouched."""
    text, codec = decode(body)
    lang = language(text)
    top = CHROME_TOP[lang].encode(codec, errors="xmlcharrefreplace")
    bottom = CHROME_BOTTOM[lang].encode(codec, errors="xmlcharrefreplace")
    script = next(
        (
            m
            for m in _SCRIPT.finditer(body)
            if not re.search(rb"\bsrc\s*=|json|template", m.group(1), re.I)
        ),
        None,
    )
    if script is not None:
        body = body[: script.end()] + SCRIPT_EDIT + body[script.end() :]
    else:
        top += b"<script>" + SCRIPT_EDIT + b"</script>\n"
    opening = _BODY.search(body)
    at = opening.end() if opening else 0
    body = body[:at] + b"\n" + top + body[at:]
    closing = list(_BODY_END.finditer(body))
    at = closing[-1].start() if closing else len(body)
    return body[:at] + bottom + body[at:]


def bumped(number: str, share: float = 0.1) -> str | None:
    """Another value in the same format, ``share`` more (less when that adds a digit):
    43 -> 47, 1.5 -> 1.7, 1,200 -> 1,300, 95 -> 85. None for zero or a leading zero."""
    if number.startswith("0") and not number.startswith("0."):
        return None
    whole, _, decimals = number.replace(",", "").partition(".")
    digits = int(whole + decimals)
    zeros = 0
    while digits and digits % 10 == 0 and zeros < len(whole) - 1 and not decimals:
        digits //= 10
        zeros += 1
    if digits == 0:
        return None
    step = max(1, round(digits * share))
    new = digits + step if len(str(digits + step)) == len(str(digits)) else digits - step
    if new <= 0:
        return None
    value = new * 10**zeros
    if decimals:
        return f"{value / 10 ** len(decimals):{',' if ',' in number else ''}.{len(decimals)}f}"
    return f"{value:,}" if "," in number else str(value)


#: Context around a figure's number (characters left, right) tried in turn to find the one
#: place in the raw page it came from: alone first, then with its neighbours in the text.
CONTEXTS = ((0, 0), (8, 8), (8, 0), (0, 8), (4, 4), (2, 2))


def locate(body: bytes, number: str, window: str, at: int) -> int | None:
    """Byte offset of ``number`` in the raw page's visible text (not in a tag, script, style
    or comment): the only place it stands alone (not inside a longer number or a name), else
    the only place it stands with the neighbours it has at ``window[at]`` in the extracted
    text; None when no such single place exists."""
    text, codec = decode(body)
    hidden = [m.span() for m in _HIDDEN.finditer(text)]
    left, right = window[:at], window[at + len(number) :]
    for n_left, n_right in CONTEXTS:
        before = re.escape(left[len(left) - n_left :]) if n_left else r"(?<![0-9A-Za-z_#.,])"
        after = re.escape(right[:n_right]) if n_right else r"(?![0-9]|[.,][0-9])"
        found = [
            m
            for m in re.finditer(before + "(" + re.escape(number) + ")" + after, text)
            if not _inside(m.start(1), hidden)
        ]
        if len(found) == 1:
            offset = len(text[: found[0].start(1)].encode(codec))
            if body[offset : offset + len(number)] == number.encode():
                return offset
    return None


def _inside(position: int, spans: list[tuple[int, int]]) -> bool:
    """Is ``position`` inside one of ``spans`` (sorted, not overlapping)?"""
    i = bisect.bisect_right(spans, (position, math.inf)) - 1
    return i >= 0 and spans[i][0] <= position < spans[i][1]


def figure_revision(page: Page, claims: list[dict[str, Any]]) -> bool:
    """Group 3: change one stored figure's number in the raw HTML; False if none qualifies.

    The new number must not stand in the sentence already (4000点-5000点 -> 5000点-5000点);
    "about" and "nearly" figures agree within 10% (README, the change log), so they move 30%.
    """
    for claim in sorted(claims, key=lambda c: c["start"]):
        if len(claim["sentence"] or "") < MIN_SENTENCE or claim["approx"] == "range":
            continue
        numbers = _NUMBER.findall(claim["span"] or "")
        if len(numbers) != 1 or not claim["value"]:
            continue
        old = numbers[0]
        new = bumped(old, 0.3 if claim["approx"] in ("about", "nearly") else 0.1)
        at = claim["left"] + claim["span"].index(old)
        offset = None if new is None else locate(page.body, old, claim["window"], at)
        if (
            new is None
            or offset is None
            or _ORDINAL.match(page.body, offset + len(old))
            or new in claim["sentence"]
        ):
            continue
        page.v2 = page.body[:offset] + new.encode() + page.body[offset + len(old) :]
        scale = claim["value"] / float(old.replace(",", ""))
        page.expected = (claim["value"], float(new.replace(",", "")) * scale)
        page.edit = f"{claim['key']}: {old} -> {new} in {_short(claim['sentence'])!r}"
        return True
    return False


@dataclass
class GroupResult:
    pages: int = 0
    edited: int = 0
    with_events: int = 0
    events: int = 0
    new_versions: int = 0
    exact: int = 0
    other_events: int = 0
    no_claims: int = 0  # group 3: the first crawl stored no figure of the page
    no_candidate: int = 0  # group 3: none of its figures could be found in the raw page once
    examples: list[dict[str, Any]] = field(default_factory=list)


#: The figures of each article's first version, with their text and ``CONTEXT`` characters
#: either side of it (``left`` of them on the left: fewer at the start of the text).
FIRST_CLAIMS = """
SELECT c.*, substr(v.text, c.start + 1, c.end - c.start) AS span, min(c.start, ?1) AS left,
       substr(v.text, c.start + 1 - min(c.start, ?1), min(c.start, ?1) + c.end - c.start + ?1)
       AS window
FROM claims c JOIN article_versions v ON v.id = c.version_id
WHERE v.n = 1 AND v.suspect IS NULL
"""
CONTEXT = 12


def revisions(tmp: Path, pages: list[Page], n_examples: int) -> dict[str, Any]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    db, sources = tmp / "b.db", tmp / "sources.toml"
    write_site(tmp / "v1", pages, version=1)
    write_sources(sources, pages, base)
    with served(tmp / "v1", port):
        wall1, code1 = crawl(db, sources, len(pages))
    articles = page_of_article(db, pages, base)
    first_claims: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for claim in rows(db, FIRST_CLAIMS, CONTEXT):
        if claim["article_id"] in articles:
            first_claims[articles[claim["article_id"]].index].append(claim)
    for page in pages:
        page.v2 = page.body
        if page.group == "chrome":
            page.v2 = chrome_revision(page.body)
        elif page.group == "figure":
            figure_revision(page, first_claims[page.index])
    write_site(tmp / "v2", pages, version=2)
    with served(tmp / "v2", port):
        wall2, code2 = crawl(db, sources, len(pages), "--all")
    [run] = rows(db, "SELECT max(id) AS id FROM runs")
    articles = page_of_article(db, pages, base)
    events: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for event in rows(db, "SELECT * FROM claim_events WHERE run_id = ? ORDER BY id", run["id"]):
        if event["article_id"] in articles:
            events[articles[event["article_id"]].index].append(event)
    revised = {
        articles[r["article_id"]].index
        for r in rows(
            db, "SELECT article_id FROM article_versions WHERE run_id = ? AND n > 1", run["id"]
        )
        if r["article_id"] in articles
    }
    results = {g: GroupResult() for g in GROUPS}
    for page in pages:
        result, found = results[page.group], events[page.index]
        result.pages += 1
        result.new_versions += page.index in revised
        result.with_events += bool(found)
        result.events += len(found)
        if page.group != "figure":
            result.examples += [_event(page, e) for e in found]
            continue
        if page.expected is None:
            result.no_claims += not first_claims[page.index]
            result.no_candidate += bool(first_claims[page.index])
            continue
        result.edited += 1
        exact = [e for e in found if e["kind"] == "changed" and _close(e, page.expected)]
        result.exact += bool(exact)
        others = [e for e in found if e not in exact[:1]]
        result.other_events += len(others)
        if not exact:
            result.examples.append(
                {
                    "page": page.path,
                    "edit": page.edit,
                    "expected": list(page.expected),
                    "missed": True,
                }
            )
        result.examples += [_event(page, e) for e in others]
    out: dict[str, Any] = {
        "pages": len(pages),
        "exit": [code1, code2],
        "crawl_seconds": [round(wall1, 1), round(wall2, 1)],
    }
    for name, r in results.items():
        out[name] = {k: v for k, v in vars(r).items() if k != "examples"}
        out[name]["examples"] = r.examples[:n_examples]
    out["figure"]["other_per_edited"] = round(
        results["figure"].other_events / max(results["figure"].edited, 1), 2
    )
    return out


def _close(event: dict[str, Any], expected: tuple[float, float]) -> bool:
    old, new = event["old_value"], event["new_value"]
    return (
        old is not None
        and new is not None
        and math.isclose(old, expected[0], rel_tol=1e-3, abs_tol=1e-9)
        and math.isclose(new, expected[1], rel_tol=1e-3, abs_tol=1e-9)
    )


def _event(page: Page, event: dict[str, Any]) -> dict[str, Any]:
    return {
        "page": page.path,
        "kind": event["kind"],
        "key": event["key"],
        "old_value": event["old_value"],
        "new_value": event["new_value"],
        "sentence": _short(event["sentence"]),
    }


def _path(url: str | None, base: str) -> str:
    return (url or "").removeprefix(base)


def _short(text: str | None, limit: int = 110) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


# -- report --------------------------------------------------------------------------------


def report(
    folders: list[Path], pages: list[Page], a: dict[str, Any], b: dict[str, Any], seconds: float
) -> None:
    corpus = "corpus: " + " ".join(f"{f} ({n} pages)" for f, n in folder_sizes(folders, pages))
    print(corpus)
    print(
        f"\n(a) unrelated articles, one crawl ({a['crawl_seconds']} s, exit {a['exit']}): "
        f"{a['articles']} articles, {a['suspect']} suspect extractions, "
        f"{a['fetch_errors']} fetch errors, {a['claims']} figures"
    )
    for line in a["not_extracted"]:
        print(f"    not extracted: {line}")
    print("    events: " + ", ".join(f"{k}={v}" for k, v in a["events"].items()))
    print(f"    {a['cross_keys']} keys tied articles together; the most used:")
    for ex in a["top_keys"]:
        print(
            f"    {ex['key']!r} x{ex['events']}: {ex['kind']} {ex['old_value']:g} "
            f"({ex['prior_url']}) vs {ex['new_value']:g} ({ex['url']})  [{ex['match']}]\n"
            f"        {ex['prior_sentence']!r}\n        {ex['sentence']!r}"
        )
    print(
        f"\n(b) revisions, crawls {b['crawl_seconds'][0]} s + {b['crawl_seconds'][1]} s "
        f"(exit {b['exit'][0]}, {b['exit'][1]})"
    )
    for name in ("identical", "chrome"):
        g = b[name]
        print(
            f"    {name}: {g['with_events']}/{g['pages']} pages logged {g['events']} events; "
            f"{g['new_versions']} new versions stored"
        )
        for ex in g["examples"]:
            print(
                f"      {ex['page']}: {ex['kind']} {ex['key']!r} {ex['old_value']} -> "
                f"{ex['new_value']}  {ex['sentence']!r}"
            )
    g = b["figure"]
    print(
        f"    one figure: {g['edited']}/{g['pages']} pages edited ({g['no_claims']} had no "
        f"stored figure, {g['no_candidate']} none to edit); exact changed event on "
        f"{g['exact']}/{g['edited']}; {g['other_events']} other events"
    )
    for ex in g["examples"]:
        if ex.get("missed"):
            print(f"      MISSED {ex['page']}: {ex['edit']}")
        else:
            print(
                f"      other {ex['page']}: {ex['kind']} {ex['key']!r} {ex['old_value']} -> "
                f"{ex['new_value']}  {ex['sentence']!r}"
            )
    cross = a["cross_article"]
    print("\nsummary")
    print(corpus)
    print(
        f"(a) unrelated: {a['articles']} articles stored, new={a['events'].get('new', 0)}, "
        f"cross-article events={cross['total']} ({a['cross_per_100_articles']} per 100 "
        f"articles): corroborated={cross['corroborated']} conflict={cross['conflict']} "
        f"changed={cross['changed']}"
    )
    ident, chrome = b["identical"], b["chrome"]
    print(
        f"(b) identical: {ident['with_events']}/{ident['pages']} pages logged events; "
        f"chrome-only: {chrome['with_events']}/{chrome['pages']} ({chrome['events']} events); "
        f"one-figure: exact {g['exact']}/{g['edited']} (of {g['edited']} whose old figure was "
        f"stored), other events {g['other_per_edited']} per edited page"
    )
    print(f"time: {seconds:.0f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="+", type=Path, help="folders of saved *.html pages")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    parser.add_argument("--examples", type=int, default=6, help="examples to show per list")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    pages = load_corpus(args.folders)
    if not pages:
        parser.error("no *.html files in the folders given")
    with tempfile.TemporaryDirectory(prefix="changelog-real-") as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "a").mkdir()
        (tmp / "b").mkdir()
        a = unrelated(tmp / "a", pages, args.examples)
        b = revisions(tmp / "b", pages, args.examples)
    seconds = time.perf_counter() - start
    if args.json:
        folders = [{"folder": str(f), "pages": n} for f, n in folder_sizes(args.folders, pages)]
        print(
            json.dumps(
                {"corpus": folders, "unrelated": a, "revisions": b, "seconds": round(seconds, 1)},
                ensure_ascii=False,
                indent=1,
            )
        )
    else:
        report(args.folders, pages, a, b, seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
