"""Real sentences from public pages, scored against labels kept in ``real_sentences.jsonl``.

The project holds only text it wrote, so the sentences stay in the corpus folder (the pages of
mozilla/readability's tests, cx-extractor-python's RawHtml and the Chinese Web Content
Extraction Dataset, laid out as ``<folder>/en``, ``<folder>/zh``, ``<folder>/zh2``; English
news from codelucas/newspaper's ``tests/data/html`` as ``<folder>/en2`` (development) and from
goose3's ``tests/data/content`` as ``<folder>/en3`` (holdout)). Each page
goes through the product's own extraction (:func:`pipelines.ingest.article_from_page`) and
sentence split, so a sentence is what the figure finder sees; a label names its sentence by
page and a hash of the sentence text, never by the text itself.

A label line: ``{"page": "en/ars-1.html", "sentence": "<sha1[:12]>", "lang": "en",
"split": "dev" | "holdout", "claims": [{"value": 5.0, "unit": "GB", "approx": "exact"}]}``.
An empty ``claims`` list is a sentence whose numbers are not figures (a trap).

What counts as a figure (the labelling guide, DESIGN.md's terms): a number that says how many,
how much or how big — counts, money, shares, ranks, multiples, durations and physical
quantities — including spelled-out numbers from two up and "one" with a magnitude or unit.
Not figures: dates, years, clock times, ages, identifiers and names (model, section, page,
episode and index numbers), list markers, scores, "one" meaning "a".
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from pipelines.extract import ExtractionError
from pipelines.figures import Claim, extract_claims
from pipelines.figures.script import fold_width
from pipelines.figures.sentences import split_sentences
from pipelines.ingest import article_from_page
from pipelines.model import Page
from tests.gold.scoring import Counts

__all__ = [
    "LABELS",
    "RealScore",
    "load_labels",
    "page_sentences",
    "score_real",
    "sentence_id",
]

LABELS = Path(__file__).with_name("real_sentences.jsonl")


def sentence_id(sentence: str) -> str:
    """The label's handle on a sentence: the first 12 hex digits of its SHA-1."""
    return hashlib.sha1(sentence.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True, slots=True)
class PageSentences:
    """One page's extracted text, its sentences (by id) and the claims found in each."""

    lang: str
    sentences: dict[str, str]
    claims: dict[str, list[Claim]]


@cache
def page_sentences(folder: Path, page: str) -> PageSentences | None:
    """The sentences and claims of ``folder/page`` as the product sees them (None: no text)."""
    path = folder / page
    url = f"https://corpus.invalid/{page}"
    fetched = Page(source="corpus", url=url, fetched_url=url, status=200, body=path.read_bytes())
    try:
        article = article_from_page(fetched)
    except ExtractionError:
        return None
    text = article.text
    published = _date(article.published)
    claims = extract_claims(text, lang=article.lang, published=published)
    folded = fold_width(text)
    sentences: dict[str, str] = {}
    by_sentence: dict[str, list[Claim]] = {}
    spans = split_sentences(folded)
    for span in spans:
        sentence = text[span.start : span.end]
        key = sentence_id(sentence)
        sentences.setdefault(key, sentence)
        by_sentence.setdefault(key, []).extend(
            c for c in claims if span.start <= c.start < span.end
        )
    return PageSentences(article.lang, sentences, by_sentence)


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def load_labels(path: Path = LABELS) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


@dataclass
class RealScore(Counts):
    """Counts on value+unit, value alone, and approximator accuracy of matched figures."""

    value_tp: int = 0
    value_fp: int = 0
    approx_ok: int = 0
    missing: int = 0  # labelled sentences the corpus no longer yields
    misses: list[str] = field(default_factory=list)

    @staticmethod
    def _f1(p: float, r: float) -> float:
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def value_f1(self) -> float:
        gold = self.tp + self.fn
        p = self.value_tp / (self.value_tp + self.value_fp) if self.value_tp + self.value_fp else 1
        r = self.value_tp / gold if gold else 1.0
        return self._f1(p, r)

    def line(self, name: str) -> str:
        approx = self.approx_ok / self.tp if self.tp else 1.0
        return (
            f"{name:<10}{self.tp + self.fn:>5}{self.precision:>7.2f}{self.recall:>7.2f}"
            f"{self.f1:>7.2f}{self.value_f1:>7.2f}{approx:>8.2f}"
            + (f"   ({self.missing} sentences not found)" if self.missing else "")
        )


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-4, abs_tol=1e-6)


def _score_sentence(score: RealScore, where: str, gold: list[dict], got: list[Claim]) -> None:
    unmatched = list(got)
    for want in gold:
        match = next(
            (c for c in unmatched if _same(c.value, want["value"]) and c.unit == want["unit"]),
            None,
        )
        if match is None:
            loose = next((c for c in unmatched if _same(c.value, want["value"])), None)
            score.fn += 1
            if loose is not None:
                score.value_tp += 1
                unmatched.remove(loose)
                score.misses.append(f"{where} unit {loose.unit} (want {want['unit']})")
            else:
                score.misses.append(f"{where} missed {want['value']:g} {want['unit']}")
            continue
        unmatched.remove(match)
        score.tp += 1
        score.value_tp += 1
        if match.approx == want["approx"]:
            score.approx_ok += 1
        else:
            score.misses.append(
                f"{where} {want['value']:g} {want['unit']}: approx {match.approx} "
                f"(want {want['approx']})"
            )
    score.fp += len(unmatched)
    score.value_fp += len(unmatched)
    for claim in unmatched:
        score.misses.append(f"{where} extra {claim.value:g} {claim.unit}")


def score_real(
    folder: Path, labels: Iterable[dict[str, Any]], *, split: str
) -> dict[str, RealScore]:
    """Scores of the ``split`` lines by language, plus ``"all"``."""
    scores: dict[str, RealScore] = {"en": RealScore(), "zh": RealScore(), "all": RealScore()}
    for line in labels:
        if line["split"] != split:
            continue
        found = page_sentences(folder.resolve(), line["page"])
        buckets = (scores[line["lang"]], scores["all"])
        if found is None or line["sentence"] not in found.sentences:
            for bucket in buckets:
                bucket.missing += 1
            continue
        where = f"{line['page']}#{line['sentence']}"
        for bucket in buckets:
            _score_sentence(bucket, where, line["claims"], found.claims[line["sentence"]])
    return scores


def table(scores: dict[str, RealScore]) -> Iterator[str]:
    yield f"{'lang':<10}{'gold':>5}{'P':>7}{'R':>7}{'F1':>7}{'valF1':>7}{'approx':>8}"
    for name in ("en", "zh", "all"):
        yield scores[name].line(name)
