"""What an English figure measures: the metric of a count, a sum of money, a share, a multiple,
a rank or a physical quantity, read from the words around it (``en_phrases.py``) and the
metric lexicon (``seeds/metrics.toml``).

``MetricReader`` is the half of the sentence reader that names metrics; ``english.py``'s reader
adds the half that reads numbers.
"""

from __future__ import annotations

import re

from seeds.lexicon import Metric

from .en_phrases import (
    DECLINE_VERB,
    GROWTH_VERB,
    MONEY_HEADS,
    NATIONAL_AVERAGE,
    OF_COUNTED,
    PER,
    PRONOUN_OBJ,
    clause_bounds,
    is_physical,
    label_metric,
    lexicon_near,
    np_words,
    of_target,
    phrase_before,
    share_words,
    subset_words,
)
from .metrics import display_words, is_money, metric_from_words, singular, unit_allows
from .model import Mention, SentenceReader

__all__ = ["MetricReader"]


class MetricReader(SentenceReader):
    """Names the metric of each figure the English reader finds."""

    def _find_terms(self) -> list[tuple[int, int, Metric]]:
        return self.lexicon.find_en(self.text)

    def _rank_metric(self, mention: Mention) -> None:
        specific = [t for t in self.terms if t[2].name != "rank"]  # "Nature Index" over "ranks"
        found = lexicon_near(specific, 0, len(self.text), "rank", mention.start)
        if found is not None:
            mention.metric, mention.metric_span = found[0].name, (found[1], found[2])
        else:
            mention.inherit = True

    def _multiple_metric(self, mention: Mention) -> str:
        """What doubled: the figure before it in the sentence ("10,000 engineers ..., roughly
        twice as many"), else the noun phrase before the verb ("Commercial rents ... have
        tripled"). A bare "growth" would make every "doubled" in a city agree with every other.
        """
        previous = next((m for m in reversed(self.out) if m.metric and m.unit != "x"), None)
        if previous is not None:
            return f"growth of {previous.metric}"
        kept = phrase_before(self.text[max(0, mention.start - 80) : mention.start])
        return f"growth of {display_words(kept)}" if kept else "growth"

    def _metric(self, mention: Mention, cursor: int) -> None:
        unit = mention.unit
        if unit == "%":
            self._percent_metric(mention, cursor)
        elif unit == "x":
            mention.metric = self._multiple_metric(mention)
        elif is_physical(unit):
            self._physical_metric(mention, cursor)
        else:
            self._count_metric(mention, cursor)

    def _count_metric(self, mention: Mention, cursor: int) -> None:
        """Counts and money: the noun phrase after the number, else a metric named nearby."""
        text, unit = self.text, mention.unit
        words, start, end = np_words(text, cursor)
        if is_money(unit) and words:
            found = self.lexicon.match_head(words)
            fits = found is not None and unit_allows(found[0], unit)
            if not fits and singular(words[-1]).lower() not in MONEY_HEADS:
                words = []  # "450 billion yuan last year": no noun of its own
        if words:
            metric = metric_from_words(words, self.lexicon, unit)
            per = PER.match(text, end)
            if metric is not None and per:
                metric = f"{metric} per {per.group('n')} {per.group('w')}"
                end = per.end()
            mention.metric, mention.metric_span = metric, (start, end)
            return
        if self._possessor_before(mention) or PRONOUN_OBJ.match(text, cursor):
            mention.inherit = True  # "surpassing Shenzhen's 38", "400k of them"
            return
        counted = OF_COUNTED.match(text, cursor) if unit == "count" else None
        if counted is not None:
            cursor = counted.end() - 1  # "3 of the region's 9 chip fabs"
        target = of_target(text, cursor) if unit == "count" and counted is None else None
        if counted is not None:
            words, start, end = np_words(text, counted.end())
            if words:
                mention.metric = metric_from_words(words, self.lexicon, unit)
                mention.metric_span = (start, end)
                return
        if target is not None:
            shared = share_words(target[0], self.lexicon)
            if shared is not None:  # "3 of the region's 9 chip fabs"
                mention.metric = shared[0].split("'s ", 1)[-1]
                mention.metric_span = (target[1], target[2])
                return
        grown = next(
            (m for m in reversed(self.out) if (m.metric or "").startswith("growth of ")), None
        )
        if grown is not None and re.search(
            r"\bto\s+$", text[max(0, mention.start - 5) : mention.start]
        ):
            mention.metric = grown.metric[len("growth of ") :]  # "grew 8 percent to 340 million"
            return
        mention.metric = self._lexicon_metric(mention, unit)

    def _physical_metric(self, mention: Mention, cursor: int) -> None:
        """Physical units: a lexicon metric that fits the unit, else the unit's default."""
        unit = mention.unit
        words, start, end = np_words(self.text, cursor)
        found = self.lexicon.match_head(words) if words else None
        if found is not None and unit_allows(found[0], unit) and found[0].units:
            mention.metric, mention.metric_span = found[0].name, (start, end)
            return
        near = self._lexicon_metric(mention, unit)
        if near is not None:
            mention.metric = near
            return
        default = self.lexicon.for_unit(unit)
        if default is not None:
            mention.metric = default.name
        elif words:
            mention.metric = metric_from_words(words, self.lexicon, unit)

    def _possessor_before(self, mention: Mention) -> bool:
        before = self.text[max(0, mention.start - 30) : mention.start]
        match = re.search(r"([A-Z][\w\-]*)(?:'s|’s)\s*$", before)
        if match is None:
            return False
        mention.possessor_end = mention.start - (len(before) - match.end())
        return True

    def _lexicon_metric(self, mention: Mention, unit: str) -> str | None:
        label = label_metric(self.text, self.lexicon, mention.start, unit)
        if label is not None:
            return label
        lo, hi = clause_bounds(self.text, mention.start, mention.end)
        found = lexicon_near(self.terms, lo, hi, unit, mention.start)
        if found is None:
            return None
        metric, start, end = found
        mention.metric_span = (start, end)
        return metric.name

    def _percent_metric(self, mention: Mention, cursor: int) -> None:
        text = self.text
        before = text[max(0, mention.start - 40) : mention.start]
        if NATIONAL_AVERAGE.search(before):
            mention.subject_hint = "China"
            mention.inherit = True
            return
        if GROWTH_VERB.search(before):
            mention.metric = self._multiple_metric(mention)
            return
        if DECLINE_VERB.search(before):
            mention.metric = self._multiple_metric(mention).replace("growth", "decline", 1)
            return
        if self._share_metric(mention, cursor):
            if mention.metric == "share of GDP" and re.search(
                r"\b(?:R&D|research|innovation)\b",
                text[max(0, mention.start - 40) : mention.end + 80],
            ):
                mention.metric = "R&D intensity"
            return
        words, start, end = np_words(text, cursor)
        if words:
            found = self.lexicon.match_head(words)
            if found is not None and unit_allows(found[0], "%") and found[0].units:
                mention.metric, mention.metric_span = found[0].name, (start, end)
                return
            first = words[0].lower()
            if first in {"growth", "increase", "rise", "jump"}:
                mention.metric = "growth"
                return
            if first in {"decline", "drop", "fall", "decrease", "cut", "reduction"}:
                mention.metric = "decline"
                return
        metric = self._lexicon_metric(mention, "%")
        if metric is not None and metric != "share":
            mention.metric = metric
            return
        left = self._left_phrase(mention.start)
        if left is not None:
            mention.metric, mention.metric_span = left
            return
        if any(m.unit == "%" for m in self.out) or self._possessor_before(mention):
            mention.inherit = True  # "38% ..., against 22% for Shenzhen"
            return
        mention.metric = metric or "share"

    def _left_phrase(self, start: int) -> tuple[str, tuple[int, int]] | None:
        """ "cut its reliance on imported inputs from 80%": the phrase before "from"/"at"."""
        before = self.text[max(0, start - 80) : start]
        head = re.search(
            r"\b(?:from|at|to|of|by|was|is|stood\s+at|reached)\s+(?:just\s+|only\s+)?$", before
        )
        if head is None or head.group().strip().lower() in ("of", "to"):
            return None
        kept = phrase_before(before[: head.start()])
        if not kept or len(kept) > 6 or not kept[-1][:1].islower():
            return None
        kept[-1] = singular(kept[-1])
        lexical = self.lexicon.lookup(" ".join(kept))
        name = lexical.name if lexical is not None else display_words(kept)
        offset = max(0, start - 80)
        phrase_start = offset + before.rfind(kept[0], 0, head.start())
        return name, (phrase_start, offset + head.start())

    def _share_metric(self, mention: Mention, cursor: int) -> bool:
        """``X% of Y`` -> "share of Y"; ``of them`` -> "share of <previous metric>"."""
        text = self.text
        if PRONOUN_OBJ.match(text, cursor):
            previous = next((m for m in reversed(self.out) if m.unit == "count"), None)
            if previous is None or not previous.metric:
                mention.metric = "share"
                return True
            # "about a third of them work on AI": a subset, told apart by what follows.
            pronoun = PRONOUN_OBJ.match(text, cursor)
            assert pronoun is not None
            qualifier = subset_words(text[pronoun.end() : pronoun.end() + 60])
            mention.metric = f"share of {previous.metric}" + (
                f" in {qualifier}" if qualifier else ""
            )
            return True
        target = of_target(text, cursor)
        if target is None:
            return False
        words, start, end = target
        shared = share_words(words, self.lexicon)
        if shared is None:
            return False
        metric, owner_words = shared
        mention.metric = f"share of {metric}"
        # An owner that is not a proper name ("the facility's users") is the subject, not part
        # of the metric: leave it outside the span so the subject finder can see it.
        if owner_words:
            start = text.find(words[owner_words], start)
        mention.metric_span = (start, end)
        return True
