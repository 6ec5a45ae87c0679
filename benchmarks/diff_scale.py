"""Does the diff stay fast as the claim set grows? 1,000 new articles against 10k and 1M claims.

    .venv/bin/python -m benchmarks.diff_scale [--big 1000000] [--small 10000] [--articles 1000]
        [--rounds 3]

Two stores are filled with synthetic claims whose keys overlap the keys the new articles
will report (the same subjects, metrics and units as the generated articles, plus a long
tail of other keys), so every diff look-up has real work to do. Then 1,000 generated
articles are ingested into each store through the real ``Ingestor`` (extraction, figures,
versioning, near-duplicate check, diff, events, one transaction per article).

Prints the ingest time per store, the ratio big/small (target: under 1.5, meaning the
look-ups are indexed, not scans), the query plans of the diff's look-ups, and the priors
(other sources' figures for the article's keys) read per article in each store, with the
diff stage divided by them. The machine's speed drifts over minutes, so the two stores take
turns for ``--rounds`` rounds, each ingesting into a fresh copy of the filled store, and the
median ratio is the result (as in ``crawl_speed``).
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import PLACES, TEMPLATES, TOPICS, article_html
from pipelines.figures import extract_claims
from pipelines.ingest import Ingestor
from pipelines.model import Page
from storage.store import Store


def realistic_keys() -> list[dict]:
    """The claims the generated articles' sentences give, as templates for stored claims."""
    rnd = random.Random(7)
    seen: dict[str, dict] = {}
    for _ in range(3000):
        sentence = rnd.choice(TEMPLATES).format(
            place=rnd.choice(PLACES),
            topic=rnd.choice(TOPICS),
            n=rnd.randint(12, 4000),
            p=rnd.randint(2, 90),
            b=round(rnd.uniform(0.5, 90), 1),
            r=rnd.randint(2, 30),
            year=rnd.randint(2018, 2025),
        )
        for claim in extract_claims(sentence, lang="en"):
            seen.setdefault(claim.key, claim.as_dict())
    return list(seen.values())


def fill(path: Path, claims: int) -> None:
    """A store holding ``claims`` current claims over claims/10 articles, one version each."""
    store = Store(path)
    store.sync_sources(
        {
            "name": f"src-{s}",
            "kind": "page",
            "urls": [f"http://bench.test/{s}"],
            "language": "en",
            "topic": 1,
            "interval": "1d",
            "enabled": 1,
        }
        for s in range(50)
    )
    templates = realistic_keys()
    rnd = random.Random(11)
    per_article = 10
    articles = claims // per_article
    db = store.db
    with store.transaction():
        db["articles"].insert_all(
            (
                {
                    "id": a + 1,
                    "source": f"src-{a % 50}",
                    "url": f"http://bench.test/old/{a}",
                    "status": "active",
                    "version_count": 1,
                    "current_version_id": a + 1,
                    "first_seen_at": "2026-01-01T00:00:00+00:00",
                }
                for a in range(articles)
            ),
            batch_size=5000,
        )
        db["article_versions"].insert_all(
            (
                {
                    "id": a + 1,
                    "article_id": a + 1,
                    "n": 1,
                    "content_hash": f"h{a}",
                    "fetched_at": "2026-01-01T00:00:00+00:00",
                    "text": "",
                    "chars": 0,
                }
                for a in range(articles)
            ),
            batch_size=5000,
        )
        db.execute(  # indexed for search as Store indexes what it stores (m011)
            "INSERT INTO article_versions_fts (rowid, title, text)"
            " SELECT id, title, text FROM article_versions"
        )

        def rows():
            for i in range(articles * per_article):
                a = i // per_article
                if rnd.random() < 0.3:  # the keys new articles report, many times over
                    t = rnd.choice(templates)
                    subject, metric, unit, key = t["subject"], t["metric"], t["unit"], t["key"]
                else:  # a long tail of other figures about the same places
                    subject = rnd.choice(PLACES)
                    metric = f"metric {rnd.randint(0, 20000)}"
                    unit = rnd.choice(["count", "%", "CNY", "USD"])
                    key = f"{subject}|{metric}|{unit}".lower()
                yield {
                    "version_id": a + 1,
                    "article_id": a + 1,
                    "source": f"src-{a % 50}",
                    "key": key,
                    "subject": subject,
                    "metric": metric,
                    "unit": unit,
                    "value": float(rnd.randint(1, 5000)),
                    "approx": "exact",
                    "reported_at": "2026-01-01T00:00:00+00:00",
                }

        db["claims"].insert_all(rows(), batch_size=10000)
    store.rebuild_claim_keys()
    store.close()


def ingest(path: Path, count: int) -> tuple[float, float, int]:
    store = Store(path)
    run_id = store.start_run(trigger="bench", sources=["src-0"])
    ingestor = Ingestor(store, run_id=run_id)
    base = "http://bench.test/new"
    pages = [
        Page(
            source=f"src-{i % 50}",
            url=f"{base}/news/{i}.html",
            fetched_url=f"{base}/news/{i}.html",
            status=200,
            body=article_html(100_000 + i, base).encode(),
            content_type="text/html; charset=utf-8",
        )
        for i in range(count)
    ]
    start = time.perf_counter()
    for page in pages:
        ingestor.ingest(page)
    elapsed = time.perf_counter() - start
    store.close()
    stages = ", ".join(f"{k} {v:.2f}s" for k, v in sorted(ingestor.seconds.items()))
    print(
        f"  stages: {stages}; diff stage per article: "
        f"{1000 * ingestor.seconds['diff'] / count:.1f} ms; priors read per article: "
        f"{ingestor.priors_read / count:.0f}",
        flush=True,
    )
    return elapsed, ingestor.seconds["diff"], ingestor.priors_read


def plans(path: Path) -> list[str]:
    store = Store(path)
    out = []
    for label, sql, params in store.explain_diff_lookups():
        detail = [r[3] for r in store.db.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()]
        out.append(f"  {label}: {'; '.join(detail)}")
    store.close()
    return out


def _copy(src: Path, dst: Path) -> Path:
    """A fresh copy of a filled store: each round ingests into the store as it was filled."""
    for suffix in ("", "-wal", "-shm"):
        dst.with_name(dst.name + suffix).unlink(missing_ok=True)
        if src.with_name(src.name + suffix).exists():
            shutil.copyfile(src.with_name(src.name + suffix), dst.with_name(dst.name + suffix))
    return dst


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--articles", type=int, default=1_000)
    parser.add_argument(
        "--rounds", type=int, default=3, help="alternating small/big ingests; the median counts"
    )
    args = parser.parse_args(argv)
    labels = {"small": args.small, "big": args.big}
    # Per label, one (whole ingest, diff stage, priors read) per round.
    runs: dict[str, list[tuple[float, float, int]]] = {"small": [], "big": []}
    with tempfile.TemporaryDirectory() as tmp:
        for label, size in labels.items():
            start = time.perf_counter()
            fill(Path(tmp) / f"{label}.db", size)
            print(f"filled {size:>9,} claims in {time.perf_counter() - start:6.1f}s", flush=True)
        # The machine's speed drifts over minutes: the two stores take turns, each round
        # ingesting into a fresh copy, and the median of the rounds' ratios is the result.
        for n in range(args.rounds):
            for label, size in labels.items():
                work = _copy(Path(tmp) / f"{label}.db", Path(tmp) / "work.db")
                run = ingest(work, args.articles)
                runs[label].append(run)
                print(
                    f"round {n + 1}: ingest of {args.articles:,} articles against {size:>9,} "
                    f"claims: {run[0]:6.2f}s ({args.articles / run[0]:.0f} articles/s)",
                    flush=True,
                )
        print("query plans of the diff's look-ups (big store):")
        print("\n".join(plans(Path(tmp) / "big.db")))
    pairs = list(zip(runs["small"], runs["big"], strict=True))
    whole = [big[0] / small[0] for small, big in pairs]
    diff = [big[1] / small[1] for small, big in pairs]
    median = statistics.median(diff)
    middle = pairs[diff.index(min(diff, key=lambda r: abs(r - median)))]
    (_, small_diff, small_priors), (big_whole, big_diff, big_priors) = middle
    print(
        f"ratio big/small, whole ingest: {statistics.median(whole):.2f}; diff stage alone "
        f"(claims, look-ups, events): {median:.2f} (target < 1.5), medians of "
        f"{args.rounds} rounds; the rounds' diff-stage ratios: "
        + ", ".join(f"{r:.2f}" for r in diff)
    )
    print(
        f"priors read per article: {small_priors / args.articles:.0f} -> "
        f"{big_priors / args.articles:.0f} ({big_priors / small_priors:.2f}x); "
        f"diff stage divided by the priors read: {1e6 * small_diff / small_priors:.1f} -> "
        f"{1e6 * big_diff / big_priors:.1f} us "
        f"({big_diff / big_priors / (small_diff / small_priors):.2f}x; at or below "
        "1, a prior costs no more in the bigger store: what grows is how much it knows)"
    )
    print(
        f"ingest of {args.articles:,} articles against {args.big:,} claims (median round): "
        f"{big_whole:.1f}s in all, of which the diff stage {big_diff:.1f}s (target < 10s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
