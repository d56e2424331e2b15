"""Bitget v2 mix (USDT-FUTURES): parse on the docs' payloads, signing, the client over
``responses`` and over the simulator.  No network; fake keys only."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest
import responses

import levkit as lk
from levkit.errors import (
    AuthenticationError,
    ExchangeError,
    ExchangeLeverageError,
    InvalidLeverageError,
    ParseError,
    PositionModeError,
    RateLimitError,
)
from levkit.frames import tiers_frame
from levkit.http.wire import Credentials, RequestPreview, RequestSequence
from levkit.sim import DEMO_KEY, DEMO_PASSPHRASE, DEMO_SECRET, Simulator
from levkit.venues.bitget.dialect import BitgetDialect, prehash, sign, sorted_query
from levkit.venues.bitget.parse import parse_account, parse_contracts, parse_position_lever
from tests.conftest import FAKE_KEY, FAKE_SECRET, FakeClock

HOST = "https://api.bitget.com"
LADDER = "/api/v2/mix/market/query-position-lever"
CONTRACTS = "/api/v2/mix/market/contracts"
ACCOUNT = "/api/v2/mix/account/account"
SET = "/api/v2/mix/account/set-leverage"
TIME = "/api/v2/public/time"
FAKE_PASS = "test-pass-not-real-0000"

# The docs' examples (www.bitget.com/api-doc: Get-Query-Position-Lever, Get-Single-Account,
# Change-Leverage), written out inline.
DOC_LADDER = {
    "code": "00000",
    "msg": "success",
    "requestTime": 1695796884470,
    "data": [
        {"symbol": "BTCUSDT", "level": "1", "startUnit": "0", "endUnit": "50000",
         "leverage": "125", "keepMarginRate": "0.004"},
        {"symbol": "BTCUSDT", "level": "2", "startUnit": "50000", "endUnit": "200000",
         "leverage": "100", "keepMarginRate": "0.005"},
    ],
}  # fmt: skip
DOC_ACCOUNT = {
    "code": "00000",
    "data": {
        "marginCoin": "USDT", "locked": "0", "available": "13168.86110692",
        "crossedMarginLeverage": "20", "isolatedLongLever": "20", "isolatedShortLever": "20",
        "marginMode": "crossed", "posMode": "hedge_mode", "unrealizedPL": "",
        "assetMode": "union",
    },
    "msg": "success",
    "requestTime": 1627292199523,
}  # fmt: skip
DOC_SET = {
    "code": "00000",
    "data": {"symbol": "BTCUSDT", "marginCoin": "USDT", "longLeverage": "25",
             "shortLeverage": "20", "crossMarginLeverage": "20", "marginMode": "crossed"},
    "msg": "success",
    "requestTime": "1627293049406",
}  # fmt: skip


@pytest.fixture(autouse=True)
def _no_bitget_env(monkeypatch):
    for name in ("API_KEY", "API_SECRET", "PASSPHRASE", "TESTNET"):
        monkeypatch.delenv(f"BITGET_{name}", raising=False)


def _ladders() -> object:
    rows = {
        "BTCUSDT": [(50e3, 125.0), (200e3, 100.0), (1e6, 50.0), (1e9, 1.0)],
        "ETHUSDT": [(100e3, 100.0), (1e8, 1.0)],
        "SOLUSDT": [(20e3, 75.0), (5e7, 1.0)],
    }
    flat = [(s, c, x) for s, tiers in rows.items() for c, x in tiers]
    return tiers_frame(
        {
            "exchange": ["bitget"] * len(flat),
            "symbol": [s for s, _, _ in flat],
            "max_notional": [c for _, c, _ in flat],
            "max_leverage": [x for _, _, x in flat],
        },
        source="snapshot",
    )


@pytest.fixture
def sim(clock):
    return Simulator(tiers=_ladders(), clock=clock, sleep=clock.sleep)


@pytest.fixture
def bg(sim, clock):
    return lk.Bitget(
        DEMO_KEY,
        DEMO_SECRET,
        passphrase=DEMO_PASSPHRASE,
        session=sim.session(),
        clock=clock,
        sleep=clock.sleep,
        progress=False,
    )


# -- registry -----------------------------------------------------------------------------
def test_registry_lists_bitget_with_its_capabilities():
    row = lk.exchanges().loc["bitget"]
    assert row["client"] == "Bitget" and bool(row["public_ladder"]) and bool(row["set_leverage"])
    assert row["symbol_example"] == "BTCUSDT" and float(row["leverage_step"]) == 1.0
    assert lk.Bitget.exchange == "bitget" and lk.Bitget.env_prefix == "BITGET"


def test_from_env_reads_bitget_variables_and_testnet_is_demo_header(monkeypatch):
    monkeypatch.setenv("BITGET_API_KEY", FAKE_KEY)
    monkeypatch.setenv("BITGET_API_SECRET", FAKE_SECRET)
    monkeypatch.setenv("BITGET_PASSPHRASE", FAKE_PASS)
    monkeypatch.setenv("BITGET_TESTNET", "1")
    client = lk.Bitget.from_env()
    assert client.has_keys and client.transport.credentials.passphrase == FAKE_PASS
    prepared = client.transport.prepare("GET", ACCOUNT, {"symbol": "BTCUSDT"}, signed=True)
    assert prepared.headers["paptrading"] == "1"
    assert FAKE_SECRET not in repr(client) and FAKE_PASS not in repr(client)
    live = lk.Bitget(FAKE_KEY, FAKE_SECRET, passphrase=FAKE_PASS)
    assert "paptrading" not in live.transport.prepare("GET", TIME).headers


def test_key_without_passphrase_is_refused_naming_the_variable():
    with pytest.raises(AuthenticationError, match="BITGET_PASSPHRASE"):
        lk.Bitget(FAKE_KEY, FAKE_SECRET)


def test_symbols_are_spelled_the_bitget_way():
    client = lk.Bitget()
    assert [client.symbol(s) for s in ("BTC/USDT:USDT", "btc-usdt", "BTC")] == ["BTCUSDT"] * 3
    # levkit reads productType USDT-FUTURES only: a USDC or coin-margined id is refused, not
    # sent as a USDT-FUTURES symbol (issue 22)
    for other in ("ETHUSDC", "BTCPERP", "BTC/USDC:USDC", "BTCUSD", "BTC/USD:BTC"):
        with pytest.raises(lk.InvalidSymbolError, match="USDT-FUTURES only"):
            client.symbol(other)


# -- parse ------------------------------------------------------------------------------
def test_parse_docs_ladder_reads_and_derives():
    df = parse_position_lever(list(reversed(DOC_LADDER["data"])))  # sorted by levkit
    assert df["max_notional"].tolist() == [50000.0, 200000.0]
    assert df["min_notional"].tolist() == [0.0, 50000.0]
    assert df["max_leverage"].tolist() == [125.0, 100.0]
    assert df["maintenance_margin_rate"].tolist() == [0.004, 0.005]
    assert df["initial_margin_rate"].tolist() == pytest.approx([1 / 125, 1 / 100])
    assert df["mm_deduction"].tolist() == pytest.approx([0.0, 50.0])
    assert df["notional_unit"].tolist() == ["USDT", "USDT"] and df.attrs["derived"]


def test_parse_ladder_accepts_numbers_and_keeps_symbols_apart():
    rows = [
        {"symbol": "ETHUSDT", "level": 2, "startUnit": 10, "endUnit": 30, "leverage": 50,
         "keepMarginRate": 0.02},
        {"symbol": "BTCUSDT", "level": 1, "startUnit": 0, "endUnit": 100, "leverage": 20,
         "keepMarginRate": 0.01},
        {"symbol": "ETHUSDT", "level": 1, "startUnit": 0, "endUnit": 10, "leverage": 75,
         "keepMarginRate": 0.01},
    ]  # fmt: skip
    df = parse_position_lever(rows)
    assert df["symbol"].tolist() == ["BTCUSDT", "ETHUSDT", "ETHUSDT"]
    # BTC's only tier starts a new recursion; ETH tier 2: 10 * (0.02 - 0.01)
    assert df["mm_deduction"].tolist() == pytest.approx([0.0, 0.0, 0.1])


def test_parse_ladder_rejects_a_tier_without_leverage():
    with pytest.raises(lk.LevkitError):
        parse_position_lever([{"symbol": "BTCUSDT", "endUnit": "1", "leverage": ""}])


def test_parse_account_docs_example_and_numbers():
    df = parse_account(DOC_ACCOUNT["data"], symbol="BTCUSDT")
    assert df[["side", "leverage"]].values.tolist() == [["long", 20.0], ["short", 20.0]]
    data = {**DOC_ACCOUNT["data"], "marginMode": "isolated", "posMode": "one_way_mode",
            "isolatedLongLever": 14, "isolatedShortLever": 14}  # fmt: skip
    df = parse_account(data, symbol="BTCUSDT")
    assert df[["side", "leverage", "margin_mode", "position_mode"]].values.tolist() == [
        ["both", 14.0, "isolated", "one-way"]
    ]
    hedge = {**data, "posMode": "hedge_mode", "isolatedShortLever": "7"}
    assert parse_account(hedge, symbol="BTCUSDT")["leverage"].tolist() == [14.0, 7.0]


def test_parse_contracts_demo_example_empty_max():
    df = parse_contracts([{"symbol": "SBTCSUSDT", "symbolStatus": "normal", "maxLever": ""}])
    assert np.isnan(df["max_leverage"].iloc[0]) and df["status"].iloc[0] == "normal"


# -- signing ----------------------------------------------------------------------------
def test_prehash_matches_the_docs_examples():
    # www.bitget.com/api-doc/common/signature (zh copy: query sorted by key).  Bitget publishes
    # the strings to sign but no resulting signature, so the HMAC is checked by recomputation.
    assert (
        prehash(16273667805456, "GET", "/api/mix/v2/market/depth", "limit=20&symbol=BTCUSDT")
        == "16273667805456GET/api/mix/v2/market/depth?limit=20&symbol=BTCUSDT"
    )
    body = '{"symbol":"BTCUSDT","productType":"USDT-FUTURES"}'
    assert prehash(16273667805456, "post", "/api/v2/mix/order/place-order", "", body) == (
        "16273667805456POST/api/v2/mix/order/place-order" + body
    )
    assert sorted_query({"symbol": "BTCUSDT", "limit": 20}) == "limit=20&symbol=BTCUSDT"


def test_signature_is_base64_hmac_of_exactly_what_is_sent():
    creds = Credentials(FAKE_KEY, FAKE_SECRET, FAKE_PASS)
    d = BitgetDialect()
    query, body, headers = d.prepare(
        "GET", ACCOUNT, {"symbol": "BTCUSDT", "productType": "USDT-FUTURES", "marginCoin": "USDT"},
        credentials=creds, timestamp_ms=1_700_000_000_000, recv_window=5000,
    )  # fmt: skip
    assert query == "marginCoin=USDT&productType=USDT-FUTURES&symbol=BTCUSDT" and body is None
    msg = f"1700000000000GET{ACCOUNT}?{query}"
    expected = base64.b64encode(
        hmac.new(FAKE_SECRET.encode(), msg.encode(), hashlib.sha256).digest()
    ).decode()
    assert headers["ACCESS-SIGN"] == expected == sign(FAKE_SECRET, msg)
    assert (
        headers["ACCESS-PASSPHRASE"] == FAKE_PASS and headers["ACCESS-TIMESTAMP"] == "1700000000000"
    )
    _, body, headers = d.prepare(
        "POST", SET, {"symbol": "BTCUSDT", "leverage": "20"},
        credentials=creds, timestamp_ms=1, recv_window=5000,
    )  # fmt: skip
    assert headers["ACCESS-SIGN"] == sign(FAKE_SECRET, f"1POST{SET}{body}")


# -- the client over responses ------------------------------------------------------------
def _client(**kw):
    return lk.Bitget(FAKE_KEY, FAKE_SECRET, passphrase=FAKE_PASS, progress=False, **kw)


@responses.activate
def test_responses_ladder_is_public_and_sorted_query():
    responses.get(HOST + LADDER, json=DOC_LADDER)
    df = lk.Bitget().risk_limits("BTC/USDT:USDT")
    assert df["max_leverage"].tolist() == [125.0, 100.0] and df.attrs["source"] == "api"
    sent = responses.calls[0].request
    assert urlsplit(sent.url).query == "productType=USDT-FUTURES&symbol=BTCUSDT"
    assert "ACCESS-KEY" not in sent.headers
    lk.Bitget().risk_limits("BTCUSDT")  # a new client: no shared cache
    assert len(responses.calls) == 2


@responses.activate
def test_responses_leverage_reads_docs_account_and_fills_caps():
    responses.get(HOST + ACCOUNT, json=DOC_ACCOUNT)
    responses.get(HOST + LADDER, json=DOC_LADDER)
    df = _client().leverage("BTCUSDT")
    assert df[["side", "leverage", "max_leverage", "max_position_value"]].values.tolist() == [
        ["long", 20.0, 125.0, 200000.0],
        ["short", 20.0, 125.0, 200000.0],
    ]
    sent = responses.calls[0].request
    assert dict(parse_qsl(urlsplit(sent.url).query)) == {
        "symbol": "BTCUSDT", "productType": "USDT-FUTURES", "marginCoin": "USDT"
    }  # fmt: skip
    assert sent.headers["ACCESS-PASSPHRASE"] == FAKE_PASS


@responses.activate
def test_responses_set_leverage_sends_the_documented_body():
    responses.get(HOST + LADDER, json=DOC_LADDER)
    responses.get(HOST + ACCOUNT, json=DOC_ACCOUNT)
    answer = {**DOC_SET, "data": {**DOC_SET["data"], "longLeverage": "25", "shortLeverage": "25",
                                  "crossMarginLeverage": "25"}}  # fmt: skip
    responses.post(HOST + SET, json=answer)
    df = _client().set_leverage("BTCUSDT", 25)
    body = json.loads(responses.calls[-1].request.body)
    assert body == {"symbol": "BTCUSDT", "productType": "USDT-FUTURES", "marginCoin": "USDT",
                    "leverage": "25"}  # fmt: skip
    assert df["leverage"].tolist() == [25.0, 25.0] and df["changed"].all()
    assert df["previous_leverage"].tolist() == [20.0, 20.0]


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (400, "40009", AuthenticationError),
        (400, "40012", AuthenticationError),
        (400, "40102", ExchangeError),
        (400, "40797", ExchangeLeverageError),
        (429, "429", RateLimitError),
    ],
)
@responses.activate
def test_responses_error_codes(status, code, kind, clock):
    responses.get(HOST + ACCOUNT, json={"code": code, "msg": "x", "requestTime": 1, "data": None},
                  status=status)  # fmt: skip
    with pytest.raises(kind) as info:
        _client(max_retries=0, clock=clock, sleep=clock.sleep)._read_state("BTCUSDT", {})
    assert info.value.code == int(code) and info.value.exchange == "bitget"


@responses.activate
def test_responses_skew_resyncs_with_server_time(clock):
    responses.get(HOST + ACCOUNT, json={"code": "40008", "msg": "Request timestamp expired",
                                        "requestTime": 1, "data": None}, status=400)  # fmt: skip
    responses.get(HOST + ACCOUNT, json=DOC_ACCOUNT)
    server_ms = int(clock.now * 1000) + 60_000
    responses.get(HOST + TIME, json={"code": "00000", "msg": "success", "requestTime": server_ms,
                                     "data": {"serverTime": str(server_ms)}})  # fmt: skip
    client = _client(clock=clock, sleep=clock.sleep)
    frame = client._read_state("BTCUSDT", {})
    assert frame["leverage"].tolist() == [20.0, 20.0]
    assert abs(client.transport.offset_ms - 60_000) < 50
    assert [urlsplit(c.request.url).path for c in responses.calls] == [ACCOUNT, TIME, ACCOUNT]


# -- the client over the simulator -----------------------------------------------------------
def test_sim_full_ladder_is_one_plus_n_requests(bg, sim):
    df = bg.risk_limits()
    assert sorted(set(df["symbol"])) == ["BTCUSDT", "ETHUSDT", "SOLUSDT"]
    assert sim.count(CONTRACTS) == 1 and sim.count(LADDER) == 3 and len(sim.calls) == 1 + 3
    assert df.attrs["source"] == "simulator"
    bg.risk_limits()
    assert len(sim.calls) == 4  # cached


def test_sim_full_ladder_is_paced_at_ten_per_second(sim, clock):
    big = tiers_frame(
        {"exchange": "bitget", "symbol": [f"C{i}USDT" for i in range(25)],
         "max_notional": 1e6, "max_leverage": 20.0},
        source="snapshot",
    )  # fmt: skip
    sim2 = Simulator(tiers=big, clock=clock, sleep=clock.sleep)
    start = clock.now
    client = lk.Bitget(session=sim2.session(), clock=clock, sleep=clock.sleep, progress=False)
    assert len(client.risk_limits()) == 25
    assert sim2.count(LADDER) == 25 and sim2.count(code=429) == 0
    assert clock.now - start >= 2.0  # 25 calls at 10/s need two full windows


def test_sim_leverage_read_and_caps(bg, sim):
    sim.set_leverage("bitget", "BTCUSDT", 50)
    df = bg.leverage("BTC")
    assert df[["side", "leverage", "max_leverage", "max_position_value"]].values.tolist() == [
        ["both", 50.0, 125.0, 1e6]
    ]
    assert df["margin_mode"].tolist() == ["cross"]


def test_sim_set_then_same_value_is_unchanged(bg, sim):
    out = bg.set_leverage("BTCUSDT", 20)
    assert out["changed"].tolist() == [True] and sim.leverage("bitget", "BTCUSDT", "both") == 20
    assert out["max_position_value"].tolist() == [1e6]
    again = bg.set_leverage("BTCUSDT", 20)
    assert again["changed"].tolist() == [False] and again["previous_leverage"].tolist() == [20.0]


def test_sim_isolated_hedge_sets_sides_and_both_is_two_requests(bg, sim):
    sim.set_account("bitget", hedge=True, margin_mode="isolated")
    out = bg.set_leverage("BTCUSDT", 30, side="short")
    assert out[["side", "leverage", "changed"]].values.tolist() == [
        ["long", 10.0, False],
        ["short", 30.0, True],
    ]
    posts = [c.params.get("holdSide") for c in sim.calls if c.path == SET]
    assert posts == ["short"]
    preview = bg.set_leverage("BTCUSDT", 40, dry_run=True)
    assert isinstance(preview, RequestSequence) and len(preview) == 2
    assert [json.loads(p.body)["holdSide"] for p in preview] == ["long", "short"]
    assert sim.count(SET) == 1  # the dry run sent nothing
    both = bg.set_leverage("BTCUSDT", 40)
    assert both["changed"].tolist() == [True, True] and sim.count(SET) == 3


def test_sim_cross_refuses_one_side_before_sending(bg, sim):
    with pytest.raises(PositionModeError, match="side='both'"):
        bg.set_leverage("BTCUSDT", 20, side="long")
    assert sim.count(SET) == 0


def test_sim_dry_run_shows_no_secret(bg, sim, caplog):
    caplog.set_level(logging.DEBUG, logger="levkit")
    preview = bg.set_leverage("BTCUSDT", 25, dry_run=True)
    assert isinstance(preview, RequestPreview) and sim.count(SET) == 0
    shown = repr(preview) + preview._repr_html_() + json.dumps(preview.to_dict())
    for secret in (DEMO_SECRET, DEMO_PASSPHRASE, DEMO_KEY):
        assert secret not in shown
    assert preview.headers["ACCESS-SIGN"] == "<signed when sent>"
    frame = bg.leverage("BTCUSDT")
    assert DEMO_PASSPHRASE not in repr(frame.attrs) and DEMO_SECRET not in repr(frame.attrs)
    assert DEMO_PASSPHRASE not in caplog.text and DEMO_SECRET not in caplog.text


def test_sim_leverage_validated_before_sending(bg, sim):
    for bad in (126, 0, 12.5, "x"):
        with pytest.raises(InvalidLeverageError):
            bg.set_leverage("BTCUSDT", bad)
    assert sim.count(SET) == 0


def test_sim_too_high_for_the_open_position(bg, sim):
    sim.open_position("bitget", "BTCUSDT", "long", 500_000)
    with pytest.raises(ExchangeError) as info:
        bg.set_leverage("BTCUSDT", 100)
    assert info.value.code == 40104
    assert bg.set_leverage("BTCUSDT", 50)["changed"].tolist() == [True]


def test_sim_answers_40797_above_the_top(bg):
    body = {"symbol": "BTCUSDT", "productType": "USDT-FUTURES", "marginCoin": "USDT",
            "leverage": "200"}  # fmt: skip
    with pytest.raises(ExchangeLeverageError):
        bg._call("set_leverage", body)


def test_sim_unknown_symbol(bg):
    with pytest.raises(ExchangeError) as info:
        bg.risk_limits("NOPEUSDT")
    assert info.value.code == 40102


def test_sim_auth_failures(sim, clock):
    kw = {"session": sim.session(), "clock": clock, "sleep": clock.sleep, "progress": False}
    with pytest.raises(AuthenticationError) as info:
        lk.Bitget(DEMO_KEY, "wrong-secret-0000", passphrase=DEMO_PASSPHRASE, **kw).leverage(
            "BTCUSDT"
        )
    assert info.value.code == 40009
    with pytest.raises(AuthenticationError) as info:
        lk.Bitget(FAKE_KEY, FAKE_SECRET, passphrase="p", **kw).leverage("BTCUSDT")
    assert info.value.code == 40006
    sim.passphrases = {DEMO_KEY: "right-pass"}
    with pytest.raises(AuthenticationError) as info:
        lk.Bitget(DEMO_KEY, DEMO_SECRET, passphrase="wrong-pass", **kw).leverage("BTCUSDT")
    assert info.value.code == 40012
    ok = lk.Bitget(DEMO_KEY, DEMO_SECRET, passphrase="right-pass", **kw)
    assert ok.leverage("BTCUSDT")["leverage"].tolist() == [10.0]


def test_private_call_without_keys_names_the_variables(sim):
    client = lk.Bitget(session=sim.session(), progress=False)
    for call in (lambda: client.leverage("BTCUSDT"), lambda: client.set_leverage("BTCUSDT", 5)):
        with pytest.raises(AuthenticationError, match="BITGET_API_KEY"):
            call()
    assert sim.count(ACCOUNT) == 0 and sim.count(SET) == 0


def test_sim_rate_limit_is_a_rate_limit_error(sim, clock):
    client = lk.Bitget(
        DEMO_KEY, DEMO_SECRET, passphrase=DEMO_PASSPHRASE, session=sim.session(), clock=FakeClock(),
        max_retries=0, progress=False,
    )  # fmt: skip
    # The client paces itself on its own clock; this one never advances, the simulator's
    # limiter (5/s per UID on set-leverage) must answer 429 itself.
    client._endpoint_limiter = lambda ep: None  # type: ignore[method-assign]
    body = {"symbol": "BTCUSDT", "productType": "USDT-FUTURES", "marginCoin": "USDT",
            "leverage": "5"}  # fmt: skip
    for _ in range(5):
        client.transport.request("POST", SET, body, signed=True)
    with pytest.raises(RateLimitError) as info:
        client.transport.request("POST", SET, body, signed=True)
    assert info.value.status == 429 and sim.count(SET, code=429) == 1


def test_sim_clock_skew_is_fixed_by_a_time_sync(sim, clock):
    sim.skew = 120.0  # the server runs two minutes ahead
    client = lk.Bitget(DEMO_KEY, DEMO_SECRET, passphrase=DEMO_PASSPHRASE, session=sim.session(),
                       clock=clock, sleep=clock.sleep, progress=False)  # fmt: skip
    assert client.leverage("BTCUSDT")["leverage"].tolist() == [10.0]
    assert sim.count(TIME) == 1 and sim.count(ACCOUNT, code=40008) == 1


def test_sim_second_side_failing_is_reported_partial(bg, sim):
    sim.set_account("bitget", hedge=True, margin_mode="isolated")
    sim.open_position("bitget", "BTCUSDT", "short", 500_000)
    with pytest.raises(ExchangeError) as info:
        bg.set_leverage("BTCUSDT", 100)  # long may take 100x, the short position may not
    assert info.value.partial and "long side was already set" in str(info.value)
    assert sim.leverage("bitget", "BTCUSDT", "long") == 100.0


# -- positions (GET /api/v2/mix/position/single-position) ---------------------------------
POSITION = "/api/v2/mix/position/single-position"


def _bitget_position(hold="long", total="0.01", mode="one_way_mode", **kw):
    """A single-position row as the docs' example gives it (strings)."""
    row = {"marginCoin": "USDT", "symbol": "BTCUSDT", "holdSide": hold, "openDelegateSize": "0",
           "marginSize": "96.0616", "available": total, "locked": "0", "total": total,
           "leverage": "10", "achievedProfits": "0", "openPriceAvg": "96061.6",
           "marginMode": "crossed", "posMode": mode, "unrealizedPL": "14.338",
           "liquidationPrice": "-9880613.76", "keepMarginRate": "0.004", "markPrice": "97495.4",
           "cTime": "1739431888793", "uTime": "1739621073343"}  # fmt: skip
    row.update(kw)
    return row


def test_single_position_value_is_total_times_mark_and_side_follows_pos_mode():
    from levkit.venues.bitget.parse import parse_single_position

    one_way = parse_single_position([_bitget_position()])
    assert one_way[["side", "direction", "size"]].values.tolist() == [["both", "long", 0.01]]
    assert one_way["position_value"].iloc[0] == pytest.approx(0.01 * 97495.4)
    hedge = parse_single_position(
        [_bitget_position("long", "2", "hedge_mode"), _bitget_position("short", "1", "hedge_mode")]
    )
    assert hedge[["side", "direction"]].values.tolist() == [["long", "long"], ["short", "short"]]
    assert parse_single_position([]).empty and parse_single_position(None).empty
    with pytest.raises(ParseError, match="holdSide"):
        parse_single_position([_bitget_position("net")])


@responses.activate
def test_positions_over_responses_signed_with_product_and_margin_coin():
    body = {"code": "00000", "msg": "success", "requestTime": 1, "data": [_bitget_position()]}
    responses.get(HOST + POSITION, json=body)
    df = _client().positions("BTC/USDT:USDT")
    assert df[["exchange", "symbol", "side", "entry_price", "mark_price"]].values.tolist() == [
        ["bitget", "BTCUSDT", "both", 96061.6, 97495.4]]  # fmt: skip
    q = dict(parse_qsl(urlsplit(responses.calls[0].request.url).query))
    assert q == {"marginCoin": "USDT", "productType": "USDT-FUTURES", "symbol": "BTCUSDT"}
    assert responses.calls[0].request.headers["ACCESS-SIGN"]


@responses.activate
def test_positions_without_keys_raise_before_sending():
    with pytest.raises(AuthenticationError, match="BITGET_PASSPHRASE"):
        lk.Bitget().positions("BTCUSDT")
    assert len(responses.calls) == 0


def test_positions_on_the_simulator_flat_open_and_hedge():
    sim = Simulator()
    c = lk.Bitget(DEMO_KEY, DEMO_SECRET, passphrase=DEMO_PASSPHRASE, session=sim.session())
    assert c.positions("BTCUSDT").empty
    sim.open_position("bitget", "BTCUSDT", "short", 1_000_000)
    df = c.positions("BTCUSDT")
    assert df[["side", "direction"]].values.tolist() == [["both", "short"]]
    assert df["position_value"].iloc[0] == pytest.approx(1_000_000, rel=1e-12)
    sim.set_position_mode("bitget", True)
    sim.open_position("bitget", "BTCUSDT", "long", 40_000)
    assert c.positions("BTCUSDT")[["side", "position_value"]].values.tolist() == [
        ["long", pytest.approx(40_000)], ["short", pytest.approx(1_000_000)]]  # fmt: skip
    unsigned = lk.Bitget(DEMO_KEY, "wrong-secret", passphrase=DEMO_PASSPHRASE,
                         session=sim.session(), max_retries=0)  # fmt: skip
    with pytest.raises(AuthenticationError):
        unsigned.positions("BTCUSDT")  # the simulator checks the signature here too
