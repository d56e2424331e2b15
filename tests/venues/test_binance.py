"""Binance USDⓈ-M futures: parse functions on the docs' payloads, the published signature
vector, the client over `responses` and over the simulator.  No network."""

from __future__ import annotations

import math
import re
import warnings
from urllib.parse import parse_qsl, urlsplit

import pandas as pd
import pytest
import responses

import levkit as lk
from levkit.errors import ParseError
from levkit.frames import LadderWarning, tiers_frame
from levkit.http.wire import Credentials, RequestPreview
from levkit.sim import DEMO_KEY, DEMO_SECRET, Simulator
from levkit.venues.binance.dialect import BinanceDialect, binance_signature, param_string
from levkit.venues.binance.parse import (
    cum_mismatches,
    parse_brackets,
    parse_dual_side,
    parse_set_leverage,
    parse_symbol_config,
)
from levkit.venues.binance.sim import demo_ladder

from ..conftest import FAKE_KEY, FAKE_SECRET, FakeClock

HOST = "https://fapi.binance.com"
BRACKETS = HOST + "/fapi/v1/leverageBracket"
CONFIG = HOST + "/fapi/v1/symbolConfig"
DUAL = HOST + "/fapi/v1/positionSide/dual"
LEV = HOST + "/fapi/v1/leverage"
TIME = HOST + "/fapi/v1/time"

# Binance futures docs, "SIGNED Endpoint Examples for POST /fapi/v1/order" (HMAC): the
# docs' own sample key material and query, published with the signature below.  A public
# example, not a credential.
DOC_SAMPLE_KEY_MATERIAL = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
DOC_QUERY = (
    "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
    "&recvWindow=5000&timestamp=1499827319559"
)
DOC_SIGNATURE = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"

# Notional-and-Leverage-Brackets doc examples: without symbol a list, with symbol an object.
DOC_LIST = [
    {
        "symbol": "ETHUSDT",
        "notionalCoef": 1.50,
        "brackets": [
            {
                "bracket": 1,
                "initialLeverage": 75,
                "notionalCap": 10000,
                "notionalFloor": 0,
                "maintMarginRatio": 0.0065,
                "cum": 0.0,
            }
        ],
    }
]
DOC_OBJECT = {**DOC_LIST[0], "brackets": [{**DOC_LIST[0]["brackets"][0], "cum": 0}]}

# BTCUSDT's 12 default brackets (freqtrade's 2024-10 cache of real answers):
# (bracket, initialLeverage, notionalFloor, notionalCap, maintMarginRatio, cum)
BTC = [
    (1, 125, 0, 50_000, 0.004, 0.0),
    (2, 100, 50_000, 600_000, 0.005, 50.0),
    (3, 75, 600_000, 3_000_000, 0.0065, 950.0),
    (4, 50, 3_000_000, 12_000_000, 0.01, 11_450.0),
    (5, 25, 12_000_000, 70_000_000, 0.02, 131_450.0),
    (6, 20, 70_000_000, 100_000_000, 0.025, 481_450.0),
    (7, 10, 100_000_000, 230_000_000, 0.05, 2_981_450.0),
    (8, 5, 230_000_000, 480_000_000, 0.1, 14_481_450.0),
    (9, 4, 480_000_000, 600_000_000, 0.125, 26_481_450.0),
    (10, 3, 600_000_000, 800_000_000, 0.15, 41_481_450.0),
    (11, 2, 800_000_000, 1_200_000_000, 0.25, 121_481_450.0),
    (12, 1, 1_200_000_000, 1_800_000_000, 0.5, 421_481_450.0),
]


def btc_brackets(rows=BTC, symbol="BTCUSDT"):
    return {
        "symbol": symbol,
        "brackets": [
            {
                "bracket": b,
                "initialLeverage": lev,
                "notionalCap": cap,
                "notionalFloor": floor,
                "maintMarginRatio": mmr,
                "cum": cum,
            }
            for b, lev, floor, cap, mmr, cum in rows
        ],
    }


@pytest.fixture(autouse=True)
def _no_binance_env(monkeypatch):
    for name in ("BINANCE_API_KEY", "BINANCE_API_SECRET", "BINANCE_TESTNET"):
        monkeypatch.delenv(name, raising=False)


def client(clock=None, **kw):
    clock = clock or FakeClock()
    return lk.Binance(FAKE_KEY, FAKE_SECRET, clock=clock, sleep=clock.sleep, **kw)


def query_of(call) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(call.request.url).query, keep_blank_values=True)


# -- parse -----------------------------------------------------------------------------
def test_doc_example_list_and_object_give_the_same_ladder():
    a, b = parse_brackets(DOC_LIST), parse_brackets(DOC_OBJECT)
    pd.testing.assert_frame_equal(a, b)
    row = a.iloc[0]
    assert (row.exchange, row.symbol, row.tier) == ("binance", "ETHUSDT", 1)
    assert (row.min_notional, row.max_notional, row.max_leverage) == (0.0, 10_000.0, 75.0)
    assert row.maintenance_margin_rate == 0.0065
    assert row.initial_margin_rate == pytest.approx(1 / 75)
    assert row.notional_coef == 1.5  # kept, not dropped and not multiplied in
    assert "not applied" in a.attrs["notional_coef"]


def test_btc_ladder_sorted_cum_checked_and_strings_accepted():
    payload = btc_brackets()
    payload["brackets"].reverse()  # order of the answer must not matter
    as_text = {  # ccxt-style strings ("bracket": "1", "cum": "0.0") parse alike
        **payload,
        "brackets": [{k: str(v) for k, v in b.items()} for b in payload["brackets"]],
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error", LadderWarning)
        df = parse_brackets([payload])
        df_text = parse_brackets([as_text])
    assert df["tier"].tolist() == list(range(1, 13))
    assert df["max_leverage"].tolist() == [float(r[1]) for r in BTC]
    assert df["max_notional"].iloc[-1] == 1.8e9
    assert (df["min_notional"] == df["notional_floor"]).all()
    assert df["mm_deduction"].iloc[4] == 131_450.0
    assert df["notional_coef"].eq(1.0).all()
    assert df.attrs["cum_mismatch"] == {}
    pd.testing.assert_frame_equal(df, df_text)


def test_cum_that_breaks_the_recursion_warns_and_is_kept():
    rows = list(BTC[:3])
    rows[2] = (3, 75, 600_000, 3_000_000, 0.0065, 951.0)  # published figure would be 950
    with pytest.warns(LadderWarning, match="BTCUSDT tiers \\[3\\]"):
        df = parse_brackets([btc_brackets(rows)])
    assert df.attrs["cum_mismatch"] == {"BTCUSDT": [3]}
    assert df["mm_deduction"].iloc[2] == 951.0


def test_cum_recursion_helper():
    floors = [r[2] for r in BTC]
    rates = [r[4] for r in BTC]
    cums = [r[5] for r in BTC]
    assert cum_mismatches(floors, rates, cums) == []
    cums[7] += 1  # a wrong cum breaks its own step and the next one (read from it)
    assert cum_mismatches(floors, rates, cums) == [7, 8]


@pytest.mark.parametrize(
    "payload",
    [
        {"symbol": "BTCUSDT", "brackets": []},
        {"symbol": "BTCUSDT"},
        [{"brackets": btc_brackets()["brackets"]}],
        {"symbol": "BTCUSDT", "brackets": [{"bracket": 1, "notionalCap": 5, "cum": 0}]},
        "nope",
    ],
)
def test_malformed_brackets_raise_parse_error(payload):
    with pytest.raises(ParseError):
        parse_brackets(payload)


def test_symbol_config_set_answer_and_mode_doc_examples():
    cfg = [
        {
            "symbol": "BTCUSDT",
            "marginType": "CROSSED",
            "isAutoAddMargin": "false",
            "leverage": 21,
            "maxNotionalValue": "1000000",
        }
    ]
    assert parse_symbol_config(cfg, "BTCUSDT") == {
        "leverage": 21.0,
        "max_notional": 1_000_000.0,
        "margin_type": "CROSSED",
    }
    with pytest.raises(ParseError, match="ETHUSDT"):
        parse_symbol_config(cfg, "ETHUSDT")
    doc = {"leverage": 21, "maxNotionalValue": "1000000", "symbol": "BTCUSDT"}
    assert parse_set_leverage(doc)["max_notional"] == 1_000_000.0
    ccxt_quote = {"leverage": "15", "maxNotionalValue": "250000", "symbol": "ADAUSDT"}
    assert parse_set_leverage(ccxt_quote)["leverage"] == 15.0
    assert parse_dual_side({"dualSidePosition": True}) is True
    with pytest.raises(ParseError):
        parse_dual_side({"dualSidePosition": None})


# -- signing ---------------------------------------------------------------------------
def test_published_signature_vector():
    assert binance_signature(DOC_SAMPLE_KEY_MATERIAL, DOC_QUERY) == DOC_SIGNATURE


def test_prepare_signs_exactly_the_query_sent_signature_last():
    d = BinanceDialect()
    creds = Credentials(FAKE_KEY, FAKE_SECRET)
    query, body, headers = d.prepare(
        "POST",
        "/fapi/v1/leverage",
        {"symbol": "BTCUSDT", "leverage": 20},
        credentials=creds,
        timestamp_ms=1_700_000_000_000,
        recv_window=5000,
    )
    assert body is None and headers == {"X-MBX-APIKEY": FAKE_KEY}
    payload, _, sig = query.rpartition("&signature=")
    assert payload == "symbol=BTCUSDT&leverage=20&recvWindow=5000&timestamp=1700000000000"
    assert sig == binance_signature(FAKE_SECRET, payload)
    assert param_string({"a": True, "b": 2.0}) == "a=true&b=2"


# -- client over `responses` -------------------------------------------------------------
@responses.activate
def test_private_calls_without_keys_raise_before_sending():
    c = lk.Binance()
    for call in (
        lambda: c.risk_limits(),
        lambda: c.risk_limits("BTCUSDT"),
        lambda: c.leverage("BTCUSDT"),
        lambda: c.set_leverage("BTCUSDT", 10),
        lambda: c.set_leverage("BTCUSDT", 10, dry_run=True),
    ):
        with pytest.raises(lk.AuthenticationError, match="BINANCE_API_KEY"):
            call()
    assert len(responses.calls) == 0


def test_from_env_reads_binance_variables(monkeypatch):
    monkeypatch.setenv("BINANCE_API_KEY", FAKE_KEY)
    monkeypatch.setenv("BINANCE_API_SECRET", FAKE_SECRET)
    monkeypatch.setenv("BINANCE_TESTNET", "1")
    c = lk.Binance.from_env()
    assert c.has_keys and c.base_url == "https://testnet.binancefuture.com"
    assert FAKE_SECRET not in repr(c) and FAKE_KEY not in repr(c)
    assert lk.Binance().base_url == HOST


@responses.activate
def test_full_ladder_is_one_signed_request_and_cached():
    eth = {**DOC_LIST[0]}
    responses.get(BRACKETS, json=[btc_brackets(), eth], headers={"X-MBX-USED-WEIGHT-1M": "7"})
    c = client()
    df = c.risk_limits()
    assert len(responses.calls) == 1
    call = responses.calls[0]
    assert call.request.headers["X-MBX-APIKEY"] == FAKE_KEY
    q = query_of(call)
    assert [k for k, _ in q] == ["recvWindow", "timestamp", "signature"]
    raw = urlsplit(call.request.url).query
    payload, _, sig = raw.rpartition("&signature=")
    assert sig == binance_signature(FAKE_SECRET, payload)
    assert sorted(set(df["symbol"])) == ["BTCUSDT", "ETHUSDT"]
    assert df.attrs["source"] == "api" and df.attrs["host"] == HOST
    assert df.attrs["rate_limit"]["used_weight_1m"] == 7
    assert df.attrs["rate_limit"]["remaining"] == 2400 - 7
    c.risk_limits()
    assert len(responses.calls) == 1  # cached
    c.risk_limits(refresh=True)
    assert len(responses.calls) == 2


@responses.activate
def test_one_symbol_answer_is_an_object():
    responses.get(BRACKETS, json=btc_brackets())
    df = client().risk_limits("BTC/USDT:USDT")
    assert dict(query_of(responses.calls[0]))["symbol"] == "BTCUSDT"
    assert len(df) == 12 and df["max_leverage"].max() == 125.0


@pytest.mark.parametrize(
    ("status", "code", "msg", "kind"),
    [
        (400, -1121, "Invalid symbol.", lk.ExchangeError),
        (401, -2015, "Invalid API-key, IP, or permissions for action.", lk.AuthenticationError),
        (401, -2014, "API-key format invalid.", lk.AuthenticationError),
        (400, -1022, "Signature for this request is not valid.", lk.AuthenticationError),
    ],
)
@responses.activate
def test_error_codes_map_to_levkit_errors(status, code, msg, kind):
    responses.get(BRACKETS, json={"code": code, "msg": msg}, status=status)
    with pytest.raises(kind) as info:
        client().risk_limits("BTCUSDT")
    assert info.value.code == code and msg in str(info.value)
    assert type(info.value) is kind
    assert len(responses.calls) == 1  # not retried
    assert FAKE_SECRET not in str(info.value) and "signature=" not in str(info.value)


@responses.activate
def test_429_waits_retry_after_then_succeeds():
    responses.get(
        BRACKETS,
        json={"code": -1003, "msg": "Too many requests"},
        status=429,
        headers={"Retry-After": "3"},
    )
    responses.get(BRACKETS, json=btc_brackets())
    clock = FakeClock()
    df = client(clock).risk_limits("BTCUSDT")
    assert len(df) == 12 and clock.slept == [3.0]


@responses.activate
def test_429_every_time_raises_rate_limit_error_with_retry_after():
    responses.get(
        BRACKETS,
        json={"code": -1003, "msg": "Too many requests"},
        status=429,
        headers={"Retry-After": "2"},
    )
    with pytest.raises(lk.RateLimitError) as info:
        client(max_retries=1).risk_limits("BTCUSDT")
    assert info.value.retry_after == 2.0 and info.value.code == -1003
    assert len(responses.calls) == 2


@responses.activate
def test_418_ban_is_not_retried_and_says_until_when():
    responses.get(
        BRACKETS,
        json={"code": -1003, "msg": "Way too many requests; IP banned until 1700000120000."},
        status=418,
        headers={"Retry-After": "120"},
    )
    clock = FakeClock(1_700_000_000.0)
    with pytest.raises(lk.RateLimitError) as info:
        client(clock).risk_limits("BTCUSDT")
    assert len(responses.calls) == 1 and clock.slept == []
    assert info.value.status == 418 and info.value.retry_after == 120.0
    assert "2023-11-14T22:15:20+00:00" in str(info.value)  # 1_700_000_120 s, UTC


@responses.activate
def test_clock_skew_resyncs_with_server_time_and_retries():
    responses.get(
        BRACKETS,
        json={"code": -1021, "msg": "Timestamp for this request is outside of the recvWindow."},
        status=400,
    )
    responses.get(TIME, json={"serverTime": 1_700_000_030_000})
    responses.get(BRACKETS, json=btc_brackets())
    c = client(FakeClock(1_700_000_000.0))
    assert len(c.risk_limits("BTCUSDT")) == 12
    assert c.transport.offset_ms == 30_000
    ts = int(dict(query_of(responses.calls[2]))["timestamp"])
    assert ts == 1_700_000_030_000


def _read_mocks(leverage=20, cap="12000000", hedge=False):
    responses.get(BRACKETS, json=btc_brackets())
    responses.get(
        CONFIG,
        json=[
            {
                "symbol": "BTCUSDT",
                "marginType": "CROSSED",
                "isAutoAddMargin": "false",
                "leverage": leverage,
                "maxNotionalValue": cap,
            }
        ],
    )
    responses.get(DUAL, json={"dualSidePosition": hedge})


@responses.activate
def test_leverage_read_one_way_and_hedge():
    _read_mocks()
    df = client().leverage("BTCUSDT")
    assert df[["side", "leverage", "max_leverage", "max_position_value"]].values.tolist() == [
        ["both", 20.0, 125.0, 12_000_000.0]
    ]
    responses.reset()
    _read_mocks(hedge=True)
    df = client().leverage("BTCUSDT")
    assert df["side"].tolist() == ["long", "short"]
    assert df["leverage"].tolist() == [20.0, 20.0]


@responses.activate
def test_set_leverage_sends_an_int_and_reports_the_new_cap():
    _read_mocks(leverage=20)
    responses.post(LEV, json={"symbol": "BTCUSDT", "leverage": 5, "maxNotionalValue": "480000000"})
    df = client().set_leverage("BTCUSDT", 5.0)
    post = responses.calls[-1]
    assert post.request.method == "POST" and post.request.body in (None, b"", "")
    q = dict(query_of(post))
    assert q["symbol"] == "BTCUSDT" and q["leverage"] == "5"
    assert df[
        ["leverage", "previous_leverage", "changed", "max_position_value"]
    ].values.tolist() == [[5.0, 20.0, True, 480_000_000.0]]


@responses.activate
def test_exchange_refusing_a_leverage_is_an_exchange_leverage_error():
    _read_mocks(leverage=20)
    responses.post(LEV, json={"code": -4028, "msg": "Leverage 100 is not valid"}, status=400)
    with pytest.raises(lk.ExchangeLeverageError) as info:
        client().set_leverage("BTCUSDT", 100)
    assert isinstance(info.value, ValueError) and info.value.code == -4028


@responses.activate
def test_leverage_already_in_force_sends_nothing_and_is_unchanged():
    _read_mocks(leverage=20)
    df = client().set_leverage("BTCUSDT", 20)
    assert [c.request.method for c in responses.calls] == ["GET", "GET", "GET"]
    assert df["changed"].tolist() == [False]
    assert df["previous_leverage"].tolist() == [20.0]


@responses.activate
def test_validation_happens_before_anything_is_sent():
    c = client()
    for bad in (0, 10.5, "x", float("nan")):
        with pytest.raises(lk.InvalidLeverageError):
            c.set_leverage("BTCUSDT", bad)
    with pytest.raises(ValueError, match="one leverage per symbol"):
        c.set_leverage("BTCUSDT", 10, side="long")
    assert len(responses.calls) == 0
    responses.get(BRACKETS, json=btc_brackets())
    with pytest.raises(lk.InvalidLeverageError, match="above the maximum 125"):
        c.set_leverage("BTCUSDT", 126)
    assert [c.request.url.split("?")[0] for c in responses.calls] == [BRACKETS]


@responses.activate
def test_dry_run_previews_without_secrets_and_sends_no_post():
    _read_mocks(leverage=20)
    preview = client().set_leverage("BTCUSDT", 50, dry_run=True)
    assert isinstance(preview, RequestPreview)
    assert all(c.request.method == "GET" for c in responses.calls)
    text = repr(preview) + str(preview.to_dict())
    assert FAKE_SECRET not in text and FAKE_KEY not in text
    assert preview.headers["X-MBX-APIKEY"] == "test..."
    assert preview.url.endswith("&signature=<signed when sent>")
    assert "symbol=BTCUSDT&leverage=50" in preview.url


# -- client over the simulator -----------------------------------------------------------
@pytest.fixture
def sim():
    return Simulator(demo_ladder())


def sim_client(sim, **kw):
    return lk.Binance(DEMO_KEY, DEMO_SECRET, session=sim.session(), **kw)


def test_sim_ladder_leverage_and_set(sim):
    c = sim_client(sim)
    ladder = c.risk_limits()
    assert sorted(set(ladder["symbol"])) == ["BTCUSDT", "ETHUSDT"]
    assert ladder.attrs["source"] == "simulator"
    assert ladder.attrs["cum_mismatch"] == {}
    assert sim.count("/fapi/v1/leverageBracket") == 1
    btc = c.risk_limits("BTCUSDT")
    assert btc["max_notional"].tolist() == [50_000.0, 600_000.0, 3_000_000.0]
    lev = c.leverage("BTCUSDT")
    assert lev[["side", "leverage", "max_position_value"]].values.tolist() == [
        ["both", 10.0, 3_000_000.0]
    ]
    out = c.set_leverage("BTCUSDT", 100)
    assert out[["leverage", "changed", "max_position_value"]].values.tolist() == [
        [100.0, True, 600_000.0]
    ]
    assert sim.leverage("binance", "BTCUSDT", "both") == 100.0
    again = c.set_leverage("BTCUSDT", 100)
    assert again["changed"].tolist() == [False]
    assert sim.count("/fapi/v1/leverage", method="POST") == 1


def test_sim_hedge_mode_shows_both_sides(sim):
    sim.set_position_mode("binance", True)
    c = sim_client(sim)
    df = c.set_leverage("BTCUSDT", 25)
    assert df["side"].tolist() == ["long", "short"] and df["leverage"].tolist() == [25.0, 25.0]
    assert sim.leverage("binance", "BTCUSDT", "long") == sim.leverage("binance", "BTCUSDT", "short")
    with pytest.raises(lk.InvalidLeverageError, match="side must be 'both'"):
        c.set_leverage("BTCUSDT", 20, side="short")


def test_sim_errors_unknown_symbol_bad_secret_and_position_too_large(sim):
    c = sim_client(sim)
    with pytest.raises(lk.ExchangeError) as info:
        c.risk_limits("DOGEUSDT")
    assert info.value.code == -1121
    with pytest.raises(lk.AuthenticationError) as info:
        lk.Binance(DEMO_KEY, "wrong-secret-0000", session=sim.session()).risk_limits()
    assert info.value.code == -1022
    with pytest.raises(lk.AuthenticationError) as info:
        lk.Binance("unknown-key-0000", DEMO_SECRET, session=sim.session()).risk_limits()
    assert info.value.code == -2015
    sim.open_position("binance", "BTCUSDT", "long", 1_000_000.0)
    with pytest.raises(lk.ExchangeError) as info:
        c.set_leverage("BTCUSDT", 100)  # cap at 100x is 600k < the 1m position
    assert info.value.code == -2027
    assert sim.leverage("binance", "BTCUSDT", "both") == 10.0


def test_sim_rejects_above_top_like_the_exchange(sim):
    """Bypassing levkit's own check: the simulator answers -4028 like Binance."""
    c = sim_client(sim)
    with pytest.raises(lk.ExchangeLeverageError) as info:
        c._call("set_leverage", {"symbol": "BTCUSDT", "leverage": 126})
    assert info.value.code == -4028


def test_sim_rate_limit_and_ban(sim):
    limited = Simulator(demo_ladder(), rate_limits={("GET", "/fapi/v1/leverageBracket"): (2, 60.0)})
    c = sim_client(limited, max_retries=0)
    c.risk_limits()
    c.risk_limits(refresh=True)
    with pytest.raises(lk.RateLimitError) as info:
        c.risk_limits(refresh=True)
    assert info.value.code == -1003 and 0 < info.value.retry_after <= 60
    sim.inject("rate_limit", path="/fapi/v1/leverageBracket", code=418, retry_after=90)
    with pytest.raises(lk.RateLimitError, match=r"until \d{4}-\d\d-\d\dT") as info:
        sim_client(sim).risk_limits()
    assert info.value.status == 418
    assert sim.count("/fapi/v1/leverageBracket") == 1


def test_sim_used_weight_header_and_clock_skew():
    sim = Simulator(demo_ladder(), skew=30.0)
    c = sim_client(sim)
    df = c.risk_limits()
    assert df.attrs["rate_limit"]["used_weight_1m"] >= 1
    assert sim.count("/fapi/v1/time") == 1 and abs(c.transport.offset_ms - 30_000) < 2_000


def test_sim_dry_run_sends_nothing_and_hides_secrets(sim):
    c = sim_client(sim)
    preview = c.set_leverage("BTCUSDT", 50, dry_run=True)
    assert sim.count(method="POST") == 0
    text = repr(preview) + str(preview.to_dict())
    assert DEMO_SECRET not in text and DEMO_KEY not in text
    assert re.search(r"leverage=50&recvWindow=5000&timestamp=\d+&signature=<", preview.url)


def test_no_secret_in_frames_or_errors(sim):
    c = sim_client(sim)
    frames = [c.risk_limits(), c.leverage("BTCUSDT"), c.set_leverage("BTCUSDT", 20)]
    for f in frames:
        assert DEMO_SECRET not in repr(f.attrs) and DEMO_KEY not in repr(f.attrs)


def test_snapshot_style_ladder_builds_a_simulator_ladder():
    frame = tiers_frame(
        {
            "exchange": "binance",
            "symbol": "SOLUSDT",
            "max_notional": [20_000.0, 100_000.0],
            "max_leverage": [100.0, 75.0],
        },
        source="snapshot",
    )
    c = sim_client(Simulator(frame))
    assert c.leverage("SOL")["max_leverage"].tolist() == [100.0]
    assert math.isclose(c.leverage("SOLUSDT")["max_position_value"].iloc[0], 100_000.0)


# -- positions (GET /fapi/v2/positionRisk) ------------------------------------------------
POSITION_RISK = "https://fapi.binance.com/fapi/v2/positionRisk"


def _risk_row(side="BOTH", amount="0.000", notional="0", **kw):
    """A positionRisk row in the docs' shape (every number a string)."""
    row = {"symbol": "BTCUSDT", "positionAmt": amount, "entryPrice": "0.0",
           "breakEvenPrice": "0.0", "markPrice": "61000.00000000", "unRealizedProfit": "0",
           "liquidationPrice": "0", "leverage": "20", "maxNotionalValue": "3000000",
           "marginType": "cross", "isolatedMargin": "0.00000000", "isAutoAddMargin": "false",
           "positionSide": side, "notional": notional, "isolatedWallet": "0", "updateTime": 0}  # fmt: skip
    row.update(kw)
    return row


def test_position_risk_hedge_rows_parse_with_sides_and_positive_values():
    from levkit.venues.binance.parse import parse_position_risk

    rows = [_risk_row("LONG", "0.5", "30500", entryPrice="60000"),
            _risk_row("SHORT", "-2", "-122000", entryPrice="62000")]  # fmt: skip
    df = parse_position_risk(rows)
    assert df[["side", "direction", "size", "position_value", "entry_price"]].values.tolist() == [
        ["long", "long", 0.5, 30500.0, 60000.0],
        ["short", "short", 2.0, 122000.0, 62000.0],
    ]
    assert df["max_notional"].tolist() == [3e6, 3e6]
    with pytest.raises(ParseError, match="positionSide"):
        parse_position_risk([_risk_row("UP")])


@responses.activate
def test_positions_over_responses_one_signed_call_flat_rows_dropped():
    responses.get(POSITION_RISK, json=[_risk_row(), _risk_row(symbol="ETHUSDT", amount="1",
                                                              notional="3000")])  # fmt: skip
    c = client()
    assert c.positions("BTC/USDT:USDT").empty
    assert len(responses.calls) == 1
    q = dict(query_of(responses.calls[0]))
    assert q["symbol"] == "BTCUSDT" and "signature" in q
    responses.replace(responses.GET, POSITION_RISK, json=[_risk_row(amount="-0.5",
                                                                  notional="-30500")])  # fmt: skip
    row = c.positions("BTCUSDT").iloc[0]
    assert (row.side, row.direction, row.position_value, row.mark_price) == (
        "both", "short", 30500.0, 61000.0)  # fmt: skip


@responses.activate
def test_positions_without_keys_raise_naming_the_env_vars_before_sending():
    with pytest.raises(lk.AuthenticationError, match="BINANCE_API_KEY"):
        lk.Binance().positions("BTCUSDT")
    assert len(responses.calls) == 0


def test_positions_on_the_simulator_flat_then_open_then_hedge():
    sim = Simulator(demo_ladder())
    c = lk.Binance(DEMO_KEY, DEMO_SECRET, session=sim.session())
    flat = c.positions("BTCUSDT")
    assert flat.empty and list(flat.columns) == lk.client.POSITION_COLUMNS
    sim.open_position("binance", "BTCUSDT", "long", 1_000_000)
    df = c.positions("BTCUSDT")
    assert df[["exchange", "symbol", "side", "direction"]].values.tolist() == [
        ["binance", "BTCUSDT", "both", "long"]]  # fmt: skip
    assert df["position_value"].iloc[0] == pytest.approx(1_000_000)
    assert df.attrs["source"] == "simulator"
    sim.set_position_mode("binance", True)
    sim.open_position("binance", "BTCUSDT", "short", 200_000)
    assert c.positions("BTCUSDT")[["side", "position_value"]].values.tolist() == [
        ["long", pytest.approx(1_000_000)], ["short", pytest.approx(200_000)]]  # fmt: skip
    assert sim.count("/fapi/v2/positionRisk") == 3
