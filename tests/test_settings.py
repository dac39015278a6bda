"""Settings: MODERATION_* variables, their defaults, and clear errors for bad values."""

from __future__ import annotations

import dataclasses
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from moderation.errors import ModerationError
from moderation.settings import ConfigError, Settings


def env(tmp_path: Path, **values: str) -> dict[str, str]:
    """An environment with the instance dir in ``tmp_path`` plus ``MODERATION_<name>`` values."""
    out = {"MODERATION_INSTANCE_DIR": str(tmp_path / "instance")}
    out.update({f"MODERATION_{k.upper()}": v for k, v in values.items()})
    return out


def test_defaults(tmp_path: Path) -> None:
    s = Settings.from_env(env(tmp_path))
    instance = (tmp_path / "instance").resolve()
    assert s.instance_dir == instance and instance.is_dir()
    assert s.database_url == f"sqlite:///{instance / 'moderation.db'}"
    assert (s.redis_url, s.model_dir, s.max_length, s.proxy_hops, s.log_level) == (
        None,
        None,
        5000,
        0,
        "INFO",
    )


def test_instance_dir_defaults_to_dot_instance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert Settings.from_env({}).instance_dir == (tmp_path / "instance").resolve()


def test_generated_secret_is_kept_private_and_reused(tmp_path: Path) -> None:
    first = Settings.from_env(env(tmp_path))
    path = tmp_path / "instance" / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first.secret_key) >= 32 and path.read_text() == first.secret_key
    assert Settings.from_env(env(tmp_path)).secret_key == first.secret_key


def test_workers_starting_together_agree_on_the_secret(tmp_path: Path) -> None:
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: Settings.from_env(env(tmp_path)).secret_key, range(8)))
    assert len(keys) == 1
    assert [p.name for p in (tmp_path / "instance").iterdir()] == ["secret_key"]


def test_explicit_values(tmp_path: Path) -> None:
    model = tmp_path / "model"
    model.mkdir()
    s = Settings.from_env(
        env(
            tmp_path,
            database_url="postgresql://mod:dbpass@db.internal:5432/moderation",
            secret_key="s" * 32,
            redis_url="redis://:redispass@127.0.0.1:6379/0",
            model_dir=str(model),
            max_length="800",
            proxy_hops="1",
            log_level="debug",
        )
    )
    assert s.database_url == "postgresql+psycopg://mod:dbpass@db.internal:5432/moderation"
    assert (s.redis_url, s.model_dir, s.max_length, s.proxy_hops, s.log_level) == (
        "redis://:redispass@127.0.0.1:6379/0",
        model.resolve(),
        800,
        1,
        "DEBUG",
    )
    assert not (tmp_path / "instance" / "secret_key").exists()
    shown = repr(s)
    assert "s" * 32 not in shown and "dbpass" not in shown and "redispass" not in shown
    assert "db.internal" in shown and "max_length=800" in shown


def test_rate_limits(tmp_path: Path) -> None:
    default = Settings.from_env(env(tmp_path))
    assert (default.api_rate_limit, default.widget_rate_limit, default.thread_rate_limit) == (
        "600/minute",
        "10/minute;100/hour",
        "60/minute",
    )
    s = Settings.from_env(env(tmp_path, widget_rate_limit="5/minute;50/day"))
    assert s.widget_rate_limit == "5/minute;50/day"


def test_widget_limits_reach_the_app(tmp_path: Path) -> None:
    from web import create_app

    s = Settings.from_env(env(tmp_path, thread_rate_limit="7/minute"))
    app = create_app({"SETTINGS": s, "TESTING": True})
    assert app.config["WIDGET_RATE_LIMIT_THREAD"] == "7/minute"


def test_a_missing_model_dir_is_allowed(tmp_path: Path) -> None:
    s = Settings.from_env(env(tmp_path, model_dir=str(tmp_path / "absent")))
    assert s.model_dir == (tmp_path / "absent").resolve()  # the app runs degraded, and says so


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DATABASE_URL", "mysql://u@h/db", "unsupported scheme 'mysql'"),
        ("DATABASE_URL", "moderation.db", "unsupported scheme"),
        ("DATABASE_URL", "postgresql+psycopg://u@h:notaport/db", "not a valid URL"),
        ("SECRET_KEY", "short", "too short"),
        ("REDIS_URL", "http://127.0.0.1:6379", "expected redis://"),
        ("MAX_LENGTH", "5k", "expected an integer, got '5k'"),
        ("MAX_LENGTH", "0", "must be ≥ 1"),
        ("PROXY_HOPS", "-1", "must be ≥ 0"),
        ("PROXY_HOPS", "one", "expected an integer"),
        ("LOG_LEVEL", "LOUD", "expected one of DEBUG"),
        ("API_RATE_LIMIT", "lots", "expected e.g. 600/minute"),
        ("WIDGET_RATE_LIMIT", "10 per fortnight", "expected e.g."),
        ("THREAD_RATE_LIMIT", "x/minute", "expected e.g."),
    ],
)
def test_bad_values_name_the_variable(tmp_path: Path, name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=f"^MODERATION_{name}: .*") as info:
        Settings.from_env(env(tmp_path, **{name: value}))
    assert message in str(info.value) and info.value.variable == f"MODERATION_{name}"
    assert isinstance(info.value, ModerationError)


def test_model_dir_must_not_be_a_file(tmp_path: Path) -> None:
    file = tmp_path / "model.skops"
    file.write_text("")
    with pytest.raises(ConfigError, match="MODERATION_MODEL_DIR: .* is not a directory"):
        Settings.from_env(env(tmp_path, model_dir=str(file)))


def test_settings_are_frozen(tmp_path: Path) -> None:
    s = Settings.from_env(env(tmp_path))
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.max_length = 1  # type: ignore[misc]
