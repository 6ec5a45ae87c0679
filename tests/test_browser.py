"""A person's view of ``deltawatch serve``: headless Chromium on the demo store.

The demo builds a store offline (``deltawatch demo``), ``deltawatch serve`` runs in its
own process on a free port, and Playwright drives Debian's chromium (no browser download)
through the change log, a canned query and a figure's chart, checking what is on the
screen rather than the HTML.

The demo's content is still being tuned, so this checks structure (pages load, facets,
rows, links, a drawn chart), not exact counts. Set ``DELTAWATCH_SCREENSHOTS=docs/screenshots``
to refresh the README's screenshots while it runs.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, run_cli

CHROMIUM = next(
    (
        p
        for p in (shutil.which("chromium"), shutil.which("chromium-browser"), "/usr/bin/chromium")
        if p and Path(p).exists()
    ),
    None,
)
try:
    from playwright.sync_api import Page, expect, sync_playwright
except ImportError:  # pragma: no cover - the lock file installs it
    sync_playwright = None  # type: ignore[assignment]

pytestmark = [
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="no chromium binary: `apt-get install chromium` "
        "(.ci/run does it when it runs as root)",
    ),
    pytest.mark.skipif(sync_playwright is None, reason="playwright is not installed"),
]

SHOTS = os.environ.get("DELTAWATCH_SCREENSHOTS")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"serve exited {proc.returncode}: {proc.stderr.read()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"serve did not listen on {port} within {timeout} s")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo store, served by ``deltawatch serve`` in a child process."""
    db = tmp_path_factory.mktemp("browser") / "demo.db"
    demo = run_cli("demo", "--port", "0", db=db)  # any free port: a demo may be running
    assert demo.returncode == 0, demo.stderr
    port = _free_port()
    env = {**os.environ, "NO_COLOR": "1", "PYTHONWARNINGS": "ignore"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "deltawatch", "--db", str(db), "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(port, proc)
        yield f"http://127.0.0.1:{port}/{db.stem}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"))


def _column(page: Page, name: str) -> list[str]:
    return [
        t.strip() for t in page.locator(f"table.rows-and-columns td.col-{name}").all_inner_texts()
    ]


def test_change_log_query_filters_by_kind_and_links_to_the_stored_version(
    site: str, page: Page
) -> None:
    page.goto(site)
    page.get_by_role("link", name="Latest changes").first.click()
    expect(page.locator("h1")).to_contain_text("Latest changes")
    kinds = _column(page, "kind")
    assert kinds and set(kinds) <= {"new", "corroborated", "conflict", "changed", "removed"}
    assert "conflict" in kinds
    _shot(page, "changes")
    page.get_by_label("kind").fill("conflict")  # the canned query's :kind parameter
    page.get_by_role("button", name="Run SQL").click()
    page.wait_for_url("**kind=conflict**")
    conflicts = _column(page, "kind")
    assert conflicts and set(conflicts) == {"conflict"}
    assert all(_column(page, "prior_source"))  # a conflict names who said otherwise
    # An event links to the original article and to the version deltawatch stored.
    assert page.locator("td.col-article_url a").first.get_attribute("href").startswith("http")
    page.locator("td.col-version_id a").first.click()
    expect(page.locator("h1")).to_contain_text("article_versions")
    assert len(page.locator("td.col-text").inner_text()) > 200  # the article's stored text


def test_change_log_table_has_facets_by_kind_and_source(site: str, page: Page) -> None:
    page.goto(f"{site}/claim_events")
    expect(page.locator("h1")).to_contain_text("Change log")
    for name, value in (("kind", "conflict"), ("source", "delta-wire")):
        facet = page.locator(".facet-info", has=page.locator(".facet-info-name", has_text=name))
        expect(facet).to_contain_text(value)
    facet = page.locator(".facet-info", has=page.locator(".facet-info-name", has_text="kind"))
    facet.get_by_role("link", name="conflict", exact=True).click()
    page.wait_for_url("**kind=conflict**")
    assert set(_column(page, "kind")) == {"conflict"}


def test_open_conflicts_query_leads_to_a_chart_of_the_figure(site: str, page: Page) -> None:
    page.goto(site)
    page.get_by_role("link", name="Open conflicts").first.click()
    expect(page.locator("h1")).to_contain_text("Open conflicts")
    keys = _column(page, "key")
    assert keys, "the demo has figures that sources disagree on"
    sources = _column(page, "sources")
    assert all(int(n) >= 2 for n in sources)
    _shot(page, "conflicts")

    page.locator("td.col-key a").first.click()
    expect(page.locator("h1")).to_contain_text("A figure's history")
    chart = page.locator("figure.deltawatch-chart svg")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 150
    drawn = chart.inner_html()
    assert keys[0] in drawn and "conflict" in drawn  # title and legend are text in the SVG
    reporters = set(_column(page, "source"))
    assert len(reporters) >= 2 and all(s in drawn for s in reporters)  # one mark per source
    page.locator("figure.deltawatch-chart").scroll_into_view_if_needed()
    _shot(page, "chart")


def test_full_text_search_finds_chinese_and_english_articles(site: str, page: Page) -> None:
    page.goto(f"{site}/article_versions")
    page.locator("input#_search").fill("独角兽")
    page.locator("input#_search").press("Enter")
    page.wait_for_url("**_search=**")
    titles = _column(page, "title")
    assert titles and any("独角兽" in t for t in titles)
