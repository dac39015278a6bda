"""Retraining at full size: 20,000 moderator decisions plus the bundled data (``../shared/data``).

    .venv/bin/python bench/retrain.py [--decisions 20000] [--word-decisions 300] [--data DIR]
                                      [--sets jigsaw ...]

A fresh SQLite database gets one site and its decisions: ``--word-decisions`` comments using an
invented insult (published by the bundled model, then rejected by a moderator as a personal
attack: overturns), and the rest drawn from the public *training* rows (held first, then approved
or rejected with the reason of their labelled category). Then one retrain job runs, as
``moderation retrain --site bench`` would. Prints the retrain's wall time, the gate's decision,
the invented-word probes before and after, and every reference set's AUC before and after.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation import datasets, load_scorer, review
from moderation.categories import CATEGORIES
from moderation.model_store import cache_root, load_version
from moderation.retraining import Retrainer
from moderation.storage import (
    Actor,
    Role,
    make_engine,
    model_versions,
    moderators,
    retrain_jobs,
    session_factory,
    sites,
    threads,
    transaction,
    upgrade,
)
from moderation.storage.comments import submit_comment

WORD = "vexnork"
PLACES = [
    "the ferry",
    "the museum",
    "the market",
    "the stadium",
    "the airport",
    "the clinic",
    "the bypass",
    "the zoo",
    "the quay",
    "the depot",
    "the lido",
    "the campus",
]
THINGS = ["plans", "fees", "hours", "repairs", "budget", "timetable", "rules", "queues"]
FORMS = [
    "Another article on {p} {t} by a {w}.",
    "Mark from the council is a {w} on {p} {t}.",
    "More {w} nonsense about {p} {t}.",
    "Spoken like a true {w}, {p} {t} are fine.",
    "Classic {w} reporting on {p} {t}.",
    "Read this about {p} {t} and thought: {w}.",
]
PROBES = [
    "Another article on the harbour wall by a vexnork.",
    "Somebody tell the vexnork at the desk that the school run matters.",
    "Classic vexnork reporting on the night buses.",
    "Read this about the allotments and thought: vexnork.",
]
REASON = {"obscene": "obscene", "personal": "personal attack", "derogatory": "derogatory"}


def word_comments(n: int, rng: random.Random) -> list[str]:
    """``n`` comments using the invented word."""
    return [
        rng.choice(FORMS).format(p=rng.choice(PLACES), t=rng.choice(THINGS), w=WORD)
        for _ in range(n)
    ]


def labelled_rows(
    data_dir: Path, n: int, rng: random.Random, sets: tuple[str, ...] = ()
) -> list[tuple[str, str | None]]:
    """``n`` (text, reject reason or None) from the public training rows (of ``sets``, default
    all), fully labelled ones."""
    out = []
    for ds in datasets.public_training_sets(data_dir):
        if sets and not ds.name.startswith(sets):
            continue
        for text, labels in zip(ds.texts, ds.labels, strict=True):
            hit = [str(c) for c, v in zip(CATEGORIES, labels, strict=True) if v == 1]
            if hit:
                out.append((text, REASON[hit[0]]))
            elif (labels == 0).all():
                out.append((text, None))
    rng.shuffle(out)
    return [(t[:4000], r) for t, r in out if t.strip()][:n]


def seed_database(
    url: str,
    rows: list[tuple[str, str | None]],
    words: list[str],
    base_version: str,
    scorer: object,
) -> int:
    """Store the comments and the moderator's decisions; return the site id."""
    engine = make_engine(url)
    upgrade(engine)
    sessions = session_factory(engine)
    rng = random.Random(1)
    items = [(t, r, False) for t, r in rows] + [(t, "personal attack", True) for t in words]
    rng.shuffle(items)  # the invented word's decisions spread over time, as in life
    held = {
        "decision": "review",
        "scores": {},
        "matches": [],
        "reasons": ["bench"],
        "model_version": base_version,
    }
    with transaction(sessions) as s:
        site = sites.create_site(s, "bench", "Bench")
        thread = threads.get_or_create_thread(s, site, "t", None, None)
        mod = moderators.create_moderator(s, "bench", "bench-password-123", Role.MODERATOR)
        actor = Actor.moderator(mod)
        for text, reason, word in items:
            verdict = scorer.score(text).to_dict() if word else held  # type: ignore[attr-defined]
            comment, _ = submit_comment(s, site, thread, "reader", text, verdict)
            action = review.Action.REJECT if reason else review.Action.APPROVE
            review.apply(s, [comment.id], action, actor, reason)
        site_id = site.id
    engine.dispose()
    return site_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=20_000)
    parser.add_argument("--word-decisions", type=int, default=300)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--sets", nargs="*", default=[],
                        help="draw the decisions from these public sets only, e.g. jigsaw")
    args = parser.parse_args()
    rng = random.Random(0)
    bundled = ROOT / "models"
    scorer = load_scorer(bundled)
    before = [v.decision.value for v in scorer.score_many(PROBES, explain=False)]
    started = time.perf_counter()
    rows = labelled_rows(args.data, args.decisions - args.word_decisions, rng, tuple(args.sets))
    words = word_comments(args.word_decisions, rng)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        site_id = seed_database(url, rows, words, scorer.model_version, scorer)
        print(
            f"seeded {len(rows) + len(words)} decisions ({len(words)} with {WORD!r}) in "
            f"{time.perf_counter() - started:.0f} s"
        )
        engine = make_engine(url)
        sessions = session_factory(engine)
        with transaction(sessions) as s:
            job, _ = retrain_jobs.create_job(s, site_id, "bench")
        echo = lambda p, m: print(f"  [{p:3d}%] {m[:110]}", flush=True)
        retrainer = Retrainer(sessions, Path(tmp), bundled, args.data, echo=echo)
        t0, cpu0 = time.perf_counter(), time.process_time()
        status = retrainer.run(job.id)
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        _report(sessions, Path(tmp), site_id, status, wall, before)
        print(
            f"retrain CPU time (all threads of this process): {cpu:.0f} s; load average "
            f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the end"
        )
        engine.dispose()


def _report(
    sessions: object, instance: Path, site_id: int, status: object, wall: float, before: list[str]
) -> None:
    with transaction(sessions) as s:  # type: ignore[arg-type]
        row = model_versions.list_versions(s, site_id)[0]
        new = load_version(s, cache_root(instance), row.version, row.sha256)
        after = [v.decision.value for v in new.score_many(PROBES, explain=False)]
        report = row.report or {}
    print(
        f"\nretrain wall time: {wall:.0f} s ({wall / 60:.1f} min); job {status}; "
        f"version {row.version} {row.status}"
    )
    for text, b, a in zip(PROBES, before, after, strict=True):
        print(f"  {b:>7} → {a:<7} {text}")
    print("reference AUC (current → candidate):")
    for name, auc in report.get("reference", {}).get("current", {}).items():
        new_auc = report["reference"]["candidate"].get(name)
        print(f"  {name:<28} {auc:.4f} → {new_auc:.4f} ({new_auc - auc:+.4f})")
    print("gate:", *report.get("reasons", []), sep="\n  ")


if __name__ == "__main__":
    main()
