"""Every endpoint levkit calls, under every fault, over the loopback simulator.

Each scenario (see ``scenarios.py`` and the table in ``README.md``) asserts four things:

1. the outcome: the frame the public call returns, or the specific levkit exception
   (with ``retry_after`` for rate limits);
2. the final account state in the simulator: unchanged after a read or a failed set, the
   target leverage after a successful set (or one the exchange applied behind a fault);
3. the HTTP calls: exactly as derived, and within ``max_retries + 1`` per call (+1 after a
   clock-skew sync), counted both by the simulator and by the client's transport;
4. the time: injected backoff within the bound that RetryPolicy and the announced resets
   allow, no other sleeping, and real time within the client timeouts plus a small slack.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from levkit import errors

from .conftest import BYBIT_LINEAR, LADDER, POSITION_VALUE, World
from .scenarios import (
    APIS,
    INITIAL,
    PAGE_SIZE,
    PAGES,
    SCENARIOS,
    SKEW,
    TARGET,
    TIMEOUT,
    Scenario,
    slot_calls,
)

SYMBOL = {name: api.symbol for name, api in APIS.items()}
ACCOUNT = {name: api.account for name, api in APIS.items()}
#: Every venue's clock-skew codes (Bybit, BingX, Binance, OKX, Bitget 40004/40008, Gate).
SKEW_CODES = {10002, 100421, -1021, 50102, 40004, 40008, "REQUEST_EXPIRED"}

OPS: dict[str, Callable[[Any], Any]] = {
    "bybit.risk-limit": lambda c: c.risk_limits("BTCUSDT"),
    "bybit.risk-limit-paged": lambda c: c.risk_limits(),
    "bybit.instruments-info": lambda c: c.instruments("BTCUSDT"),
    "bybit.position-list": lambda c: c.leverage("BTCUSDT"),
    "bybit.set-leverage": lambda c: c.set_leverage("BTCUSDT", TARGET),
    "bybit.time": lambda c: c.leverage("BTCUSDT"),
    "legacy.user-leverage": lambda c: c.leverage("BTCUSD"),
    "legacy.leverage-save": lambda c: c.set_leverage("BTCUSD", TARGET),
    "legacy.time": lambda c: c.leverage("BTCUSD"),
    "legacy.position-list": lambda c: c.positions("BTCUSD"),
    "bingx.leverage-get": lambda c: c.leverage("BTC-USDT"),
    "bingx.leverage-post": lambda c: c.set_leverage("BTC-USDT", TARGET),
    "bingx.leverage-post-hedge": lambda c: c.set_leverage("BTC-USDT", TARGET),
    "bingx.maint-margin": lambda c: c.margin_bands("BTC-USDT"),
    "bingx.position-mode": lambda c: c.position_mode(),
    "bingx.positions": lambda c: c.open_positions(),
    "bingx.open-orders": lambda c: c.open_orders(),
    "bingx.time": lambda c: c.leverage("BTC-USDT"),
    "binance.leverage-bracket": lambda c: c.risk_limits("BTCUSDT"),
    "binance.symbol-config": lambda c: c.leverage("BTCUSDT"),
    "binance.position-side": lambda c: c.leverage("BTCUSDT"),
    "binance.position-risk": lambda c: c.positions("BTCUSDT"),
    "binance.set-leverage": lambda c: c.set_leverage("BTCUSDT", TARGET),
    "binance.time": lambda c: c.risk_limits("BTCUSDT"),
    "coinm.leverage-bracket": lambda c: c.risk_limits("BTCUSD_PERP"),
    "coinm.position-risk-leverage": lambda c: c.leverage("BTCUSD_PERP"),
    "coinm.exchange-info": lambda c: c.instruments(),
    "coinm.position-risk": lambda c: c.positions("BTCUSD_PERP"),
    "coinm.set-leverage": lambda c: c.set_leverage("BTCUSD_PERP", TARGET),
    "coinm.time": lambda c: c.risk_limits("BTCUSD_PERP"),
    "okx.instruments": lambda c: c.instruments("BTC-USDT-SWAP"),
    "okx.mark-price": lambda c: c.risk_limits("BTC-USDT-SWAP"),
    "okx.position-tiers": lambda c: c.risk_limits("BTC-USDT-SWAP"),
    "okx.account-config": lambda c: c.leverage("BTC-USDT-SWAP"),
    "okx.leverage-info": lambda c: c.leverage("BTC-USDT-SWAP"),
    "okx.positions": lambda c: c.positions("BTC-USDT-SWAP"),
    "okx.set-leverage": lambda c: c.set_leverage("BTC-USDT-SWAP", TARGET),
    "okx.set-leverage-hedge": lambda c: c.set_leverage(
        "BTC-USDT-SWAP", TARGET, margin_mode="isolated"
    ),
    "okx.time": lambda c: c.leverage("BTC-USDT-SWAP"),
    "bitget.contracts": lambda c: c.instruments("BTCUSDT"),
    "bitget.position-lever": lambda c: c.risk_limits("BTCUSDT"),
    "bitget.account": lambda c: c.leverage("BTCUSDT"),
    "bitget.single-position": lambda c: c.positions("BTCUSDT"),
    "bitget.set-leverage": lambda c: c.set_leverage("BTCUSDT", TARGET),
    "bitget.set-leverage-hedge": lambda c: c.set_leverage("BTCUSDT", TARGET),
    "bitget.time": lambda c: c.leverage("BTCUSDT"),
    "gate.risk-limit-tiers": lambda c: c.risk_limits("BTC_USDT"),
    "gate.contract": lambda c: c.contract("BTC_USDT"),
    "gate.position": lambda c: c.leverage("BTC_USDT"),
    "gate.set-leverage": lambda c: c.set_leverage("BTC_USDT", TARGET),
    "gate.dual-position": lambda c: c.leverage("BTC_USDT"),
    "gate.dual-set-leverage": lambda c: c.set_leverage("BTC_USDT", TARGET),
    "gate.time": lambda c: c.leverage("BTC_USDT"),
    "hyperliquid.meta": lambda c: c.risk_limits("BTC"),
    "hyperliquid.active-asset": lambda c: c.leverage("BTC"),
    "hyperliquid.clearinghouse": lambda c: c.positions("BTC"),
}

CAPS = [cap for cap, _ in LADDER]
TOPS = [lev for _, lev in LADDER]


# ------------------------------------------------------------------ what a success returns
def _ladder(frame: pd.DataFrame, symbol: str) -> None:
    rows = frame[frame["symbol"] == symbol]
    assert rows["max_notional"].tolist() == CAPS
    assert rows["max_leverage"].tolist() == TOPS
    assert rows["tier"].tolist() == list(range(1, len(LADDER) + 1))


def _leverage(frame: pd.DataFrame, sides: list[str], value: float) -> None:
    assert sorted(frame["side"]) == sorted(sides)
    assert (frame["leverage"] == value).all(), frame[["side", "leverage"]]


def _set(frame: pd.DataFrame, s: Scenario, sides: list[str]) -> None:
    _leverage(frame, sides, TARGET)
    previous = TARGET if s.fault.preset else INITIAL
    assert (frame["previous_leverage"] == previous).all()
    assert frame["changed"].tolist() == [s.changed] * len(sides)


#: Endpoints whose public call returns a ladder / a leverage frame / an open position /
#: an instrument's top leverage (the new venues' checks, by kind).
LADDERS = {"binance.leverage-bracket", "binance.time", "okx.mark-price", "okx.position-tiers",
           "bitget.position-lever", "gate.risk-limit-tiers", "hyperliquid.meta",
           "coinm.leverage-bracket", "coinm.time"}  # fmt: skip
LEVERAGES = {"binance.symbol-config", "binance.position-side", "coinm.position-risk-leverage",
             "okx.account-config",
             "okx.leverage-info", "okx.time", "bitget.account", "bitget.time",
             "gate.position", "gate.dual-position", "gate.time",
             "hyperliquid.active-asset"}  # fmt: skip
POSITIONS = {"legacy.position-list", "binance.position-risk", "okx.positions",
             "coinm.position-risk",
             "bitget.single-position", "hyperliquid.clearinghouse"}  # fmt: skip
INSTRUMENTS = {"okx.instruments", "bitget.contracts", "gate.contract"}


def check_result(s: Scenario, out: Any) -> None:
    """The frame (or value) a public call returns when the scenario ends well."""
    ep = s.endpoint.id
    symbol = SYMBOL[s.endpoint.api]
    unstamped = ("bybit.instruments-info", "coinm.exchange-info", *INSTRUMENTS)
    if isinstance(out, pd.DataFrame) and ep not in unstamped:
        assert out.attrs["source"] == "simulator"  # (instrument tables are unstamped)
    if ep == "bybit.risk-limit":
        assert set(out["symbol"]) == {"BTCUSDT"}
        _ladder(out, "BTCUSDT")
    elif ep == "bybit.risk-limit-paged":
        assert sorted(set(out["symbol"])) == sorted(BYBIT_LINEAR)
        assert not out.duplicated(["symbol", "tier"]).any()
        for sym in BYBIT_LINEAR:
            _ladder(out, sym)
    elif ep == "bybit.instruments-info":
        assert out["symbol"].tolist() == ["BTCUSDT"]
        assert out["max_leverage"].tolist() == [max(TOPS)]
    elif ep in ("bybit.position-list", "bybit.time"):
        _leverage(out, ["both"], INITIAL)
        assert out["max_position_value"].tolist() == [max(CAPS)]  # caps from the ladder
    elif ep in ("legacy.user-leverage", "legacy.time"):
        _leverage(out, ["both"], INITIAL)
        assert out["symbol"].tolist() == ["BTCUSD"]
    elif s.endpoint.write:  # every set: the frame after the change
        _set(out, s, list(s.endpoint.sides))
    elif ep in ("bingx.leverage-get", "bingx.time"):
        _leverage(out, ["long", "short"], INITIAL)
        assert out["max_position_value"].tolist() == [max(CAPS)] * 2
    elif ep == "bingx.maint-margin":
        assert set(out["symbol"]) == {"BTC-USDT"} and len(out) == len(LADDER)
    elif ep == "bingx.position-mode":
        assert out == "one-way"
    elif ep == "bingx.positions":
        assert out["symbol"].tolist() == ["ETH-USDT"] and out["side"].tolist() == ["long"]
    elif ep == "bingx.open-orders":
        assert out["symbol"].tolist() == ["ETH-USDT"]
    elif ep in LADDERS:
        rows = out[out["symbol"] == symbol]
        caps = CAPS[:-1] + [math.inf] if s.endpoint.api == "hyperliquid" else CAPS  # open top
        assert rows["max_notional"].tolist() == pytest.approx(caps, rel=1e-6)  # OKX: contracts
        assert rows["max_leverage"].tolist() == TOPS
    elif ep in LEVERAGES:
        _leverage(out, list(s.endpoint.sides), INITIAL)
        assert set(out["symbol"]) == {symbol}
    elif ep in POSITIONS:
        assert out["symbol"].tolist() == [symbol] and out["direction"].tolist() == ["long"]
        assert out["position_value"].tolist() == pytest.approx([POSITION_VALUE])
    elif ep == "coinm.exchange-info":
        assert out.set_index("symbol")["contract_size"].to_dict() == {
            "BTCUSD_PERP": 100.0, "ETHUSD_PERP": 10.0
        }  # fmt: skip
    elif ep in INSTRUMENTS:
        top = out["max_leverage"] if isinstance(out, dict) else out["max_leverage"].iloc[0]
        assert float(top) == max(TOPS)
    else:  # pragma: no cover - a new endpoint needs its check here
        raise AssertionError(f"no result check for {ep}")


def check_error(s: Scenario, exc: errors.LevkitError) -> None:
    """The exception a public call raises when the scenario ends badly."""
    assert type(exc) is getattr(errors, s.outcome), repr(exc)
    ep, fault = s.endpoint, s.fault
    if isinstance(exc, errors.RateLimitError):
        if s.retry_after is None:
            assert exc.retry_after is None
        else:
            assert exc.retry_after == pytest.approx(s.retry_after, abs=0.01)
        if fault.kind == "status":
            assert exc.status == fault.params["status"]
    elif isinstance(exc, errors.AuthenticationError):
        assert exc.code in SKEW_CODES and "even after syncing" in exc.message
    elif isinstance(exc, errors.TransportError):
        assert exc.endpoint == ep.path
        # Only a write may say it may have been applied: a read's error never does.
        assert ("may still have applied" in str(exc)) == ep.write, str(exc)
    if s.partial is False:  # a set of one request: nothing of it was applied apart
        assert not getattr(exc, "partial", False)


# ------------------------------------------------------------------ running a scenario
def arrange(world: World, s: Scenario) -> None:
    ep, fault = s.endpoint, s.fault
    sim = world.sim
    sim.set_account(ACCOUNT[ep.api], hedge=ep.hedge, margin_mode=ep.margin)
    sim.skew = ep.skew or (SKEW if fault.skew == "server" else 0.0)
    if fault.preset:
        sim.set_leverage(ACCOUNT[ep.api], SYMBOL[ep.api], TARGET)
    if fault.kind is not None:
        sim.inject(
            fault.kind,
            path=ep.path,
            method=ep.method,
            times=fault.times,
            on_call=ep.fault_call if ep.fault_call > 1 else None,
            **fault.params,
        )


def expected_state(before: dict, s: Scenario) -> dict:
    out = copy.deepcopy(before)
    api = s.endpoint.api
    if s.state == "set":
        out[ACCOUNT[api]]["leverage"][SYMBOL[api]] = {"long": TARGET, "short": TARGET}
    elif s.state == "half":  # long went first and was applied; short was not
        out[ACCOUNT[api]]["leverage"][SYMBOL[api]] = {"long": TARGET, "short": INITIAL}
    return out


@pytest.mark.parametrize("s", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_fault_scenario(world: World, s: Scenario) -> None:
    ep = s.endpoint
    sim, clock = world.sim, world.clock
    arrange(world, s)
    before = world.state()
    client = world.client(ep.api)

    start = time.perf_counter()
    result, error = None, None
    try:
        result = OPS[ep.id](client)
    except errors.LevkitError as exc:  # anything else fails the test
        error = exc
    elapsed = time.perf_counter() - start

    # 1. outcome
    if s.outcome == "ok":
        assert error is None, repr(error)
        check_result(s, result)
    else:
        assert error is not None, f"expected {s.outcome}, got {result!r}"
        check_error(s, error)

    # 2. final account state
    assert world.state() == expected_state(before, s)

    # 3. calls: exact, and within the bound
    on_path = sim.count(ep.path, method=ep.method)
    assert on_path == s.path_calls <= s.path_bound
    assert (sim.count(ep.time_path) if ep.time_path else 0) == s.time_calls
    assert len(sim.calls) == client.transport.calls == s.calls

    # 4. time: injected waits exact and bounded; nothing else slept; real time bounded
    waited = client.transport.waited
    assert waited == pytest.approx(s.wait) and waited <= s.wait_bound + 1e-9
    assert sum(clock.slept) == pytest.approx(waited)
    assert elapsed <= s.real_bound
    assert elapsed >= s.timeouts * TIMEOUT * 0.9

    if ep.id == "bybit.risk-limit-paged":
        check_paging(world, s, client, result)


def check_paging(world: World, s: Scenario, client: Any, result: pd.DataFrame | None) -> None:
    """Page 3 failed: the fetch went on from page 3's cursor (never from the start), and
    its frame equals a clean fetch's; a fetch that failed cached nothing."""
    sim = world.sim
    cursors = [c.params.get("cursor", "") for c in sim.calls if c.path == s.endpoint.path]
    page_cursors = ["", *(f"cursor-{PAGE_SIZE * n}" for n in range(1, PAGES))]
    assert list(dict.fromkeys(cursors)) == page_cursors[: len(set(cursors))]
    assert cursors[:2] == page_cursors[:2]  # pages 1 and 2 fetched once each
    assert cursors.count(page_cursors[2]) == slot_calls(s.fault, s.endpoint)[0]  # and retries
    sim.faults.clear()
    sim.skew = 0.0
    clean = world.client("bybit").risk_limits()
    if result is not None:
        assert set(cursors) == set(page_cursors)
        pd.testing.assert_frame_equal(result, clean)
    else:
        assert not client._cache  # nothing half-fetched was kept
        again = client.risk_limits()
        pd.testing.assert_frame_equal(again, clean)


#: Endpoints a venue declares that levkit never calls, and why.
NEVER_CALLED = {
    ("hyperliquid", "POST", "/exchange"): "wallet-signed actions: levkit only previews them",
    ("bingx", "POST", "/openApi/swap/v1/positionSide/dual"): "declared; levkit sets no mode",
}


def test_every_endpoint_levkit_calls_has_scenarios() -> None:
    """Every endpoint the registry declares (each venue's spec) has scenarios, apart from
    the ones levkit never calls (:data:`NEVER_CALLED`); every API has them."""
    from levkit.venues import venues

    declared = {
        (v.name, e.method, e.path.replace("{contract}", "BTC_USDT"))
        for v in venues()
        for e in v.endpoints.values()
    }
    name = {api: venue_of(api) for api in APIS}
    covered = {(name[s.endpoint.api], s.endpoint.method, s.endpoint.path) for s in SCENARIOS}
    covered |= {(name[s.endpoint.api], "GET", s.endpoint.path) for s in SCENARIOS if s.endpoint.via}
    # the server-time endpoint the legacy client shares with v5 is declared by both
    assert covered | set(NEVER_CALLED) >= declared, sorted(declared - covered - set(NEVER_CALLED))
    assert {s.endpoint.api for s in SCENARIOS} == set(APIS)
    faults = {s.fault.id for s in SCENARIOS}
    assert {"http-429", "http-403", "http-418", "http-502", "ratelimit-code", "timeout",
            "drop", "malformed", "partial", "skew"} <= faults  # fmt: skip
    assert set(OPS) == {s.endpoint.id for s in SCENARIOS}


def venue_of(api: str) -> str:
    """The registry name of a suite API (``legacy`` is ``bybit-legacy``)."""
    return {"legacy": "bybit-legacy", "coinm": "binance-coinm"}.get(api, api)


@pytest.mark.parametrize(
    "s",
    [s for s in SCENARIOS if s.partial and not s.fault.timeouts],
    ids=[s.id for s in SCENARIOS if s.partial and not s.fault.timeouts],
)
def test_a_set_failing_after_its_first_side_says_partial(world: World, s: Scenario):
    """A hedge-mode set of both sides whose second request fails raises with
    ``partial=True`` (the first side is already set: the state check of
    :func:`test_fault_scenario` shows it), on every venue and every failure kind."""
    arrange(world, s)
    with pytest.raises(errors.LevkitError) as info:
        OPS[s.endpoint.id](world.client(s.endpoint.api))
    assert getattr(info.value, "partial", False) is True, repr(info.value)
