"""lk.compare across venues, and plot_risk_limits with many ladders."""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import levkit as lk  # noqa: E402
from levkit.comparison import lower_bound_mask, styled  # noqa: E402
from levkit.frames import tiers_frame  # noqa: E402


def venues():
    return tiers_frame(
        pd.DataFrame({"exchange": ["okx"] * 2 + ["gate"] * 2 + ["hyperliquid"] * 2 + ["bybit"] * 2
                     + ["binance"] * 3,
         "symbol": ["BTC-USDT-SWAP"] * 2 + ["BTC_USDT"] * 2 + ["BTC", "ETH"] + ["BTCUSDT"] * 2
                   + ["BTCUSDT", "BTCUSDC", "ETHUSDT"],
         "max_notional": [1e6, 5e6, 2e6, 8e6, np.inf, np.inf, 3e5, 2.6e6, 7e6, 1e6, 4e6],
         "max_leverage": [100, 20, 50, 10, 40, 25, 150, 90, 125, 50, 100],
         "complete": [True] * 6 + [False] * 2 + [True] * 3,
         "as_of": ["2022-02-11"] * 2 + ["2025-01-01"] * 9}),
        source="snapshot",
    )  # fmt: skip


def table():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", lk.LadderWarning)
        return lk.compare(venues(), leverages=(10, 20, 50))


def test_compare_is_wide_by_base_and_exchange():
    t = table()
    assert t.index.tolist() == ["BTC", "ETH"] and t.index.name == "base"
    assert t.columns.names == ["exchange", "leverage"]
    # registry order of venues, leverages then max_leverage and complete
    assert t.columns.get_level_values(0).unique().tolist() == [
        "bybit", "binance", "okx", "gate", "hyperliquid"
    ]  # fmt: skip
    assert t["okx"].columns.tolist() == [10, 20, 50, "max_leverage", "complete"]
    assert t.loc["BTC", ("okx", 20)] == 5e6
    assert t.loc["BTC", ("okx", 50)] == 1e6
    assert t.loc["BTC", ("gate", 50)] == 2e6 and t.loc["BTC", ("gate", 10)] == 8e6
    assert t.loc["BTC", ("hyperliquid", 20)] == np.inf  # open top tier
    assert np.isnan(t.loc["BTC", ("hyperliquid", 50)])  # above its 40x
    assert t.loc["ETH", ("hyperliquid", "max_leverage")] == 25.0
    assert np.isnan(t.loc["ETH", ("okx", 10)]) and t.loc["ETH", ("okx", "complete")] is pd.NA
    # binance: the USDT perpetual, not BTCUSDC
    assert t.attrs["symbols"][("BTC", "binance")] == "BTCUSDT"
    assert t.loc["BTC", ("binance", 10)] == 7e6


def test_compare_marks_lower_bounds_and_warns():
    with pytest.warns(lk.LadderWarning, match="bybit BTCUSDT"):
        t = lk.compare(venues(), leverages=(10, 20, 50, 100))
    assert sorted(t.attrs["lower_bound"]) == [("BTC", "bybit", 10), ("BTC", "bybit", 20),
                                              ("BTC", "bybit", 50)]  # fmt: skip
    assert not t.loc["BTC", ("bybit", "complete")] and t.loc["BTC", ("okx", "complete")]
    mask = lower_bound_mask(t)
    assert mask.shape == t.shape and int(mask.to_numpy().sum()) == 3
    assert not mask.loc["BTC", ("bybit", 100)]  # 100x is on the known part: a fact
    html = styled(t).to_html()
    assert ">= 2.6M" in html and "no cap" in html


@pytest.mark.filterwarnings("ignore::levkit.errors.LadderWarning")
def test_compare_a_leverage_exactly_at_a_tier():
    t = lk.compare(venues(), leverages=(1429 * 0.01 * 7,))  # 100.03: above okx's 100x
    assert np.isnan(t.loc["BTC", ("okx", t.attrs["leverages"][0])])
    t = lk.compare(venues(), leverages=(0.1 * 3 * 100 / 3,))  # 10.000000000000002
    assert t.loc["BTC", ("gate", t.attrs["leverages"][0])] == 8e6


def test_plot_many_ladders_colour_per_venue_style_per_base_legend_outside():
    fig, ax = plt.subplots()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", lk.LadderWarning)
        lk.plot_risk_limits(venues(), ax=ax, leverage=20)
    curves = {line.get_label().split(":")[0]: line for line in ax.lines[:8]}
    assert curves["binance BTCUSDT"].get_color() == curves["binance ETHUSDT"].get_color()
    assert curves["binance BTCUSDT"].get_color() != curves["okx BTC-USDT-SWAP"].get_color()
    assert curves["binance BTCUSDT"].get_linestyle() == "-"
    assert curves["binance ETHUSDT"].get_linestyle() not in ("-", "--")
    legend = ax.get_legend()
    anchor = legend.get_bbox_to_anchor().transformed(ax.transAxes.inverted())
    assert anchor.x0 > 1.0  # outside the axes, on the right
    texts = [t.get_text() for t in legend.get_texts()]
    assert "okx BTC-USDT-SWAP: 5M at 20x" in texts
    assert "bybit BTCUSDT: >= 2.6M at 20x (lower bound)" in texts
    assert "hyperliquid BTC: no cap at 20x" in texts
    assert texts.count("dashed: lower bound (incomplete ladder)") == 1
    # values in the legend, not piled on the curves; one "no cap" label for uncapped tiers
    assert [t.get_text() for t in ax.texts] == ["no cap \u2191 (uncapped top tier)"]
    dashed = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert [d.get_xydata().tolist() for d in dashed] == [[[1, 2.6e6], [90, 2.6e6]]]
    assert "as of 2022-02-11 to 2025-01-01" in ax.get_title()
    assert "okx 2022-02-11" in ax.get_title()
    plt.close(fig)


@pytest.mark.filterwarnings("ignore::levkit.errors.LadderWarning")
def test_plot_with_few_ladders_is_unchanged():
    fig, ax = plt.subplots()
    few = venues()
    few = few[few["exchange"].isin(["okx", "gate"])]
    lk.plot_risk_limits(few, ax=ax, leverage=20)
    assert [t.get_text() for t in ax.texts] == ["2M at 20x", "5M at 20x"]
    assert ax.get_title() == ""
    plt.close(fig)


def test_compare_reads_leverages_like_the_cli_and_refuses_what_is_not_positive():
    t = venues()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", lk.LadderWarning)
        text = lk.compare(t, leverages=("20x", "50X", 10))
        numbers = lk.compare(t, leverages=(20, 50, 10))
    pd.testing.assert_frame_equal(text, numbers)
    assert text.attrs["leverages"] == [20, 50, 10]
    for bad in [(0,), (-5,), ("0x",), ("lots",), (float("nan"),), ()]:
        with pytest.raises(ValueError, match="leverage"):
            lk.compare(t, leverages=bad)
