"""Print the figure extractor's precision/recall per category on the hand-labelled gold files.

Run: ``python -m benchmarks.figures_gold [--misses]``. The same scores are asserted (as floors)
by ``tests/test_figures_gold.py``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tests.gold.scoring import load_gold, score_gold, table

GOLD_DIR = Path(__file__).resolve().parent.parent / "tests" / "gold"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list every disagreement")
    args = parser.parse_args()
    for name in ("figures.jsonl", "figures_holdout.jsonl"):
        scores = score_gold(load_gold(GOLD_DIR / name))
        print(f"{name}: P/R/F1 on value+unit; valF1 on value alone; attribute columns are the")
        print("share of matched figures with that attribute right; strict = all of them right")
        for line in table(scores):
            print("  " + line)
        if args.misses:
            for miss in scores["all"].misses:
                print("    " + miss)
        print()


if __name__ == "__main__":
    main()
