"""Every answer is checked before it becomes a frame (issue 23, item 4): one test per rule,
the choice for many-ladder answers (drop the bad symbol, name it), and the crashes the
issue reported (Hyperliquid marginTableId 0, Gate tier 1e308, Bitget level 1e308)."""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pandas as pd
import pytest

import levkit as lk
from levkit.errors import LadderWarning, ParseError
from levkit.frames import LadderRules, leverage_frame, tiers_frame
from levkit.venues.binance.parse import parse_brackets
from levkit.venues.bitget.parse import parse_position_lever
from levkit.venues.bybit.parse import parse_risk_limits
from levkit.venues.gate.parse import parse_risk_limits as parse_gate
from levkit.venues.hyperliquid.parse import parse_meta


def bybit_rows(symbol: str = "BTCUSDT", **change) -> list[dict]:
    """Three tiers of a Bybit ladder (the docs' 300000 at 150x first); ``change`` maps
    ``(tier index, field)`` written as ``field_i`` to a new value."""
    rows = [
        {"id": 1, "symbol": symbol, "riskLimitValue": "300000", "maintenanceMargin": "0.0033",
         "initialMargin": "0.0066", "maxLeverage": "150.00", "mmDeduction": ""},
        {"id": 2, "symbol": symbol, "riskLimitValue": "2000000", "maintenanceMargin": "0.005",
         "initialMargin": "0.01", "maxLeverage": "100.00", "mmDeduction": "510"},
        {"id": 3, "symbol": symbol, "riskLimitValue": "2600000", "maintenanceMargin": "0.0056",
         "initialMargin": "0.0111", "maxLeverage": "90.00", "mmDeduction": "1710"},
    ]  # fmt: skip
    for key, value in change.items():
        field, i = key.rsplit("_", 1)
        rows[int(i)][field] = value
    return rows


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"riskLimitValue_1": "-5"}, "riskLimitValue (max_notional) -5 is not positive"),
        ({"riskLimitValue_1": "0"}, "riskLimitValue (max_notional) 0 is not positive"),
        ({"riskLimitValue_1": ""}, "riskLimitValue (max_notional) is missing"),
        ({"riskLimitValue_2": "2000000"}, "riskLimitValue (max_notional) 2000000 repeats the cap"),
        ({"maxLeverage_0": "0"}, "maxLeverage (max_leverage) 0 is not a positive finite leverage"),
        ({"maxLeverage_2": "-90"}, "maxLeverage (max_leverage) -90 is not a positive"),
        ({"maxLeverage_1": ""}, "maxLeverage (max_leverage) is missing"),
        ({"maintenanceMargin_2": "-0.01"}, "maintenanceMargin (maintenance_margin_rate) -0.01"),
        ({"maintenanceMargin_2": "1.2", "initialMargin_2": "0.5", "maxLeverage_2": "2"},
         "maintenanceMargin (maintenance_margin_rate) 1.2 is not a rate in [0, 1)"),
        ({"initialMargin_1": "0"}, "initialMargin (initial_margin_rate) 0 is not a rate in (0, 1]"),
    ],
)  # fmt: skip
def test_a_bad_value_in_one_ladder_raises_parse_error_naming_venue_symbol_field(change, says):
    with pytest.raises(ParseError, match="bybit BTCUSDT: " + re.escape(says)):
        parse_risk_limits(bybit_rows(**change))


def test_rates_at_their_edges_pass():
    """A 1x tier's initial margin is the whole notional: 1.0 passes; a 0 maintenance rate too."""
    rows = bybit_rows(maintenanceMargin_0="0", initialMargin_2="1", maxLeverage_2="1")
    df = parse_risk_limits(rows)
    assert df["initial_margin_rate"].iloc[-1] == 1.0 and df["maintenance_margin_rate"].iloc[0] == 0


def test_an_all_symbols_answer_drops_the_bad_ladder_names_it_and_keeps_the_others():
    rows = bybit_rows("BTCUSDT") + bybit_rows("ETHUSDT", maxLeverage_1="0")
    with pytest.warns(LadderWarning, match=r"left out 1 ladder.*ETHUSDT: maxLeverage"):
        df = parse_risk_limits(rows)
    assert df["symbol"].unique().tolist() == ["BTCUSDT"]
    assert df["tier"].tolist() == [1, 2, 3]
    assert df.attrs["dropped"] == {
        "ETHUSDT": "maxLeverage (max_leverage) 0 is not a positive finite leverage"
    }
    pd.testing.assert_frame_equal(df, parse_risk_limits(bybit_rows("BTCUSDT")))


def test_an_answer_whose_every_ladder_is_bad_raises_rather_than_return_nothing():
    rows = bybit_rows("BTCUSDT", riskLimitValue_0="-1") + bybit_rows("ETHUSDT", maxLeverage_0="0")
    with pytest.raises(ParseError, match=r"bybit BTCUSDT: .* \(and 1 other ladders\)"):
        parse_risk_limits(rows)


def test_a_frame_made_by_hand_raises_rather_than_drop():
    with pytest.raises(ParseError, match="x B: max_leverage -2"):
        tiers_frame({"exchange": "x", "symbol": ["A", "B"], "max_notional": [1.0, 1.0],
                     "max_leverage": [5.0, -2.0]}, source="api")  # fmt: skip


def test_an_open_top_tier_only_where_the_venue_has_one():
    cols = {"exchange": "x", "symbol": "A", "max_notional": np.array([1e6, math.inf]),
            "max_leverage": [10.0, 5.0]}  # fmt: skip
    assert tiers_frame(cols, source="snapshot")["max_notional"].iloc[-1] == math.inf
    with pytest.raises(ParseError, match="this venue has no uncapped tier"):
        tiers_frame(cols, source="api", rules=LadderRules(need_leverage=True))
    below = {**cols, "max_notional": np.array([math.inf, math.inf])}
    with pytest.raises(ParseError, match="repeats the cap|open cap below the top"):
        tiers_frame(below, source="snapshot")


def test_margin_bands_may_leave_leverage_unknown_a_ladder_may_not():
    cols = {"exchange": "x", "symbol": "A", "max_notional": [1e6], "max_leverage": [np.nan]}
    assert math.isnan(tiers_frame(cols, source="api")["max_leverage"].iloc[0])
    with pytest.raises(ParseError, match="max_leverage is missing"):
        tiers_frame(cols, source="api", rules=LadderRules(need_leverage=True))


def _bracket(n, lev, floor, cap, mmr, cum):
    return {"bracket": n, "initialLeverage": lev, "notionalFloor": floor, "notionalCap": cap,
            "maintMarginRatio": mmr, "cum": cum}  # fmt: skip


def test_the_venues_own_tier_numbers_must_rise_with_the_cap():
    good = [_bracket(1, 75, 0, 5000, 0.01, 0.0), _bracket(2, 50, 5000, 10000, 0.015, 25.0)]
    assert len(parse_brackets([{"symbol": "AUSDT", "brackets": good}])) == 2
    swapped = [dict(good[0], bracket=2), dict(good[1], bracket=1)]
    with pytest.raises(ParseError, match="binance AUSDT: bracket 1 does not rise with the cap"):
        parse_brackets([{"symbol": "AUSDT", "brackets": swapped}])


def test_an_empty_band_in_a_real_binance_answer_is_left_out_and_listed():
    """BEAMXUSDT of 2025-12-25 (freqtrade's cache of the signed leverageBracket answer):
    bracket 8 runs from 500,000 to 500,000 at 3x.  It holds no position; the rest stands."""
    rows = [(1, 75, 0, 5000, 0.01, 0), (2, 50, 5000, 10000, 0.015, 25), (3, 25, 10000, 25000,
            0.02, 75), (4, 20, 25000, 50000, 0.025, 200), (5, 10, 50000, 125000, 0.05, 1450),
            (6, 5, 125000, 250000, 0.1, 7700), (7, 4, 250000, 500000, 0.125, 13950),
            (8, 3, 500000, 500000, 0.1667, 34800), (9, 2, 500000, 7500000, 0.25, 76450),
            (10, 1, 7500000, 12500000, 0.5, 1951450)]  # fmt: skip
    payload = [{"symbol": "BEAMXUSDT", "brackets": [_bracket(*r) for r in rows]}]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no cum mismatch either: the recursion still holds
        df = parse_brackets(payload)
    assert df["bracket"].tolist() == [1, 2, 3, 4, 5, 6, 7, 9, 10]
    assert df.attrs["empty_bands"] == {"BEAMXUSDT": [8]}
    assert lk.max_position_value(df, 3) == 500_000 and lk.max_position_value(df, 2) == 7_500_000


def test_hyperliquid_margin_table_id_zero_or_blank_is_a_parse_error_not_a_crash():
    meta = {
        "universe": [{"name": "BTC", "maxLeverage": 40, "marginTableId": 0}],
        "marginTables": [],
    }
    with pytest.raises(ParseError, match="hyperliquid BTC: maxLeverage .*0 is not a positive"):
        parse_meta(meta)
    meta["universe"][0]["marginTableId"] = ""
    with pytest.raises(ParseError, match="marginTableId is empty"):
        parse_meta(meta)
    meta["universe"] += [{"name": "ETH", "maxLeverage": 25}]
    meta["universe"][0]["marginTableId"] = 0
    with pytest.warns(LadderWarning, match="BTC"):
        assert parse_meta(meta)["symbol"].tolist() == ["ETH"]


def test_gate_tier_and_bitget_level_of_1e308_are_parse_errors_not_crashes():
    rows = [{"contract": "ZTX_USDT", "tier": 1e308, "risk_limit": "20000", "leverage_max": "50",
             "maintenance_rate": "0.01", "initial_rate": "0.02", "deduction": "0"}]  # fmt: skip
    with pytest.raises(ParseError, match="tier: expected a whole number"):
        parse_gate(rows)
    lever = [{"symbol": "BTCUSDT", "level": 1e308, "startUnit": "0", "endUnit": "50000",
              "leverage": "125", "keepMarginRate": "0.004"}]  # fmt: skip
    with pytest.raises(ParseError, match="level: expected a whole number"):
        parse_position_lever(lever)


@pytest.mark.parametrize(
    ("column", "value"), [("leverage", -3.0), ("leverage", 0.0), ("max_leverage", 0.0),
                          ("max_position_value", -1.0)],
)  # fmt: skip
def test_a_leverage_frame_refuses_a_bad_number_naming_exchange_symbol_side(column, value):
    data = {"exchange": ["gate"], "symbol": ["BTC_USDT"], "side": ["long"], "leverage": [5.0],
            "max_leverage": [100.0], "max_position_value": [1e6], column: [value]}  # fmt: skip
    with pytest.raises(ParseError, match=f"gate BTC_USDT long: {column} "):
        leverage_frame(data, source="api")
    data[column] = [np.nan]  # unknown is fine
    assert leverage_frame(data, source="api")[column].isna().all()
