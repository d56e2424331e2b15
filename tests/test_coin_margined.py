"""Coin-margined ladders end to end on the venues that publish them (issue 22, item 2):
Bybit v5 ``category=inverse`` (read from the symbol), OKX ``BTC-USD-SWAP`` (USD, no
price), Bybit v2 inverse symbols (their ladder is v5's), each parsed from the docs' example,
served by the simulator over both transports, and the model, ``compare`` and the plots
saying the unit.  Binance COIN-M has its own file (``tests/venues/test_binance_coinm.py``).

Sources: ``docs/instruments.md`` §2.3 (units), §3.1 (Bybit), §3.2 (v2), §3.6 (OKX).
"""

from __future__ import annotations

import warnings
from urllib.parse import parse_qsl, urlsplit

import matplotlib
import numpy as np
import pandas as pd
import pytest
import responses

import levkit as lk
from levkit.frames import tiers_frame
from levkit.sim import DEMO_KEY, DEMO_PASSPHRASE, DEMO_SECRET, Simulator
from levkit.sim.testing import FakeClock
from levkit.venues.bybit.parse import parse_risk_limits
from levkit.venues.okx.parse import parse_instruments, parse_position_tiers

matplotlib.use("Agg")

RISK = "https://api.bybit.com/v5/market/risk-limit"
# Bybit v5 docs, GET /v5/market/risk-limit?category=inverse&symbol=BTCUSD (the example's
# rates are in percent: "0.5", "1" at "100.00"x).
BYBIT_INVERSE = {
    "retCode": 0, "retMsg": "OK",
    "result": {"category": "inverse", "list": [
        {"id": 1, "symbol": "BTCUSD", "riskLimitValue": "150", "maintenanceMargin": "0.5",
         "initialMargin": "1", "isLowestRisk": 1, "maxLeverage": "100.00", "mmDeduction": ""}]},
    "retExtInfo": {}, "time": 1672054488010,
}  # fmt: skip
# The recorded OKX instruments row of BTC-USD-SWAP (nautilus_trader fixture, the fields
# levkit reads; docs/instruments.md §3.6): ctType inverse, ctVal "100" USD.
OKX_BTC_USD = {
    "instId": "BTC-USD-SWAP", "instFamily": "BTC-USD", "uly": "BTC-USD", "instType": "SWAP",
    "ctType": "inverse", "ctVal": "100", "ctValCcy": "USD", "ctMult": "1", "settleCcy": "BTC",
    "lever": "100", "state": "live",
}  # fmt: skip
# OKX position-tiers rows for the BTC-USD family: SYNTHETIC (no OKX coin-margined tier
# answer was found, docs/instruments.md §7): the real BTC-USDT rows' shape and rates
# (2025-12-29) with instFamily BTC-USD and made-up contract counts.
OKX_TIERS = [
    {"instFamily": "BTC-USD", "instId": "", "tier": "1", "minSz": "0", "maxSz": "500",
     "mmr": "0.004", "imr": "0.01", "maxLever": "100"},
    {"instFamily": "BTC-USD", "instId": "", "tier": "2", "minSz": "501", "maxSz": "1000",
     "mmr": "0.005", "imr": "0.0133", "maxLever": "75"},
]  # fmt: skip


def ladder(exchange, symbol, caps, levs, *, category=None, unit=None, mmr=None):
    cols = {"exchange": exchange, "symbol": symbol, "max_notional": caps, "max_leverage": levs}
    if category:
        cols["category"] = category
    if unit:
        cols["notional_unit"] = unit
    if mmr:
        cols["maintenance_margin_rate"] = mmr
    return tiers_frame(cols, source="snapshot")


# -- parsed from the docs' examples -----------------------------------------------------


def test_bybit_inverse_docs_example_is_in_btc_with_fractions():
    t = parse_risk_limits(BYBIT_INVERSE["result"]["list"], category="inverse")
    assert t[["symbol", "max_notional", "max_leverage"]].values.tolist() == [["BTCUSD", 150, 100]]
    assert t["maintenance_margin_rate"].tolist() == [0.005]  # "0.5" percent
    assert t["initial_margin_rate"].tolist() == [0.01]  # "1" percent: 1/0.01 = 100x
    assert (t["category"].tolist(), t["notional_unit"].tolist()) == (["inverse"], ["BTC"])
    assert t.attrs["percent_rates_converted"] == 1
    dated = parse_risk_limits([{**BYBIT_INVERSE["result"]["list"][0], "symbol": "ETHUSDH26"}],
                              category="inverse")  # fmt: skip
    assert dated["notional_unit"].tolist() == ["ETH"]


def test_okx_coin_margined_tiers_are_usd_exactly_with_no_price():
    inst = parse_instruments([OKX_BTC_USD])
    t = parse_position_tiers(OKX_TIERS, inst, {})  # no mark price needed
    assert t["max_notional"].tolist() == [50_000.0, 100_000.0]  # contracts x 100 USD
    assert t["max_size"].tolist() == [500.0, 1_000.0] and t["ct_val"].tolist() == [100.0] * 2
    assert set(t["notional_unit"]) == {"USD"} and set(t["category"]) == {"inverse"}
    assert t["price"].isna().all() and "no_mark_price" not in t.attrs


# -- Bybit: the category comes from the symbol ----------------------------------------------


@responses.activate
def test_bybit_asks_category_inverse_for_btcusd_and_linear_for_btcusdt():
    responses.get(RISK, json=BYBIT_INVERSE)
    t = lk.Bybit().risk_limits("BTC/USD:BTC")
    assert t["notional_unit"].tolist() == ["BTC"]
    sent = dict(parse_qsl(urlsplit(responses.calls[0].request.url).query))
    assert sent == {"category": "inverse", "symbol": "BTCUSD"}


def test_bybit_category_that_contradicts_the_symbol_is_refused():
    with pytest.raises(lk.InvalidSymbolError, match="BTCUSD is a Bybit inverse contract"):
        lk.Bybit().risk_limits("BTCUSD", category="linear")
    with pytest.raises(lk.InvalidSymbolError, match="BTCUSDT is a Bybit linear contract"):
        lk.Bybit().risk_limits("BTCUSDT", category="inverse")
    with pytest.raises(ValueError, match="category must be"):
        lk.Bybit().risk_limits(category="spot")


def test_bybit_legacy_points_to_the_v5_inverse_ladder():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        old = lk.BybitLegacy()
    with pytest.raises(lk.LevkitError, match=r"lk.fetch_risk_limits\('bybit', 'BTCUSD'\)"):
        old.risk_limits("BTCUSD")
    snap = lk.load_snapshot("bybit", "BTCUSD")  # v2's BTCUSD: the v5 inverse docs example
    assert (snap["notional_unit"].tolist(), snap["category"].tolist()) == (["BTC"], ["inverse"])


# -- the simulator serves coin-margined ladders over both transports ---------------------------


def coin_tiers():
    return pd.concat(
        [
            ladder("bybit", "BTCUSD", [150.0, 300.0], [100.0, 50.0], mmr=[0.005, 0.01]),
            ladder("bybit", "BTCUSDT", [3e5, 2e6], [150.0, 1.0]),
            ladder(
                "okx", "BTC-USD-SWAP", [50_000.0, 100_000.0], [100.0, 75.0], mmr=[0.004, 0.005]
            ),  # fmt: skip
        ],
        ignore_index=True,
    )


@pytest.fixture(params=["in-process", "loopback"])
def served(request):
    clock = FakeClock()
    sim = Simulator(coin_tiers(), clock=clock, sleep=clock.sleep, prices={"BTC": 50_000.0})
    opts = {"clock": clock, "sleep": clock.sleep}
    if request.param == "in-process":
        yield sim, {"session": sim.session(), **opts}
    else:
        with sim.serve() as url:
            yield sim, {"base_url": url, **opts}


def test_bybit_inverse_over_the_simulator(served):
    sim, transport = served
    c = lk.Bybit(DEMO_KEY, DEMO_SECRET, **transport)
    t = c.risk_limits("BTCUSD")
    assert t.attrs["source"] == "simulator"
    assert t[["max_notional", "category", "notional_unit"]].values.tolist() == [
        [150.0, "inverse", "BTC"], [300.0, "inverse", "BTC"]
    ]  # fmt: skip
    assert set(c.risk_limits(category="inverse")["symbol"]) == {"BTCUSD"}
    assert set(c.risk_limits()["symbol"]) == {"BTCUSDT"}  # linear by default
    lev = c.leverage("BTCUSD")
    assert lev[["leverage", "max_leverage", "max_position_value"]].values.tolist() == [
        [10.0, 100.0, 300.0]
    ]  # fmt: skip
    out = c.set_leverage("BTCUSD", 100)
    assert out[["leverage", "changed"]].values.tolist() == [[100.0, True]]
    assert sim.leverage("bybit", "BTCUSD", "both") == 100.0
    sim.open_position("bybit", "BTCUSD", "long", 0.5)  # 0.5 BTC = 25,000 USD contracts
    pos = c.positions("BTCUSD")
    assert pos[["size", "position_value"]].values.tolist() == [[25_000.0, 0.5]]


def test_okx_coin_margined_over_the_simulator(served):
    sim, transport = served
    c = lk.OKX(DEMO_KEY, DEMO_SECRET, passphrase=DEMO_PASSPHRASE, **transport)
    t = c.risk_limits("BTC-USD-SWAP")
    assert t["max_notional"].tolist() == [50_000.0, 100_000.0]
    assert t["max_size"].tolist() == [500.0, 1_000.0]  # contracts of 100 USD
    assert set(t["notional_unit"]) == {"USD"} and t["price"].isna().all()
    assert sim.count("/api/v5/public/mark-price") == 0  # no price needed
    out = c.set_leverage("BTC-USD-SWAP", 75)
    assert out[["leverage", "changed", "max_position_value"]].values.tolist() == [
        [75.0, True, 100_000.0]
    ]  # fmt: skip
    sim.open_position("okx", "BTC-USD-SWAP", "short", 30_000.0)  # USD, the ladder's unit
    pos = c.positions("BTC-USD-SWAP")
    assert pos[["direction", "position_value"]].values.tolist() == [["short", 30_000.0]]
    # the figures on the served ladder: 20x at 100,000, 3 contracts
    kw = dict(entry_price=100_000, leverage=20, notional=300.0)
    assert lk.liquidation_price(t, **kw) == pytest.approx(95_619.05, abs=0.005)


def test_bybit_legacy_v2_inverse_over_the_simulator(served):
    sim, transport = served
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        old = lk.BybitLegacy(DEMO_KEY, DEMO_SECRET, **transport)
    out = old.set_leverage("BTCUSD", 25)
    assert out["leverage"].tolist() == [25.0]
    assert lk.Bybit(DEMO_KEY, DEMO_SECRET, **transport).leverage("BTCUSD")["leverage"].tolist() == [
        25.0
    ]  # the shared account, read through v5's inverse category


# -- the model, compare and the plots say the unit --------------------------------------------


def test_model_answers_say_the_ladders_unit():
    coin = ladder("bybit", "BTCUSD", [150.0, 300.0], [100.0, 1.0], category="inverse")
    assert lk.max_position_value(coin, [50, 100]).attrs["notional_unit"] == "BTC"
    assert lk.tradeoff(coin, [10]).attrs["notional_unit"] == "BTC"
    assert lk.capacity(coin, 2.0, [10]).attrs["notional_unit"] == "BTC"  # balance in BTC too
    assert lk.margin(coin, 1.0, 10).attrs["notional_unit"] == "BTC"
    both = pd.concat([coin, ladder("bybit", "BTCUSDT", [3e5], [1.0], category="linear")])
    said = lk.max_position_value(both, 1).attrs["notional_unit"]
    assert said == {("bybit", "BTCUSD"): "BTC", ("bybit", "BTCUSDT"): "USDT"}


def test_compare_never_puts_a_coin_figure_in_a_usdt_row():
    both = pd.concat([
        ladder("binance-coinm", "BTCUSD_PERP", [50.0, 200.0], [125.0, 1.0], category="inverse",
               unit="BTC"),
        ladder("binance", "BTCUSDT", [5e4, 3e6], [125.0, 1.0], unit="USDT"),
        ladder("hyperliquid", "BTC", [1.5e8], [40.0], unit="USDC"),
    ])  # fmt: skip
    table = lk.compare(both, leverages=(20,))
    assert table.index.names == ["base", "unit"]
    assert table.index.tolist() == [("BTC", "BTC"), ("BTC", "USDC/USDT")]
    assert table.loc[("BTC", "BTC"), ("binance-coinm", 20)] == 50.0  # BTC
    assert np.isnan(table.loc[("BTC", "BTC"), ("binance", 20)])
    assert table.loc[("BTC", "USDC/USDT"), ("binance", 20)] == 5e4  # USDT
    assert np.isnan(table.loc[("BTC", "USDC/USDT"), ("binance-coinm", 20)])
    assert table.attrs["notional_unit"][("BTC", "binance-coinm")] == "BTC"
    # dollars only: one row per base, as before
    assert lk.compare(both[both["exchange"] != "binance-coinm"]).index.tolist() == ["BTC"]


def test_a_plot_axis_shows_one_unit():
    import matplotlib.pyplot as plt

    coin = ladder("bybit", "BTCUSD", [150.0, 300.0], [100.0, 1.0], category="inverse")
    usdt = ladder("bybit", "BTCUSDT", [3e5, 2e6], [150.0, 1.0])
    fig, ax = plt.subplots()
    try:
        lk.plot_risk_limits(coin, ax=ax)
        assert ax.get_ylabel() == "max position value (BTC)"
        with pytest.raises(ValueError, match="BTC, USDT: one axis shows one unit"):
            lk.plot_risk_limits(pd.concat([coin, usdt]), ax=ax)
    finally:
        plt.close(fig)


# -- a coin-margined ladder given without its category (hand-made, a user's CSV) ---------------


@pytest.mark.parametrize(
    ("exchange", "symbol", "caps", "unit"),
    [
        ("bybit", "BTCUSD", [150.0, 300.0], "BTC"),
        ("bybit", "BTCUSDH26", [150.0, 300.0], "BTC"),
        ("binance-coinm", "BTCUSD_PERP", [50.0, 100.0], "BTC"),
        ("okx", "BTC-USD-SWAP", [50_000.0, 100_000.0], "USD"),
    ],
)
def test_a_coin_margined_ladder_without_its_category_answers_as_the_stated_one(
    exchange, symbol, caps, unit, tmp_path, monkeypatch
):
    """The symbol names one instrument on its venue (PUBLIC_API 0.3): a frame typed by hand
    or read back from a CSV without ``category``/``notional_unit`` is the same coin-margined
    ladder, so liquidation uses the venue's coin-margined formula and the unit is the
    instrument's, as on the native road and through the store."""
    monkeypatch.setenv("LEVKIT_DATA_DIR", str(tmp_path))
    cols = {"exchange": exchange, "symbol": symbol, "max_notional": caps,
            "max_leverage": [100.0, 50.0], "maintenance_margin_rate": [0.005, 0.01]}  # fmt: skip
    stated = tiers_frame({**cols, "category": "inverse", "notional_unit": unit}, source="api")
    bare = tiers_frame(cols, source="api")
    lk.save_snapshot(bare)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", lk.StaleDataWarning)
        stored = lk.load_snapshot(exchange, symbol)
    kw = dict(entry_price=50_000.0, leverage=10, notional=caps[0] / 2)
    for side in ("long", "short"):
        want = lk.liquidation_price(stated, side=side, **kw)
        assert lk.liquidation_price(bare, side=side, **kw) == pytest.approx(want, rel=1e-12)
        assert lk.liquidation_price(stored, side=side, **kw) == pytest.approx(want, rel=1e-12)
    for frame in (bare, stored):
        assert lk.max_position_value(frame, [20]).attrs["notional_unit"] == unit


def test_the_control_says_the_unit_of_a_hand_made_okx_coin_ladder():
    """OKX BTC-USD-SWAP's ladder is in USD (contracts x 100 USD); a frame typed by hand
    without notional_unit is that ladder: the control must not call its caps BTC."""
    from levkit.control import LeverageControl
    from levkit.model import notional_unit

    sim = Simulator(coin_tiers(), prices={"BTC": 50_000.0})
    client = lk.OKX(DEMO_KEY, DEMO_SECRET, passphrase=DEMO_PASSPHRASE, session=sim.session())
    native = client.risk_limits("BTC-USD-SWAP")
    cols = ["exchange", "symbol", "max_notional", "max_leverage", "maintenance_margin_rate"]
    hand = tiers_frame(native[cols].to_dict("list"), source="api")
    assert notional_unit(hand) == notional_unit(native) == "USD"
    assert notional_unit(ladder("bybit", "BTCUSDH26", [150.0], [100.0])) == "BTC"
    assert notional_unit(ladder("hyperliquid", "BTC", [1e6], [40.0])) == "USDC"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        control = LeverageControl(client, "BTC-USD-SWAP", balance=1.0, tiers=hand)
    try:
        assert control.unit == "USD"
    finally:
        control.close()
