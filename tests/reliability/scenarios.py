"""The fault suite's scenarios as data: endpoints x faults, each with what must happen.

One list, :data:`SCENARIOS`, drives both the tests (``test_faults.py``) and the table in
``README.md``; ``test_readme.py`` fails when the README no longer matches it.  Regenerate
the table with::

    .venv/bin/python -m tests.reliability.scenarios --write

Every expectation is derived from the client's :class:`~levkit.transport.RetryPolicy` and
the reset the simulator announces (:data:`RESET`), never typed in by hand.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from levkit.transport import RetryPolicy

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

#: The rate-limit answer each API's simulator gives (``{code}`` in fault descriptions).
RATE_LIMIT_CODE = {
    "bybit": "retCode 10006",
    "legacy": "ret_code 10006",
    "bingx": "code 100410 (HTTP 429)",
}
BYBIT_TIME = "/v5/market/time"
BINGX_TIME = "/openApi/swap/v2/server/time"


@dataclass(frozen=True)
class Endpoint:
    """One endpoint levkit calls, and the public call that reaches it.

    ``pre``/``post``: HTTP calls the public call makes before/after this endpoint in a
    clean run.  ``path_calls``: calls to this endpoint in a clean run (4 for the paged
    fetch), the fault firing first on call ``fault_call``.  Server-time endpoints are only
    called after a rejected timestamp: their scenarios run with the server clock
    :attr:`skew` seconds ahead, through the signed call ``via`` (a path).
    """

    id: str
    api: str  # "bybit" | "legacy" | "bingx": which client
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

    @property
    def time_path(self) -> str:
        return BINGX_TIME if self.api == "bingx" else BYBIT_TIME


_LEV = "/openApi/swap/v2/trade/leverage"
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
             "Bybit.leverage('BTCUSDT'), server clock +30 s", post=1,
             via="/v5/position/list", skew=30.0),
    Endpoint("legacy.user-leverage", "legacy", "GET", "/user/leverage",
             "BybitLegacy.leverage('BTCUSD')"),
    Endpoint("legacy.leverage-save", "legacy", "POST", "/user/leverage/save",
             f"BybitLegacy.set_leverage('BTCUSD', {TARGET})", write=True, pre=1),
    Endpoint("legacy.time", "legacy", "GET", BYBIT_TIME,
             "BybitLegacy.leverage('BTCUSD'), server clock +30 s",
             via="/user/leverage", skew=30.0),
    Endpoint("bingx.leverage-get", "bingx", "GET", _LEV, "BingX.leverage('BTC-USDT')"),
    Endpoint("bingx.leverage-post", "bingx", "POST", _LEV,
             f"BingX.set_leverage('BTC-USDT', {TARGET})", write=True, pre=2),
    Endpoint("bingx.maint-margin", "bingx", "GET", "/openApi/swap/v1/maintMarginRatio",
             "BingX.margin_bands('BTC-USDT')"),
    Endpoint("bingx.position-mode", "bingx", "GET", "/openApi/swap/v1/positionSide/dual",
             "BingX.position_mode()"),
    Endpoint("bingx.positions", "bingx", "GET", "/openApi/swap/v2/user/positions",
             "BingX.open_positions()"),
    Endpoint("bingx.open-orders", "bingx", "GET", "/openApi/swap/v2/trade/openOrders",
             "BingX.open_orders()"),
    Endpoint("bingx.time", "bingx", "GET", BINGX_TIME,
             "BingX.leverage('BTC-USDT'), server clock +30 s", via=_LEV, skew=30.0),
)  # fmt: skip


@dataclass(frozen=True)
class Fault:
    """A fault and how levkit must react to it.

    ``kind``/``params`` go to ``sim.inject`` (``kind`` None: no fault); it fires on
    ``times`` calls (None: every call).  ``outcome`` is ``"ok"`` or the levkit exception.
    ``retried``: levkit retries it (else it raises on the first answer).  ``wait_each``:
    seconds each retry waits, from the exchange's reset (None: RetryPolicy's backoff).
    ``applied``: the exchange processed the request behind the fault.  ``only``: the
    endpoints it applies to (``"write"``, ``"signed"``, ``"bingx"``, ``"not-time"``).
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
    Fault("ratelimit-code", "{code} twice, reset in 1 s", "rate_limit",
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
    Fault("html", "HTML error page with HTTP 200", "html"),
    Fault("skew", "server clock 30 s ahead", skew="server", only=("not-time",)),
    Fault("ratelimit-skewed", "server clock 30 s ahead and {code} once (the reset is "
          "read on the server's clock: 1 s, not 31 s)", "rate_limit",
          {"retry_after": RESET}, wait_each=RESET, skew="server", only=("not-time",)),
    Fault("skew-unfixable", "this endpoint's clock 30 s ahead, server time correct",
          "skew", {"seconds": 30.0}, times=None, outcome="AuthenticationError",
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
        if rule in ("bybit", "legacy", "bingx") and endpoint.api != rule:
            return False
    return True


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
    state: str  # "unchanged" | "set" (the target leverage is in force afterwards)
    changed: bool | None  # set-leverage frames: the ``changed`` column expected
    path_calls: int  # calls to the faulted endpoint, exact
    path_bound: int  # ... and its bound: max_retries + 1 (+1 after a skew sync)
    calls: int  # every HTTP call the public call made, exact
    time_calls: int  # calls to the server-time endpoint
    wait: float  # injected seconds slept (backoff and resets), exact
    wait_bound: float  # ... and its bound from RetryPolicy and the reset headers
    timeouts: int  # calls that end in a (real) client timeout

    @property
    def id(self) -> str:
        return f"{self.endpoint.id}:{self.fault.id}"

    @property
    def real_bound(self) -> float:
        """Real seconds the call may take: its timeouts plus a generous slack."""
        return self.timeouts * TIMEOUT + REAL_SLACK


def slot_calls(fault: Fault) -> tuple[int, int]:
    """(calls, retries) of the one call the fault hits: failures, then the answer if any."""
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
    slot, retries = slot_calls(fault)
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
        path, time_calls, extra = 2, 1, 1
    calls = ep.pre + path + extra + (ep.post if ok else 0)

    state = "set" if ep.write and (ok or fault.applied or fault.preset) else "unchanged"
    changed = (not fault.preset) if (ep.write and ok) else None
    wait = backoff(retries, fault.wait_each)
    # Bounds, from the policy alone: max_retries + 1 calls per call, one more after a skew
    # sync; each retry waits the policy's backoff or the announced reset, never > max_wait.
    slot_bound = MAX_RETRIES + 1 + (1 if fault.skew and ep.signed else 0)
    path_bound = (ep.path_calls - 1 if ep.via is None else 0) + slot_bound
    reset = fault.wait_each or 0.0
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
    )


SCENARIOS: tuple[Scenario, ...] = tuple(
    expect(ep, f) for ep in ENDPOINTS for f in FAULTS if applies(ep, f)
)
BY_ID = {s.id: s for s in SCENARIOS}


# ------------------------------------------------------------------- README table
README = Path(__file__).with_name("README.md")
BEGIN = "<!-- scenarios: begin (generated by python -m tests.reliability.scenarios --write) -->"
END = "<!-- scenarios: end -->"


def _num(x: float) -> str:
    return f"{x:g}"


def table() -> str:
    """The scenario table in Markdown, one row per scenario."""
    head = (
        "| scenario | endpoint | fault | outcome | final state | calls to endpoint "
        "(bound) | all calls | waited s (bound) | timeouts | result |\n"
        "|---|---|---|---|---|---|---|---|---|---|\n"
    )
    rows = []
    for s in SCENARIOS:
        ep = s.endpoint
        outcome = s.outcome
        if s.changed is not None:
            outcome += f", changed {s.changed}"
        if s.fault.retry_after is not None:
            outcome += f", retry_after {_num(s.fault.retry_after)}"
        state = {"set": f"leverage {TARGET}", "unchanged": "unchanged"}[s.state]
        if s.state == "set" and s.outcome != "ok":
            state += " (applied by the exchange)"
        where = f"{ep.method} {ep.path}"
        if s.time_calls and ep.via is None:
            where += f" (+{s.time_calls} time)"
        what = s.fault.what.format(code=RATE_LIMIT_CODE[ep.api])
        rows.append(
            f"| `{s.id}` | {where} | {what} | {outcome} | {state} "
            f"| {s.path_calls} (<= {s.path_bound}) | {s.calls} "
            f"| {_num(s.wait)} (<= {_num(s.wait_bound)}) | {s.timeouts} | pass |"
        )
    return head + "\n".join(rows) + "\n"


def render(text: str) -> str:
    """``text`` (the README) with the table between the markers replaced."""
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    return text[:start] + "\n\n" + table() + "\n" + text[end:]


if __name__ == "__main__":  # pragma: no cover - a maintenance command
    if "--write" in sys.argv:
        README.write_text(render(README.read_text()))
        print(f"{README}: {len(SCENARIOS)} scenarios")
    else:
        print(table(), end="")
