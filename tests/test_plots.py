"""The plots draw the model's numbers: read back from ``ax.lines[i].get_xydata()``."""

from __future__ import annotations

import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from levkit.frames import tiers_frame  # noqa: E402
from levkit.model import max_position_value  # noqa: E402
from levkit.numbers import format_notional  # noqa: E402
from levkit.plots import plot_capacity, plot_risk_limits  # noqa: E402

from ._ladders import BINGX_BTC, bingx_btc, both, bybit_btc  # noqa: E402


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _tick_labels(axis) -> list[str]:
    axis.figure.canvas.draw()
    return [t.get_text() for t in axis.get_ticklabels() if t.get_text()]


# --- plot_risk_limits ---------------------------------------------------------------------


def test_risk_limits_bybit_step_curve_points(ax):
    out = plot_risk_limits(bybit_btc(), ax=ax)
    assert out is ax and len(ax.lines) == 1
    line = ax.lines[0]
    assert line.get_xydata().tolist() == [
        [1.0, 2_600_000.0], [90.0, 2_600_000.0], [100.0, 2_000_000.0], [150.0, 300_000.0]
    ]  # fmt: skip
    assert line.get_drawstyle() == "steps-pre"  # value at x[i] holds on (x[i-1], x[i]]
    assert line.get_label() == "bybit BTCUSDT"


def test_risk_limits_one_curve_per_symbol_with_legend(ax):
    plot_risk_limits(both(), ax=ax)
    assert [line.get_label() for line in ax.lines] == ["bingx BTC-USDT", "bybit BTCUSDT"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "bingx BTC-USDT", "bybit BTCUSDT"
    ]  # fmt: skip
    bingx = ax.lines[0].get_xydata()
    assert bingx[:, 0].tolist() == sorted(float(lev) for lev, _ in BINGX_BTC)
    # the curve's height at each corner is the model's answer there
    np.testing.assert_array_equal(bingx[:, 1], max_position_value(bingx_btc(), bingx[:, 0]))
    assert bingx[:, 1].tolist()[:3] == [1.8e9, 1.2e9, 8e8]


def test_risk_limits_log_scale_and_readable_ticks(ax):
    plot_risk_limits(bingx_btc(), ax=ax)
    assert ax.get_yscale() == "log"
    labels = _tick_labels(ax.yaxis)
    assert {"1M", "10M", "100M", "1B"} <= set(labels)
    assert ax.get_ylabel() == "max position value (USDT)"
    assert ax.get_xlabel() == "leverage"


def test_risk_limits_leverage_marks_a_point_on_each_curve(ax):
    plot_risk_limits(both(), ax=ax, leverage=20)
    assert len(ax.lines) == 4
    assert ax.lines[2].get_xydata().tolist() == [[20.0, 100_000_000.0]]
    assert ax.lines[3].get_xydata().tolist() == [[20.0, 2_600_000.0]]
    assert ax.lines[2].get_color() == ax.lines[0].get_color()
    assert "100M at 20x" in [t.get_text() for t in ax.texts]


def test_risk_limits_mark_above_max_is_nan_and_unlabelled(ax):
    tiers = tiers_frame(
        {"exchange": ["bybit"] * 2, "symbol": ["ABCUSDT"] * 2, "max_notional": [1e5, 1e6],
         "max_leverage": [25, 10]},
        source="api",
    )  # fmt: skip
    plot_risk_limits(tiers, ax=ax, leverage=50)
    assert np.isnan(ax.lines[1].get_xydata()[0, 1])
    assert len(ax.texts) == 0


def test_risk_limits_kwargs_go_to_the_step_lines(ax):
    plot_risk_limits(both(), ax=ax, linewidth=3.5, alpha=0.5)
    assert [line.get_linewidth() for line in ax.lines] == [3.5, 3.5]
    assert ax.lines[0].get_alpha() == 0.5


def test_risk_limits_without_ax_draws_on_current_axes():
    fig, ax = plt.subplots()
    assert plot_risk_limits(bybit_btc()) is ax
    plt.close(fig)


@pytest.mark.parametrize(
    ("symbol", "exchange", "unit", "expected"),
    [("BTCUSD", "bybit", None, "max position value (BTC)"),
     ("BTCUSDC", "bybit", None, "max position value (USDC)"),
     ("BTCUSDT", "bybit", "USD", "max position value (USD)")],
)  # fmt: skip
def test_risk_limits_unit_from_symbol_or_argument(ax, symbol, exchange, unit, expected):
    tiers = tiers_frame(
        {"exchange": [exchange], "symbol": [symbol], "max_notional": [1e6], "max_leverage": [10]},
        source="api",
    )
    plot_risk_limits(tiers, ax=ax, unit=unit)
    assert ax.get_ylabel() == expected


def test_accessor_plot_is_plot_risk_limits(ax):
    assert both().lev.plot(ax=ax, leverage=100) is ax
    assert ax.lines[2].get_xydata().tolist() == [[100.0, 800_000.0]]


# --- plot_capacity ------------------------------------------------------------------------


def test_capacity_plot_bingx_10k_lines(ax):
    out = plot_capacity(bingx_btc(), 10_000, ax=ax)
    assert out is ax and len(ax.lines) == 4
    balance, cap, capacity, best = (line.get_xydata() for line in ax.lines)
    np.testing.assert_allclose(balance[:, 1], 10_000 * balance[:, 0])
    assert balance[0].tolist() == [1.0, 10_000.0] and balance[-1].tolist() == [150.0, 1_500_000.0]
    assert cap.tolist() == [[float(lev), float(c)] for lev, c in sorted(BINGX_BTC)]
    assert best.tolist() == [[80.0, 800_000.0]]
    assert "best leverage 80x" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert "80x: 800k USDT" in [t.get_text() for t in ax.texts]
    assert "bingx BTC-USDT" in ax.get_title()


def test_capacity_plot_curve_is_min_of_balance_line_and_cap(ax):
    plot_capacity(bingx_btc(), 10_000, ax=ax)
    pts = ax.lines[2].get_xydata()
    x, y = pts[:, 0], pts[:, 1]
    assert np.all(np.diff(x) >= 0)
    # the corners: where 10k x L meets the 800k cap, and the drop at 100x
    for corner in ([80.0, 800_000.0], [100.0, 800_000.0], [100.0, 300_000.0], [150.0, 300_000.0]):
        assert corner in pts.tolist()
    assert y.max() == 800_000.0
    # off the tier leverages every point is exactly min(balance x L, cap(L))
    off = ~np.isin(x, [lev for lev, _ in BINGX_BTC])
    expected = np.minimum(10_000 * x[off], max_position_value(bingx_btc(), x[off]).to_numpy())
    np.testing.assert_allclose(y[off], expected)


def test_capacity_plot_kwargs_and_step(ax):
    plot_capacity(bingx_btc(), 9_000, ax=ax, step=0.1, linewidth=4)
    assert ax.lines[2].get_linewidth() == 4
    np.testing.assert_allclose(ax.lines[3].get_xydata(), [[88.9, 800_000.0]])


def test_capacity_plot_many_symbols_asks_to_pick_one(ax):
    with pytest.raises(ValueError, match=r"one symbol.*bingx BTC-USDT, bybit BTCUSDT.*select one"):
        plot_capacity(both(), 10_000, ax=ax)
    assert len(ax.lines) == 0


def test_accessor_plot_capacity(ax):
    assert bybit_btc().lev.plot_capacity(10_000, ax=ax) is ax
    assert ax.lines[3].get_xydata().tolist() == [[100.0, 1_000_000.0]]


# --- helpers and import weight ------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [(300_000, None, "300k"), (12e6, None, "12M"), (1.2e9, None, "1.2B"),
     (2.6e6, "USDT", "2.6M USDT"), (999_999, None, "1M"), (750, None, "750"),
     (1_234_567, None, "1.23M"), (float("nan"), None, "nan")],
)  # fmt: skip
def test_format_notional(value, unit, text):
    assert format_notional(value, unit) == text


def test_importing_levkit_plot_does_not_import_matplotlib():
    code = "import sys, levkit.plots; assert 'matplotlib' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_two_venues_with_one_ladder_both_show_and_the_legend_says_so():
    """BingX's website ladders equal Binance's: the later line must not hide the earlier."""
    one = {"max_notional": [3e5, 2e6], "max_leverage": [150.0, 100.0]}
    t = tiers_frame(
        {"exchange": ["binance"] * 2 + ["bingx"] * 2, "symbol": ["BTCUSDT"] * 2 + ["BTC-USDT"] * 2,
         **{k: v * 2 for k, v in one.items()}},
        source="api",
    )  # fmt: skip
    fig, ax = plt.subplots()
    plot_risk_limits(t, ax=ax)
    first, second = ax.lines[0], ax.lines[1]
    assert first.get_linewidth() > second.get_linewidth()  # the earlier, wider, beneath
    assert first.get_zorder() < second.get_zorder()
    assert second.get_label() == "bingx BTC-USDT (same ladder as binance BTCUSDT)"
    plt.close(fig)
