"""lk.fetch_risk_limits with several venues: concurrency, failures, caching, symbols."""

from __future__ import annotations

import threading
import time
import warnings

import pandas as pd
import pytest

import levkit as lk
from levkit.fetch.many import FetchWarning
from levkit.sim import DEMO_KEY, DEMO_SECRET, Simulator

PUBLIC = ["bybit", "okx", "bitget", "gate", "hyperliquid"]
LADDER_PATHS = {
    "okx": "/api/v5/public/position-tiers",
    "bitget": "/api/v2/mix/market/query-position-lever",
    "gate": "/api/v4/futures/usdt/risk_limit_tiers",
    "hyperliquid": "/info",
}


@pytest.fixture
def sim():
    return Simulator()


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn(*args, **kwargs)
    return out, [w for w in caught if issubclass(w.category, FetchWarning)]


def test_a_list_of_venues_returns_one_frame_with_every_venue(sim):
    t, warned = _quiet(lk.fetch_risk_limits, PUBLIC, "BTC", session=sim.session(), progress=False)
    assert sorted(t["exchange"].unique()) == sorted(PUBLIC)
    assert t.attrs["errors"] == {} and warned == []
    assert (t["origin"] == "simulator").all()
    keys = list(zip(t["exchange"], t["symbol"], t["max_notional"], strict=True))
    assert keys == sorted(keys)  # sorted by exchange, symbol, max_notional
    # The simulator serves the shipped snapshot: a ladder is as complete as that (it reaches 1x)
    g = t.groupby(["exchange", "symbol"])
    reaches_one = (g["max_leverage"].min() <= 1) | (g["max_notional"].max() == float("inf"))
    got = lk.ladders(t).set_index(["exchange", "symbol"])["complete"]
    assert got.to_dict() == reaches_one.to_dict()
    assert t["complete"].tolist() == [got[k] for k in zip(t["exchange"], t["symbol"], strict=True)]


def test_unified_symbols_map_to_each_venues_own(sim):
    usdt = {"bybit": "BTCUSDT", "okx": "BTC-USDT-SWAP", "bitget": "BTCUSDT", "gate": "BTC_USDT"}
    for spelling in ("BTC", "BTC/USDT:USDT", "btc-usdt"):
        t, _ = _quiet(lk.fetch_risk_limits, PUBLIC, spelling, session=sim.session(), progress=False)
        got = t.drop_duplicates("exchange").set_index("exchange")["symbol"].to_dict()
        if spelling == "BTC":  # the base asset: Hyperliquid's USDC perp, named by its base
            assert got == {**usdt, "hyperliquid": "BTC"}, spelling
        else:  # a USDT symbol names no Hyperliquid perp: said, never the USDC one instead
            assert got == usdt, spelling
            assert "settles in USDC, not USDT" in t.attrs["errors"]["hyperliquid"]


def test_venues_are_fetched_concurrently(sim):
    delay = 0.4
    for path in LADDER_PATHS.values():
        sim.inject("latency", path=path, seconds=delay, times=None)
    threads: set[str] = set()
    real = sim.handle

    def spy(*args, **kwargs):
        threads.add(threading.current_thread().name)
        return real(*args, **kwargs)

    sim.handle = spy
    start = time.perf_counter()
    t, _ = _quiet(
        lk.fetch_risk_limits, list(LADDER_PATHS), "BTC", session=sim.session(), progress=False
    )
    wall = time.perf_counter() - start
    assert sorted(t["exchange"].unique()) == sorted(LADDER_PATHS)
    assert len(threads) == len(LADDER_PATHS)
    # one after the other would take at least 4 x 0.4 s
    assert wall < 2.5 * delay, wall


def test_one_venue_failing_is_reported_and_the_others_return(sim):
    sim.inject("status", path=LADDER_PATHS["gate"], status=503, times=None)
    t, warned = _quiet(
        lk.fetch_risk_limits,
        PUBLIC,
        "BTC",
        session=sim.session(),
        max_retries=0,
        progress=False,
    )
    assert "gate" not in set(t["exchange"])
    assert sorted(t["exchange"].unique()) == sorted(set(PUBLIC) - {"gate"})
    assert list(t.attrs["errors"]) == ["gate"]
    assert "503" in t.attrs["errors"]["gate"]
    assert len(warned) == 1 and "1 of 5 venues failed: gate" in str(warned[0].message)


def test_venues_without_a_ladder_are_errors_with_their_own_message(sim):
    t, warned = _quiet(
        lk.fetch_risk_limits,
        ["bybit", "bybit-legacy", "bingx", "binance"],
        "BTC",
        session=sim.session(),
        progress=False,
    )
    errors = t.attrs["errors"]
    assert set(t["exchange"]) == {"bybit"}
    assert set(errors) == {"bybit-legacy", "bingx", "binance"}
    assert "publishes no leverage ladder" in errors["bingx"] and "discover_tiers" in errors["bingx"]
    assert "lk.fetch_risk_limits('bybit'" in errors["bybit-legacy"]
    assert "BINANCE_API_KEY" in errors["binance"]
    assert warned and "bingx" in str(warned[0].message)


def test_a_venue_with_keys_given_as_a_client(sim):
    s = sim.session()
    binance = lk.Binance(DEMO_KEY, DEMO_SECRET, session=s)
    t, _ = _quiet(
        lk.fetch_risk_limits, ["binance", "okx"], "BTC", session=s, clients={"binance": binance},
        progress=False,
    )  # fmt: skip
    assert set(t["exchange"]) == {"binance", "okx"} and t.attrs["errors"] == {}
    assert DEMO_SECRET not in repr(t.attrs) and DEMO_SECRET not in t.to_string()


def test_snapshot_fallback_fills_a_failed_venue_and_says_so(sim):
    t, _ = _quiet(
        lk.fetch_risk_limits,
        ["okx", "bingx"],
        "BTC",
        session=sim.session(),
        fallback="snapshot",
        progress=False,
    )
    origin = t.drop_duplicates("exchange").set_index("exchange")["origin"].to_dict()
    assert origin == {"bingx": "snapshot", "okx": "simulator"}
    assert t.attrs["origins"] == origin and t.attrs["source"] == "mixed"
    assert "bingx" in t.attrs["errors"]  # filled, still reported
    assert set(t.loc[t["exchange"] == "bingx", "symbol"]) == {"BTC-USDT"}


def test_repeat_answers_from_each_venues_cache_and_refresh_fetches_again(sim):
    s = sim.session()
    first, _ = _quiet(lk.fetch_risk_limits, PUBLIC, "BTC", session=s, progress=False)
    sent = len(sim.calls)
    again, _ = _quiet(lk.fetch_risk_limits, PUBLIC, "BTC", session=s, progress=False)
    assert len(sim.calls) == sent
    # (Hyperliquid caches its meta answer but stamps each frame anew: as_of moves)
    pd.testing.assert_frame_equal(again.drop(columns="as_of"), first.drop(columns="as_of"))
    _quiet(lk.fetch_risk_limits, PUBLIC, "BTC", session=s, refresh=True, progress=False)
    assert len(sim.calls) >= sent + len(PUBLIC)


def test_method_arguments_go_to_the_venues_that_take_them(sim):
    t, _ = _quiet(
        lk.fetch_risk_limits, ["bybit", "okx"], "BTC", session=sim.session(),
        category="linear", progress=False,
    )  # fmt: skip
    assert set(t["exchange"]) == {"bybit", "okx"}
    with pytest.raises(TypeError, match="unexpected arguments \\['colour'\\]"):
        lk.fetch_risk_limits(["bybit", "okx"], "BTC", session=sim.session(), colour="red")


def test_every_venue_failing_raises(sim):
    with pytest.raises(lk.LevkitError, match="no venue answered: bingx: BingX publishes no"):
        lk.fetch_risk_limits(["bingx"], "BTC", session=sim.session(), progress=False)


def test_one_progress_bar_counts_venue_symbol_fetches(sim, monkeypatch):
    import tqdm.auto

    bars = []

    class Bar:
        def __init__(self, *, total, **kwargs):
            self.total, self.n = total, 0
            bars.append(self)

        def update(self, n):
            self.n += n

        def close(self):
            pass

    monkeypatch.setattr(tqdm.auto, "tqdm", Bar)
    _quiet(lk.fetch_risk_limits, ["bybit", "okx", "bingx"], ["BTC", "ETH"], session=sim.session())
    assert [(b.total, b.n) for b in bars] == [(6, 6)]


def test_a_single_venue_behaves_as_before(sim):
    s = sim.session()
    t = lk.fetch_risk_limits("okx", "BTC-USDT-SWAP", session=s)
    assert "origin" not in t.columns and "errors" not in t.attrs
    with pytest.raises(lk.LevkitError, match="BingX publishes no leverage ladder"):
        lk.fetch_risk_limits("bingx", "BTC-USDT", session=s)
