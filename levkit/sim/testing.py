"""Small tools for exercising the simulator without levkit's clients: a fake clock and
hand-signed raw requests (the exact wire forms of each API).

>>> from levkit.sim import Simulator
>>> clock = FakeClock()
>>> sim = Simulator(clock=clock, sleep=clock.sleep)
>>> raw = RawClient(sim.session(), clock=clock)
>>> raw.bingx("GET", "/openApi/swap/v2/trade/leverage", {"symbol": "BTC-USDT"}).json()["code"]
0
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..signing import bingx_param_string, bingx_signature, bybit_v2_signature, bybit_v5_signature
from .core import DEMO_KEY, DEMO_SECRET

__all__ = ["FakeClock", "RawClient", "BYBIT_HOST", "BINGX_HOST"]

BYBIT_HOST = "https://api.bybit.com"
BINGX_HOST = "https://open-api.bingx.com"


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


class RawClient:
    """Signed raw requests to the simulator, one method per API.

    Parameters
    ----------
    session : requests.Session
        ``sim.session()`` or a plain session (with ``base_url`` a loopback server).
    clock : callable
        Where timestamps come from (the simulator's clock, usually).
    key, secret : str
        Credentials (the simulator's demo ones by default).
    base_url : str, optional
        Replaces both exchanges' hosts (loopback server).
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

    def _ts(self, offset_ms: int = 0) -> int:
        return int(self.clock() * 1000) + offset_ms

    def _url(self, host: str, path: str) -> str:
        return (self.base_url or host) + path

    def _send(self, method: str, url: str, kwargs: dict[str, Any], **request: Any) -> Any:
        """``session.request`` with this client's timeout unless the call names one."""
        timeout = kwargs.pop("timeout", self.timeout)
        return self.session.request(method, url, timeout=timeout, **request, **kwargs)

    def bybit(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        ts_offset_ms: int = 0,
        recv_window: int = 5000,
        secret: str | None = None,
        sign: bool = True,
        **kwargs: Any,
    ) -> Any:
        """A Bybit v5 call: GET params in the query, POST params as a JSON body."""
        params = dict(params or {})
        ts = str(self._ts(ts_offset_ms))
        if method == "GET":
            payload = "&".join(f"{k}={v}" for k, v in params.items())
            url, body = self._url(BYBIT_HOST, path) + ("?" + payload if payload else ""), None
        else:
            payload = body = json.dumps(params)
            url = self._url(BYBIT_HOST, path)
        headers = {
            "X-BAPI-API-KEY": self.key,
            "X-BAPI-TIMESTAMP": ts,
            "X-BAPI-RECV-WINDOW": str(recv_window),
            "Content-Type": "application/json",
        }
        if sign:
            headers["X-BAPI-SIGN"] = bybit_v5_signature(
                secret or self.secret, ts, self.key, str(recv_window), payload
            )
        return self._send(method, url, kwargs, data=body, headers=headers)

    def legacy(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        ts_offset_ms: int = 0,
        secret: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """A Bybit legacy v2 call (``api_key``, ``timestamp`` and ``sign`` among the params)."""
        params = {**dict(params or {}), "api_key": self.key, "timestamp": self._ts(ts_offset_ms)}
        params["sign"] = bybit_v2_signature(secret or self.secret, params)
        url = self._url(BYBIT_HOST, path)
        if method == "GET":
            query = "&".join(f"{k}={v}" for k, v in params.items())
            return self._send("GET", url + "?" + query, kwargs)
        headers = {"Content-Type": "application/json"}
        return self._send("POST", url, kwargs, data=json.dumps(params), headers=headers)

    def bingx(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        ts_offset_ms: int = 0,
        secret: str | None = None,
        sign: bool = True,
        key: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """A BingX call: every parameter in the query string, ``&signature=`` last."""
        query = bingx_param_string({**dict(params or {}), "timestamp": self._ts(ts_offset_ms)})
        if sign:
            query += "&signature=" + bingx_signature(secret or self.secret, query)
        url = self._url(BINGX_HOST, path) + "?" + query
        headers = {"X-BX-APIKEY": self.key if key is None else key}
        return self._send(method, url, kwargs, headers=headers)
