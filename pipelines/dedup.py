"""Near-duplicate detection for syndicated copies: MinHash over word shingles.

A wire story republished by another outlet must not count as independent
corroboration. Each version gets a 64-value MinHash of its normalized 5-shingles;
the signature is cut into 16 bands of 4 values, and two texts sharing any band are
candidates (locality-sensitive hashing), so the store finds candidates through an
index instead of comparing every pair.

The MinHash is datasketch's (2.x, scheme ``affine32``, ``seed=1``), computed here
value for value (``tests/test_dedup.py`` checks it against datasketch itself):
importing datasketch imports all its sketches, its LSH classes and scipy with them,
1.7 s and 77 MB in every analysis process, for 20 lines of numpy.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

__all__ = ["BANDS", "DUPLICATE_THRESHOLD", "Fingerprint", "fingerprint", "minhash", "similarity"]

NUM_PERM = 64
SEED = 1
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


@cache
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 permutations ``h -> a*h + b mod 2**32`` (``a`` odd: a bijection)."""
    import numpy as np

    gen = np.random.RandomState(SEED)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


def _fmix32(hv: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, datasketch's pre-mix of each input hash."""
    import numpy as np

    hv = hv ^ (hv >> np.uint32(16))
    hv = hv * np.uint32(0x85EBCA6B)
    hv = hv ^ (hv >> np.uint32(13))
    hv = hv * np.uint32(0xC2B2AE35)
    return hv ^ (hv >> np.uint32(16))


def minhash(items: Iterable[str]) -> np.ndarray:
    """The MinHash signature (uint32) of a set of strings (UTF-8): datasketch's
    ``MinHash.update_batch`` with its ``sha1_hash32`` (the first four bytes of SHA-1, little
    endian), read by numpy from the joined digests rather than one ``int`` each."""
    import numpy as np

    a, b = _permutations()
    sha1 = hashlib.sha1
    digests = b"".join([sha1(item.encode("utf-8")).digest()[:4] for item in items])
    hv = _fmix32(np.frombuffer(digests, dtype="<u4").astype(np.uint32).reshape(-1, 1))
    return np.minimum(np.full(NUM_PERM, 0xFFFFFFFF, dtype=np.uint32), (hv * a + b).min(axis=0))


def fingerprint(text: str) -> Fingerprint:
    """Shingles are words for Latin script and single characters for CJK."""
    tokens = _TOKENS.findall(text.lower())
    shingles = {" ".join(tokens[i : i + SHINGLE]) for i in range(max(len(tokens) - SHINGLE + 1, 1))}
    values = minhash(shingles)
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
