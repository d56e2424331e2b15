"""OKX (API v5, USDT swaps): parse functions on the docs' payloads, the signature recipe,
the client over ``responses`` and over the simulator.  No network; fake keys only."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging

import pandas as pd
import pytest
import responses

import levkit as lk
from levkit.errors import ParseError
from levkit.frames import tiers_frame
from levkit.http.wire import Credentials, RequestPreview, RequestSequence
from levkit.sim import DEMO_KEY, DEMO_PASSPHRASE, DEMO_SECRET, Simulator
from levkit.sim.testing import FakeClock
from levkit.venues.okx.dialect import OKXDialect, okx_prehash, okx_signature, okx_timestamp
from levkit.venues.okx.parse import (
    parse_instruments,
    parse_leverage_info,
    parse_marks,
    parse_pos_mode,
    parse_position_tiers,
)

HOST = "https://www.okx.com"
KEY = "test-key-0000"
SECRET = "test-secret-not-real-0000"
PASSPHRASE = "test-pass-not-real-0000"
PASS = DEMO_PASSPHRASE

# -- payloads written from the docs and the reference quotes --------------------------------

#: BTC-USDT-SWAP row of a live instruments answer (NexusTrader docstring, about Nov 2024).
BTC_INSTRUMENT = {
    "instId": "BTC-USDT-SWAP", "instFamily": "BTC-USDT", "uly": "BTC-USDT", "instType": "SWAP",
    "ctMult": "1", "ctType": "linear", "ctVal": "0.01", "ctValCcy": "BTC", "lever": "100",
    "lotSz": "0.1", "minSz": "0.1", "settleCcy": "USDT", "state": "live",
}  # fmt: skip
#: SWAP tiers 1 and 100 quoted in ccxt PR #11938 (BTC-USDT, 2022).
CCXT_TIERS = [
    {"baseMaxLoan": "", "imr": "0.008", "instId": "", "maxLever": "125", "maxSz": "500",
     "minSz": "0", "mmr": "0.004", "optMgnFactor": "0", "quoteMaxLoan": "", "tier": "1",
     "uly": "BTC-USDT"},
    {"baseMaxLoan": "", "imr": "0.5", "instId": "", "maxLever": "2", "maxSz": "982000",
     "minSz": "972001", "mmr": "0.495", "optMgnFactor": "0", "quoteMaxLoan": "", "tier": "100",
     "uly": "BTC-USDT"},
]  # fmt: skip
#: The docs' position-tiers example: a MARGIN row (no family, sizes are borrow limits).
DOCS_MARGIN_TIER = {
    "baseMaxLoan": "50", "imr": "0.1", "instId": "BTC-USDT", "maxLever": "10", "maxSz": "50",
    "minSz": "0", "mmr": "0.03", "optMgnFactor": "0", "quoteMaxLoan": "500000", "tier": "1",
    "uly": "", "instFamily": "",
}  # fmt: skip
#: The docs' leverage-info example (cross, long/short mode).
DOCS_LEVERAGE_INFO = [
    {"ccy": "", "instId": "BTC-USDT-SWAP", "mgnMode": "cross", "posSide": "long", "lever": "10"},
    {"ccy": "", "instId": "BTC-USDT-SWAP", "mgnMode": "cross", "posSide": "short", "lever": "10"},
]
#: The docs' set-leverage answer (an echo, no cap).
DOCS_SET_ECHO = [
    {"lever": "30", "mgnMode": "isolated", "instId": "BTC-USDT-SWAP", "posSide": "long"}
]


def env(data, code="0", msg=""):
    return {"code": code, "msg": msg, "data": data}


@pytest.fixture(autouse=True)
def _no_okx_env(monkeypatch):
    for name in ("OKX_API_KEY", "OKX_API_SECRET", "OKX_PASSPHRASE", "OKX_TESTNET"):
        monkeypatch.delenv(name, raising=False)


# -- registry and construction ---------------------------------------------------------------


def test_registry_lists_okx():
    row = lk.exchanges().loc["okx"]
    assert (row.client, row.symbol_example, row.env_prefix) == ("OKX", "BTC-USDT-SWAP", "OKX")
    assert bool(row.public_ladder) and bool(row.set_leverage) and bool(row.hedge_mode)
    assert lk.OKX.exchange == "okx"
    assert lk.venues.venue("okex").name == "okx"


@pytest.mark.parametrize(
    ("given", "native"),
    [
        ("BTC-USDT-SWAP", "BTC-USDT-SWAP"),
        ("btc-usdt-swap", "BTC-USDT-SWAP"),
        ("BTC/USDT:USDT", "BTC-USDT-SWAP"),
        ("eth", "ETH-USDT-SWAP"),
        ("BTC-USDT-251226", "BTC-USDT-251226"),
        ("BTC-USDC-SWAP", "BTC-USDC-SWAP"),
    ],
)
def test_symbols(given, native):
    assert lk.OKX().symbol(given) == native


def test_from_env_reads_okx_variables(monkeypatch):
    monkeypatch.setenv("OKX_API_KEY", KEY)
    monkeypatch.setenv("OKX_API_SECRET", SECRET)
    monkeypatch.setenv("OKX_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("OKX_TESTNET", "1")
    client = lk.OKX.from_env()
    assert client.has_keys and client.testnet and not client.is_live_mainnet
    assert client.transport.credentials.passphrase == PASSPHRASE
    text = repr(client) + repr(client.transport.credentials)
    assert SECRET not in text and PASSPHRASE not in text and KEY not in text


def test_key_without_passphrase_is_refused_naming_the_variable():
    with pytest.raises(lk.AuthenticationError, match="OKX_PASSPHRASE"):
        lk.OKX(KEY, SECRET)


def test_private_call_without_keys_raises_before_sending():
    sim = Simulator(tiers=_ladder())
    client = lk.OKX(session=sim.session())
    for call in (
        lambda: client.leverage("BTC-USDT-SWAP"),
        lambda: client.set_leverage("BTC-USDT-SWAP", 5),
    ):
        with pytest.raises(lk.AuthenticationError, match="OKX_API_KEY"):
            call()
    assert sim.calls == []


# -- parse ------------------------------------------------------------------------------------


def test_parse_instruments_reads_contract_value():
    inst = parse_instruments([BTC_INSTRUMENT]).iloc[0]
    assert (inst.symbol, inst.inst_family, inst.ct_val, inst.ct_mult) == (
        "BTC-USDT-SWAP", "BTC-USDT", 0.01, 1.0,
    )  # fmt: skip
    assert (inst.max_leverage, inst.settle_ccy, inst.state) == (100.0, "USDT", "live")


def test_parse_position_tiers_converts_contracts_at_the_mark():
    inst = parse_instruments([BTC_INSTRUMENT])
    df = parse_position_tiers(list(reversed(CCXT_TIERS)), inst, {"BTC-USDT-SWAP": 50000.0})
    # 500 contracts x 0.01 BTC x 50000 = 250000 USDT; 982000 x 0.01 x 50000 = 491e6
    assert df["max_notional"].tolist() == [250_000.0, 491_000_000.0]
    assert df["min_notional"].tolist() == [0.0, 250_000.0]  # the +1 gap closed
    assert df["min_size"].tolist() == [0.0, 972_001.0]  # OKX's own bounds kept
    assert df["max_size"].tolist() == [500.0, 982_000.0]
    assert df["max_leverage"].tolist() == [125.0, 2.0]
    assert df["maintenance_margin_rate"].tolist() == [0.004, 0.495]
    assert df["initial_margin_rate"].tolist() == [0.008, 0.5]
    assert df["mm_deduction"].tolist() == [0.0, 0.0]
    assert df["price"].tolist() == [50000.0, 50000.0]
    assert df["okx_tier"].tolist() == [1.0, 100.0]
    assert set(df["notional_unit"]) == {"USDT"} and set(df["category"]) == {"linear"}


def test_parse_position_tiers_rejects_the_docs_margin_row():
    inst = parse_instruments([BTC_INSTRUMENT])
    with pytest.raises(ParseError, match="MARGIN"):
        parse_position_tiers([DOCS_MARGIN_TIER], inst, {"BTC-USDT-SWAP": 1.0})


def test_parse_position_tiers_leaves_out_symbols_without_a_mark():
    eth = {**BTC_INSTRUMENT, "instId": "ETH-USDT-SWAP", "instFamily": "ETH-USDT", "ctVal": "0.1"}
    inst = parse_instruments([BTC_INSTRUMENT, eth])
    rows = CCXT_TIERS + [{**CCXT_TIERS[0], "uly": "ETH-USDT"}]
    df = parse_position_tiers(rows, inst, {"ETH-USDT-SWAP": 3000.0})
    assert set(df["symbol"]) == {"ETH-USDT-SWAP"}
    assert df.attrs["no_mark_price"] == ["BTC-USDT-SWAP"]
    assert df["max_notional"].tolist() == [500 * 0.1 * 3000.0]


def test_parse_leverage_info_docs_example_and_net_mode():
    df = parse_leverage_info(DOCS_LEVERAGE_INFO, pos_mode="long_short_mode")
    assert df[["side", "leverage"]].values.tolist() == [["long", 10.0], ["short", 10.0]]
    assert set(df["margin_mode"]) == {"cross"} and set(df["pos_mode"]) == {"long_short_mode"}
    net = parse_leverage_info([{**DOCS_LEVERAGE_INFO[0], "posSide": "net", "lever": "3"}])
    assert net[["side", "leverage"]].values.tolist() == [["both", 3.0]]
    with pytest.raises(ParseError):
        parse_leverage_info([{**DOCS_LEVERAGE_INFO[0], "posSide": "up"}])


def test_parse_marks_and_pos_mode():
    assert parse_marks([{"instId": "BTC-USDT-SWAP", "markPx": "200.7"}]) == {"BTC-USDT-SWAP": 200.7}
    assert parse_pos_mode([{"posMode": "net_mode"}]) == "net_mode"
    with pytest.raises(ParseError):
        parse_pos_mode([{"posMode": "hedge"}])


# -- signing ----------------------------------------------------------------------------------


def test_timestamp_is_the_docs_format():
    assert okx_timestamp(1_607_418_537_715) == "2020-12-08T09:08:57.715Z"
    assert okx_timestamp(1_607_418_537_005) == "2020-12-08T09:08:57.005Z"


def test_signature_follows_the_docs_recipe():
    # OKX docs "REST Authentication": sign(timestamp + 'GET' + '/api/v5/account/balance?ccy=BTC')
    # with the docs' example SecretKey; OKX publishes no resulting signature, so the
    # expected value is computed here independently with hmac + base64.
    secret, ts = "22582BD0CFF14C41EDBF1AB98506286D", "2020-12-08T09:08:57.715Z"
    path = "/api/v5/account/balance?ccy=BTC"
    assert okx_prehash(ts, "get", path) == ts + "GET" + path
    expected = base64.b64encode(
        hmac.new(secret.encode(), (ts + "GET" + path).encode(), hashlib.sha256).digest()
    ).decode()
    assert okx_signature(secret, ts, "GET", path) == expected
    assert okx_signature(secret, ts, "GET", path) != okx_signature(secret, ts, "GET", path + "x")


def test_prepare_signs_the_bytes_sent():
    creds = Credentials(KEY, SECRET, PASSPHRASE)
    dialect = OKXDialect()
    body_params = {"instId": "BTC-USDT", "lever": "5", "mgnMode": "isolated"}
    _, body, headers = dialect.prepare(
        "POST", "/api/v5/account/set-leverage", body_params,
        credentials=creds, timestamp_ms=1_607_418_537_715, recv_window=5000,
    )  # fmt: skip
    assert body == '{"instId":"BTC-USDT","lever":"5","mgnMode":"isolated"}'  # the docs' body
    ts = "2020-12-08T09:08:57.715Z"
    assert headers["OK-ACCESS-TIMESTAMP"] == ts
    assert headers["OK-ACCESS-SIGN"] == okx_signature(
        SECRET, ts, "POST", "/api/v5/account/set-leverage", body
    )
    assert headers["OK-ACCESS-PASSPHRASE"] == PASSPHRASE
    assert "x-simulated-trading" not in headers
    query, _, headers = OKXDialect(demo=True).prepare(
        "GET", "/api/v5/account/leverage-info", {"instId": "BTC-USDT-SWAP", "mgnMode": "cross"},
        credentials=creds, timestamp_ms=1_607_418_537_715, recv_window=5000,
    )  # fmt: skip
    assert headers["x-simulated-trading"] == "1"
    assert headers["OK-ACCESS-SIGN"] == okx_signature(
        SECRET, ts, "GET", "/api/v5/account/leverage-info?" + query
    )


def test_envelope_errors_map_to_levkit_errors():
    d = OKXDialect()
    assert d.check(env([{"a": 1}]), endpoint="/x", status=200, accept=())[0] == [{"a": 1}]
    cases = {
        "50011": lk.RateLimitError,
        "50113": lk.AuthenticationError,
        "50111": lk.AuthenticationError,
        "50105": lk.AuthenticationError,
        "59102": lk.ExchangeLeverageError,
        "51001": lk.ExchangeError,
    }
    for code, kind in cases.items():
        with pytest.raises(kind) as info:
            d.check(env([], code, "msg"), endpoint="/x", status=200, accept=())
        assert info.value.code == int(code)
    assert d.server_time(env([{"ts": "1597026383085"}])) == 1597026383085
    assert d.server_time({"result": [{"ts": "5"}], "msg": ""}) == 5


# -- the client over responses ----------------------------------------------------------------

FAMILIES = [f"C{i}-USDT" for i in range(7)]


def _instrument(family, **kw):
    return {**BTC_INSTRUMENT, "instId": f"{family}-SWAP", "instFamily": family, "uly": family,
            "ctVal": "1", "ctValCcy": family.split("-")[0], **kw}  # fmt: skip


def _tiers(family, caps=(100, 400), levs=(50, 10)):
    rows, low = [], 0
    for i, (cap, lev) in enumerate(zip(caps, levs, strict=True)):
        rows.append({"uly": family, "instFamily": family, "instId": "", "tier": str(i + 1),
                     "minSz": str(low), "maxSz": str(cap), "mmr": "0.01", "imr": str(1 / lev),
                     "maxLever": str(lev), "optMgnFactor": "0"})  # fmt: skip
        low = cap + 1
    return rows


@responses.activate
def test_all_usdt_swaps_in_batches_of_five_families():
    listed = [_instrument(f) for f in FAMILIES] + [
        _instrument("BTC-USDC", settleCcy="USDC"),
        _instrument("OLD-USDT", state="suspend"),
    ]
    responses.get(f"{HOST}/api/v5/public/instruments", json=env(listed),
                  match=[responses.matchers.query_param_matcher({"instType": "SWAP"})])  # fmt: skip
    marks = [{"instId": f"{f}-SWAP", "markPx": "2"} for f in FAMILIES]
    responses.get(f"{HOST}/api/v5/public/mark-price", json=env(marks))
    for chunk in (FAMILIES[:5], FAMILIES[5:]):
        params = {"instType": "SWAP", "tdMode": "isolated", "instFamily": ",".join(chunk)}
        rows = [r for f in chunk for r in _tiers(f)]
        responses.get(f"{HOST}/api/v5/public/position-tiers", json=env(rows),
                      match=[responses.matchers.query_param_matcher(params)])  # fmt: skip
    client = lk.OKX(progress=False)
    df = client.risk_limits(margin_mode="isolated")
    assert len(responses.calls) == 4  # instruments + marks + ceil(7 / 5) tier calls
    assert sorted(set(df["symbol"])) == [f"{f}-SWAP" for f in FAMILIES]
    one = df[df["symbol"] == "C3-USDT-SWAP"]
    assert one["max_notional"].tolist() == [200.0, 800.0]  # contracts x 1 x mark 2
    assert one["min_notional"].tolist() == [0.0, 200.0]
    assert df.attrs["source"] == "api" and df.attrs["host"] == HOST
    assert all("OK-ACCESS-KEY" not in c.request.headers for c in responses.calls)
    client.risk_limits(margin_mode="isolated")  # cached
    assert len(responses.calls) == 4


@responses.activate
def test_one_symbol_asks_for_its_family_and_filters_rows():
    responses.get(f"{HOST}/api/v5/public/instruments", json=env([BTC_INSTRUMENT]),
                  match=[responses.matchers.query_param_matcher(
                      {"instType": "SWAP", "instId": "BTC-USDT-SWAP"})])  # fmt: skip
    responses.get(f"{HOST}/api/v5/public/mark-price",
                  json=env([{"instId": "BTC-USDT-SWAP", "markPx": "50000"}]))  # fmt: skip
    responses.get(f"{HOST}/api/v5/public/position-tiers", json=env(CCXT_TIERS),
                  match=[responses.matchers.query_param_matcher(
                      {"instType": "SWAP", "tdMode": "cross", "instFamily": "BTC-USDT"})])  # fmt: skip
    df = lk.OKX().risk_limits("btc/usdt:usdt")
    assert df["max_notional"].tolist() == [250_000.0, 491_000_000.0]
    assert set(df["margin_mode"]) == {"cross"}


@responses.activate
def test_rate_limit_and_unknown_symbol_over_responses():
    responses.get(f"{HOST}/api/v5/public/instruments", status=429,
                  json={"msg": "Too Many Requests", "code": "50011"})  # fmt: skip
    with pytest.raises(lk.RateLimitError) as info:
        lk.OKX(max_retries=0).risk_limits("BTC-USDT-SWAP")
    assert info.value.code == 50011
    responses.replace(responses.GET, f"{HOST}/api/v5/public/instruments",
                      json=env([], "51001", "Instrument ID does not exist"))  # fmt: skip
    with pytest.raises(lk.ExchangeError) as info:
        lk.OKX().risk_limits("NOPE-USDT-SWAP")
    assert info.value.code == 51001


@responses.activate
def test_set_leverage_over_responses_reads_first_and_maps_59102():
    responses.get(f"{HOST}/api/v5/public/instruments", json=env([BTC_INSTRUMENT]))
    responses.get(f"{HOST}/api/v5/account/config", json=env([{"posMode": "long_short_mode"}]))
    responses.get(f"{HOST}/api/v5/account/leverage-info", json=env(DOCS_LEVERAGE_INFO))
    responses.post(f"{HOST}/api/v5/account/set-leverage", json=env(DOCS_SET_ECHO))
    responses.get(f"{HOST}/api/v5/public/mark-price",
                  json=env([{"instId": "BTC-USDT-SWAP", "markPx": "50000"}]))  # fmt: skip
    responses.get(f"{HOST}/api/v5/public/position-tiers", json=env(CCXT_TIERS))
    client = lk.OKX(KEY, SECRET, passphrase=PASSPHRASE)
    out = client.set_leverage("BTC-USDT-SWAP", 30, side="long", margin_mode="isolated")
    posts = [c.request for c in responses.calls if c.request.method == "POST"]
    assert len(posts) == 1
    sent = posts[0]
    assert json.loads(sent.body) == {
        "instId": "BTC-USDT-SWAP", "lever": "30", "mgnMode": "isolated", "posSide": "long",
    }  # fmt: skip
    assert sent.headers["OK-ACCESS-PASSPHRASE"] == PASSPHRASE
    assert out[["side", "leverage", "previous_leverage", "changed"]].values.tolist() == [
        ["long", 30.0, 10.0, True],
        ["short", 10.0, 10.0, False],
    ]
    # OKX's echo has no cap: the public isolated ladder, read once, gives it (tier 1: 500
    # contracts x 0.01 BTC x 50000) and its top (125x in these 2022 tiers)
    assert out["max_leverage"].tolist() == [125.0, 125.0]
    assert out["max_position_value"].tolist() == [250_000.0, 250_000.0]
    tiers = [c.request.url for c in responses.calls if "position-tiers" in c.request.url]
    assert len(tiers) == 1 and "tdMode=isolated" in tiers[0]
    responses.replace(responses.POST, f"{HOST}/api/v5/account/set-leverage",
                      json=env([], "59102", "Leverage exceeds the maximum leverage"))  # fmt: skip
    with pytest.raises(lk.ExchangeLeverageError):
        client.set_leverage("BTC-USDT-SWAP", 40, side="long", margin_mode="isolated")
    n = len(responses.calls)
    with pytest.raises(lk.InvalidLeverageError):  # above the instrument's lever: never sent
        client.set_leverage("BTC-USDT-SWAP", 101)
    assert len(responses.calls) == n  # the instrument's lever was cached: nothing sent


# -- the client over the simulator ------------------------------------------------------------


def _ladder():
    """BTC: caps in multiples of 600 USDT (one contract at 60000); ETH: of 300 USDT."""
    return tiers_frame(
        {
            "exchange": ["okx"] * 5,
            "symbol": ["BTC-USDT-SWAP"] * 3 + ["ETH-USDT-SWAP"] * 2,
            "max_notional": [300_000.0, 1_200_000.0, 6_000_000.0, 150_000.0, 900_000.0],
            "max_leverage": [100.0, 50.0, 20.0, 75.0, 25.0],
            "maintenance_margin_rate": [0.005, 0.01, 0.025, 0.007, 0.02],
            "initial_margin_rate": [0.01, 0.02, 0.05, 1 / 75, 0.04],
        },
        source="snapshot",
    )


@pytest.fixture
def sim():
    clock = FakeClock()
    s = Simulator(tiers=_ladder(), clock=clock, sleep=clock.sleep)
    s.fake_clock = clock
    return s


def client_on(sim, key=DEMO_KEY, secret=DEMO_SECRET, passphrase=PASS, **kw):
    kw.setdefault("clock", sim.fake_clock)
    kw.setdefault("sleep", sim.fake_clock.sleep)
    return lk.OKX(key, secret, passphrase=passphrase, session=sim.session(), **kw)


def test_sim_ladder_matches_the_simulator(sim):
    client = client_on(sim)
    df = client.risk_limits("BTC-USDT-SWAP")
    lad = sim.ladder("okx", "BTC-USDT-SWAP")
    assert tuple(df["max_notional"]) == lad.caps
    assert tuple(df["max_leverage"]) == lad.max_leverage
    assert df["max_size"].tolist() == [500.0, 2000.0, 10000.0]
    assert df["min_size"].tolist() == [0.0, 501.0, 2001.0]
    assert df["min_notional"].tolist() == [0.0, 300_000.0, 1_200_000.0]
    assert df.attrs["source"] == "simulator"
    every = client.risk_limits(margin_mode="isolated")
    assert sorted(set(every["symbol"])) == ["BTC-USDT-SWAP", "ETH-USDT-SWAP"]
    assert sim.count("/api/v5/public/position-tiers") == 2


def test_sim_leverage_read_net_and_hedge(sim):
    client = client_on(sim)
    lev = client.leverage("BTC-USDT-SWAP")  # the public ladder is read for the cap
    assert lev[["side", "leverage", "max_leverage"]].values.tolist() == [["both", 10.0, 100.0]]
    assert lev["max_position_value"].tolist() == [sim.ladder("okx", "BTC-USDT-SWAP").cap_at(10)]
    assert sim.count("/api/v5/public/position-tiers") == 1
    client.leverage("BTC-USDT-SWAP")
    assert sim.count("/api/v5/public/position-tiers") == 1  # cached on the client
    sim.set_position_mode("okx", True)
    sim.set_leverage("okx", "BTC-USDT-SWAP", 50, side="short")
    lev = client.leverage("BTC-USDT-SWAP", margin_mode="isolated")
    assert lev[["side", "leverage"]].values.tolist() == [["long", 10.0], ["short", 50.0]]
    assert lev["max_position_value"].tolist() == [6_000_000.0, 1_200_000.0]
    assert sim.count("/api/v5/public/position-tiers") == 2  # the isolated ladder, once
    assert set(lev["pos_mode"]) == {"long_short_mode"}


def test_sim_set_leverage_then_already_in_force(sim):
    client = client_on(sim)
    out = client.set_leverage("BTC-USDT-SWAP", 25)
    assert out[["side", "leverage", "previous_leverage", "changed"]].values.tolist() == [
        ["both", 25.0, 10.0, True]
    ]
    assert sim.leverage("okx", "BTC-USDT-SWAP", "both") == 25.0
    again = client.set_leverage("BTC-USDT-SWAP", 25)
    assert not again["changed"].any()
    assert again.attrs["message"] == "leverage already in force"
    assert sim.count("/api/v5/account/set-leverage", method="POST") == 2


def test_sim_hedge_isolated_sets_one_side_or_two(sim):
    sim.set_position_mode("okx", True)
    client = client_on(sim)
    out = client.set_leverage("ETH-USDT-SWAP", 7, side="short", margin_mode="isolated")
    assert out.set_index("side")["changed"].to_dict() == {"long": False, "short": True}
    assert (
        sim.leverage("okx", "ETH-USDT-SWAP", "long"),
        sim.leverage("okx", "ETH-USDT-SWAP", "short"),
    ) == (10.0, 7.0)
    seq = client.set_leverage("ETH-USDT-SWAP", 8, margin_mode="isolated", dry_run=True)
    assert isinstance(seq, RequestSequence) and len(seq) == 2
    assert [json.loads(p.body)["posSide"] for p in seq] == ["long", "short"]
    with pytest.raises(lk.PositionModeError):
        client.set_leverage("ETH-USDT-SWAP", 8, side="long")  # cross: one value per instrument


def test_sim_dry_run_sends_nothing_and_shows_no_secret(sim, caplog):
    caplog.set_level(logging.DEBUG, logger="levkit")
    client = client_on(sim)
    preview = client.set_leverage("BTC-USDT-SWAP", 30, dry_run=True)
    assert isinstance(preview, RequestPreview)
    assert sim.count("/api/v5/account/set-leverage") == 0
    assert sim.leverage("okx", "BTC-USDT-SWAP", "both") == 10.0
    shown = repr(preview) + json.dumps(preview.to_dict()) + preview._repr_html_()
    assert DEMO_SECRET not in shown and PASS not in shown and DEMO_KEY not in shown
    assert preview.headers["OK-ACCESS-KEY"] == DEMO_KEY[:4] + "..."
    assert preview.headers["OK-ACCESS-SIGN"] == "<signed when sent>"
    frame = client.set_leverage("BTC-USDT-SWAP", 30)
    everything = shown + repr(client) + caplog.text + repr(frame.attrs) + frame.to_csv()
    assert PASS not in everything and DEMO_SECRET not in everything


def test_sim_auth_errors(sim):
    with pytest.raises(lk.AuthenticationError) as info:
        client_on(sim, key=KEY, secret=SECRET).leverage("BTC-USDT-SWAP")
    assert info.value.code == 50111
    with pytest.raises(lk.AuthenticationError) as info:
        client_on(sim, secret=SECRET).leverage("BTC-USDT-SWAP")
    assert info.value.code == 50113
    sim.passphrases = {DEMO_KEY: "the-right-one"}
    with pytest.raises(lk.AuthenticationError) as info:
        client_on(sim).leverage("BTC-USDT-SWAP")
    assert info.value.code == 50105
    assert client_on(sim, passphrase="the-right-one").leverage("BTC")["leverage"].tolist() == [10.0]


def test_sim_clock_skew_is_resynced(sim):
    sim.skew = 120.0  # the server's clock is 2 minutes ahead of ours
    client = client_on(sim)
    assert client.leverage("BTC-USDT-SWAP")["leverage"].tolist() == [10.0]
    assert sim.count(code=50102) == 1 and sim.count("/api/v5/public/time") == 1


def test_sim_rate_limit(sim):
    clock = sim.fake_clock
    tight = Simulator(tiers=_ladder(), clock=clock, sleep=clock.sleep,
                      rate_limits={("GET", "/api/v5/account/config"): (1, 2.0)})  # fmt: skip
    tight.fake_clock = clock
    client = client_on(tight, max_retries=0)
    client.leverage("BTC-USDT-SWAP")
    with pytest.raises(lk.RateLimitError) as info:
        client_on(tight, max_retries=0).leverage("BTC-USDT-SWAP")
    assert info.value.code == 50011 and info.value.status == 429


def test_sim_unknown_symbol_and_leverage_too_high(sim):
    client = client_on(sim)
    with pytest.raises(lk.ExchangeError) as info:
        client.risk_limits("DOGE-USDT-SWAP")
    assert info.value.code == 51001
    with pytest.raises(lk.InvalidLeverageError, match="above the maximum 100"):
        client.set_leverage("BTC-USDT-SWAP", 125)
    assert sim.count("/api/v5/account/set-leverage") == 0
    sim.open_position("okx", "BTC-USDT-SWAP", "long", 2_000_000.0)  # tier 3: 20x at most
    with pytest.raises(lk.ExchangeLeverageError) as info:
        client.set_leverage("BTC-USDT-SWAP", 50)
    assert info.value.code == 59104
    assert sim.leverage("okx", "BTC-USDT-SWAP", "both") == 10.0


def test_sim_demo_trading_header(sim):
    client = client_on(sim, testnet=True)
    client.leverage("BTC-USDT-SWAP")
    preview = client.set_leverage("BTC-USDT-SWAP", 3, dry_run=True)
    assert preview.headers["x-simulated-trading"] == "1"
    assert not client.is_live_mainnet


def test_tiers_frame_is_a_valid_ladder(sim):
    df = client_on(sim).risk_limits()
    assert isinstance(df, pd.DataFrame) and df["max_leverage"].notna().all()
    assert (df.groupby("symbol")["max_leverage"].max() == pd.Series(
        {"BTC-USDT-SWAP": 100.0, "ETH-USDT-SWAP": 75.0})).all()  # fmt: skip


# -- positions (GET /api/v5/account/positions) ---------------------------------------------
def _okx_position(pos="-50", side="net", **kw):
    """A positions row with the docs' fields levkit reads (strings)."""
    row = {"instType": "SWAP", "instId": "BTC-USDT-SWAP", "mgnMode": "cross", "posSide": side,
           "pos": pos, "avgPx": "60000", "markPx": "61000", "notionalUsd": "30490.5",
           "lever": "20", "upl": "-500"}  # fmt: skip
    row.update(kw)
    return row


def test_positions_value_is_contracts_times_contract_value_times_mark():
    from levkit.venues.okx.parse import parse_instruments, parse_positions

    inst = parse_instruments([BTC_INSTRUMENT])
    rows = [_okx_position("3", "long"), _okx_position("5", "short")]
    df = parse_positions(rows, inst)
    ct = float(inst["ct_val"].iloc[0]) * float(inst["ct_mult"].iloc[0])
    assert df["position_value"].tolist() == pytest.approx([3 * ct * 61000, 5 * ct * 61000])
    assert df[["side", "direction"]].values.tolist() == [["long", "long"], ["short", "short"]]
    unknown = parse_positions([_okx_position(instId="ZZZ-USDT-SWAP")], inst)
    assert unknown["position_value"].tolist() == [30490.5]  # no contract value: notionalUsd
    with pytest.raises(ParseError, match="posSide"):
        parse_positions([_okx_position(side="both")], inst)


@responses.activate
def test_positions_over_responses_signed_with_inst_type_and_empty_when_flat():
    responses.get(f"{HOST}/api/v5/account/positions", json=env([]))
    c = lk.OKX(KEY, SECRET, passphrase=PASSPHRASE)
    assert c.positions("BTC").empty
    assert len(responses.calls) == 1  # flat: no instruments call
    req = responses.calls[0].request
    assert "instType=SWAP" in req.url and "instId=BTC-USDT-SWAP" in req.url
    assert req.headers["OK-ACCESS-SIGN"] and PASSPHRASE not in req.url


@responses.activate
def test_positions_without_keys_raise_before_sending():
    with pytest.raises(lk.AuthenticationError, match="OKX_PASSPHRASE"):
        lk.OKX().positions("BTC-USDT-SWAP")
    assert len(responses.calls) == 0


def test_positions_on_the_simulator_net_and_long_short_mode():
    sim = Simulator()
    c = lk.OKX(DEMO_KEY, DEMO_SECRET, passphrase=PASS, session=sim.session())
    assert c.positions("BTC-USDT-SWAP").empty
    sim.open_position("okx", "BTC-USDT-SWAP", "short", 1_000_000)
    df = c.positions("BTC")
    assert df[["side", "direction"]].values.tolist() == [["both", "short"]]
    assert df["position_value"].iloc[0] == pytest.approx(1_000_000, rel=1e-12)
    assert df["mark_price"].iloc[0] == sim.price("BTC-USDT-SWAP")
    sim.set_position_mode("okx", True)
    sim.open_position("okx", "BTC-USDT-SWAP", "long", 250_000)
    assert c.positions("BTC")[["side", "position_value"]].values.tolist() == [
        ["long", pytest.approx(250_000)], ["short", pytest.approx(1_000_000)]]  # fmt: skip
