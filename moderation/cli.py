"""The ``moderation`` command. Every subcommand reads the same ``MODERATION_*`` variables."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

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


def _require_dir(path: Path, flag: str) -> None:
    if not path.is_dir():
        raise ModerationError(f"{flag} {path}: no such directory")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="moderation", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("score", help="score JSON Lines {id, text} from stdin")
    p.add_argument("--model-dir", type=Path, default=None, help="default: $MODERATION_MODEL_DIR or models/")
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    handler: Handler = args.handler
    try:
        return handler(args)
    except ModerationError as exc:
        print(f"moderation {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
