"""Print the figure extractor's scores: development gold, real sentences, and their holdouts.

Run: ``python -m benchmarks.figures_gold [CORPUS] [--misses] [--holdout]``.

- ``tests/gold/figures.jsonl``: the development set written for this project (per category);
  ``figures_holdout.jsonl``: its holdout (issue 3).
- ``tests/gold/real_sentences.jsonl``: labels of real sentences from public pages in ``CORPUS``
  (default ``/work/corpus``; see ``tests/gold/real.py``), development part only unless
  ``--holdout`` is given. The real holdout is scored once per round of work, at the end; no
  code is changed because of one of its lines.

The development floors are asserted by ``tests/test_figures_gold.py``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tests.gold.real import load_labels, score_real
from tests.gold.real import table as real_table
from tests.gold.scoring import load_gold, score_gold, table

GOLD_DIR = Path(__file__).resolve().parent.parent / "tests" / "gold"
DEFAULT_CORPUS = Path("/work/corpus")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "corpus",
        nargs="?",
        type=Path,
        default=DEFAULT_CORPUS,
        help="folder holding en/, en2/, en3/, zh/ and zh2/ pages",
    )
    parser.add_argument("--misses", action="store_true", help="list every disagreement")
    parser.add_argument("--holdout", action="store_true", help="also score the real holdout")
    parser.add_argument("--real-only", action="store_true", help="skip the written gold files")
    args = parser.parse_args()
    if not args.real_only:
        for name in ("figures.jsonl", "figures_holdout.jsonl"):
            scores = score_gold(load_gold(GOLD_DIR / name))
            print(f"{name}: P/R/F1 on value+unit; valF1 on value alone; attribute columns are")
            print("the share of matched figures with that attribute right; strict = all right")
            for line in table(scores):
                print("  " + line)
            if args.misses:
                for miss in scores["all"].misses:
                    print("    " + miss)
            print()
    if not args.corpus.is_dir():
        print(f"real sentences: no corpus folder at {args.corpus}")
        return
    labels = load_labels()
    for split in ("dev", "holdout") if args.holdout else ("dev",):
        scores = score_real(args.corpus, labels, split=split)
        print(f"real sentences ({split}): P/R/F1 on value+unit, valF1 on value, approx accuracy")
        for line in real_table(scores):
            print("  " + line)
        for folder in sorted({line["page"].split("/")[0] for line in labels}):
            part = [line for line in labels if line["page"].startswith(folder + "/")]
            if any(line["split"] == split for line in part):
                print("  " + score_real(args.corpus, part, split=split)["all"].line(folder + "/"))
        if args.misses:
            for miss in scores["all"].misses:
                print("    " + miss)
        print()


if __name__ == "__main__":
    main()
