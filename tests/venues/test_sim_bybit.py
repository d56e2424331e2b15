"""The simulator's Bybit v5 and legacy v2 endpoints, driven by hand-signed raw requests."""

from __future__ import annotations

import pandas as pd
import pytest

from levkit.sim import Simulator
from levkit.sim.testing import FakeClock, RawClient

SET = "/v5/position/set-leverage"
POS = "/v5/position/list"
RISK = "https://api.bybit.com/v5/market/risk-limit"


def ladder(symbol: str, rows: list[tuple[float, float, float, float, float]]) -> pd.DataFrame:
    cap, lev, mmr, imr, ded = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "exchange": "bybit",
            "symbol": symbol,
            "max_notional": cap,
            "max_leverage": lev,
            "maintenance_margin_rate": mmr,
            "initial_margin_rate": imr,
            "mm_deduction": ded,
        }
    )


BTC = ladder(
    "BTCUSDT",
    [
        (300e3, 150, 0.0033, 0.0066, 0),
        (2e6, 100, 0.005, 0.01, 510),
        (2.6e6, 90, 0.0056, 0.0111, 1710),
    ],
)
MANY = pd.concat(
    [BTC, ladder("BTCUSD", [(150, 100, 0.005, 0.01, 0)])]
    + [
        ladder(f"C{i:02d}USDT", [(1e5, 50, 0.01, 0.02, 0), (1e6, 25, 0.02, 0.04, 1000)])
        for i in range(20)
    ],
    ignore_index=True,
)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def sim(clock):
    return Simulator(MANY, clock=clock, sleep=clock.sleep, page_size=15)


@pytest.fixture
def raw(sim, clock):
    return RawClient(sim.session(), clock=clock)


def set_lev(raw, buy, sell=None, symbol="BTCUSDT", **kw):
    body = {
        "category": "linear",
        "symbol": symbol,
        "buyLeverage": str(buy),
        "sellLeverage": str(buy if sell is None else sell),
    }
    return raw.bybit("POST", SET, body, **kw)


def test_market_time(raw, clock):
    body = raw.session.get("https://api.bybit.com/v5/market/time").json()
    assert body["retCode"] == 0 and body["retExtInfo"] == {}
    assert body["time"] == int(clock() * 1000)
    assert body["result"]["timeSecond"] == str(int(clock()))
    assert body["result"]["timeNano"].startswith(body["result"]["timeSecond"])


def test_risk_limit_rows_for_one_symbol(raw):
    body = raw.session.get(RISK, params={"category": "linear", "symbol": "BTCUSDT"}).json()
    rows = sorted(body["result"]["list"], key=lambda r: r["id"])
    assert body["result"]["nextPageCursor"] == "" and body["result"]["category"] == "linear"
    assert rows[0] == {
        "id": 1,
        "symbol": "BTCUSDT",
        "riskLimitValue": "300000",
        "maintenanceMargin": "0.0033",
        "initialMargin": "0.0066",
        "isLowestRisk": 1,
        "maxLeverage": "150.00",
        "mmDeduction": "",
    }
    assert rows[2]["mmDeduction"] == "1710" and rows[2]["maxLeverage"] == "90.00"
    assert [r["isLowestRisk"] for r in rows] == [1, 0, 0]


def test_risk_limit_pages_by_symbol_with_cursor(raw):
    seen, cursor, pages = [], "", 0
    while True:
        params = {"category": "linear", **({"cursor": cursor} if cursor else {})}
        result = raw.session.get(RISK, params=params).json()["result"]
        seen += [r["symbol"] for r in result["list"]]
        pages += 1
        cursor = result["nextPageCursor"]
        if not cursor:
            break
    assert pages == 2  # 21 linear symbols, 15 per page
    assert sorted(set(seen)) == sorted({f"C{i:02d}USDT" for i in range(20)} | {"BTCUSDT"})
    assert len(seen) == 20 * 2 + 3


def test_risk_limit_rows_are_shuffled(raw):
    rows = raw.session.get(RISK, params={"category": "linear"}).json()["result"]["list"]
    keys = [(r["symbol"], r["id"]) for r in rows]
    assert keys != sorted(keys)


def test_risk_limit_inverse_category_and_bad_inputs(raw):
    inv = raw.session.get(RISK, params={"category": "inverse"}).json()["result"]["list"]
    assert {r["symbol"] for r in inv} == {"BTCUSD"}
    assert raw.session.get(RISK, params={"category": "spot"}).json()["retCode"] == 10001
    bad = raw.session.get(RISK, params={"category": "linear", "symbol": "NOPEUSDT"}).json()
    assert bad["retCode"] == 10001
    bad = raw.session.get(RISK, params={"category": "linear", "cursor": "x"}).json()
    assert bad["retCode"] == 10001


def test_instruments_info_leverage_filter(raw):
    url = "https://api.bybit.com/v5/market/instruments-info"
    item = raw.session.get(url, params={"category": "linear", "symbol": "BTCUSDT"}).json()
    lf = item["result"]["list"][0]["leverageFilter"]
    assert lf == {"minLeverage": "1", "maxLeverage": "150.00", "leverageStep": "0.01"}
    assert item["result"]["list"][0]["settleCoin"] == "USDT"
    page = raw.session.get(url, params={"category": "linear", "limit": 20}).json()["result"]
    assert len(page["list"]) == 20 and page["nextPageCursor"]
    rest = raw.session.get(
        url, params={"category": "linear", "limit": 20, "cursor": page["nextPageCursor"]}
    ).json()["result"]
    assert len(rest["list"]) == 1 and rest["nextPageCursor"] == ""


def test_position_list_flat_row_with_symbol(raw):
    r = raw.bybit("GET", POS, {"category": "linear", "symbol": "BTCUSDT"})
    rows = r.json()["result"]["list"]
    assert len(rows) == 1
    row = rows[0]
    assert (row["positionIdx"], row["side"], row["size"], row["leverage"]) == (0, "", "0", "10")
    assert row["riskId"] == 1 and row["riskLimitValue"] == "300000"
    assert r.headers["X-Bapi-Limit"] == "50" and r.headers["X-Bapi-Limit-Status"] == "49"
    assert "X-Bapi-Limit-Reset-Timestamp" in r.headers


def test_position_list_hedge_mode_has_two_rows(raw, sim):
    sim.set_position_mode("bybit", hedge=True)
    sim.set_margin_mode("bybit", "isolated")
    assert set_lev(raw, 12, 8).json()["retCode"] == 0
    rows = raw.bybit("GET", POS, {"category": "linear", "symbol": "BTCUSDT"}).json()["result"][
        "list"
    ]
    assert [(r["positionIdx"], r["leverage"]) for r in rows] == [(1, "12"), (2, "8")]


def test_position_list_by_settle_coin_lists_open_positions_with_paging(raw, sim):
    for i in range(5):
        sim.open_position("bybit", f"C{i:02d}USDT", "long", 1000 * (i + 1))
    sim.open_position("bybit", "BTCUSDT", "short", 500_000)
    got, cursor = [], ""
    for _ in range(10):
        params = {"category": "linear", "settleCoin": "USDT", "limit": 4}
        if cursor:
            params["cursor"] = cursor
        result = raw.bybit("GET", POS, params).json()["result"]
        got += result["list"]
        cursor = result["nextPageCursor"]
        if not cursor:
            break
    assert len(got) == 6
    btc = next(r for r in got if r["symbol"] == "BTCUSDT")
    assert btc["side"] == "Sell" and btc["positionValue"] == "500000" and btc["riskId"] == 2
    assert btc["riskLimitValue"] == "2000000"


def test_position_list_needs_symbol_or_settle_coin(raw):
    assert raw.bybit("GET", POS, {"category": "linear"}).json()["retCode"] == 10001


def test_set_leverage_then_not_modified(raw, sim):
    first = set_lev(raw, 6).json()
    assert first["retCode"] == 0 and first["result"] == {}
    assert sim.leverage("bybit", "BTCUSDT", "both") == 6
    again = set_lev(raw, "6.00").json()
    assert again["retCode"] == 110043 and "not modified" in again["retMsg"]


def test_one_way_mode_needs_equal_leverages(raw, sim):
    body = set_lev(raw, 5, 6).json()
    assert body["retCode"] == 10001 and "one-way" in body["retMsg"]
    assert sim.leverage("bybit", "BTCUSDT", "both") == 10


def test_hedge_mode_needs_equal_leverages_under_cross_margin_only(raw, sim):
    sim.set_position_mode("bybit", hedge=True)
    body = set_lev(raw, 5, 6).json()
    assert body["retCode"] == 10001 and "cross" in body["retMsg"]
    sim.set_margin_mode("bybit", "isolated")
    assert set_lev(raw, 5, 6).json()["retCode"] == 0
    assert sim.leverage("bybit", "BTCUSDT", "short") == 6


@pytest.mark.parametrize("value", ["151", "0.5", "2.005", "x", ""])
def test_leverage_outside_symbol_range_or_step_is_10001(raw, value):
    assert set_lev(raw, value).json()["retCode"] == 10001


def test_leverage_above_tier_in_force_is_110013(raw, sim):
    sim.open_position("bybit", "BTCUSDT", "long", 1_000_000)
    body = set_lev(raw, 120).json()
    assert body["retCode"] == 110013 and sim.leverage("bybit", "BTCUSDT", "both") == 10
    assert set_lev(raw, 100).json()["retCode"] == 0


def test_fractional_leverage_on_step(raw, sim):
    assert set_lev(raw, "12.5").json()["retCode"] == 0
    row = raw.bybit("GET", POS, {"category": "linear", "symbol": "BTCUSDT"}).json()["result"][
        "list"
    ][0]
    assert row["leverage"] == "12.5"


def test_unknown_key_is_10003(raw):
    raw.key = "test-key-0000"
    assert set_lev(raw, 5).json()["retCode"] == 10003


def test_bad_signature_is_10004(raw, sim):
    assert set_lev(raw, 5, secret="test-secret-not-real").json()["retCode"] == 10004
    assert set_lev(raw, 5, sign=False).json()["retCode"] == 10004
    assert sim.leverage("bybit", "BTCUSDT", "both") == 10


@pytest.mark.parametrize("offset_ms, code", [(-5001, 10002), (-5000, 0), (999, 0), (1000, 10002)])
def test_timestamp_window(raw, offset_ms, code):
    r = raw.bybit("GET", POS, {"category": "linear", "symbol": "BTCUSDT"}, ts_offset_ms=offset_ms)
    assert r.json()["retCode"] == code


def test_signature_covers_the_raw_query_string(raw, sim, clock):
    from levkit.venues.bybit.dialect import bybit_v5_signature

    ts, query = str(int(clock() * 1000)), "category=linear&symbol=BTCUSDT"
    sign = bybit_v5_signature(raw.secret, ts, raw.key, "5000", query)
    headers = {
        "X-BAPI-API-KEY": raw.key,
        "X-BAPI-TIMESTAMP": ts,
        "X-BAPI-RECV-WINDOW": "5000",
        "X-BAPI-SIGN": sign,
    }
    reordered = "https://api.bybit.com/v5/position/list?symbol=BTCUSDT&category=linear"
    assert raw.session.get(reordered, headers=headers).json()["retCode"] == 10004


def test_set_leverage_rate_limit_10006_with_reset_headers(raw, clock):
    codes = [set_lev(raw, 2 + i % 2).json()["retCode"] for i in range(10)]
    assert codes == [0] * 10
    r = set_lev(raw, 5)
    assert r.json()["retCode"] == 10006
    assert r.headers["X-Bapi-Limit"] == "10" and r.headers["X-Bapi-Limit-Status"] == "0"
    assert int(r.headers["X-Bapi-Limit-Reset-Timestamp"]) == int((clock() + 1) * 1000)
    clock.advance(1.0)
    assert set_lev(raw, 5).json()["retCode"] == 0


# ------------------------------------------------------------------ legacy v2
def test_legacy_get_leverage_shares_the_bybit_account(raw, sim):
    sim.set_leverage("bybit", "BTCUSDT", 7)
    body = raw.legacy("GET", "/user/leverage").json()
    assert body["ret_code"] == 0 and body["ret_msg"] == "ok" and body["ext_code"] == ""
    assert body["result"]["BTCUSDT"] == {"leverage": 7}
    assert set(body) == {
        "ret_code",
        "ret_msg",
        "ext_code",
        "result",
        "ext_info",
        "time_now",
        "rate_limit_status",
        "rate_limit_reset_ms",
        "rate_limit",
    }
    assert body["rate_limit"] == 120 and body["rate_limit_status"] == 119
    whole, frac = body["time_now"].split(".")
    assert whole.isdigit() and len(frac) == 6


def test_legacy_save_then_not_modified_then_above_max(raw, sim):
    body = raw.legacy("POST", "/user/leverage/save", {"symbol": "BTCUSDT", "leverage": 5}).json()
    assert body["ret_code"] == 0 and body["result"] == 5
    assert sim.leverage("bybit", "BTCUSDT", "both") == 5
    again = raw.legacy("POST", "/user/leverage/save", {"symbol": "BTCUSDT", "leverage": 5}).json()
    assert again["ret_code"] == 34036
    high = raw.legacy("POST", "/user/leverage/save", {"symbol": "BTCUSDT", "leverage": 151}).json()
    assert high["ret_code"] == 34019 and sim.leverage("bybit", "BTCUSDT", "both") == 5
    v5 = raw.bybit("GET", POS, {"category": "linear", "symbol": "BTCUSDT"}).json()
    assert v5["result"]["list"][0]["leverage"] == "5"


def test_legacy_auth_codes(raw):
    assert (
        raw.legacy("GET", "/user/leverage", secret="test-secret-not-real").json()["ret_code"]
        == 10004
    )
    assert raw.legacy("GET", "/user/leverage", ts_offset_ms=-6000).json()["ret_code"] == 10002
    raw.key = "test-key-0000"
    assert raw.legacy("GET", "/user/leverage").json()["ret_code"] == 10003


def test_legacy_save_rate_limit(clock):
    sim = Simulator(BTC, clock=clock, rate_limits={("POST", "/user/leverage/save"): (2, 60.0)})
    raw = RawClient(sim.session(), clock=clock)
    codes = [
        raw.legacy("POST", "/user/leverage/save", {"symbol": "BTCUSDT", "leverage": 3 + i}).json()[
            "ret_code"
        ]
        for i in range(3)
    ]
    assert codes == [0, 0, 10006]
