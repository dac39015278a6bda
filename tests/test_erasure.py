"""Erasure requests: a reader's comments go, with their audit events and training labels."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from moderation.cli import main
from moderation.storage import comments, labels, make_engine, session_factory, sites, threads
from moderation.storage.erasure import Erased, erase
from moderation.storage.errors import CommentNotFound, InvalidData
from moderation.storage.schema import Comment, Label, LabelSource, ModerationEvent, Thread


def verdict() -> dict[str, Any]:
    return {"decision": "approve", "scores": {"obscene": 0.0, "personal": 0.0, "derogatory": 0.0},
            "matches": [], "reasons": [], "model_version": "test"}


def seed(session: Session) -> dict[str, Any]:
    """Two sites; "ann" writes on both, "bob" on the first; one of ann's comments is labelled."""
    a, b = sites.create_site(session, "a", "A"), sites.create_site(session, "b", "B")
    ta, tb = threads.get_or_create_thread(session, a, "t"), threads.get_or_create_thread(session, b, "t")
    ann1, _ = comments.submit_comment(session, a, ta, "ann", "first", verdict())
    ann2, _ = comments.submit_comment(session, a, ta, "ann", "second", verdict())
    bob, _ = comments.submit_comment(session, a, ta, "bob", "bob's", verdict())
    ann_b, _ = comments.submit_comment(session, b, tb, "ann", "elsewhere", verdict())
    labels.add_label(session, a, LabelSource.MODERATOR, comment=ann1, categories={"personal": 1})
    labels.add_label(session, a, LabelSource.SUGGESTSCORE, text="unrelated", toxicity=0.1)
    return {"a": a, "b": b, "ann1": ann1.id, "ann2": ann2.id, "bob": bob.id, "ann_b": ann_b.id}


def texts(session: Session) -> set[str]:
    return set(session.scalars(select(Comment.text)))


def count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_an_author_is_erased_on_one_site_with_events_and_labels(session: Session) -> None:
    ids = seed(session)
    events_before = count(session, ModerationEvent)
    done = erase(session, ids["a"], author="ann")
    assert done == Erased(comments=2, events=2, labels=1)  # one system event per submission
    assert texts(session) == {"bob's", "elsewhere"}  # bob, and ann on the other site, stay
    assert count(session, ModerationEvent) == events_before - 2
    assert set(session.scalars(select(Label.text))) == {"unrelated"}
    assert count(session, Thread) == 2  # the article threads are the site's, not the reader's


def test_comments_by_id(session: Session) -> None:
    ids = seed(session)
    assert erase(session, ids["a"], ids=[ids["ann2"], ids["bob"]]).comments == 2
    assert texts(session) == {"first", "elsewhere"}


@pytest.mark.parametrize("foreign", ["ann_b", None])
def test_an_id_not_of_the_site_erases_nothing(session: Session, foreign: str | None) -> None:
    ids = seed(session)
    missing = ids[foreign] if foreign else 10**9
    with pytest.raises(CommentNotFound):
        erase(session, ids["a"], ids=[ids["ann1"], missing])
    assert len(texts(session)) == 4


def test_a_dry_run_counts_and_keeps(session: Session) -> None:
    ids = seed(session)
    assert erase(session, ids["a"], author="ann", dry_run=True) == Erased(2, 2, 1)
    assert len(texts(session)) == 4 and count(session, Label) == 2


def test_an_unknown_author_erases_nothing(session: Session) -> None:
    ids = seed(session)
    assert erase(session, ids["a"], author="Ann") == Erased(0, 0, 0)  # names match exactly
    assert len(texts(session)) == 4


@pytest.mark.parametrize("kwargs", [{}, {"author": "ann", "ids": [1]}])
def test_author_or_ids_exactly(session: Session, kwargs: dict[str, Any]) -> None:
    ids = seed(session)
    with pytest.raises(InvalidData):
        erase(session, ids["a"], **kwargs)


def test_the_erase_command(monkeypatch, db_url, tmp_path, capsys) -> None:
    monkeypatch.setenv("MODERATION_DATABASE_URL", db_url)
    monkeypatch.setenv("MODERATION_INSTANCE_DIR", str(tmp_path))
    assert main(["create-site", "a"]) == 0
    engine = make_engine(db_url)
    with session_factory(engine)() as session, session.begin():
        site = sites.get_site(session, "a")
        thread = threads.get_or_create_thread(session, site, "t")
        comments.submit_comment(session, site, thread, "ann", "mine", verdict())
    capsys.readouterr()
    assert main(["erase", "--site", "a", "--author", "ann", "--dry-run"]) == 0
    assert "would erase 1 comment(s), 1 audit event(s) and 0 training label(s)" in capsys.readouterr().out
    assert main(["erase", "--site", "a", "--author", "ann"]) == 0
    assert "a: erased 1 comment(s)" in capsys.readouterr().out
    assert main(["erase", "--site", "a", "--comment", "999999"]) == 2
    assert "no comment 999999" in capsys.readouterr().err
    with session_factory(engine)() as session:
        assert texts(session) == set()
    engine.dispose()
