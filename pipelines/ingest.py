"""The pipeline stages in order, for one page: extract, relevance, version, claims, diff.

This is the one place that calls the pure stages and hands their results to
storage. The Scrapy item pipeline, ``reprocess`` and the Redis ingest all go
through :class:`Ingestor`, so a page gives the same store whichever way it came.
One page is one transaction: a killed run leaves whole pages or none.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import signal
import threading
import time
import zlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

from pipelines.clean import normalize_for_hash
from pipelines.dedup import DUPLICATE_THRESHOLD, Fingerprint, fingerprint, similarity
from pipelines.diff import Prior, RevisionPair, diff_version, metric_similarity, metric_words
from pipelines.extract import (
    EXTRACT_VERSION,
    ExtractionError,
    decode_body,
    extract_article,
    extract_text_file,
    release_memory,
)
from pipelines.model import Article, Page
from pipelines.positions import StoredPositions
from pipelines.relevance import Relevance, score_relevance

if TYPE_CHECKING:
    from storage.store import Store

# The figure finder and the revision aligner (pipelines.figures, pipelines.revisions) are
# imported where they are used: the crawl process leaves figures to its analysis process
# and aligns only revisions, and importing them costs a second and ~20 MB. The analysis
# process, for its part, never imports storage (sqlite-utils) or Scrapy.

__all__ = [
    "Analysis",
    "Ingestor",
    "Outcome",
    "ReprocessReport",
    "analysis_process_init",
    "analyze",
    "article_from_page",
    "pipeline_version",
    "prepare",
    "reprocess",
]

log = logging.getLogger(__name__)


@cache
def pipeline_version() -> str:
    """Recorded on every version, so ``reprocess`` knows what produced its text and claims."""
    from pipelines.figures import EXTRACTOR_VERSION

    return f"{EXTRACT_VERSION}+{EXTRACTOR_VERSION}"


def __getattr__(name: str) -> Any:
    """``PIPELINE_VERSION``, computed on first use (it needs the figure finder's version)."""
    if name == "PIPELINE_VERSION":
        return pipeline_version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: Below these many characters an extraction is not trusted (boilerplate, paywall stub).
MIN_TRUSTED_CHARS = {"en": 300, "zh": 100}
#: A new version shorter than this share of the previous one is a suspect extraction.
MAX_SHRINK = 0.5
#: Fuzzy metric matches need at least this word overlap (Jaccard).
FUZZY_METRIC = 0.75
#: The default recheck ladder (DESIGN.md): re-fetch this long after the article last changed.
DEFAULT_RECHECK = (timedelta(hours=3), timedelta(days=1), timedelta(days=3), timedelta(days=7))
#: Gone for good: the article is kept but no longer rechecked.
RETIRING_STATUSES = (404, 410)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What ingesting one page did; ``status`` feeds the run's counts."""

    status: str  # error | skipped | new_article | new_version | unchanged | seen_before | suspect
    #              | not_modified | retired
    url: str
    article_id: int | None = None
    version_id: int | None = None
    claims: int = 0
    events: int = 0
    reason: str | None = None


def article_from_page(page: Page) -> Article:
    """Decode and extract one fetched page (raises :class:`ExtractionError`)."""
    ctype = (page.content_type or "").lower()
    if ctype and not any(t in ctype for t in ("html", "xml", "text/plain")):
        raise ExtractionError(f"not an HTML page (Content-Type {page.content_type})")
    if not page.body.strip():
        raise ExtractionError("empty body")
    if (
        page.body[:5] == b"%PDF-"
        or page.body[:8] == b"\x89PNG\r\n\x1a\n"
        or page.body[:3] == b"\xff\xd8\xff"
    ):
        raise ExtractionError("binary body (PDF or image) served as a page")
    _, html = decode_body(page.body, page.content_type)
    if "text/plain" in ctype:  # a plain-text article: no markup for trafilatura to read
        return extract_text_file(html, url=page.fetched_url)
    return extract_article(html, url=page.fetched_url)


def prepare(page: Page) -> Article | ExtractionError:
    """The storage-free, expensive part of ingesting a page (decode + trafilatura).

    Split out so Redis workers run it in parallel and ship the result to the single
    writer; a failure is returned, not raised, so it travels the same way.
    """
    try:
        return article_from_page(page)
    except ExtractionError as exc:
        return exc


@dataclass(frozen=True, slots=True)
class Analysis:
    """The pure, CPU-heavy part of a page: its extracted article and its figures.

    Built by :func:`analyze`, possibly in another process (the crawl runs it in a process
    pool so extraction and figures use the second core while the reactor fetches and the
    store writes); :meth:`Ingestor.ingest` then does only what needs the store.
    """

    article: Article | ExtractionError
    #: None: figures not extracted yet (a Redis worker ships the extraction only).
    claims: tuple[dict[str, Any], ...] | None = None
    #: The text's hash and MinHash (:func:`text_identity`), or None: made by the writer.
    identity: tuple[str, Fingerprint] | None = None
    #: Whether the article is on topic (:func:`score_relevance`), or None: scored by the writer.
    relevance: Relevance | None = None
    #: :func:`pipeline_version` of the process that made it.
    pipeline_version: str | None = None


def analyze(page: Page, *, identity: bool = True) -> Analysis:
    """Extract the page and its figures; pure (no store), picklable.

    ``identity``: also the text's hash and MinHash, and its relevance score. The crawl's
    analysis process leaves them to the writer (``identity=False``): on a 2-core machine the
    two processes share the work of a page, and these ~0.3 ms of its ~4.5 moved to the
    writer when the analysis process was the one the writer waited for (README, speed).
    """
    try:
        article = prepare(page)
        if isinstance(article, ExtractionError):
            return Analysis(article)
        return Analysis(
            article,
            tuple(figures_of(article)),
            text_identity(article.text) if identity else None,
            score_relevance(article.text, article.title) if identity else None,
            pipeline_version(),
        )
    finally:
        release_memory(page.body)


#: A page written for warming an analysis process up: English and Chinese, with the forms
#: that load something on first use (a physical unit, money, a percentage, 亿).
_WARM_UP_PAGE = Page(
    source="warm-up",
    url="http://127.0.0.1/warm-up.html",
    fetched_url="http://127.0.0.1/warm-up.html",
    status=200,
    content_type="text/html; charset=utf-8",
    body=(
        "<html><head><title>Warm-up</title></head><body><article>"
        "<p>A plant in Lingang will make 5 nm chips from 2027 and draw 1.2 GW of power, "
        "the company said on Monday, after raising $4.5 billion from 43 investors.</p>"
        "<p>Output in the Yangtze River Delta rose 12.5% to 3,200 tonnes last year, and "
        "the park now hosts more than 600 firms employing about 21,000 engineers.</p>"
        "<p>上海集成电路产业规模达到2500亿元，同比增长12%，新增企业30家，从业人员约3万人。</p>"
        "</article></body></html>"
    ).encode(),
)


def analysis_process_init(crawl_pid: int) -> None:
    """In the analysis process: load the extractors, and leave as soon as the crawl is gone.

    A crawl's end closes the pipe the process reads pages from; a watch on the crawl's pid
    also ends it, should the process be busy or the pipe be held open elsewhere, so a crawl
    killed with SIGKILL leaves no process (and no fork server) waiting. Ctrl-C reaches every
    process of the terminal's group; the crawl decides how to stop, so the analysis process
    ignores SIGINT (else it dies with a KeyboardInterrupt traceback in the middle of the
    crawl's orderly stop). Lives here, not in ``scrapy_pipeline``, so the analysis process
    never imports Scrapy.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Whatever the stages load on first use (trafilatura's config, the unit registry, the
    # lexicons, cn2an) is loaded now, before the first page comes, by analysing one.
    with contextlib.suppress(Exception):
        analyze(_WARM_UP_PAGE)

    def watch() -> None:
        while True:
            try:
                os.kill(crawl_pid, 0)
            except ProcessLookupError:
                os._exit(0)
            except PermissionError:
                pass
            time.sleep(1.0)

    threading.Thread(target=watch, name="exit-with-crawl", daemon=True).start()


def figures_of(article: Article) -> list[dict[str, Any]]:
    """The figures of an article's text, as claim dicts."""
    from pipelines.figures import extract_claims

    return [
        c.as_dict()
        for c in extract_claims(
            article.text, lang=article.lang, published=_iso_date(article.published)
        )
    ]


def text_identity(text: str) -> tuple[str, Fingerprint]:
    """What makes a version a version: the hash of its normalized text, and its MinHash.

    Whitespace, datelines and bylines are normalized away first, so they never make a version.
    """
    normalized = normalize_for_hash(text)
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest(), fingerprint(normalized)


def _iso_date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def _prior(row: Mapping[str, Any], *, root: int) -> Prior:
    own_root = row.get("duplicate_of") or row["article_id"]
    return Prior(
        claim_id=row["claim_id"],
        key=row["key"],
        value=row["value"],
        approx=row["approx"],
        unit=row["unit"],
        subject=row["subject"],
        metric=row["metric"],
        source=row["source"],
        article_id=row["article_id"],
        article_url=row["article_url"],
        version_id=row["version_id"],
        reported_at=row["reported_at"],
        independent=own_root != root,
        comparable=bool(row.get("comparable", 1)),
        sentence=row.get("sentence"),
    )


class Ingestor:
    """Runs the stages for pages of one run and writes through one :class:`Store`.

    Args:
        store: the writer.
        run_id: the run the pages belong to.
        recheck: the recheck ladder, counted from when an article last changed.
    """

    def __init__(
        self,
        store: Store,
        *,
        run_id: int | None,
        recheck: Sequence[timedelta] = DEFAULT_RECHECK,
    ) -> None:
        self.store = store
        self.run_id = run_id
        self.recheck = tuple(recheck)
        #: Seconds spent per stage (extract, figures, diff), for benchmarks and run stats.
        self.seconds: Counter[str] = Counter()
        #: Other articles' figures the diff read (``benchmarks/diff_scale.py`` reports them).
        self.priors_read = 0

    def ingest(
        self,
        page: Page,
        *,
        analysis: Analysis | None = None,
        checked: bool = False,
    ) -> Outcome:
        """One fetched page, end to end; extraction failures become ``fetch_errors`` rows.

        A body identical to the last one seen for this URL is not extracted again,
        and a 304 answer to a conditional request is only a recheck. ``analysis`` is
        what another process already made of the page (:func:`analyze`, or a Redis
        worker's extraction); what it lacks is done here. ``checked``: the caller already
        asked :meth:`settle_unchanged`, so the page is known to need extraction.
        """
        settled = None if checked else self.settle_unchanged(page)
        if settled is not None:
            return settled
        try:
            return self._ingest_changed(page, analysis)
        finally:
            if analysis is None:  # extracted here, not in an analysis process
                release_memory(page.body)

    def _ingest_changed(self, page: Page, analysis: Analysis | None) -> Outcome:
        body_hash = hashlib.sha256(page.body).hexdigest()
        started = time.perf_counter()
        article = analysis.article if analysis is not None else prepare(page)
        self.seconds["extract"] += time.perf_counter() - started
        if isinstance(article, ExtractionError):
            exc = article
            self.store.record_error(
                run_id=self.run_id,
                source=page.source,
                url=page.fetched_url,
                reason=exc.reason,
                status=page.status,
            )
            return Outcome("error", page.fetched_url, reason=exc.reason)
        claims = list(analysis.claims) if analysis and analysis.claims is not None else None
        identity = analysis.identity if analysis is not None else None
        relevance = analysis.relevance if analysis is not None else None
        version = analysis.pipeline_version if analysis is not None else None
        return self.ingest_article(
            page,
            article,
            body_hash=body_hash,
            claims=claims,
            identity=identity,
            relevance=relevance,
            version=version,
        )

    def settle_unchanged(self, page: Page) -> Outcome | None:
        """A 304, or a body identical to the last one seen: recorded, and no extraction needed.

        Called before any extraction (the crawl's pipeline asks first and sends only the
        other pages to the analysis process): most of a news crawl, once it runs, is pages
        that did not change, and many CDNs send neither ETag nor Last-Modified.
        Returns None when the page must be extracted.
        """
        known = self.store.article_by_fetched_url(page.fetched_url)
        if known is None:
            return None
        if page.status == 304:
            self._advance(known, changed=False, feed_entry_hash=page.feed_entry_hash)
            return Outcome("not_modified", known["url"], known["id"])
        if (
            known["status"] == "active"
            and known["body_hash"] == hashlib.sha256(page.body).hexdigest()
        ):
            self._advance(known, changed=False, feed_entry_hash=page.feed_entry_hash)
            return Outcome("unchanged", known["url"], known["id"])
        return None

    def record_failure(
        self, *, source: str, url: str, reason: str, status: int | None, detail: str | None = None
    ) -> Outcome:
        """A URL that failed; a known article answering 404 or 410 is retired."""
        self.store.record_error(
            run_id=self.run_id, source=source, url=url, reason=reason, status=status, detail=detail
        )
        known = self.store.article_by_fetched_url(url)
        if known is not None and status in RETIRING_STATUSES:
            with self.store.transaction():
                self.store.retire(known["id"], reason=reason)
            return Outcome("retired", known["url"], known["id"], reason=reason)
        return Outcome("error", url, reason=reason)

    def _advance(
        self,
        known: Mapping[str, Any],
        *,
        changed: bool,
        fetched_url: str | None = None,
        body_hash: str | None = None,
        feed_entry_hash: str | None = None,
    ) -> None:
        """Move an article on the recheck ladder: back to the start when it changed."""
        from storage.store import iso

        now = self.store.clock()
        if changed:
            stage, base = 0, now
        else:
            stage = (known.get("check_stage") or 0) + 1
            last = known.get("last_changed_at")
            base = datetime.fromisoformat(last) if last else now
        due = iso(base + self.recheck[stage]) if stage < len(self.recheck) else None
        with self.store.transaction():
            self.store.schedule_check(
                known["id"],
                stage=stage,
                next_check_at=due,
                fetched_url=fetched_url,
                body_hash=body_hash,
                feed_entry_hash=feed_entry_hash,
            )

    def ingest_article(
        self,
        page: Page,
        article: Article,
        *,
        body_hash: str | None = None,
        claims: list[dict[str, Any]] | None = None,
        identity: tuple[str, Fingerprint] | None = None,
        relevance: Relevance | None = None,
        version: str | None = None,
    ) -> Outcome:
        relevance = relevance or score_relevance(article.text, article.title)
        if page.topic and not relevance.relevant:
            article_id = self.store.record_skipped(
                source=page.source,
                url=article.url,
                fetched_url=page.fetched_url,
                title=article.title,
                lang=article.lang,
                reason=relevance.reason,
                relevance=relevance.score,
            )
            return Outcome("skipped", article.url, article_id, reason=relevance.reason)
        content_hash, fp = identity or text_identity(article.text)
        with self.store.transaction():
            previous = self.store.current_version_of(article.url)
            suspect = self._suspect(article, previous)
            result = self.store.save_version(
                run_id=self.run_id,
                source=page.source,
                url=article.url,
                fetched_url=page.fetched_url,
                http_status=page.status,
                title=article.title,
                author=article.author,
                published=article.published,
                lang=article.lang,
                text=article.text,
                content_hash=content_hash,
                raw=page.body,
                content_type=page.content_type,
                extractor_version=version or pipeline_version(),
                relevance=relevance.score,
                suspect=suspect,
                fingerprint=fp.signature,
                etag=page.etag,
                last_modified=page.last_modified,
                refetch_signal=page.refetch_signal,
            )
            changed = result.status != "unchanged"
            # A changed article goes back to the ladder's first rung: its stage is not needed.
            known = (
                {"id": result.article_id}
                if changed
                else self.store.article_by_fetched_url(article.url) or {"id": result.article_id}
            )
            self._advance(
                known,
                changed=changed,
                fetched_url=page.fetched_url,
                body_hash=body_hash,
                feed_entry_hash=page.feed_entry_hash,
            )
            if result.status in ("unchanged", "seen_before"):
                return Outcome(result.status, article.url, result.article_id, result.version_id)
            if suspect is not None:
                log.warning("suspect extraction of %s: %s", article.url, suspect)
                return Outcome(
                    "suspect", article.url, result.article_id, result.version_id, reason=suspect
                )
            root = self._link_duplicate(result.article_id, page.source, fp)
            n_claims, events = self._claims_and_events(
                article,
                page.source,
                result.article_id,
                result.version_id,
                result.previous_version_id,
                root,
                claims,
            )
        return Outcome(
            result.status, article.url, result.article_id, result.version_id, n_claims, events
        )

    def _suspect(self, article: Article, previous: Mapping[str, Any] | None) -> str | None:
        """Why this extraction should not be diffed, or None when it can be trusted."""
        chars = len(article.text)
        floor = MIN_TRUSTED_CHARS.get(article.lang, 300)
        if chars < floor:
            return f"text too short ({chars} characters, need {floor})"
        if previous is not None and previous["chars"] and chars < previous["chars"] * MAX_SHRINK:
            return f"text shrank from {previous['chars']} to {chars} characters"
        return None

    def _link_duplicate(self, article_id: int, source: str, fp: Any) -> int:
        """Link a syndicated copy to its original; returns the article's root id."""
        root = article_id
        for cand in self.store.duplicate_candidates(fp.bands, exclude_article=article_id):
            if cand["source"] == source or not cand["fingerprint"]:
                continue
            if similarity(fp.signature, cand["fingerprint"]) >= DUPLICATE_THRESHOLD:
                root = cand["duplicate_of"] or cand["id"]
                self.store.mark_duplicate(article_id, of=root)
                break
        self.store.add_bands(article_id, fp.bands)
        return root

    def _claims_and_events(
        self,
        article: Article,
        source: str,
        article_id: int,
        version_id: int,
        previous_version_id: int | None,
        root: int,
        claims: list[dict[str, Any]] | None = None,
    ) -> tuple[int, int]:
        if claims is None:  # not analysed beforehand
            started = time.perf_counter()
            claims = figures_of(article)
            self.seconds["figures"] += time.perf_counter() - started
        started = time.perf_counter()
        # Where the other sources stand, read before this version's own claims are added
        # (they become its source's latest position on each key).
        # Only comparable figures are compared across articles (a figure that is not never
        # reads ``others``), so only their keys are looked up.
        others = StoredPositions(
            self.store,
            [c["key"] for c in claims if c.get("comparable", True)],
            source=source,
            exclude_article=article_id,
            root=root,
        )
        ids = self.store.add_claims(
            version_id=version_id, article_id=article_id, source=source, claims=claims
        )
        for claim, claim_id in zip(claims, ids, strict=True):
            claim["id"] = claim_id
        previous: Sequence[Prior] = []
        revision: list[RevisionPair] | None = None
        if previous_version_id is not None:
            from pipelines.revisions import align_versions

            rows = self.store.version_claims(previous_version_id)
            by_id = {r["claim_id"]: _prior(r, root=root) for r in rows}
            previous = list(by_id.values())
            alignment = align_versions(
                self.store.version_text(previous_version_id), rows, article.text, claims
            )
            revision = [
                (p.kind, by_id[p.old["claim_id"]] if p.old is not None else None, p.new)
                for p in alignment.pairs
            ]
        fuzzy = self._fuzzy(claims, others, previous)
        events = diff_version(
            claims,
            context={
                "source": source,
                "article_id": article_id,
                "article_url": article.url,
                "version_id": version_id,
                "run_id": self.run_id,
            },
            previous=previous,
            revision=revision,
            others=others,
            fuzzy=fuzzy,
        )
        added = self.store.add_events(events)
        self.priors_read += others.read
        self.seconds["diff"] += time.perf_counter() - started
        return len(claims), added

    def _fuzzy(
        self,
        claims: Sequence[Mapping[str, Any]],
        others: StoredPositions,
        previous: Sequence[Prior],
    ) -> dict[str, tuple[str, str]]:
        """Same subject and unit, metric worded alike: a conservative match (the known key
        the diff compares with instead), with its reason."""
        known = {p.key for p in previous}
        out: dict[str, tuple[str, str]] = {}
        for claim in claims:
            key = claim["key"]
            if key in known or key in out or claim.get("period"):
                continue
            if not claim.get("comparable", True):
                continue
            if not claim.get("subject") or not claim.get("metric"):
                continue
            if key in others:  # a store look-up: last
                continue
            words = metric_words(claim["metric"])
            if not words:  # no content word: every metric would score 0
                continue
            # A match shares a word: SQLite keeps only metrics containing one. Its lower()
            # folds ASCII letters only, so other words are not given to it as a filter.
            mentioning = sorted(words) if all(w.isascii() for w in words) else ()
            scored = [
                (metric_similarity(row["metric"] or "", claim["metric"]), row["key"], row["metric"])
                for row in self.store.keys_about(
                    subject=claim["subject"], unit=claim["unit"], mentioning=mentioning
                )
                if row["key"] != key and row["key"].count("|") == 2  # no dated figures
            ]
            scored = [s for s in scored if s[0] >= FUZZY_METRIC]
            if not scored:
                continue
            score, best_key, metric = max(scored)
            if best_key in others:
                out[key] = (
                    best_key,
                    f"fuzzy: metric {claim['metric']!r} ~ {metric!r} ({score:.2f})",
                )
        return out


@dataclass(slots=True)
class ReprocessReport:
    """What ``reprocess`` did: versions seen, re-extracted texts, figures before and after."""

    versions: int = 0
    text_changed: int = 0
    claims_before: int = 0
    claims_after: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)


def reprocess(store: Store, *, since: str | None = None) -> ReprocessReport:
    """Re-run extraction and figures over stored raw pages: a new baseline, not changes.

    After the extractors improve, every version's text, hash, fingerprint and figures are
    recomputed from its stored raw page (no network). No events are logged for what the
    better extractor finds: the improvement is not news. Each version records the
    ``PIPELINE_VERSION`` that produced it. Re-hashing matters: otherwise the next crawl of
    an unchanged page would look like a new version, because its text is now extracted
    differently. One version is one transaction.
    """
    report = ReprocessReport()
    for row in store.versions_to_reprocess(since=since):
        report.versions += 1
        page = Page(
            source=row["source"],
            url=row["url"],
            fetched_url=row["fetched_url"],
            status=row["http_status"] or 200,
            body=zlib.decompress(row["raw"]),
            content_type=row["content_type"],
        )
        try:
            article = article_from_page(page)
        except ExtractionError as exc:
            report.failed.append((row["id"], str(exc)))
            continue
        content_hash, fp = text_identity(article.text)
        with store.transaction():
            if store.hash_taken(row["article_id"], content_hash, other_than=row["id"]):
                content_hash = row["content_hash"]  # two old versions now read alike: keep both
            if content_hash != row["content_hash"]:
                report.text_changed += 1
            store.update_version_text(
                row["id"],
                title=article.title,
                author=article.author,
                lang=article.lang,
                text=article.text,
                chars=len(article.text),
                content_hash=content_hash,
                fingerprint=fp.signature,
                extractor_version=pipeline_version(),
            )
            report.claims_before += store.count_claims_of_version(row["id"])
            store.delete_claims_of_version(row["id"])
            if row["suspect"] is None:
                claims = figures_of(article)
                store.add_claims(
                    version_id=row["id"],
                    article_id=row["article_id"],
                    source=row["source"],
                    claims=claims,
                    reported_at=row["fetched_at"],
                )
                report.claims_after += len(claims)
    return report
