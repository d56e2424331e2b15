"""Fault injection for the simulator: what can go wrong between a client and an exchange.

A :class:`Fault` matches requests by path (exact, or a glob such as ``"/openApi/*"``) and
method, and fires on the next ``times`` matching calls, or from the ``on_call``-th matching
call on.  Kinds:

==============  ====================================================  ==============
kind            what the client sees                                  request applied
==============  ====================================================  ==============
``latency``     the normal answer ``seconds`` later (adapter: a       yes
                ``ReadTimeout`` when beyond the request's timeout)
``status``      HTTP ``status`` (500/502/503/429/403/418...) with an  no (``apply``)
                HTML gateway page; ``Retry-After`` on 429/503/418
``rate_limit``  the exchange's rate-limit answer (Bybit 10006, BingX  no
                100410 on HTTP 429 or ``code=109429`` on HTTP 200)
                with its reset headers
``malformed``   HTTP 200, ``application/json``, truncated JSON        yes (``apply``)
``html``        an HTML page (HTTP ``status``, 200 by default)        no (``apply``)
``skew``        the server clock is ``seconds`` off for these calls   yes
``drop``        connection closed before the request is processed     no
``drop_after``  request processed, connection closed, no answer       yes
``partial``     the status, the headers and half of the body, then    yes (``apply``)
                the connection closes (an incomplete read: the
                client sees the answer cut off mid-way)
==============  ====================================================  ==============

Examples
--------
>>> faults = FaultSet()
>>> f = faults.add(Fault("status", path="/v5/*", status=503))
>>> [faults.match("GET", "/v5/market/time") is f, faults.match("GET", "/v5/market/time")]
[True, None]
"""

from __future__ import annotations

import fnmatch
import threading
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Fault", "FaultSet", "KINDS", "html_page", "MALFORMED_BODY"]

KINDS = (
    "latency",
    "status",
    "rate_limit",
    "malformed",
    "html",
    "skew",
    "drop",
    "drop_after",
    "partial",
)
_APPLIED_BY_DEFAULT = {
    "latency": True,
    "status": False,
    "rate_limit": False,
    "malformed": True,
    "html": False,
    "skew": True,
    "drop": False,
    "drop_after": True,
    "partial": True,
}

#: What a ``malformed`` fault sends: JSON cut off mid-way.
MALFORMED_BODY = b'{"code":0,"msg":"","data":{"leverage":'


def html_page(status: int) -> bytes:
    """A gateway-style HTML error page."""
    title = {
        403: "403 Forbidden",
        418: "418 I'm a teapot",
        429: "429 Too Many Requests",
        500: "500 Internal Server Error",
        502: "502 Bad Gateway",
        503: "503 Service Temporarily Unavailable",
    }.get(status, f"{status} Error")
    return (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}"
        f"</h1></center>\r\n<hr><center>levkit simulator</center>\r\n</body>\r\n</html>\r\n"
    ).encode()


@dataclass
class Fault:
    """One injected fault.

    Parameters
    ----------
    kind : str
        One of :data:`KINDS`.
    path : str, optional
        Exact path or glob (``fnmatch``); None matches every path.
    method : str, optional
        ``"GET"`` / ``"POST"``; None matches both.
    times : int or None
        How many matching calls it fires on (None: every one from then on).
    on_call : int, optional
        Fire first on the ``on_call``-th matching call (1-based), counted from when the
        fault was added; earlier matching calls pass untouched.
    seconds : float
        ``latency``: seconds added; ``skew``: server clock offset (may be negative).
    status : int, optional
        HTTP status for ``status`` (default 503) and ``html`` (default 200).
    retry_after : float, optional
        ``Retry-After`` seconds (``status``; default 1 for 429/503, 60 for 418).
    code : int, optional
        ``rate_limit``: the exchange code (default 10006 Bybit, 100410 BingX).
    apply : bool, optional
        Whether the request is processed (state changed) behind the fault; defaults per kind
        (see the module table).

    Attributes
    ----------
    seen, fired : int
        Matching calls so far, and how many of them the fault fired on.
    """

    kind: str
    path: str | None = None
    method: str | None = None
    times: int | None = 1
    on_call: int | None = None
    seconds: float = 0.0
    status: int | None = None
    retry_after: float | None = None
    code: int | None = None
    apply: bool | None = None
    seen: int = field(default=0, init=False)
    fired: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {KINDS}")
        if self.method is not None:
            self.method = self.method.upper()
        if self.apply is None:
            self.apply = _APPLIED_BY_DEFAULT[self.kind]
        if self.kind in ("drop", "rate_limit"):
            self.apply = False
        if self.kind == "drop_after":
            self.apply = True
        if self.status is None:
            self.status = {"status": 503, "html": 200}.get(self.kind)
        if self.retry_after is None and self.kind == "status":
            self.retry_after = {429: 1.0, 503: 1.0, 418: 60.0}.get(self.status or 0)

    @property
    def done(self) -> bool:
        """True once the fault has fired ``times`` times."""
        return self.times is not None and self.fired >= self.times

    def matches(self, method: str, path: str) -> bool:
        """Whether a request to ``method path`` is one this fault watches."""
        if self.method is not None and self.method != method.upper():
            return False
        if self.path is None:
            return True
        return path == self.path or fnmatch.fnmatchcase(path, self.path)

    def describe(self) -> dict[str, Any]:
        """The fault as a plain dict (for logs and call records)."""
        return {
            "kind": self.kind,
            "path": self.path,
            "method": self.method,
            "times": self.times,
            "on_call": self.on_call,
            "fired": self.fired,
        }


class FaultSet:
    """The simulator's pending faults; the first matching, due fault fires.

    Thread-safe: the loopback server handles requests on several threads.
    """

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault | None = None, /, **kwargs: Any) -> Fault:
        """Add a :class:`Fault` (or build one from keyword arguments) and return it."""
        if fault is None:
            fault = Fault(**kwargs)
        elif kwargs:
            raise TypeError("pass a Fault or keyword arguments, not both")
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        """Remove every fault."""
        with self._lock:
            self._faults.clear()

    @property
    def pending(self) -> list[Fault]:
        """Faults that have not used up their ``times``."""
        with self._lock:
            return [f for f in self._faults if not f.done]

    def __len__(self) -> int:
        return len(self.pending)

    def match(self, method: str, path: str) -> Fault | None:
        """Count this call against every watching fault; return the one that fires, if any."""
        chosen = None
        with self._lock:
            for fault in self._faults:
                if fault.done or not fault.matches(method, path):
                    continue
                fault.seen += 1
                due = fault.on_call is None or fault.seen >= fault.on_call
                if due and chosen is None:
                    fault.fired += 1
                    chosen = fault
            self._faults = [f for f in self._faults if not f.done]
        return chosen
