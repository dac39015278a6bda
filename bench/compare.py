"""Engine throughput of the working tree against an earlier commit, in one process, alternating.

    .venv/bin/python bench/compare.py [REV] [--rounds 21] [--n 2048] [--long]

REV (default HEAD) is checked out into a temporary git worktree and its ``moderation`` package is
imported under another name beside the working tree's; both score the same typical comments with
``score_many`` (batches of 256, no explanations) and with ``score`` one at a time (explanations
included, as the web service calls it), taking turns, so that the machine's drift hits both
alike. Prints each side's median comments/s, the median of the per-round ratios, and how
many verdicts differ (decision, or a score by more than 1e-9) and how many explanations differ —
a speed change should change none.
Revisions older than this script read their lexicon from the installed ``moderation`` package,
that is the working tree's: the script says so when REV's lexicon differs.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from engine import corpus, long_comment, typical_comment  # bench/engine.py, same directory

import moderation

ROOT = Path(__file__).resolve().parents[1]
SINGLES = 300  # comments scored one at a time per round


def import_as(name: str, package_dir: Path):
    """Import the package in ``package_dir`` as ``name`` (its relative imports stay inside it)."""
    spec = importlib.util.spec_from_file_location(name, package_dir / "__init__.py",
                                                  submodule_search_locations=[str(package_dir)])
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def seconds(scorer, chunks) -> float:
    """score_many over the batches, no explanations (a batch job)."""
    t0 = time.perf_counter()
    for chunk in chunks:
        scorer.score_many(chunk, explain=False)
    return time.perf_counter() - t0


def seconds_one_by_one(scorer, texts) -> float:
    """score, one comment per call, with explanations (the web service)."""
    t0 = time.perf_counter()
    for text in texts:
        scorer.score(text)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("rev", nargs="?", default="HEAD")
    ap.add_argument("--rounds", type=int, default=21)
    ap.add_argument("--n", type=int, default=2048)
    ap.add_argument("--long", action="store_true", help="4,000-character comments instead")
    args = ap.parse_args()
    rng = random.Random(0)
    texts = corpus()
    make = long_comment if args.long else typical_comment
    batch = [make(texts, rng) for _ in range(args.n)]
    chunks = [batch[i : i + 256] for i in range(0, len(batch), 256)]
    lexicon = subprocess.run(["git", "-C", str(ROOT), "diff", "--quiet", args.rev, "--",
                              "moderation/lexicon"], check=False)
    if lexicon.returncode:
        print(f"note: the lexicon differs from {args.rev}'s; a commit older than this script "
              "reads the working tree's")
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "base"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(tree),
                        args.rev], check=True)
        try:
            base = import_as("moderation_base", tree / "moderation").load_scorer(tree / "models")
            new = moderation.load_scorer(ROOT / "models")
            singles = batch[: SINGLES // 10 if args.long else SINGLES]
            for scorer in (base, new):
                seconds(scorer, chunks)  # warm caches
                seconds_one_by_one(scorer, singles)
            times: dict[str, list[float]] = {"base": [], "new": []}
            single: dict[str, list[float]] = {"base": [], "new": []}
            for _ in range(args.rounds):
                for name, scorer in (("base", base), ("new", new)):
                    times[name].append(seconds(scorer, chunks))
                    single[name].append(seconds_one_by_one(scorer, singles))
            before = [v for c in chunks for v in base.score_many(c, explain=False)]
            after = [v for c in chunks for v in new.score_many(c, explain=False)]
            explained = sum(1 for t in singles
                            if explanations(base.score(t)) != explanations(new.score(t)))
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
                           check=True)
    differ = sum(1 for x, y in zip(before, after) if x.decision != y.decision
                 or max(abs(x.scores[k] - y.scores[k]) for k in x.scores) > 1e-9)
    print(f"{args.rev} ({base.model_version}) against the working tree ({new.model_version}); "
          f"{args.n} {'4,000-character' if args.long else 'typical'} comments, "
          f"{args.rounds} rounds each")
    print(f"{'':36}{args.rev:>14}{'working tree':>14}   ratio, median of rounds (range)")
    report("score_many, batches of 256", times, args.n)
    report(f"score, one at a time ({len(singles)})", single, len(singles))
    print(f"verdicts that differ: {differ} of {len(after)}; explanations that differ: "
          f"{explained} of {len(singles)}")


def explanations(verdict) -> dict[str, list[tuple[str, float, int | None, int | None]]]:
    return {c: [(p.text, round(p.weight, 9), p.start, p.end) for p in phrases]
            for c, phrases in verdict.explanations.items()}


def report(label: str, times: dict[str, list[float]], n: int) -> None:
    ratios = [b / w for b, w in zip(times["base"], times["new"])]
    print(f"{label:36}{n / statistics.median(times['base']):>11,.0f}/s"
          f"{n / statistics.median(times['new']):>11,.0f}/s   {statistics.median(ratios):.3f} "
          f"({min(ratios):.3f}–{max(ratios):.3f})")


if __name__ == "__main__":
    main()
