"""Full pipeline vs a bare Scrapy + trafilatura spider on the same local 1,000-page site.

Prints wall time, pages/s and peak memory of each, and the time ratio.
Target (issue 2): ratio <= 1.3, peak memory < 300 MB.
Usage: python benchmarks/crawl_speed.py [PAGES]
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import ROOT, served, sitemap_site, timed_child


def main(pages: int = 1000) -> None:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        port, base, sources = sitemap_site(tmp, pages)
        with served(tmp / "site", port):
            bare = timed_child([sys.executable, "benchmarks/bare_spider.py", f"{base}/sitemap.xml"])
            full = timed_child([sys.executable, "-m", "deltawatch", "--db", str(tmp / "b.db"),
                                "crawl", "--sources", str(sources)])  # fmt: skip
        with sqlite3.connect(tmp / "b.db") as conn:
            stored, claims = conn.execute(
                "SELECT (SELECT count(*) FROM article_versions), (SELECT count(*) FROM claims)"
            ).fetchone()
    print(f"site: {pages} article pages, served by a separate process ({ROOT.name})")
    print(f"{'':24}{'wall s':>9}{'pages/s':>10}{'peak MB':>10}")
    print(f"{'bare scrapy+trafilatura':24}{bare[0]:9.2f}{pages / bare[0]:10.1f}{bare[1]:10.0f}")
    print(f"{'deltawatch full pipeline':24}{full[0]:9.2f}{pages / full[0]:10.1f}{full[1]:10.0f}")
    print(f"stored versions: {stored}, claims: {claims}, exit codes: bare {bare[2]}, full {full[2]}")
    print(f"time ratio full/bare: {full[0] / bare[0]:.2f}  (target <= 1.3)")
    print(f"peak memory full: {full[1]:.0f} MB  (target < 300 MB)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
