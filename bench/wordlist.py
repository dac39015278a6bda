"""Time fold + match: ``.venv/bin/python bench/wordlist.py`` (median of repeated runs, µs)."""

from __future__ import annotations

import statistics
import timeit

from moderation.text import fold
from moderation.wordlist import WordList

CLEAN = (
    "I think the council's decision on the new bus lanes was rushed, and frankly the consultation "
    "was a joke. Residents on Elm Street waited 45 minutes at 5:30 pm yesterday; that's not good "
    "enough for $100 a month!"
)[:200]
PROFANE = (
    "What a load of sh1t, the mayor is a f u c k i n g idiot and the council can go to hell "
    "with their bus lanes!! Fuuuck them, honestly, the whole cabinet are wankers and a$$holes."
)[:200]
CASES = {
    "clean 200": CLEAN,
    "clean 4000": (CLEAN + " ") * 20,
    "clean 200, curly quotes": CLEAN.replace("'", "\u2019"),
    "clean 4000, curly quotes": (CLEAN.replace("'", "\u2019") + " ") * 20,
    "profane 200": PROFANE,
    "profane 4000": (PROFANE + " ") * 20,
}


def main() -> None:
    """Print build time and per-comment medians."""
    build = timeit.repeat(WordList.default, number=1, repeat=3)
    print(f"WordList.default(): {min(build) * 1e3:.0f} ms")
    wl = WordList.default()
    for name, text in CASES.items():
        n = 2000 if len(text) < 1000 else 100
        runs = timeit.repeat(lambda t=text: wl.match(fold(t)), number=n, repeat=11)
        fold_runs = timeit.repeat(lambda t=text: fold(t), number=n, repeat=11)
        print(f"{name:26} {len(text):5} chars  fold+match {statistics.median(runs) / n * 1e6:7.1f} µs"
              f"  (fold {statistics.median(fold_runs) / n * 1e6:6.1f} µs)")


if __name__ == "__main__":
    main()
