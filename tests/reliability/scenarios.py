"""The fault suite's scenarios as data: endpoints x faults, each with what must happen.

One list, :data:`SCENARIOS`, drives both the tests (``test_faults.py``) and the tables in
``README.md`` (:mod:`.tables`); ``test_readme.py`` fails when the README no longer matches
it.  Regenerate the tables with::

    .venv/bin/python -m tests.reliability.scenarios --write

Every expectation is derived from the client's :class:`~levkit.http.transport.RetryPolicy`, the
reset the simulator announces (:data:`RESET`) and each endpoint's clean-run shape (the
calls before and after it, :class:`Endpoint`), never typed in by hand per scenario.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from levkit.http.transport import RetryPolicy

MAX_RETRIES = 3  # the clients' default
POLICY = RetryPolicy(max_retries=MAX_RETRIES)
TIMEOUT = 0.25  # client timeout (real seconds): the only real waiting in the suite
RESET = 1.0  # seconds until a simulated rate-limit window resets (X-Bapi-Limit-Reset...)
RETRY_AFTER = {429: 1.0, 503: 1.0, 418: 60.0}  # the simulator's Retry-After per status
INITIAL = 10.0  # every symbol's leverage when a scenario starts
TARGET = 20  # what the set-leverage scenarios ask for
PAGE_SIZE = 2  # Bybit risk-limit symbols per page (7 linear symbols: 4 pages)
PAGES = 4
REAL_SLACK = 2.0  # real seconds allowed on top of the timeouts (loopback calls take ~1 ms)
#: Seconds the server clock runs ahead in the skew scenarios: beyond every venue's window
#: (Binance recvWindow 5 s, Bybit 5 s, BingX 5 s, OKX 30 s, Bitget 30 s, Gate 60 s).
SKEW = 120.0


@dataclass(frozen=True)
class Api:
    """One API the suite drives: its simulated account, the symbol its scenarios use, its
    server-time endpoint (None: it signs nothing, so no clock to sync), how it says "too
    many requests" and whether that answer announces when the window resets (else the
    client waits RetryPolicy's backoff)."""

    name: str
    account: str
    symbol: str
    time_path: str | None
    rate_limit: str
    announces_reset: bool


APIS: dict[str, Api] = {
    a.name: a
    for a in (
        Api("bybit", "bybit", "BTCUSDT", "/v5/market/time", "retCode 10006", True),
        Api("legacy", "bybit", "BTCUSD", "/v5/market/time", "ret_code 10006", True),
        Api("bingx", "bingx", "BTC-USDT", "/openApi/swap/v2/server/time",
            "code 100410 (HTTP 429)", True),
        Api("binance", "binance", "BTCUSDT", "/fapi/v1/time",
            "code -1003 (HTTP 429, Retry-After)", True),
        Api("coinm", "binance-coinm", "BTCUSD_PERP", "/dapi/v1/time",
            "code -1003 (HTTP 429, Retry-After)", True),
        Api("okx", "okx", "BTC-USDT-SWAP", "/api/v5/public/time",
            "code 50011 (HTTP 429, no reset announced)", False),
        Api("bitget", "bitget", "BTCUSDT", "/api/v2/public/time",
            "code 429 (HTTP 429, no reset announced)", False),
        Api("gate", "gate", "BTC_USDT", "/api/v4/spot/time",
            "TOO_MANY_REQUESTS (HTTP 429, X-Gate-RateLimit reset)", True),
        Api("hyperliquid", "hyperliquid", "BTC", None,
            "HTTP 429 text (no reset announced)", False),
    )
}  # fmt: skip
#: Kept for readers of 0.2's suite.
RATE_LIMIT_CODE = {name: api.rate_limit for name, api in APIS.items()}
BYBIT_TIME = APIS["bybit"].time_path
BINGX_TIME = APIS["bingx"].time_path


@dataclass(frozen=True)
class Endpoint:
    """One endpoint levkit calls, and the public call that reaches it.

    ``pre``/``post``: HTTP calls the public call makes before/after this endpoint in a
    clean run.  ``path_calls``: calls to this endpoint (method and path) in a clean run
    (4 for the paged fetch; 2 for a hedge-mode set of both sides, or a Hyperliquid call
    whose ``/info`` read follows the market list's), the fault firing first on call
    ``fault_call``.  Server-time endpoints are only called after a rejected timestamp:
    their scenarios run with the server clock :data:`SKEW` seconds ahead, through the
    signed call ``via`` (a path).  ``hedge``/``margin``: the account's position mode and
    margin mode when the scenario starts (one-way and cross otherwise); ``sides``: the
    rows of the leverage frame a successful set returns; ``skips_unchanged``: the client
    reads the leverage first and sends no request when it is already the one asked.
    """

    id: str
    api: str  # a key of APIS: which client
    method: str
    path: str
    call: str  # the public call, as the README shows it
    signed: bool = True
    write: bool = False
    pre: int = 0
    post: int = 0
    path_calls: int = 1
    fault_call: int = 1
    via: str | None = None  # server-time endpoints: the signed path that triggers the sync
    skew: float = 0.0
    hedge: bool = False
    margin: str = "cross"
    sides: tuple[str, ...] = ("both",)
    skips_unchanged: bool = False  # a set already in force sends no request at all

    @property
    def time_path(self) -> str | None:
        return APIS[self.api].time_path

    @property
    def multi(self) -> bool:
        """A write of several requests whose fault hits a later one (an earlier request
        of the same set was applied: a failure is partial)."""
        return self.write and self.fault_call > 1


_LEV = "/openApi/swap/v2/trade/leverage"
_GATE = "/api/v4/futures/usdt"
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("bybit.risk-limit", "bybit", "GET", "/v5/market/risk-limit",
             "Bybit.risk_limits('BTCUSDT')", signed=False),
    Endpoint("bybit.risk-limit-paged", "bybit", "GET", "/v5/market/risk-limit",
             "Bybit.risk_limits() (4 pages, fault on page 3)", signed=False,
             path_calls=PAGES, fault_call=3),
    Endpoint("bybit.instruments-info", "bybit", "GET", "/v5/market/instruments-info",
             "Bybit.instruments('BTCUSDT')", signed=False),
    Endpoint("bybit.position-list", "bybit", "GET", "/v5/position/list",
             "Bybit.leverage('BTCUSDT')", post=1),
    Endpoint("bybit.set-leverage", "bybit", "POST", "/v5/position/set-leverage",
             f"Bybit.set_leverage('BTCUSDT', {TARGET})", write=True, pre=2, post=1),
    Endpoint("bybit.time", "bybit", "GET", BYBIT_TIME,
             "Bybit.leverage('BTCUSDT'), server clock ahead", post=1,
             via="/v5/position/list", skew=SKEW),
    Endpoint("legacy.user-leverage", "legacy", "GET", "/user/leverage",
             "BybitLegacy.leverage('BTCUSD')"),
    Endpoint("legacy.leverage-save", "legacy", "POST", "/user/leverage/save",
             f"BybitLegacy.set_leverage('BTCUSD', {TARGET})", write=True, pre=1),
    Endpoint("legacy.time", "legacy", "GET", BYBIT_TIME,
             "BybitLegacy.leverage('BTCUSD'), server clock ahead",
             via="/user/leverage", skew=SKEW),
    Endpoint("bingx.leverage-get", "bingx", "GET", _LEV, "BingX.leverage('BTC-USDT')"),
    Endpoint("bingx.leverage-post", "bingx", "POST", _LEV,
             f"BingX.set_leverage('BTC-USDT', {TARGET})", write=True, pre=2,
             sides=("long", "short")),
    Endpoint("bingx.maint-margin", "bingx", "GET", "/openApi/swap/v1/maintMarginRatio",
             "BingX.margin_bands('BTC-USDT')"),
    Endpoint("bingx.position-mode", "bingx", "GET", "/openApi/swap/v1/positionSide/dual",
             "BingX.position_mode()"),
    Endpoint("bingx.positions", "bingx", "GET", "/openApi/swap/v2/user/positions",
             "BingX.open_positions()"),
    Endpoint("bingx.open-orders", "bingx", "GET", "/openApi/swap/v2/trade/openOrders",
             "BingX.open_orders()"),
    Endpoint("bingx.time", "bingx", "GET", BINGX_TIME,
             "BingX.leverage('BTC-USDT'), server clock ahead", via=_LEV, skew=SKEW),
    Endpoint("legacy.position-list", "legacy", "GET", "/v2/private/position/list",
             "BybitLegacy.positions('BTCUSD')"),
    Endpoint("bingx.leverage-post-hedge", "bingx", "POST", _LEV,
             f"BingX.set_leverage('BTC-USDT', {TARGET}), hedge mode: LONG then SHORT, "
             "fault on SHORT", write=True, pre=2, path_calls=2, fault_call=2, hedge=True,
             sides=("long", "short")),
    # Binance USD-M: every call levkit makes is signed (the ladder too).
    Endpoint("binance.leverage-bracket", "binance", "GET", "/fapi/v1/leverageBracket",
             "Binance.risk_limits('BTCUSDT')"),
    Endpoint("binance.symbol-config", "binance", "GET", "/fapi/v1/symbolConfig",
             "Binance.leverage('BTCUSDT')", pre=1, post=1),
    Endpoint("binance.position-side", "binance", "GET", "/fapi/v1/positionSide/dual",
             "Binance.leverage('BTCUSDT')", pre=2),
    Endpoint("binance.position-risk", "binance", "GET", "/fapi/v2/positionRisk",
             "Binance.positions('BTCUSDT')"),
    Endpoint("binance.set-leverage", "binance", "POST", "/fapi/v1/leverage",
             f"Binance.set_leverage('BTCUSDT', {TARGET})", write=True, pre=3,
             skips_unchanged=True),
    Endpoint("binance.time", "binance", "GET", "/fapi/v1/time",
             "Binance.risk_limits('BTCUSDT'), server clock ahead",
             via="/fapi/v1/leverageBracket", skew=SKEW),
    # Binance COIN-M: USD-M's signing and rules on /dapi; the ladder in the coin, the
    # leverage read from positionRisk (by pair), positions sized by exchangeInfo.
    Endpoint("coinm.leverage-bracket", "coinm", "GET", "/dapi/v2/leverageBracket",
             "BinanceCoinM.risk_limits('BTCUSD_PERP')"),
    Endpoint("coinm.position-risk-leverage", "coinm", "GET", "/dapi/v1/positionRisk",
             "BinanceCoinM.leverage('BTCUSD_PERP')", pre=1),
    Endpoint("coinm.exchange-info", "coinm", "GET", "/dapi/v1/exchangeInfo",
             "BinanceCoinM.instruments()", signed=False),
    Endpoint("coinm.position-risk", "coinm", "GET", "/dapi/v1/positionRisk",
             "BinanceCoinM.positions('BTCUSD_PERP') (then exchangeInfo, for the contract size)",
             post=1),
    Endpoint("coinm.set-leverage", "coinm", "POST", "/dapi/v1/leverage",
             f"BinanceCoinM.set_leverage('BTCUSD_PERP', {TARGET})", write=True, pre=2,
             skips_unchanged=True),
    Endpoint("coinm.time", "coinm", "GET", "/dapi/v1/time",
             "BinanceCoinM.risk_limits('BTCUSD_PERP'), server clock ahead",
             via="/dapi/v2/leverageBracket", skew=SKEW),
    # OKX v5: public instruments, marks and tiers; signed account calls with a passphrase.
    Endpoint("okx.instruments", "okx", "GET", "/api/v5/public/instruments",
             "OKX.instruments('BTC-USDT-SWAP')", signed=False),
    Endpoint("okx.mark-price", "okx", "GET", "/api/v5/public/mark-price",
             "OKX.risk_limits('BTC-USDT-SWAP')", signed=False, pre=1, post=1),
    Endpoint("okx.position-tiers", "okx", "GET", "/api/v5/public/position-tiers",
             "OKX.risk_limits('BTC-USDT-SWAP')", signed=False, pre=2),
    Endpoint("okx.account-config", "okx", "GET", "/api/v5/account/config",
             "OKX.leverage('BTC-USDT-SWAP') (then the instruments, marks and tiers, for the caps)",
             post=4),
    Endpoint("okx.leverage-info", "okx", "GET", "/api/v5/account/leverage-info",
             "OKX.leverage('BTC-USDT-SWAP')", pre=1, post=3),
    Endpoint("okx.positions", "okx", "GET", "/api/v5/account/positions",
             "OKX.positions('BTC-USDT-SWAP') (then the instruments, for the contract value)",
             post=1),
    Endpoint("okx.set-leverage", "okx", "POST", "/api/v5/account/set-leverage",
             f"OKX.set_leverage('BTC-USDT-SWAP', {TARGET})", write=True, pre=3, post=2),
    Endpoint("okx.set-leverage-hedge", "okx", "POST", "/api/v5/account/set-leverage",
             f"OKX.set_leverage('BTC-USDT-SWAP', {TARGET}, margin_mode='isolated'), "
             "long/short mode: long then short, fault on short", write=True, pre=3, post=2,
             path_calls=2, fault_call=2, hedge=True, margin="isolated",
             sides=("long", "short")),
    Endpoint("okx.time", "okx", "GET", "/api/v5/public/time",
             "OKX.leverage('BTC-USDT-SWAP'), server clock ahead", post=4,
             via="/api/v5/account/config", skew=SKEW),
    # Bitget v2 mix: public contracts and tiers; signed account calls with a passphrase.
    Endpoint("bitget.contracts", "bitget", "GET", "/api/v2/mix/market/contracts",
             "Bitget.instruments('BTCUSDT')", signed=False),
    Endpoint("bitget.position-lever", "bitget", "GET",
             "/api/v2/mix/market/query-position-lever", "Bitget.risk_limits('BTCUSDT')",
             signed=False),
    Endpoint("bitget.account", "bitget", "GET", "/api/v2/mix/account/account",
             "Bitget.leverage('BTCUSDT')", post=1),
    Endpoint("bitget.single-position", "bitget", "GET",
             "/api/v2/mix/position/single-position", "Bitget.positions('BTCUSDT')"),
    Endpoint("bitget.set-leverage", "bitget", "POST", "/api/v2/mix/account/set-leverage",
             f"Bitget.set_leverage('BTCUSDT', {TARGET})", write=True, pre=2),
    Endpoint("bitget.set-leverage-hedge", "bitget", "POST",
             "/api/v2/mix/account/set-leverage",
             f"Bitget.set_leverage('BTCUSDT', {TARGET}), hedge mode, isolated margin: long "
             "then short, fault on short", write=True, pre=2, path_calls=2, fault_call=2,
             hedge=True, margin="isolated", sides=("long", "short")),
    Endpoint("bitget.time", "bitget", "GET", "/api/v2/public/time",
             "Bitget.leverage('BTCUSDT'), server clock ahead", post=1,
             via="/api/v2/mix/account/account", skew=SKEW),
    # Gate v4 futures: public tiers and contract; signed positions and leverage, single
    # and dual (hedge) mode.
    Endpoint("gate.risk-limit-tiers", "gate", "GET", f"{_GATE}/risk_limit_tiers",
             "Gate.risk_limits('BTC_USDT')", signed=False),
    Endpoint("gate.contract", "gate", "GET", f"{_GATE}/contracts/BTC_USDT",
             "Gate.contract('BTC_USDT')", signed=False),
    Endpoint("gate.position", "gate", "GET", f"{_GATE}/positions/BTC_USDT",
             "Gate.leverage('BTC_USDT')", post=1),
    Endpoint("gate.set-leverage", "gate", "POST", f"{_GATE}/positions/BTC_USDT/leverage",
             f"Gate.set_leverage('BTC_USDT', {TARGET})", write=True, pre=2,
             skips_unchanged=True),
    Endpoint("gate.dual-position", "gate", "GET", f"{_GATE}/dual_comp/positions/BTC_USDT",
             "Gate.leverage('BTC_USDT'), dual mode (single-mode read refused first)",
             pre=1, post=1, hedge=True, sides=("long", "short")),
    Endpoint("gate.dual-set-leverage", "gate", "POST",
             f"{_GATE}/dual_comp/positions/BTC_USDT/leverage",
             f"Gate.set_leverage('BTC_USDT', {TARGET}), dual mode", write=True, pre=3,
             hedge=True, sides=("long", "short"), skips_unchanged=True),
    Endpoint("gate.time", "gate", "GET", "/api/v4/spot/time",
             "Gate.leverage('BTC_USDT'), server clock ahead", post=1,
             via=f"{_GATE}/positions/BTC_USDT", skew=SKEW),
    # Hyperliquid: every read is POST /info (a read: never "may have been applied"),
    # unsigned; the market list (meta) comes first where a coin is checked.
    Endpoint("hyperliquid.meta", "hyperliquid", "POST", "/info",
             "Hyperliquid.risk_limits('BTC') (info meta)", signed=False),
    Endpoint("hyperliquid.active-asset", "hyperliquid", "POST", "/info",
             "Hyperliquid.leverage('BTC') (meta, then activeAssetData: fault on the 2nd)",
             signed=False, path_calls=2, fault_call=2),
    Endpoint("hyperliquid.clearinghouse", "hyperliquid", "POST", "/info",
             "Hyperliquid.positions('BTC') (meta, then clearinghouseState: fault on the 2nd)",
             signed=False, path_calls=2, fault_call=2),
)  # fmt: skip


@dataclass(frozen=True)
class Fault:
    """A fault and how levkit must react to it.

    ``kind``/``params`` go to ``sim.inject`` (``kind`` None: no fault); it fires on
    ``times`` calls (None: every call).  ``outcome`` is ``"ok"`` or the levkit exception.
    ``retried``: levkit retries it (else it raises on the first answer).  ``wait_each``:
    seconds each retry waits, from the exchange's reset (None: RetryPolicy's backoff; a
    rate-limit answer of an API that announces no reset waits the backoff too).
    ``applied``: the exchange processed the request behind the fault.  ``only``: the
    endpoints it applies to (``"write"``, ``"signed"``, ``"not-time"``,
    ``"announces-reset"``, or an API name).
    """

    id: str
    what: str
    kind: str | None = None
    params: dict = field(default_factory=dict)
    times: int | None = 1
    outcome: str = "ok"
    retried: bool = True
    wait_each: float | None = None
    applied: bool = False
    timeouts: bool = False
    only: tuple[str, ...] = ()
    preset: bool = False  # the target leverage is already set before the call
    skew: str = ""  # "" | "server" (whole server clock off) | "path" (only this endpoint's)
    retry_after: float | None = None  # RateLimitError.retry_after expected


FAULTS: tuple[Fault, ...] = (
    Fault("none", "no fault"),
    Fault("ratelimit-code", "{code} twice{reset}", "rate_limit",
          {"retry_after": RESET}, times=2, wait_each=RESET),
    Fault("ratelimit-109429", "BingX code 109429 (HTTP 200) twice, reset in 1 s",
          "rate_limit", {"retry_after": RESET, "code": 109429}, times=2, wait_each=RESET,
          only=("bingx",)),
    Fault("ratelimit-exhausted", "{code} on every call", "rate_limit",
          {"retry_after": RESET}, times=None, outcome="RateLimitError", wait_each=RESET,
          retry_after=RESET),
    Fault("http-429", "HTTP 429, Retry-After 1", "status", {"status": 429},
          wait_each=RETRY_AFTER[429]),
    Fault("http-403", "HTTP 403 (IP limit)", "status", {"status": 403},
          outcome="RateLimitError", retried=False),
    Fault("http-418", "HTTP 418 (IP banned), Retry-After 60", "status", {"status": 418},
          outcome="RateLimitError", retried=False, retry_after=RETRY_AFTER[418]),
    Fault("http-502", "HTTP 502 page", "status", {"status": 502}),
    Fault("http-503", "HTTP 503 page, Retry-After 1", "status", {"status": 503},
          wait_each=RETRY_AFTER[503]),
    Fault("http-500-exhausted", "HTTP 500 page on every call", "status", {"status": 500},
          times=None, outcome="TransportError"),
    Fault("timeout", "answer later than the client timeout", "latency", {"seconds": 30.0},
          applied=True, timeouts=True),
    Fault("timeout-exhausted", "every answer later than the timeout", "latency",
          {"seconds": 30.0}, times=None, outcome="TransportError", applied=True,
          timeouts=True, only=("write",)),
    Fault("drop", "connection dropped before processing", "drop"),
    Fault("drop-exhausted", "connection dropped on every call", "drop", times=None,
          outcome="TransportError"),
    Fault("drop-after", "request processed, then connection dropped", "drop_after",
          applied=True),
    Fault("drop-after-already-set", "drop after processing; leverage already at target",
          "drop_after", applied=True, only=("write",), preset=True),
    Fault("malformed", "truncated JSON (HTTP 200)", "malformed", applied=True),
    Fault("malformed-exhausted", "truncated JSON on every call", "malformed", times=None,
          outcome="TransportError", applied=True),
    Fault("partial", "answer cut off mid-body (headers and half the JSON, then the "
          "connection closes)", "partial", applied=True),
    Fault("partial-exhausted", "every answer cut off mid-body", "partial", times=None,
          outcome="TransportError", applied=True, only=("write",)),
    Fault("html", "HTML error page with HTTP 200", "html"),
    Fault("skew", f"server clock {SKEW:g} s ahead", skew="server", only=("not-time",)),
    Fault("ratelimit-skewed", f"server clock {SKEW:g} s ahead and {{code}} once (the "
          f"reset is read on the server's clock: 1 s, not {SKEW + RESET:g} s)",
          "rate_limit", {"retry_after": RESET}, wait_each=RESET, skew="server",
          only=("not-time", "announces-reset")),
    Fault("skew-unfixable", f"this endpoint's clock {SKEW:g} s ahead, server time correct",
          "skew", {"seconds": SKEW}, times=None, outcome="AuthenticationError",
          skew="path", only=("signed", "not-time")),
)  # fmt: skip


def applies(endpoint: Endpoint, fault: Fault) -> bool:
    for rule in fault.only:
        if rule == "write" and not endpoint.write:
            return False
        if rule == "signed" and not endpoint.signed:
            return False
        if rule == "not-time" and endpoint.via is not None:
            return False
        if rule == "announces-reset" and not APIS[endpoint.api].announces_reset:
            return False
        if rule in APIS and endpoint.api != rule:
            return False
    return True


def announced(ep: Endpoint, fault: Fault) -> tuple[float | None, float | None]:
    """(``wait_each``, ``retry_after``) of ``fault`` on ``ep``: an exchange rate-limit
    answer of an API that announces no reset is waited out by RetryPolicy's backoff, and
    its error has no ``retry_after``."""
    if fault.kind == "rate_limit" and not APIS[ep.api].announces_reset:
        return None, None
    return fault.wait_each, fault.retry_after


def backoff(retries: int, wait_each: float | None = None) -> float:
    """Seconds slept over ``retries`` retries: the reset each time, else the policy's backoff."""
    if wait_each is not None:
        return retries * wait_each
    return sum(POLICY.delay(n, None) for n in range(retries))


@dataclass(frozen=True)
class Scenario:
    """One endpoint under one fault, with every number the test asserts."""

    endpoint: Endpoint
    fault: Fault
    outcome: str
    state: str  # "unchanged" | "set" (the target in force) | "half" (first side only)
    changed: bool | None  # set-leverage frames: the ``changed`` column expected
    path_calls: int  # calls to the faulted endpoint, exact
    path_bound: int  # ... and its bound: max_retries + 1 (+1 after a skew sync)
    calls: int  # every HTTP call the public call made, exact
    time_calls: int  # calls to the server-time endpoint
    wait: float  # injected seconds slept (backoff and resets), exact
    wait_bound: float  # ... and its bound from RetryPolicy and the reset headers
    timeouts: int  # calls that end in a (real) client timeout
    retry_after: float | None = None  # RateLimitError.retry_after expected
    partial: bool | None = None  # the error's ``partial`` (None: not a set's error)

    @property
    def id(self) -> str:
        return f"{self.endpoint.id}:{self.fault.id}"

    @property
    def real_bound(self) -> float:
        """Real seconds the call may take: its timeouts plus a generous slack."""
        return self.timeouts * TIMEOUT + REAL_SLACK


def slot_calls(fault: Fault, ep: Endpoint | None = None) -> tuple[int, int]:
    """(calls, retries) of the one call the fault hits: failures, then the answer if any
    (none at all when the leverage is already in force and the client sends nothing)."""
    if fault.preset and ep is not None and ep.skips_unchanged:
        return 0, 0
    if fault.kind is None or fault.skew == "path":
        return 1, 0
    if not fault.retried:
        return 1, 0
    if fault.outcome == "ok":
        return (fault.times or 0) + 1, fault.times or 0
    return MAX_RETRIES + 1, MAX_RETRIES


def expect(ep: Endpoint, fault: Fault) -> Scenario:
    """Derive what must happen when ``fault`` hits ``ep``."""
    ok = fault.outcome == "ok"
    wait_each, retry_after = announced(ep, fault)
    slot, retries = slot_calls(fault, ep)
    before = ep.fault_call - 1  # clean calls to the path before the fault fires
    after = (ep.path_calls - ep.fault_call) if ok else 0
    path = before + slot + after
    time_calls = 0
    extra = 0  # calls beyond pre + path + post
    if ep.via is not None:
        # The fault is on the server-time endpoint, reached when the signed call ``via`` is
        # rejected for its timestamp; the sync is retried like any call, then ``via`` is
        # sent again.
        time_calls = path
        extra = 2 if ok else 1
    elif fault.skew == "server" and ep.signed:
        # The first signed call (a pre-call, or this one) is rejected once, the server time
        # is read once, and it goes again; every later call carries the learnt offset.
        time_calls, extra = 1, 1
        if ep.pre == 0:
            path += 1
        else:
            extra += 1
    elif fault.skew == "path":
        # Only this endpoint's clock is off: rejected, synced (no offset to learn), rejected.
        path, time_calls, extra = before + 2, 1, 1
    calls = ep.pre + path + extra + (ep.post if ok else 0)

    if ep.write and (ok or fault.applied or fault.preset):
        state = "set"
    elif ep.multi:
        state = "half"  # the first side's request went through, the faulted one did not
    else:
        state = "unchanged"
    changed = (not fault.preset) if (ep.write and ok) else None
    partial = None if ok or not ep.write else ep.multi
    wait = backoff(retries, wait_each)
    # Bounds, from the policy alone: max_retries + 1 calls per call, one more after a skew
    # sync; each retry waits the policy's backoff or the announced reset, never > max_wait.
    slot_bound = MAX_RETRIES + 1 + (1 if fault.skew and ep.signed else 0)
    path_bound = (ep.path_calls - 1 if ep.via is None else 0) + slot_bound
    reset = wait_each or 0.0
    wait_bound = sum(
        min(max(POLICY.delay(n, None), reset), POLICY.max_wait) for n in range(MAX_RETRIES)
    )
    timeouts = (slot - (1 if ok else 0)) if fault.timeouts else 0
    return Scenario(
        ep,
        fault,
        fault.outcome,
        state,
        changed,
        path,
        path_bound,
        calls,
        time_calls,
        wait,
        wait_bound,
        timeouts,
        retry_after,
        partial,
    )


SCENARIOS: tuple[Scenario, ...] = tuple(
    expect(ep, f) for ep in ENDPOINTS for f in FAULTS if applies(ep, f)
)
BY_ID = {s.id: s for s in SCENARIOS}


def counts() -> dict[str, int]:
    """Scenarios per API (the README's summary)."""
    out: dict[str, int] = {}
    for s in SCENARIOS:
        out[s.endpoint.api] = out.get(s.endpoint.api, 0) + 1
    return out


if __name__ == "__main__":  # pragma: no cover - a maintenance command
    from .tables import main

    main(sys.argv)
