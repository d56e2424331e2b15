"""The simulator's BingX endpoints, driven by hand-signed raw requests."""

from __future__ import annotations

import pandas as pd
import pytest

from levkit.sim import Simulator
from levkit.sim.testing import FakeClock, RawClient

LEV = "/openApi/swap/v2/trade/leverage"
MMR = "/openApi/swap/v1/maintMarginRatio"
DUAL = "/openApi/swap/v1/positionSide/dual"

# A made-up ladder: 50x to 100k, 20x to 1m, 5x to 5m (no rates: synthetic ones apply).
TOY = pd.DataFrame(
    {
        "exchange": ["bingx"] * 3 + ["bybit"],
        "symbol": ["TOY-USDT"] * 3 + ["TOYUSDT"],
        "max_notional": [100_000.0, 1_000_000.0, 5_000_000.0, 50_000.0],
        "max_leverage": [50.0, 20.0, 5.0, 25.0],
    }
)
TOY_MARGIN = pd.DataFrame(
    {
        "exchange": ["bingx", "bingx"],
        "symbol": ["TOY-USDT", "TOY-USDT"],
        "max_notional": [150_000.0, 900_000.0],
        "maintenance_margin_rate": [0.0038, 0.004],
        "mm_deduction": [0.0, 30.0],
    }
)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def sim(clock):
    return Simulator(TOY, clock=clock, sleep=clock.sleep)


@pytest.fixture
def raw(sim, clock):
    return RawClient(sim.session(), clock=clock)


def test_server_time_is_public_and_in_ms(raw, clock):
    body = raw.session.get("https://open-api.bingx.com/openApi/swap/v2/server/time").json()
    assert body["code"] == 0 and body["data"]["serverTime"] == int(clock() * 1000)


def test_get_leverage_wire_shape(raw):
    r = raw.bingx("GET", LEV, {"symbol": "TOY-USDT"})
    body = r.json()
    assert r.status_code == 200 and r.headers["X-Levkit-Simulator"] == "1"
    assert set(body) == {"code", "msg", "timestamp", "data"} and body["code"] == 0
    data = body["data"]
    assert data["longLeverage"] == 10 and data["shortLeverage"] == 10
    assert data["maxLongLeverage"] == 50 and data["maxShortLeverage"] == 50
    assert data["maxPositionLongVal"] == "1000000"  # 10x sits in the 20x tier
    assert data["availableLongVal"] == "100000"  # balance 10,000 x 10
    assert {"availableLongVol", "availableShortVol", "availableShortVal"} <= set(data)


def test_set_leverage_answers_cap_for_leverage_just_set(raw, sim):
    body = raw.bingx("POST", LEV, {"symbol": "TOY-USDT", "side": "BOTH", "leverage": 30}).json()
    assert body["code"] == 0
    assert body["data"]["leverage"] == 30 and body["data"]["symbol"] == "TOY-USDT"
    assert body["data"]["maxPositionLongVal"] == "100000"
    assert body["data"]["maxPositionShortVal"] == "100000"
    assert sim.leverage("bingx", "TOY-USDT", "both") == 30


@pytest.mark.parametrize(
    "lev, cap", [(1, 5e6), (5, 5e6), (6, 1e6), (20, 1e6), (21, 1e5), (50, 1e5)]
)
def test_max_position_value_is_largest_cap_with_enough_leverage(raw, lev, cap):
    body = raw.bingx("POST", LEV, {"symbol": "TOY-USDT", "side": "BOTH", "leverage": lev}).json()
    assert float(body["data"]["maxPositionLongVal"]) == cap


def test_max_position_value_agrees_with_the_model(sim):
    from levkit import model

    tiers = TOY[TOY["exchange"] == "bingx"].assign(
        tier=[1, 2, 3],
        min_notional=[0.0, 1e5, 1e6],
        maintenance_margin_rate=0.01,
        initial_margin_rate=0.02,
        mm_deduction=0.0,
    )
    lad = sim.ladder("bingx", "TOY-USDT")
    for lev in range(1, 51):
        expected = model.max_position_value(tiers, lev)
        expected = float(getattr(expected, "iloc", [expected])[0])
        assert lad.cap_at(lev) == expected


def test_one_way_mode_only_accepts_both(raw, sim):
    body = raw.bingx("POST", LEV, {"symbol": "TOY-USDT", "side": "LONG", "leverage": 5}).json()
    assert body["code"] == 109400 and "One-way" in body["msg"] and "BOTH" in body["msg"]
    assert sim.leverage("bingx", "TOY-USDT", "long") == 10


def test_hedge_mode_only_accepts_long_or_short(raw, sim):
    sim.set_position_mode("bingx", hedge=True)
    body = raw.bingx("POST", LEV, {"symbol": "TOY-USDT", "side": "BOTH", "leverage": 5}).json()
    assert body["code"] == 109400 and "Hedge" in body["msg"]
    ok = raw.bingx("POST", LEV, {"symbol": "TOY-USDT", "side": "SHORT", "leverage": 7}).json()
    assert ok["code"] == 0 and ok["data"]["maxPositionShortVal"] == "1000000"
    assert (
        sim.leverage("bingx", "TOY-USDT", "long"),
        sim.leverage("bingx", "TOY-USDT", "short"),
    ) == (10, 7)


def test_leverage_above_pair_maximum_is_101414(raw, sim):
    body = raw.bingx("POST", LEV, {"symbol": "TOY-USDT", "side": "BOTH", "leverage": 51}).json()
    assert body["code"] == 101414 and "50" in body["msg"]
    assert sim.leverage("bingx", "TOY-USDT", "long") == 10


@pytest.mark.parametrize("value", ["2.5", "0", "-3", "abc", ""])
def test_leverage_must_be_a_positive_integer(raw, value):
    body = raw.bingx("POST", LEV, {"symbol": "TOY-USDT", "side": "BOTH", "leverage": value}).json()
    assert body["code"] == 80014


def test_leverage_too_high_for_the_open_position_is_101209(raw, sim):
    sim.open_position("bingx", "TOY-USDT", "long", 500_000)
    body = raw.bingx("POST", LEV, {"symbol": "TOY-USDT", "side": "BOTH", "leverage": 25}).json()
    assert body["code"] == 101209
    got = raw.bingx("GET", LEV, {"symbol": "TOY-USDT"}).json()["data"]
    assert got["maxLongLeverage"] == 20 and got["maxShortLeverage"] == 50


def test_unknown_symbol_is_109500(raw):
    for method in ("GET", "POST"):
        body = raw.bingx(method, LEV, {"symbol": "NOPE-USDT", "side": "BOTH", "leverage": 5}).json()
        assert body["code"] == 109500


def test_wrong_key_is_100413(raw):
    assert (
        raw.bingx("GET", LEV, {"symbol": "TOY-USDT"}, key="test-key-0000").json()["code"] == 100413
    )


def test_missing_signature_is_100412(raw):
    assert raw.bingx("GET", LEV, {"symbol": "TOY-USDT"}, sign=False).json()["code"] == 100412


def test_bad_signature_is_100001(raw, sim):
    body = raw.bingx(
        "POST",
        LEV,
        {"symbol": "TOY-USDT", "side": "BOTH", "leverage": 3},
        secret="test-secret-not-real",
    ).json()
    assert body["code"] == 100001 and sim.leverage("bingx", "TOY-USDT", "long") == 10


def test_tampered_query_fails_the_signature(raw, sim, clock):
    from levkit.venues.bingx.dialect import bingx_signature

    q = f"symbol=TOY-USDT&side=BOTH&leverage=3&timestamp={int(clock() * 1000)}"
    sig = bingx_signature(raw.secret, q)
    url = f"https://open-api.bingx.com{LEV}?{q.replace('=3', '=4')}&signature={sig}"
    body = raw.session.post(url, headers={"X-BX-APIKEY": raw.key}).json()
    assert body["code"] == 100001


@pytest.mark.parametrize("offset_ms", [-5001, 1001, 60_000])
def test_stale_or_future_timestamp_is_100421(raw, offset_ms):
    assert (
        raw.bingx("GET", LEV, {"symbol": "TOY-USDT"}, ts_offset_ms=offset_ms).json()["code"]
        == 100421
    )


@pytest.mark.parametrize("offset_ms", [-5000, 0, 1000])
def test_timestamp_at_window_edges_is_accepted(raw, offset_ms):
    body = raw.bingx("GET", LEV, {"symbol": "TOY-USDT"}, ts_offset_ms=offset_ms).json()
    assert body["code"] == 0


def test_recv_window_parameter_widens_the_window(raw):
    params = {"symbol": "TOY-USDT", "recvWindow": 20000}
    assert raw.bingx("GET", LEV, params, ts_offset_ms=-15000).json()["code"] == 0


def test_server_skew_makes_good_timestamps_stale(raw, sim):
    sim.skew = 6.0
    assert raw.bingx("GET", LEV, {"symbol": "TOY-USDT"}).json()["code"] == 100421


def test_rate_limit_is_five_per_second_per_endpoint(raw, clock):
    answers = [raw.bingx("GET", LEV, {"symbol": "TOY-USDT"}) for _ in range(6)]
    assert [r.status_code for r in answers] == [200] * 5 + [429]
    assert answers[-1].json()["code"] == 100410
    assert answers[-1].headers["X-RateLimit-Requests-Remain"] == "0"
    assert int(answers[-1].headers["X-RateLimit-Requests-Expire"]) == int((clock() + 1) * 1000)
    assert answers[3].headers["X-RateLimit-Requests-Remain"] == "1"
    # The POST endpoint has its own budget; the GET one frees up after a second.
    assert (
        raw.bingx("POST", LEV, {"symbol": "TOY-USDT", "side": "BOTH", "leverage": 4}).status_code
        == 200
    )
    clock.advance(1.0)
    assert raw.bingx("GET", LEV, {"symbol": "TOY-USDT"}).status_code == 200


def test_rate_limits_can_be_turned_off(clock):
    sim = Simulator(TOY, clock=clock, rate_limits=False)
    raw = RawClient(sim.session(), clock=clock)
    assert all(raw.bingx("GET", LEV, {"symbol": "TOY-USDT"}).status_code == 200 for _ in range(20))


def test_maint_margin_ratio_from_margin_bands(clock):
    sim = Simulator(TOY, margin_tiers=TOY_MARGIN, clock=clock)
    body = RawClient(sim.session(), clock=clock).bingx("GET", MMR, {"symbol": "TOY-USDT"}).json()
    assert body["code"] == 0
    assert body["data"] == [
        {
            "tier": "Tier 1",
            "symbol": "TOY-USDT",
            "minPositionVal": "0",
            "maxPositionVal": "150000",
            "maintMarginRatio": "0.003800",
            "maintAmount": "0.000000",
        },
        {
            "tier": "Tier 2",
            "symbol": "TOY-USDT",
            "minPositionVal": "150000",
            "maxPositionVal": "900000",
            "maintMarginRatio": "0.004000",
            "maintAmount": "30.000000",
        },
    ]


def test_maint_margin_ratio_synthetic_rates_keep_margin_continuous(raw):
    rows = raw.bingx("GET", MMR, {"symbol": "TOY-USDT"}).json()["data"]
    rates = [float(r["maintMarginRatio"]) for r in rows]
    assert rates == [0.01, 0.025, 0.1]  # 0.5 / max leverage
    for lo, hi in zip(rows, rows[1:], strict=False):
        edge = float(lo["maxPositionVal"])
        assert float(hi["minPositionVal"]) == edge
        below = edge * float(lo["maintMarginRatio"]) - float(lo["maintAmount"])
        above = edge * float(hi["maintMarginRatio"]) - float(hi["maintAmount"])
        assert below == pytest.approx(above)


def test_dual_position_mode_read_and_switch(raw, sim):
    assert raw.bingx("GET", DUAL).json()["data"] == {"dualSidePosition": "false"}
    body = raw.bingx("POST", DUAL, {"dualSidePosition": "true"}).json()
    assert body["data"] == {"dualSidePosition": "true"} and sim.account("bingx").hedge


@pytest.mark.parametrize("arrange", ["position", "order"])
def test_dual_switch_refused_with_open_position_or_order(raw, sim, arrange):
    if arrange == "position":
        sim.open_position("bingx", "TOY-USDT", "short", 1000)
    else:
        sim.open_order("bingx", "TOY-USDT", "long", 1)
    body = raw.bingx("POST", DUAL, {"dualSidePosition": "true"}).json()
    assert body["code"] == 109401 and not sim.account("bingx").hedge


def test_positions_and_open_orders(raw, sim):
    assert raw.bingx("GET", "/openApi/swap/v2/user/positions").json()["data"] == []
    sim.open_position("bingx", "TOY-USDT", "long", 2500, price=50.0)
    order = sim.open_order("bingx", "TOY-USDT", "short", 2, price=60.0)
    pos = raw.bingx("GET", "/openApi/swap/v2/user/positions", {"symbol": "TOY-USDT"}).json()["data"]
    assert len(pos) == 1 and pos[0]["positionSide"] == "LONG" and pos[0]["positionAmt"] == "50"
    assert pos[0]["leverage"] == 10 and pos[0]["initialMargin"] == "250"
    orders = raw.bingx("GET", "/openApi/swap/v2/trade/openOrders").json()["data"]["orders"]
    assert [o["orderId"] for o in orders] == [int(order.order_id)]
    sim.cancel_orders("bingx")
    sim.close_position("bingx")
    assert raw.bingx("GET", "/openApi/swap/v2/trade/openOrders").json()["data"] == {"orders": []}


def test_margin_not_enough_when_lowering_leverage_on_a_big_position(raw, sim):
    sim.set_balance("bingx", 100)
    sim.open_position("bingx", "TOY-USDT", "long", 900)
    body = raw.bingx("POST", LEV, {"symbol": "TOY-USDT", "side": "BOTH", "leverage": 5}).json()
    assert body["code"] == 109400 and "margin" in body["msg"]


def test_default_leverage_is_capped_at_the_symbol_maximum(clock):
    sim = Simulator(TOY, clock=clock, default_leverage=100)
    assert sim.leverage("bingx", "TOY-USDT", "short") == 50
