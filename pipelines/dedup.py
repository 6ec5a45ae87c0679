"""Near-duplicate detection for syndicated copies: MinHash over word shingles.

A wire story republished by another outlet must not count as independent
corroboration. Each version gets a 64-value MinHash (datasketch) of its
normalized 5-shingles; the signature is cut into 16 bands of 4 values, and
two texts sharing any band are candidates (locality-sensitive hashing), so the
store finds candidates through an index instead of comparing every pair.
"""

from __future__ import annotations

import re

__all__ = ["BANDS", "DUPLICATE_THRESHOLD", "Fingerprint", "fingerprint", "similarity"]

NUM_PERM = 64
BANDS = 16
ROWS = NUM_PERM // BANDS
SHINGLE = 5
#: Estimated Jaccard similarity above which two texts are the same story.
DUPLICATE_THRESHOLD = 0.8

_TOKENS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]|[^\W_]+")


class Fingerprint:
    """A text's MinHash signature (hex) and its LSH band keys."""

    __slots__ = ("bands", "signature")

    def __init__(self, signature: str, bands: list[str]) -> None:
        self.signature = signature
        self.bands = bands


def fingerprint(text: str) -> Fingerprint:
    """Shingles are words for Latin script and single characters for CJK."""
    # Imported here: ``datasketch`` imports all its sketches, LSH and scipy with them (half a
    # second), and a crawl process that leaves analysis to its helper process never needs it.
    import numpy as np
    from datasketch import MinHash

    tokens = _TOKENS.findall(text.lower())
    shingles = {" ".join(tokens[i : i + SHINGLE]) for i in range(max(len(tokens) - SHINGLE + 1, 1))}
    mh = MinHash(num_perm=NUM_PERM, seed=1)
    mh.update_batch([s.encode("utf-8") for s in shingles])
    values = mh.hashvalues.astype(np.uint32)
    bands = [f"{b}:{values[b * ROWS : (b + 1) * ROWS].tobytes().hex()}" for b in range(BANDS)]
    return Fingerprint(values.tobytes().hex(), bands)


def similarity(sig_a: str, sig_b: str) -> float:
    """Estimated Jaccard similarity of two texts from their signatures."""
    import numpy as np  # here: the crawl process compares signatures only for candidates

    a = np.frombuffer(bytes.fromhex(sig_a), dtype=np.uint32)
    b = np.frombuffer(bytes.fromhex(sig_b), dtype=np.uint32)
    if len(a) != len(b) or not len(a):
        return 0.0
    return float(np.count_nonzero(a == b)) / len(a)
