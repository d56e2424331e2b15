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
    """At most ``rate`` calls per ``per`` seconds (a sliding window).

    Examples
    --------
    >>> t = [0.0]
    >>> lim = RateLimiter(2, 1.0, clock=lambda: t[0], sleep=lambda s: t.__setitem__(0, t[0] + s))
    >>> for _ in range(3):
    ...     _ = lim.acquire()
    >>> t[0]
    1.0
    """

    def __init__(
        self,
        rate: int,
        per: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if rate < 1 or per <= 0:
            raise ValueError("rate must be >= 1 and per > 0")
        self.rate = int(rate)
        self.per = float(per)
        self._clock = clock
        self._sleep = sleep
        self._times: deque[float] = deque()
        self._lock = threading.Lock()
        self.waited = 0.0  # total seconds spent waiting, for tests and benchmarks

    def acquire(self) -> float:
        """Block until a call may go; return the seconds waited."""
        waited = 0.0
        with self._lock:
            while True:
                now = self._clock()
                while self._times and now - self._times[0] >= self.per:
                    self._times.popleft()
                if len(self._times) < self.rate:
                    self._times.append(now)
                    self.waited += waited
                    return waited
                pause = self.per - (now - self._times[0])
                self._sleep(pause)
                waited += pause

    def __repr__(self) -> str:
        return f"RateLimiter({self.rate}/{self.per:g}s)"


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
