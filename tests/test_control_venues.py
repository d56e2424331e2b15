"""The leverage control on every venue of the registry (issue 16), against the simulator
serving the shipped snapshot ladders: the exchange's own cap first, where the ladder came
from, validity against the API's maximum and the open position, the liquidation price,
read-only venues.  No kernel, no browser."""

from __future__ import annotations

import math
import warnings

import pytest

import levkit as lk
from levkit.client import Client
from levkit.control import LeverageControl
from levkit.numbers import show
from levkit.sim import DEMO_KEY, DEMO_PASSPHRASE, DEMO_SECRET, Simulator
from levkit.venues import client_class, venue

from ._ladders import bybit_btcusd, with_bybit_btcusd

ALL = list(lk.exchanges().index)
SETTABLE = [n for n in ALL if lk.exchanges().loc[n, "set_leverage"]]
READ_ONLY = [n for n in ALL if not lk.exchanges().loc[n, "set_leverage"]]


@pytest.fixture(scope="module")
def shipped():
    """One simulator with the shipped ladders (building it reads every snapshot), and
    Bybit's inverse BTCUSD, the perpetual Bybit v2 reads (issue 22: v2 refuses BTCUSDT)."""
    out = Simulator()
    with_bybit_btcusd(out)
    return out


@pytest.fixture
def sim(shipped):
    """The shared simulator, flat, one-way, 10x on every venue's BTC perpetual; the user
    store holds BTCUSD's ladder (the control reads v2's ladder from the snapshot)."""
    lk.save_snapshot(bybit_btcusd(), as_of="2026-01-01", source_text="v5 doc example")
    for name in ALL:
        shipped.close_position(name)
        shipped.set_position_mode(name, False)
        shipped.set_leverage(name, _symbol(name), 10.0)
    return shipped


def client(sim, name):
    v = venue(name)
    if v.account_id:
        return client_class(name)(session=sim.session(), address="0x" + "1" * 40)
    kw = {"passphrase": DEMO_PASSPHRASE} if v.passphrase else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # bybit-legacy says it is old
        return client_class(name)(DEMO_KEY, DEMO_SECRET, session=sim.session(), **kw)


def control(sim, name, symbol=None, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # stale snapshots warn once, tested below
        return LeverageControl(client(sim, name), symbol or _symbol(name), **kw)


def _symbol(name):
    return venue(name).symbol_example  # bybit-legacy: its inverse BTCUSD


@pytest.mark.parametrize("name", SETTABLE)
def test_every_settable_venue_previews_and_applies_on_its_step(sim, name):
    c = control(sim, name)
    assert c.ready, c.status
    assert c.step == (venue(name).capabilities.leverage_step if name != "bybit" else 0.01)
    assert c.source.kind in ("simulator", "api", "snapshot")
    target = 20.0
    c.leverage = target
    assert c.validity()["valid"].all(), c.validity()
    assert c.preview() is not None and c.can_apply
    frame = c.apply()
    assert frame is not None and frame["changed"].any(), c.status
    assert c.in_force == {s: target for s in c.sides}
    assert c.status.startswith("changed:")


@pytest.mark.parametrize("name", SETTABLE)
def test_off_the_step_is_invalid_and_sends_nothing(sim, name):
    c = control(sim, name)
    before = len(sim.calls)
    c.leverage = 20 + c.step / 2
    row = c.validity().iloc[0]
    assert not row.valid and row.reason.startswith("off the leverage step")
    assert c.apply() is None and c.preview() is None
    assert len(sim.calls) == before


@pytest.mark.parametrize("name", SETTABLE)
def test_not_a_number_is_invalid(sim, name):
    c = control(sim, name)
    c.leverage = float("nan")
    assert c.validity()["reason"].iloc[0] == "not a finite number: NaN"
    c.leverage = "twenty"
    assert "must be a number" in c.status and not c.can_apply


def test_simulator_never_looks_live(sim):
    c = control(sim, "bybit")
    assert c.client.host == "simulator" and not c.confirm_required
    assert "SIMULATOR" in c.view.title.value and "LIVE MAINNET" not in c.view.title.value
    c.close()


# -- the exchange's numbers first, and where the ladder came from --------------------------
def test_bybit_ladder_comes_from_the_api_with_its_fetch_time(sim):
    c = control(sim, "bybit")
    assert c.source.kind == "simulator" and c.source.as_of is not None
    assert not c.source.stale


def test_bingx_cap_at_the_leverage_in_force_is_the_exchanges_own(sim):
    c = control(sim, "bingx")
    frame = c.client.leverage("BTC-USDT")
    own = float(frame["max_position_value"].iloc[0])
    row = c.readouts().iloc[0]
    assert row.leverage == row.in_force == 10
    assert row.max_position_value == own and row.cap_from == "exchange"
    c.leverage = 20  # elsewhere: the ladder, from the snapshot (BingX has no ladder endpoint)
    row = c.readouts().iloc[0]
    assert row.cap_from == "snapshot" == c.source.kind
    assert row.max_position_value == lk.max_position_value(c.tiers, 20)


def test_bingx_snapshot_says_its_date_and_warns_when_stale(sim):
    with pytest.warns(lk.StaleDataWarning):
        c = LeverageControl(client(sim, "bingx"), "BTC-USDT")
    assert c.source.kind == "snapshot" and c.source.stale
    assert "as of 2025-12-02" in c.source.text and "STALE" in c.source.text
    assert "STALE" in c.view.values[("source", "")].value
    c.close()


def test_bingx_offers_discovery_with_its_cost_and_the_restore_promise(sim):
    c = control(sim, "bingx")
    assert "set-leverage calls" in c.discovery and "put back" in c.discovery
    tiers = c.discover(min_leverage=140)
    assert tiers is not None and c.source.kind == "probe"
    assert c.in_force == {"both": 10.0} and c.status.startswith("discovered:")
    assert control(sim, "bybit").discovery is None


def test_bingx_symbol_outside_the_snapshot_is_ready_on_the_exchanges_own_cap():
    from levkit.frames import tiers_frame

    listed = tiers_frame(
        {"exchange": "bingx", "symbol": "ZZZ-USDT", "max_notional": [5e4, 2e5],
         "max_leverage": [50, 20], "maintenance_margin_rate": [0.01, 0.025]},
        source="api",
    )  # fmt: skip
    c = control(Simulator(listed), "bingx", "ZZZ-USDT")
    assert c.ready and c.tiers is None and c.source.kind == "exchange", c.status
    assert "snapshot" in c.source.note
    assert math.isfinite(c.max_position_value)  # at the leverage in force: BingX says it
    c.leverage = c.in_force["both"] + 1
    assert math.isnan(c.max_position_value)  # elsewhere unknown, not guessed


def test_incomplete_snapshot_ladder_is_shown_as_a_lower_bound(sim):
    tiers = lk.load_snapshot("bybit", "BTCUSDT", as_of="2026-01-31")  # the 2026 tiers 1-3 only
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = LeverageControl(client(sim, "bybit"), "BTCUSDT", tiers=tiers)
    assert not c.source.complete and "lower bound" in c.source.note
    c.leverage = 50
    assert c.view.values[("max-position", "both")].value.startswith("at least ")
    c.close()


# -- validity: the API's maximum and the open position --------------------------------------
def test_bybit_legacy_stops_at_the_v2_maximum_not_the_ladders(sim):
    # a ladder whose top (150x, SYNTHETIC) is above the v2 maximum, saved as the newest
    lk.save_snapshot(bybit_btcusd(top=150.0), as_of="2026-06-01", source_text="synthetic")
    c = control(sim, "bybit-legacy")
    assert c.max_leverage == 100 and c.limits["ladder"] == 150
    before = len(sim.calls)
    c.leverage = 120
    reason = c.validity()["reason"].iloc[0]
    assert reason.startswith("above Bybit v2") and "100x" in reason
    assert c.apply() is None and len(sim.calls) == before
    assert c.tiers["exchange"].iloc[0] == "bybit"  # ladder_from


def test_bybit_open_position_caps_the_leverage_before_anything_is_sent(sim):
    sim.open_position("bybit", "BTCUSDT", "long", 1_000_000)
    c = control(sim, "bybit")
    assert c.position_value == 1_000_000
    before = sim.count("/v5/position/set-leverage", method="POST")
    c.leverage = 120
    row = c.validity().iloc[0]
    assert not row.valid
    assert row.reason.startswith("your 1,000,000 USDT position needs <= 100x")
    assert c.apply() is None and not c.can_apply
    assert sim.count("/v5/position/set-leverage", method="POST") == before
    c.leverage = 100
    assert c.validity()["valid"].iloc[0] and c.apply() is not None


def test_hedge_mode_has_one_leverage_per_side_and_a_validity_row_each(sim):
    sim.set_position_mode("bybit", True)
    sim.open_position("bybit", "BTCUSDT", "short", 1_000_000)
    c = control(sim, "bybit")
    assert c.leverage == {"long": 10.0, "short": 10.0}
    c.leverage = 120  # a number sets both
    v = c.validity().set_index("side")
    assert list(v.index) == ["long", "short"]
    assert v.loc["long", "valid"] and not v.loc["short", "valid"]
    assert c.position_value == {"long": 0.0, "short": 1_000_000}
    c.leverage = {"long": 120, "short": 100}
    assert c.validity()["valid"].all() and c.can_apply


def test_a_client_that_reads_no_positions_says_the_position_is_unknown(sim):
    class NoPositions(lk.Binance):  # the base contract's default: no positions read
        positions = Client.positions

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = LeverageControl(NoPositions(DEMO_KEY, DEMO_SECRET, session=sim.session()), "BTCUSDT")
    assert math.isnan(c.position_value) and "reads no open positions" in c.position_note


@pytest.mark.parametrize("name", ALL)
def test_every_venue_reads_the_open_position(sim, name):
    sim.open_position(name, _symbol(name), "long", 100_000)
    c = control(sim, name)
    value = c.position_value
    held = sum(value.values()) if isinstance(value, dict) else value
    assert held == pytest.approx(100_000, rel=1e-3)
    assert c.position_note == ""
    sim.close_position(name)


def _two_okx_tiers():
    from levkit.frames import tiers_frame

    return tiers_frame(
        {"exchange": "okx", "symbol": "BTC-USDT-SWAP", "max_notional": [300_000.0, 1_200_000.0],
         "max_leverage": [100.0, 50.0]},
        source="snapshot",
    )  # fmt: skip


@pytest.mark.parametrize("name", ["binance", "okx", "bitget", "bybit-legacy"])
def test_open_position_caps_the_leverage_on_the_venues_that_now_read_positions(sim, name):
    # The shipped OKX snapshot holds one BTC tier only: a second tier gives the position
    # a cap below the top.
    s = Simulator(tiers=_two_okx_tiers()) if name == "okx" else sim
    first = control(s, name)
    band = first.tiers[first.tiers["max_leverage"] < first.max_leverage].iloc[0]
    value = float(band.min_notional + band.max_notional) / 2  # inside the band
    balance = s.account(name).balance
    s.set_balance(name, 1e8)  # margin for the position at any leverage (OKX checks it)
    s.open_position(name, _symbol(name), "long", value)
    c = control(s, name)
    assert c.position_value == pytest.approx(value, rel=1e-9)
    set_path = venue(name).endpoint("set_leverage").path
    before = s.count(set_path, method="POST")
    c.leverage = c.max_leverage
    row = c.validity().iloc[0]
    assert not row.valid
    assert row.reason.startswith("your ")
    unit = first.tiers["notional_unit"].iloc[0]  # USDT; BTC for v2's inverse BTCUSD
    assert f"{unit} position needs <= {show(band.max_leverage)}x" in row.reason, row.reason
    assert c.apply() is None and not c.can_apply
    assert s.count(set_path, method="POST") == before
    c.leverage = float(band.max_leverage)  # the cap the position needs: allowed, and sent
    assert c.validity()["valid"].iloc[0] and c.apply() is not None
    assert s.count(set_path, method="POST") == before + 1
    s.close_position(name)
    s.set_balance(name, balance)


# -- liquidation price ------------------------------------------------------------------------
def test_liquidation_price_of_the_open_position_at_its_entry(sim):
    sim.open_position("bybit", "BTCUSDT", "long", 1_000_000)
    c = control(sim, "bybit")
    c.leverage = 50
    expected = lk.liquidation_price(c.tiers, entry_price=60_000.0, leverage=50.0,
                                    notional=1_000_000.0)  # fmt: skip
    assert c.liquidation_price == pytest.approx(expected)
    assert c.entry_price() == (60_000.0, "entry")
    assert "your position" in c.view.values[("liquidation", "both")].value
    c.close()


def test_bybit_flat_reads_the_mark_price_from_its_position_row(sim):
    c = control(sim, "bybit", balance=10_000)
    assert c.entry_price() == (60_000.0, "mark")


def test_liquidation_price_when_flat_is_for_the_balances_capacity_at_the_mark(sim):
    c = control(sim, "hyperliquid", balance=10_000)  # its leverage frame carries the mark
    c.leverage = 20
    price, what = c.entry_price()
    assert what == "mark"
    expected = lk.liquidation_price(c.tiers, entry_price=price, leverage=20.0,
                                    notional=min(10_000 * 20, c.max_position_value))  # fmt: skip
    assert c.liquidation_price == pytest.approx(expected)


def test_liquidation_price_needs_a_price_when_nothing_gives_one(sim):
    c = control(sim, "binance", balance=10_000)  # flat, and no mark price in its answers
    c.leverage = 20
    assert math.isnan(c.liquidation_price)
    assert "no price" in c.view.values[("liquidation", "both")].value
    c2 = control(sim, "binance", balance=10_000, price=60_000)
    c2.leverage = 20
    assert c2.entry_price() == (60_000.0, "price=") and c2.liquidation_price < 60_000


# -- read-only venues -------------------------------------------------------------------------
@pytest.mark.parametrize("name", READ_ONLY)
def test_read_only_venue_shows_the_curve_but_no_apply(sim, name):
    c = control(sim, name)
    assert c.ready and c.read_only.startswith("read-only:")
    before = len(sim.calls)
    c.leverage = 20
    assert c.validity()["valid"].all()
    assert not c.can_apply and c.apply() is None and c.preview() is None
    assert c.status.startswith("read-only:") and len(sim.calls) == before
    view = c.view
    assert view.apply_button not in view.buttons.children
    assert "read-only" in view.read_only.value
    c.close()
