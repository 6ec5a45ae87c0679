"""A second run over an unchanged site: how much of the first run's work does it repeat?

    .venv/bin/python -m benchmarks.second_run [PAGES]

Crawls a generated local site of PAGES article pages (default 1,000, listed in a sitemap,
served by a separate process) twice with the real CLI, in three set-ups, then prints, for each
run: requests the server answered, pages extracted, wall time; and the second run's share of
the first's.

- ``validators``: the server sends Last-Modified and answers 304 to a conditional request;
  the second run is a plain ``crawl`` (known articles are refetched only when due).
- ``no validators``: the server sends no validator and never a 304 (many news sites behind
  CDNs); the second run is a plain ``crawl`` (issue 15's check as written).
- ``no validators, --all``: the same server, and the second run refetches every article
  (``crawl --all``): only the body hash, compared before any extraction, can tell that
  nothing changed. A run that fetches every page cannot be faster than fetching them, so
  this set-up also times a bare Scrapy spider that only fetches the same pages (same
  settings, ``bare_spider.py --fetch-only``) and prints the second run against it.

Targets (issues 5 and 15): under 0.05 of the extractions and under 0.3 of the wall time.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, served, sitemap_site, timed_child


def _runs(
    pages: int, *, validators: bool, second: list[str], floor: bool
) -> tuple[list[dict[str, Any]], float | None]:
    """Both runs of one set-up, and (``floor``) the wall time of a bare fetch-only spider."""
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        port, base, sources = sitemap_site(tmp, pages)
        runs = []
        fetch_only = None
        for n, extra in ((1, []), (2, second)):
            log = tmp / f"access-{n}.log"
            with served(tmp / "site", port, log=log, validators=validators):
                time.sleep(0.2)
                wall, peak, code = timed_child(
                    [
                        sys.executable,
                        "-m",
                        "deltawatch",
                        "--db",
                        str(tmp / "b.db"),
                        "crawl",
                        "--sources",
                        str(sources),
                        *extra,
                    ]
                )
            requests = sum('"GET ' in line for line in log.read_text().splitlines())
            with sqlite3.connect(tmp / "b.db") as conn:
                [(stats,)] = conn.execute("SELECT stats FROM runs WHERE id = ?", [n]).fetchall()
            counts = json.loads(stats)["bench"]["counts"]
            runs.append(
                {
                    "wall": wall,
                    "requests": requests,
                    "extracted": counts["extracted"],
                    "not_due": counts["not_due"],
                    "exit": code,
                    "peak": peak,
                }
            )
        if floor:
            with served(tmp / "site", port, validators=validators):
                time.sleep(0.2)
                start = time.perf_counter()
                subprocess.run(
                    [
                        sys.executable,
                        "benchmarks/bare_spider.py",
                        f"{base}/sitemap.xml",
                        "--fetch-only",
                    ],
                    cwd=ROOT,
                    capture_output=True,
                    check=True,
                )
                fetch_only = time.perf_counter() - start
    return runs, fetch_only


def main(pages: int = 1000) -> int:
    print(f"site: {pages} article pages in a sitemap, served by a separate process")
    setups = [
        ("validators", True, []),
        ("no validators", False, []),
        ("no validators, --all", False, ["--all"]),
    ]
    for name, validators, second in setups:
        runs, fetch_only = _runs(
            pages, validators=validators, second=second, floor="--all" in second
        )
        print(f"\n{name}")
        print(f"{'':12}{'requests':>10}{'extracted':>11}{'not due':>9}{'wall s':>9}")
        for n, run in enumerate(runs, 1):
            print(
                f"run {n:<8}{run['requests']:>10}{run['extracted']:>11}{run['not_due']:>9}"
                f"{run['wall']:>9.2f}   (exit {run['exit']})"
            )
        first, again = runs
        print(
            f"second/first: requests {again['requests'] / first['requests']:.3f}, "
            f"extractions {again['extracted'] / max(first['extracted'], 1):.3f} (target < 0.05), "
            f"wall {again['wall'] / first['wall']:.3f} (target < 0.3)"
        )
        if fetch_only is not None:
            print(
                f"a bare spider only fetching the same pages: {fetch_only:.2f} s, "
                f"{fetch_only / first['wall']:.3f} of the first run; the second run is "
                f"{again['wall'] / fetch_only:.2f}x it"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
