"""Binance COIN-M futures: parse functions on the docs' payloads, the published signature
vector, the client over `responses` and over the simulator (in-process session and the
loopback HTTP server).  No network.

Sources: ``levkit/venues/binance_coinm/spec.py`` ([C1]-[C4]) and ``docs/instruments.md``
§3.5 and §6.
"""

from __future__ import annotations

import warnings
from urllib.parse import parse_qsl, urlsplit

import pytest
import responses

import levkit as lk
from levkit.errors import ParseError
from levkit.frames import LadderWarning
from levkit.http.wire import Credentials
from levkit.sim import DEMO_KEY, DEMO_SECRET, Simulator
from levkit.sim.testing import FakeClock
from levkit.venues.binance.dialect import binance_signature
from levkit.venues.binance_coinm.dialect import BinanceCoinMDialect
from levkit.venues.binance_coinm.parse import (
    parse_brackets,
    parse_exchange_info,
    parse_leverage,
    parse_position_risk,
)
from levkit.venues.binance_coinm.sim import demo_ladder

from ..conftest import FAKE_KEY, FAKE_SECRET

HOST = "https://dapi.binance.com"
BRACKETS = HOST + "/dapi/v2/leverageBracket"
RISK = HOST + "/dapi/v1/positionRisk"

# COIN-M general info, "SIGNED Endpoint Examples for POST /dapi/v1/order", Example 3 (mixed
# query string and body): the docs' own sample key material and text, published with this
# signature (reproduced in docs/instruments.md §6).  A public example, not a credential.
DOC_SAMPLE_KEY_MATERIAL = "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9"
DOC_TEXT = (
    "symbol=BTCUSD_200925&side=BUY&type=LIMIT&timeInForce=GTCquantity=1&price=9000"
    "&recvWindow=5000&timestamp= 1591702613943"
)
DOC_SIGNATURE = "f3129e7c72c7727037891ad8a86b76a7dc514ba125a536775c8ba403b2d1b222"

# Notional-Bracket-for-Symbol docs example [C1], comments and stray commas removed, its
# misspelt floor key ``qtylFloor`` kept.
DOC_BRACKETS = [
    {
        "symbol": "BTCUSD_PERP",
        "notionalCoef": 1.50,
        "brackets": [
            {"bracket": 1, "initialLeverage": 125, "qtyCap": 50, "qtylFloor": 0,
             "maintMarginRatio": 0.004, "cum": 0.0}
        ],
    }
]  # fmt: skip
# The COIN-M answer quoted in ccxt 4.5.90 binance.py (comment L11236-11250): a dated symbol,
# ``qtyFloor`` as real answers spell it.
CCXT_BRACKETS = [
    {
        "symbol": "XRPUSD_210326",
        "brackets": [
            {"bracket": 1, "initialLeverage": 20, "qtyCap": 500000, "qtyFloor": 0,
             "maintMarginRatio": 0.0185, "cum": 0.0}
        ],
    }
]  # fmt: skip
# Position-Information docs example [C2] (a hedge-mode account), symbol set to BTCUSD_PERP.
DOC_ROWS = [
    {"symbol": "BTCUSD_PERP", "positionAmt": "0", "entryPrice": "0.0", "markPrice": "0.00000000",
     "leverage": "125", "maxQty": "50", "marginType": "cross", "positionSide": "BOTH"},
    {"symbol": "BTCUSD_PERP", "positionAmt": "1", "entryPrice": "11707.70000003",
     "markPrice": "11788.66626667", "leverage": "125", "maxQty": "50", "marginType": "cross",
     "positionSide": "LONG"},
    {"symbol": "BTCUSD_PERP", "positionAmt": "0", "entryPrice": "0.0", "markPrice": "0.00000000",
     "leverage": "125", "maxQty": "50", "marginType": "cross", "positionSide": "SHORT"},
]  # fmt: skip


# -- parse ----------------------------------------------------------------------------------


def test_docs_example_is_one_bracket_of_50_btc_in_the_coin():
    t = parse_brackets(DOC_BRACKETS)
    row = t.iloc[0]
    assert (row.exchange, row.symbol, row.tier) == ("binance-coinm", "BTCUSD_PERP", 1)
    assert (row.min_notional, row.max_notional, row.max_leverage) == (0.0, 50.0, 125.0)
    assert (row.maintenance_margin_rate, row.mm_deduction) == (0.004, 0.0)
    assert row.initial_margin_rate == pytest.approx(1 / 125)
    # the unit is the coin, the kind coin-margined; the venue's own bounds kept
    assert (row.notional_unit, row.category) == ("BTC", "inverse")
    assert (row.qty_floor, row.bracket, row.notional_coef) == (0.0, 1, 1.5)


def test_real_answers_spell_the_floor_qtyfloor_and_carry_dated_symbols():
    t = parse_brackets(CCXT_BRACKETS)
    assert t[["symbol", "max_notional", "max_leverage", "notional_unit"]].values.tolist() == [
        ["XRPUSD_210326", 500000.0, 20.0, "XRP"]
    ]


def test_a_missing_floor_is_the_previous_cap_and_cum_is_checked():
    # cum_2 = 50 x (0.005 - 0.004) = 0.05 (the FAQ's recursion); no floor key at all
    answer = [{"symbol": "BTCUSD_PERP", "brackets": [
        {"bracket": 1, "initialLeverage": 125, "qtyCap": 50, "maintMarginRatio": 0.004, "cum": 0},
        {"bracket": 2, "initialLeverage": 100, "qtyCap": 100, "maintMarginRatio": 0.005,
         "cum": 0.05}]}]  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error", LadderWarning)
        t = parse_brackets(answer)
    assert t["qty_floor"].tolist() == [0.0, 50.0]
    answer[0]["brackets"][1]["cum"] = 0.07
    with pytest.warns(
        LadderWarning, match="binance-coinm: 'cum' differs.*BTCUSD_PERP tiers \\[2\\]"
    ):
        parse_brackets(answer)


def test_a_bracket_without_a_cap_names_the_field():
    bad = [{"symbol": "BTCUSD_PERP", "brackets": [{"bracket": 1, "initialLeverage": 125}]}]
    with pytest.raises(ParseError, match="qtyCap"):
        parse_brackets(bad)


def test_exchange_info_gives_the_contract_size():
    info = {
        "symbols": [
            {
                "symbol": "BTCUSD_PERP",
                "pair": "BTCUSD",
                "contractType": "PERPETUAL",
                "contractSize": 100,
                "marginAsset": "BTC",
                "contractStatus": "TRADING",
            }
        ]
    }
    assert parse_exchange_info(info)["contract_size"].tolist() == [100.0]
    info["symbols"][0]["contractSize"] = 0
    with pytest.raises(ParseError, match="contractSize"):
        parse_exchange_info(info)


def test_positions_are_contracts_and_their_coin_value():
    t = parse_position_risk(DOC_ROWS, {"BTCUSD_PERP": 100.0})
    long = t[t["side"] == "long"].iloc[0]
    assert long["size"] == 1.0  # one contract of 100 USD
    assert long["position_value"] == pytest.approx(100 / 11788.66626667)
    assert long["max_notional"] == 50.0
    with pytest.raises(ParseError, match="no contract size for BTCUSD_PERP"):
        parse_position_risk(DOC_ROWS, {})


def test_leverage_rows_say_hedge_mode_from_long_and_short_rows():
    hedge = parse_leverage(DOC_ROWS, "BTCUSD_PERP", max_leverage=125.0)
    assert hedge[["side", "leverage", "max_position_value"]].values.tolist() == [
        ["long", 125.0, 50.0], ["short", 125.0, 50.0]
    ]  # fmt: skip
    one_way = parse_leverage(DOC_ROWS[:1], "BTCUSD_PERP", max_leverage=125.0)
    assert one_way["side"].tolist() == ["both"]
    with pytest.raises(ParseError, match="no row for ETHUSD_PERP"):
        parse_leverage(DOC_ROWS, "ETHUSD_PERP", max_leverage=125.0)


# -- signing --------------------------------------------------------------------------------


def test_published_signature_vector_example_3():
    assert binance_signature(DOC_SAMPLE_KEY_MATERIAL, DOC_TEXT) == DOC_SIGNATURE


def test_the_dialect_signs_like_usdm_and_names_this_venue():
    query, body, headers = BinanceCoinMDialect().prepare(
        "GET", "/dapi/v2/leverageBracket", {"symbol": "BTCUSD_PERP"},
        credentials=Credentials(FAKE_KEY, FAKE_SECRET), timestamp_ms=1_700_000_000_000,
        recv_window=5000,
    )  # fmt: skip
    payload, _, sig = query.rpartition("&signature=")
    assert payload == "symbol=BTCUSD_PERP&recvWindow=5000&timestamp=1700000000000"
    assert sig == binance_signature(FAKE_SECRET, payload) and body is None
    assert headers == {"X-MBX-APIKEY": FAKE_KEY}
    with pytest.raises(lk.ExchangeError, match="BTCUSD_PERP or BTCUSD_251226") as err:
        BinanceCoinMDialect().check({"code": -1121, "msg": "Invalid symbol."},
                                    endpoint="/dapi/v2/leverageBracket", status=400, accept=())  # fmt: skip
    assert err.value.exchange == "binance-coinm"


# -- the client over `responses` ------------------------------------------------------------


def client(**kw):
    clock = FakeClock()
    return lk.BinanceCoinM(FAKE_KEY, FAKE_SECRET, clock=clock, sleep=clock.sleep, **kw)


def test_the_ladder_is_private_and_says_so_before_sending():
    with (
        responses.RequestsMock() as rsps,
        pytest.raises(lk.AuthenticationError, match="BINANCE_API_KEY"),
    ):
        lk.BinanceCoinM().risk_limits("BTCUSD_PERP")
    assert len(rsps.calls) == 0


@responses.activate
def test_ladder_and_leverage_are_read_from_their_documented_endpoints():
    responses.get(BRACKETS, json=DOC_BRACKETS)
    responses.get(RISK, json=DOC_ROWS)
    c = client()
    t = c.risk_limits("btcusd_perp")
    assert t["notional_unit"].tolist() == ["BTC"] and t.attrs["source"] == "api"
    lev = c.leverage("BTC/USD:BTC")
    assert lev[["side", "leverage", "max_leverage", "max_position_value"]].values.tolist() == [
        ["long", 125.0, 125.0, 50.0], ["short", 125.0, 125.0, 50.0]
    ]  # fmt: skip
    sent = [dict(parse_qsl(urlsplit(call.request.url).query)) for call in responses.calls]
    assert sent[0]["symbol"] == "BTCUSD_PERP" and "signature" in sent[0]
    # positionRisk takes a pair, never a symbol [C2]
    assert sent[-1]["pair"] == "BTCUSD" and "symbol" not in sent[-1]


@pytest.mark.parametrize("wrong", ["BTC/USDT:USDT", "BTCUSDT", "ETH-USDT"])
def test_a_usdt_spelling_is_refused_not_substituted(wrong):
    with pytest.raises(
        lk.InvalidSymbolError,
        match=r"USDT and USDC contracts are on the binance venue \(lk.Binance\)",
    ):
        lk.BinanceCoinM().symbol(wrong)


def test_the_bare_base_asset_is_refused_never_read_as_the_coin_perpetual():
    # "BTC" names a venue's USDT perpetual (PUBLIC_API 0.3), which COIN-M lists none of
    with pytest.raises(lk.InvalidSymbolError, match="lists none: write its id"):
        lk.BinanceCoinM().symbol("BTC")


def test_the_registry_knows_the_venue():
    row = lk.exchanges().loc["binance-coinm"]
    assert (row.client, row.symbol_example, bool(row.set_leverage)) == (
        "BinanceCoinM", "BTCUSD_PERP", True
    )  # fmt: skip
    assert lk.BinanceCoinM.from_env  # the same BINANCE_* variables as lk.Binance
    assert lk.BinanceCoinM.env_prefix == lk.Binance.env_prefix == "BINANCE"


# -- the client over the simulator, both transports ------------------------------------------


@pytest.fixture(params=["in-process", "loopback"])
def sim_client(request):
    clock = FakeClock()
    sim = Simulator(demo_ladder(), clock=clock, sleep=clock.sleep, prices={"BTC": 60_000.0})
    opts = {"clock": clock, "sleep": clock.sleep}
    if request.param == "in-process":
        yield sim, lk.BinanceCoinM(DEMO_KEY, DEMO_SECRET, session=sim.session(), **opts)
    else:
        with sim.serve() as url:
            yield sim, lk.BinanceCoinM(DEMO_KEY, DEMO_SECRET, base_url=url, **opts)


def test_simulator_serves_coin_margined_ladders(sim_client):
    sim, c = sim_client
    t = c.risk_limits()
    assert t.attrs["source"] == "simulator"
    eth = t[t["symbol"] == "ETHUSD_PERP"]
    assert eth["max_notional"].tolist() == [250.0, 1_000.0, 5_000.0]
    assert set(t["notional_unit"]) == {"BTC", "ETH"} and set(t["category"]) == {"inverse"}
    assert lk.max_position_value(eth, 50) == 1_000.0  # in ETH, the ladder's unit


def test_simulator_set_leverage_then_in_force_sends_nothing(sim_client):
    sim, c = sim_client
    out = c.set_leverage("ETHUSD_PERP", 50)
    assert out[["leverage", "previous_leverage", "changed"]].values.tolist() == [[50.0, 10.0, True]]
    assert out["max_position_value"].tolist() == [1_000.0]  # maxQty, ETH
    assert sim.leverage("binance-coinm", "ETHUSD_PERP", "both") == 50.0
    before = sim.count("/dapi/v1/leverage", method="POST")
    again = c.set_leverage("ETHUSD_PERP", 50)
    assert again["changed"].tolist() == [False]
    assert sim.count("/dapi/v1/leverage", method="POST") == before
    with pytest.raises(lk.InvalidLeverageError):
        c.set_leverage("ETHUSD_PERP", 76)  # above the top bracket: refused before sending
    with pytest.raises(lk.InvalidLeverageError, match="one leverage per symbol"):
        c.set_leverage("ETHUSD_PERP", 20, side="long")


def test_simulator_refuses_a_leverage_below_an_open_position(sim_client):
    sim, c = sim_client
    sim.open_position("binance-coinm", "ETHUSD_PERP", "long", 2_000.0)  # ETH
    with pytest.raises(lk.ExchangeError) as err:
        c.set_leverage("ETHUSD_PERP", 50)  # cap 1,000 ETH at 50x
    assert err.value.code == -2027


def test_simulator_positions_in_contracts_and_coins(sim_client):
    sim, c = sim_client
    sim.open_position("binance-coinm", "BTCUSD_PERP", "short", 0.25)  # 0.25 BTC at 60,000
    out = c.positions("BTCUSD_PERP")
    assert out[["side", "direction", "size"]].values.tolist() == [["both", "short", 150.0]]
    assert out["position_value"].tolist() == pytest.approx([0.25])
    sim.set_position_mode("binance-coinm", True)
    lev = c.leverage("BTCUSD_PERP")
    assert lev["side"].tolist() == ["long", "short"]
