"""An in-process rate-limit store (``local://``) for when no Redis is configured.

The ``limits`` library's own ``memory://`` store starts a timer thread to expire counters; under
load it starts one every few requests and each start waits on the GIL, which cost more than a
whole moderation request (measured: ~1.4 ms a request). This store expires counters lazily, when
they are read, and sweeps the table every ``SWEEP_EVERY`` increments so it stays small. It supports
the fixed-window strategy only, which is what the app uses.
"""

from __future__ import annotations

import threading
import time

from limits.storage import Storage

SCHEME = "local"
SWEEP_EVERY = 10_000


class LocalStorage(Storage):
    """Fixed-window counters in a dict, expired on access; thread-safe."""

    STORAGE_SCHEME = [SCHEME]  # noqa: RUF012 (the limits registry reads this class attribute)

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **_: str) -> None:
        self._counts: dict[str, tuple[int, float]] = {}  # key → (count, expires at)
        self._lock = threading.Lock()
        self._writes = 0
        super().__init__(uri, wrap_exceptions=wrap_exceptions)

    @property
    def base_exceptions(self) -> type[Exception]:
        return ValueError

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        """Add ``amount`` to the key's window, opening a new window when the last one ended."""
        now = time.time()
        with self._lock:
            count, expires = self._counts.get(key, (0, 0.0))
            if expires <= now:
                count, expires = 0, now + expiry
            count += amount
            self._counts[key] = (count, expires)
            self._writes += 1
            if self._writes % SWEEP_EVERY == 0:
                self._sweep(now)
        return count

    def get(self, key: str) -> int:
        count, expires = self._counts.get(key, (0, 0.0))
        return count if expires > time.time() else 0

    def get_expiry(self, key: str) -> float:
        _, expires = self._counts.get(key, (0, 0.0))
        return max(time.time(), expires)

    def check(self) -> bool:
        return True

    def reset(self) -> int | None:
        with self._lock:
            size = len(self._counts)
            self._counts.clear()
        return size

    def clear(self, key: str) -> None:
        with self._lock:
            self._counts.pop(key, None)

    def _sweep(self, now: float) -> None:
        for key in [k for k, (_, expires) in self._counts.items() if expires <= now]:
            del self._counts[key]
