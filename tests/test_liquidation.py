"""liquidation_price and leverage_for: each exchange's formula on cases worked by hand from
its published text (sources in levkit/liquidation/__init__.py and /work/shared/LIQUIDATION.md).

Expected values are written as the arithmetic of the published formula, never as a
number copied from levkit's output.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import levkit as lk
from levkit.frames import tiers_frame
from levkit.venues import venues

#: Every registered venue with a formula for linear contracts.
LINEAR = sorted(v.name for v in venues() if v.liquidation_rule("linear"))

BYBIT_URL = "https://www.bybit.com/en/help-center/article/UTA-Trading-Rules-Liquidation-Process"
BINANCE_URL = "https://www.binance.com/en/support/faq/b3c689c1f50a44cabb3a84e663b81d93"
GATE_URL = "https://www.gate.io/help/futures/futures/27724/liquidation-price-bankruptcy-price"
BITGET_URL = "https://www.bitget.com/support/articles/12560603808759"
HL_URL = "https://hyperliquid.gitbook.io/hyperliquid-docs/trading/liquidations"


def ladder(exchange, symbol, rows, *, rates=True):
    """rows: (cap, max leverage, MMR, deduction or None)."""
    cols = {
        "exchange": [exchange] * len(rows),
        "symbol": [symbol] * len(rows),
        # a float64 array: tiers_frame takes inf (Hyperliquid's open top tier) only so
        "max_notional": np.array([r[0] for r in rows], dtype="float64"),
        "max_leverage": [r[1] for r in rows],
    }
    if rates:
        cols["maintenance_margin_rate"] = [r[2] for r in rows]
        cols["mm_deduction"] = [r[3] if r[3] is not None else "" for r in rows]
    return tiers_frame(cols, source="api")


# Bybit BTCUSDT 2026: D_2 = 300,000 x (0.005 - 0.0033) = 510; D_3 = 510 + 2e6 x 0.0006 = 1710
BYBIT = [(300_000, 150, 0.0033, 0), (2_000_000, 100, 0.005, 510), (2_600_000, 90, 0.0056, 1710)]
# Binance BTCUSDT-like brackets: cum_2 = 50,000 x 0.001 = 50; cum_3 = 50 + 600,000 x 0.0015
# = 950; cum_4 = 950 + 3e6 x 0.0035 = 11,450
BINANCE = [
    (50_000, 125, 0.004, 0),
    (600_000, 100, 0.005, 50),
    (3_000_000, 75, 0.0065, 950),
    (12_000_000, 50, 0.01, 11_450),
]
# Hyperliquid mainnet BTC: 40x to 150M, then 20x, top tier uncapped; no rates in the frame
HYPERLIQUID = [(150e6, 40, None, None), (math.inf, 20, None, None)]


def bybit():
    return ladder("bybit", "BTCUSDT", BYBIT)


# -- each exchange's formula, by hand -------------------------------------------------


def test_bybit_long_and_short_use_the_tier_and_its_deduction():
    # BYBIT_URL: long [EP*Q - EP*Q/L - X/(1-f) - D] / [Q - Q*r]
    # EP 50,000, notional 1,000,000 -> Q = 20, tier 2 (r 0.005, D 510), L 50 -> IM 20,000
    long = lk.liquidation_price(bybit(), entry_price=50_000, leverage=50, notional=1e6)
    assert long == pytest.approx((1_000_000 - 20_000 - 510) / (20 - 20 * 0.005), rel=1e-12)
    # short: [EP*Q + EP*Q/L + X/(1+f) + D] / [Q + Q*r]
    short = lk.liquidation_price(
        bybit(), entry_price=50_000, leverage=50, notional=1e6, side="short"
    )
    assert short == pytest.approx((1_000_000 + 20_000 + 510) / (20 + 20 * 0.005), rel=1e-12)


def test_bybit_fee_divides_only_the_extra_margin():
    # BYBIT_URL: X/(1 - f) long, X/(1 + f) short; the fee to close otherwise cancels
    f, x = 0.00055, 1_000.0
    kw = dict(entry_price=50_000, leverage=50, notional=1e6, fee_rate=f, extra_margin=x)
    long = lk.liquidation_price(bybit(), **kw)
    assert long == pytest.approx((1e6 - 20_000 - x / (1 - f) - 510) / (20 * (1 - 0.005)), rel=1e-12)
    short = lk.liquidation_price(bybit(), side="short", **kw)
    assert short == pytest.approx((1e6 + 20_000 + x / (1 + f) + 510) / (20 * 1.005), rel=1e-12)
    no_extra = dict(kw, extra_margin=0.0)
    assert lk.liquidation_price(bybit(), **no_extra) == lk.liquidation_price(
        bybit(), **dict(no_extra, fee_rate=0.0)
    )


def test_bybit_legacy_uses_the_bybit_formula():
    # v2's BTCUSD is the inverse perpetual (a frame without category is the instrument its
    # symbol names): Bybit's coin-margined rule, as for v5's BTCUSD
    legacy = ladder("bybit-legacy", "BTCUSD", BYBIT)
    kw = dict(entry_price=50_000, leverage=50, notional=1e6, fee_rate=0.001, extra_margin=-50)
    assert lk.liquidation_price(legacy, **kw) == lk.liquidation_price(
        ladder("bybit", "BTCUSD", BYBIT), **kw
    )
    linear = ladder("bybit-legacy", "BTCUSDT", BYBIT)
    assert lk.liquidation_price(linear, **kw) == lk.liquidation_price(bybit(), **kw)


def test_binance_reevaluates_the_bracket_at_the_liquidation_price_short():
    # BINANCE_URL, isolated one-way short: LP = (WB + cum + Q*EP) / (Q*MMR + Q), no fee.
    # EP 50,000, V 590,000 (Q 11.8), L 20 -> WB 29,500. At the entry bracket (2: 0.5%, 50):
    # LP = 619,550 / 11.859 = 52,243.0; Q*LP = 616,468 > 600,000: bracket 3 (0.65%, 950),
    # LP = 620,450 / (11.8 * 1.0065) = 52,242.6; Q*LP = 616,462: still bracket 3, stable.
    t = ladder("binance", "BTCUSDT", BINANCE)
    kw = dict(entry_price=50_000, leverage=20, notional=590_000, side="short")
    got = lk.liquidation_price(t, **kw)
    at_entry_bracket = (590_000 + 29_500 + 50) / (11.8 * 1.005)
    at_lp_bracket = (590_000 + 29_500 + 950) / (11.8 * 1.0065)
    assert 11.8 * at_entry_bracket > 600_000 and 11.8 * at_lp_bracket > 600_000
    assert got == pytest.approx(at_lp_bracket, rel=1e-12)
    assert got != pytest.approx(at_entry_bracket, rel=1e-9)
    # Bybit's rule keeps the entry tier on the same ladder
    t_bybit = t.assign(exchange="bybit")
    assert lk.liquidation_price(t_bybit, **kw) == pytest.approx(at_entry_bracket, rel=1e-12)


def test_binance_long_falls_back_to_a_lower_bracket_and_ignores_fees():
    # V 650,000 (Q 13, bracket 3), L 10 -> WB 65,000.  Bracket 3: (650,000 - 65,000 - 950)
    # / (13 * 0.9935) = 45,220.1, Q*LP = 587,862 < 600,000 -> bracket 2:
    # (650,000 - 65,000 - 50) / (13 * 0.995) = 45,222.3, Q*LP = 587,889: stable.
    t = ladder("binance", "BTCUSDT", BINANCE)
    got = lk.liquidation_price(
        t, entry_price=50_000, leverage=10, notional=650_000, fee_rate=0.0005
    )
    assert got == pytest.approx((650_000 - 65_000 - 50) / (13 * 0.995), rel=1e-12)


def test_okx_has_no_deduction_and_the_fee_in_the_denominator():
    # OKX 合约盈亏计算: long (保证金余额 - 面值*张数*开仓均价) / (面值*张数*(mmr + fee - 1)).
    # Tier 2 (r 0.005) carries a deduction in the frame; OKX's formula has none.
    t = ladder("okx", "BTC-USDT-SWAP", [(500_000, 100, 0.004, 0), (1e6, 75, 0.005, 500)])
    # EP 60,000, notional 600,000 -> 10 BTC, L 50 -> margin 12,000, fee 0.05 %
    long = lk.liquidation_price(t, entry_price=60_000, leverage=50, notional=6e5, fee_rate=5e-4)
    assert long == pytest.approx((12_000 - 600_000) / (10 * (0.005 + 0.0005 - 1)), rel=1e-12)
    short = lk.liquidation_price(
        t, entry_price=60_000, leverage=50, size=10, fee_rate=5e-4, side="short"
    )
    assert short == pytest.approx((12_000 + 600_000) / (10 * (0.005 + 0.0005 + 1)), rel=1e-12)


def test_gate_published_formula_in_tier_one_and_deduction_above():
    # GATE_URL: (EP - M/Q) / (1 - (mmr + taker)) for a long, '+' for a short.
    t = ladder("gate", "BTC_USDT", [(1e6, 100, 0.005, 0), (3e6, 50, 0.01, 5_000)])
    # EP 40,000, 20,000 USDT (Q 0.5), L 10 -> M 2,000, taker 0.075 %
    got = lk.liquidation_price(t, entry_price=40_000, leverage=10, notional=20_000, fee_rate=7.5e-4)
    assert got == pytest.approx((40_000 - 2_000 / 0.5) / (1 - (0.005 + 0.00075)), rel=1e-12)
    short = lk.liquidation_price(
        t, entry_price=40_000, leverage=10, notional=20_000, fee_rate=7.5e-4, side="short"
    )
    assert short == pytest.approx((40_000 + 2_000 / 0.5) / (1 + (0.005 + 0.00075)), rel=1e-12)
    # tier 2 (derived common form): 2e6 notional (Q 50), L 20 -> M 100,000, D 5,000
    got = lk.liquidation_price(t, entry_price=40_000, leverage=20, notional=2e6)
    assert got == pytest.approx((2e6 - 100_000 - 5_000) / (50 * (1 - 0.01)), rel=1e-12)


def test_bitget_derives_the_offset_by_the_recursion():
    # BITGET_URL: [M + offset - Q*EP*dir] / [Q*(MMR + fee - dir)]; Bitget's API has no
    # deduction (the frame holds 0): offset_2 = 50,000 x (0.006 - 0.004) = 100.
    t = ladder("bitget", "BTCUSDT", [(50_000, 125, 0.004, None), (300_000, 100, 0.006, None)])
    # EP 100,000, 100,000 USDT (Q 1), L 20 -> M 5,000, fee 0.06 %
    long = lk.liquidation_price(t, entry_price=1e5, leverage=20, notional=1e5, fee_rate=6e-4)
    assert long == pytest.approx((5_000 + 100 - 1e5) / (1 * (0.006 + 0.0006 - 1)), rel=1e-12)
    short = lk.liquidation_price(
        t, entry_price=1e5, leverage=20, notional=1e5, fee_rate=6e-4, side="short"
    )
    assert short == pytest.approx((5_000 + 100 + 1e5) / (1 * (0.006 + 0.0006 + 1)), rel=1e-12)


def test_bingx_common_form_with_maintenance_amount():
    # Derived from "margin <= MM + taker fee", MM = notional*rate - maintAmount:
    # long (V - M - D) / (Q (1 - r - f)); V 500,000 (Q 5), L 25 -> M 20,000; D 1,000
    t = ladder("bingx", "BTC-USDT", [(300_000, 150, 0.004, 0), (800_000, 100, 0.0075, 1_050)])
    got = lk.liquidation_price(t, entry_price=1e5, leverage=25, notional=5e5, fee_rate=5e-4)
    assert got == pytest.approx((5e5 - 20_000 - 1_050) / (5 * (1 - 0.0075 - 0.0005)), rel=1e-12)


def test_hyperliquid_rates_from_max_leverage_and_uncapped_top_tier():
    # HL_URL: liq = P - side * margin_available / Q / (1 - l * side), l = 1/(2 * maxLev),
    # margin_available = M - MM.  V 200M (Q 2,000) at 100,000 sits in the inf top tier
    # (20x: r 0.025, D = 150M x (0.025 - 0.0125) = 1,875,000).  L 20 -> M 10M;
    # MM = 200M x 0.025 - 1.875M = 3.125M; liq = 1e5 - 6.875M / 2,000 / 0.975.
    t = ladder("hyperliquid", "BTC", HYPERLIQUID, rates=False)
    got = lk.liquidation_price(t, entry_price=1e5, leverage=20, notional=2e8)
    assert got == pytest.approx(1e5 - 6.875e6 / 2_000 / 0.975, rel=1e-12)
    # V 160M (Q 1,600), L 10: tier 2 gives (160M - 16M - 1.875M) / (1,600 x 0.975) = 91,105.8
    # whose notional 145.8M is in tier 1, which gives 144M / (1,600 x 0.9875) = 91,139.2
    # (notional 145.8M, tier 1: stable).
    got = lk.liquidation_price(t, entry_price=1e5, leverage=10, notional=1.6e8)
    assert got == pytest.approx(144e6 / (1_600 * 0.9875), rel=1e-12)
    short = lk.liquidation_price(t, entry_price=1e5, leverage=20, notional=4e8, side="short")
    assert short == pytest.approx((4e8 + 2e7 + 1.875e6) / (4_000 * 1.025), rel=1e-12)


# -- tier boundary, LP <= 0, symmetry ---------------------------------------------------


def test_position_just_above_a_cap_uses_the_next_tier_and_its_deduction():
    kw = dict(entry_price=50_000, leverage=100)
    at_cap = lk.liquidation_price(bybit(), notional=300_000, **kw)  # Q 6, tier 1
    assert at_cap == pytest.approx((300_000 - 3_000 - 0) / (6 * (1 - 0.0033)), rel=1e-12)
    above = lk.liquidation_price(bybit(), notional=300_050, **kw)  # Q 6.001, tier 2
    assert above == pytest.approx((300_050 - 3_000.5 - 510) / (6.001 * (1 - 0.005)), rel=1e-12)
    # MM is continuous at the cap (deduction recursion): the price moves by cents only
    assert abs(above - at_cap) < 1.0


def test_a_position_exactly_at_the_top_cap_is_in_the_top_tier():
    # 7,126,642.75 / 100 * 100 rounds to 7,126,642.750000001: the notional as given is the
    # position value, so it stays in the tier whose cap it equals (hypothesis found this)
    t = ladder("binance", "SYM", [(7_126_642.75, 2, 0.25, 0)])
    assert 7_126_642.75 / 100.0 * 100.0 > 7_126_642.75
    got = lk.liquidation_price(t, entry_price=100.0, leverage=2, notional=7_126_642.75)
    q, v = 7_126_642.75 / 100.0, 7_126_642.75
    assert got == pytest.approx((v - v / 2) / (q * (1 - 0.25)), rel=1e-12)


def test_long_at_one_x_with_no_positive_liquidation_is_zero():
    # (V - V/1 - D) / (...) = -D / (...) <= 0: no price above zero liquidates -> 0.0
    assert lk.liquidation_price(bybit(), entry_price=50_000, leverage=1, notional=1e6) == 0.0
    t = ladder("okx", "X-USDT-SWAP", [(1e6, 10, 0.0, 0)])
    assert lk.liquidation_price(t, entry_price=10.0, leverage=1, notional=100) == 0.0


def test_long_and_short_are_symmetric_without_maintenance_margin():
    t = ladder("gate", "X_USDT", [(1e6, 100, 0.0, 0)])
    lev = np.array([2.0, 5.0, 40.0, 100.0])
    long = lk.liquidation_price(t, entry_price=100.0, leverage=lev, notional=1_000)
    short = lk.liquidation_price(t, entry_price=100.0, leverage=lev, notional=1_000, side="short")
    np.testing.assert_allclose(100.0 - long.to_numpy(), 100.0 / lev, rtol=1e-12)
    np.testing.assert_allclose(short.to_numpy() - 100.0, 100.0 / lev, rtol=1e-12)


def test_size_and_notional_give_the_same_price():
    kw = dict(entry_price=50_000, leverage=50)
    assert lk.liquidation_price(bybit(), size=20, **kw) == lk.liquidation_price(
        bybit(), notional=1e6, **kw
    )


# -- shapes and vectorisation -----------------------------------------------------------


def many():
    return pd.concat(
        [bybit(), ladder("binance", "BTCUSDT", BINANCE), ladder("okx", "BTC-USDT-SWAP",
         [(500_000, 100, 0.004, 0), (1e6, 75, 0.005, 0)])], ignore_index=True,
    )  # fmt: skip


def test_scalar_inputs_on_many_symbols_give_a_series_on_exchange_symbol():
    out = lk.liquidation_price(many(), entry_price=50_000, leverage=80, notional=1e6)
    assert list(out.index) == [
        ("binance", "BTCUSDT"), ("bybit", "BTCUSDT"), ("okx", "BTC-USDT-SWAP")
    ]  # fmt: skip
    assert out.name == "liquidation_price"
    # binance 1e6 is in bracket 3 (75x): 80x is forbidden there -> NaN, not an error
    assert np.isnan(out[("binance", "BTCUSDT")])
    assert out[("bybit", "BTCUSDT")] == lk.liquidation_price(
        bybit(), entry_price=50_000, leverage=80, notional=1e6
    )


def test_a_series_of_leverages_keeps_its_index():
    lev = pd.Series([10.0, 50.0, 120.0], index=["a", "b", "c"])
    out = lk.liquidation_price(bybit(), entry_price=50_000, leverage=lev, notional=1e6)
    assert list(out.index) == ["a", "b", "c"]
    assert np.isnan(out["c"])  # 120x > 100x for a 1e6 position: NaN in an array
    wide = lk.liquidation_price(many(), entry_price=50_000, leverage=lev, notional=1e6)
    assert list(wide.index) == ["a", "b", "c"] and wide.shape == (3, 3)


def test_an_array_argument_indexes_the_answer_by_its_values():
    out = lk.liquidation_price(bybit(), entry_price=[40_000, 50_000], leverage=20, notional=1e6)
    assert out.index.name == "entry_price" and list(out.index) == [40_000, 50_000]


def test_vectorised_answer_equals_one_scalar_call_per_cell():
    t = many()
    levs, prices = np.array([1, 5, 20, 60, 75]), np.array([30_000, 50_000, 70_000, 90_000, 2e4])
    for side in ("long", "short"):
        wide = lk.liquidation_price(t, entry_price=prices, leverage=levs, size=12, side=side)
        for (ex, sym), col in wide.items():
            one = t[(t["exchange"] == ex) & (t["symbol"] == sym)]
            for i in range(len(levs)):
                try:
                    want = lk.liquidation_price(
                        one, entry_price=prices[i], leverage=levs[i], size=12, side=side
                    )
                except ValueError:
                    want = math.nan
                assert col.iloc[i] == pytest.approx(want, rel=1e-12, nan_ok=True)


# -- invalid input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "name", "error"),
    [
        (dict(leverage=120), "leverage", lk.InvalidLeverageError),  # 1e6 -> tier 2, 100x
        (dict(leverage=0.5), "leverage", lk.InvalidLeverageError),
        (dict(leverage=math.nan), "leverage", lk.InvalidLeverageError),
        (dict(entry_price=0), "entry_price", lk.InvalidPositionError),
        (dict(entry_price=math.nan), "entry_price", lk.InvalidPositionError),
        (
            dict(entry_price=math.inf, notional=None, size=20),
            "entry_price",
            lk.InvalidPositionError,
        ),
        (dict(entry_price=[1.0, -2.0]), "entry_price", lk.InvalidPositionError),
        (dict(side="buy"), "side", lk.InvalidPositionError),
        (dict(size=20), "notional", lk.InvalidPositionError),  # both given
        (dict(notional=None), "notional", lk.InvalidPositionError),  # neither
        (dict(notional=-5), "notional", lk.InvalidNotionalError),
        (dict(notional=1e7), "notional", lk.InvalidNotionalError),  # above the top band
        (dict(fee_rate=-0.1), "fee_rate", lk.InvalidPositionError),
    ],
)
def test_invalid_input_raises_a_value_error_naming_the_argument(kwargs, name, error):
    args = dict(entry_price=50_000, leverage=50, notional=1e6, **{})
    args.update(kwargs)
    with pytest.raises(error, match=name) as info:
        lk.liquidation_price(bybit(), **args)
    assert isinstance(info.value, ValueError) and isinstance(info.value, lk.LevkitError)


def test_leverage_at_a_tier_maximum_up_to_float_rounding_is_allowed():
    t = ladder("bybit", "XUSDT", [(1e6, 14.29, 0.01, 0)])
    got = lk.liquidation_price(t, entry_price=10.0, leverage=1429 * 0.01, notional=1e5)
    assert got == pytest.approx((1e5 - 1e5 / 14.29) / (1e4 * 0.99), rel=1e-12)
    with pytest.raises(lk.InvalidLeverageError):
        lk.liquidation_price(t, entry_price=10.0, leverage=14.2901, notional=1e5)


def test_unknown_exchange_is_refused():
    t = ladder("kraken", "PF_XBTUSD", [(1e6, 50, 0.01, 0)])
    with pytest.raises(lk.InvalidPositionError, match="kraken"):
        lk.liquidation_price(t, entry_price=1.0, leverage=2, notional=10)


# -- incomplete ladders ------------------------------------------------------------------


def incomplete_bybit():
    """The Bybit ladder as a probe that stopped at 90x: what lies above 2,600,000 is unknown."""
    t = bybit()
    t.attrs["complete"] = False
    return t


def test_a_position_above_an_incomplete_ladders_top_known_cap_warns():
    kw = dict(entry_price=50_000, leverage=20)
    with pytest.warns(lk.LadderWarning, match=r"bybit BTCUSDT: notionals above 2,600,000"):
        got = lk.liquidation_price(incomplete_bybit(), notional=[1e6, 3e6], **kw)
    # the known part is answered as on the complete ladder; above it there is no tier: NaN
    assert got.iloc[0] == lk.liquidation_price(bybit(), notional=1e6, **kw)
    assert np.isnan(got.iloc[1])
    # one symbol, scalar inputs: the error, and the warning saying why there is no tier
    with (
        pytest.warns(lk.LadderWarning, match="incomplete ladder"),
        pytest.raises(lk.InvalidNotionalError, match="above the top band"),
    ):
        lk.liquidation_price(incomplete_bybit(), notional=3e6, **kw)
    with pytest.warns(lk.LadderWarning, match="notionals above 2,600,000"):
        assert np.isnan(lk.leverage_for(incomplete_bybit(), [1e6, 3e6], 1e6).iloc[1])


def test_a_complete_ladder_or_a_position_inside_the_known_caps_does_not_warn():
    kw = dict(entry_price=50_000, leverage=20)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning fails the test
        got = lk.liquidation_price(bybit(), notional=[1e6, 3e6], **kw)  # complete: API answer
        assert np.isnan(got.iloc[1])  # above the top band by the exchange's own rule
        with pytest.raises(lk.InvalidNotionalError):
            lk.liquidation_price(bybit(), notional=3e6, **kw)
        inside = lk.liquidation_price(incomplete_bybit(), notional=2.6e6, **kw)
        assert inside == lk.liquidation_price(bybit(), notional=2.6e6, **kw)
        lk.leverage_for(bybit(), [1e6, 3e6], 1e6)


# -- leverage_for -----------------------------------------------------------------------


def test_leverage_for_is_notional_over_balance_never_below_one():
    t = bybit()
    assert lk.leverage_for(t, 1_000_000, 20_000) == 1_000_000 / 20_000
    assert lk.leverage_for(t, 5_000, 10_000) == 1.0
    # 1e6 needs 125x with 8,000: tier 2 allows 100x -> NaN; 3e6 is above the top band
    got = lk.leverage_for(t, [1e6, 3e6, 300_000], 8_000)
    assert np.isnan(got.iloc[0]) and np.isnan(got.iloc[1])
    assert got.iloc[2] == 300_000 / 8_000


def test_leverage_for_many_symbols_and_invalid_balance():
    out = lk.leverage_for(many(), 1e6, 12_500)  # 80x
    assert out[("bybit", "BTCUSDT")] == 80.0 and np.isnan(out[("binance", "BTCUSDT")])
    with pytest.raises(ValueError, match="balance"):
        lk.leverage_for(bybit(), 1e6, 0)
    with pytest.raises(lk.InvalidNotionalError, match="notional"):
        lk.leverage_for(bybit(), math.nan, 10)


def test_leverage_for_holds_the_position_at_its_liquidation_price():
    # the leverage leverage_for picks is one liquidation_price accepts for that notional
    lev = lk.leverage_for(bybit(), 1e6, 20_000)
    assert lk.liquidation_price(bybit(), entry_price=5e4, leverage=lev, notional=1e6) > 0


# -- properties -------------------------------------------------------------------------


@st.composite
def ladders(draw):
    """A monotone ladder (leverage falls, rate = 1/(2 max leverage) rises) of any venue,
    deductions by the recursion; and a position that fits in it."""
    exchange = draw(st.sampled_from(LINEAR))
    n = draw(st.integers(1, 6))
    levs = sorted(draw(st.lists(st.integers(2, 150), min_size=n, max_size=n, unique=True)))[::-1]
    steps = draw(st.lists(st.floats(1e3, 1e7), min_size=n, max_size=n))
    caps = np.cumsum(steps)
    rates = [0.5 / lev for lev in levs]
    ded = [0.0]
    for k in range(1, n):
        ded.append(ded[-1] + caps[k - 1] * (rates[k] - rates[k - 1]))
    rows = list(zip(caps.tolist(), levs, rates, ded, strict=True))
    return ladder(exchange, "SYM", rows), caps, levs


@settings(max_examples=60, deadline=None)
@given(ladders(), st.floats(0.01, 0.99), st.floats(1e-2, 1e5), st.sampled_from(["long", "short"]))
def test_liquidation_moves_away_from_entry_as_leverage_falls(lad, where, price, side):
    tiers, caps, levs = lad
    notional = where * caps[-1]
    top = float(lk.max_leverage(tiers, notional))
    grid = np.linspace(1.0, top, 25)
    lp = lk.liquidation_price(
        tiers, entry_price=price, leverage=grid, notional=notional, side=side
    ).to_numpy()
    distance = np.abs(lp - price)
    assert np.all(np.diff(distance) <= 1e-9 * price)  # falls as leverage rises
    # MM never exceeds IM at an allowed leverage: the position is not born liquidated
    assert np.all(lp < price) if side == "long" else np.all(lp > price)


@settings(max_examples=60, deadline=None)
@given(ladders(), st.floats(0.01, 1.0), st.floats(0.05, 1.0), st.sampled_from(["long", "short"]))
def test_tier_at_lp_equals_the_exact_root_of_the_piecewise_maintenance(lad, where, lev_frac, side):
    # With deductions by the recursion, MM(N) = max_k (N r_k - D_k) (convex), so the root of
    # margin + PnL = MM is max_k LP_k for a long and min_k LP_k for a short (LP_k from the
    # tier k line).  The bracket-at-LP iteration (Binance, Hyperliquid) must land on it.
    tiers, caps, levs = lad
    tiers = tiers.assign(exchange="binance")
    notional = where * caps[-1]
    lev = max(1.0, float(lk.max_leverage(tiers, notional)) * lev_frac)
    got = lk.liquidation_price(tiers, entry_price=100.0, leverage=lev, notional=notional, side=side)
    q, m, s = notional / 100.0, notional / lev, 1.0 if side == "long" else -1.0
    r = tiers["maintenance_margin_rate"].to_numpy()
    d = tiers["mm_deduction"].to_numpy()
    roots = (s * notional - m - d) / (q * (s - r))
    want = max(roots.max() if s > 0 else roots.min(), 0.0)
    assert got == pytest.approx(want, rel=1e-9, abs=1e-9)


def test_absent_deduction_is_derived_by_the_recursion():
    # Gate rows of Jan 2024 had no `deduction` (tiers_frame stores it as 0):
    # D_2 = 1e6 x (0.01 - 0.005) = 5,000, the same as a ladder that states it.
    stated = ladder("gate", "BTC_USDT", [(1e6, 100, 0.005, 0), (3e6, 50, 0.01, 5_000)])
    absent = ladder("gate", "BTC_USDT", [(1e6, 100, 0.005, None), (3e6, 50, 0.01, None)])
    assert (absent["mm_deduction"] == 0).all()
    nan = pd.DataFrame(stated).assign(mm_deduction=[0.0, math.nan])
    kw = dict(entry_price=40_000, leverage=20, notional=2e6)
    want = (2e6 - 100_000 - 5_000) / (50 * (1 - 0.01))
    for t in (stated, absent, nan):
        assert lk.liquidation_price(t, **kw) == pytest.approx(want, rel=1e-12)


# -- a position already past its maintenance margin; kinds without a formula -----------------


def test_a_long_whose_liquidation_price_would_be_above_entry_is_refused():
    # Bybit tier 2 at 50x: M = 20,000; MM at entry = 1e6 x 0.005 - 510 = 4,490.  Taking
    # 15,600 away leaves 4,400 <= 4,490: the formula's LP would lie above the entry.
    kw = dict(entry_price=50_000, leverage=50, notional=1e6)
    over = (1e6 - 20_000 + 15_600 - 510) / (20 * (1 - 0.005))
    assert over > 50_000  # what the formula alone would have answered
    with pytest.raises(lk.InvalidPositionError, match=r"margin 4,400 .*maintenance margin .*4,490"):
        lk.liquidation_price(bybit(), extra_margin=-15_600, **kw)
    with pytest.raises(lk.InvalidPositionError, match="short"):
        lk.liquidation_price(bybit(), extra_margin=-15_600, side="short", **kw)
    # at exactly the maintenance margin: past too ("at or below")
    with pytest.raises(lk.InvalidPositionError):
        lk.liquidation_price(bybit(), extra_margin=-(20_000 - 4_490), **kw)
    # a little above it: a price just under the entry
    lp = lk.liquidation_price(bybit(), extra_margin=-15_000, **kw)
    assert 49_000 < lp < 50_000


def test_an_array_with_one_position_past_maintenance_is_refused_naming_it():
    kw = dict(entry_price=50_000, notional=1e6, extra_margin=-15_600)
    with pytest.raises(lk.InvalidPositionError, match="at 50x"):
        lk.liquidation_price(bybit(), leverage=[10, 20, 50], **kw)
    # a leverage the ladder forbids stays NaN (it is refused for that reason, not this one)
    out = lk.liquidation_price(bybit(), leverage=[10, 200], **kw)
    assert np.isfinite(out.iloc[0]) and np.isnan(out.iloc[1])


def test_the_closing_fee_counts_where_the_venues_trigger_counts_it():
    # Gate (GATE_URL: fee next to the rate): liquidated at margin <= MM + closing fee.  A
    # long of 1e6 at 20x: M = 50,000 - 39,800 = 10,200; MM = 1e6 x 0.01 = 10,000; with a
    # 0.05 % taker fee the trigger is 10,500 at entry.
    t = ladder("gate", "BTC_USDT", [(3e6, 50, 0.01, 0)])
    kw = dict(entry_price=100.0, leverage=20, notional=1e6, extra_margin=-39_800)
    lp = lk.liquidation_price(t, **kw)  # no fee: 10,200 > 10,000, a price under the entry
    assert lp == pytest.approx((1e6 - 10_200) / (1e4 * (1 - 0.01)), rel=1e-12) and lp < 100
    with pytest.raises(lk.InvalidPositionError, match="plus the closing fee 10,500"):
        lk.liquidation_price(t, fee_rate=0.0005, **kw)


def test_a_contract_kind_without_a_formula_raises_and_borrows_none():
    # Gate publishes no coin-margined formula (docs/instruments.md §4.5)
    inverse = ladder("gate", "BTC_USD", BYBIT).assign(category="inverse")
    with pytest.raises(lk.InvalidPositionError, match="inverse contracts on gate"):
        lk.liquidation_price(inverse, entry_price=50_000, leverage=50, notional=1e6)
    linear = ladder("bybit", "BTCUSDT", BYBIT).assign(category="linear")
    assert lk.liquidation_price(linear, entry_price=50_000, leverage=50, notional=1e6) > 0
    # its maintenance margin is still known
    assert lk.margin(inverse, 1e6)["maintenance_margin"] == pytest.approx(4_490)


# -- plot -------------------------------------------------------------------------------


def test_plot_liquidation_draws_the_distance_on_valid_leverages_only():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = pd.concat([bybit(), ladder("binance", "BTCUSDT", BINANCE)], ignore_index=True)
    fig, ax = plt.subplots()
    try:
        assert lk.plot_liquidation(t, 50_000, 1e6, ax=ax) is ax
        assert [ln.get_label() for ln in ax.lines[:2]] == ["binance BTCUSDT", "bybit BTCUSDT"]
        for line, top in zip(ax.lines[:2], (75.0, 100.0), strict=True):
            x, y = line.get_xydata().T
            assert x[0] == 1.0 and x[-1] == top  # 1e6: binance bracket 3 (75x), bybit tier 2
            assert set(range(1, int(top) + 1)) <= set(x.tolist())
            one = t[t["exchange"] == line.get_label().split()[0]]
            lp = lk.liquidation_price(one, entry_price=50_000, leverage=x, notional=1e6)
            np.testing.assert_allclose(y, 100 * (50_000 - lp.to_numpy()) / 50_000, rtol=1e-12)
        # binance: the bracket at LP changes along the long curve (1e6 is bracket 3; an LP
        # below 30,000 puts Q*LP under 600,000): a marker there, none for bybit
        assert len(ax.collections) == 1
        x_mark = ax.collections[0].get_offsets()[:, 0]
        assert np.all(x_mark < 2.6) and len(x_mark) >= 1
    finally:
        plt.close(fig)


def test_plot_liquidation_of_a_position_no_ladder_holds_draws_empty_lines():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = pd.concat([bybit(), ladder("binance", "BTCUSDT", BINANCE)], ignore_index=True)
    fig, ax = plt.subplots()
    try:
        lk.plot_liquidation(t, 50_000, 5e7, ax=ax)  # above both top bands
        assert [len(line.get_xydata()) for line in ax.lines[:2]] == [0, 0]
    finally:
        plt.close(fig)


def test_importing_the_plot_module_does_not_shadow_the_function():
    import importlib

    importlib.import_module(lk._LAZY["plot_liquidation"])
    assert callable(lk.plot_liquidation) and callable(lk.liquidation_price)
    assert callable(lk.leverage_for)
