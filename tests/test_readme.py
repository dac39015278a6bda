"""The README stays true: every route, configuration variable and command is documented."""

import re
from pathlib import Path

from moderation.cli import build_parser
from moderation.settings import Settings
from moderation.settings import __doc__ as settings_doc
from web import create_app

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_route_is_documented(tmp_path):
    settings = Settings(instance_dir=tmp_path, database_url="sqlite://", secret_key="s" * 32)
    app = create_app({"SETTINGS": settings, "TESTING": True})
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"<\1>", rule.rule)
        assert path in README, f"{rule.rule} is not in README.md"


def test_every_variable_is_documented():
    variables = set(re.findall(r"MODERATION_[A-Z_]+", settings_doc or ""))
    assert len(variables) >= 10
    for name in variables:
        assert f"`{name}`" in README, f"{name} is not in README.md"


def test_every_command_is_documented():
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for name in sub.choices:
        assert f"moderation {name}" in README, f"'moderation {name}' is not in README.md"


def test_two_newcomer_commands():
    assert "\n    make run\n" in README and "\n    make test\n" in README
