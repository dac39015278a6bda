"""The ``moderation`` command. Every subcommand reads the same ``MODERATION_*`` variables."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .errors import ModerationError

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "data"

Handler = Callable[[argparse.Namespace], int]


def cmd_score(args: argparse.Namespace) -> int:
    """Score JSON Lines from stdin; non-zero exit when any line was in error."""
    from .jsonl import score_stream
    from .scorer import load_scorer

    scorer = load_scorer(args.model_dir)
    errors = score_stream(scorer, sys.stdin, sys.stdout)
    if errors:
        print(f"moderation score: {errors} line(s) could not be scored", file=sys.stderr)
    return 1 if errors else 0


def cmd_train(args: argparse.Namespace) -> int:
    """Retrain the bundled model from the labelled data."""
    from .training import train

    _require_dir(args.data, "--data")
    train(args.data, args.out, seed=args.seed)
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Print held-out metrics and write ROC/PR plots."""
    from .evaluation import evaluate
    from .scorer import default_model_dir

    model_dir = args.model_dir or default_model_dir()
    data = args.data if args.data.is_dir() else None
    evaluate(model_dir, data, args.plots)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Migrate the database, ensure the default site, and serve the app under gunicorn."""
    from web.serve import run  # the one place the engine's CLI reaches into the web package

    return run(args.host, args.port, args.workers)


def cmd_create_site(args: argparse.Namespace) -> int:
    """Add a site (its allowed origins for the widget)."""
    from .storage import sites, transaction

    with transaction(_migrated_sessions()) as session:
        site = sites.create_site(session, args.slug, args.name or args.slug, origins=args.origin)
        print(f"created site {site.slug!r} allowing {', '.join(site.origins) or 'no other origin'}")
    return 0


def cmd_create_api_key(args: argparse.Namespace) -> int:
    """Create an API key for a site and print it once, alone on the last line."""
    from .storage import apikeys, sites, transaction

    with transaction(_migrated_sessions()) as session:
        site = sites.get_site(session, args.site)
        key, raw = apikeys.create_api_key(session, site, args.name)
        print(f"API key {key.prefix}… ({key.name!r}) for site {site.slug!r}.")
        print("It is shown once and cannot be recovered; store it now:")
    print(raw)
    return 0


def cmd_create_moderator(args: argparse.Namespace) -> int:
    """Add a dashboard login; the password is asked twice (or read as two lines from stdin)."""
    from .storage import Role, moderators, transaction

    password = _new_password()
    with transaction(_migrated_sessions()) as session:
        moderator = moderators.create_moderator(session, args.name, password, Role(args.role))
        print(f"created {moderator.role} {moderator.username!r}")
    return 0


def cmd_retrain(args: argparse.Namespace) -> int:
    """Retrain on the scope's decisions in this process, printing progress; 0 only if promoted."""
    from .retraining import Retrainer
    from .settings import Settings
    from .storage import JobStatus, retrain_jobs, transaction

    sessions = _migrated_sessions()
    with transaction(sessions) as session:
        site_id = _site_id(session, args.site)
        job, created = retrain_jobs.create_job(session, site_id, "cli")
    if not created:
        raise ModerationError(f"retrain job {job.id} is already {job.status} for this scope")
    echo = lambda progress, message: print(f"[{progress:3d}%] {message}", flush=True)
    status = Retrainer.from_settings(Settings.from_env(), sessions, echo=echo).run(job.id)
    print(f"retrain job {job.id}: {status}")
    return 0 if status is JobStatus.SUCCEEDED else 1


def cmd_models(args: argparse.Namespace) -> int:
    """List the scope's model versions, newest first; '*' marks the one serving."""
    from .storage import model_versions, transaction

    with transaction(_migrated_sessions()) as session:
        site_id = _site_id(session, args.site)
        rows = model_versions.list_versions(session, site_id)
        serving = "*" if not any(r.status == "active" for r in rows) else " "
        for row in rows:
            mark = "*" if row.status == "active" else " "
            gate = (row.report or {}).get("reasons", ["(no report)"])[0]
            print(f"{mark} {row.version:<40} {row.status:<9} {row.created_at:%Y-%m-%d %H:%M} "
                  f"parent {row.parent_version or '-'}; {gate}")
    fallback = "the global model" if args.site else f"bundled {_bundled_version()}"
    print(f"{serving} {fallback} (fallback)")
    return 0


def cmd_rollback(args: argparse.Namespace) -> int:
    """Activate an earlier version, or fall back (to the global model, or the bundled one)."""
    from .storage import model_versions, transaction

    names = ("bundled", "global", _bundled_version())
    with transaction(_migrated_sessions()) as session:
        site_id = _site_id(session, args.site)
        print(model_versions.rollback(session, args.version, site_id, names))
    return 0


def cmd_rescore(args: argparse.Namespace) -> int:
    """Re-score pending comments with the model serving each site now (decides nothing)."""
    from .rescore import rescore_pending
    from .retraining import Retrainer, site_overrides
    from .scorer import load_scorer
    from .settings import Settings
    from .storage import sites, transaction

    settings = Settings.from_env()
    sessions = _migrated_sessions()
    retrainer = Retrainer.from_settings(settings, sessions)
    with transaction(sessions) as session:
        targets = [sites.get_site(session, args.site)] if args.site else sites.list_sites(session)
        for site in targets:
            serving = retrainer.serving(session, site.id)
            scorer = load_scorer(serving.directory, max_length=settings.max_length)
            count = rescore_pending(session, site, scorer.for_site(**site_overrides(site)))
            print(f"{site.slug}: re-scored {count} pending comment(s) with {serving.version}")
    return 0


def cmd_erase(args: argparse.Namespace) -> int:
    """Erase a reader's comments (by author or id), their audit events and training labels."""
    from .storage import sites, transaction
    from .storage.erasure import erase

    with transaction(_migrated_sessions()) as session:
        site = sites.get_site(session, args.site)
        done = erase(session, site, author=args.author, ids=args.comment, dry_run=args.dry_run)
        verb = "would erase" if args.dry_run else "erased"
        print(f"{site.slug}: {verb} {done.comments} comment(s), {done.events} audit event(s) and "
              f"{done.labels} training label(s)")
        if done.comments and not args.dry_run:
            print("Models trained before keep what they learnt; the next retraining will not "
                  "see these comments.")
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    """Run an RQ worker for retrain jobs (needs MODERATION_REDIS_URL)."""
    from .jobs import work
    from .settings import Settings

    settings = Settings.from_env()
    if not settings.redis_url:
        raise ModerationError("MODERATION_REDIS_URL is not set: without Redis the service runs "
                              "retrain jobs itself")
    _migrated_sessions()
    work(settings.redis_url, burst=args.burst)
    return 0


def _site_id(session: Any, slug: str | None) -> int | None:
    """The site's id (None for the global scope)."""
    from .storage import sites

    return sites.get_site(session, slug).id if slug else None


def _bundled_version() -> str:
    from .classifier import read_sidecar
    from .scorer import default_model_dir
    from .settings import Settings

    try:
        return str(read_sidecar(Settings.from_env().model_dir or default_model_dir())["version"])
    except (ModerationError, KeyError):
        return "bundled"


def _new_password() -> str:
    """The password twice, with getpass on a terminal, else two lines of stdin; must agree."""
    if sys.stdin.isatty():
        import getpass

        first, second = getpass.getpass("Password: "), getpass.getpass("Again: ")
    else:
        first, second = sys.stdin.readline().rstrip("\r\n"), sys.stdin.readline().rstrip("\r\n")
    if first != second:
        raise ModerationError("the two passwords differ")
    return first


def _migrated_sessions() -> Any:
    """A session factory on the configured database, migrated to the newest schema first."""
    from .settings import Settings
    from .storage import make_engine, session_factory, upgrade

    engine = make_engine(Settings.from_env().database_url)
    upgrade(engine)
    return session_factory(engine)


def _require_dir(path: Path, flag: str) -> None:
    if not path.is_dir():
        raise ModerationError(f"{flag} {path}: no such directory")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="moderation",
        description="Self-hosted comment moderation: score comments; serve the widget, the APIs "
        "and the dashboard; manage sites, keys, moderators and models. Every command reads the "
        "same MODERATION_* environment variables (README.md, 'Configuration').",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("score", help="score JSON Lines {id, text} from stdin")
    p.add_argument(
        "--model-dir", type=Path, default=None, help="default: $MODERATION_MODEL_DIR or models/"
    )
    p.set_defaults(handler=cmd_score)

    p = sub.add_parser("train", help="train the classifier from labelled data")
    p.add_argument("--data", type=Path, default=DEFAULT_DATA, help=f"default: {DEFAULT_DATA}")
    p.add_argument("--out", type=Path, default=REPO / "models", help="default: models/")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(handler=cmd_train)

    p = sub.add_parser("evaluate", help="held-out metrics, decision mix and ROC/PR plots")
    p.add_argument("--model-dir", type=Path, default=None)
    p.add_argument("--data", type=Path, default=DEFAULT_DATA)
    p.add_argument("--plots", type=Path, default=REPO / "models", help="where PNG plots go")
    p.set_defaults(handler=cmd_evaluate)

    p = sub.add_parser("serve", help="run the service (gunicorn); migrates the database first")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=None, help="default: 2 × CPU cores + 1")
    p.set_defaults(handler=cmd_serve)

    p = sub.add_parser("create-site", help="add a site for the widget and the API")
    p.add_argument("slug", help="1–64 of a-z, 0-9 and '-'")
    p.add_argument("--name", default=None, help="display name (default: the slug)")
    p.add_argument(
        "--origin", action="append", default=[], help="allowed origin, e.g. https://news.example"
    )
    p.set_defaults(handler=cmd_create_site)

    p = sub.add_parser("create-api-key", help="a new API key for a site, printed once")
    p.add_argument("--site", required=True)
    p.add_argument("--name", default="api", help="a label to tell keys apart")
    p.set_defaults(handler=cmd_create_api_key)

    p = sub.add_parser("create-moderator", help="add a dashboard login (asks for the password)")
    p.add_argument("name", help="username: 1–64 of a-z, 0-9, '.', '_' and '-'")
    p.add_argument("--role", choices=["moderator", "admin"], default="moderator")
    p.set_defaults(handler=cmd_create_moderator)

    p = sub.add_parser("retrain", help="retrain on moderator decisions (foreground, with progress)")
    p.add_argument("--site", default=None, help="a site's own model (default: the global model)")
    p.set_defaults(handler=cmd_retrain)

    p = sub.add_parser("models", help="list model versions ('*' marks the one serving)")
    p.add_argument("--site", default=None)
    p.set_defaults(handler=cmd_models)

    p = sub.add_parser("rollback", help="activate an earlier model version")
    p.add_argument("version", help="a listed version, or 'bundled' / 'global' to fall back")
    p.add_argument("--site", default=None, help="the scope to fall back (with bundled/global)")
    p.set_defaults(handler=cmd_rollback)

    p = sub.add_parser("rescore", help="re-score the pending queue with the serving model")
    p.add_argument("--site", default=None, help="default: every site")
    p.set_defaults(handler=cmd_rescore)

    p = sub.add_parser("erase", help="erase a reader's comments (an erasure request)")
    p.add_argument("--site", required=True)
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--author", help="every comment under this exact author name")
    who.add_argument("--comment", type=int, action="append", default=[], metavar="ID",
                     help="a comment id (repeatable)")
    p.add_argument("--dry-run", action="store_true", help="count, erase nothing")
    p.set_defaults(handler=cmd_erase)

    p = sub.add_parser("worker", help="run retrain jobs from the RQ queue (MODERATION_REDIS_URL)")
    p.add_argument("--burst", action="store_true", help="exit when the queue is empty")
    p.set_defaults(handler=cmd_worker)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)  # migrations report only problems
    handler: Handler = args.handler
    try:
        return handler(args)
    except ModerationError as exc:
        print(f"moderation {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
