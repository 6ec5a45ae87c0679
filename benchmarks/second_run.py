"""A second run over an unchanged site: how much of the first run's work does it repeat?

    .venv/bin/python -m benchmarks.second_run [PAGES]

Crawls a generated local site of PAGES article pages (default 1,000, listed in a sitemap,
served by a separate process) twice with the real CLI, in two set-ups, then prints, for each
run: requests the server answered, pages extracted, wall time; and the second run's share of
the first's.

- ``validators``: the server sends Last-Modified and answers 304 to a conditional request;
  the second run is a plain ``crawl`` (known articles are refetched only when due).
- ``no validators, --all``: the server sends no validator and never a 304 (many news sites
  behind CDNs), and the second run refetches every article (``crawl --all``): only the
  body hash, compared before any extraction, can tell that nothing changed.

Targets (issues 5 and 15): under 0.05 of the extractions and under 0.3 of the wall time.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import served, sitemap_site, timed_child


def _runs(pages: int, *, validators: bool, second: list[str]) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        port, _base, sources = sitemap_site(tmp, pages)
        runs = []
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
    return runs


def main(pages: int = 1000) -> int:
    print(f"site: {pages} article pages in a sitemap, served by a separate process")
    setups = [("validators", True, []), ("no validators, --all", False, ["--all"])]
    for name, validators, second in setups:
        runs = _runs(pages, validators=validators, second=second)
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
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
