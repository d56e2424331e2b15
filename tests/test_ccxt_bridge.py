"""lk.from_ccxt: a duck-typed fake exchange, a real ccxt exchange fed inline, no ccxt."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

import levkit as lk
from levkit.fetch.ccxt_bridge import CcxtMissingError
from levkit.fetch.many import FetchWarning

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


def quote_tiers():
    """Tiers in quote notional (Bybit's unified fields are USDT value)."""
    return {
        "BTC/USDT:USDT": [
            {**ROW, "info": {"initialMargin": "0.008"}},
            {"tier": 2, "minNotional": 5e4, "maxNotional": 6e5, "maintenanceMarginRate": 0.005,
             "maxLeverage": 100, "info": {"initialMargin": "0.01"}},
        ],
        "ETH/USDT:USDT": [{**ROW, "maxNotional": 4e4, "info": {"initialMargin": "0.008"}}],
    }  # fmt: skip


def test_fake_exchange_maps_fields_and_spells_symbols_natively():
    fake = Fake(quote_tiers())
    fake.id = "bybit"
    t = lk.from_ccxt(fake)
    assert t["exchange"].unique().tolist() == ["bybit"]
    assert t["symbol"].tolist() == ["BTCUSDT", "BTCUSDT", "ETHUSDT"]
    assert t["ccxt_symbol"].tolist()[0] == "BTC/USDT:USDT"
    btc = t[t["symbol"] == "BTCUSDT"]
    assert btc["max_notional"].tolist() == [5e4, 6e5]
    assert btc["min_notional"].tolist() == [0.0, 5e4]
    assert btc["max_leverage"].tolist() == [125.0, 100.0]
    assert btc["initial_margin_rate"].tolist() == [0.008, 0.01]  # from info (initialMargin)
    assert t.attrs["ccxt_missing"] == ["mm_deduction"] and (t["mm_deduction"] == 0).all()
    assert t.attrs["source"] == "api" and lk.max_position_value(btc, 100) == 6e5


def test_symbols_select_and_market_only_exchanges_are_asked_per_symbol():
    fake = Fake(quote_tiers(), every=False)
    fake.id = "bybit"
    t = lk.from_ccxt(fake, "ETH/USDT:USDT")
    assert fake.asked == [("one", "ETH/USDT:USDT")] and t["symbol"].unique().tolist() == ["ETHUSDT"]
    with pytest.raises(ValueError, match="pass symbols"):
        lk.from_ccxt(Fake(quote_tiers(), every=False))
    with pytest.raises(lk.LevkitError, match="neither fetchLeverageTiers"):
        lk.from_ccxt(Fake(quote_tiers(), every=False, one=False))


def test_okx_contract_tiers_without_a_market_are_refused_not_taken_as_usdt():
    # ccxt's OKX tiers hold maxSz (contracts) in maxNotional: 500 is not 500 USDT
    fake = Fake({"BTC/USDT:USDT": [{**ROW, "maxNotional": 500, "info": {"maxSz": "500"}}]})
    with pytest.raises(lk.LevkitError, match=r"okx BTC/USDT:USDT: its tiers are in contracts"):
        lk.from_ccxt(fake)


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
    assert t.attrs["ccxt_id"] == "binanceusdm"
    assert t.attrs["ccxt_roads"] == {"BTC/USDT:USDT": "levkit's binance parser"}


@pytest.mark.parametrize("answer", [None, "error", ["BTC/USDT:USDT"], 42])
def test_odd_answers_are_refused_with_a_levkit_error(answer):
    fake = Fake(answer, one=False)
    fake.id = "bybit"
    with pytest.raises(lk.LevkitError, match="fetchLeverageTiers answered"):
        lk.from_ccxt(fake)
    one = Fake({"BTC/USDT:USDT": answer}, every=False)
    with pytest.raises(lk.LevkitError, match=r"'BTC/USDT:USDT'\)? answered"):
        lk.from_ccxt(one, ["BTC/USDT:USDT"])
    bad_tier = Fake({"BTC/USDT:USDT": [answer]}, one=False)
    with pytest.raises(lk.LevkitError, match="not a tier"):
        lk.from_ccxt(bad_tier)


def test_symbols_without_tiers_are_named_and_the_others_returned():
    tiers = quote_tiers()
    tiers["SOL/USDT:USDT"] = []
    fake = Fake(tiers, every=False)
    fake.id = "bybit"
    with pytest.warns(
        FetchWarning, match=r"no tiers for SOL/USDT:USDT \(no tiers in the answer\); XRP"
    ):
        t = lk.from_ccxt(fake, ["BTC/USDT:USDT", "SOL/USDT:USDT", "XRP/USDT:USDT"])
    assert t["symbol"].unique().tolist() == ["BTCUSDT"]
    assert [s for s, _ in t.attrs["missing"]] == ["SOL/USDT:USDT", "XRP/USDT:USDT"]
    with pytest.raises(lk.LevkitError, match="returned no leverage tiers: XRP/USDT:USDT"):
        lk.from_ccxt(fake, ["XRP/USDT:USDT"])


@pytest.mark.parametrize(
    ("ident", "name"),
    [("okx", "okx"), ("binanceusdm", "binance"), ("gateio", "gate"), ("gate", "gate"),
     ("bybit", "bybit"), ("bitget", "bitget"), ("bingx", "bingx"),
     ("hyperliquid", "hyperliquid"), ("kucoinfutures", "kucoinfutures"), ("mexc", "mexc")],
)  # fmt: skip
def test_the_frames_exchange_is_the_registry_name_else_ccxts_id(ident, name):
    fake = Fake({"X/USDT:USDT": [ROW]})
    fake.id = ident
    if ident in ("okx", "mexc"):  # contract-sized: a market and a price are needed
        fake.markets = {"X/USDT:USDT": {"id": "X-USDT-SWAP" if ident == "okx" else "X_USDT",
                                         "symbol": "X/USDT:USDT", "contractSize": 0.5,
                                         "quote": "USDT", "linear": True}}  # fmt: skip
    t = lk.from_ccxt(fake, prices={"X/USDT:USDT": 4.0})
    assert t["exchange"].unique().tolist() == [name]


def test_a_contract_sized_venue_outside_the_registry_is_converted_on_ccxts_fields():
    # MEXC's ccxt tiers are contracts (maxVol): 5e4 contracts x 0.0001 BTC x 80,000
    fake = Fake({"BTC/USDT:USDT": [ROW]})
    fake.id = "mexc"
    fake.markets = {"BTC/USDT:USDT": {"id": "BTC_USDT", "symbol": "BTC/USDT:USDT",
                                      "contractSize": 0.0001, "quote": "USDT", "linear": True}}  # fmt: skip
    fake.fetch_ticker = lambda symbol: {"symbol": symbol, "markPrice": None, "last": 80_000.0}
    t = lk.from_ccxt(fake)
    assert t["max_notional"].tolist() == [pytest.approx(5e4 * 0.0001 * 80_000)]
    assert t[["max_size", "contract_size", "price"]].values.tolist() == [[5e4, 0.0001, 80_000.0]]
    assert t["price_source"].tolist() == ["last"] and t["notional_unit"].tolist() == ["USDT"]
    assert t.attrs["ccxt_roads"] == {"BTC/USDT:USDT": "ccxt's unified fields"}
    # a venue outside the registry: leverage_for answers exactly, no formula needed
    assert lk.leverage_for(t, 1e5, 3e3) == pytest.approx(1e5 / 3e3)
    with pytest.raises(ValueError, match="must be a finite price > 0"):
        lk.from_ccxt(fake, prices={"BTC/USDT:USDT": 0})


def test_a_coin_margined_market_on_ccxts_fields_is_refused():
    fake = Fake({"BTC/USD:BTC": [ROW]})
    fake.id = "kucoinfutures"
    fake.markets = {"BTC/USD:BTC": {"id": "XBTUSDM", "symbol": "BTC/USD:BTC", "inverse": True,
                                    "linear": False, "contractSize": 1}}  # fmt: skip
    with pytest.raises(lk.LevkitError, match="coin-margined"):
        lk.from_ccxt(fake)


def test_emulated_tiers_sharing_one_info_take_ccxts_fields():
    # ccxt's gate builds tiers from a contract's risk_limit_step when given one object:
    # every tier then carries the same info, which is not a tier row levkit can parse
    info = {"name": "BTC_USDT", "risk_limit_step": "1000000"}
    tiers = [{**ROW, "maxNotional": 1e6, "info": info},
             {**ROW, "tier": 2, "maxNotional": 2e6, "maxLeverage": 50, "info": info}]  # fmt: skip
    fake = Fake({"BTC/USDT:USDT": tiers})
    fake.id = "gate"
    fake.markets = {"BTC/USDT:USDT": {"id": "BTC_USDT", "symbol": "BTC/USDT:USDT",
                                      "linear": True, "quote": "USDT"}}  # fmt: skip
    t = lk.from_ccxt(fake)
    assert t["max_notional"].tolist() == [1e6, 2e6]
    assert t.attrs["ccxt_roads"] == {"BTC/USDT:USDT": "ccxt's unified fields"}


def test_prices_for_several_symbols_come_in_one_call_and_the_rest_one_by_one():
    fake = Fake({"BTC/USDT:USDT": [ROW], "ETH/USDT:USDT": [ROW], "SOL/USDT:USDT": [ROW]})
    fake.id = "mexc"
    fake.markets = {
        s: {"id": s.split("/")[0] + "_USDT", "symbol": s, "contractSize": 0.1, "quote": "USDT",
            "linear": True}
        for s in fake.tiers
    }  # fmt: skip
    calls = []

    def tickers(symbols):
        calls.append(("tickers", list(symbols)))
        return {"BTC/USDT:USDT": {"markPrice": 80_000}}  # ETH missing from the answer

    def ticker(symbol):
        calls.append(("ticker", symbol))
        return {"last": 3_000}

    fake.fetch_tickers, fake.fetch_ticker = tickers, ticker
    t = lk.from_ccxt(fake, prices={"SOL_USDT": 150})  # given by market id
    assert calls == [("tickers", ["BTC/USDT:USDT", "ETH/USDT:USDT"]), ("ticker", "ETH/USDT:USDT")]
    prices = {s: (p["price"], p["source"]) for s, p in t.attrs["ccxt_prices"].items()}
    assert prices == {"SOL/USDT:USDT": (150.0, "given"), "BTC/USDT:USDT": (80_000.0, "markPrice"),
                      "ETH/USDT:USDT": (3_000.0, "last")}  # fmt: skip
    caps = t.groupby("symbol")["max_notional"].first().to_dict()
    assert caps == pytest.approx({"BTC_USDT": 5e4 * 0.1 * 80_000, "ETH_USDT": 5e4 * 0.1 * 3_000,
                                  "SOL_USDT": 5e4 * 0.1 * 150})  # fmt: skip
