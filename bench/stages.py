"""Where the engine's time goes, per stage, on typical comments (one core, medians of 5 runs).

    .venv/bin/python bench/stages.py [--n 4000]

Prints µs per comment for folding (beside folding that runs every stage, without the RE2 pass
that says which can apply), the word list, names, the attack markers (their phrase patterns
searched by RE2 in one pass, beside the same patterns searched one by one with Python's re), the
classifier's feature ids (its word tokeniser beside sklearn's pattern) and its linear scores (in
batches of 256 and one comment at a time), and ``score_many`` as a whole.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from engine import corpus, typical_comment  # bench/engine.py, same directory

import moderation
from moderation import classifier, features, names, text
from moderation.features import mark


def per_comment_us(fn, n: int, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) / n * 1e6


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=4000)
    args = ap.parse_args()
    rng = random.Random(0)
    texts = corpus()
    batch = [typical_comment(texts, rng) for _ in range(args.n)]
    scorer = moderation.load_scorer()
    assert scorer.classifier is not None, "the bundled model did not load"
    fast = scorer.classifier._fast
    folded = [text.fold(t) for t in batch]
    matches = [scorer.wordlist.match(f) for f in folded]
    inputs = [names.mark_names(f, m)[1] for f, m in zip(folded, matches)]
    marked = [mark(t) for t in inputs]
    patterns = features._SEARCHED
    sklearn_token = re.compile(classifier.WORD_TOKEN_PATTERN)
    stages = {
        "fold": lambda: [text.fold(t) for t in batch],
        "  every stage, no RE2 hints (baseline)": lambda: [text.fold(t, hints=False) for t in batch],
        "word list": lambda: [scorer.wordlist.match(f) for f in folded],
        "names": lambda: [names.mark_names(f, m) for f, m in zip(folded, matches)],
        "markers (all)": lambda: [features.markers(t) for t in inputs],
        "  phrase patterns, RE2 set": lambda: [patterns.found(t) for t in inputs],
        "  phrase patterns, Python re (baseline)": lambda: [patterns.found_by_re(t) for t in inputs],
        "classifier: feature ids": lambda: [(fast._word_ids(marked[i:i + 256]),
                                             fast._char_ids(marked[i:i + 256]))
                                            for i in range(0, len(marked), 256)],
        "  word tokens, \\w+": lambda: [fast._token.findall(t) for t in marked],
        "  word tokens, sklearn's pattern (baseline)": lambda: [sklearn_token.findall(t)
                                                                 for t in marked],
        "classifier: linear scores": lambda: [fast.decision(marked[i:i + 256])
                                              for i in range(0, len(marked), 256)],
        "  one comment at a time": lambda: [fast.decision([t]) for t in marked],
        "score_many (whole engine)": lambda: [scorer.score_many(batch[i:i + 256], explain=False)
                                              for i in range(0, len(batch), 256)],
    }
    print(f"model {scorer.model_version}; {args.n} typical comments, median "
          f"{statistics.median(map(len, batch)):.0f} characters; RE2: {patterns.accelerated}")
    for name, fn in stages.items():
        fn()  # warm caches
        print(f"{name:44}{per_comment_us(fn, args.n):8.1f} µs/comment")


if __name__ == "__main__":
    main()
