"""What changed between two versions of one article: sentences aligned, then figures inside them.

A revision is read the way an editor makes one: most sentences stay, some are edited, some are
added, deleted, split, merged or moved. So two versions are compared sentence by sentence first
(:func:`align_sentences`), and only then figure by figure inside each edited group of sentences
(:func:`align_versions`). Figures in unchanged sentences say nothing, however often their key
occurs elsewhere; an edited figure pairs with the figure that stood in its place, not with the
first figure of the same key. The change log (``pipelines/diff.py``) and ``deltawatch diff``
both read this one pairing.

Pure: texts and claim dicts in (each claim with ``start``, ``value``, ``approx``, ``unit``,
``metric``, ``key``), plain records out.
"""

from __future__ import annotations

import difflib
import unicodedata
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from pipelines.diff import agrees
from pipelines.figures.sentences import split_sentences

__all__ = [
    "Alignment",
    "DiffLine",
    "FigureChange",
    "FigurePair",
    "VersionDiff",
    "align_sentences",
    "align_versions",
    "compare_versions",
]

Claim = Mapping[str, Any]

#: Two sentences this similar (difflib's ratio) are one sentence, edited.
EDITED_RATIO: Final = 0.6
#: A sentence whose characters lie this much inside another was split from it or merged into it.
CONTAINED: Final = 0.8
#: Above this many unmatched sentence pairs, edited sentences are looked for only near their
#: old place (a rewrite of a long article would otherwise cost a quadratic comparison).
MAX_PAIRS: Final = 40_000


@dataclass(frozen=True, slots=True)
class FigurePair:
    """One figure's fate between two versions: ``old`` or ``new`` is None when it is not in both.

    ``kind``: ``changed`` (paired, values disagree), ``same`` (paired, values agree),
    ``removed`` (only in the old version), ``added`` (only in the new one).
    """

    kind: str
    old: Claim | None
    new: Claim | None


@dataclass(slots=True)
class Alignment:
    """The figure pairs of two versions: only figures in edited, added or deleted sentences."""

    pairs: list[FigurePair] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[FigurePair]:
        return [p for p in self.pairs if p.kind == kind]


def _norm(sentence: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", sentence).split())


def _spans(text: str) -> list[tuple[int, int]]:
    return [(s.start, s.end) for s in split_sentences(text)]


def _ratio(a: str, b: str) -> float:
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    if matcher.real_quick_ratio() < EDITED_RATIO or matcher.quick_ratio() < EDITED_RATIO:
        return 0.0
    return matcher.ratio()


def _contained(small: str, large: str) -> bool:
    """Is ``small`` (mostly) inside ``large``: a sentence split off or merged in?"""
    if not small or len(small) > len(large):
        return False
    matcher = difflib.SequenceMatcher(a=small, b=large, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) >= CONTAINED * len(small)


def align_sentences(old: Sequence[str], new: Sequence[str]) -> list[tuple[list[int], list[int]]]:
    """Groups of old and new sentence indexes that are one passage in two versions.

    Unchanged sentences (in place or moved) are left out. Each group returned is an edited
    passage (old and new indexes), a deleted one (new empty) or an added one (old empty).
    Sentences are matched in three passes: identical text in order (difflib), identical text
    moved elsewhere, then edited text (similar enough, or split/merged: contained in the other).
    """
    a, b = [_norm(s) for s in old], [_norm(s) for s in new]
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    loose_old: list[tuple[int, int]] = []  # (index, block) of sentences not matched in place
    loose_new: list[tuple[int, int]] = []
    for block, (tag, i1, i2, j1, j2) in enumerate(matcher.get_opcodes()):
        if tag != "equal":
            loose_old += [(i, block) for i in range(i1, i2)]
            loose_new += [(j, block) for j in range(j1, j2)]
    # Moved: the same text elsewhere.
    free_new: dict[str, list[int]] = {}
    for j, _ in loose_new:
        free_new.setdefault(b[j], []).append(j)
    moved_new: set[int] = set()
    rest_old = []
    for i, block in loose_old:
        same = free_new.get(a[i])
        if same:
            moved_new.add(same.pop(0))
        else:
            rest_old.append((i, block))
    rest_new = [(j, block) for j, block in loose_new if j not in moved_new]
    # Edited, split or merged: link similar sentences; linked sentences form one group.
    near_only = len(rest_old) * len(rest_new) > MAX_PAIRS
    links: list[tuple[float, bool, int, int]] = []  # (similarity, split/merge, old, new)
    for i, block_i in rest_old:
        for j, block_j in rest_new:
            if near_only and abs(block_i - block_j) > 1:
                continue
            score = _ratio(a[i], b[j])
            if score >= EDITED_RATIO:
                links.append((score, False, i, j))
            elif _contained(a[i], b[j]) or _contained(b[j], a[i]):
                links.append((0.0, True, i, j))
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def find(node: tuple[str, int]) -> tuple[str, int]:
        while parent.get(node, node) != node:
            node = parent[node]
        return node

    paired_old: set[int] = set()
    paired_new: set[int] = set()
    for _score, split, i, j in sorted(links, key=lambda link: -link[0]):
        # One best partner each, except where a sentence was split or merged (contained).
        if not split and (i in paired_old or j in paired_new):
            continue
        paired_old.add(i)
        paired_new.add(j)
        parent[find(("o", i))] = find(("n", j))
    groups: dict[tuple[str, int], tuple[list[int], list[int]]] = {}
    for i, _ in rest_old:
        groups.setdefault(find(("o", i)), ([], []))[0].append(i)
    for j, _ in rest_new:
        groups.setdefault(find(("n", j)), ([], []))[1].append(j)
    return sorted(
        (group for group in groups.values()),
        key=lambda g: (g[1][0] if g[1] else -1, g[0][0] if g[0] else -1),
    )


def _by_sentence(claims: Sequence[Claim], spans: Sequence[tuple[int, int]]) -> list[list[Claim]]:
    """The claims of each sentence span, in text order (a claim belongs where it starts)."""
    out: list[list[Claim]] = [[] for _ in spans]
    starts = [s for s, _ in spans]
    for claim in sorted(claims, key=lambda c: c["start"]):
        index = bisect_right(starts, claim["start"]) - 1
        if index >= 0:
            out[index].append(claim)
    return out


def _pair_figures(old: Sequence[Claim], new: Sequence[Claim]) -> list[FigurePair]:
    """Figures of one edited passage, paired by position: unchanged ones anchor the rest.

    Figures with the same unit and value, in order, are the same figure (anchors); between
    two anchors, the remaining figures pair in order when their units agree, preferring the
    same metric. What is left was added or removed.
    """
    sig_old = [(c["unit"], round(float(c["value"]), 6)) for c in old]
    sig_new = [(c["unit"], round(float(c["value"]), 6)) for c in new]
    matcher = difflib.SequenceMatcher(a=sig_old, b=sig_new, autojunk=False)
    pairs: list[FigurePair] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pairs += [
                FigurePair("same", old[i], new[j])
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            ]
            continue
        pairs += _pair_gap(old[i1:i2], new[j1:j2])
    return pairs


def _pair_gap(old: Sequence[Claim], new: Sequence[Claim]) -> list[FigurePair]:
    pairs: list[FigurePair] = []
    taken: set[int] = set()
    for o in old:
        options = [j for j, n in enumerate(new) if j not in taken and n["unit"] == o["unit"]]
        if not options:
            pairs.append(FigurePair("removed", o, None))
            continue
        same_metric = [j for j in options if new[j].get("metric") == o.get("metric")]
        j = (same_metric or options)[0]
        taken.add(j)
        n = new[j]
        kind = "same" if agrees(o["value"], o["approx"], n["value"], n["approx"]) else "changed"
        pairs.append(FigurePair(kind, o, n))
    pairs += [FigurePair("added", None, n) for j, n in enumerate(new) if j not in taken]
    return pairs


def align_versions(
    old_text: str, old_claims: Sequence[Claim], new_text: str, new_claims: Sequence[Claim]
) -> Alignment:
    """The figures that two versions of an article disagree on, each paired with its partner.

    Only figures in sentences that were edited, added or deleted appear; a figure whose
    sentence is unchanged (in place or moved) is not a change, whatever its key.
    """
    old_spans, new_spans = _spans(old_text), _spans(new_text)
    old_sents = [old_text[s:e] for s, e in old_spans]
    new_sents = [new_text[s:e] for s, e in new_spans]
    old_by = _by_sentence(old_claims, old_spans)
    new_by = _by_sentence(new_claims, new_spans)
    result = Alignment()
    for old_idx, new_idx in align_sentences(old_sents, new_sents):
        before = [c for i in sorted(old_idx) for c in old_by[i]]
        after = [c for j in sorted(new_idx) for c in new_by[j]]
        if before or after:
            result.pairs += _pair_figures(before, after)
    return result


# -- the readable diff (``deltawatch diff``) ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class FigureChange:
    key: str
    old: float | None  # None: the figure is new in the later version
    new: float | None  # None: the figure was removed
    unit: str
    sentence: str | None


@dataclass(frozen=True, slots=True)
class DiffLine:
    op: str  # " " context, "-" only in the old version, "+" only in the new one, "@" hunk
    text: str
    #: (start, end) offsets within ``text`` of changed figures.
    marks: tuple[tuple[int, int], ...] = ()


@dataclass(slots=True)
class VersionDiff:
    lines: list[DiffLine] = field(default_factory=list)
    figures: list[FigureChange] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "lines": [{"op": ln.op, "text": ln.text, "marks": ln.marks} for ln in self.lines],
            "figures": [
                {"key": f.key, "old": f.old, "new": f.new, "unit": f.unit, "sentence": f.sentence}
                for f in self.figures
            ],
        }


def _figure_changes(alignment: Alignment) -> list[FigureChange]:
    """The changed, added and removed figures of an alignment, as the change log sees them."""
    out = []
    for pair in alignment.pairs:
        if pair.kind == "same":
            continue
        shown = pair.new or pair.old
        assert shown is not None
        out.append(
            FigureChange(
                shown["key"],
                pair.old["value"] if pair.old else None,
                pair.new["value"] if pair.new else None,
                shown["unit"],
                shown.get("sentence"),
            )
        )
    return out


def _line_marks(text: str, claims: Sequence[Claim]) -> dict[int, list[tuple[int, int]]]:
    """For each line number, the spans (relative to the line) of these claims."""
    starts, pos = [], 0
    for line in text.split("\n"):
        starts.append(pos)
        pos += len(line) + 1
    marks: dict[int, list[tuple[int, int]]] = {}
    for claim in claims:
        line_no = max(0, bisect_right(starts, claim["start"]) - 1)
        offset = starts[line_no]
        marks.setdefault(line_no, []).append((claim["start"] - offset, claim["end"] - offset))
    return marks


def compare_versions(
    old_text: str,
    old_claims: Sequence[Claim],
    new_text: str,
    new_claims: Sequence[Claim],
    *,
    context: int = 1,
) -> VersionDiff:
    """A unified line diff of two versions, figures that changed marked in both sides.

    The figures are those of :func:`align_versions`, the pairing the change log uses.
    """
    alignment = align_versions(old_text, old_claims, new_text, new_claims)
    changed = [p for p in alignment.pairs if p.kind != "same"]
    old_lines, new_lines = old_text.split("\n"), new_text.split("\n")
    old_marks = _line_marks(old_text, [p.old for p in changed if p.old is not None])
    new_marks = _line_marks(new_text, [p.new for p in changed if p.new is not None])
    result = VersionDiff(figures=_figure_changes(alignment))
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for group in matcher.get_grouped_opcodes(context):
        first, last = group[0], group[-1]
        hunk = f"@@ -{first[1] + 1},{last[2] - first[1]} +{first[3] + 1},{last[4] - first[3]} @@"
        result.lines.append(DiffLine("@", hunk))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                result.lines.extend(DiffLine(" ", old_lines[i]) for i in range(i1, i2))
                continue
            result.lines.extend(
                DiffLine("-", old_lines[i], tuple(old_marks.get(i, ()))) for i in range(i1, i2)
            )
            result.lines.extend(
                DiffLine("+", new_lines[j], tuple(new_marks.get(j, ()))) for j in range(j1, j2)
            )
    return result
