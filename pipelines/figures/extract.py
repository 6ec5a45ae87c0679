"""Text in, claims out: sentences, figures, traps, subjects, periods and keys put together.

The work per text is one gazetteer scan, one sentence split and, per sentence, one figure scan
in its language; everything else looks at a few characters around each figure. Long runs
without sentence punctuation are cut into windows so that no step grows with the square of a
sentence's length.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from seeds.lexicon import Entity, Gazetteer, MetricLexicon, load_gazetteer, load_metrics

from .chinese import find_chinese
from .comparable import SubjectOrigin, judge
from .english import STARTER_STEMS, find_english
from .metrics import is_money, normalize_metric
from .model import Claim, Mention
from .periods import assign_periods, find_periods
from .script import detect_lang, fold_width
from .sentences import Sentence, split_sentences
from .subjects import (
    Candidate,
    anaphors,
    choose_subject,
    lead_subject,
    main_subject,
    starts_with_pronoun,
)
from .traps import protected_spans

__all__ = ["claim_key", "extract_claims"]

log = logging.getLogger(__name__)

#: Longest stretch handed to the finders at once; longer sentences are cut at spaces.
MAX_WINDOW: Final = 1200
#: How many earlier entities or figures a reference may reach back to.
LOOK_BACK: Final = 200
#: Figures whose value is this large are digit runs (IDs), not quantities.
MAX_VALUE: Final = 1e16

_FALLBACK_METRIC: Final = {"%": "share", "rank": "rank", "x": "growth", "count": "count"}


def claim_key(subject: str | None, metric: str, unit: str, period: str | None) -> str:
    """``subject|metric|unit[|period]``, lower-cased: what the diff compares by."""
    parts = [(subject or "").lower(), normalize_metric(metric), unit.lower()]
    if period:
        parts.append(period.lower())
    return "|".join(p.replace("|", "/") for p in parts)


@dataclass(slots=True)
class _Context:
    """Per-text state: the lexicons, entity mentions and the subject carried between sentences."""

    text: str
    original: str
    gazetteer: Gazetteer
    lexicon: MetricLexicon
    entities: list[tuple[int, int, Entity]]
    starts: list[int]
    main: Entity | None
    published: dt.date | None
    lang_hint: str | None
    last_subject: Entity | None = None
    #: A sentence without figures whose lead name has not been worked out yet.
    pending: tuple[int, int, str] | None = None


def _windows(sentence: Sentence, text: str) -> list[tuple[int, int]]:
    """``sentence`` as (start, end) windows of at most MAX_WINDOW characters."""
    start, end = sentence.start, sentence.end
    if end - start <= MAX_WINDOW:
        return [(start, end)]
    out = []
    while start < end:
        stop = min(end, start + MAX_WINDOW)
        if stop < end:
            cut = text.rfind(" ", start + MAX_WINDOW // 2, stop)
            if cut > start:
                stop = cut
        out.append((start, stop))
        start = stop
    return out


def _overlaps(span: tuple[int, int], spans: Sequence[tuple[int, int]]) -> bool:
    return any(s < span[1] and e > span[0] for s, e in spans)


def _resolve_main(
    main_name: str | None, gazetteer: Gazetteer, text: str, found: list
) -> Entity | None:
    if main_name:
        entity = gazetteer.get(main_name)
        if entity is not None:
            return entity
        return Entity(main_name, "city", (), True)
    return main_subject(text, found)


def _fallback_metric(unit: str) -> str:
    if unit in _FALLBACK_METRIC:
        return _FALLBACK_METRIC[unit]
    if is_money(unit):
        return "amount"
    return unit


def _inherit_source(done: Sequence[Mention], upto: int, mention: Mention) -> int | None:
    """Which earlier figure of the sentence an elided metric comes from.

    "surpassing Shenzhen's 38" and "against 22% for Shenzhen" repeat the previous figure of
    the same unit; a rank ("placing the city 2nd") ranks the figure before it.
    """
    for index in range(upto - 1, max(-1, upto - 1 - LOOK_BACK), -1):
        other = done[index]
        if mention.unit == "rank":
            if other.unit != "rank":
                return index
        elif other.unit == mention.unit or (is_money(other.unit) and is_money(mention.unit)):
            return index
    return None


def _sentence_claims(ctx: _Context, sentence: Sentence) -> list[Claim]:
    text = ctx.text
    raw = text[sentence.start : sentence.end]
    lang = detect_lang(raw[:MAX_WINDOW], ctx.lang_hint)
    windows = _windows(sentence, text)
    # The context shown with a claim is the caller's sentence, or the window of an endless one.
    shown = ctx.original[sentence.start : sentence.end] if len(windows) == 1 else None
    claims: list[Claim] = []
    for lo, hi in windows:
        chunk = text[lo:hi]
        if not _may_hold_figures(chunk, lang):
            # Most sentences hold no number; what they name matters only if the next one
            # starts with "It", so that is worked out later, and only then.
            ctx.pending = (lo, hi, lang)
            continue
        context = shown if shown is not None else ctx.original[lo:hi]
        local, candidates = _candidates(ctx, chunk, lo, hi, lang)
        refers_back = starts_with_pronoun(chunk) or _continues_list(text, lo)
        carry = _carried(ctx) if refers_back else None
        found = _window_claims(ctx, chunk, context, lo, lang, local, candidates, carry)
        for claim, subject in found:
            claims.append(claim)
            if subject is not None:
                ctx.last_subject, ctx.pending = subject, None
        if not found:
            ctx.pending = (lo, hi, lang)
    return claims


_DIGIT: Final = re.compile(r"\d")
#: A list item: a line opening with a bullet or an item number.
_LIST_ITEM: Final = re.compile(r"^\s*(?:[-*•·▪●◦]|\d{1,2}[.)、])\s")
#: How many earlier items of one list may stand between an item and the line introducing it.
MAX_LIST_ITEMS: Final = 30


def _continues_list(text: str, start: int) -> bool:
    """Is the sentence at ``start`` an item of a list that a line ending in ":" introduced?

    "The city now hosts:" followed by "- 43 unicorn startups" names the owner of every item
    once, before the list; the items refer back to it as "It" would.
    """
    line_start = text.rfind("\n", 0, start) + 1
    if not _LIST_ITEM.match(text[line_start : start + 4]):
        return False
    for _ in range(MAX_LIST_ITEMS):
        if line_start == 0:
            return False
        prev_start = text.rfind("\n", 0, line_start - 1) + 1
        line = text[prev_start : line_start - 1].strip()
        if line.endswith((":", "：")):
            return True
        if line and not _LIST_ITEM.match(line + " "):
            return False
        line_start = prev_start
    return False


_ZH_NUMERAL: Final = re.compile("[零〇一二两三四五六七八九十百千万亿半番成]")


def _may_hold_figures(chunk: str, lang: str) -> bool:
    """A cheap test that lets most sentences skip the figure scan altogether."""
    if _DIGIT.search(chunk):
        return True
    if lang == "zh":
        return _ZH_NUMERAL.search(chunk) is not None
    lower = chunk.lower()
    return any(stem in lower for stem in STARTER_STEMS)


def _candidates(
    ctx: _Context, chunk: str, lo: int, hi: int, lang: str
) -> tuple[list[tuple[int, int, Entity]], list[Candidate]]:
    """Entities in the window (window offsets), and the subject candidates incl. "the city"."""
    first = bisect_left(ctx.starts, lo)
    last = bisect_left(ctx.starts, hi)
    local = [(s - lo, e - lo, ent) for s, e, ent in ctx.entities[first:last] if e <= hi]
    previous_entities = ctx.entities[max(0, first - LOOK_BACK) : first]
    candidates = [Candidate(s, e, ent) for s, e, ent in local]
    candidates += anaphors(chunk, lang, previous_entities, ctx.main, lo)
    candidates.sort(key=lambda c: c.start)
    return local, candidates


def _carried(ctx: _Context) -> Entity | None:
    """What "It"/"Its" refers to: the last figure's subject, or the last sentence's lead name."""
    if ctx.pending is not None:
        lo, hi, lang = ctx.pending
        ctx.pending = None
        chunk = ctx.text[lo:hi]
        lead = lead_subject(chunk, lang, _candidates(ctx, chunk, lo, hi, lang)[1])
        if lead is not None:
            ctx.last_subject = lead
    return ctx.last_subject


def _window_claims(
    ctx: _Context,
    chunk: str,
    context: str,
    lo: int,
    lang: str,
    local: Sequence[tuple[int, int, Entity]],
    candidates: Sequence[Candidate],
    carry: Entity | None,
) -> list[tuple[Claim, Entity | None]]:
    finder = find_chinese if lang == "zh" else find_english
    mentions = finder(chunk, ctx.lexicon)
    if not mentions:
        return []
    traps = protected_spans(chunk)
    named = [(s, e) for s, e, _ent in local if any(ch.isdigit() for ch in chunk[s:e])]
    kept = [
        m
        for m in mentions
        if m.end > m.start
        and 0 <= abs(m.value) < MAX_VALUE
        and not _overlaps((m.start, m.end), traps)
        and not _overlaps((m.start, m.end), named)
    ]
    if not kept:
        return []
    marks = find_periods(chunk, lang, ctx.published)
    periods = assign_periods(chunk, [(m.start, m.end) for m in kept], marks, lang)
    metrics: list[str] = []
    out: list[tuple[Claim, Entity | None]] = []
    for index, mention in enumerate(kept):
        period = periods[index]
        metric = mention.metric
        if mention.inherit or not metric:
            source = _inherit_source(kept, index, mention)
            if source is not None:
                metric = metrics[source]
                if period is None and mention.unit != "rank":
                    period = periods[source]
        metric = normalize_metric(metric or _fallback_metric(mention.unit))
        metrics.append(metric)
        periods[index] = period
        if mention.role == "from" and period is None:
            period = "before"  # "from 80% to 37%": the earlier value is not the current one
        if lang == "zh" and mention.metric_span is not None:
            metric = _strip_place(metric, chunk, mention, local)
            metrics[index] = metric
        others = [m.metric_span for m in kept if m is not mention and m.metric_span]
        subject, origin = _subject(ctx, chunk, lo, lang, mention, metric, candidates, carry, others)
        name = subject.name if subject is not None else None
        if subject is not None:
            metric = _drop_owner(metric, subject)
            metrics[index] = metric
        verdict = judge(
            subject_origin=origin, metric=metric, unit=mention.unit, lexicon=ctx.lexicon
        )
        claim = Claim(
            value=_clean_value(mention.value),
            unit=mention.unit,
            approx=mention.approx,
            subject=name,
            metric=metric,
            period=period,
            key=claim_key(name, metric, mention.unit, period),
            sentence=context,
            start=lo + mention.start,
            end=lo + mention.end,
            lang=lang,
            comparable=verdict.comparable,
            reason=verdict.reason,
        )
        out.append((claim, subject))
    return out


def _subject(
    ctx: _Context,
    chunk: str,
    lo: int,
    lang: str,
    mention: Mention,
    metric: str,
    candidates: Sequence[Candidate],
    carry: Entity | None,
    others: Sequence[tuple[int, int]],
) -> tuple[Entity | None, SubjectOrigin]:
    """The figure's subject, and whether it was named with the figure or is a default."""
    if mention.subject_hint:
        hinted = ctx.gazetteer.get(mention.subject_hint)
        if hinted is not None:
            return hinted, "hint"
    info = ctx.lexicon.lookup(metric)
    kinds = info.subject_kinds if info is not None else ()
    subject = choose_subject(
        chunk,
        lang,
        (mention.start, mention.end),
        candidates,
        possessor_end=mention.possessor_end,
        excluded=mention.metric_span,
        others=others,
        kinds=kinds,
        weak=carry is None,
    )
    if subject is not None:
        return subject, "named"
    if kinds:
        nearby = _nearby_of_kind(ctx, lo, lo + len(chunk), kinds)
        if nearby is not None:
            return nearby, "default"  # named elsewhere in the text, not with the figure
    if carry is not None:
        return carry, "reference"
    return ctx.main, "default" if ctx.main is not None else "none"


def _strip_place(
    metric: str, chunk: str, mention: Mention, local: Sequence[tuple[int, int, Entity]]
) -> str:
    """ "金华跨境电商卖家" -> "跨境电商卖家": a place opening a Chinese metric is its subject.

    The span is shortened too, so that the place is seen as a subject candidate.
    """
    span = mention.metric_span
    assert span is not None
    for start, end, _entity in local:
        name = chunk[start:end]
        if start == span[0] and metric.startswith(name) and len(metric) > len(name):
            mention.metric_span = (end, span[1])
            return metric[len(name) :]
    return metric


def _drop_owner(metric: str, subject: Entity) -> str:
    """ "share of ssrf's users" about SSRF is "share of users": the owner is the subject."""
    if "'s " not in metric:
        return metric
    for name in (subject.name, *subject.aliases):
        owned = f"{name.lower()}'s "
        if owned in metric:
            return metric.replace(owned, "", 1)
    return metric


def _nearby_of_kind(ctx: _Context, lo: int, hi: int, kinds: tuple[str, ...]) -> Entity | None:
    """A company for a process node named in the figure's paragraph, else the title and lead.

    Beyond those, the nearest company is as likely a competitor as the figure's owner.
    """
    text = ctx.text
    para_hi = text.find("\n", hi)
    title_hi = text.find("\n")
    lead_hi = text.find("\n", title_hi + 1) if title_hi != -1 else -1
    windows = (
        (text.rfind("\n", 0, lo) + 1, len(text) if para_hi == -1 else para_hi),
        (0, len(text) if lead_hi == -1 else lead_hi),
    )
    for window_lo, window_hi in windows:
        best: tuple[int, Entity] | None = None
        first = bisect_left(ctx.starts, window_lo)
        last = bisect_left(ctx.starts, window_hi)
        for start, end, entity in ctx.entities[first:last]:
            if entity.kind not in kinds or end > window_hi:
                continue
            distance = lo - end if end <= lo else start - hi
            if best is None or abs(distance) < best[0]:
                best = (abs(distance), entity)
        if best is not None:
            return best[1]
    return None


def _clean_value(value: float) -> float:
    """Round away float noise (1.2 * 1e4 = 12000.000000000002) without losing precision."""
    return float(f"{value:.10g}")


def extract_claims(
    text: str,
    *,
    lang: str | None = None,
    published: dt.date | None = None,
    main_subject: str | None = None,
) -> list[Claim]:
    """Every quantitative claim in ``text``, in text order.

    Args:
        text: the article's main text (title on the first line helps the main subject).
        lang: ``"en"`` or ``"zh"``, a hint; each sentence's script decides in the end.
        published: the article's date, to resolve "last year" / "去年".
        main_subject: the entity to fall back on when a sentence names none.

    Pure and deterministic. A sentence that trips an unexpected error is skipped and logged,
    so one odd page never stops a crawl.
    """
    if not isinstance(text, str) or not text:
        return []
    gazetteer = load_gazetteer()
    lexicon = load_metrics()
    folded = fold_width(text)
    entities = gazetteer.find(folded)
    ctx = _Context(
        text=folded,
        original=text,
        gazetteer=gazetteer,
        lexicon=lexicon,
        entities=entities,
        starts=[start for start, _end, _entity in entities],
        main=_resolve_main(main_subject, gazetteer, folded, entities),
        published=published,
        lang_hint=lang if lang in ("en", "zh") else None,
    )
    claims: list[Claim] = []
    for sentence in split_sentences(folded):
        try:
            claims.extend(_sentence_claims(ctx, sentence))
        except Exception:  # a crawler must survive one odd sentence; the log says which
            log.exception("figure extraction failed on a sentence at %d", sentence.start)
    return claims
