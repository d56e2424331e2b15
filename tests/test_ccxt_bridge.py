"""lk.from_ccxt: a duck-typed fake exchange, a real ccxt exchange fed inline, no ccxt."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

import levkit as lk
from levkit.ccxt_bridge import CcxtMissingError

ROW = {"tier": 1, "minNotional": 0, "maxNotional": 5e4, "maintenanceMarginRate": 0.004,
       "maxLeverage": 125}  # fmt: skip


class Fake:
    """What a ccxt exchange looks like to from_ccxt (no network, no ccxt)."""

    id = "okx"

    def __init__(self, tiers, *, every=True, one=True):
        self.tiers, self.asked = tiers, []
        self.has = {"fetchLeverageTiers": every, "fetchMarketLeverageTiers": one}

    def fetch_leverage_tiers(self, symbols=None):
        self.asked.append(("all", symbols))
        return self.tiers

    def fetch_market_leverage_tiers(self, symbol):
        self.asked.append(("one", symbol))
        return self.tiers[symbol]


def okx_tiers():
    return {
        "BTC/USDT:USDT": [
            {**ROW, "info": {"imr": "0.008"}},
            {"tier": 2, "minNotional": 5e4, "maxNotional": 6e5, "maintenanceMarginRate": 0.005,
             "maxLeverage": 100, "info": {"imr": "0.01"}},
        ],
        "ETH/USDT:USDT": [{**ROW, "maxNotional": 4e4, "info": {"imr": "0.008"}}],
    }  # fmt: skip


def test_fake_exchange_maps_fields_and_spells_symbols_natively():
    t = lk.from_ccxt(Fake(okx_tiers()))
    assert t["exchange"].unique().tolist() == ["okx"]
    assert t["symbol"].tolist() == ["BTC-USDT-SWAP", "BTC-USDT-SWAP", "ETH-USDT-SWAP"]
    assert t["ccxt_symbol"].tolist()[0] == "BTC/USDT:USDT"
    btc = t[t["symbol"] == "BTC-USDT-SWAP"]
    assert btc["max_notional"].tolist() == [5e4, 6e5]
    assert btc["min_notional"].tolist() == [0.0, 5e4]
    assert btc["max_leverage"].tolist() == [125.0, 100.0]
    assert btc["initial_margin_rate"].tolist() == [0.008, 0.01]  # from info (imr)
    assert t.attrs["ccxt_missing"] == ["mm_deduction"] and (t["mm_deduction"] == 0).all()
    assert t.attrs["source"] == "api" and lk.max_position_value(btc, 100) == 6e5


def test_symbols_select_and_market_only_exchanges_are_asked_per_symbol():
    fake = Fake(okx_tiers(), every=False)
    t = lk.from_ccxt(fake, "ETH/USDT:USDT")
    assert fake.asked == [("one", "ETH/USDT:USDT")] and t["symbol"].unique().tolist() == [
        "ETH-USDT-SWAP"
    ]
    with pytest.raises(ValueError, match="pass symbols"):
        lk.from_ccxt(Fake(okx_tiers(), every=False))
    with pytest.raises(lk.LevkitError, match="neither fetchLeverageTiers"):
        lk.from_ccxt(Fake(okx_tiers(), every=False, one=False))


def test_an_unknown_exchange_keeps_ccxt_id_and_symbol():
    fake = Fake({"BTC/USD:BTC": [ROW]})
    fake.id = "somewhere"
    t = lk.from_ccxt(fake)
    assert t[["exchange", "symbol"]].values.tolist() == [["somewhere", "BTC/USD:BTC"]]


def test_without_ccxt_a_name_raises_a_clear_import_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "ccxt", None)
    with pytest.raises(CcxtMissingError, match=r"pip install 'levkit\[ccxt\]'") as info:
        lk.from_ccxt("binanceusdm")
    assert isinstance(info.value, ImportError) and isinstance(info.value, lk.LevkitError)


def test_import_levkit_never_imports_ccxt():
    code = "import sys, levkit as lk; lk.from_ccxt; lk.compare; print('ccxt' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


BRACKETS = [{"symbol": "BTCUSDT", "brackets": [
    {"bracket": 1, "initialLeverage": 125, "notionalCap": 50000, "notionalFloor": 0,
     "maintMarginRatio": 0.004, "cum": 0.0},
    {"bracket": 2, "initialLeverage": 100, "notionalCap": 600000, "notionalFloor": 50000,
     "maintMarginRatio": 0.005, "cum": 50.0},
]}]  # fmt: skip


def test_a_real_ccxt_exchange_fed_inline_matches_levkits_own_parse():
    import ccxt  # in the dev extra: levkit itself never imports it

    from levkit.venues.binance.parse import parse_brackets

    ex = ccxt.binanceusdm()
    market = {"id": "BTCUSDT", "symbol": "BTC/USDT:USDT", "base": "BTC", "quote": "USDT",
              "settle": "USDT", "baseId": "BTC", "quoteId": "USDT", "settleId": "USDT",
              "type": "swap", "spot": False, "margin": False, "swap": True, "future": False,
              "option": False, "contract": True, "linear": True, "inverse": False,
              "active": True, "precision": {}, "limits": {}, "info": {}}  # fmt: skip
    ex.set_markets([market])
    ex.fapiPrivateGetLeverageBracket = lambda params=None: BRACKETS  # no network
    t = lk.from_ccxt(ex, ["BTC/USDT:USDT"])
    ours = parse_brackets(BRACKETS)
    cols = ["exchange", "symbol", "tier", "min_notional", "max_notional", "max_leverage",
            "maintenance_margin_rate", "mm_deduction"]  # fmt: skip
    pd.testing.assert_frame_equal(t[cols], ours[cols], check_dtype=False)
    assert t.attrs["ccxt_id"] == "binanceusdm" and t.attrs["ccxt_from_info"] == ["mm_deduction"]
