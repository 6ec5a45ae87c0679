"""A second run over an unchanged site: how much of the first run's work does it repeat?

    .venv/bin/python -m benchmarks.second_run [PAGES]

Crawls a generated local site of PAGES article pages (default 1,000, listed in a sitemap,
served by a separate process) twice with the real CLI, then prints, for each run: requests
the server answered, pages extracted, wall time; and the second run's share of the first's.
Target (issue 5): under 0.1 of the extractions and under 0.3 of the wall time.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import served, sitemap_site, timed_child


def main(pages: int = 1000) -> int:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        port, _base, sources = sitemap_site(tmp, pages)
        runs = []
        for n in (1, 2):
            log = tmp / f"access-{n}.log"
            with served(tmp / "site", port, log=log):
                time.sleep(0.2)
                wall, peak, code = timed_child([sys.executable, "-m", "deltawatch", "--db",
                                                str(tmp / "b.db"), "crawl", "--sources",
                                                str(sources)])  # fmt: skip
            requests = sum('"GET ' in line for line in log.read_text().splitlines())
            with sqlite3.connect(tmp / "b.db") as conn:
                [(stats,)] = conn.execute("SELECT stats FROM runs WHERE id = ?", [n]).fetchall()
            counts = json.loads(stats)["bench"]["counts"]
            # A page is extracted unless its answer was a 304 or its body hash was known.
            extracted = counts["pages"] - counts["not_modified"] - counts["unchanged"]
            runs.append({"wall": wall, "requests": requests, "extracted": extracted,
                         "not_due": counts["not_due"], "exit": code, "peak": peak})  # fmt: skip
    print(f"site: {pages} article pages in a sitemap, served by a separate process")
    print(f"{'':12}{'requests':>10}{'extracted':>11}{'not due':>9}{'wall s':>9}")
    for n, run in enumerate(runs, 1):
        print(f"run {n:<8}{run['requests']:>10}{run['extracted']:>11}{run['not_due']:>9}"
              f"{run['wall']:>9.2f}   (exit {run['exit']})")  # fmt: skip
    first, second = runs
    print(f"second/first: requests {second['requests'] / first['requests']:.3f}, "
          f"extractions {second['extracted'] / max(first['extracted'], 1):.3f} (target < 0.1), "
          f"wall {second['wall'] / first['wall']:.3f} (target < 0.3)")
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
