"""BingX perpetual swap: parse functions (no HTTP), the dialect, and the client over `responses`."""

from __future__ import annotations

import math
import random
from urllib.parse import parse_qsl

import numpy as np
import pandas as pd
import pytest
import requests
import responses

import levkit as lk
from levkit.frames import LEVERAGE_COLUMNS, TIERS_COLUMNS
from levkit.http.transport import RequestPreview
from levkit.venues.bingx.client import BingXDialect, RequestSequence, bingx_error
from levkit.venues.bingx.dialect import bingx_param_string, bingx_signature
from levkit.venues.bingx.parse import (
    apply_set_answers,
    parse_leverage,
    parse_margin_ratio,
    parse_open_orders,
    parse_position_mode,
    parse_positions,
    parse_set_leverage,
)

from ..conftest import FAKE_KEY, FAKE_SECRET, FakeClock

HOST = "https://open-api.bingx.com"
LEV = HOST + "/openApi/swap/v2/trade/leverage"
MODE = HOST + "/openApi/swap/v1/positionSide/dual"
MARGIN = HOST + "/openApi/swap/v1/maintMarginRatio"
TIME = HOST + "/openApi/swap/v2/server/time"
POS = HOST + "/openApi/swap/v2/user/positions"
ORDERS = HOST + "/openApi/swap/v2/trade/openOrders"

# BingX 2023 swap v2 docs: the published example secret (a public sample, not a real key).
DOC_SECRET = "mheO6dR8ovSsxZQCOYEFCtelpuxcWGTfHw7te326y6jOwq5WpvFQ9JNljoTwBXZGv5It07m9RXSPpDQEK2w"
DOC_QUERY = "symbol=BTC-USDT&timestamp=1667872120843&side=LONG&leverage=6"
DOC_SIGNATURE = "4f581ecdb1fa09b9d6e57886b6f70cffed17f82b93399722939e49a38edec2bf"


def ok(data):
    return {"code": 0, "msg": "", "timestamp": 1, "data": data}


def fail(code, msg):
    return {"code": code, "msg": msg, "data": {}}


def levs(
    long=10, short=10, *, max_long=150, max_short=150, cap_long=None, cap_short=None, text=True
):
    """A GET trade/leverage answer; numbers as strings (``text``) or JSON numbers."""
    data = {
        "longLeverage": long,
        "shortLeverage": short,
        "maxLongLeverage": max_long,
        "maxShortLeverage": max_short,
        "availableLongVol": 1.5,
        "availableShortVol": 0.5,
        "availableLongVal": 90000,
        "availableShortVal": 30000,
    }
    if cap_long is not None:
        data["maxPositionLongVal"] = cap_long
    if cap_short is not None:
        data["maxPositionShortVal"] = cap_short
    if text:
        data = {k: str(v) for k, v in data.items()}
    return ok(data)


def set_answer(lev, *, cap_long=None, cap_short=None, symbol="BTC-USDT"):
    data = {"leverage": lev, "symbol": symbol}
    if cap_long is not None:
        data["maxPositionLongVal"] = str(cap_long)
        data["availableLongVal"] = str(cap_long / 10)
    if cap_short is not None:
        data["maxPositionShortVal"] = str(cap_short)
    return ok(data)


def mode(hedge):
    return ok({"dualSidePosition": "true" if hedge else "false"})


def client(clock=None, key=FAKE_KEY, secret=FAKE_SECRET, **kw):
    clock = clock or FakeClock()
    return lk.BingX(key, secret, clock=clock, sleep=clock.sleep, **kw)


def split(request):
    """(signed payload, signature, params) of a request levkit sent."""
    query = request.url.split("?", 1)[1]
    payload, signature = query.rsplit("&signature=", 1)
    return payload, signature, dict(parse_qsl(payload))


def posts():
    return [c.request for c in responses.calls if c.request.method == "POST"]


def snapshot_cap(symbol, leverage):
    tiers = lk.load_snapshot("bingx", symbol)
    return tiers.loc[tiers["max_leverage"] >= leverage, "max_notional"].max()


# -- pure parsing ------------------------------------------------------------------------


@pytest.mark.parametrize("text", [True, False])
def test_parse_leverage_reads_strings_and_numbers_alike(text):
    df = parse_leverage(
        levs(20, 5, max_short=100, cap_long=100e6, cap_short=1e6, text=text)["data"],
        symbol="BTC-USDT",
    )
    assert list(df.columns[: len(LEVERAGE_COLUMNS)]) == list(LEVERAGE_COLUMNS)
    assert df.drop(columns=["exchange", "symbol", "side"]).to_dict("list") == {
        "leverage": [20.0, 5.0],
        "max_leverage": [150.0, 150.0],  # the symbol's top: the larger side's figure
        "max_position_value": [100e6, 1e6],
        "available_value": [90000.0, 30000.0],
        "available_volume": [1.5, 0.5],
        "side_max_leverage": [150.0, 100.0],  # what each side allows now, as BingX says
    }
    assert df["side"].tolist() == ["long", "short"] and df["leverage"].dtype == "float64"


def test_parse_leverage_doc_example_without_caps_leaves_them_nan():
    data = {"longLeverage": 50, "shortLeverage": 50, "maxLongLeverage": 75, "maxShortLeverage": 75}
    df = parse_leverage(data, symbol="BCH-USDT")
    assert df["max_position_value"].isna().all() and df["available_value"].isna().all()
    with pytest.raises(lk.ParseError, match="longLeverage"):
        parse_leverage({"maxLongLeverage": 75}, symbol="BCH-USDT")
    with pytest.raises(lk.ParseError, match="expected a number"):
        parse_leverage({"longLeverage": "lots", "shortLeverage": 1}, symbol="BCH-USDT")


def test_parse_set_leverage_gives_the_new_leverage_to_the_side_set_only():
    nums = parse_set_leverage({"leverage": "8", "maxPositionShortVal": 12e6}, wire_side="SHORT")
    assert nums["short"]["leverage"] == 8.0 and nums["short"]["max_position_value"] == 12e6
    assert math.isnan(nums["long"]["leverage"])
    both = parse_set_leverage({"leverage": 8}, wire_side="BOTH")
    assert both["long"]["leverage"] == both["short"]["leverage"] == 8.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", "hedge"),
        ("false", "one-way"),
        (True, "hedge"),
        (False, "one-way"),
        ("TRUE", "hedge"),
    ],
)
def test_parse_position_mode_reads_strings_and_bools(value, expected):
    assert parse_position_mode({"dualSidePosition": value}) == expected


def test_parse_position_mode_rejects_anything_else():
    with pytest.raises(lk.ParseError, match="dualSidePosition"):
        parse_position_mode({"dualSidePosition": "maybe"})


def test_parse_margin_ratio_builds_bands_without_leverage():
    rows = [
        {"tier": "Tier 3", "symbol": "BTC-USDT", "minPositionVal": "900000",
         "maxPositionVal": "3000000", "maintMarginRatio": "0.005000", "maintAmount": "930.000000"},
        {"tier": "Tier 1", "symbol": "BTC-USDT", "minPositionVal": 0,
         "maxPositionVal": 150000, "maintMarginRatio": 0.0038, "maintAmount": 0},
        {"tier": "Tier 2", "symbol": "BTC-USDT", "minPositionVal": "150000",
         "maxPositionVal": "900000", "maintMarginRatio": "0.004000", "maintAmount": "30.000000"},
    ]  # fmt: skip
    df = parse_margin_ratio(rows)
    assert list(df.columns) == [*TIERS_COLUMNS, "tier_label", "notional_unit"]
    assert set(df["notional_unit"]) == {"USDT"}
    assert df["tier"].tolist() == [1, 2, 3]
    assert df["tier_label"].tolist() == ["Tier 1", "Tier 2", "Tier 3"]
    assert df["min_notional"].tolist() == [0.0, 150000.0, 900000.0]
    assert df["maintenance_margin_rate"].tolist() == [0.0038, 0.004, 0.005]
    assert df["mm_deduction"].tolist() == [0.0, 30.0, 930.0]
    assert df["max_leverage"].isna().all() and df["initial_margin_rate"].isna().all()
    assert "discover_tiers" in df.attrs["note"] and "load_snapshot" in df.attrs["note"]


def test_parse_positions_and_orders_read_rows_and_empty_answers():
    pos = parse_positions(
        [{"symbol": "BNB-USDT", "positionSide": "SHORT", "positionAmt": "0.20",
          "isolated": True, "avgPrice": "246.43", "leverage": 5, "positionId": 17}]
    )  # fmt: skip
    assert pos[["symbol", "side", "size", "leverage"]].values.tolist() == [
        ["BNB-USDT", "short", 0.2, 5.0]
    ]
    assert bool(pos["isolated"].iloc[0]) and pos.attrs["source"] == "api"
    assert parse_positions([]).empty and "size" in parse_positions([]).columns
    orders = parse_open_orders(
        {"orders": [{"symbol": "BTC-USDT", "orderId": 1, "side": "BUY",
                     "positionSide": "LONG", "price": "50000", "origQty": "0.01"}]}
    )  # fmt: skip
    assert orders[["order_id", "position_side", "price"]].values.tolist() == [
        ["1", "long", 50000.0]
    ]
    assert parse_open_orders({"orders": []}).empty


def test_apply_set_answers_ignores_an_answer_given_before_a_side_was_set():
    before = parse_leverage(
        levs(10, 10, cap_long=230e6, cap_short=230e6)["data"], symbol="BTC-USDT"
    )
    answers = [
        (
            "LONG",
            {"leverage": 100, "maxPositionLongVal": "800000", "maxPositionShortVal": "230000000"},
        ),
        ("SHORT", {"leverage": 100}),  # this answer leaves the caps out
    ]
    after = apply_set_answers(before, answers, 100)
    assert after["leverage"].tolist() == [100.0, 100.0]
    assert after["max_position_value"].iloc[0] == 800000.0
    assert math.isnan(after["max_position_value"].iloc[1])  # 230m was the cap at 10x: stale


# -- the dialect ---------------------------------------------------------------------------


def test_doc_test_vector_signs_as_published():
    params = {"symbol": "BTC-USDT", "timestamp": 1667872120843, "side": "LONG", "leverage": 6}
    assert bingx_param_string(params) == DOC_QUERY
    assert bingx_signature(DOC_SECRET, DOC_QUERY) == DOC_SIGNATURE


def test_dialect_puts_timestamp_after_symbol_recv_window_and_signature_last():
    creds = lk.BingX(FAKE_KEY, DOC_SECRET).transport.credentials
    query, body, headers = BingXDialect().prepare(
        "POST",
        "/openApi/swap/v2/trade/leverage",
        {"symbol": "BTC-USDT", "side": "LONG", "leverage": 6},
        credentials=creds,
        timestamp_ms=1667872120843,
        recv_window=5000,
    )
    assert query == (
        f"{DOC_QUERY}&recvWindow=5000&signature="
        + bingx_signature(DOC_SECRET, DOC_QUERY + "&recvWindow=5000")
    )
    assert body is None and headers == {"X-BX-APIKEY": FAKE_KEY}


def test_dialect_reads_rate_limit_headers_and_retry_after():
    d = BingXDialect()
    now = 1_700_000_000_000
    spent = {"X-RateLimit-Requests-Remain": "0", "X-RateLimit-Requests-Expire": str(now + 2000)}
    assert d.rate_limit(spent) == {"remaining": 0, "expire": now + 2000}
    assert d.retry_after(spent, now) == 2.0
    assert d.retry_after({**spent, "X-RateLimit-Requests-Expire": "800"}, now) == 0.8
    assert d.retry_after({**spent, "Retry-After": "3"}, now) == 3.0
    assert d.retry_after({**spent, "X-RateLimit-Requests-Remain": "4"}, now) is None
    assert d.rate_limit({}) == {}


def test_error_message_of_109400_depends_on_its_cause():
    side = bingx_error(
        109400, "In the Hedge mode, the 'Side' field can only be set to LONG or SHORT.", "/x"
    )
    margin = bingx_error(109400, "margin is not enough", "/x")
    assert isinstance(side, lk.PositionModeError) and "one-way mode only BOTH" in str(side)
    assert type(margin) is lk.ExchangeError and "margin" in str(margin)


# -- the client: signing and wire format ----------------------------------------------------


@responses.activate
def test_set_leverage_signs_exactly_the_query_it_sends_doc_vector():
    responses.get(MODE, json=mode(hedge=True))
    responses.get(LEV, json=levs(10, 10))
    responses.post(LEV, json=set_answer(6, cap_long=230e6))
    c = client(FakeClock(1667872120.843), secret=DOC_SECRET)
    c.set_leverage("BTCUSDT", 6, side="long")
    (post,) = posts()
    payload, signature, _ = split(post)
    assert payload == DOC_QUERY + "&recvWindow=5000"  # the doc's string, recvWindow appended
    assert signature == bingx_signature(DOC_SECRET, payload)
    assert post.headers["X-BX-APIKEY"] == FAKE_KEY
    assert post.body in (None, b"", "")  # POST: everything in the query, body empty
    assert DOC_SECRET not in post.url


@responses.activate
def test_every_signed_get_carries_timestamp_recv_window_and_a_valid_signature():
    responses.get(LEV, json=levs(cap_long=1, cap_short=1))
    c = client()
    c.leverage("btc/usdt:usdt")
    payload, signature, params = split(responses.calls[0].request)
    assert params == {
        "symbol": "BTC-USDT",
        "timestamp": str(1_700_000_000_000),
        "recvWindow": "5000",
    }
    assert signature == bingx_signature(FAKE_SECRET, payload)


# -- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "cls", "words"),
    [
        (100001, lk.AuthenticationError, "secret does not match"),
        ("100412", lk.AuthenticationError, "no signature"),
        (100413, lk.AuthenticationError, "BINGX_API_KEY"),
        (100004, lk.AuthenticationError, "permission"),
        (100419, lk.AuthenticationError, "whitelist"),
        (100410, lk.RateLimitError, "too many"),
        ("109429", lk.RateLimitError, "too many"),
        (80014, lk.ExchangeError, "invalid parameter"),
        (100400, lk.ExchangeError, "invalid parameter"),
        (109500, lk.ExchangeError, "does not exist"),
        (101414, lk.ExchangeLeverageError, "maximum"),
        (101209, lk.ExchangeError, "position value above the maximum"),
    ],
)
@responses.activate
def test_error_codes_map_to_levkit_errors_with_hints(code, cls, words):
    responses.get(LEV, json=fail(code, "nope"))
    with pytest.raises(cls, match=words) as info:
        client(max_retries=0).leverage("BTC-USDT")
    err = info.value
    assert (err.code, err.exchange, err.endpoint) == (
        int(code),
        "bingx",
        "/openApi/swap/v2/trade/leverage",
    )
    assert type(err) is cls


@responses.activate
def test_rate_limit_code_is_retried_and_then_succeeds():
    clock = FakeClock()
    responses.get(LEV, json=fail(100410, "Rate limit exceeded"))
    responses.get(LEV, json=levs(cap_long=1, cap_short=1))
    df = client(clock).leverage("BTC-USDT")
    assert len(responses.calls) == 2 and len(df) == 2
    assert clock.slept == [0.5]  # the retry policy's first backoff


@responses.activate
def test_http_429_waits_until_the_window_in_the_expire_header_ends():
    clock = FakeClock()
    expire = int(clock.now * 1000) + 1500
    headers = {"X-RateLimit-Requests-Remain": "0", "X-RateLimit-Requests-Expire": str(expire)}
    responses.get(LEV, status=429, json=fail(100410, "Rate limit exceeded"), headers=headers)
    responses.get(
        LEV, json=levs(cap_long=1, cap_short=1), headers={"X-RateLimit-Requests-Remain": "4"}
    )
    df = client(clock).leverage("BTC-USDT")
    assert clock.slept == [1.5]
    assert df.attrs["rate_limit"]["remaining"] == 4


@responses.activate
def test_clock_skew_syncs_server_time_keeps_the_offset_and_retries_once():
    clock = FakeClock()
    server_ms = int(clock.now * 1000) + 7000
    responses.get(LEV, json=fail(100421, "Null timestamp or timestamp mismatch"))
    responses.get(TIME, json=ok({"serverTime": server_ms}))
    responses.get(LEV, json=levs(cap_long=1, cap_short=1))
    c = client(clock)
    c.leverage("BTC-USDT")
    assert c.transport.offset_ms == 7000
    first, sync, retried = (call.request for call in responses.calls)
    assert "X-BX-APIKEY" not in sync.headers and "signature" not in sync.url
    ts = [int(split(r)[2]["timestamp"]) for r in (first, retried)]
    assert ts[1] - ts[0] == 7000
    c.leverage("BTC-USDT")  # the offset stays: no second sync
    assert int(split(responses.calls[-1].request)[2]["timestamp"]) == server_ms


@responses.activate
def test_skew_that_persists_is_an_authentication_error_after_one_retry():
    responses.get(LEV, json=fail("100421", "timestamp mismatch"))
    responses.get(TIME, json=ok({"serverTime": 1_700_000_000_000}))
    with pytest.raises(lk.AuthenticationError, match="clock"):
        client().leverage("BTC-USDT")
    assert len(responses.calls) == 3


@responses.activate
def test_private_call_without_keys_sends_nothing_and_names_env_vars():
    for call in (
        lambda c: c.leverage("BTC-USDT"),
        lambda c: c.position_mode(),
        lambda c: c.set_leverage("BTC-USDT", 5),
        lambda c: c.margin_bands("BTC-USDT"),
        lambda c: c.open_positions(),
    ):
        with pytest.raises(lk.AuthenticationError, match="BINGX_API_KEY.*BINGX_API_SECRET"):
            call(lk.BingX())
    assert len(responses.calls) == 0


# -- leverage and position mode --------------------------------------------------------------


@pytest.mark.parametrize("text", [True, False])
@responses.activate
def test_leverage_gives_long_and_short_rows_with_caps_and_attrs(text):
    responses.get(
        LEV,
        json=levs(20, 5, cap_long=100e6, cap_short=1e6, text=text),
        headers={
            "X-RateLimit-Requests-Remain": "4",
            "X-RateLimit-Requests-Expire": "1700000001000",
        },
    )
    df = client().leverage("BTCUSDT")
    assert df[["symbol", "side", "leverage", "max_position_value"]].values.tolist() == [
        ["BTC-USDT", "long", 20.0, 100e6],
        ["BTC-USDT", "short", 5.0, 1e6],
    ]
    assert df.attrs["source"] == "api" and df.attrs["fetched_at"].tz is not None
    assert df.attrs["rate_limit"] == {"remaining": 4, "expire": 1700000001000}
    assert "caps_from" not in df.attrs


@responses.activate
def test_leverage_leaves_caps_nan_when_the_answer_has_none_and_reads_no_snapshot():
    responses.get(
        LEV,
        json=ok(
            {
                "longLeverage": 50,
                "shortLeverage": 20,
                "maxLongLeverage": 150,
                "maxShortLeverage": 150,
            }
        ),
    )
    df = client().leverage("BTC-USDT")
    # levkit 0.1 filled these from the shipped snapshot behind the caller's back; the
    # caller (or the control) now chooses a ladder and says so.
    assert df["max_position_value"].isna().all()
    assert df["max_leverage"].tolist() == [150.0, 150.0]
    assert "caps_from" not in df.attrs


@responses.activate
def test_leverage_caps_stay_nan_for_a_symbol_the_snapshot_lacks():
    responses.get(
        LEV,
        json=ok(
            {"longLeverage": 5, "shortLeverage": 5, "maxLongLeverage": 20, "maxShortLeverage": 20}
        ),
    )
    df = client().leverage("NOPE-USDT")
    assert df["max_position_value"].isna().all() and df["max_leverage"].tolist() == [20.0, 20.0]


@responses.activate
def test_leverage_from_the_simulator_is_stamped_simulator():
    responses.get(LEV, json=levs(cap_long=1, cap_short=1), headers={"X-Levkit-Simulator": "1"})
    assert client().leverage("BTC-USDT").attrs["source"] == "simulator"


def test_leverage_and_margin_bands_need_a_symbol():
    with pytest.raises(ValueError, match="needs a symbol"):
        client().leverage()
    with pytest.raises(ValueError, match="needs a symbol"):
        client().margin_bands()


@responses.activate
def test_position_mode_is_cached_and_refresh_reads_again():
    responses.get(MODE, json=ok({"dualSidePosition": True}))
    responses.get(MODE, json=mode(hedge=False))
    c = client()
    assert c.position_mode() == "hedge" and c.position_mode() == "hedge"
    assert len(responses.calls) == 1
    assert c.position_mode(refresh=True) == "one-way"
    assert len(responses.calls) == 2


# -- set_leverage -----------------------------------------------------------------------------


@responses.activate
def test_one_way_sends_both_once_and_takes_caps_from_the_answer():
    responses.get(MODE, json=mode(hedge=False))
    responses.get(LEV, json=levs(10, 10, cap_long=230e6, cap_short=230e6))
    responses.post(LEV, json=set_answer(20, cap_long=100e6, cap_short=100e6))
    df = client().set_leverage("btc-usdt", 20)
    (post,) = posts()
    params = split(post)[2]
    assert list(params) == ["symbol", "timestamp", "side", "leverage", "recvWindow"]
    assert (params["side"], params["leverage"], params["recvWindow"]) == ("BOTH", "20", "5000")
    assert df[
        ["side", "leverage", "previous_leverage", "changed", "max_position_value"]
    ].values.tolist() == [
        ["long", 20.0, 10.0, True, 100e6],
        ["short", 20.0, 10.0, True, 100e6],
    ]
    assert df["changed"].dtype == bool
    assert (df.attrs["position_mode"], df.attrs["message"]) == ("one-way", "leverage changed")


@responses.activate
def test_hedge_both_sets_long_then_short():
    responses.get(MODE, json=mode(hedge=True))
    responses.get(LEV, json=levs(10, 10, cap_long=230e6, cap_short=230e6))
    responses.post(LEV, json=set_answer(100, cap_long=800_000, cap_short=230e6))
    responses.post(LEV, json=set_answer(100, cap_long=800_000, cap_short=800_000))
    df = client().set_leverage("BTC-USDT", 100)
    assert [split(p)[2]["side"] for p in posts()] == ["LONG", "SHORT"]
    assert all(split(p)[2]["leverage"] == "100" for p in posts())
    assert df[["side", "leverage", "changed", "max_position_value"]].values.tolist() == [
        ["long", 100.0, True, 800_000.0],
        ["short", 100.0, True, 800_000.0],
    ]


@responses.activate
def test_hedge_single_side_changes_only_that_side():
    responses.get(MODE, json=mode(hedge=True))
    responses.get(LEV, json=levs(10, 20, cap_long=230e6, cap_short=100e6))
    responses.post(LEV, json=set_answer(5, cap_short=480e6))
    df = client().set_leverage("BTC-USDT", 5, side="short")
    assert [split(p)[2]["side"] for p in posts()] == ["SHORT"]
    assert df[
        ["side", "leverage", "previous_leverage", "changed", "max_position_value"]
    ].values.tolist() == [
        ["long", 10.0, 10.0, False, 230e6],
        ["short", 5.0, 20.0, True, 480e6],
    ]


@responses.activate
def test_setting_the_same_value_is_success_with_changed_false():
    responses.get(MODE, json=mode(hedge=False))
    responses.get(LEV, json=levs(20, 20, cap_long=100e6, cap_short=100e6))
    responses.post(LEV, json=set_answer(20))
    df = client().set_leverage("BTC-USDT", 20)
    assert df["changed"].tolist() == [False, False]
    assert df.attrs["message"] == "leverage already in force"
    assert df["max_position_value"].isna().all()  # the answer had none; no snapshot guess


@responses.activate
def test_one_way_refuses_a_single_side_before_sending():
    responses.get(MODE, json=mode(hedge=False))
    with pytest.raises(lk.PositionModeError, match="one-way mode"):
        client().set_leverage("BTC-USDT", 5, side="long")
    assert [c.request.url.split("?")[0] for c in responses.calls] == [MODE]


@responses.activate
def test_109400_from_the_exchange_names_the_mode_levkit_read_and_rereads_it():
    responses.get(MODE, json=mode(hedge=False))
    responses.get(LEV, json=levs(10, 10))
    responses.post(LEV, json=fail(109400, "side error"))
    c = client()
    with pytest.raises(lk.PositionModeError, match="read this account as one-way mode") as info:
        c.set_leverage("BTC-USDT", 5)
    assert info.value.code == 109400 and "hedge mode allows side LONG or SHORT" in str(info.value)
    c.position_mode()
    assert sum(call.request.url.startswith(MODE) for call in responses.calls) == 2


@responses.activate
def test_a_failure_between_long_and_short_says_long_was_already_set():
    responses.get(MODE, json=mode(hedge=True))
    responses.get(LEV, json=levs(10, 10))
    responses.post(LEV, json=set_answer(100, cap_long=800_000))
    responses.post(LEV, json=fail(101209, "position value too big"))
    with pytest.raises(lk.ExchangeError, match="position value") as info:
        client().set_leverage("BTC-USDT", 100)
    err = info.value
    assert err.partial and err.applied == {"long": 100.0} and err.mode == "hedge"
    assert "short side failed" in str(err) and "long side was already set to 100x" in str(err)
    assert "set the short side again" in err.__notes__[0]


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), 0, 0.5, -3, 2.5, "ten", None, True])
@responses.activate
def test_invalid_leverage_sends_nothing(bad):
    with pytest.raises(ValueError):
        client().set_leverage("BTC-USDT", bad)
    assert len(responses.calls) == 0


@responses.activate
def test_invalid_side_or_symbol_sends_nothing():
    with pytest.raises(ValueError, match="side"):
        client().set_leverage("BTC-USDT", 5, side="up")
    with pytest.raises(lk.InvalidSymbolError):
        client().set_leverage("BTC USDT!", 5)
    assert len(responses.calls) == 0


@responses.activate
def test_leverage_above_the_max_of_a_targeted_side_never_posts():
    responses.get(MODE, json=mode(hedge=True))
    responses.get(LEV, json=levs(10, 10, max_long=75, max_short=50))
    with pytest.raises(lk.InvalidLeverageError, match="above the maximum 50 for BTC-USDT"):
        client().set_leverage("BTC-USDT", 60)  # both sides: the short side allows only 50
    responses.post(LEV, json=set_answer(60, cap_long=1))
    client().set_leverage("BTC-USDT", 60, side="long")  # the long side allows 75
    assert [split(p)[2]["side"] for p in posts()] == ["LONG"]


@responses.activate
def test_dry_run_one_way_previews_one_request_and_sends_nothing():
    responses.get(MODE, json=mode(hedge=False))
    responses.get(LEV, json=levs(10, 10))
    preview = client().set_leverage("BTC-USDT", 25, dry_run=True)
    assert posts() == []
    assert isinstance(preview, RequestPreview) and preview.method == "POST"
    assert preview.url.startswith(LEV + "?symbol=BTC-USDT&timestamp=")
    assert "side=BOTH&leverage=25&recvWindow=5000&signature=<signed when sent>" in preview.url
    assert preview.headers == {"X-BX-APIKEY": "test..."} and not preview.body
    text = repr(preview) + preview._repr_html_() + str(preview.to_dict())
    assert FAKE_SECRET not in text and FAKE_KEY not in text


@responses.activate
def test_dry_run_hedge_both_previews_long_then_short():
    responses.get(MODE, json=mode(hedge=True))
    responses.get(LEV, json=levs(10, 10))
    seq = client().set_leverage("BTC-USDT", 25, dry_run=True)
    assert posts() == []
    assert isinstance(seq, RequestSequence) and len(seq) == 2
    assert ["side=LONG" in p.url for p in seq] == [True, False]
    assert "side=SHORT" in seq[1].url
    text = repr(seq) + seq._repr_html_() + str(seq.to_dict())
    assert "request 1 of 2" in text and "request 2 of 2" in text
    assert FAKE_SECRET not in text and FAKE_KEY not in text


# -- client-side rate limit -----------------------------------------------------------------


def _stamps(path_url):
    return [
        int(split(c.request)[2]["timestamp"])
        for c in responses.calls
        if c.request.url.startswith(path_url + "?")
    ]


def _max_in_any_second(stamps):
    return max(sum(1 for t in stamps if s <= t < s + 1000) for s in stamps)


@responses.activate
def test_a_burst_of_twenty_leverage_reads_is_spaced_not_rejected():
    clock = FakeClock()
    responses.get(LEV, json=levs(cap_long=1, cap_short=1))
    c = client(clock)
    frames = [c.leverage("BTC-USDT") for _ in range(20)]
    stamps = _stamps(LEV)
    assert len(frames) == 20 and len(stamps) == 20
    assert _max_in_any_second(stamps) == 5
    assert stamps[-1] - stamps[0] == 3000  # 5 at t, t+1, t+2, t+3
    assert sum(clock.slept) == pytest.approx(3.0)


@responses.activate
def test_get_and_post_on_the_leverage_endpoint_share_one_limiter():
    clock = FakeClock()
    responses.get(MODE, json=mode(hedge=False))
    responses.get(LEV, json=levs(cap_long=1, cap_short=1))
    responses.post(LEV, json=set_answer(7, cap_long=1, cap_short=1))
    c = client(clock)
    for _ in range(10):
        c.set_leverage("BTC-USDT", 7)
    stamps = _stamps(LEV)  # GET and POST alike
    assert len(stamps) == 20 and _max_in_any_second(stamps) == 5
    assert stamps[-1] - stamps[0] == 3000


# -- risk limits --------------------------------------------------------------------------------

BANDS = [
    {"tier": "Tier 2", "symbol": "BTC-USDT", "minPositionVal": "150000", "maxPositionVal": "900000",
     "maintMarginRatio": "0.004000", "maintAmount": "30.000000"},
    {"tier": "Tier 1", "symbol": "BTC-USDT", "minPositionVal": 0, "maxPositionVal": 150000,
     "maintMarginRatio": 0.0038, "maintAmount": 0},
]  # fmt: skip


@responses.activate
def test_margin_bands_cached_and_refreshed():
    clock = FakeClock()
    rows = list(BANDS)
    random.Random(3).shuffle(rows)
    responses.get(MARGIN, json=ok(rows))
    c = client(clock)
    df = c.margin_bands("BTCUSDT")
    assert split(responses.calls[0].request)[2]["symbol"] == "BTC-USDT"
    assert df[
        ["tier", "min_notional", "max_notional", "maintenance_margin_rate"]
    ].values.tolist() == [
        [1, 0.0, 150000.0, 0.0038],
        [2, 150000.0, 900000.0, 0.004],
    ]
    assert df["max_leverage"].isna().all() and df["tier_label"].tolist() == ["Tier 1", "Tier 2"]
    assert "max leverage" in df.attrs["note"] and "discover_tiers" in df.attrs["note"]
    assert df.attrs["source"] == "api"
    c.margin_bands("BTC-USDT")
    assert len(responses.calls) == 1
    c.margin_bands("BTC-USDT", refresh=True)
    assert len(responses.calls) == 2
    clock.now += c.cache_ttl + 1
    c.margin_bands("BTC-USDT")
    assert len(responses.calls) == 3


@responses.activate
def test_margin_bands_with_no_bands_raises_instead_of_an_empty_frame():
    responses.get(MARGIN, json=ok([]))
    with pytest.raises(lk.LevkitError, match="no margin bands for NOPE-USDT"):
        client().margin_bands("NOPE-USDT")


@responses.activate
def test_risk_limits_says_how_to_get_a_ladder_and_sends_nothing():
    for c in (client(), lk.BingX()):
        with pytest.raises(lk.LevkitError) as info:
            c.risk_limits("BTC-USDT")
        text = str(info.value)
        assert "discover_tiers('BTC-USDT')" in text and "load_snapshot('bingx'" in text
        assert "margin_bands" in text
    assert len(responses.calls) == 0


@responses.activate
def test_fetch_risk_limits_bingx_without_keys_points_to_snapshot_and_discovery():
    with pytest.raises(lk.LevkitError) as info:
        lk.fetch_risk_limits("bingx", "BTC-USDT")
    assert "load_snapshot" in str(info.value) and "discover_tiers" in str(info.value)
    assert len(responses.calls) == 0


@responses.activate
def test_fetch_risk_limits_bingx_with_keys_still_sends_nothing(monkeypatch):
    """Keys do not make a ladder appear: BingX has no ladder endpoint (bands are apart)."""
    monkeypatch.setenv("BINGX_API_KEY", FAKE_KEY)
    monkeypatch.setenv("BINGX_API_SECRET", FAKE_SECRET)
    with pytest.raises(lk.LevkitError, match="discover_tiers"):
        lk.fetch_risk_limits("bingx", "BTCUSDT")
    assert len(responses.calls) == 0


# -- positions, orders, hosts ---------------------------------------------------------------


@responses.activate
def test_open_positions_and_orders_are_small_frames():
    responses.get(
        POS,
        json=ok([
            {"symbol": "BTC-USDT", "positionSide": "LONG", "positionAmt": "0.01", "leverage": 10},
            {"symbol": "ETH-USDT", "positionSide": "SHORT", "positionAmt": "0", "leverage": 5},
        ]),
    )  # fmt: skip
    responses.get(ORDERS, json=ok({"orders": []}))
    c = client()
    pos = c.open_positions()
    assert pos[["symbol", "side", "size"]].values.tolist() == [["BTC-USDT", "long", 0.01]]
    orders = c.open_orders("BTCUSDT")
    assert orders.empty and orders.attrs["source"] == "api"
    assert split(responses.calls[1].request)[2]["symbol"] == "BTC-USDT"
    assert "symbol" not in split(responses.calls[0].request)[2]


def test_testnet_is_the_vst_demo_host_and_repr_hides_keys(monkeypatch):
    c = lk.BingX(FAKE_KEY, FAKE_SECRET, testnet=True)
    assert c.base_url == "https://open-api-vst.bingx.com"
    assert FAKE_SECRET not in repr(c) and "test..." in repr(c)
    monkeypatch.setenv("BINGX_API_KEY", FAKE_KEY)
    monkeypatch.setenv("BINGX_API_SECRET", FAKE_SECRET)
    monkeypatch.setenv("BINGX_TESTNET", "1")
    env = lk.BingX.from_env()
    assert env.has_keys and env.base_url == "https://open-api-vst.bingx.com"
    assert lk.BingX().base_url == HOST


@responses.activate
def test_dropped_connection_on_get_is_retried():
    clock = FakeClock()
    responses.get(LEV, body=requests.ConnectionError())
    responses.get(LEV, json=levs(cap_long=1, cap_short=1))
    df = client(clock).leverage("BTC-USDT")
    assert len(responses.calls) == 2 and not np.isnan(df["leverage"]).any()
    assert isinstance(df, pd.DataFrame)


# -- signing: the 2023 swap v2 docs' vectors (their published sample secret) --------------


def test_bingx_signature_reproduces_2023_doc_vector():
    params = {"symbol": "BTC-USDT", "timestamp": 1667872120843, "side": "LONG", "leverage": 6}
    payload = bingx_param_string(params)
    assert payload == "symbol=BTC-USDT&timestamp=1667872120843&side=LONG&leverage=6"
    assert bingx_signature(DOC_SECRET, payload) == (
        "4f581ecdb1fa09b9d6e57886b6f70cffed17f82b93399722939e49a38edec2bf"
    )


def test_bingx_signature_reproduces_2023_doc_mixed_vector():
    payload = "symbol=BTC-USDT&timestamp=1668159715051side=LONG&leverage=6"
    assert bingx_signature(DOC_SECRET, payload) == (
        "8b756b01e7a30f02e19c58a91ab01b29528694316b08a51ecb8dd072942bd47d"
    )
