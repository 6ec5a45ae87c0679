"""Is an article about Shanghai / Yangtze River Delta technology?

A transparent score rather than a classifier: mentions of in-scope places
from the bilingual gazetteer, and of tech terms from ``seeds/relevance.toml``.
The reason is kept, so a skipped article can be explained to the user.
"""

from __future__ import annotations

from dataclasses import dataclass

from seeds.config import RelevanceTerms, load_relevance_terms
from seeds.lexicon import Gazetteer, load_gazetteer

__all__ = ["Relevance", "score_relevance"]


@dataclass(frozen=True, slots=True)
class Relevance:
    relevant: bool
    score: float
    places: int  # mentions of in-scope places
    tech: int  # mentions of tech terms
    reason: str  # why it is (not) on topic, in words


def score_relevance(
    text: str,
    title: str | None = None,
    *,
    gazetteer: Gazetteer | None = None,
    terms: RelevanceTerms | None = None,
) -> Relevance:
    """Score one article; the title counts like the text."""
    gazetteer = gazetteer or load_gazetteer()
    terms = terms or load_relevance_terms()
    whole = f"{title}\n{text}" if title else text
    places = sum(1 for _, _, entity in gazetteer.find(whole) if entity.scope)
    tech = sum(1 for _ in terms.tech.finditer(whole))
    relevant = places >= terms.min_places and tech >= terms.min_tech
    # Per thousand characters, so long and short articles compare.
    score = round(1000 * (places + tech) / max(len(whole), 1), 2)
    if relevant:
        reason = f"{places} in-scope place mentions, {tech} tech terms"
    elif places < terms.min_places:
        reason = f"no Shanghai/YRD place named ({places} mentions, need {terms.min_places})"
    else:
        reason = f"too little about technology ({tech} tech terms, need {terms.min_tech})"
    return Relevance(relevant, score, places, tech, reason)
