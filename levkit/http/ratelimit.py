"""Client-side rate limits: calls over the limit wait their turn (spaced, not rejected).

A :class:`RateLimiter` allows at most ``rate`` calls in any window of ``per`` seconds.
Clock and sleep are injectable so tests never really wait.  Limiters are shared by
every client that uses the same account and endpoint group in this process (see
:func:`shared_limiter`), so two client objects cannot together exceed the limit.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Hashable

__all__ = ["RateLimiter", "shared_limiter"]


class RateLimiter:
    """At most ``rate`` units per ``per`` seconds (a sliding window); a call costs its
    ``weight`` (1, or the venue's published weight: Binance, Hyperliquid).

    ``margin`` (seconds) is added to the window: the exchange counts arrivals on its own
    clock, a few milliseconds away from ours, and a call let through exactly at the
    window's edge would otherwise be its ``rate + 1``-th.  By default 5% of the window on
    the real clock (50 ms of a 1 s window: a loaded process or a network delays one request
    by tens of milliseconds and not the next; 1% let one refusal in six runs of
    ``benchmarks/fetch_many.py`` through), and none on an injected one (a test's fake clock
    is the server's too).

    Examples
    --------
    >>> t = [0.0]
    >>> lim = RateLimiter(2, 1.0, clock=lambda: t[0], sleep=lambda s: t.__setitem__(0, t[0] + s))
    >>> for _ in range(3):
    ...     _ = lim.acquire()
    >>> t[0]
    1.0
    >>> _ = lim.acquire(weight=2); t[0]     # two units: both earlier calls must leave
    2.0
    """

    def __init__(
        self,
        rate: int,
        per: float = 1.0,
        *,
        margin: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if rate < 1 or per <= 0:
            raise ValueError("rate must be >= 1 and per > 0")
        self.rate = int(rate)
        self.per = float(per)
        if margin is None:
            margin = 0.05 * self.per if clock is time.monotonic else 0.0
        self.window = self.per + float(margin)
        self._clock = clock
        self._sleep = sleep
        self._times: deque[tuple[float, int]] = deque()
        self._used = 0
        self._lock = threading.Lock()
        self.waited = 0.0  # total seconds spent waiting, for tests and benchmarks

    def acquire(self, weight: int = 1) -> float:
        """Block until a call of ``weight`` units may go; return the seconds waited."""
        weight = max(1, min(int(weight), self.rate))
        waited = 0.0
        with self._lock:
            while True:
                now = self._clock()
                while self._times and now - self._times[0][0] >= self.window:
                    self._used -= self._times.popleft()[1]
                if self._used + weight <= self.rate:
                    self._times.append((now, weight))
                    self._used += weight
                    self.waited += waited
                    return waited
                pause = self._pause(now, weight)
                self._sleep(pause)
                waited += pause

    def _pause(self, now: float, weight: int) -> float:
        """Seconds until enough of the oldest calls leave the window."""
        free, need = self.rate - self._used, weight
        for when, w in self._times:
            free += w
            if free >= need:
                return max(self.window - (now - when), 1e-6)
        return self.window  # pragma: no cover - weight is capped at rate

    def weighted(self, weight: int) -> _Weighted:
        """This limiter as seen by an endpoint whose calls cost ``weight`` units."""
        return _Weighted(self, weight)

    def __repr__(self) -> str:
        return f"RateLimiter({self.rate}/{self.per:g}s)"


class _Weighted:
    """A view of a shared :class:`RateLimiter` charging ``weight`` units per call."""

    def __init__(self, limiter: RateLimiter, weight: int):
        self.limiter, self.weight = limiter, int(weight)

    def acquire(self) -> float:
        return self.limiter.acquire(self.weight)

    def __repr__(self) -> str:
        return f"{self.limiter!r} x{self.weight}"


_SHARED: dict[Hashable, RateLimiter] = {}
_SHARED_LOCK = threading.Lock()


def shared_limiter(
    key: Hashable,
    rate: int,
    per: float,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> RateLimiter:
    """The process-wide limiter for ``key`` (e.g. exchange, host, key id, endpoint group).

    Clients with injected clocks get limiters of their own (the clock is part of the key).
    """
    full_key = (key, rate, per, clock, sleep)
    with _SHARED_LOCK:
        limiter = _SHARED.get(full_key)
        if limiter is None:
            limiter = _SHARED[full_key] = RateLimiter(rate, per, clock=clock, sleep=sleep)
        return limiter
