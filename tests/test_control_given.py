"""LeverageControl(client, symbol, tiers=...) checks what it is given (issue 20, bullet 3):
another venue's or symbol's ladder is refused naming both; the right one is used, and
``control.source`` says "given" with the frame's own source and date."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import levkit as lk
from levkit.control import LeverageControl
from levkit.frames import tiers_frame
from levkit.sim import DEMO_KEY, DEMO_SECRET, Simulator

from ._ladders import bybit_btcusd

#: Bybit BTCUSDT's first tiers (150x up to 2M in the shipped snapshot's shape) and a
#: Binance-like ladder that stops at 125x: given to a Bybit control, the latter would cap
#: it at 125x and refuse 140x, which Bybit allows.
BYBIT = tiers_frame({"exchange": "bybit", "symbol": "BTCUSDT", "max_notional": [2e6, 4e6],
                     "max_leverage": [150, 100], "maintenance_margin_rate": [0.005, 0.01],
                     "mm_deduction": [0, 10_000]}, source="api",
                    fetched_at=pd.Timestamp("2026-03-01 09:30", tz="UTC"))  # fmt: skip
BINANCE = tiers_frame({"exchange": "binance", "symbol": "BTCUSDT", "max_notional": [5e4, 6e5],
                       "max_leverage": [125, 100]}, source="api")  # fmt: skip


@pytest.fixture
def bybit():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sim = Simulator()
    return lk.Bybit(DEMO_KEY, DEMO_SECRET, session=sim.session(), testnet=True)


def make(client, symbol, tiers):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return LeverageControl(client, symbol, tiers=tiers)


def test_another_venues_ladder_is_refused_naming_both(bybit):
    with pytest.raises(ValueError, match=r"binance BTCUSDT, not of bybit BTCUSDT") as info:
        make(bybit, "BTCUSDT", BINANCE)
    assert isinstance(info.value, ValueError)


def test_another_symbols_ladder_is_refused_naming_both(bybit):
    eth = BYBIT.assign(symbol="ETHUSDT")
    with pytest.raises(ValueError, match=r"bybit ETHUSDT, not of bybit BTCUSDT"):
        make(bybit, "BTC/USDT:USDT", eth)
    with pytest.raises(ValueError, match="exchange and symbol columns"):
        make(bybit, "BTCUSDT", BYBIT.drop(columns="exchange"))


def test_the_right_ladder_is_used_and_its_own_source_and_date_are_said(bybit):
    c = make(bybit, "BTCUSDT", BYBIT)
    assert c.ready, c.status
    assert c.source.kind == "given" and c.source.of == "api"
    assert c.source.as_of == pd.Timestamp("2026-03-01 09:30", tz="UTC")
    assert c.source.text == "given (api, fetched 2026-03-01 09:30 UTC)"
    c.leverage = 140  # Bybit's ladder allows it; Binance's (125x top) would not
    assert c.validity()["valid"].all() and c.max_position_value == 2e6
    c.close()


def test_a_frame_of_many_ladders_gives_the_controls_own(bybit):
    both = pd.concat([BINANCE, BYBIT, BYBIT.assign(symbol="ETHUSDT")], ignore_index=True)
    both.attrs = {"source": "snapshot"}
    c = make(bybit, "BTCUSDT", both)
    assert c.tiers[["exchange", "symbol"]].drop_duplicates().values.tolist() == [
        ["bybit", "BTCUSDT"]
    ]
    assert c.source.of == "snapshot" and c.max_leverage == 150
    c.close()


def test_bybit_legacy_takes_bybits_ladder():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sim = Simulator()
        legacy = lk.BybitLegacy(DEMO_KEY, DEMO_SECRET, session=sim.session())
    c = make(legacy, "BTCUSD", bybit_btcusd())  # v2 reads its inverse perpetuals only
    assert c.source.kind == "given" and c.tiers["exchange"].unique().tolist() == ["bybit"]
    c.close()
