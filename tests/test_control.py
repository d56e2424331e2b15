"""The leverage control, driven with no kernel and no browser, against the simulator."""

from __future__ import annotations

import contextlib
import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import requests

import levkit as lk
from levkit.control import LeverageControl
from levkit.frames import tiers_frame
from levkit.sim import DEMO_KEY, DEMO_SECRET, Simulator
from levkit.sim.testing import FakeClock

ROOT = Path(__file__).resolve().parents[1]
SET = "/v5/position/set-leverage"
BINGX_SET = "/openApi/swap/v2/trade/leverage"
TIERS = tiers_frame(
    {
        "exchange": ["bybit"] * 3 + ["bingx"] * 4,
        "symbol": ["BTCUSDT"] * 3 + ["BTC-USDT"] * 4,
        "max_notional": [3e5, 2e6, 2.6e6, 3e5, 8e5, 3e6, 1.2e7],
        "max_leverage": [150, 100, 90, 125, 100, 75, 50],
        "maintenance_margin_rate": [0.0033, 0.005, 0.0056, 0.004, 0.005, 0.01, 0.02],
        "mm_deduction": [0, 510, 1710, 0, 300, 5300, 35300],
    },
    source="api",
)
BYBIT_TIERS = TIERS[TIERS["exchange"] == "bybit"].reset_index(drop=True)
BINGX_TIERS = TIERS[TIERS["exchange"] == "bingx"].reset_index(drop=True)


class Monotonic:
    """The control's confirmation clock, moved by hand."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def sim(clock):
    return Simulator(TIERS, clock=clock, sleep=clock.sleep)


def bybit(sim, clock, **kw):
    kw.setdefault("testnet", True)
    return lk.Bybit(
        DEMO_KEY, DEMO_SECRET, session=sim.session(), clock=clock, sleep=clock.sleep, **kw
    )


def bingx(sim, clock, **kw):
    kw.setdefault("testnet", True)
    return lk.BingX(
        DEMO_KEY, DEMO_SECRET, session=sim.session(), clock=clock, sleep=clock.sleep, **kw
    )


@pytest.fixture
def control(sim, clock):
    return LeverageControl(bybit(sim, clock), "BTCUSDT")


def posts(sim, path=SET):
    return sim.count(path, method="POST")


class Exploding:
    """A client whose set_leverage raises an arbitrary exception (not a levkit one)."""

    def __init__(self, inner, exc):
        self._inner, self._exc = inner, exc

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def set_leverage(self, *args, **kwargs):
        raise self._exc


# -- start ---------------------------------------------------------------------------------
def test_start_reads_ladder_bounds_and_leverage_in_force(control):
    assert control.ready and control.sides == ("both",)
    assert control.in_force == {"both": 10.0} and control.leverage == 10.0
    assert (control.min_leverage, control.max_leverage, control.step) == (1.0, 150.0, 0.01)
    assert control.position_mode == "one-way"
    assert control.status == "ready: 10x in force"
    pd.testing.assert_series_equal(
        control.tiers["max_notional"], BYBIT_TIERS["max_notional"], check_names=False
    )


def test_symbol_is_normalised_to_the_exchange_form(sim, clock):
    assert LeverageControl(bybit(sim, clock), "btc/usdt:usdt").symbol == "BTCUSDT"


# -- readouts ------------------------------------------------------------------------------
@pytest.mark.parametrize("lev", [1, 10, 20.5, 89.99, 90, 90.01, 100, 100.01, 149.99, 150])
def test_readouts_equal_the_model(control, lev):
    control.leverage = lev
    expected = lk.max_position_value(BYBIT_TIERS, lev)
    assert control.max_position_value == expected
    assert control.initial_margin == pytest.approx(expected / lev)
    assert control.status == f"selected {lev:g}x; 10x in force"


def test_moving_the_slider_sends_no_request(control, sim):
    before = len(sim.calls)
    for lev in range(1, 151):
        control.leverage = lev
        _ = control.max_position_value, control.initial_margin, control.can_apply
    assert len(sim.calls) == before


def test_balance_adds_capacity_and_best_leverage(sim, clock):
    control = LeverageControl(bybit(sim, clock), "BTCUSDT", balance=10_000)
    assert control.best_leverage == lk.best_leverage(BYBIT_TIERS, 10_000, step=0.01)
    for lev in (5, 100, 120):
        control.leverage = lev
        cap = lk.max_position_value(BYBIT_TIERS, lev)
        assert control.capacity == min(10_000 * lev, cap)
    control.set_balance(50_000)
    assert control.best_leverage == lk.best_leverage(BYBIT_TIERS, 50_000, step=0.01)


def test_capacity_is_nan_without_balance(control):
    control.leverage = 20
    assert math.isnan(control.capacity) and math.isnan(control.best_leverage)


def test_readouts_frame_has_one_row_per_slider(control):
    control.leverage = 95
    row = control.readouts().iloc[0]
    assert (row["side"], row["leverage"], row["in_force"], bool(row["valid"])) == (
        "both", 95.0, 10.0, True,
    )  # fmt: skip
    assert row["max_position_value"] == 2e6


# -- Apply enabled or not --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "why"),
    [
        (0.5, "below the minimum 1x"),
        (151, "above the maximum 150x"),
        (25.555, "off the leverage step: whole multiples of 0.01x only (25.55x or 25.56x)"),
        (float("nan"), "not a finite number"),
    ],
)
def test_apply_is_disabled_while_the_value_is_invalid(control, sim, value, why):
    control.leverage = value
    assert not control.can_apply and not control.can_preview
    assert control.status.startswith("invalid:") and why in control.status
    assert math.isnan(control.max_position_value)
    assert control.apply() is None and control.preview() is None
    assert posts(sim) == 0


def test_a_non_number_is_refused_on_the_status_line(control):
    control.leverage = "twenty"
    assert control.status.startswith("error: leverage must be a number")
    assert control.leverage == 10.0


def test_apply_is_disabled_when_the_value_equals_the_leverage_in_force(control, sim):
    control.leverage = 20
    assert control.can_apply
    control.leverage = 10
    assert not control.can_apply
    assert control.apply_blocker() == "nothing to apply: 10x is already in force"
    assert control.apply() is None and posts(sim) == 0


# -- Preview -----------------------------------------------------------------------------
def test_preview_shows_the_request_without_the_secret_and_sends_nothing(control, sim):
    control.leverage = 25.5
    preview = control.preview()
    assert posts(sim) == 0
    assert preview.method == "POST" and preview.url.endswith(SET)
    assert '"buyLeverage":"25.5"' in preview.body and '"sellLeverage":"25.5"' in preview.body
    assert DEMO_SECRET not in repr(preview) and DEMO_SECRET not in str(preview.to_dict())
    assert control.last_preview is preview
    assert control.status.startswith("preview: the request below would be sent by Apply")


def test_preview_of_the_value_in_force_is_allowed(control, sim):
    assert control.preview().params["buyLeverage"] == "10"
    assert posts(sim) == 0


# -- Apply ----------------------------------------------------------------------------------
def test_apply_changes_the_simulator_account(control, sim):
    control.leverage = 25.5
    frame = control.apply()
    assert sim.leverage("bybit", "BTCUSDT", "both") == 25.5
    assert frame["changed"].tolist() == [True]
    assert frame["previous_leverage"].tolist() == [10.0]
    assert control.status == "changed: BTCUSDT 10x → 25.5x"
    assert control.in_force == {"both": 25.5}
    assert not control.can_apply and not control.busy


def test_apply_refreshes_the_leverage_in_force_from_the_exchange(control, sim):
    control.leverage = 30
    reads = sim.count("/v5/position/list")
    control.apply()
    assert sim.count("/v5/position/list") > reads + 1  # set_leverage reads one, then refresh


def test_apply_reports_not_modified_when_the_exchange_already_holds_it(control, sim):
    sim.set_leverage("bybit", "BTCUSDT", 30)  # changed elsewhere; the control still shows 10x
    control.leverage = 30
    frame = control.apply()
    assert frame["changed"].tolist() == [False]
    assert control.status == "not modified: BTCUSDT already at 30x on the exchange"
    assert control.in_force == {"both": 30.0}


# -- errors ---------------------------------------------------------------------------------
def test_an_exchange_error_lands_in_the_status_and_the_control_stays_usable(control, sim):
    sim.inject("status", path=SET, status=502, times=None)
    control.leverage = 20
    assert control.apply() is None
    assert control.status.startswith("error: Apply failed:") and "502" in control.status
    assert control.status_kind == "error" and not control.busy and control.can_apply
    assert sim.leverage("bybit", "BTCUSDT") == 10.0
    sim.faults.clear()
    assert control.apply()["changed"].tolist() == [True]
    assert sim.leverage("bybit", "BTCUSDT") == 20.0


def test_a_dropped_connection_lands_in_the_status(control, sim):
    sim.inject("drop", path=SET, times=None)
    control.leverage = 20
    assert control.apply() is None
    assert control.status.startswith("error: Apply failed:") and not control.busy


def test_a_rejected_leverage_lands_in_the_status(control, sim):
    sim.open_position("bybit", "BTCUSDT", "long", 2_500_000)  # opened after the control read
    control.leverage = 120
    assert control.apply() is None
    assert "110013" in control.status
    # Apply re-read the position: 120x is now refused before anything is sent
    assert not control.can_apply
    assert control.validity()["reason"][0].startswith("your 2,500,000 USDT position needs <= 90x")


@pytest.mark.parametrize("exc", [RuntimeError("boom"), KeyError("oops"), ZeroDivisionError("nope")])
def test_any_exception_lands_in_the_status(sim, clock, exc):
    client = Exploding(bybit(sim, clock), exc)
    control = LeverageControl(client, "BTCUSDT")
    control.leverage = 20
    assert control.apply() is None and control.preview() is None
    assert type(exc).__name__ in control.status and not control.busy and control.can_apply


def test_the_status_never_holds_the_secret(sim, clock):
    client = Exploding(bybit(sim, clock), RuntimeError(f"leaked {DEMO_SECRET}"))
    control = LeverageControl(client, "BTCUSDT")
    control.leverage = 20
    control.apply()
    assert DEMO_SECRET not in control.status and "<secret>" in control.status


def test_a_failed_start_lands_in_the_status_and_refresh_recovers(sim, clock):
    sim.inject("status", path="/v5/position/list", status=503, times=None)
    control = LeverageControl(bybit(sim, clock, max_retries=0), "BTCUSDT")
    assert not control.ready and not control.busy
    assert control.status.startswith("error: reading the exchange failed")
    assert not control.can_apply and control.preview() is None
    control.leverage = 20
    assert control.status.startswith("not ready")
    sim.faults.clear()
    assert control.load() and control.ready and control.in_force == {"both": 10.0}


def test_a_failed_refresh_after_apply_keeps_the_result(control, sim):
    control.leverage = 20
    sim.inject("status", path="/v5/position/list", status=503, on_call=3, times=None)
    frame = control.apply()
    assert frame is not None and sim.leverage("bybit", "BTCUSDT") == 20.0
    assert control.in_force == {"both": 20.0}  # taken from the set_leverage answer


# -- mainnet double click -------------------------------------------------------------------
@pytest.fixture
def mainnet(sim, clock):
    when = Monotonic()
    # The mainnet host over a plain session that the simulator answers without saying so:
    # a client cannot tell it from the real exchange (a sim.session() would say simulator).
    session = requests.Session()
    session.mount("https://", sim.adapter())
    client = lk.Bybit(DEMO_KEY, DEMO_SECRET, session=session, clock=clock, sleep=clock.sleep)
    assert client.is_live_mainnet
    return LeverageControl(client, "BTCUSDT", clock=when), when


def test_mainnet_apply_needs_a_second_confirming_click(mainnet, sim):
    control, _ = mainnet
    control.leverage = 20
    assert control.confirm_required
    assert control.apply() is None
    assert control.armed and "LIVE mainnet" in control.status and "again" in control.status
    assert posts(sim) == 0 and sim.leverage("bybit", "BTCUSDT") == 10.0
    assert control.apply()["changed"].tolist() == [True]
    assert sim.leverage("bybit", "BTCUSDT") == 20.0 and not control.armed


def test_mainnet_confirmation_expires(mainnet, sim):
    control, when = mainnet
    control.leverage = 20
    control.apply()
    when.t += control.confirm_seconds + 1
    assert not control.armed
    assert control.apply() is None and posts(sim) == 0  # armed again, nothing sent
    assert control.armed


def test_moving_the_slider_disarms_the_confirmation(mainnet, sim):
    control, _ = mainnet
    control.leverage = 20
    control.apply()
    control.leverage = 21
    assert not control.armed
    assert control.apply() is None and posts(sim) == 0


def test_testnet_and_loopback_need_no_confirmation(sim, clock):
    assert not LeverageControl(bybit(sim, clock), "BTCUSDT").confirm_required
    with sim.serve() as url:
        client = lk.Bybit(DEMO_KEY, DEMO_SECRET, base_url=url, clock=clock, sleep=clock.sleep)
        control = LeverageControl(client, "BTCUSDT")
        control.leverage = 33
        assert not control.confirm_required
        assert control.apply()["changed"].tolist() == [True]
    assert sim.leverage("bybit", "BTCUSDT") == 33.0


# -- hedge mode and BingX -------------------------------------------------------------------
def test_bingx_one_way_is_one_integer_slider_on_the_given_ladder(sim, clock):
    control = LeverageControl(bingx(sim, clock), "BTCUSDT", tiers=TIERS)
    assert control.symbol == "BTC-USDT" and control.sides == ("both",)
    assert (control.step, control.max_leverage) == (1.0, 125.0)
    control.leverage = 60
    assert control.max_position_value == lk.max_position_value(BINGX_TIERS, 60)
    control.leverage = 60.5
    assert "whole number" in control.status
    control.leverage = 60
    control.apply()
    assert sim.leverage("bingx", "BTC-USDT", "both") == 60.0
    assert control.status == "changed: BTC-USDT 10x → 60x"


def test_bingx_ladder_defaults_to_the_snapshot(clock):
    sim = Simulator(clock=clock, sleep=clock.sleep)  # serves the shipped snapshot
    control = LeverageControl(bingx(sim, clock), "BTC-USDT")
    assert control.ready and control.tiers.attrs["source"] == "snapshot"
    control.leverage = 20
    assert control.max_position_value == lk.max_position_value(
        lk.load_snapshot("bingx", "BTC-USDT"), 20
    )


def test_hedge_mode_has_one_slider_per_side(sim, clock):
    sim.set_position_mode("bingx", True)
    control = LeverageControl(bingx(sim, clock), "BTC-USDT", tiers=TIERS)
    assert control.position_mode == "hedge" and control.sides == ("long", "short")
    control.leverage = {"long": 20}
    assert control.leverage == {"long": 20.0, "short": 10.0}
    assert control.max_position_value == {
        "long": lk.max_position_value(BINGX_TIERS, 20),
        "short": lk.max_position_value(BINGX_TIERS, 10),
    }
    assert control.plan() == [("long", 20.0)]
    before = posts(sim, BINGX_SET)
    control.apply()
    assert posts(sim, BINGX_SET) == before + 1
    assert sim.leverage("bingx", "BTC-USDT", "long") == 20.0
    assert sim.leverage("bingx", "BTC-USDT", "short") == 10.0
    assert control.in_force == {"long": 20.0, "short": 10.0}
    assert control.status == "changed: BTC-USDT long 10x → 20x"


def test_hedge_mode_equal_sides_are_set_together(sim, clock):
    sim.set_position_mode("bybit", True)
    control = LeverageControl(bybit(sim, clock), "BTCUSDT")
    assert control.sides == ("long", "short")
    control.leverage = 40
    assert control.plan() == [("both", 40.0)]
    control.apply()
    assert posts(sim) == 1
    assert sim.leverage("bybit", "BTCUSDT", "long") == sim.leverage("bybit", "BTCUSDT", "short")
    assert sim.leverage("bybit", "BTCUSDT", "long") == 40.0


def test_hedge_mode_side_long_is_one_slider(sim, clock):
    sim.set_position_mode("bingx", True)
    control = LeverageControl(bingx(sim, clock), "BTC-USDT", side="long", tiers=TIERS)
    assert control.sides == ("long",) and control.leverage == 10.0


def test_one_way_mode_refuses_a_single_side(sim, clock):
    control = LeverageControl(bingx(sim, clock), "BTC-USDT", side="short", tiers=TIERS)
    assert not control.ready and "one-way mode" in control.status


def test_a_changed_position_mode_rebuilds_the_sliders_on_refresh(sim, clock):
    control = LeverageControl(bingx(sim, clock), "BTC-USDT", tiers=TIERS)
    sim.set_position_mode("bingx", True)
    assert control.refresh() and control.sides == ("long", "short")


# -- the ipywidgets view ----------------------------------------------------------------
def test_view_builds_with_the_css_classes(sim, clock):
    control = LeverageControl(bybit(sim, clock), "BTCUSDT", balance=10_000)
    view = control.view
    classes = set()

    def walk(widget):
        classes.update(getattr(widget, "_dom_classes", ()))
        for child in getattr(widget, "children", ()):
            walk(child)

    walk(control.widget)
    for name in (
        "levkit-control", "levkit-title", "levkit-slider", "levkit-in-force",
        "levkit-max-position", "levkit-initial-margin", "levkit-capacity",
        "levkit-best-leverage", "levkit-balance", "levkit-preview", "levkit-apply",
        "levkit-refresh", "levkit-status", "levkit-request", "levkit-curve",
    ):  # fmt: skip
        assert name in classes, name
    assert type(view.sliders["both"]).__name__ == "FloatSlider"
    bundle = control._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_moving_the_slider_widget_updates_the_readout_widgets(sim, clock):
    control = LeverageControl(bybit(sim, clock), "BTCUSDT")
    view = control.view
    for lev in (95.0, 20.0):
        view.sliders["both"].value = lev
        assert control.leverage == lev
        with pytest.warns(lk.LadderWarning) if lev < 90 else contextlib.nullcontext():
            cap = lk.max_position_value(BYBIT_TIERS.assign(complete=False), lev)
        text = f"{cap:,.0f} USDT"
        if lev < 90:  # the simulated ladder stops at 90x, as the snapshot's does: a lower bound
            text = f"at least {text} <small>(lower bound)</small>"
        assert view.values[("max-position", "both")].value == text
        assert "selected" in view.status.value
    assert view.values[("in-force", "both")].value == "10x"
    assert not view.apply_button.disabled


def test_state_changes_from_code_move_the_slider(control):
    view = control.view
    control.leverage = 42
    assert view.sliders["both"].value == 42.0


def test_buttons_preview_and_apply(sim, clock):
    control = LeverageControl(bybit(sim, clock), "BTCUSDT")
    view = control.view
    view.sliders["both"].value = 12.5
    view.preview_button.click()
    assert "set-leverage" in view.request.value and DEMO_SECRET not in view.request.value
    view.apply_button.click()
    assert sim.leverage("bybit", "BTCUSDT") == 12.5
    assert "changed" in view.status.value and view.values[("in-force", "both")].value == "12.5x"
    assert view.apply_button.disabled and not view.preview_button.disabled


def test_apply_button_asks_for_confirmation_on_mainnet(mainnet, sim):
    control, _ = mainnet
    view = control.view
    view.sliders["both"].value = 20
    view.apply_button.click()
    assert view.apply_button.description == "Confirm apply" and posts(sim) == 0
    view.apply_button.click()
    assert sim.leverage("bybit", "BTCUSDT") == 20.0 and view.apply_button.description == "Apply"


def test_the_curve_is_one_figure_redrawn_in_place(control):
    import matplotlib.pyplot as plt

    view = control.view
    figure, first = view.plot.figure, bytes(view.curve.value)
    assert first.startswith(b"\x89PNG")
    view.sliders["both"].value = 120
    assert view.plot.figure is figure and bytes(view.curve.value) != first
    point = view.plot.marks["both"][0]
    assert point.get_xydata().tolist() == [[120.0, 3e5]]
    assert plt.get_fignums() == []


def test_hedge_view_has_a_slider_per_side(sim, clock):
    sim.set_position_mode("bingx", True)
    control = LeverageControl(bingx(sim, clock), "BTC-USDT", tiers=TIERS)
    view = control.view
    assert set(view.sliders) == {"long", "short"}
    assert type(view.sliders["long"]).__name__ == "IntSlider"
    assert "levkit-side-short" in view.sliders["short"]._dom_classes
    view.sliders["short"].value = 60
    cap = lk.max_position_value(BINGX_TIERS, 60)
    assert view.values[("max-position", "short")].value == f"{cap:,.0f} USDT"


def test_an_error_in_a_view_callback_lands_in_the_status(control, monkeypatch):
    view = control.view

    def broken(*_args, **_kw):
        raise RuntimeError("view broke")

    monkeypatch.setattr(control, "set_leverage", broken)
    view.sliders["both"].value = 30
    assert "view broke" in control.status and "view broke" in view.status.value
    assert not control.busy


def test_importing_the_state_loads_neither_ipywidgets_nor_matplotlib():
    code = (
        "import sys, levkit.control.state, levkit.control; "
        "print(any(m in sys.modules for m in ('ipywidgets', 'matplotlib')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_clearing_the_balance_keeps_its_input(sim, clock):
    control = LeverageControl(bybit(sim, clock), "BTCUSDT", balance=10_000)
    view = control.view
    view.balance.value = 0
    assert control.balance is None and view.balance in view.left.children
    assert ("capacity", "both") not in view.values
    view.balance.value = 5_000
    assert control.balance == 5_000 and ("capacity", "both") in view.values
    assert view.values[("best-leverage", "")].value == f"{control.best_leverage:g}x"
