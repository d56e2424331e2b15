"""The simulator's core: one :class:`Simulator` that both transports call through
:meth:`Simulator.handle`, for every API of the registry (``levkit.venues.names()``).

Each venue's handlers live in its folder (``levkit/venues/<name>/sim.py``) and are found
through the registry by path prefix (the spec's ``sim_prefixes``); rate limits are the
specs' published ones.  Faults (``faults``) are applied around the handlers; account
state and helpers live in ``accounts``.
"""

from __future__ import annotations

import importlib
import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pandas as pd

from .. import venues as registry
from .accounts import AccountHelpers
from .calls import CALL_LOG, Call, CallLog, RateInfo
from .faults import MALFORMED_BODY, Fault, FaultSet, html_page
from .ladders import bands_from_frame, builtin_tiers, ladders_from_frame
from .quirks import apply_quirks, check_quirks
from .state import Account, RateLimiter
from .wire import SIM_HEADER, Reply, Request

__all__ = [
    "Simulator",
    "Call",
    "CallLog",
    "CALL_LOG",
    "RateInfo",
    "DEMO_KEY",
    "DEMO_SECRET",
    "DEMO_PASSPHRASE",
    "DEFAULT_RATE_LIMITS",
]

log = logging.getLogger("levkit")

#: Demo credentials the simulator accepts by default (obviously fake).
DEMO_KEY = "sim-demo-key"
DEMO_SECRET = "sim-demo-secret"
#: The passphrase the simulator accepts with :data:`DEMO_KEY` on venues that need one.
DEMO_PASSPHRASE = "sim-demo-passphrase"


def default_rate_limits() -> dict[tuple[str, str], tuple[int, float]]:
    """``{(method, path): (requests, window seconds)}``: every venue's published limits,
    from the registry (the same declarations the clients pace themselves by)."""
    out: dict[tuple[str, str], tuple[int, float]] = {}
    for v in registry.venues():
        for key, limit in v.rate_limits().items():
            out.setdefault(key, (limit.requests, limit.per))
    return out


#: The limits at import time (see :func:`default_rate_limits`).
DEFAULT_RATE_LIMITS: dict[tuple[str, str], tuple[int, float]] = default_rate_limits()


def _handlers() -> list[tuple[str, Any]]:
    """``[(path prefix, handler module)]``, longest prefix first."""
    pairs = [(prefix, v.sim) for v in registry.venues() if v.sim for prefix in v.sim_prefixes]
    return sorted(pairs, key=lambda p: -len(p[0]))


class Simulator(AccountHelpers):
    """A simulated perpetual-swap exchange answering every API of the registry (Bybit v5,
    Bybit legacy v2, BingX, Binance, OKX, Bitget, Gate, Hyperliquid), each in its own
    wire format, with one account per exchange (Bybit v5 and v2 share one).

    Parameters
    ----------
    tiers : DataFrame, optional
        A tiers frame (any exchanges and symbols).  Default: the shipped 0.2 ladders
        (:func:`levkit.snapshot.fixture_tiers`), or a small built-in set when they cannot
        be loaded.
    margin_tiers : DataFrame, optional
        BingX maintenance bands (``maintMarginRatio``).  Default: the snapshot's
        ``kind="margin"`` frame when ``tiers`` is not given; else the ladder's own bands.
    keys : mapping, optional
        ``{api_key: secret}`` accepted on every exchange; default
        ``{"sim-demo-key": "sim-demo-secret"}``.
    passphrases : mapping, optional
        ``{api_key: passphrase}`` for venues that sign with one (OKX, Bitget); default
        ``{"sim-demo-key": "sim-demo-passphrase"}``.
    clock : callable
        Seconds since the epoch (default ``time.time``); inject a fake for tests.
    sleep : callable
        How latency faults wait (default ``time.sleep``).
    skew : float
        Seconds added to the server clock (timestamps are checked against it).
    default_leverage : float
        Starting leverage on every symbol and side (capped at the symbol's maximum).
    balance : float
        Starting wallet balance (USDT) of each account.
    page_size : int
        Symbols per page of Bybit ``/v5/market/risk-limit`` without ``symbol``.
    rate_limits : mapping or False
        ``{(method, path): (requests, window_seconds)}`` merged over
        :data:`DEFAULT_RATE_LIMITS`; ``False`` turns rate limiting off.
    hedge : bool
        Start both accounts in hedge mode.
    prices : mapping, optional
        Mark prices by base coin (``{"BTC": 60000.0}``); others default to 100.
    seed : int
        Seed for the shuffled row order.
    call_log : int or None
        How many :class:`Call` records ``sim.calls`` keeps (the latest; about 0.5 KB
        each): default 10,000.  ``None`` keeps every one.  :meth:`count` and
        ``sim.calls.total`` stay exact over every call since the last ``calls.clear()``.
    quirks : iterable of str, optional
        Real-exchange oddities to reproduce (see :mod:`levkit.sim.quirks`):
        ``"string-codes"``, ``"bingx-numeric-values"``, ``"stale-cursor"``.

    Examples
    --------
    >>> sim = Simulator()
    >>> s = sim.session()
    >>> s.get("https://api.bybit.com/v5/market/time").json()["retCode"]
    0
    >>> sim.leverage("bingx", "BTC-USDT", "long")
    10.0
    """

    def __init__(
        self,
        tiers: pd.DataFrame | None = None,
        *,
        margin_tiers: pd.DataFrame | None = None,
        keys: Mapping[str, str] | None = None,
        passphrases: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Any] = time.sleep,
        skew: float = 0.0,
        default_leverage: float = 10.0,
        balance: float = 10_000.0,
        page_size: int = 15,
        rate_limits: Mapping[tuple[str, str], tuple[int, float]] | bool | None = None,
        hedge: bool = False,
        prices: Mapping[str, float] | None = None,
        seed: int = 0,
        quirks: Iterable[str] | None = None,
        call_log: int | None = CALL_LOG,
    ) -> None:
        if tiers is None:
            tiers, default_margin = _default_tiers()
            if margin_tiers is None:
                margin_tiers = default_margin
        accounts = sorted({v.account for v in registry.venues()})
        self.ladders = {ex: ladders_from_frame(tiers, ex) for ex in accounts}
        self.bands = {ex: bands_from_frame(margin_tiers, ex) for ex in accounts}
        self._routes = _handlers()
        self._modules: dict[str, Any] = {}
        self.keys = dict(keys) if keys is not None else {DEMO_KEY: DEMO_SECRET}
        self.passphrases = (
            dict(passphrases) if passphrases is not None else {DEMO_KEY: DEMO_PASSPHRASE}
        )
        self.clock = clock
        self.sleep = sleep
        self.skew = float(skew)
        self.default_leverage = float(default_leverage)
        self.page_size = int(page_size)
        self.prices = {"BTC": 60_000.0, "ETH": 3_000.0, "SOL": 150.0, **dict(prices or {})}
        self.rng = random.Random(seed)
        self.quirks = check_quirks(quirks)
        self.faults = FaultSet()
        self.calls = CallLog(maxlen=call_log)
        self.accounts = {ex: Account(ex, hedge=hedge, balance=float(balance)) for ex in accounts}
        limits = dict(DEFAULT_RATE_LIMITS)
        if rate_limits is False:
            limits = {}
        elif isinstance(rate_limits, Mapping):
            limits.update(rate_limits)
        self._limits = {k: RateLimiter(n, w) for k, (n, w) in limits.items()}
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ core
    def now(self) -> float:
        """The server clock in seconds (injected clock plus ``skew``)."""
        return float(self.clock()) + self.skew

    def inject(
        self,
        kind: str,
        *,
        path: str | None = None,
        method: str | None = None,
        times: int | None = 1,
        on_call: int | None = None,
        **params: Any,
    ) -> Fault:
        """Add a fault; see :mod:`levkit.sim.faults` for kinds and parameters.

        Examples
        --------
        >>> sim = Simulator()
        >>> f = sim.inject("status", path="/v5/market/time", status=502)
        >>> sim.handle("GET", "/v5/market/time").status
        502
        """
        return self.faults.add(
            Fault(kind, path=path, method=method, times=times, on_call=on_call, **params)
        )

    def rate(self, method: str, path: str, now: float) -> RateInfo | None:
        """Count a request against its rate limiter (None when the path has none)."""
        limiter = self._limits.get((method.upper(), path))
        if limiter is None:
            return None
        allowed, remaining, reset_at = limiter.hit(now)
        return RateInfo(allowed, limiter.limit, remaining, reset_at)

    def handle(
        self,
        method: str,
        path: str,
        query: str = "",
        headers: Mapping[str, str] | None = None,
        body: bytes | str = b"",
    ) -> Reply:
        """Answer one request: the single entry point of both transports.

        Parameters
        ----------
        method, path, query : str
            ``query`` is the raw query string as sent (no leading ``?``).
        headers : mapping
        body : bytes

        Returns
        -------
        Reply
            Unpacks as ``(status, headers, body)``; ``reply.delay`` and ``reply.dropped``
            tell the transport to answer late or to close the connection.
        """
        arrived = self.now()  # before anything else: a first call's module import takes time
        module = self._module_for(path)
        with self._lock:
            fault = self.faults.match(method, path)
            now = arrived + (fault.seconds if fault and fault.kind == "skew" else 0.0)
            raw = body.encode() if isinstance(body, str) else body
            req = Request(method, path, query, headers or {}, raw, now)
            if fault is not None and not fault.apply:
                reply = _fault_reply(self, module, req, fault)
            elif module is None:
                reply = Reply(404, {"Content-Type": "text/plain"}, b"404 page not found")
            else:
                reply = apply_quirks(self.quirks, path, module.dispatch(self, req))
                if fault is not None:
                    reply = _after(reply, fault)
            reply.headers[SIM_HEADER] = "1"
            self.calls.append(
                Call(
                    getattr(module, "EXCHANGE", ""),
                    req.method,
                    path,
                    _safe_params(req),
                    0 if reply.dropped else reply.status,
                    reply.code,
                    fault.kind if fault else None,
                    now,
                )
            )
        return reply

    def _module_for(self, path: str) -> Any:
        name = next((m for prefix, m in self._routes if path.startswith(prefix)), None)
        if name is None:
            return None
        if name not in self._modules:
            self._modules[name] = importlib.import_module(name)
        return self._modules[name]

    def count(
        self,
        path: str | None = None,
        *,
        method: str | None = None,
        exchange: str | None = None,
        code: int | None = None,
    ) -> int:
        """How many calls match (every argument optional); exact over every call since
        the last ``sim.calls.clear()``, also beyond what the bounded log keeps.

        Examples
        --------
        >>> sim = Simulator()
        >>> _ = sim.handle("GET", "/v5/market/time")
        >>> sim.count("/v5/market/time"), sim.count(method="POST")
        (1, 0)
        """
        return self.calls.count_matching(path, method=method, exchange=exchange, code=code)

    def calls_frame(self) -> pd.DataFrame:
        """The call log as a DataFrame (one row per call)."""
        cols = ["exchange", "method", "path", "params", "status", "code", "fault", "time"]
        return pd.DataFrame([vars(c) for c in self.calls], columns=cols)

    # ------------------------------------------------------------ transports
    def adapter(self) -> Any:
        """A ``requests`` transport adapter answering from this simulator."""
        from .adapter import SimAdapter

        return SimAdapter(self)

    def session(self) -> Any:
        """A ``requests.Session`` whose every ``http://`` and ``https://`` request this
        simulator answers (routing by path, any host)."""
        from .adapter import SimulatorSession

        return SimulatorSession(self)

    def serve(self, port: int = 0, host: str = "127.0.0.1") -> Any:
        """Start the loopback HTTP server on a background thread.

        Returns a :class:`~levkit.sim.server.SimServer`; use it as a context manager
        (``with sim.serve() as url: ...``) or call ``.close()``.
        """
        from .server import SimServer

        return SimServer(self, host=host, port=port)


def _default_tiers() -> tuple[pd.DataFrame, pd.DataFrame | None]:
    try:
        # the shipped 0.2 files: a small stable set (the store's full history would make
        # every Simulator() load 7,000 tiers)
        from ..snapshot import fixture_tiers

        tiers = fixture_tiers()
        try:
            margin = fixture_tiers(kind="margin")
        except Exception as exc:  # noqa: BLE001 - margin bands are optional
            log.debug("sim: no bingx margin snapshot (%s)", exc)
            margin = None
        return tiers, margin
    except Exception as exc:  # noqa: BLE001 - any snapshot trouble: fall back, loudly
        log.warning("levkit.sim: snapshot unavailable (%s); using the built-in ladders", exc)
        return builtin_tiers(), None


def newest_ladders() -> pd.DataFrame:
    """The newest stored version of each ladder the default simulator serves: the same
    (exchange, symbol) pairs as the small shipped set, each with its newest figures
    (Bybit BTCUSDT's complete 35-tier ladder of 2026-02-26, say, where the default set
    has its 3-tier 2026 fragment).  For demos that should rest on complete ladders:
    ``Simulator(tiers=newest_ladders())``.

    >>> t = newest_ladders()
    >>> int(t.loc[(t.exchange == "bybit") & (t.symbol == "BTCUSDT"), "tier"].max())
    35
    """
    from ..snapshot import fixture_tiers, load_snapshot

    fixture = fixture_tiers()
    key = ["exchange", "symbol"]
    frames = []
    for ex, group in fixture.groupby("exchange", sort=False):
        every = load_snapshot(str(ex))
        frames.append(every[every["symbol"].isin(set(group["symbol"]))])
    newest = pd.concat(frames, ignore_index=True)
    # a ladder gone from its venue's newest listing (Hyperliquid's delisted HPOS) keeps
    # the version the default set has
    have = pd.MultiIndex.from_frame(newest[key])
    gone = fixture[~pd.MultiIndex.from_frame(fixture[key]).isin(have)]
    out = pd.concat([newest, gone], ignore_index=True)
    out.attrs = dict(frames[0].attrs)
    return out


_SECRET_PARAMS = {"sign", "signature", "api_key"}


def _safe_params(req: Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(req.params)
    if req.body:
        try:
            body = req.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            params.update(body)
    return {k: v for k, v in params.items() if k not in _SECRET_PARAMS}


def _fault_reply(sim: Simulator, module: Any, req: Request, fault: Fault) -> Reply:
    """The answer of a fault that stops the request before it is processed."""
    if fault.kind in ("drop", "drop_after"):
        return Reply(0, {}, b"", dropped=True)
    if fault.kind == "rate_limit" and module is not None:
        reset = req.now + (fault.retry_after or 1.0)
        return module.rate_limited(sim, req, RateInfo(False, 0, 0, reset), fault.code)
    return _after(Reply(200, {}, b""), fault)


def _after(reply: Reply, fault: Fault) -> Reply:
    """Dress a processed answer (or an empty one) in the fault's clothes."""
    if fault.kind == "latency":
        reply.delay = max(float(fault.seconds), 0.0)
    elif fault.kind == "drop_after":
        return Reply(0, {}, b"", dropped=True)
    elif fault.kind == "malformed":
        return Reply(200, {"Content-Type": "application/json"}, MALFORMED_BODY)
    elif fault.kind == "partial":
        if not reply.body:  # not processed: cut a stand-in answer
            return Reply(200, {"Content-Type": "application/json"}, MALFORMED_BODY, cut=True)
        reply.cut = True
    elif fault.kind in ("status", "html", "rate_limit"):
        status = fault.status or (429 if fault.kind == "rate_limit" else 200)
        headers = {"Content-Type": "text/html"}
        if fault.retry_after is not None:
            headers["Retry-After"] = str(int(round(fault.retry_after)))
        return Reply(status, headers, html_page(status))
    return reply
