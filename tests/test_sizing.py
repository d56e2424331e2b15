"""lk.leverage_for is sizing, not liquidation (issue 20, bullet 4): it works on any ladder,
answers the lowest leverage the venue lets one set (its registry step), NaN where none
holds the position."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import levkit as lk
from levkit.frames import tiers_frame


def ladder(exchange, symbol="BTCUSDT", caps=(3e5, 2e6), levs=(150, 100)):
    return tiers_frame({"exchange": exchange, "symbol": symbol, "max_notional": list(caps),
                        "max_leverage": list(levs)}, source="api")  # fmt: skip


@pytest.mark.parametrize("exchange", ["kucoinfutures", "mexc", "somewhere"])
def test_a_ladder_of_a_venue_outside_the_registry_is_answered_exactly(exchange):
    t = ladder(exchange, "BTC/USDT:USDT")
    # no liquidation formula is needed: 1e6 with 30,000 needs 33.33...x, exact there
    assert lk.leverage_for(t, 1e6, 30_000) == pytest.approx(1e6 / 30_000, rel=1e-12)
    assert lk.max_position_value(t, 100) == 2e6  # as the model answers on the same frame


@pytest.mark.parametrize("exchange", ["binance", "bitget", "bingx", "hyperliquid"])
def test_on_step_one_venues_the_answer_is_the_lowest_settable_leverage(exchange):
    assert lk.exchanges().loc[exchange, "leverage_step"] == 1.0
    t = ladder(exchange)
    assert lk.leverage_for(t, 1e6, 30_000) == 34.0  # not 33.33: 34x is the lowest one can set
    assert lk.leverage_for(t, 1e6, 20_000) == 50.0  # on the grid already: itself
    assert lk.leverage_for(t, 1e6, 30_000, step=0) == pytest.approx(1e6 / 30_000)


@pytest.mark.parametrize("exchange", ["bybit", "okx", "gate", "bybit-legacy"])
def test_where_the_step_is_finer_the_answer_is_on_it(exchange):
    t = ladder(exchange)
    assert lk.leverage_for(t, 1e6, 30_000) == 33.34
    assert lk.leverage_for(t, 1e6, 20_000) == 50.0  # 50 / 0.01 = 5000 steps, not 5001
    assert lk.leverage_for(t, 1e6, 30_000, step=1) == 34.0


def test_rounding_up_past_a_tiers_leverage_gives_nan_not_a_refused_leverage():
    # 2e6 with 20,000.5 needs 99.9975x: 100x on Binance's grid (allowed, tier 2 is 100x);
    # with 19,950 it needs 100.25x -> 101x, above the tier's 100x: no settable leverage
    t = ladder("binance")
    assert lk.leverage_for(t, 2e6, 20_000.5) == 100.0
    assert math.isnan(lk.leverage_for(t, 2e6, 19_950))
    # a leverage exactly at a tier's max (to float rounding) is that tier's
    assert lk.leverage_for(t, 3e5, 3e5 / 150) == 150.0


def test_many_venues_each_on_its_own_step_and_nan_above_the_top():
    t = tiers_frame(
        {"exchange": ["binance"] * 2 + ["okx"] * 2 + ["mexc"] * 2,
         "symbol": ["BTCUSDT"] * 2 + ["BTC-USDT-SWAP"] * 2 + ["BTC_USDT"] * 2,
         "max_notional": [3e5, 2e6] * 3, "max_leverage": [150, 100] * 3}, source="api")  # fmt: skip
    out = lk.leverage_for(t, [1e6, 3e6], 30_000)
    assert out[("binance", "BTCUSDT")].tolist()[0] == 34.0
    assert out[("okx", "BTC-USDT-SWAP")].tolist()[0] == 33.34
    assert out[("mexc", "BTC_USDT")].tolist()[0] == pytest.approx(1e6 / 30_000)
    assert np.isnan(out.iloc[1]).all()  # 3e6 is above every top band


def test_bad_step_and_margin_bands_say_why():
    with pytest.raises(ValueError, match="step must be a finite number >= 0"):
        lk.leverage_for(ladder("bybit"), 1e6, 1e4, step=-1)
    bands = tiers_frame({"exchange": "bingx", "symbol": "BTC-USDT", "max_notional": [1e6]},
                        source="api")  # fmt: skip
    with pytest.raises(ValueError, match="no leverage"):
        lk.leverage_for(bands, 1e5, 1e4)


def test_a_ccxt_frame_of_an_unregistered_venue_answers_like_max_position_value():
    t = ladder("kucoinfutures", "XBTUSDTM", caps=(1e5, 5e5, 1e6), levs=(125, 75, 50))
    lev = lk.leverage_for(t, 4e5, 8_000)  # 50x needed: tier 2 allows 75x
    assert lev == 50.0 and lk.max_position_value(t, lev) >= 4e5
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert math.isnan(lk.leverage_for(t, 4e5, 3_000))  # 133x: above tier 2's 75x
