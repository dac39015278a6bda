"""Engine speed, side by side with better-profanity in the same process and on the same comments.

    .venv/bin/python bench/engine.py [--n 2000]

Prints medians and ratios (this machine is noisy: compare within one run, not across runs).
Targets (issue #2): score ≥ 30× faster than better_profanity.contains_profanity per comment;
p99 ≤ 5 ms for a typical comment, ≤ 20 ms for 4,000 characters; score_many ≥ 5,000 comments/s
on one core; a loaded scorer ≤ 300 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from importlib.resources import files

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, as the target says
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def corpus() -> list[str]:
    """Our own written news comments (train + dev), as a realistic length and vocabulary mix."""
    texts = []
    for name in ("train_news.jsonl", "dev_news.jsonl"):
        path = files("moderation").joinpath("corpus", name)
        if path.is_file():
            texts += [json.loads(line)["text"] for line in path.read_text("utf-8").splitlines()]
    if not texts:
        raise SystemExit("no corpus in moderation/corpus/: nothing realistic to time")
    return texts


def per_call_ms(fn, items) -> list[float]:
    times = []
    for item in items:
        t0 = time.perf_counter()
        fn(item)
        times.append((time.perf_counter() - t0) * 1000)
    return times


def throughput(scorer, texts: list[str], total: int = 20000, runs: int = 5) -> float:
    """Comments per second through score_many in batches of 256 (no explanations, as a batch
    job would run): the median of ``runs`` passes over ``total / runs`` comments."""
    batch = (texts * (total // len(texts) + 1))[: total // runs]
    rates = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for i in range(0, len(batch), 256):
            scorer.score_many(batch[i : i + 256], explain=False)
        rates.append(len(batch) / (time.perf_counter() - t0))
    return statistics.median(rates)


def pct(xs: list[float], q: float) -> float:
    return sorted(xs)[min(len(xs) - 1, int(q * len(xs)))]


def typical_comment(texts: list[str], rng: random.Random) -> str:
    """Corpus lines joined and cut at a word boundary to 100–260 characters (median ≈ 180)."""
    target = rng.randint(100, 260)
    out = rng.choice(texts)
    while len(out) < target:
        out += " " + rng.choice(texts)
    return out[:target].rsplit(" ", 1)[0] if len(out) > target else out


def long_comment(texts: list[str], rng: random.Random, size: int = 4000) -> str:
    out = ""
    while len(out) < size:
        out += rng.choice(texts) + " "
    return out[:size]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000, help="comments per measurement")
    args = ap.parse_args()
    rng = random.Random(0)

    before = rss_mb()
    import moderation

    t0 = time.perf_counter()
    scorer = moderation.load_scorer()
    load_s = time.perf_counter() - t0
    loaded = rss_mb()
    from better_profanity import profanity

    profanity.load_censor_words()

    texts = corpus()
    # A typical news comment runs to a few sentences (the figure is for 185 characters).
    sample = [typical_comment(texts, rng) for _ in range(args.n)]
    longs = [long_comment(texts, rng) for _ in range(50)]
    for t in sample[:100]:  # warm up both
        scorer.score(t)
        profanity.contains_profanity(t)

    ours = per_call_ms(scorer.score, sample)
    bp_sample = sample[: max(200, args.n // 10)]  # better-profanity is slow: time a subset
    theirs = per_call_ms(profanity.contains_profanity, bp_sample)
    ours_same = per_call_ms(scorer.score, bp_sample)
    ours_long = per_call_ms(scorer.score, longs)
    theirs_long = per_call_ms(profanity.contains_profanity, longs[:10])

    rate = throughput(scorer, sample)
    short_rate = throughput(scorer, texts)

    print(f"model: {scorer.model_version}   degraded: {scorer.degraded}")
    print(f"typical comment: median {statistics.median(len(t) for t in sample):.0f} chars")
    print(f"{'':34}{'median ms':>10}{'p99 ms':>10}")
    print(f"{'better_profanity.contains_profanity':34}{statistics.median(theirs):10.3f}{pct(theirs, .99):10.3f}")
    print(f"{'scorer.score (same comments)':34}{statistics.median(ours_same):10.3f}{pct(ours_same, .99):10.3f}")
    print(f"{'scorer.score (all sampled)':34}{statistics.median(ours):10.3f}{pct(ours, .99):10.3f}")
    print(f"{'better_profanity, 4,000 chars':34}{statistics.median(theirs_long):10.3f}{pct(theirs_long, .99):10.3f}")
    print(f"{'scorer.score, 4,000 chars':34}{statistics.median(ours_long):10.3f}{pct(ours_long, .99):10.3f}")
    print(f"speed-up per comment (median ratio): {statistics.median(theirs) / statistics.median(ours_same):.1f}x")
    print(f"speed-up at 4,000 chars:             {statistics.median(theirs_long) / statistics.median(ours_long):.1f}x")
    print(f"score_many, one core: {rate:,.0f} comments/s (typical comments); "
          f"{short_rate:,.0f}/s (single corpus lines, median {statistics.median(map(len, texts)):.0f} chars)")
    print(f"memory: {loaded - before:.0f} MB for import + load (RSS {loaded:.0f} MB); load took {load_s:.2f} s")


if __name__ == "__main__":
    main()
