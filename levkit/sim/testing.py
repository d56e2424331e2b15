"""Small tools for exercising the simulator without levkit's clients: a fake clock and
hand-signed raw requests (the exact wire forms of each API; each venue's builder is its
sim module's ``raw_request``, so nothing here names an exchange).

>>> from levkit.sim import Simulator
>>> clock = FakeClock()
>>> sim = Simulator(clock=clock, sleep=clock.sleep)
>>> raw = RawClient(sim.session(), clock=clock)
>>> raw.bingx("GET", "/openApi/swap/v2/trade/leverage", {"symbol": "BTC-USDT"}).json()["code"]
0
"""

from __future__ import annotations

import functools
import importlib
from typing import Any

from .. import venues as registry
from .core import DEMO_KEY, DEMO_SECRET

__all__ = ["FakeClock", "RawClient", "raw_builders"]


class FakeClock:
    """A clock that only moves when told to; ``sleep`` advances it instead of waiting.

    Examples
    --------
    >>> c = FakeClock(100.0)
    >>> c.sleep(2.5); c()
    102.5
    """

    def __init__(self, start: float = 1_767_225_600.0) -> None:
        self.t = float(start)
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        """Move the clock forward."""
        self.t += float(seconds)

    def sleep(self, seconds: float) -> None:
        """Record the wait and advance the clock by it."""
        self.slept.append(float(seconds))
        self.t += float(seconds)


@functools.cache
def raw_builders() -> dict[str, tuple[str, Any]]:
    """``{RawClient method: (venue name, builder)}`` for every venue whose sim module has a
    ``raw_request`` (named by its ``RAW_NAME``, else its registry name with ``_``)."""
    out: dict[str, tuple[str, Any]] = {}
    for v in registry.venues():
        module = importlib.import_module(v.sim) if v.sim else None
        build = getattr(module, "raw_request", None)
        if build is not None:
            out[getattr(module, "RAW_NAME", v.name.replace("-", "_"))] = (v.name, build)
    return out


class RawClient:
    """Signed raw requests to the simulator, one method per API that declares a builder
    (``raw.bybit(method, path, params, ...)``, ``raw.legacy(...)``, ``raw.bingx(...)``;
    see :func:`raw_builders`).

    Parameters
    ----------
    session : requests.Session
        ``sim.session()`` or a plain session (with ``base_url`` a loopback server).
    clock : callable
        Where timestamps come from (the simulator's clock, usually).
    key, secret : str
        Credentials (the simulator's demo ones by default).
    base_url : str, optional
        Replaces every venue's host (loopback server).
    """

    def __init__(
        self,
        session: Any,
        *,
        clock: Any,
        key: str = DEMO_KEY,
        secret: str = DEMO_SECRET,
        base_url: str | None = None,
        timeout: float | None = 5.0,
    ) -> None:
        self.session, self.clock, self.key, self.secret = session, clock, key, secret
        self.base_url, self.timeout = base_url, timeout

    def timestamp(self, offset_ms: int = 0) -> int:
        """The clock in epoch milliseconds, shifted by ``offset_ms``."""
        return int(self.clock() * 1000) + offset_ms

    def url(self, host: str, path: str) -> str:
        """``path`` on ``base_url`` if given, else on the venue's ``host``."""
        return (self.base_url or host) + path

    def send(self, method: str, url: str, kwargs: dict[str, Any], **request: Any) -> Any:
        """``session.request`` with this client's timeout unless the call names one."""
        timeout = kwargs.pop("timeout", self.timeout)
        return self.session.request(method, url, timeout=timeout, **request, **kwargs)

    def call(self, api: str, method: str, path: str, params: Any = None, **kwargs: Any) -> Any:
        """A raw call through the builder registered as ``api`` (a :func:`raw_builders` key)."""
        found = raw_builders().get(api)
        if found is None:
            raise AttributeError(
                f"no raw request builder {api!r}; venues with one: {sorted(raw_builders())}"
            )
        return found[1](self, method, path, params, **kwargs)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name not in raw_builders():
            raise AttributeError(f"{type(self).__name__!s} has no attribute {name!r}")
        return functools.partial(self.call, name)
