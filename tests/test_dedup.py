"""The syndicated-copy MinHash is datasketch's, value for value (see ``pipelines/dedup.py``)."""

from __future__ import annotations

import numpy as np
from datasketch import MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.dedup import NUM_PERM, SEED, fingerprint, minhash, similarity


def reference(items: set[str]) -> np.ndarray:
    mh = MinHash(num_perm=NUM_PERM, seed=SEED)
    mh.update_batch([item.encode("utf-8") for item in items])
    return mh.hashvalues.astype(np.uint32)


TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)  # what UTF-8 encodes


@settings(max_examples=60, deadline=None)
@given(st.sets(TEXT, min_size=1, max_size=200))
def test_minhash_equals_datasketch(items: set[str]) -> None:
    assert minhash(items).tolist() == reference(items).tolist()


def test_a_lightly_edited_copy_is_similar_and_another_story_is_not() -> None:
    story = " ".join(
        f"Shanghai reported {n} new chip design firms in district {n % 7}." for n in range(40)
    )
    copy = story.replace("district 3", "district three") + " Reporting by a wire service."
    other = " ".join(
        f"Hangzhou opened {n} charging stations along route {n % 5}." for n in range(40)
    )
    sig = fingerprint(story).signature
    assert similarity(sig, fingerprint(copy).signature) >= 0.6
    assert similarity(sig, fingerprint(other).signature) < 0.2
    assert fingerprint(story).signature == sig  # stable across calls (and processes: fixed seed)
