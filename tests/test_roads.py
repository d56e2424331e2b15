"""The same payload through every road (issue 20): for each venue, one recorded answer read
by levkit's own client (over ``responses``) and the same answer through ``lk.from_ccxt``
(a real ccxt exchange built offline: ``set_markets`` and its raw endpoint methods replaced)
give the same ladder and the same model answers.

Roads x venues tested here (ccxt 4.5, the ``dev`` extra):

=============  =============================  ====================================  ========
venue          native road (client)           ccxt road (raw method replaced)       result
=============  =============================  ====================================  ========
binance        ``Binance.risk_limits``        binanceusdm fapiPrivateGetLeverageBracket  equal
bybit          ``Bybit.risk_limits``          bybit publicGetV5MarketRiskLimit      equal
okx            ``OKX.risk_limits``            okx publicGetPublicPositionTiers      equal
                                              (+ publicGetPublicMarkPrice, or prices=)
gate           ``Gate.risk_limits``           gate publicFuturesGetSettleRiskLimitTiers  equal
bitget         ``Bitget.risk_limits``         bitget publicMixGetV2MixMarketQueryPositionLever  equal
bingx          ``BingX.margin_bands``         bingx swapV1PrivateGetMaintMarginRatio  equal (bands)
hyperliquid    ``Hyperliquid.risk_limits``    none: ccxt has no leverage tiers      refused
bybit-legacy   (Bybit's ladder)               none (ccxt speaks v5)                 -
=============  =============================  ====================================  ========

Payloads (figures copied from /work/shared/reference, named per case; never read at run
time): Binance ``binance_fapi_v1_leverageBracket_freqtrade-derived-cache.json`` (BTCUSDT
brackets 1-4); Bybit the 2026 BTCUSDT rows of tests/venues/test_bybit.py (API_NOTES; mixed
strings, numbers and ``""``, out of order); OKX ``real/okx/okx_position_tiers_BTC-USDT-
SWAP_2025-12-29.json`` (tiers 1-6) with the BTC-USDT-SWAP instruments row of
``okx_api_v5_public_instruments_nexustrader-quoted-rows.json`` (ctVal 0.01) and issue 20's
mark of 84,660; Gate ``real/gate/gate_position_tiers_AI16Z_USDT_2025-08-20_webapi.json``
(tiers 1-8); Bitget ``bitget_api_v2_mix_market_query-position-lever_bitget-docs-example
.json``; BingX ``bingx_swap_v1_maintMarginRatio_bingx-docs-v3-spec.json``.
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pandas as pd
import pytest
import responses

import levkit as lk
from levkit.fetch.ccxt_bridge import _unified_frame
from levkit.fetch.ccxt_roads import mark_prices
from levkit.frames import tiers_frame

ccxt = pytest.importorskip("ccxt", reason="the ccxt road needs ccxt (pip install -e '.[dev]')")

FAKE_KEY, FAKE_SECRET = "test-key-0000", "test-secret-not-real-0000"
COLUMNS = ["exchange", "symbol", "tier", "min_notional", "max_notional", "max_leverage",
           "maintenance_margin_rate", "mm_deduction"]  # fmt: skip


def market(symbol, id_, base, quote, *, size=1.0, info=None, linear=True):
    """A ccxt market as ``load_markets`` leaves it (the keys ccxt's tier methods read)."""
    settle = quote if linear else base
    return {"id": id_, "symbol": symbol, "base": base, "quote": quote, "settle": settle,
            "baseId": base, "quoteId": quote, "settleId": settle, "type": "swap",
            "spot": False, "margin": False, "swap": True, "future": False, "option": False,
            "contract": True, "linear": linear, "inverse": not linear, "contractSize": size,
            "active": True, "precision": {}, "limits": {}, "info": info or {}}  # fmt: skip


# -- recorded answers ----------------------------------------------------------------------
BINANCE = [{"symbol": "BTCUSDT", "brackets": [
    {"bracket": 1, "initialLeverage": 125, "notionalCap": 50000, "notionalFloor": 0,
     "maintMarginRatio": 0.004, "cum": 0.0},
    {"bracket": 2, "initialLeverage": 100, "notionalCap": 600000, "notionalFloor": 50000,
     "maintMarginRatio": 0.005, "cum": 50.0},
    {"bracket": 3, "initialLeverage": 75, "notionalCap": 3000000, "notionalFloor": 600000,
     "maintMarginRatio": 0.0065, "cum": 950.0},
    {"bracket": 4, "initialLeverage": 50, "notionalCap": 12000000, "notionalFloor": 3000000,
     "maintMarginRatio": 0.01, "cum": 11450.0}]}]  # fmt: skip
BYBIT = [
    {"id": 2, "symbol": "BTCUSDT", "riskLimitValue": "2000000", "maintenanceMargin": "0.005",
     "initialMargin": "0.01", "isLowestRisk": 0, "maxLeverage": "100.00", "mmDeduction": "510"},
    {"id": 1, "symbol": "BTCUSDT", "riskLimitValue": 300000, "maintenanceMargin": 0.0033,
     "initialMargin": "0.0066", "isLowestRisk": 1, "maxLeverage": "150.00", "mmDeduction": ""},
    {"id": 3, "symbol": "BTCUSDT", "riskLimitValue": "2600000", "maintenanceMargin": "0.0056",
     "initialMargin": "0.0111", "isLowestRisk": 0, "maxLeverage": "90.00", "mmDeduction": 1710},
]  # fmt: skip
OKX_INSTRUMENT = {
    "instId": "BTC-USDT-SWAP", "instFamily": "BTC-USDT", "uly": "BTC-USDT", "instType": "SWAP",
    "ctMult": "1", "ctType": "linear", "ctVal": "0.01", "ctValCcy": "BTC", "lever": "100",
    "lotSz": "0.1", "minSz": "0.1", "settleCcy": "USDT", "state": "live",
}  # fmt: skip
OKX_MARK = "84660"
OKX_TIERS = [
    {"baseMaxLoan": "", "imr": imr, "instFamily": "BTC-USDT", "instId": "", "maxLever": lev,
     "maxSz": hi, "minSz": lo, "mmr": mmr, "optMgnFactor": "0", "quoteMaxLoan": "",
     "tier": str(i + 1), "uly": "BTC-USDT"}
    for i, (lo, hi, lev, mmr, imr) in enumerate([
        ("0", "1000", "100", "0.004", "0.01"), ("1000.01", "5000", "66.66", "0.005", "0.015"),
        ("5000.01", "20000", "50", "0.0075", "0.02"), ("20000.01", "40000", "40", "0.0125", "0.025"),
        ("40000.01", "60000", "33.33", "0.0175", "0.03"),
        ("60000.01", "80000", "28.57", "0.0225", "0.035")])
]  # fmt: skip
GATE = [
    {"tier": i + 1, "risk_limit": cap, "initial_rate": imr, "maintenance_rate": mmr,
     "leverage_max": lev, "deduction": ded}
    for i, (cap, imr, mmr, lev, ded) in enumerate([
        ("5000", "0.013333", "0.006", "75", "0"), ("10000", "0.016666", "0.008", "60", "10"),
        ("20000", "0.02", "0.01", "50", "30"), ("30000", "0.025", "0.0125", "40", "80"),
        ("50000", "0.0303", "0.015", "33", "155"), ("70000", "0.03333", "0.02", "30", "405"),
        ("100000", "0.05", "0.03", "20", "1105"), ("150000", "0.0625", "0.04", "16", "2105")])
]  # fmt: skip
BITGET = [
    {"symbol": "BTCUSDT", "level": "1", "startUnit": "0", "endUnit": "50000", "leverage": "125",
     "keepMarginRate": "0.004"},
    {"symbol": "BTCUSDT", "level": "2", "startUnit": "50000", "endUnit": "200000",
     "leverage": "100", "keepMarginRate": "0.005"},
]  # fmt: skip
BINGX = [
    {"tier": "Tier 1", "symbol": "BTC-USDT", "minPositionVal": "0", "maxPositionVal": "150000",
     "maintMarginRatio": "0.003800", "maintAmount": "0.000000"},
    {"tier": "Tier 2", "symbol": "BTC-USDT", "minPositionVal": "150000",
     "maxPositionVal": "900000", "maintMarginRatio": "0.004000", "maintAmount": "30.000000"},
]  # fmt: skip


def okx_reply(request):
    path = urlsplit(request.url).path
    data = {"instruments": [OKX_INSTRUMENT], "position-tiers": OKX_TIERS,
            "mark-price": [{"instType": "SWAP", "instId": "BTC-USDT-SWAP", "markPx": OKX_MARK,
                            "ts": "1"}]}[path.rsplit("/", 1)[1]]  # fmt: skip
    return 200, {}, json.dumps({"code": "0", "msg": "", "data": data})


@dataclass
class Case:
    venue: str
    ccxt_id: str
    symbol: str  # ccxt's
    native_symbol: str
    market: dict
    raw: dict[str, Any]  # ccxt raw endpoint method -> its recorded answer
    serve: Any  # registers the same answer for levkit's client
    native: Any  # the native road
    notionals: tuple = (1e4, 2e5)
    leverage: float | None = 20.0
    extra: dict = field(default_factory=dict)


CASES = [
    Case("binance", "binanceusdm", "BTC/USDT:USDT", "BTCUSDT",
         market("BTC/USDT:USDT", "BTCUSDT", "BTC", "USDT"),
         {"fapiPrivateGetLeverageBracket": BINANCE},
         lambda: responses.get("https://fapi.binance.com/fapi/v1/leverageBracket", json=BINANCE),
         lambda: lk.Binance(FAKE_KEY, FAKE_SECRET).risk_limits("BTCUSDT"),
         notionals=(3e4, 5e5, 2.9e6)),
    Case("bybit", "bybit", "BTC/USDT:USDT", "BTCUSDT",
         market("BTC/USDT:USDT", "BTCUSDT", "BTC", "USDT"),
         {"publicGetV5MarketRiskLimit": {"retCode": 0, "retMsg": "OK", "result": {
             "category": "linear", "list": BYBIT, "nextPageCursor": ""}, "time": 1}},
         lambda: responses.get("https://api.bybit.com/v5/market/risk-limit", json={
             "retCode": 0, "retMsg": "OK", "result": {"category": "linear", "list": BYBIT,
                                                     "nextPageCursor": ""}, "time": 1}),
         lambda: lk.Bybit().risk_limits("BTCUSDT"), notionals=(2e5, 1.5e6, 2.5e6)),
    Case("okx", "okx", "BTC/USDT:USDT", "BTC-USDT-SWAP",
         market("BTC/USDT:USDT", "BTC-USDT-SWAP", "BTC", "USDT", size=0.01, info=OKX_INSTRUMENT),
         {"publicGetPublicPositionTiers": {"code": "0", "msg": "", "data": OKX_TIERS},
          "publicGetPublicMarkPrice": {"code": "0", "msg": "", "data": [
              {"instType": "SWAP", "instId": "BTC-USDT-SWAP", "markPx": OKX_MARK, "ts": "1"}]}},
         lambda: responses.add_callback(responses.GET, re.compile(r"https://www\.okx\.com/api/"
                                                                   r"v5/public/.*"), okx_reply),
         lambda: lk.OKX().risk_limits("BTC-USDT-SWAP"), notionals=(4e5, 3e6, 4.5e7)),
    Case("gate", "gate", "AI16Z/USDT:USDT", "AI16Z_USDT",
         market("AI16Z/USDT:USDT", "AI16Z_USDT", "AI16Z", "USDT", size=1.0),
         {"publicFuturesGetSettleRiskLimitTiers": GATE},
         lambda: responses.get("https://api.gateio.ws/api/v4/futures/usdt/risk_limit_tiers",
                               json=GATE),
         lambda: lk.Gate().risk_limits("AI16Z_USDT"), notionals=(4e3, 2.5e4, 1.2e5),
         leverage=15.0),
    Case("bitget", "bitget", "BTC/USDT:USDT", "BTCUSDT",
         market("BTC/USDT:USDT", "BTCUSDT", "BTC", "USDT"),
         {"publicMixGetV2MixMarketQueryPositionLever": {"code": "00000", "msg": "success",
                                                        "requestTime": 1, "data": BITGET}},
         lambda: responses.get("https://api.bitget.com/api/v2/mix/market/query-position-lever",
                               json={"code": "00000", "msg": "success", "requestTime": 1,
                                     "data": BITGET}),
         lambda: lk.Bitget().risk_limits("BTCUSDT"), notionals=(3e4, 1.5e5)),
    Case("bingx", "bingx", "BTC/USDT:USDT", "BTC-USDT",
         market("BTC/USDT:USDT", "BTC-USDT", "BTC", "USDT"),
         {"swapV1PrivateGetMaintMarginRatio": {"code": 0, "msg": "", "timestamp": 1,
                                               "data": BINGX}},
         lambda: responses.get("https://open-api.bingx.com/openApi/swap/v1/maintMarginRatio",
                               json={"code": 0, "msg": "", "timestamp": 1, "data": BINGX}),
         lambda: lk.BingX(FAKE_KEY, FAKE_SECRET).margin_bands("BTC-USDT"),
         notionals=(1e5, 6e5), leverage=None),
]  # fmt: skip
IDS = [c.venue for c in CASES]


def ccxt_exchange(case: Case, *, raw: dict | None = None):
    """A real ccxt exchange, offline: markets set, raw endpoints answering the recording."""
    ex = getattr(ccxt, case.ccxt_id)()
    ex.set_markets([case.market])
    for name, answer in (raw if raw is not None else case.raw).items():
        setattr(ex, name, lambda params=None, answer=answer: answer)
    return ex


@responses.activate
def both_roads(case: Case) -> tuple[pd.DataFrame, pd.DataFrame]:
    case.serve()
    native = case.native()
    bridged = lk.from_ccxt(ccxt_exchange(case), [case.symbol])
    return native, bridged


def same(fn, a, b):
    """``fn`` answers the same on both frames: equal numbers (NaN equal NaN), or the same
    error."""
    got = []
    for frame in (a, b):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", lk.LadderWarning)
                got.append(("ok", fn(frame)))
        except Exception as exc:  # noqa: BLE001 - compared below
            got.append(("error", f"{type(exc).__name__}: {exc}"))
    (kind_a, x), (kind_b, y) = got
    assert kind_a == kind_b, got
    if kind_a == "error":
        assert x == y
    elif isinstance(x, pd.Series | pd.DataFrame):
        np.testing.assert_allclose(np.asarray(x, float), np.asarray(y, float), rtol=1e-12)
        assert list(x.index) == list(y.index)
    else:
        np.testing.assert_allclose(float(x), float(y), rtol=1e-12)
    return got[0]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_ladder_is_the_same_number_for_number(case):
    native, bridged = both_roads(case)
    assert bridged.attrs["ccxt_roads"] == {case.symbol: f"levkit's {case.venue} parser"}
    assert bridged["exchange"].unique().tolist() == [case.venue]
    assert bridged["symbol"].unique().tolist() == [case.native_symbol]
    pd.testing.assert_frame_equal(
        bridged[COLUMNS].reset_index(drop=True), native[COLUMNS].reset_index(drop=True),
        check_dtype=False, rtol=1e-12,
    )  # fmt: skip
    assert bridged["initial_margin_rate"].equals(native["initial_margin_rate"])


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_margin_liquidation_and_sizing_answer_the_same(case):
    native, bridged = both_roads(case)
    v = list(case.notionals)
    lev = case.leverage
    kind, m = same(lambda t: lk.margin(t, v, lev)["maintenance_margin"], native, bridged)
    assert kind == "ok" and (np.asarray(m) > 0).all()  # real figures, not two equal errors
    same(lambda t: lk.margin(t, v, lev)["initial_margin"], native, bridged)
    for side in ("long", "short"):
        same(lambda t, s=side: lk.liquidation_price(t, entry_price=100.0, leverage=lev or 10.0,
                                                     notional=v, side=s), native, bridged)  # fmt: skip
    same(lambda t: lk.leverage_for(t, v, v[0] / 7.5), native, bridged)
    if lev is not None:  # a leverage ladder: the sizing answer is a number somewhere
        kind, got = same(lambda t: lk.leverage_for(t, v, v[-1] / 7.5), native, bridged)
        assert kind == "ok" and np.isfinite(np.asarray(got, float)).any()


def hand_made(native: pd.DataFrame) -> pd.DataFrame:
    """What a user types from a venue's web page: caps, leverages and maintenance rates,
    no deduction (PUBLIC_API 0.3: the venue's rule supplies it, the same on every road)."""
    cols = ["exchange", "symbol", "max_notional", "max_leverage", "maintenance_margin_rate"]
    return tiers_frame(native[cols].to_dict("list"), source="api")


def through_the_snapshot(native: pd.DataFrame, folder) -> pd.DataFrame:
    lk.save_snapshot(native, folder)
    exchange, symbol = native["exchange"].iloc[0], native["symbol"].iloc[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", lk.StaleDataWarning)
        return lk.load_snapshot(exchange, symbol)


ROADS = [(c, r) for c in CASES for r in ("snapshot", "hand-made")
         if not (c.venue == "bingx" and r == "snapshot")]  # fmt: skip
# (BingX's bands are saved as margin bands; load_snapshot reads leverage ladders.)


@pytest.mark.parametrize(("case", "road"), ROADS, ids=[f"{c.venue}-{r}" for c, r in ROADS])
def test_the_snapshot_and_a_hand_made_frame_answer_as_the_native_road(
    case, road, tmp_path, monkeypatch
):
    """PUBLIC_API 0.3: one maintenance-margin rule per venue on every road.  A hand-made
    frame has no deduction: the venue's rule (the published one where the frame has it,
    else the continuity recursion; OKX none) must give the native frame's answers."""
    monkeypatch.setenv("LEVKIT_DATA_DIR", str(tmp_path))
    native, _ = both_roads(case)
    other = through_the_snapshot(native, tmp_path) if road == "snapshot" else hand_made(native)
    v, lev = list(case.notionals), case.leverage
    checks = {
        "margin": lambda t: lk.margin(t, v, lev)["maintenance_margin"],
        "liquidation_price long": lambda t: lk.liquidation_price(
            t, entry_price=100.0, leverage=lev or 10.0, notional=v, side="long"),
        "liquidation_price short": lambda t: lk.liquidation_price(
            t, entry_price=100.0, leverage=lev or 10.0, notional=v, side="short"),
        "leverage_for": lambda t: lk.leverage_for(t, v, v[-1] / 7.5),
    }  # fmt: skip
    failed = {}
    for what, fn in checks.items():
        try:
            same(fn, native, other)
        except AssertionError as exc:
            failed[what] = " ".join(str(exc).split())[:160]
    assert not failed, failed
    kind, _ = same(checks["margin"], native, native)
    assert kind == "ok"


def test_okx_tiers_are_quote_notional_at_the_mark_not_contracts():
    case = next(c for c in CASES if c.venue == "okx")
    _, t = both_roads(case)
    # tier 1: 1000 contracts x 0.01 BTC x 84,660 = 846,600 USDT (not 1000 "USDT")
    assert t["max_notional"].iloc[0] == pytest.approx(1000 * 0.01 * 84_660)
    assert t["max_size"].iloc[0] == 1000 and t["price"].iloc[0] == 84_660
    assert t.attrs["ccxt_prices"] == {"BTC/USDT:USDT": {"price": 84660.0, "source": "markPrice"}}


def test_okx_with_prices_given_and_no_ticker_converts_at_that_price():
    case = next(c for c in CASES if c.venue == "okx")
    raw = {"publicGetPublicPositionTiers": case.raw["publicGetPublicPositionTiers"]}
    ex = ccxt_exchange(case, raw=raw)

    def no_network(*args, **kwargs):
        raise ccxt.NetworkError("offline")

    ex.publicGetPublicMarkPrice = ex.publicGetMarketTicker = no_network
    t = lk.from_ccxt(ex, "BTC/USDT:USDT", prices={"BTC/USDT:USDT": 80_000})
    assert t["max_notional"].iloc[0] == pytest.approx(1000 * 0.01 * 80_000)
    assert t.attrs["ccxt_prices"]["BTC/USDT:USDT"]["source"] == "given"
    with pytest.raises(lk.LevkitError, match=r"mark price is needed.*prices=\{'BTC/USDT:USDT'"):
        lk.from_ccxt(ex, "BTC/USDT:USDT")


@pytest.mark.parametrize("venue", ["binance", "bybit", "okx", "gate", "bitget"])
def test_ccxts_own_unified_fields_give_the_same_caps(venue):
    """The fallback road (ccxt's unified fields; OKX's contracts converted) agrees on caps,
    leverages and rates with the native road, for the venues whose unified fields hold
    them."""
    case = next(c for c in CASES if c.venue == venue)
    native, _ = both_roads(case)
    ex = ccxt_exchange(case)
    tiers, market = ex.fetch_market_leverage_tiers(case.symbol), ex.markets[case.symbol]
    priced = mark_prices(ex, {case.symbol: market}, None) if venue == "okx" else {}
    raw = _unified_frame(ex, venue, None, {case.symbol: (tiers, market)}, priced)
    got = tiers_frame(raw, source="api")
    assert got["symbol"].unique().tolist() == [case.native_symbol]
    for col in ("max_notional", "max_leverage", "maintenance_margin_rate"):
        np.testing.assert_allclose(got[col], native[col], rtol=1e-12, err_msg=col)


def test_hyperliquid_has_no_ccxt_road_and_says_so():
    ex = ccxt.hyperliquid()
    with pytest.raises(lk.LevkitError, match="neither fetchLeverageTiers nor fetchMarketLeverage"):
        lk.from_ccxt(ex, "BTC/USDC:USDC")


@responses.activate
def test_the_native_clients_asked_once_each():
    # the native road really went through the clients (and so through the wire shapes)
    for case in CASES:
        case.serve()
        case.native()
    hosts = {urlsplit(c.request.url).netloc for c in responses.calls}
    assert hosts == {"fapi.binance.com", "api.bybit.com", "www.okx.com", "api.gateio.ws",
                     "api.bitget.com", "open-api.bingx.com"}  # fmt: skip
    gate = [c for c in responses.calls if "gateio" in c.request.url]
    assert parse_qs(urlsplit(gate[0].request.url).query) == {"contract": ["AI16Z_USDT"]}
