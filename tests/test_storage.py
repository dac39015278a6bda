"""Storage: schema and migrations, the SQLite profile, and the query functions, on both databases."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker as SessionMaker

from moderation.storage import apikeys, comments, labels, moderators, sites, threads
from moderation.storage.engine import make_engine, session_factory, transaction
from moderation.storage.errors import (
    CommentNotFound,
    DuplicateSite,
    DuplicateUsername,
    InvalidData,
    SiteNotFound,
)
from moderation.storage.events import Actor, list_events
from moderation.storage.migrate import current, diff, head, upgrade
from moderation.storage.schema import (
    ActorKind,
    ApiKey,
    Comment,
    CommentStatus,
    LabelSource,
    ModerationEvent,
    Role,
    Site,
    Thread,
)

T = TypeVar("T")
SECRET = "test secret key, long enough"


def verdict(decision: str = "approve", **extra: Any) -> dict[str, Any]:
    """A verdict dict shaped like ``Verdict.to_dict()``."""
    base = {
        "decision": decision,
        "scores": {"obscene": 0.01, "personal": 0.2, "derogatory": 0.0},
        "matches": [],
        "reasons": [],
        "model_version": "test-1",
        "explanations": {},
    }
    return base | extra


def committed(factory: SessionMaker[Session], work: Callable[[Session], T]) -> T:
    """Run ``work`` in its own committed transaction."""
    with transaction(factory) as session:
        return work(session)


def make_site_and_thread(factory: SessionMaker[Session], slug: str = "news") -> tuple[int, int]:
    """Commit a site and a thread; their ids."""

    def work(s: Session) -> tuple[int, int]:
        site = sites.create_site(s, slug, slug.title(), ["https://news.example"])
        thread = threads.get_or_create_thread(s, site, "article-1", "https://news.example/a1")
        return site.id, thread.id

    return committed(factory, work)


def submit(
    s: Session, site_id: int, thread_id: int, text_: str = "hello", key: str | None = None, **v: Any
) -> tuple[Comment, bool]:
    """submit_comment by ids."""
    site, thread = s.get_one(Site, site_id), s.get_one(Thread, thread_id)
    return comments.submit_comment(s, site, thread, "ann", text_, verdict(**v), key)


def count(s: Session, model: type[Any]) -> int:
    """Rows in a table."""
    return s.scalar(select(func.count()).select_from(model)) or 0


# ─── migrations ──────────────────────────────────────────────────────────────


def test_upgrade_creates_the_schema_the_models_describe(empty_db_url: str) -> None:
    assert current(empty_db_url) is None
    upgrade(empty_db_url)
    assert current(empty_db_url) == head()
    assert diff(empty_db_url) == []  # `alembic check`: nothing to autogenerate


def test_upgrade_at_head_is_a_noop_and_keeps_data(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    upgrade(engine)
    committed(session_factory(engine), lambda s: sites.create_site(s, "kept", "Kept"))
    upgrade(engine)
    upgrade(empty_db_url)
    with session_factory(engine)() as s:
        assert sites.get_site(s, "kept").name == "Kept"
    assert current(engine) == head()
    engine.dispose()


def test_concurrent_upgrades_of_a_fresh_database(empty_db_url: str) -> None:
    with ThreadPoolExecutor(3) as pool:
        list(pool.map(lambda _: upgrade(empty_db_url), range(3)))
    assert current(empty_db_url) == head()


# ─── the SQLite profile ──────────────────────────────────────────────────────


def test_sqlite_connections_get_the_pragmas(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    with engine.connect() as conn:
        pragma = lambda name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
        assert pragma("journal_mode") == "wal"
        assert pragma("synchronous") == 2  # FULL
        assert pragma("foreign_keys") == 1
        assert pragma("busy_timeout") == 5000
    engine.dispose()


def test_sqlite_workers_racing_to_open_a_fresh_file_all_connect(tmp_path: Path) -> None:
    # Converting a new file to WAL answers "database is locked" at once (no busy handler) to
    # the loser of a race; before the retry this test failed on each of three runs.
    def open_and_read(url: str) -> str:
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                return str(conn.exec_driver_sql("PRAGMA journal_mode").scalar())
        finally:
            engine.dispose()

    with ThreadPoolExecutor(4) as pool:
        for round_ in range(100):
            url = f"sqlite:///{tmp_path / f'race{round_}.db'}"
            assert list(pool.map(open_and_read, [url] * 4)) == ["wal"] * 4


def test_sqlite_write_transactions_take_the_lock_at_begin(tmp_path: Path) -> None:
    path = tmp_path / "lock.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    with session_factory(engine)() as s, s.begin():
        s.execute(select(1))  # a read only: BEGIN IMMEDIATE already holds the write lock
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    with session_factory(engine, readonly=True)() as s, s.begin():
        s.execute(select(1))  # deferred: a reader does not block writers
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    other.close()
    engine.dispose()


def test_sqlite_enforces_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fk.db'}")
    upgrade(engine)
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(Thread).values(site_id=999, key="orphan"))
    engine.dispose()


def test_postgres_urls_use_psycopg() -> None:
    engine = make_engine("postgresql://u@127.0.0.1/db")
    assert engine.dialect.driver == "psycopg"
    assert engine.pool._pre_ping  # type: ignore[attr-defined]


# ─── transactions ────────────────────────────────────────────────────────────


def test_transaction_commits_on_success_and_rolls_back_on_error(
    sessionmaker: SessionMaker[Session],
) -> None:
    committed(sessionmaker, lambda s: sites.create_site(s, "kept", "Kept"))
    with pytest.raises(RuntimeError), transaction(sessionmaker) as s:
        sites.create_site(s, "lost", "Lost")
        raise RuntimeError("boom")
    with sessionmaker() as s:
        assert [x.slug for x in sites.list_sites(s)] == ["kept"]


# ─── sites and threads ───────────────────────────────────────────────────────


def test_sites_create_get_and_duplicates(session: Session) -> None:
    site = sites.create_site(session, "daily", "The Daily", ["HTTPS://Daily.Example:8443/"])
    assert site.origins == ["https://daily.example:8443"]
    assert site.thresholds is None and site.created_at.tzinfo is UTC
    assert sites.get_site(session, "daily") is site
    with pytest.raises(DuplicateSite):
        sites.create_site(session, "daily", "Again")
    assert sites.get_site(session, "daily") is site  # the savepoint kept the transaction usable
    with pytest.raises(SiteNotFound):
        sites.get_site(session, "nope")


@pytest.mark.parametrize(
    "origin",
    ["news.example", "ftp://news.example", "https://news.example/path", "https://u:p@news.example"],
)
def test_bad_origins_are_refused(origin: str) -> None:
    with pytest.raises(InvalidData):
        sites.normalize_origin(origin)


def test_update_site_settings(session: Session) -> None:
    site = sites.create_site(session, "daily", "The Daily")
    t = {"personal": {"review_at": 0.3, "reject_at": 0.8}}
    sites.update_site_settings(session, site, thresholds=t, deny_words=["foo", " foo ", "bar"])
    assert site.thresholds == t and site.deny_words == ["foo", "bar"] and site.name == "The Daily"
    assert sites.site_thresholds(site)["personal"].review_at == 0.3
    sites.update_site_settings(session, site, thresholds=None)
    assert site.thresholds is None
    for bad in ({"rude": t["personal"]}, {"personal": {"review_at": 0.9, "reject_at": 0.1}}):
        with pytest.raises(InvalidData):
            sites.update_site_settings(session, site, thresholds=bad)


def test_ensure_default_site_is_idempotent(session: Session) -> None:
    first = sites.ensure_default_site(session, "https://blog.example")
    again = sites.ensure_default_site(session, "https://other.example")
    assert again is first and first.origins == ["https://blog.example"]


def test_threads_are_per_site(session: Session) -> None:
    a = sites.create_site(session, "a", "A")
    b = sites.create_site(session, "b", "B")
    ta = threads.get_or_create_thread(session, a, "story", "https://a.example/story", "Story")
    assert threads.get_or_create_thread(session, a, "story") is ta
    assert threads.get_or_create_thread(session, b, "story").id != ta.id


def test_concurrent_thread_creation_makes_one_row(sessionmaker: SessionMaker[Session]) -> None:
    committed(sessionmaker, lambda s: sites.create_site(s, "news", "News"))

    def create(_: int) -> int:
        return committed(
            sessionmaker,
            lambda s: threads.get_or_create_thread(s, sites.get_site(s, "news"), "hot").id,
        )

    with ThreadPoolExecutor(8) as pool:
        ids = set(pool.map(create, range(8)))
    assert len(ids) == 1


# ─── comments ────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("decision", "status"),
    [
        ("approve", CommentStatus.PUBLISHED),
        ("review", CommentStatus.PENDING),
        ("reject", CommentStatus.REJECTED),
    ],
)
def test_every_submission_is_stored_with_its_verdict(
    sessionmaker: SessionMaker[Session], decision: str, status: CommentStatus
) -> None:
    site_id, thread_id = make_site_and_thread(sessionmaker)
    reasons = ["personal 0.93 ≥ 0.90"] if decision != "approve" else []
    text_ = "  Exactly as typed, ünïcode & <b>tags</b>  "
    cid = committed(
        sessionmaker,
        lambda s: submit(s, site_id, thread_id, text_, decision=decision, reasons=reasons)[0].id,
    )
    with sessionmaker() as s:
        c = s.get_one(Comment, cid)
        assert (c.status, c.decision, c.text, c.model_version) == (
            status,
            decision,
            text_,
            "test-1",
        )
        assert c.scores["personal"] == 0.2 and c.reasons == reasons
        assert c.created_at.tzinfo is UTC and c.updated_at >= c.created_at
        [event] = list_events(s, c)
        assert (event.actor_kind, event.from_status, event.to_status) == (
            ActorKind.SYSTEM,
            None,
            status,
        )
        raw = s.execute(text("SELECT status FROM comments WHERE id = :i"), {"i": cid}).scalar()
        assert raw == status.value  # stored as the readable string, not an int


def test_same_idempotency_key_twice_gives_one_comment(sessionmaker: SessionMaker[Session]) -> None:
    site_id, thread_id = make_site_and_thread(sessionmaker)
    first, created = committed(sessionmaker, lambda s: submit(s, site_id, thread_id, key="k1"))
    again, created_again = committed(
        sessionmaker, lambda s: submit(s, site_id, thread_id, "different text", key="k1")
    )
    assert (created, created_again) == (True, False)
    assert again.id == first.id and again.text == "hello"
    with sessionmaker() as s:
        assert count(s, Comment) == 1 and count(s, ModerationEvent) == 1


def test_idempotency_keys_are_per_site(sessionmaker: SessionMaker[Session]) -> None:
    a = make_site_and_thread(sessionmaker, "a")
    b = make_site_and_thread(sessionmaker, "b")
    ca, _ = committed(sessionmaker, lambda s: submit(s, *a, key="same"))
    cb, created = committed(sessionmaker, lambda s: submit(s, *b, key="same"))
    assert created and ca.id != cb.id


def test_concurrent_duplicate_submissions_store_one_row(
    sessionmaker: SessionMaker[Session],
) -> None:
    site_id, thread_id = make_site_and_thread(sessionmaker)
    barrier = threading.Barrier(8)

    def post(_: int) -> tuple[int, bool]:
        barrier.wait()
        c, created = committed(sessionmaker, lambda s: submit(s, site_id, thread_id, key="dup"))
        return c.id, created

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(post, range(8)))
    assert len({cid for cid, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    with sessionmaker() as s:
        assert count(s, Comment) == 1 and count(s, ModerationEvent) == 1


def test_many_concurrent_writers_on_sqlite_all_succeed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'busy.db'}"
    upgrade(url)
    site_id, thread_id = make_site_and_thread(session_factory(make_engine(url)))
    workers, per_worker = 6, 25

    def worker(n: int) -> None:
        engine = make_engine(url)  # its own engine and connection, as another process would
        factory = session_factory(engine)
        for i in range(per_worker):
            text_ = f"w{n} c{i}"
            committed(factory, lambda s: submit(s, site_id, thread_id, text_))  # noqa: B023
        engine.dispose()

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(worker, range(workers)))  # re-raises any "database is locked"
    with session_factory(make_engine(url))() as s:
        assert count(s, Comment) == workers * per_worker


def _process_worker(url: str, site_id: int, thread_id: int, n: int) -> None:
    """One worker process: distinct comments plus keys that every other process also sends."""
    engine = make_engine(url)
    factory = session_factory(engine)
    for i in range(20):
        committed(factory, lambda s: submit(s, site_id, thread_id, f"p{n} c{i}"))  # noqa: B023
        if i % 2 == 0:
            key = f"shared-{i}"
            committed(factory, lambda s: submit(s, site_id, thread_id, key, key=key))  # noqa: B023
    engine.dispose()


def test_worker_processes_share_one_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'workers.db'}"
    upgrade(url)
    site_id, thread_id = make_site_and_thread(session_factory(make_engine(url)))
    ctx = multiprocessing.get_context("fork")  # spawn would re-import sklearn: ~10 s
    procs = [
        ctx.Process(target=_process_worker, args=(url, site_id, thread_id, n)) for n in range(3)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    with session_factory(make_engine(url))() as s:
        assert count(s, Comment) == 3 * 20 + 10  # every distinct comment, each shared key once


def test_list_published_pages_oldest_first_and_isolates_sites(session: Session) -> None:
    a = sites.create_site(session, "a", "A")
    b = sites.create_site(session, "b", "B")
    ta = threads.get_or_create_thread(session, a, "shared-key")
    tb = threads.get_or_create_thread(session, b, "shared-key")
    for i in range(5):
        comments.submit_comment(session, a, ta, "x", f"a{i}", verdict())
    comments.submit_comment(session, a, ta, "x", "held", verdict("review"))
    comments.submit_comment(session, b, tb, "x", "b0", verdict())
    page1 = comments.list_published(session, a, ta, limit=3)
    page2 = comments.list_published(session, a, ta, after_id=page1[-1].id, limit=3)
    assert [c.text for c in page1 + page2] == ["a0", "a1", "a2", "a3", "a4"]
    assert [c.text for c in comments.list_published(session, b, tb)] == ["b0"]
    assert comments.list_published(session, b, ta) == []  # another site's thread: nothing
    assert [c.text for c in comments.list_by_status(session, a)] == ["held"]
    with pytest.raises(InvalidData):
        comments.list_published(session, a, ta, limit=0)


def test_a_thread_of_another_site_is_refused(session: Session) -> None:
    a = sites.create_site(session, "a", "A")
    b = sites.create_site(session, "b", "B")
    tb = threads.get_or_create_thread(session, b, "t")
    with pytest.raises(InvalidData):
        comments.submit_comment(session, a, tb, "x", "text", verdict())
    c, _ = comments.submit_comment(session, b, tb, "x", "text", verdict())
    with pytest.raises(CommentNotFound):
        comments.get_comment(session, a, c.id)


def test_values_postgresql_refuses_are_refused_on_sqlite_too(session: Session) -> None:
    site = sites.create_site(session, "a", "A")
    thread = threads.get_or_create_thread(session, site, "t")
    with pytest.raises(InvalidData, match="author is longer than 100"):
        comments.submit_comment(session, site, thread, "x" * 101, "text", verdict())
    with pytest.raises(InvalidData, match="idempotency_key"):
        comments.submit_comment(session, site, thread, "x", "text", verdict(), "k" * 129)
    with pytest.raises(InvalidData, match="title"):
        threads.get_or_create_thread(session, site, "t2", title="T" * 501)
    with pytest.raises(InvalidData):
        threads.get_or_create_thread(session, site, "k" * 513)
    with pytest.raises(InvalidData, match="NUL"):
        comments.submit_comment(session, site, thread, "x", "nul \x00 byte", verdict())
    with pytest.raises(InvalidData, match="NUL"):
        threads.get_or_create_thread(session, site, "key\x00")
    long_text = "word " * 5000
    c, _ = comments.submit_comment(session, site, thread, "x", long_text, verdict())
    assert c.text == long_text  # the text itself is capped by the scorer, not here


def test_remote_address_is_stored_only_as_a_keyed_hash(session: Session) -> None:
    site = sites.create_site(session, "a", "A")
    thread = threads.get_or_create_thread(session, site, "t")
    with pytest.raises(InvalidData):
        comments.submit_comment(session, site, thread, "x", "t", verdict(), None, "203.0.113.9")
    digest = comments.remote_hash("203.0.113.9", SECRET)
    assert digest != comments.remote_hash("203.0.113.9", "another secret, long enough")
    c, _ = comments.submit_comment(session, site, thread, "x", "t", verdict(), remote_hash=digest)
    assert c.remote_hash == digest and "203.0.113" not in digest


def test_every_status_change_writes_an_event(session: Session) -> None:
    site = sites.create_site(session, "a", "A")
    thread = threads.get_or_create_thread(session, site, "t")
    mod = moderators.create_moderator(session, "Editor", "correct horse battery")
    c, _ = comments.submit_comment(session, site, thread, "x", "text", verdict("review"))
    who = Actor.moderator(mod)
    comments.set_status(session, c, CommentStatus.PUBLISHED, who, "fine", "checked the context")
    assert comments.set_status(session, c, CommentStatus.PUBLISHED, who) is None  # no change
    key, _ = apikeys.create_api_key(session, site, "cms")
    comments.set_status(session, c, CommentStatus.REJECTED, Actor.api(key), "reader reports")
    trail = [
        (e.actor_kind, e.actor_name, e.moderator_id, e.from_status, e.to_status)
        for e in list_events(session, c)
    ]
    assert trail == [
        (ActorKind.SYSTEM, "scorer", None, None, CommentStatus.PENDING),
        (ActorKind.MODERATOR, "editor", mod.id, CommentStatus.PENDING, CommentStatus.PUBLISHED),
        (ActorKind.API, f"cms ({key.prefix}…)", None, CommentStatus.PUBLISHED, "rejected"),
    ]
    assert c.status is CommentStatus.REJECTED


# ─── moderators ──────────────────────────────────────────────────────────────


def test_moderator_passwords_are_argon2_hashes(session: Session) -> None:
    mod = moderators.create_moderator(session, "Alice", "correct horse battery", Role.ADMIN)
    assert mod.password_hash.startswith("$argon2id$") and "correct horse" not in mod.password_hash
    assert (mod.username, mod.role, mod.active, mod.last_login_at) == ("alice", "admin", True, None)
    with pytest.raises(DuplicateUsername):
        moderators.create_moderator(session, "ALICE", "another long password")
    with pytest.raises(InvalidData):
        moderators.create_moderator(session, "bob", "short")


def test_authenticate(session: Session) -> None:
    mod = moderators.create_moderator(session, "alice", "correct horse battery")
    assert moderators.authenticate(session, "alice", "wrong password") is None
    assert moderators.authenticate(session, "nobody", "correct horse battery") is None
    assert moderators.authenticate(session, " Alice ", "correct horse battery") is mod
    assert mod.last_login_at is not None
    moderators.set_active(session, mod, False)
    assert moderators.authenticate(session, "alice", "correct horse battery") is None


# ─── API keys ────────────────────────────────────────────────────────────────


def test_api_keys_store_only_a_hash_and_can_be_revoked(session: Session) -> None:
    site = sites.create_site(session, "a", "A")
    key, raw = apikeys.create_api_key(session, site, "cms")
    assert raw.startswith("mod_") and len(raw) > 40
    assert (
        key.key_hash != raw and raw not in (key.key_hash, key.prefix) and raw.startswith(key.prefix)
    )
    assert key.last_used_at is None
    assert apikeys.verify_api_key(session, raw) is key
    assert key.last_used_at is not None
    assert apikeys.verify_api_key(session, raw[:-1] + ("A" if raw[-1] != "A" else "B")) is None
    assert apikeys.verify_api_key(session, "not-a-key") is None
    apikeys.revoke_api_key(session, key)
    assert apikeys.verify_api_key(session, raw) is None
    assert apikeys.list_api_keys(session, site) == [key]
    stored = session.execute(select(ApiKey.__table__)).one()
    assert raw not in [str(v) for v in stored]


# ─── labels ──────────────────────────────────────────────────────────────────


def test_labels(session: Session) -> None:
    site = sites.create_site(session, "a", "A")
    thread = threads.get_or_create_thread(session, site, "t")
    c, _ = comments.submit_comment(session, site, thread, "x", "text", verdict())
    on_comment = labels.add_label(
        session, site, LabelSource.MODERATOR, comment=c, categories={"personal": 1.0}
    )
    on_text = labels.add_label(session, site, LabelSource.SUGGESTSCORE, text="hi", toxicity=0.2)
    assert on_comment.comment_id == c.id and on_text.toxicity == 0.2
    bad: list[dict[str, Any]] = [
        {"text": "x"},
        {"toxicity": 0.5},
        {"text": "x", "toxicity": 1.5},
        {"text": "x", "categories": {"rude": 1.0}},
    ]
    for kwargs in bad:
        with pytest.raises(InvalidData):
            labels.add_label(session, site, LabelSource.API, **kwargs)
