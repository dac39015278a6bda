"""`moderation create-moderator NAME [--role]`: password twice, no default account."""

import io

import pytest
from sqlalchemy.orm import Session

from moderation.cli import main
from moderation.storage import make_engine, moderators


@pytest.fixture
def env(monkeypatch, db_url, tmp_path):
    monkeypatch.setenv("MODERATION_DATABASE_URL", db_url)
    monkeypatch.setenv("MODERATION_INSTANCE_DIR", str(tmp_path))


def run(monkeypatch, capsys, stdin: str, *argv: str):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(["create-moderator", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _stored(db_url, name):
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            found = moderators.find_moderator(session, name)
            return (
                (found.role, moderators.authenticate(session, name, "long enough pw"))
                if found
                else None
            )
    finally:
        engine.dispose()


def test_reads_the_password_twice_from_stdin(env, monkeypatch, capsys, db_url):
    code, out, _ = run(
        monkeypatch, capsys, "long enough pw\nlong enough pw\n", "Ann", "--role", "admin"
    )
    assert code == 0 and "ann" in out
    role, ok = _stored(db_url, "ann")
    assert role == "admin" and ok is not None


def test_default_role_is_moderator(env, monkeypatch, capsys, db_url):
    assert run(monkeypatch, capsys, "long enough pw\nlong enough pw\n", "bob")[0] == 0
    assert _stored(db_url, "bob")[0] == "moderator"


@pytest.mark.parametrize(
    "stdin", ["long enough pw\nsomething else\n", "short\nshort\n", "long enough pw\n", ""]
)
def test_refuses_mismatch_short_or_missing_passwords(env, monkeypatch, capsys, db_url, stdin):
    code, _, err = run(monkeypatch, capsys, stdin, "carol")
    assert code != 0 and err
    assert _stored(db_url, "carol") is None


def test_refuses_a_taken_name(env, monkeypatch, capsys):
    assert run(monkeypatch, capsys, "long enough pw\nlong enough pw\n", "dave")[0] == 0
    assert run(monkeypatch, capsys, "long enough pw\nlong enough pw\n", "dave")[0] != 0
