"""The model against hand calculations on BingX's and Bybit's real BTC ladders, every
return shape, the invalid-input edges, and a property test against a naive loop."""

from __future__ import annotations

import math
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import levkit as lk
from levkit.errors import InvalidLeverageError, LevkitError
from levkit.frames import tiers_frame
from levkit.model import (
    InvalidNotionalError,
    best_leverage,
    capacity,
    margin,
    max_leverage,
    max_position_value,
    tradeoff,
)
from levkit.numbers import leverage_at_most

from ._ladders import bingx_btc, bingx_eth_margin_bands, both, bybit_btc, synthetic_small

NAN = float("nan")


# --- max_position_value: hand calculations ------------------------------------------------


@pytest.mark.parametrize(
    ("leverage", "expected"),
    [(150, 300_000), (100.5, 300_000), (100, 2_000_000), (95, 2_000_000), (90, 2_600_000),
     (1, 2_600_000)],
)  # fmt: skip
def test_max_position_value_bybit_by_hand(leverage, expected):
    assert max_position_value(bybit_btc(), leverage) == expected


@pytest.mark.parametrize(
    ("leverage", "expected"),
    [(150, 300_000), (101, 300_000), (100, 800_000), (80, 800_000), (75, 3_000_000),
     (20, 100_000_000), (10, 230_000_000), (1.5, 1_200_000_000), (1, 1_800_000_000)],
)  # fmt: skip
def test_max_position_value_bingx_by_hand(leverage, expected):
    assert max_position_value(bingx_btc(), leverage) == expected


def test_max_position_value_one_symbol_scalar_is_python_float():
    out = max_position_value(bybit_btc(), np.int64(100))
    assert type(out) is float


@pytest.mark.parametrize("bad", [0.5, 0, -3, 151, 1e9, NAN, math.inf, -math.inf])
def test_max_position_value_scalar_invalid_leverage_raises(bad):
    with pytest.raises(InvalidLeverageError) as err:
        max_position_value(bybit_btc(), bad)
    assert isinstance(err.value, ValueError) and isinstance(err.value, LevkitError)


def test_max_position_value_above_max_names_symbol_and_max():
    with pytest.raises(ValueError, match=r"bybit BTCUSDT.*151x.*max leverage 150x"):
        max_position_value(bybit_btc(), 151)
    with pytest.raises(ValueError, match=r"bingx BTC-USDT: leverage 0.5x is below 1x"):
        max_position_value(bingx_btc(), 0.5)


def test_max_position_value_one_symbol_array_is_series_by_leverage_with_nan():
    out = max_position_value(bybit_btc(), [0.5, 1, 90, 100, 150, 151, NAN, math.inf])
    assert isinstance(out, pd.Series)
    assert out.index.name == "leverage" and out.name == "max_position_value"
    assert out.index.tolist()[1:6] == [1.0, 90.0, 100.0, 150.0, 151.0]
    expected = [NAN, 2.6e6, 2.6e6, 2e6, 3e5, NAN, NAN, NAN]
    np.testing.assert_array_equal(out.to_numpy(), expected)


def test_max_position_value_many_symbols_scalar_is_series_by_exchange_symbol():
    tiers = pd.concat([both(), synthetic_small()], ignore_index=True)
    out = max_position_value(tiers, 40)
    assert isinstance(out, pd.Series) and out.name == "max_position_value"
    assert out.index.names == ["exchange", "symbol"]
    assert out.to_dict() == {
        ("bingx", "BTC-USDT"): 12_000_000.0,
        ("bybit", "BTCUSDT"): 2_600_000.0,
        ("bybit", "TESTUSDT"): 200_000.0,
    }
    above = max_position_value(tiers, 60)
    assert math.isnan(above[("bybit", "TESTUSDT")]) and above[("bybit", "BTCUSDT")] == 2.6e6
    assert max_position_value(tiers, 0.5).isna().all()


def test_max_position_value_many_symbols_array_is_frame_leverage_by_symbol():
    tiers = pd.concat([both(), synthetic_small()], ignore_index=True)
    out = max_position_value(tiers, np.array([1, 20, 100, 200]))
    assert isinstance(out, pd.DataFrame)
    assert out.index.name == "leverage" and out.index.tolist() == [1.0, 20.0, 100.0, 200.0]
    assert out.columns.names == ["exchange", "symbol"]
    assert list(out.columns) == [("bingx", "BTC-USDT"), ("bybit", "BTCUSDT"), ("bybit", "TESTUSDT")]
    np.testing.assert_array_equal(out[("bingx", "BTC-USDT")], [1.8e9, 1e8, 8e5, NAN])
    np.testing.assert_array_equal(out[("bybit", "BTCUSDT")], [2.6e6, 2.6e6, 2e6, NAN])
    np.testing.assert_array_equal(out[("bybit", "TESTUSDT")], [5e6, 1e6, NAN, NAN])


def test_max_position_value_accepts_series_and_unsorted_raw_frames():
    raw = pd.DataFrame(
        {"exchange": ["bybit"] * 3, "symbol": ["BTCUSDT"] * 3,
         "max_notional": [2_600_000.0, 300_000.0, 2_000_000.0], "max_leverage": [90.0, 150.0, 100.0]}
    )  # fmt: skip
    out = max_position_value(raw, pd.Series([100, 150]))
    assert out.tolist() == [2_000_000.0, 300_000.0]
    assert tradeoff(raw, [100])["tier"].tolist() == [2]  # tier numbered from the sorted caps


@pytest.mark.parametrize("bad", ["abc", [[1, 2], [3, 4]], object()])
def test_max_position_value_rejects_non_numeric_or_2d_leverage(bad):
    with pytest.raises(InvalidLeverageError):
        max_position_value(bybit_btc(), bad)


# --- max_leverage -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("notional", "expected"),
    [(0, 150), (300_000, 150), (300_001, 100), (2_000_000, 100), (2_000_001, 90),
     (2_600_000, 90)],
)  # fmt: skip
def test_max_leverage_bybit_by_hand(notional, expected):
    assert max_leverage(bybit_btc(), notional) == expected


def test_max_leverage_above_top_band_is_nan_float():
    out = max_leverage(bingx_btc(), 1_800_000_001)
    assert type(out) is float and math.isnan(out)
    assert max_leverage(bingx_btc(), 1_800_000_000) == 1.0


@pytest.mark.parametrize("bad", [-1, NAN, math.inf])
def test_max_leverage_scalar_negative_or_not_finite_raises(bad):
    with pytest.raises(InvalidNotionalError) as err:
        max_leverage(bybit_btc(), bad)
    assert isinstance(err.value, ValueError) and isinstance(err.value, LevkitError)


def test_max_leverage_shapes():
    one = max_leverage(bingx_btc(), [-1, 0, 800_000, 800_001, 2e9])
    assert one.index.name == "notional" and one.name == "max_leverage"
    np.testing.assert_array_equal(one.to_numpy(), [NAN, 150, 100, 75, NAN])
    many = max_leverage(both(), 2_500_000)
    assert many.to_dict() == {("bingx", "BTC-USDT"): 75.0, ("bybit", "BTCUSDT"): 90.0}
    frame = max_leverage(both(), [1e6, 3e6])
    assert frame.index.name == "notional"
    assert frame.to_numpy().tolist()[0] == [75.0, 100.0]
    assert math.isnan(frame.loc[3e6, ("bybit", "BTCUSDT")])


# --- margin -------------------------------------------------------------------------------


def test_margin_bybit_one_million_by_hand():
    out = margin(bybit_btc(), 1_000_000, 50)
    assert isinstance(out, pd.Series) and out.name == ("bybit", "BTCUSDT")
    assert out.index.tolist() == [
        "notional", "leverage", "tier", "initial_margin", "maintenance_margin",
        "maintenance_margin_rate", "mm_deduction", "mm_deduction_derived",
    ]  # fmt: skip
    assert out["initial_margin"] == 20_000
    assert out["mm_deduction"] == 510 and out["mm_deduction_derived"] is False  # published
    assert out["maintenance_margin"] == pytest.approx(1_000_000 * 0.005 - 510)  # 4490
    assert out["tier"] == 2 and out["maintenance_margin_rate"] == 0.005


def test_margin_long_frame_for_arrays_by_hand():
    out = margin(bybit_btc(), [300_000, 1_000_000, 2_500_000], 50)
    assert list(out.columns) == [
        "exchange", "symbol", "notional", "leverage", "tier", "initial_margin",
        "maintenance_margin", "maintenance_margin_rate", "mm_deduction", "mm_deduction_derived",
    ]  # fmt: skip
    assert out["tier"].tolist() == [1, 2, 3]
    np.testing.assert_allclose(out["initial_margin"], [6_000, 20_000, 50_000])
    np.testing.assert_allclose(
        out["maintenance_margin"], [300_000 * 0.0033, 4_490, 2_500_000 * 0.0056 - 1_710]
    )


def test_margin_broadcasts_notional_and_leverage_pairwise():
    out = margin(bybit_btc(), [1_000_000, 2_000_000], [10, 20])
    assert out[["notional", "leverage"]].to_numpy().tolist() == [[1e6, 10], [2e6, 20]]
    np.testing.assert_allclose(out["initial_margin"], [100_000, 100_000])
    with pytest.raises(ValueError, match="broadcast"):
        margin(bybit_btc(), [1, 2, 3], [1, 2])


def test_margin_invalid_pairs_are_nan_in_arrays():
    out = margin(bybit_btc(), [1_000_000, 1_000_000, 3_000_000, -1], [120, 0.5, 10, 10])
    assert out["initial_margin"].isna().all()
    np.testing.assert_allclose(out["maintenance_margin"][:2], [4_490, 4_490])  # leverage-free
    assert out["maintenance_margin"][2:].isna().all()
    assert out["tier"].tolist()[2:] == [0, 0]  # no tier: int64 0, never a float NaN
    assert out["tier"].dtype == "int64"


def test_margin_scalar_errors_name_the_limit():
    with pytest.raises(InvalidLeverageError, match=r"120x is above 100x.*1,000,000.*tier 2"):
        margin(bybit_btc(), 1_000_000, 120)
    with pytest.raises(InvalidNotionalError, match="above the top band"):
        margin(bybit_btc(), 3_000_000, 10)
    with pytest.raises(InvalidNotionalError):
        margin(bybit_btc(), -5, 10)
    with pytest.raises(InvalidLeverageError):
        margin(bybit_btc(), 1_000, 0.5)


def test_margin_many_symbols_keeps_labels():
    out = margin(both(), 1_000_000, 20)
    assert out[["exchange", "symbol"]].to_numpy().tolist() == [
        ["bingx", "BTC-USDT"], ["bybit", "BTCUSDT"]
    ]  # fmt: skip
    np.testing.assert_allclose(out["initial_margin"], [50_000, 50_000])
    assert math.isnan(out["maintenance_margin"][0])  # BingX's table has no rates
    assert out["maintenance_margin"][1] == pytest.approx(4_490)


# --- tradeoff, capacity, best_leverage ------------------------------------------------------


def test_tradeoff_default_is_every_integer_leverage():
    out = tradeoff(both())
    assert list(out.columns) == [
        "exchange", "symbol", "leverage", "max_position_value", "tier", "initial_margin",
        "lower_bound",
    ]  # fmt: skip
    assert len(out) == 300 and out["tier"].dtype == "int64"
    bybit = out[out["symbol"] == "BTCUSDT"].set_index("leverage")
    assert bybit.index.tolist() == [float(x) for x in range(1, 151)]
    assert bybit.loc[100, "max_position_value"] == 2_000_000 and bybit.loc[100, "tier"] == 2
    assert bybit.loc[100, "initial_margin"] == 20_000
    assert bybit.loc[101, "tier"] == 1 and bybit.loc[90, "tier"] == 3
    assert out["exchange"].iloc[0] == "bingx"  # sorted by exchange, then symbol
    assert out.attrs["source"] == "api"


def test_tradeoff_default_adds_non_integer_tier_leverages():
    tiers = tiers_frame(
        {"exchange": ["bybit"] * 2, "symbol": ["ABCUSDT"] * 2, "max_notional": [1e5, 1e6],
         "max_leverage": [12.5, 5]},
        source="api",
    )  # fmt: skip
    out = tradeoff(tiers)
    assert out["leverage"].tolist() == [*range(1, 13), 12.5]
    assert out["max_position_value"].tolist() == [1e6] * 5 + [1e5] * 8


def test_tradeoff_explicit_leverages_keep_invalid_rows_as_nan():
    out = tradeoff(both(), [0.5, 100, 200])
    assert len(out) == 6
    assert out["max_position_value"].isna().tolist() == [True, False, True] * 2
    assert (out["tier"] == 0).tolist() == [True, False, True] * 2  # 0 = no tier (int64)
    assert out["initial_margin"].tolist()[1] == 8_000


def test_capacity_bingx_by_hand():
    out = capacity(bingx_btc(), 10_000, [1, 50, 80, 100, 101, 150])
    assert out["capacity"].tolist() == [10_000, 500_000, 800_000, 800_000, 300_000, 300_000]
    assert out["notional_at_balance"].tolist() == [10_000, 500_000, 800_000, 1e6, 1.01e6, 1.5e6]
    assert (out["balance"] == 10_000).all()
    assert {"max_position_value", "tier", "initial_margin"} <= set(out.columns)


def test_capacity_default_grid_and_invalid_leverage():
    out = capacity(both(), 10_000)
    assert len(out) == 300 and out.groupby("symbol")["capacity"].max().to_dict() == {
        "BTC-USDT": 800_000.0, "BTCUSDT": 1_000_000.0
    }  # fmt: skip
    assert capacity(bingx_btc(), 10_000, [200])["capacity"].isna().all()


def test_best_leverage_bingx_btc_at_10k_is_80():
    out = best_leverage(bingx_btc(), 10_000)
    assert out == 80.0 and type(out) is float
    assert lk.best_leverage(bingx_btc(), 10_000) == 80


@pytest.mark.parametrize(
    ("tiers", "balance", "step", "expected"),
    [(bingx_btc, 1_000, 1, 150), (bingx_btc, 1_000_000, 1, 25), (bingx_btc, 9_000, 1, 89),
     (bingx_btc, 9_000, 0.5, 89), (bingx_btc, 9_000, 0.1, 88.9), (bybit_btc, 10_000, 1, 100),
     (bybit_btc, 100_000, 1, 26), (bybit_btc, 1e9, 1, 1)],
)  # fmt: skip
def test_best_leverage_by_hand(tiers, balance, step, expected):
    assert best_leverage(tiers(), balance, step=step) == pytest.approx(expected)


def test_best_leverage_many_symbols_is_series():
    out = best_leverage(both(), 10_000)
    assert out.name == "best_leverage" and out.index.names == ["exchange", "symbol"]
    assert out.to_dict() == {("bingx", "BTC-USDT"): 80.0, ("bybit", "BTCUSDT"): 100.0}


@pytest.mark.parametrize("bad", [0, -1, NAN, math.inf, "lots"])
def test_capacity_and_best_leverage_reject_bad_balance(bad):
    with pytest.raises(ValueError, match="balance"):
        capacity(bybit_btc(), bad)
    with pytest.raises(ValueError, match="balance"):
        best_leverage(bybit_btc(), bad)


@pytest.mark.parametrize("bad", [0, -0.5, NAN])
def test_best_leverage_rejects_bad_step(bad):
    with pytest.raises(ValueError, match="step"):
        best_leverage(bybit_btc(), 10_000, step=bad)


# --- invalid ladders ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "fn", [lambda t: max_position_value(t, 10), lambda t: max_leverage(t, 1e6),
           tradeoff, lambda t: capacity(t, 1e4),
           lambda t: best_leverage(t, 1e4)],
)  # fmt: skip
def test_margin_band_ladder_without_leverage_is_refused_clearly(fn):
    with pytest.raises(LevkitError, match=r"no leverage.*bingx ETH-USDT.*margin bands"):
        fn(bingx_eth_margin_bands())
    mixed = pd.concat([bybit_btc(), bingx_eth_margin_bands()], ignore_index=True)
    with pytest.raises(ValueError, match="bingx ETH-USDT"):
        fn(mixed)


@pytest.mark.parametrize(
    ("tiers", "message"),
    [(None, "expected a tiers DataFrame"), ({"max_notional": [1]}, "expected a tiers DataFrame"),
     (pd.DataFrame({"symbol": ["X"], "max_notional": [1.0]}), "missing columns"),
     (bybit_btc().iloc[0:0], "empty")],
)  # fmt: skip
def test_not_a_tiers_frame_is_refused_clearly(tiers, message):
    with pytest.raises(LevkitError, match=message):
        max_position_value(tiers, 10)


def test_nan_cap_is_refused():
    raw = bybit_btc()
    raw.loc[1, "max_notional"] = NAN
    with pytest.raises(ValueError, match="max_notional"):
        tradeoff(raw)


# --- accessor and import weight -----------------------------------------------------------


def test_accessor_matches_functions():
    tiers = both()
    assert tiers.lev.max_position_value(20).equals(max_position_value(tiers, 20))
    assert bybit_btc().lev.max_position_value(100) == 2_000_000
    assert bybit_btc().lev.max_leverage(1_000_000) == 100
    assert bybit_btc().lev.margin(1_000_000, 50)["maintenance_margin"] == pytest.approx(4_490)
    pd.testing.assert_frame_equal(tiers.lev.tradeoff(), tradeoff(tiers))
    pd.testing.assert_frame_equal(tiers.lev.capacity(10_000, [80]), capacity(tiers, 10_000, [80]))
    assert bingx_btc().lev.best_leverage(10_000) == 80
    assert bingx_btc().lev.best_leverage(9_000, step=0.1) == pytest.approx(88.9)


def test_import_levkit_loads_neither_model_nor_matplotlib():
    code = (
        "import sys, levkit, pandas as pd; "
        "assert hasattr(pd.DataFrame, 'lev'); "
        "bad = [m for m in ('matplotlib', 'levkit.model', 'levkit.plots') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- property test: vectorised == naive loop ----------------------------------------------


def _naive(tiers: pd.DataFrame):
    """Per symbol: caps, leverages, rates and deductions in frame order (sorted by cap)."""
    return {
        key: (g["max_notional"].tolist(), g["max_leverage"].tolist(),
              g["maintenance_margin_rate"].tolist(), g["mm_deduction"].tolist())
        for key, g in tiers.groupby(["exchange", "symbol"], sort=True)
    }  # fmt: skip


def _naive_mpv(caps, levs, lev):
    if not (math.isfinite(lev) and lev >= 1):
        return NAN
    # the one tolerance: a leverage equal to a tier's up to float rounding is that tier's
    allowed = [c for c, m in zip(caps, levs, strict=True) if leverage_at_most(lev, m)]
    return max(allowed) if allowed else NAN


def _naive_band(caps, value):
    if not (math.isfinite(value) and value >= 0):
        return None
    return next((i for i, c in enumerate(caps) if c >= value), None)


ladder_levs = st.one_of(
    st.just(NAN), st.sampled_from([0.5, 12.5, 33.3]), st.integers(1, 60).map(float)
)
ladder = st.lists(  # caps strictly increase in every tiers frame (0.3): distinct caps
    st.tuples(st.integers(1, 40).map(lambda x: x * 50_000.0), ladder_levs),
    min_size=1,
    max_size=6,
    unique_by=lambda tier: tier[0],
)
queries = st.lists(
    st.one_of(st.floats(-5, 70), st.sampled_from([NAN, math.inf, 1.0, 12.5, 60.0])), max_size=12
)


def _frame(ladders):
    rows = [
        ("bybit" if i % 2 else "bingx", f"S{i}USDT", cap, lev)
        for i, tiers in enumerate(ladders)
        for cap, lev in tiers
    ]
    exchange, symbol, cap, lev = zip(*rows, strict=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return tiers_frame(
            {"exchange": exchange, "symbol": symbol, "max_notional": cap, "max_leverage": lev,
             "maintenance_margin_rate": [c / 1e9 for c in cap], "mm_deduction": [c / 1e3 for c in cap]},
            source="simulator", check=False,
        )  # fmt: skip


usable = ladder.filter(lambda t: any(lev >= 1 for _, lev in t))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(ladders=st.lists(usable, min_size=2, max_size=4), levs=queries, notionals=queries)
def test_vectorised_model_equals_naive_loop(ladders, levs, notionals):
    tiers = _frame(ladders)
    naive = _naive(tiers)
    notionals = [v * 40_000 for v in notionals]
    mpv = max_position_value(tiers, levs)
    shuffled = tiers.iloc[::-1].astype({"exchange": object, "symbol": object})
    pd.testing.assert_frame_equal(max_position_value(shuffled, levs), mpv)
    mlev = max_leverage(tiers, notionals)
    marg = margin(tiers, notionals, 10.0)
    for j, (key, (caps, mls, rates, deds)) in enumerate(naive.items()):
        expected = [_naive_mpv(caps, mls, x) for x in levs]
        np.testing.assert_array_equal(mpv[key].to_numpy(), expected)
        bands = [_naive_band(caps, v) for v in notionals]
        np.testing.assert_array_equal(
            mlev[key].to_numpy(), [NAN if b is None else mls[b] for b in bands]
        )
        rows = marg.iloc[j * len(notionals) : (j + 1) * len(notionals)]
        expected_mm = [
            NAN if b is None else v * rates[b] - deds[b]
            for v, b in zip(notionals, bands, strict=True)
        ]
        np.testing.assert_allclose(rows["maintenance_margin"].to_numpy(), expected_mm)
        ok = [b is not None and mls[b] >= 10 for b in bands]
        expected_im = [v / 10 if k else NAN for v, k in zip(notionals, ok, strict=True)]
        np.testing.assert_allclose(rows["initial_margin"].to_numpy(), expected_im)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(
    ladders=st.lists(usable, min_size=1, max_size=3),
    balance=st.floats(1_000, 500_000),
    step=st.sampled_from([1.0, 0.5, 0.1]),
)
def test_best_leverage_and_tradeoff_equal_naive_grid(ladders, balance, step):
    tiers = _frame(ladders)
    best = best_leverage(tiers, balance, step=step)
    best = pd.Series([best], index=pd.MultiIndex.from_tuples(_naive(tiers))) if isinstance(
        best, float) else best  # fmt: skip
    trade = tradeoff(tiers)
    for key, (caps, mls, _, _) in _naive(tiers).items():
        top = max(m for m in mls if m == m)
        grid = []
        k = 0
        while (lev := round(1 + k * step, 10)) <= top:
            grid.append(lev)
            k += 1
        caps_at = [min(balance * lev, _naive_mpv(caps, mls, lev)) for lev in grid]
        assert best[key] == grid[caps_at.index(max(caps_at))]
        levs = sorted({*map(float, range(1, int(top) + 1)),
                       *(m for m in mls if m == m and m >= 1 and m != int(m))})  # fmt: skip
        mine = trade[(trade["exchange"] == key[0]) & (trade["symbol"] == key[1])]
        assert mine["leverage"].tolist() == levs
        assert mine["max_position_value"].tolist() == [_naive_mpv(caps, mls, x) for x in levs]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.floats(0, 5e7), st.sampled_from([math.nan, math.inf, -1.0])),
                min_size=1, max_size=8))  # fmt: skip
def test_band_row_scan_and_keyed_search_find_the_same_tier(values):
    # band_row counts the caps below a value when few rows are queried, else searches keys
    from levkit.model._ladder import prepare

    lad = prepare(pd.concat([both(), synthetic_small()], ignore_index=True))
    caps = lad.cap[lad.start]  # each group's first cap: a value exactly at a cap
    for vals in (np.array(values), caps, lad.cap):
        g = np.repeat(np.arange(lad.n), len(vals))
        x = np.tile(vals, lad.n)
        sizes = (lad.stop - lad.start)[g]
        scan = lad._band_row_scan(g, x, sizes)
        keyed = lad._band_row_keyed(g, x)
        np.testing.assert_array_equal(scan[~np.isnan(x)], keyed[~np.isnan(x)])  # NaN: masked
        ok = np.isfinite(x) & (x >= 0) & (keyed < lad.stop[g])
        np.testing.assert_array_equal(
            lad.band_rows(vals), np.where(ok, keyed, -1).reshape(lad.n, len(vals))
        )
    assert (lad.band_rows(caps).diagonal() == lad.start).all()  # at the cap: that tier
