"""Bybit v5: parse functions (no HTTP) and the client over `responses`."""

from __future__ import annotations

import json
import random
import warnings

import numpy as np
import pandas as pd
import pytest
import responses

import levkit as lk
from levkit.frames import TIERS_COLUMNS, LadderWarning
from levkit.venues.bybit.dialect import bybit_v5_string_to_sign
from levkit.venues.bybit.parse import parse_positions, parse_risk_limits

from ..conftest import FAKE_KEY, FAKE_SECRET

HOST = "https://api.bybit.com"
RISK = HOST + "/v5/market/risk-limit"
POS = HOST + "/v5/position/list"
INSTR = HOST + "/v5/market/instruments-info"
SET = HOST + "/v5/position/set-leverage"

# Bybit BTCUSDT's 2026 tiers (API_NOTES), in wire shape, numbers as strings / numbers / "".
BTC_ROWS = [
    {
        "id": 2,
        "symbol": "BTCUSDT",
        "riskLimitValue": "2000000",
        "maintenanceMargin": "0.005",
        "initialMargin": "0.01",
        "isLowestRisk": 0,
        "maxLeverage": "100.00",
        "mmDeduction": "510",
    },
    {
        "id": 1,
        "symbol": "BTCUSDT",
        "riskLimitValue": 300000,
        "maintenanceMargin": 0.0033,
        "initialMargin": "0.0066",
        "isLowestRisk": 1,
        "maxLeverage": "150.00",
        "mmDeduction": "",
    },
    {
        "id": 3,
        "symbol": "BTCUSDT",
        "riskLimitValue": "2600000",
        "maintenanceMargin": "0.0056",
        "initialMargin": "0.0111",
        "isLowestRisk": 0,
        "maxLeverage": "90.00",
        "mmDeduction": 1710,
    },
]


def envelope(result, code=0, msg="OK"):
    return {"retCode": code, "retMsg": msg, "result": result, "retExtInfo": {}, "time": 1}


def page(rows, cursor=""):
    return envelope({"category": "linear", "list": rows, "nextPageCursor": cursor})


def client(clock=None, **kw):
    kw.setdefault("progress", False)
    if clock is not None:
        kw.update(clock=clock, sleep=clock.sleep)
    return lk.Bybit(FAKE_KEY, FAKE_SECRET, **kw)


# -- pure parsing ------------------------------------------------------------------------


def test_parse_risk_limits_builds_the_tiers_frame():
    df = parse_risk_limits(BTC_ROWS)
    assert list(df.columns[: len(TIERS_COLUMNS)]) == list(TIERS_COLUMNS)
    assert df["tier"].tolist() == [1, 2, 3]
    assert df["min_notional"].tolist() == [0.0, 300000.0, 2000000.0]
    assert df["max_notional"].tolist() == [300000.0, 2000000.0, 2600000.0]
    assert df["max_leverage"].tolist() == [150.0, 100.0, 90.0]
    assert df["maintenance_margin_rate"].tolist() == [0.0033, 0.005, 0.0056]
    assert df["initial_margin_rate"].tolist() == [0.0066, 0.01, 0.0111]
    assert df["mm_deduction"].tolist() == [0.0, 510.0, 1710.0]
    assert df["tier"].dtype == "int64"
    assert df["max_notional"].dtype == "float64"
    assert df["notional_unit"].tolist() == ["USDT"] * 3
    assert df["risk_id"].tolist() == [1, 2, 3]
    assert df.attrs["source"] == "api"
    assert df.attrs["fetched_at"].tz is not None


def test_parse_risk_limits_converts_percent_style_rates():
    rows = [
        {
            "id": 1,
            "symbol": "BTCUSD",
            "riskLimitValue": "150",
            "maintenanceMargin": "0.5",
            "initialMargin": "1",
            "isLowestRisk": 1,
            "maxLeverage": "100",
            "mmDeduction": "",
        }
    ]
    df = parse_risk_limits(rows, category="inverse")
    assert df["initial_margin_rate"].tolist() == [0.01]
    assert df["maintenance_margin_rate"].tolist() == [0.005]
    assert df["notional_unit"].tolist() == ["BTC"]
    assert df.attrs["percent_rates_converted"] == 1


def test_parse_risk_limits_warns_on_a_non_monotonic_ladder_naming_the_symbol():
    rows = [dict(r) for r in BTC_ROWS]
    rows[2]["maxLeverage"] = "120"  # leverage rising with notional
    with pytest.warns(LadderWarning, match="BTCUSDT"):
        parse_risk_limits(rows)


@pytest.mark.parametrize(
    "bad",
    [
        [{"symbol": "BTCUSDT"}],  # no cap
        [{"symbol": "BTCUSDT", "riskLimitValue": "lots"}],  # not a number
        [{"symbol": 5, "riskLimitValue": "1"}],  # symbol not a string
        {"symbol": "BTCUSDT"},  # not a list
        [],  # nothing
    ],
)
def test_parse_risk_limits_rejects_bad_shapes_with_parse_error(bad):
    with pytest.raises(lk.ParseError):
        parse_risk_limits(bad)


def test_parse_positions_maps_position_idx_to_sides():
    rows = [
        {"symbol": "ETHUSDT", "positionIdx": 2, "leverage": "5"},
        {"symbol": "ETHUSDT", "positionIdx": 1, "leverage": "7.5"},
        {"symbol": "BTCUSDT", "positionIdx": 0, "leverage": ""},
    ]
    df = parse_positions(rows)
    assert df[["symbol", "side"]].values.tolist() == [
        ["BTCUSDT", "both"],
        ["ETHUSDT", "long"],
        ["ETHUSDT", "short"],
    ]
    assert np.isnan(df["leverage"].iloc[0])
    assert df["leverage"].tolist()[1:] == [7.5, 5.0]


# -- the client ----------------------------------------------------------------------------


def _many_symbols(n_symbols, tiers_each=3):
    rows = []
    for i in range(n_symbols):
        for t in range(tiers_each):
            rows.append(
                {
                    "id": t + 1,
                    "symbol": f"C{i:02d}USDT",
                    "riskLimitValue": str(100000 * (t + 1)),
                    "maintenanceMargin": str(0.005 * (t + 1)),
                    "initialMargin": str(0.01 * (t + 1)),
                    "isLowestRisk": int(t == 0),
                    "maxLeverage": f"{100 / (t + 1):.2f}",
                    "mmDeduction": "",
                }
            )
    return rows


@responses.activate
def test_risk_limits_follows_every_page_with_shuffled_rows():
    rows = _many_symbols(7)
    random.Random(1).shuffle(rows)
    pages = [rows[:8], rows[8:16], rows[16:]]
    responses.get(
        RISK,
        json=page(pages[0], "c1"),
        match=[responses.matchers.query_param_matcher({"category": "linear"})],
    )
    responses.get(
        RISK,
        json=page(pages[1], "c2"),
        match=[responses.matchers.query_param_matcher({"category": "linear", "cursor": "c1"})],
    )
    responses.get(
        RISK,
        json=page(pages[2], ""),
        match=[responses.matchers.query_param_matcher({"category": "linear", "cursor": "c2"})],
    )
    df = client().risk_limits()
    assert len(responses.calls) == 3
    assert len(df) == 21 and df["symbol"].nunique() == 7
    assert df.groupby("symbol")["tier"].apply(list).map(tuple).unique().tolist() == [(1, 2, 3)]
    first = df[df["symbol"] == "C03USDT"]
    assert first["min_notional"].tolist() == [0.0, 100000.0, 200000.0]


@responses.activate
def test_risk_limits_stops_on_empty_page_and_repeated_cursor():
    rows = _many_symbols(2)
    responses.get(RISK, json=page(rows[:3], "same"))
    responses.get(RISK, json=page(rows[3:], "same"))  # repeats the cursor: stop after it
    df = client().risk_limits()
    assert len(responses.calls) == 2 and len(df) == 6


@responses.activate
def test_risk_limits_non_empty_cursor_on_a_complete_page_then_empty_list():
    responses.get(RISK, json=page(BTC_ROWS, "next"))
    responses.get(RISK, json=page([], "next2"))
    df = client().risk_limits("BTCUSDT")
    assert len(df) == 3 and len(responses.calls) == 2


@responses.activate
def test_risk_limits_accepts_envelope_code_as_string_and_symbol_spellings():
    body = page(BTC_ROWS)
    body["retCode"] = "0"
    responses.get(RISK, json=body)
    df = lk.Bybit(progress=False).risk_limits("BTC/USDT:USDT")
    assert responses.calls[0].request.params == {"category": "linear", "symbol": "BTCUSDT"}
    assert df["symbol"].unique().tolist() == ["BTCUSDT"]


@responses.activate
def test_risk_limits_is_cached_and_refresh_bypasses(clock):
    responses.get(RISK, json=page(BTC_ROWS))
    c = lk.Bybit(clock=clock, sleep=clock.sleep, progress=False)
    c.risk_limits("BTCUSDT")
    c.risk_limits("BTCUSDT")
    assert len(responses.calls) == 1
    c.risk_limits("BTCUSDT", refresh=True)
    assert len(responses.calls) == 2
    clock.now += 301
    c.risk_limits("BTCUSDT")
    assert len(responses.calls) == 3


@responses.activate
def test_risk_limits_for_unknown_symbol_raises_instead_of_empty_frame():
    responses.get(RISK, json=page([]))
    with pytest.raises(lk.LevkitError, match="no risk limits for NOPEUSDT"):
        lk.Bybit(progress=False).risk_limits("NOPEUSDT")


@responses.activate
def test_fetch_risk_limits_works_without_keys():
    responses.get(RISK, json=page(BTC_ROWS))
    df = lk.fetch_risk_limits("bybit", "BTCUSDT", progress=False)
    assert df["max_leverage"].tolist() == [150.0, 100.0, 90.0]
    assert "X-BAPI-SIGN" not in responses.calls[0].request.headers


@responses.activate
def test_leverage_fills_max_leverage_and_cap_from_the_ladder():
    responses.get(
        POS,
        json=page(
            [
                {
                    "symbol": "BTCUSDT",
                    "positionIdx": 0,
                    "leverage": "100",
                    "riskId": 1,
                    "size": "0",
                    "positionValue": "",
                }
            ]
        ),
    )
    responses.get(RISK, json=page(BTC_ROWS))
    df = client().leverage("BTCUSDT")
    row = df.iloc[0]
    assert (row["side"], row["leverage"], row["max_leverage"]) == ("both", 100.0, 150.0)
    assert row["max_position_value"] == 2_000_000.0
    req = responses.calls[0].request
    assert req.headers["X-BAPI-API-KEY"] == FAKE_KEY and len(req.headers["X-BAPI-SIGN"]) == 64


@responses.activate
def test_leverage_without_symbol_pages_by_settle_coin_and_explains_empty():
    responses.get(POS, json=page([]))
    with pytest.raises(lk.LevkitError, match="pass symbol="):
        client().leverage()
    assert "settleCoin=USDT" in responses.calls[0].request.url


# -- set_leverage (issue 3) -----------------------------------------------------------------

INSTRUMENT = page(
    [
        {
            "symbol": "BTCUSDT",
            "status": "Trading",
            "settleCoin": "USDT",
            "leverageFilter": {"minLeverage": "1", "maxLeverage": "150.00", "leverageStep": "0.01"},
        }
    ]
)


def _one_way(lev="10"):
    return page([{"symbol": "BTCUSDT", "positionIdx": 0, "leverage": lev}])


def _hedge(long="10", short="20"):
    return page(
        [
            {"symbol": "BTCUSDT", "positionIdx": 1, "leverage": long},
            {"symbol": "BTCUSDT", "positionIdx": 2, "leverage": short},
        ]
    )


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), 0, 0.5, -3, "ten", None, True])
@responses.activate
def test_set_leverage_invalid_values_send_nothing(bad):
    with pytest.raises(ValueError):
        client().set_leverage("BTCUSDT", bad)
    assert len(responses.calls) == 0


@responses.activate
def test_set_leverage_above_max_or_off_step_never_posts():
    responses.get(INSTR, json=INSTRUMENT)
    with pytest.raises(lk.InvalidLeverageError, match="above the maximum 150"):
        client().set_leverage("BTCUSDT", 151)
    with pytest.raises(lk.InvalidLeverageError, match="step"):
        client().set_leverage("BTCUSDT", 10.005)
    assert all(c.request.method == "GET" for c in responses.calls)


@responses.activate
def test_set_leverage_one_way_sends_equal_buy_and_sell_and_fills_cap():
    responses.get(INSTR, json=INSTRUMENT)
    responses.get(POS, json=_one_way("10"))
    responses.post(SET, json=envelope({}))
    responses.get(RISK, json=page(BTC_ROWS))
    df = client().set_leverage("btc-usdt", 100)
    post = next(c.request for c in responses.calls if c.request.method == "POST")
    assert json.loads(post.body) == {
        "category": "linear",
        "symbol": "BTCUSDT",
        "buyLeverage": "100",
        "sellLeverage": "100",
    }
    row = df.iloc[0]
    assert (row["leverage"], row["previous_leverage"], bool(row["changed"])) == (100, 10, True)
    assert row["max_position_value"] == 2_000_000.0


@responses.activate
def test_set_leverage_not_modified_is_success():
    responses.get(INSTR, json=INSTRUMENT)
    responses.get(POS, json=_one_way("20"))
    responses.post(SET, json=envelope({}, 110043, "Set leverage not modified"))
    responses.get(RISK, json=page(BTC_ROWS))
    df = client().set_leverage("BTCUSDT", 20)
    assert df["changed"].tolist() == [False]
    assert df.attrs["code"] == 110043


@responses.activate
def test_set_leverage_not_modified_after_a_lost_answer_reports_changed():
    responses.get(INSTR, json=INSTRUMENT)
    responses.get(POS, json=_one_way("10"))
    responses.post(SET, body=__import__("requests").ConnectionError())
    responses.post(SET, json=envelope({}, 110043, "leverage not modified"))
    responses.get(RISK, json=page(BTC_ROWS))
    df = client(sleep=lambda s: None).set_leverage("BTCUSDT", 20)
    assert df["changed"].tolist() == [True]


@responses.activate
def test_set_leverage_one_way_refuses_a_single_side_before_sending():
    responses.get(INSTR, json=INSTRUMENT)
    responses.get(POS, json=_one_way())
    with pytest.raises(lk.PositionModeError, match="one-way mode"):
        client().set_leverage("BTCUSDT", 5, side="long")
    assert not any(c.request.method == "POST" for c in responses.calls)


@responses.activate
def test_set_leverage_hedge_long_keeps_short_as_it_is():
    responses.get(INSTR, json=INSTRUMENT)
    responses.get(POS, json=_hedge("10", "20"))
    responses.post(SET, json=envelope({}))
    responses.get(RISK, json=page(BTC_ROWS))
    df = client().set_leverage("BTCUSDT", 5, side="long")
    post = next(c.request for c in responses.calls if c.request.method == "POST")
    assert json.loads(post.body)["buyLeverage"] == "5"
    assert json.loads(post.body)["sellLeverage"] == "20"
    assert df[["side", "leverage", "changed"]].values.tolist() == [
        ["long", 5.0, True],
        ["short", 20.0, False],
    ]


@responses.activate
def test_set_leverage_hedge_cross_margin_error_says_which_rule():
    responses.get(INSTR, json=INSTRUMENT)
    responses.get(POS, json=_hedge())
    responses.post(SET, json=envelope({}, 10001, "buy leverage must equal sell leverage"))
    with pytest.raises(lk.PositionModeError, match="cross margin"):
        client().set_leverage("BTCUSDT", 5, side="short")


@responses.activate
def test_set_leverage_dry_run_sends_no_post_and_hides_secrets():
    responses.get(INSTR, json=INSTRUMENT)
    responses.get(POS, json=_one_way())
    preview = client().set_leverage("BTCUSDT", 25, dry_run=True)
    assert not any(c.request.method == "POST" for c in responses.calls)
    assert preview.method == "POST" and preview.url == SET
    assert json.loads(preview.body)["buyLeverage"] == "25"
    text = repr(preview) + preview._repr_html_() + str(preview.to_dict())
    assert FAKE_SECRET not in text and FAKE_KEY not in text
    assert preview.headers["X-BAPI-API-KEY"] == "test..."


def test_set_leverage_rate_limit_spaces_a_burst_of_twenty(clock):
    c = lk.Bybit(FAKE_KEY, FAKE_SECRET, clock=clock, sleep=clock.sleep)
    lim = c._limiter("set-leverage", 10)
    start = clock.now
    for _ in range(20):
        lim.acquire()
    assert clock.now - start == pytest.approx(1.0)
    assert lim.waited == pytest.approx(1.0)


def test_frames_from_parse_keep_dtypes_in_pandas():
    df = parse_risk_limits(BTC_ROWS)
    assert pd.api.types.is_string_dtype(df["symbol"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        parse_risk_limits(BTC_ROWS)


# -- signing: the v5 guide's documented strings-to-sign (docs/v5/guide.mdx) --------------

BYBIT_V5_EXAMPLES = [
    (
        "1658384314791",
        "XXXXXXXXXX",
        "5000",
        "category=option&symbol=BTC-29JUL22-25000-C",
        "1658384314791XXXXXXXXXX5000category=option&symbol=BTC-29JUL22-25000-C",
    ),
    (
        "1658385579423",
        "XXXXXXXXXX",
        "5000",
        '{"category": "option"}',
        '1658385579423XXXXXXXXXX5000{"category": "option"}',
    ),
]


def test_bybit_v5_string_to_sign_matches_documented_examples():
    for ts, key, window, payload, expected in BYBIT_V5_EXAMPLES:
        assert bybit_v5_string_to_sign(ts, key, window, payload) == expected
