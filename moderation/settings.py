"""Configuration from ``MODERATION_*`` environment variables, validated once, shared by CLI and web.

=============================  ===========================================  ==========================
variable                       meaning                                      default
=============================  ===========================================  ==========================
MODERATION_INSTANCE_DIR        writable directory for the database, key     ``./instance``
MODERATION_DATABASE_URL        ``sqlite:///…`` or ``postgresql+psycopg://…``  ``<instance>/moderation.db``
MODERATION_SECRET_KEY          signs sessions, keys address hashes (≥ 16)   generated once, kept in
                                                                            ``<instance>/secret_key``
MODERATION_REDIS_URL           ``redis://``, ``rediss://`` or ``unix://``   none (in-process limits)
MODERATION_MODEL_DIR           directory of a trained model                 none (the bundled model)
MODERATION_MAX_LENGTH          longest comment accepted, in characters      5000
MODERATION_PROXY_HOPS          reverse proxies in front (X-Forwarded-For)   0
MODERATION_LOG_LEVEL           DEBUG, INFO, WARNING, ERROR or CRITICAL      INFO
MODERATION_API_RATE_LIMIT      moderation API requests per key              ``600/minute``
MODERATION_WIDGET_RATE_LIMIT   widget submissions per client address        ``10/minute;100/hour``
MODERATION_THREAD_RATE_LIMIT   widget submissions per article thread        ``60/minute``
MODERATION_DATA_DIR            the public labelled datasets, for retraining  none (retraining uses the
                               and its reference sets                       bundled news corpus only)
MODERATION_MODEL_CHECK_SECONDS how often a worker looks for a newly          5
                               promoted model (a cheap database read)
=============================  ===========================================  ==========================

Rate limits use the ``limits`` notation: ``N/second|minute|hour|day``, several joined by ``;``.

Nothing is read at import time: call :meth:`Settings.from_env`. A bad value raises
:class:`ConfigError` naming the variable and what is wrong.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from limits import parse_many
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from .errors import ModerationError
from .policy import DEFAULT_MAX_LENGTH

PREFIX = "MODERATION_"
DATABASE_SCHEMES = ("sqlite", "sqlite+pysqlite", "postgresql", "postgresql+psycopg", "postgres")
REDIS_SCHEMES = ("redis", "rediss", "unix")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
MIN_SECRET_LENGTH = 16
SECRET_FILE = "secret_key"


class ConfigError(ModerationError, ValueError):
    """A configuration variable has a value the service cannot use."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Settings:
    """The service's configuration, validated."""

    instance_dir: Path
    database_url: str
    secret_key: str = field(repr=False)
    redis_url: str | None = None
    model_dir: Path | None = None
    max_length: int = DEFAULT_MAX_LENGTH
    proxy_hops: int = 0
    log_level: str = "INFO"
    api_rate_limit: str = "600/minute"
    widget_rate_limit: str = "10/minute;100/hour"
    thread_rate_limit: str = "60/minute"
    data_dir: Path | None = None
    model_check_seconds: int = 5

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read and check ``MODERATION_*`` variables (``os.environ`` unless given)."""
        env = os.environ if environ is None else environ
        instance = _instance_dir(env.get(PREFIX + "INSTANCE_DIR") or "instance")
        return cls(
            instance_dir=instance,
            database_url=_database_url(env.get(PREFIX + "DATABASE_URL"), instance),
            secret_key=_secret_key(env.get(PREFIX + "SECRET_KEY"), instance),
            redis_url=_redis_url(env.get(PREFIX + "REDIS_URL")),
            model_dir=_model_dir(env.get(PREFIX + "MODEL_DIR")),
            max_length=_integer(env, "MAX_LENGTH", DEFAULT_MAX_LENGTH, minimum=1),
            proxy_hops=_integer(env, "PROXY_HOPS", 0, minimum=0),
            log_level=_log_level(env.get(PREFIX + "LOG_LEVEL")),
            api_rate_limit=_rate(env, "API_RATE_LIMIT", "600/minute"),
            widget_rate_limit=_rate(env, "WIDGET_RATE_LIMIT", "10/minute;100/hour"),
            thread_rate_limit=_rate(env, "THREAD_RATE_LIMIT", "60/minute"),
            data_dir=_data_dir(env.get(PREFIX + "DATA_DIR")),
            model_check_seconds=_integer(env, "MODEL_CHECK_SECONDS", 5, minimum=0),
        )

    def __repr__(self) -> str:
        """Like the dataclass repr, with the secret key left out and passwords masked."""
        database = make_url(self.database_url).render_as_string(hide_password=True)
        return (
            f"Settings(instance_dir={str(self.instance_dir)!r}, database_url={database!r}, "
            f"redis_url={_mask(self.redis_url)!r}, model_dir={self.model_dir!r}, "
            f"max_length={self.max_length}, proxy_hops={self.proxy_hops}, "
            f"log_level={self.log_level!r}, api_rate_limit={self.api_rate_limit!r}, "
            f"widget_rate_limit={self.widget_rate_limit!r}, "
            f"thread_rate_limit={self.thread_rate_limit!r}, data_dir={self.data_dir!r}, "
            f"model_check_seconds={self.model_check_seconds})"
        )


def _instance_dir(raw: str) -> Path:
    """The instance directory, absolute; created if missing."""
    path = Path(raw).expanduser().resolve()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(PREFIX + "INSTANCE_DIR", f"cannot create {path}: {exc}") from exc
    return path


def _database_url(raw: str | None, instance: Path) -> str:
    """A SQLAlchemy URL we support; plain ``postgresql://`` means psycopg 3."""
    if not raw:
        return f"sqlite:///{instance / 'moderation.db'}"
    scheme = raw.partition("://")[0]
    if "://" not in raw or scheme not in DATABASE_SCHEMES:
        raise ConfigError(
            PREFIX + "DATABASE_URL",
            f"unsupported scheme {scheme!r}; use sqlite:///path or postgresql+psycopg://…",
        )
    if scheme in ("postgresql", "postgres"):
        raw = "postgresql+psycopg://" + raw.partition("://")[2]
    try:
        make_url(raw)
    except (ArgumentError, ValueError) as exc:
        raise ConfigError(PREFIX + "DATABASE_URL", f"not a valid URL: {exc}") from None
    return raw


def _secret_key(raw: str | None, instance: Path) -> str:
    """The given key (long enough), or the one kept in the instance directory."""
    if raw is None or raw == "":
        return _stored_secret(instance / SECRET_FILE)
    if len(raw) < MIN_SECRET_LENGTH:
        raise ConfigError(
            PREFIX + "SECRET_KEY", f"too short ({len(raw)} characters; use ≥ {MIN_SECRET_LENGTH})"
        )
    return raw


def _stored_secret(path: Path) -> str:
    """Read ``path``, or create it (mode 0600) with a new random key; safe if workers race."""
    if not path.exists():
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
        try:
            os.link(tmp, path)  # atomic; fails if another worker got there first
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    key = path.read_text().strip()
    if len(key) < MIN_SECRET_LENGTH:
        raise ConfigError(PREFIX + "SECRET_KEY", f"unset, and {path} holds no usable key")
    return key


def _mask(url: str | None) -> str | None:
    """``url`` with any password replaced by ``***``."""
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)


def _redis_url(raw: str | None) -> str | None:
    """A redis URL, or None."""
    if not raw:
        return None
    if urlsplit(raw).scheme not in REDIS_SCHEMES:
        raise ConfigError(
            PREFIX + "REDIS_URL", f"expected redis://, rediss:// or unix://, got {raw!r}"
        )
    return raw


def _model_dir(raw: str | None) -> Path | None:
    """A model directory path; it may be missing (the service then runs degraded)."""
    if not raw:
        return None
    path = Path(raw).expanduser().resolve()
    if path.exists() and not path.is_dir():
        raise ConfigError(PREFIX + "MODEL_DIR", f"{path} is not a directory")
    return path


def _data_dir(raw: str | None) -> Path | None:
    """The public datasets' directory; it must exist when set."""
    if not raw:
        return None
    path = Path(raw).expanduser().resolve()
    if not path.is_dir():
        raise ConfigError(PREFIX + "DATA_DIR", f"{path} is not a directory")
    return path


def _integer(env: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    """An integer variable, at least ``minimum``."""
    raw = env.get(PREFIX + name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(PREFIX + name, f"expected an integer, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(PREFIX + name, f"must be ≥ {minimum}, got {value}")
    return value


def _log_level(raw: str | None) -> str:
    """A logging level name."""
    level = (raw or "INFO").strip().upper()
    if level not in LOG_LEVELS:
        raise ConfigError(
            PREFIX + "LOG_LEVEL", f"expected one of {', '.join(LOG_LEVELS)}, got {raw!r}"
        )
    return level


def _rate(env: Mapping[str, str], name: str, default: str) -> str:
    """A rate limit in the ``limits`` notation, e.g. ``600/minute`` or ``10/minute;100/hour``."""
    raw = (env.get(PREFIX + name) or "").strip()
    if not raw:
        return default
    try:
        parse_many(raw)
    except ValueError as exc:
        raise ConfigError(PREFIX + name, f"{exc}; expected e.g. 600/minute") from None
    return raw
