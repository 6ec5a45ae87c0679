"""Whose figure is it? The subject of each figure, from the gazetteer and the sentence's shape.

News sentences name their subject first ("*SMIC*, the country's largest contract chipmaker,
has developed 5nm chips at its *Pudong* facilities"), put places of activity behind
prepositions ("... in *Zhangjiang*"), attach a figure to a name right before it ("*Hangzhou*
13th", "*Shenzhen*'s 38") and refer back with "the city" / "全市". The rules below follow that
order and fall back to the article's main subject, so the same fact gets the same subject in
every source.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from seeds.lexicon import Entity

__all__ = [
    "Candidate",
    "anaphors",
    "choose_subject",
    "lead_subject",
    "main_subject",
    "starts_with_pronoun",
]

_PREP_EN: Final = re.compile(
    r"\b(?:in|at|from|of|across|with|by|for|to|within|near|around|than|behind|ahead\s+of|"
    r"including|like|versus|vs\.?|against|between|among|outside|inside|beyond|into|over|under|"
    r"on|via|through|throughout|surpassing|overtaking|unlike|besides|toward|towards|as)"
    r"\s+(?:the\s+|a\s+|an\s+|its\s+)?$"
    r"|(?:^|\s)(?:a|an)\s+$",
    re.IGNORECASE,
)
_CONJUNCT: Final = re.compile(r"\s*(?:,|，|、|and|or|plus|&|和|与|及)?\s*(?:and\s+)?")
_PREP_ZH: Final = re.compile(r"(?:在|从|对|与|和|向|比|较|同|跟|给|于|到|、|及|以及|至)$")
_LOCATIVE_AFTER: Final = re.compile(
    r"\b(?:in|to|at|across|throughout|for)\s+(?:the\s+|a\s+|an\s+)?$", re.IGNORECASE
)
_OWNER_AFTER: Final = re.compile(r"\bof\s+(?:the\s+)?$", re.IGNORECASE)

_ANAPHOR_EN: Final = re.compile(
    r"\b(?:the|this|that)\s+(?P<city>city|municipality|metropolis)\b"
    r"|\b(?:the|this)\s+(?P<company>company|firm|chipmaker|group|foundry|carmaker|automaker)\b"
    r"|\b(?:the|this)\s+(?P<province>province)\b"
    r"|\b(?:the|this)\s+(?P<region>region|delta)\b"
    r"|\b(?:the|this)\s+(?P<institution>facility|laboratory|lab|institute|university|centre|center)\b"
    r"|\b(?:the|this)\s+(?P<park>park|zone|corridor|district|cluster|area|network)\b",
    re.IGNORECASE,
)
_ANAPHOR_ZH: Final = re.compile(
    r"(?P<city>全市|本市|该市|我市|全城)|(?P<province>全省|本省|该省)|(?P<company>该公司|该企业)"
    r"|(?P<district>全区|该区|本区)|(?P<region>区域内|全区域)"
    r"|(?P<cities>[两三四五六七八九十]城|走廊)"
)
_KIND_OF_ANAPHOR: Final = {
    "city": ("city",),
    "company": ("company",),
    "province": ("province",),
    "region": ("region",),
    "institution": ("institution",),
    "park": ("park", "district"),
    "district": ("district", "park"),
    "cities": ("park", "region"),
}
_PRONOUN_START: Final = re.compile(
    r"^\W*(?:It|Its|They|Their|These|This|Those|He|She|该|其|这些|它)\b"
)


@dataclass(frozen=True, slots=True)
class Candidate:
    """An entity named (or referred back to) at ``start:end`` of the sentence."""

    start: int
    end: int
    entity: Entity
    anaphor: bool = False


def main_subject(text: str, found: Sequence[tuple[int, int, Entity]]) -> Entity | None:
    """The entity an article is mostly about: scoped entities of the title and lead weigh more.

    Used when a sentence names no one ("The count has roughly doubled").
    """
    if not found:
        return None
    first_break = text.find("\n")
    lead_end = text.find("\n", first_break + 1) if first_break != -1 else len(text)
    weights: Counter[str] = Counter()
    by_name: dict[str, Entity] = {}
    for start, _end, entity in found:
        weight = 3 if first_break == -1 or start < first_break else 2 if start < lead_end else 1
        if entity.scope:
            weight *= 2
        if entity.kind == "country":
            weight = 1
        weights[entity.name] += weight
        by_name.setdefault(entity.name, entity)
    name = max(weights, key=lambda n: (weights[n], -_first_index(found, n)))
    return by_name[name]


def _first_index(found: Sequence[tuple[int, int, Entity]], name: str) -> int:
    return next(i for i, (_s, _e, entity) in enumerate(found) if entity.name == name)


#: How far back (in characters) "the city" looks for a city named just before.
RECENT: Final = 300


def anaphors(
    sentence: str,
    lang: str,
    previous: Sequence[tuple[int, int, Entity]],
    fallback: Entity | None,
    offset: int = 0,
) -> list[Candidate]:
    """Phrases like "the city" / "全市", resolved to an entity of a fitting kind.

    ``previous``: entities before the sentence, in text order, with absolute offsets;
    ``offset``: where the sentence starts. A city, province or region is the one named in
    the last few lines if it is in scope ("Shanghai remains ... The city counts 43"), else the
    article's main subject; a company or facility is the last one named.
    """
    pattern = _ANAPHOR_ZH if lang == "zh" else _ANAPHOR_EN
    out: list[Candidate] = []
    for match in pattern.finditer(sentence):
        kind = match.lastgroup or ""
        kinds = _KIND_OF_ANAPHOR.get(kind, ())
        # "the city" means the article's city, not the last foreign one it was compared with.
        # A facility or company is the one named last.
        entity = None
        fits = fallback is not None and fallback.kind in kinds
        if kind in ("city", "province", "region"):
            recent = [
                e
                for _s, end, e in previous
                if end >= offset - RECENT and e.kind in kinds and e.scope
            ]
            entity = recent[-1] if recent else (fallback if fits else None)
        if entity is None:
            fitting = [e for _s, _e, e in reversed(previous) if e.kind in kinds]
            entity = next((e for e in fitting if e.scope), fitting[0] if fitting else None)
        if entity is None and fits:
            entity = fallback
        if entity is None and fallback is not None and kind == "city" and lang == "zh":
            entity = fallback
        if entity is not None:
            out.append(Candidate(match.start(), match.end(), entity, anaphor=True))
    return out


def _prepositional(sentence: str, start: int, lang: str) -> bool:
    before = sentence[max(0, start - 16) : start]
    if lang == "zh":
        return bool(_PREP_ZH.search(before))
    return bool(_PREP_EN.search(before))


def _clause_start(sentence: str, pos: int, lang: str) -> int:
    marks = "，,；;：:" if lang == "zh" else ",;:—"
    return max(sentence.rfind(c, 0, pos) for c in marks) + 1


def choose_subject(
    sentence: str,
    lang: str,
    span: tuple[int, int],
    candidates: Sequence[Candidate],
    *,
    possessor_end: int | None = None,
    excluded: tuple[int, int] | None = None,
    others: Sequence[tuple[int, int]] = (),
    kinds: tuple[str, ...] = (),
    weak: bool = True,
) -> Entity | None:
    """The subject of the figure at ``span`` among ``candidates`` (all in sentence offsets).

    Order of preference: a name right before the figure or owning it ("Hangzhou 13th",
    "Shenzhen's 38"); the nearest non-prepositional name in the figure's clause; the first
    non-prepositional name of the sentence before it; a place the figure is "in"/"to"; the
    nearest name behind a preposition. ``excluded`` is the metric's span ("42% of *China's*
    chips"); ``kinds`` restricts the entity kinds (a process node belongs to a company);
    ``weak`` False skips the prepositional fallbacks, for sentences that open with "It"/"Its"
    and so have their subject already ("Its newest plant in Lingang turns out ...").
    """
    start, end = span
    owner = _owner(sentence, candidates, excluded)
    usable = [
        c
        for c in candidates
        if not (excluded and c.start < excluded[1] and c.end > excluded[0])
        and not any(c.start < e and c.end > s for s, e in others)
        and not (c.start < end and c.end > start)
        and not _closed_aside(sentence, c.end, start)
        and (not kinds or c.entity.kind in kinds)
    ]
    if excluded is not None and lang == "zh":
        # A company or institution named right before the metric words modifies them
        # ("科创板上市企业": STAR Market listed companies), it does not own the figure.
        usable = [
            c
            for c in usable
            if not (c.entity.kind in ("institution", "company") and c.end == excluded[0])
        ]
    if not usable:
        return None
    before = [c for c in usable if c.end <= start]
    if before:
        last = before[-1]
        gap = sentence[last.end : start]
        if possessor_end is not None and last.end <= possessor_end <= last.end + 2:
            return last.entity
        if lang != "zh" and (re.fullmatch(r"(?:'s|’s)?\s{0,2}", gap) or _RANKED.fullmatch(gap)):
            return last.entity  # "with Hangzhou 13th", "with Shanghai-Suzhou placing 6th"
    clause = _clause_start(sentence, start, lang)
    flags = _prepositional_flags(sentence, before, lang)
    subjects = [c for c, prep in zip(before, flags, strict=True) if not prep]
    in_clause = [c for c in subjects if c.start >= clause]
    # The clause's grammatical subject comes first, but "Shanghai's SMIC" names its owner
    # before the company itself.
    while len(in_clause) > 1 and _modifies_next(sentence, in_clause[0], in_clause[1]):
        in_clause.pop(0)
    if in_clause:
        return in_clause[0].entity
    if owner is not None and not subjects and (not kinds or owner.entity.kind in kinds):
        return owner.entity  # "nearly half of the SSRF's users"
    after = [c for c in usable if c.start >= end]
    hi = min(
        [i for i in (sentence.find(ch, end) for ch in ",;，；。") if i != -1] or [len(sentence)]
    )
    for cand in after:
        if cand.start > hi:
            break
        lead = sentence[max(0, cand.start - 12) : cand.start]
        tail = sentence[cand.end : cand.end + 2]
        if _OWNER_AFTER.search(lead) and tail in ("'s", "’s"):
            return cand.entity  # "nearly half of the facility's users"
        if weak and lang != "zh" and not cand.anaphor and _LOCATIVE_AFTER.search(lead):
            return cand.entity
    if subjects:
        return subjects[0].entity
    if before and weak:
        owners = [c for c in before if re.search(r"\bof\s+(?:the\s+)?$", sentence[: c.start])]
        return (owners or before)[0].entity
    return None


def _prepositional_flags(sentence: str, cands: Sequence[Candidate], lang: str) -> list[bool]:
    """Whether each candidate stands behind a preposition; "in Hefei and Shanghai" puts both
    behind it, "..., and Alibaba alone operates" does not."""
    flags: list[bool] = []
    for index, cand in enumerate(cands):
        previous = cands[index - 1] if index else None
        if previous is not None and _CONJUNCT.fullmatch(sentence[previous.end : cand.start]):
            flags.append(flags[-1])
        else:
            flags.append(_prepositional(sentence, cand.start, lang))
    return flags


_PLACES: Final = frozenset({"city", "province", "region", "district", "country", "park"})


def _modifies_next(sentence: str, first: Candidate, second: Candidate) -> bool:
    """ "Shanghai's SMIC": a place owning a company or institution names where, not who."""
    if first.entity.kind not in _PLACES or second.entity.kind in _PLACES:
        return False
    gap = sentence[first.end : second.start]
    return bool(re.fullmatch(r"(?:'s|’s|-based)?\s*(?:\w+\s+){0,1}", gap)) and gap[:2] in (
        "'s",
        "’s",
        "-b",
    )


_RANKED: Final = re.compile(
    r"\s+(?:was\s+|is\s+|has\s+been\s+|now\s+)?(?:plac\w+|rank\w*|came|comes|finish\w*|stood|"
    r"stands|sits)\s+(?:the\s+)?",
    re.IGNORECASE,
)


def _owner(
    sentence: str, candidates: Sequence[Candidate], span: tuple[int, int] | None
) -> Candidate | None:
    """The "X's" that opens a share's metric ("of the *SSRF's* users"), if it is a name."""
    if span is None:
        return None
    for cand in candidates:
        inside = span[0] <= cand.start < span[1]
        if (
            inside
            and sentence[cand.end : cand.end + 2] in ("'s", "’s")
            and cand.entity.kind != "country"
        ):
            return cand
    return None


def _closed_aside(sentence: str, cand_end: int, figure_start: int) -> bool:
    """Whether a name sits in parentheses closed before the figure ("(China's highest ...);")."""
    if sentence.find(")", cand_end, figure_start) == -1:
        return False
    opening = sentence.rfind("(", 0, cand_end)
    return opening != -1 and sentence.find(")", opening, cand_end) == -1


def starts_with_pronoun(sentence: str) -> bool:
    """Whether the sentence refers back to the previous one's subject ("It", "Its", "该")."""
    return bool(_PRONOUN_START.match(sentence))


def lead_subject(sentence: str, lang: str, candidates: Sequence[Candidate]) -> Entity | None:
    """The first name of a sentence that is not behind a preposition: what "It" refers to next."""
    for cand in candidates:
        if not _prepositional(sentence, cand.start, lang):
            return cand.entity
    return None
