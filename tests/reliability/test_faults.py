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
import time
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from levkit import errors

from .conftest import BYBIT_LINEAR, LADDER, World
from .scenarios import (
    INITIAL,
    PAGE_SIZE,
    PAGES,
    SCENARIOS,
    TARGET,
    TIMEOUT,
    Scenario,
    slot_calls,
)

SYMBOL = {"bybit": "BTCUSDT", "legacy": "BTCUSD", "bingx": "BTC-USDT"}
ACCOUNT = {"bybit": "bybit", "legacy": "bybit", "bingx": "bingx"}
SKEW_CODES = {10002, 100421}

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
    "bingx.leverage-get": lambda c: c.leverage("BTC-USDT"),
    "bingx.leverage-post": lambda c: c.set_leverage("BTC-USDT", TARGET),
    "bingx.maint-margin": lambda c: c.margin_bands("BTC-USDT"),
    "bingx.position-mode": lambda c: c.position_mode(),
    "bingx.positions": lambda c: c.open_positions(),
    "bingx.open-orders": lambda c: c.open_orders(),
    "bingx.time": lambda c: c.leverage("BTC-USDT"),
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


def check_result(s: Scenario, out: Any) -> None:
    """The frame (or value) a public call returns when the scenario ends well."""
    ep = s.endpoint.id
    if isinstance(out, pd.DataFrame) and ep != "bybit.instruments-info":  # unstamped table
        assert out.attrs["source"] == "simulator"
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
    elif ep in ("bybit.set-leverage", "legacy.leverage-save"):
        _set(out, s, ["both"])
    elif ep == "bingx.leverage-post":
        _set(out, s, ["long", "short"])
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
    else:  # pragma: no cover - a new endpoint needs its check here
        raise AssertionError(f"no result check for {ep}")


def check_error(s: Scenario, exc: errors.LevkitError) -> None:
    """The exception a public call raises when the scenario ends badly."""
    assert type(exc) is getattr(errors, s.outcome), repr(exc)
    ep, fault = s.endpoint, s.fault
    if isinstance(exc, errors.RateLimitError):
        if fault.retry_after is None:
            assert exc.retry_after is None
        else:
            assert exc.retry_after == pytest.approx(fault.retry_after, abs=0.01)
        if fault.kind == "status":
            assert exc.status == fault.params["status"]
    elif isinstance(exc, errors.AuthenticationError):
        assert exc.code in SKEW_CODES and "even after syncing" in exc.message
    elif isinstance(exc, errors.TransportError):
        assert exc.endpoint == ep.path


# ------------------------------------------------------------------ running a scenario
def arrange(world: World, s: Scenario) -> None:
    ep, fault = s.endpoint, s.fault
    sim = world.sim
    sim.skew = ep.skew or (30.0 if fault.skew == "server" else 0.0)
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
    if s.state == "set":
        api = s.endpoint.api
        out[ACCOUNT[api]]["leverage"][SYMBOL[api]] = {"long": TARGET, "short": TARGET}
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
    assert sim.count(ep.time_path) == s.time_calls
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
    assert cursors.count(page_cursors[2]) == slot_calls(s.fault)[0]  # page 3 and its retries
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


def test_every_endpoint_levkit_calls_has_scenarios() -> None:
    """The suite covers the paths the issue lists, on all three APIs."""
    covered = {(s.endpoint.method, s.endpoint.path) for s in SCENARIOS}
    wanted = {
        ("GET", "/v5/market/risk-limit"),
        ("GET", "/v5/market/instruments-info"),
        ("GET", "/v5/position/list"),
        ("POST", "/v5/position/set-leverage"),
        ("GET", "/v5/market/time"),
        ("GET", "/user/leverage"),
        ("POST", "/user/leverage/save"),
        ("GET", "/openApi/swap/v2/trade/leverage"),
        ("POST", "/openApi/swap/v2/trade/leverage"),
        ("GET", "/openApi/swap/v1/maintMarginRatio"),
        ("GET", "/openApi/swap/v1/positionSide/dual"),
        ("GET", "/openApi/swap/v2/user/positions"),
        ("GET", "/openApi/swap/v2/trade/openOrders"),
        ("GET", "/openApi/swap/v2/server/time"),
    }
    assert covered == wanted
    faults = {s.fault.id for s in SCENARIOS}
    assert {"http-429", "http-403", "http-418", "ratelimit-code", "timeout", "drop"} <= faults
    assert set(OPS) == {s.endpoint.id for s in SCENARIOS}
