"""Two versions of one article, aligned sentence by sentence and then figure by figure.

Pure functions on texts written for these tests; each case is a shape real revisions take:
repeated keys, an edit of a second mention, moved paragraphs, split and merged sentences.
"""

from __future__ import annotations

from typing import Any

from pipelines.figures import extract_claims
from pipelines.revisions import align_sentences, align_versions, compare_versions


def figures(text: str) -> list[dict[str, Any]]:
    return [c.as_dict() for c in extract_claims(text, lang="en")]


def changes(old: str, new: str) -> list[tuple[str, float | None, float | None]]:
    alignment = align_versions(old, figures(old), new, figures(new))
    return [
        (p.kind, p.old["value"] if p.old else None, p.new["value"] if p.new else None)
        for p in alignment.pairs
        if p.kind != "same"
    ]


LEDE = "Hefei now hosts 12 national laboratories, the city's science bureau said on Monday."
BODY = [
    "The bureau counted 12 national laboratories in its spring survey of research sites.",
    "Officials expect the count to rise as two more sites open in the Binhu district.",
    "Hefei also reported 310 new technology companies registered during the quarter.",
    "A third of those companies work on batteries for electric vehicles.",
]


def article(*paragraphs: str) -> str:
    return "\n".join(paragraphs)


def test_unchanged_text_aligns_to_nothing() -> None:
    text = article(LEDE, *BODY)
    assert changes(text, text) == []
    assert align_sentences([LEDE, *BODY], [LEDE, *BODY]) == []


def test_an_edit_of_the_second_mention_of_a_key_is_paired_with_that_mention() -> None:
    old = article(LEDE, *BODY)
    edited = BODY[0].replace("12 national", "14 national")
    new = article(LEDE, edited, *BODY[1:])
    assert changes(old, new) == [("changed", 12, 14)]


def test_a_repeated_key_in_unchanged_sentences_says_nothing() -> None:
    old = article(LEDE, *BODY)
    new = article(LEDE, *BODY[:2], BODY[2].replace("310", "340"), BODY[3])
    assert changes(old, new) == [("changed", 310, 340)]  # the two "12 labs" are not touched


def test_a_moved_paragraph_is_not_a_change() -> None:
    old = article(LEDE, *BODY)
    new = article(LEDE, BODY[2], BODY[3], BODY[0], BODY[1])
    assert changes(old, new) == []


def test_a_deleted_sentence_removes_its_figures_and_an_added_one_adds_its() -> None:
    old = article(LEDE, *BODY)
    added = "The province plans 25 more laboratories by the end of the decade."
    new = article(LEDE, BODY[0], BODY[1], BODY[3], added)
    assert sorted(changes(old, new), key=str) == sorted(
        [("removed", 310, None), ("added", None, 25)], key=str
    )


def test_a_split_sentence_keeps_its_figures_paired() -> None:
    old = article(
        "Hefei counted 310 new technology companies and 12 national laboratories, "
        "up from a year earlier when the city had fewer of both."
    )
    new = article(
        "Hefei counted 310 new technology companies.",
        "It also had 12 national laboratories, up from a year earlier when the city "
        "had fewer of both.",
    )
    assert changes(old, new) == []


def test_an_edited_sentence_with_two_figures_of_one_unit_pairs_them_by_position() -> None:
    old = "Import dependence fell from 80% to 37% over five years, the ministry said."
    new = "Import dependence fell from 80% to 35% over five years, the ministry said."
    assert changes(old, new) == [("changed", 37, 35)]


def test_the_readable_diff_marks_the_same_pairing() -> None:
    old = article(LEDE, *BODY)
    new = article(LEDE, BODY[0].replace("12 national", "14 national"), *BODY[1:])
    result = compare_versions(old, figures(old), new, figures(new))
    assert [(f.old, f.new) for f in result.figures] == [(12, 14)]
    [plus] = [line for line in result.lines if line.op == "+"]
    start, end = plus.marks[0]
    assert plus.text[start:end].startswith("14")
