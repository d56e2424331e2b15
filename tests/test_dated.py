"""Issue 22, item 4: dated futures under their own ids, with the right unit; and every
road's ``notional_unit`` from the instrument (parsers, store, simulator, clients, ccxt, CLI).

Figures: Binance BTCUSDT_260626's first brackets are freqtrade's recorded leverageBracket
answer of 2026-05-01 (docs/instruments.md §3.4, also in levkit's shipped history); the
OKX FUTURES instrument row is BTC-USDT-241115 as quoted from a real answer
(docs/instruments.md §3.6).  No recorded Bybit dated or OKX FUTURES *ladder* exists
(§7): the frames marked SYNTHETIC below stand in for them.
"""

from __future__ import annotations

import pandas as pd
import pytest
import responses

import levkit as lk
from levkit.cli import main
from levkit.frames import tiers_frame
from levkit.sim import DEMO_KEY, DEMO_PASSPHRASE, DEMO_SECRET, Simulator
from levkit.snapshot import SnapshotError, load_snapshot, save_snapshot
from levkit.venues.binance.parse import parse_brackets
from levkit.venues.binance.sim import demo_ladder
from levkit.venues.bybit.parse import parse_risk_limits

#: Recorded (freqtrade, 2026-05-01): the quarterly's own brackets, not the perpetual's.
BTC_260626 = {"symbol": "BTCUSDT_260626", "brackets": [
    {"bracket": 1, "initialLeverage": 50, "notionalCap": 50000, "notionalFloor": 0,
     "maintMarginRatio": 0.01, "cum": 0.0},
    {"bracket": 2, "initialLeverage": 25, "notionalCap": 375000, "notionalFloor": 50000,
     "maintMarginRatio": 0.02, "cum": 500.0}]}  # fmt: skip
ETHBTC = {"symbol": "ETHBTC", "brackets": [
    {"bracket": 1, "initialLeverage": 100, "notionalCap": 5, "notionalFloor": 0,
     "maintMarginRatio": 0.005, "cum": 0.0}]}  # fmt: skip


def _frame(exchange: str, symbol: str, caps, levs) -> pd.DataFrame:
    return tiers_frame({"exchange": exchange, "symbol": [symbol] * len(caps),
                        "max_notional": list(caps), "max_leverage": list(levs)},
                       source="snapshot")  # fmt: skip


def _sim(*frames: pd.DataFrame) -> Simulator:
    return Simulator(tiers=pd.concat([demo_ladder(), *frames], ignore_index=True))


# -- Binance: the quarterlies of leverageBracket -------------------------------------------
def test_binance_parses_a_quarterly_under_its_own_id_in_usdt():
    perp = {"symbol": "BTCUSDT", "brackets": [{**BTC_260626["brackets"][0],
            "initialLeverage": 125, "maintMarginRatio": 0.004}]}  # fmt: skip
    df = parse_brackets([perp, BTC_260626, ETHBTC, {**perp, "symbol": "币安人生USDT"}])
    units = df.groupby("symbol")["notional_unit"].first().to_dict()
    assert units == {"BTCUSDT": "USDT", "BTCUSDT_260626": "USDT", "ETHBTC": "BTC",
                     "币安人生USDT": "USDT"}  # fmt: skip
    dated = df[df["symbol"] == "BTCUSDT_260626"]
    assert dated["max_leverage"].tolist() == [50.0, 25.0]  # not the perpetual's 125x


def test_the_shipped_history_holds_the_quarterly_not_the_perpetual():
    dated = load_snapshot("binance", "BTC/USDT:USDT-260626")
    assert set(dated["symbol"]) == {"BTCUSDT_260626"} and set(dated["notional_unit"]) == {"USDT"}
    assert dated[["max_notional", "max_leverage"]].values[:2].tolist() == [
        [50_000.0, 50.0], [375_000.0, 25.0]]  # fmt: skip
    assert load_snapshot("binance", "BTC")["symbol"].unique().tolist() == ["BTCUSDT"]
    # an expired quarterly: said, never the perpetual instead (issue 22's first report)
    with pytest.raises(SnapshotError, match="removed from the listing .binance BTCUSDT_251226"):
        load_snapshot("binance", "BTC-USDT-251226")
    old = lk.ladder_history("binance", "BTC/USDT:USDT-221230")
    assert set(old["symbol"]) == {"BTCUSDT_221230"} and set(old["notional_unit"]) == {"USDT"}


def test_binance_client_reads_the_quarterly_it_was_asked_for():
    sim = _sim(_frame("binance", "BTCUSDT_260626", [50_000, 375_000], [50, 25]))
    client = lk.Binance(DEMO_KEY, DEMO_SECRET, session=sim.session())
    df = client.risk_limits("BTC/USDT:USDT-260626")
    assert set(df["symbol"]) == {"BTCUSDT_260626"} and df["max_leverage"].max() == 50
    assert set(df["notional_unit"]) == {"USDT"}
    assert sim.calls[-1].params["symbol"] == "BTCUSDT_260626"
    with pytest.raises(lk.LevkitError, match="Invalid symbol"):  # Binance's own -1121
        client.risk_limits("BTCUSDT_260925")


# -- Bybit: dated linear (USDT, USDC) and inverse ------------------------------------------
def test_bybit_reads_a_dated_linear_ladder_under_its_own_id():
    # SYNTHETIC ladder: no recorded Bybit dated answer exists (docs/instruments.md §7)
    sim = Simulator(tiers=_frame("bybit", "BTCUSDT-26DEC25", [500_000, 2_000_000], [50, 25]))
    client = lk.Bybit(session=sim.session())
    df = client.risk_limits("BTC/USDT:USDT-251226")
    assert set(df["symbol"]) == {"BTCUSDT-26DEC25"} and set(df["notional_unit"]) == {"USDT"}
    assert sim.calls[-1].params["symbol"] == "BTCUSDT-26DEC25"
    with pytest.raises(lk.LevkitError, match="symbol invalid"):  # Bybit's own 10001
        client.risk_limits("BTCUSDT-27MAR26")


def test_bybit_units_follow_the_instrument_whatever_the_letters():
    # the v5 doc example's shape (docs/instruments.md §3.1), ids of each kind
    row = {
        "id": 1,
        "riskLimitValue": "150",
        "maintenanceMargin": "0.5",
        "initialMargin": "1",
        "isLowestRisk": 1,
        "maxLeverage": "100.00",
        "mmDeduction": "",
    }
    units = {}
    for symbol, category in (("BTC-27DEC24", "linear"), ("BTCPERP", "linear"),
                             ("BTCUSD", "inverse"), ("BTCUSDH26", "inverse")):  # fmt: skip
        units[symbol] = parse_risk_limits([{**row, "symbol": symbol}], category=category)[
            "notional_unit"].iloc[0]  # fmt: skip
    assert units == {"BTC-27DEC24": "USDC", "BTCPERP": "USDC", "BTCUSD": "BTC",
                     "BTCUSDH26": "BTC"}  # fmt: skip


# -- OKX: FUTURES ladders for dated ids ---------------------------------------------------
HOST = "https://www.okx.com"
FUTURE = {"instId": "BTC-USDT-241115", "instFamily": "BTC-USDT", "uly": "BTC-USDT",
          "instType": "FUTURES", "alias": "this_week", "ctMult": "1", "ctType": "linear",
          "ctVal": "0.01", "ctValCcy": "BTC", "expTime": "1731657600000", "lever": "20",
          "lotSz": "0.1", "minSz": "0.1", "settleCcy": "USDT", "state": "live"}  # fmt: skip
#: SYNTHETIC tiers (OKX's row shape; no recorded FUTURES ladder found): 20x at the top.
FUTURE_TIERS = [
    {"uly": "BTC-USDT", "instFamily": "BTC-USDT", "instId": "", "tier": "1", "minSz": "0",
     "maxSz": "100", "mmr": "0.02", "imr": "0.05", "maxLever": "20", "optMgnFactor": "0"},
    {"uly": "BTC-USDT", "instFamily": "BTC-USDT", "instId": "", "tier": "2", "minSz": "101",
     "maxSz": "400", "mmr": "0.05", "imr": "0.1", "maxLever": "10", "optMgnFactor": "0"},
]  # fmt: skip


def _env(data):
    return {"code": "0", "msg": "", "data": data}


@responses.activate
def test_okx_reads_futures_tiers_for_a_dated_id():
    match = responses.matchers.query_param_matcher
    responses.get(
        f"{HOST}/api/v5/public/instruments",
        json=_env([FUTURE]),
        match=[match({"instType": "FUTURES", "instId": "BTC-USDT-241115"})],
    )
    responses.get(
        f"{HOST}/api/v5/public/mark-price",
        json=_env([{"instId": "BTC-USDT-241115", "markPx": "90000"}]),
        match=[match({"instType": "FUTURES", "instId": "BTC-USDT-241115"})],
    )
    responses.get(f"{HOST}/api/v5/public/position-tiers", json=_env(FUTURE_TIERS),
                  match=[match({"instType": "FUTURES", "tdMode": "cross",
                                "instFamily": "BTC-USDT"})])  # fmt: skip
    df = lk.OKX().risk_limits("BTC/USDT:USDT-241115")
    assert set(df["symbol"]) == {"BTC-USDT-241115"} and set(df["notional_unit"]) == {"USDT"}
    assert df["max_notional"].tolist() == [90_000.0, 360_000.0]  # contracts x 0.01 x mark
    assert df["max_leverage"].tolist() == [20.0, 10.0]


def test_okx_simulator_answers_a_dated_id_as_futures_and_the_swap_as_swap():
    sim = Simulator(tiers=pd.concat([_frame("okx", "BTC-USDT-SWAP", [300_000], [100]),
                                     _frame("okx", "BTC-USDT-251226", [100_000], [20])]))  # fmt: skip
    client = lk.OKX(DEMO_KEY, DEMO_SECRET, passphrase=DEMO_PASSPHRASE, session=sim.session())
    dated = client.risk_limits("BTC_USDT_20251226")
    assert set(dated["symbol"]) == {"BTC-USDT-251226"} and dated["max_leverage"].max() == 20
    assert client.risk_limits("BTC")["max_leverage"].max() == 100
    assert {c.params.get("instType") for c in sim.calls} == {"SWAP", "FUTURES"}


# -- venues without dated futures: refused before anything is sent --------------------------
@pytest.mark.parametrize(
    ("cls", "given"),
    [(lk.Gate, "BTC/USDT:USDT-251226"), (lk.Bitget, "BTCUSDT_251226"),
     (lk.Hyperliquid, "BTC/USDC:USDC-251226")],
)  # fmt: skip
def test_a_dated_id_where_levkit_reads_none_sends_nothing(cls, given):
    sim = Simulator()
    with pytest.raises(lk.InvalidSymbolError):
        cls(session=sim.session()).risk_limits(given)
    assert len(sim.calls) == 0


# -- the store, ccxt, the CLI ---------------------------------------------------------------
def test_a_saved_ladder_without_a_unit_gets_its_instruments(tmp_path):
    frame = pd.concat([_frame("binance", "BTCUSDT_260626", [50_000], [50]),
                       _frame("binance", "龙虾USDT", [10_000], [20]),
                       _frame("bybit", "BTC-27DEC24", [1e6], [50])], ignore_index=True)  # fmt: skip
    save_snapshot(frame, tmp_path, source_text="test", as_of="2026-05-01")
    back = load_snapshot(path=tmp_path)
    assert back.groupby("symbol")["notional_unit"].first().to_dict() == {
        "BTC-27DEC24": "USDC", "BTCUSDT_260626": "USDT", "龙虾USDT": "USDT"}  # fmt: skip
    assert load_snapshot("bybit", "BTC/USDC:USDC-241227", path=tmp_path)["symbol"].iloc[0] == (
        "BTC-27DEC24")  # fmt: skip


class _Binance:
    """ccxt's binanceusdm, duck-typed: a quarterly's tiers with their raw brackets."""

    id = "binanceusdm"
    has = {"fetchLeverageTiers": True}

    def __init__(self, markets: bool):
        self.markets = {"BTC/USDT:USDT-260626": {"id": "BTCUSDT_260626", "linear": True}} if (
            markets) else {}  # fmt: skip

    def fetch_leverage_tiers(self, symbols=None):
        tiers = [{"tier": b["bracket"], "minNotional": b["notionalFloor"],
                  "maxNotional": b["notionalCap"], "maintenanceMarginRate": b["maintMarginRatio"],
                  "maxLeverage": b["initialLeverage"], "info": dict(b)}
                 for b in BTC_260626["brackets"]]  # fmt: skip
        return {"BTC/USDT:USDT-260626": tiers}


@pytest.mark.parametrize("markets", [True, False], ids=["levkit's parser", "unified fields"])
def test_from_ccxt_maps_a_dated_ccxt_symbol_to_the_venues_id_and_unit(markets):
    df = lk.from_ccxt(_Binance(markets))
    assert set(df["symbol"]) == {"BTCUSDT_260626"} and set(df["notional_unit"]) == {"USDT"}
    assert df["max_notional"].tolist() == [50_000.0, 375_000.0]


def test_cli_reads_a_dated_ccxt_symbol_and_says_why_a_refused_one_names_nothing(capsys):
    assert main(["tiers", "BTC/USDT:USDT-260626", "--exchange", "binance"]) == 0
    assert "binance BTCUSDT_260626" in capsys.readouterr().out
    assert main(["tiers", "BTC/USD:BTC", "--exchange", "binance"]) == 2
    assert "binance-coinm" in capsys.readouterr().err
