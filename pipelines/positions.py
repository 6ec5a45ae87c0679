"""Where the other sources stand on a new version's keys, read from the store as the diff asks.

A key of a mature store has a figure from every source that ever reported it: reading them
all for every new figure made the diff's cost grow with the number of sources. The diff
needs three of them (:class:`pipelines.diff.Standing`): another source's earliest report
that agrees, the latest that differs, and the same source's own. So the store is asked for

- the source's own figures, for all keys at once, before the version's own claims take
  their place (:meth:`storage.store.Store.source_positions`);
- the figures that could agree, the values in :func:`pipelines.diff.agreement_range` (for
  two exact figures, within 0.5%: seldom more than a few);
- the latest figure outside that range, which differs whatever it is (SQLite walks the
  key's figures from the latest back and stops at it).

:func:`pipelines.diff.agrees` judges every figure read, as :class:`pipelines.diff.Listed`
judges every figure of a list: ``tests/test_lookups.py`` checks that both give the same
standing on random stores.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from pipelines.diff import Prior, Standing, agreement_range, agrees, report_order

if TYPE_CHECKING:  # the analysis process imports this module through ingest: no storage there
    from storage.store import Store

__all__ = ["StoredPositions"]


class StoredPositions:
    """:class:`pipelines.diff.Positions` for one new version, answered by ``key_sources``.

    Create it before the version's claims are added, with the keys it will be asked about:
    those claims take their source's place on their keys.
    """

    def __init__(
        self, store: Store, keys: Iterable[str], *, source: str, exclude_article: int, root: int
    ) -> None:
        keys = list(dict.fromkeys(keys))
        self.store = store
        self.source = source
        self.exclude_article = exclude_article
        self.root = root
        self._asked = set(keys)
        #: The keys other articles know, and whether another source is among them.
        self._known = store.known_keys(keys, source=source, exclude_article=exclude_article)
        self._own = {row[1]: Prior(*row) for row in self._source_positions(keys)}
        #: Priors read from the store so far: what the diff's cost grows with.
        self.read = len(self._own)

    def _source_positions(self, keys: list[str]) -> list[tuple]:
        return self.store.source_positions(
            keys, source=self.source, exclude_article=self.exclude_article, root=self.root
        )

    def __contains__(self, key: object) -> bool:
        if key in self._asked:
            return key in self._known
        known = self.store.known_keys(
            [str(key)], source=self.source, exclude_article=self.exclude_article
        )
        return bool(known)

    def _own_of(self, key: str) -> Prior | None:
        if key in self._asked:
            return self._own.get(key)
        rows = self._source_positions([key])  # a fuzzy match's key, asked for later
        self.read += len(rows)
        return Prior(*rows[0]) if rows else None

    def standing(self, key: str, value: float, approx: str, source: str) -> Standing | None:
        if source != self.source:
            raise ValueError(f"positions were read for source {self.source!r}, not {source!r}")
        if key in self._asked and key not in self._known:
            return None  # no other article has a figure on it: a first report
        where = {"source": source, "exclude_article": self.exclude_article, "root": self.root}
        exact = agreement_range(value, approx, prior_exact=True)
        hedged = agreement_range(value, approx, prior_exact=False)
        own = self._own_of(key)
        if key in self._asked and not self._known[key]:
            within, far = [], None  # no other source has a comparable figure on it
        else:
            within, far = self.store.positions_by_range(key, exact=exact, hedged=hedged, **where)
        near = [Prior(*row) for row in within]
        differing = Prior(*far) if far is not None else None
        self.read += len(near) + (far is not None)
        if own is None and not near and differing is None:
            if not self.store.has_positions(key, exclude_article=self.exclude_article):
                return None
            return Standing(False, None, None, None)  # only syndicated copies know it
        agreeing: Prior | None = None
        independent = differing is not None
        for prior in near:
            if not prior.independent:
                continue  # the same story syndicated: not a second voice
            independent = True
            if agrees(prior.value, prior.approx, value, approx):
                if agreeing is None or report_order(prior) < report_order(agreeing):
                    agreeing = prior
            elif differing is None or report_order(prior) > report_order(differing):
                differing = prior
        if own is not None and not own.independent:
            own = None  # a syndicated copy of the new article: not the source's own voice
        return Standing(independent or own is not None, agreeing, differing, own)
