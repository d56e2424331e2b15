"""Bybit legacy v2: the leverage endpoints (/user/leverage, /user/leverage/save: parsing,
signing, envelope, errors) and positions (``GET /v2/private/position/list``: parse on the
v2 docs' examples, the client over `responses` and over the simulator).  No network."""

from __future__ import annotations

import json
import math
import re
import warnings
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import responses

import levkit as lk
from levkit.errors import ParseError
from levkit.frames import tiers_frame
from levkit.http.signing import hmac_sha256_hex
from levkit.sim import DEMO_KEY, DEMO_SECRET, Simulator
from levkit.venues.bybit_legacy.client import ExchangeLeverageError
from levkit.venues.bybit_legacy.dialect import bybit_v2_param_string, bybit_v2_signature
from levkit.venues.bybit_legacy.parse import (
    parse_envelope,
    parse_leverage_save,
    parse_position_list,
    parse_user_leverage,
    rate_limit_of,
)

from ..conftest import FAKE_KEY, FAKE_SECRET

HOST = "https://api.bybit.com"
LEV = HOST + "/user/leverage"
SAVE = HOST + "/user/leverage/save"
TIME = HOST + "/v5/market/time"

# Our own answers in the shape of the legacy docs' examples.
LEVERAGES = {
    "ETHUSD": {"leverage": 3},
    "BTCUSD": {"leverage": 5},
    "XRPUSD": {"leverage": "10"},
}


def v2(result, code=0, msg="ok", *, now=1_700_000_000.25, remaining=99, reset_in_ms=400):
    """A v2 envelope; time_now is seconds as a string, the reset on the server's clock."""
    return {
        "ret_code": code,
        "ret_msg": msg,
        "ext_code": "",
        "result": result,
        "ext_info": None,
        "time_now": f"{now:.6f}",
        "rate_limit_status": remaining,
        "rate_limit_reset_ms": int(now * 1000) + reset_in_ms,
        "rate_limit": 100,
    }


def client(clock=None, **kw):
    kw.setdefault("progress", False)
    if clock is not None:
        kw.update(clock=clock, sleep=clock.sleep)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return lk.BybitLegacy(FAKE_KEY, FAKE_SECRET, **kw)


def sent_query(request) -> tuple[str, str]:
    """(the signed part of the query, the sign) exactly as sent."""
    query = urlsplit(request.url).query
    signed, sign = query.rsplit("&sign=", 1)
    return signed, sign


def posts():
    return [c.request for c in responses.calls if c.request.method == "POST"]


# -- the deprecation ---------------------------------------------------------------------------


def test_creating_the_client_warns_once_naming_endpoints_and_replacement():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lk.BybitLegacy()
    deprecations = [w for w in caught if issubclass(w.category, DeprecationWarning)]
    assert len(deprecations) == 1
    text = str(deprecations[0].message)
    for words in ("/user/leverage", "/user/leverage/save", "late 2020", "offline", "lk.Bybit"):
        assert words in text
    assert "/v5/position/list" in text and "/v5/position/set-leverage" in text
    assert deprecations[0].filename == __file__  # points at the caller, not at levkit


def test_every_new_client_warns_again_also_from_env(monkeypatch):
    monkeypatch.setenv("BYBIT_API_KEY", FAKE_KEY)
    monkeypatch.setenv("BYBIT_API_SECRET", FAKE_SECRET)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lk.BybitLegacy()
        c = lk.BybitLegacy.from_env()
    assert [w.category for w in caught] == [DeprecationWarning, DeprecationWarning]
    assert caught[1].filename == __file__
    assert c.has_keys


def test_constructor_hosts_and_repr_match_bybit():
    assert client(testnet=True).base_url == "https://api-testnet.bybit.com"
    assert client().base_url == HOST
    assert client(base_url="http://127.0.0.1:8765").base_url == "http://127.0.0.1:8765"
    assert "test..." in repr(client()) and FAKE_SECRET not in repr(client())
    with pytest.raises(ValueError, match="http://"):
        client(base_url="http://api.bybit.com")


# -- pure parsing -------------------------------------------------------------------------------


def test_parse_user_leverage_one_row_per_symbol_side_both():
    df = parse_user_leverage(LEVERAGES)
    assert df[["symbol", "side", "leverage"]].values.tolist() == [
        ["BTCUSD", "both", 5.0],
        ["ETHUSD", "both", 3.0],
        ["XRPUSD", "both", 10.0],
    ]
    assert df["exchange"].unique().tolist() == ["bybit-legacy"]
    assert df["max_leverage"].isna().all() and df["max_position_value"].isna().all()
    assert df["leverage"].dtype == "float64"


def test_parse_user_leverage_zero_is_cross_margin_not_a_leverage():
    df = parse_user_leverage({"BTCUSD": {"leverage": 0}, "ETHUSD": {"leverage": 2}})
    assert df["margin_mode"].tolist() == ["cross", "isolated"]
    assert math.isnan(df["leverage"].iloc[0]) and df["leverage"].iloc[1] == 2.0


@pytest.mark.parametrize(
    "bad",
    [{}, [], None, {"BTCUSD": 5}, {"BTCUSD": {}}, {"BTCUSD": {"leverage": "x"}}, {"": {}}],
)
def test_parse_user_leverage_rejects_bad_shapes(bad):
    with pytest.raises(lk.ParseError):
        parse_user_leverage(bad)


def test_parse_envelope_reads_string_codes_and_keeps_fields():
    code, result, env = parse_envelope({**v2(2), "ret_code": "34036"}, "/user/leverage/save")
    assert (code, result) == (34036, 2)
    assert env["time_now"] == "1700000000.250000" and env["rate_limit"] == 100
    with pytest.raises(lk.ParseError, match="ret_code"):
        parse_envelope({"retMsg": "?"}, "/user/leverage")


def test_rate_limit_of_gives_retry_after_only_when_nothing_is_left():
    assert "retry_after" not in rate_limit_of(v2(None, remaining=3))
    rate = rate_limit_of(v2(None, remaining=0, reset_in_ms=1_500))
    assert rate == {
        "limit": 100,
        "remaining": 0,
        "reset_ms": 1_700_000_001_750,
        "retry_after": pytest.approx(1.5),
    }


def test_parse_leverage_save_reads_numbers_and_strings():
    assert parse_leverage_save(25) == 25.0 and parse_leverage_save("12.5") == 12.5
    assert math.isnan(parse_leverage_save(None))
    with pytest.raises(lk.ParseError):
        parse_leverage_save({"leverage": 5})


# -- leverage() -----------------------------------------------------------------------------------


@responses.activate
def test_leverage_get_signs_sorted_parameters_in_the_query(clock):
    responses.get(LEV, json=v2(LEVERAGES))
    client(clock).leverage()
    request = responses.calls[0].request
    signed, sign = sent_query(request)
    params = dict(parse_qsl(signed))
    assert list(params) == ["api_key", "recv_window", "timestamp"]
    assert params == {
        "api_key": FAKE_KEY,
        "recv_window": "5000",
        "timestamp": str(int(clock.now * 1000)),
    }
    assert sign == hmac_sha256_hex(FAKE_SECRET, signed)
    assert signed == bybit_v2_param_string(params)
    assert not any(h.startswith("X-BAPI") for h in request.headers)


@responses.activate
def test_leverage_keeps_the_envelope_and_rate_limit_in_attrs():
    responses.get(LEV, json=v2(LEVERAGES, remaining=41))
    df = client().leverage()
    env = df.attrs["envelope"]
    assert env["ret_code"] == 0 and env["time_now"] == "1700000000.250000"
    assert env["rate_limit_status"] == 41 and env["rate_limit"] == 100
    assert df.attrs["rate_limit"] == {"limit": 100, "remaining": 41, "reset_ms": 1_700_000_000_650}
    assert df.attrs["source"] == "api" and df.attrs["fetched_at"].tz is not None
    assert "NaN" in df.attrs["caps_note"]
    assert "result" not in env


@responses.activate
def test_leverage_with_no_calls_left_says_when_to_retry():
    responses.get(LEV, json=v2(LEVERAGES, remaining=0, reset_in_ms=2_000))
    df = client().leverage()
    assert df.attrs["rate_limit"]["retry_after"] == pytest.approx(2.0)


@responses.activate
def test_leverage_reads_ret_code_as_a_string():
    responses.get(LEV, json={**v2(LEVERAGES), "ret_code": "0"})
    assert client().leverage()["symbol"].tolist() == ["BTCUSD", "ETHUSD", "XRPUSD"]


@responses.activate
def test_leverage_filters_one_symbol_in_any_spelling_and_names_a_missing_one():
    responses.get(LEV, json=v2(LEVERAGES))
    df = client().leverage("btc-usd")
    assert df[["symbol", "leverage"]].values.tolist() == [["BTCUSD", 5.0]]
    assert df.attrs["envelope"]["ret_code"] == 0
    with pytest.raises(lk.LevkitError, match="no leverage for SOLUSD"):
        client().leverage("SOLUSD")


@responses.activate
def test_leverage_with_no_symbols_raises_instead_of_an_empty_frame():
    responses.get(LEV, json=v2({}))
    with pytest.raises(lk.LevkitError, match="no symbols"):
        client().leverage()


@responses.activate
def test_clock_skew_syncs_with_the_v5_time_endpoint_and_retries(clock):
    server_ms = int(clock.now * 1000) + 4_000
    responses.get(LEV, json=v2(None, 10002, "invalid request, please check your timestamp"))
    responses.get(
        TIME,
        json={
            "retCode": 0,
            "retMsg": "OK",
            "result": {"timeSecond": str(server_ms // 1000), "timeNano": str(server_ms * 10**6)},
            "retExtInfo": {},
            "time": server_ms,
        },
    )
    responses.get(LEV, json=v2(LEVERAGES))
    c = client(clock)
    c.leverage()
    assert c.transport.offset_ms == 4_000
    stamps = [dict(parse_qsl(sent_query(responses.calls[i].request)[0])) for i in (0, 2)]
    assert int(stamps[1]["timestamp"]) - int(stamps[0]["timestamp"]) == 4_000


@responses.activate
def test_too_many_visits_waits_until_the_envelope_reset(clock):
    responses.get(LEV, json=v2(None, 10006, "too many visits", remaining=0, reset_in_ms=1_250))
    responses.get(LEV, json=v2(LEVERAGES))
    client(clock).leverage()
    assert clock.slept == [pytest.approx(1.25)]


@responses.activate
def test_too_many_visits_with_a_far_reset_raises_with_retry_after(clock):
    responses.get(LEV, json=v2(None, 10006, "too many visits", remaining=0, reset_in_ms=45_000))
    with pytest.raises(lk.RateLimitError) as info:
        client(clock).leverage()
    assert info.value.retry_after == pytest.approx(45.0)
    assert len(responses.calls) == 1 and clock.slept == []


@pytest.mark.parametrize(
    ("code", "words"),
    [(10003, "invalid API key"), (10004, "signature"), ("10004", "signature")],
)
@responses.activate
def test_auth_codes_raise_authentication_error(code, words):
    responses.get(LEV, json=v2(None, code, "error"))
    with pytest.raises(lk.AuthenticationError, match=words) as info:
        client(max_retries=0).leverage()
    err = info.value
    assert (err.code, err.exchange, err.endpoint) == (int(code), "bybit-legacy", "/user/leverage")
    assert FAKE_SECRET not in str(err) and FAKE_KEY not in str(err)


@responses.activate
def test_a_removed_route_says_v2_is_offline_and_is_not_retried(clock):
    responses.get(LEV, status=404, body="<html>Not Found</html>", content_type="text/html")
    with pytest.raises(lk.ExchangeError, match="offline.*lk.Bybit") as info:
        client(clock).leverage()
    assert info.value.code == 404 and len(responses.calls) == 1 and clock.slept == []


@responses.activate
def test_a_v5_route_not_found_answer_says_v2_is_offline():
    responses.get(LEV, json={"retCode": 10017, "retMsg": "route not found", "result": {}})
    with pytest.raises(lk.ExchangeError, match="/v5/position/set-leverage"):
        client().leverage()


# -- set_leverage() ---------------------------------------------------------------------------------


@responses.activate
def test_set_leverage_posts_a_signed_json_body_and_reports_the_change(clock):
    responses.get(LEV, json=v2(LEVERAGES))
    responses.post(SAVE, json=v2(25))
    df = client(clock).set_leverage("BTC/USD:BTC", 25)
    (post,) = posts()
    assert post.headers["Content-Type"] == "application/json"
    body = json.loads(post.body)
    assert list(body) == ["api_key", "leverage", "recv_window", "symbol", "timestamp", "sign"]
    assert body["leverage"] == 25 and isinstance(body["leverage"], int)  # a number
    assert body["symbol"] == "BTCUSD" and body["api_key"] == FAKE_KEY
    unsigned = {k: v for k, v in body.items() if k != "sign"}
    assert body["sign"] == bybit_v2_signature(FAKE_SECRET, unsigned)
    assert post.url == SAVE  # nothing in the query string
    assert df[["symbol", "side", "leverage", "previous_leverage"]].values.tolist() == [
        ["BTCUSD", "both", 25.0, 5.0]
    ]
    assert df["changed"].tolist() == [True] and df["changed"].dtype == bool
    assert df.attrs["code"] == 0 and df.attrs["envelope"]["time_now"] == "1700000000.250000"


@responses.activate
def test_set_leverage_signs_fractional_leverage_as_sent():
    responses.get(LEV, json=v2(LEVERAGES))
    responses.post(SAVE, json=v2(12.5))
    client().set_leverage("ETHUSD", 12.5)
    raw = posts()[0].body
    body = json.loads(raw)
    assert '"leverage":12.5,' in raw and "leverage=12.5&" in bybit_v2_param_string(body)
    assert body["sign"] == bybit_v2_signature(FAKE_SECRET, body)


@pytest.mark.parametrize("code", [34036, 34015, 34020, "34036"])
@responses.activate
def test_set_leverage_not_modified_is_success(code):
    responses.get(LEV, json=v2(LEVERAGES))
    responses.post(SAVE, json=v2(None, code, "leverage not modified"))
    df = client().set_leverage("BTCUSD", 5)
    assert df["changed"].tolist() == [False]
    assert df["leverage"].tolist() == [5.0]
    assert df.attrs["code"] == int(code) and df.attrs["message"] == "leverage not modified"


@responses.activate
def test_set_leverage_not_modified_after_a_lost_answer_reports_changed(clock):
    responses.get(LEV, json=v2(LEVERAGES))
    responses.post(SAVE, body=requests.ConnectionError())
    responses.post(SAVE, json=v2(None, 34036, "leverage not modified"))
    df = client(clock).set_leverage("BTCUSD", 20)
    assert len(posts()) == 2 and df["changed"].tolist() == [True]
    assert df["previous_leverage"].tolist() == [5.0]


@responses.activate
def test_set_leverage_above_the_symbols_max_is_a_clear_error():
    responses.get(LEV, json=v2(LEVERAGES))
    responses.post(SAVE, json=v2(None, 34019, "leverage exceeds max leverage"))
    with pytest.raises(ExchangeLeverageError, match="above this symbol's maximum") as info:
        client().set_leverage("ETHUSD", 80)
    assert isinstance(info.value, ValueError) and isinstance(info.value, lk.ExchangeError)
    assert isinstance(info.value, lk.InvalidLeverageError)
    assert (info.value.code, info.value.endpoint) == (34019, "/user/leverage/save")


@responses.activate
def test_set_leverage_refuses_a_cross_margin_symbol_before_posting():
    responses.get(LEV, json=v2({"BTCUSD": {"leverage": 0}}))
    with pytest.raises(lk.PositionModeError, match="cross margin"):
        client().set_leverage("BTCUSD", 10)
    assert posts() == []


@pytest.mark.parametrize(
    "bad", [float("nan"), float("inf"), 0.5, -3, "ten", None, True, 101, 10.005]
)
@responses.activate
def test_set_leverage_invalid_values_send_nothing(bad):
    with pytest.raises(ValueError):
        client().set_leverage("BTCUSD", bad)
    assert len(responses.calls) == 0


@pytest.mark.parametrize("zero", [0, 0.0, "0"])
@responses.activate
def test_set_leverage_zero_explains_levkit_does_not_switch_margin_mode(zero):
    with pytest.raises(lk.InvalidLeverageError, match="cross margin.*does not switch margin"):
        client().set_leverage("BTCUSD", zero)
    assert len(responses.calls) == 0


@pytest.mark.parametrize("side", ["long", "SHORT"])
@responses.activate
def test_set_leverage_one_leverage_per_symbol_refuses_a_side(side):
    with pytest.raises(lk.PositionModeError, match="side must be 'both'"):
        client().set_leverage("BTCUSD", 5, side=side)
    with pytest.raises(ValueError):
        client().set_leverage("BTCUSD", 5, side="up")
    assert len(responses.calls) == 0


@responses.activate
def test_no_keys_raise_authentication_error_naming_env_vars_before_sending():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        public = lk.BybitLegacy()
    for call in (
        lambda: public.leverage(),
        lambda: public.set_leverage("BTCUSD", 5),
        lambda: public.set_leverage("BTCUSD", 5, dry_run=True),
    ):
        with pytest.raises(lk.AuthenticationError, match="BYBIT_API_KEY.*BYBIT_API_SECRET"):
            call()
    assert len(responses.calls) == 0


@responses.activate
def test_dry_run_sends_nothing_and_hides_key_and_secret():
    preview = client().set_leverage("btcusd", 25, dry_run=True)
    assert len(responses.calls) == 0
    assert (preview.method, preview.url) == ("POST", SAVE)
    body = json.loads(preview.body)
    assert body["api_key"] == "test..." and body["sign"] == "<signed when sent>"
    assert (body["symbol"], body["leverage"]) == ("BTCUSD", 25)
    text = repr(preview) + preview._repr_html_() + str(preview.to_dict())
    assert FAKE_KEY not in text and FAKE_SECRET not in text
    assert re.search(r"[0-9a-f]{64}", text) is None  # no signature anywhere


def test_preview_of_a_get_masks_the_key_in_the_url():
    preview = client().transport.preview("GET", "/user/leverage")
    assert "api_key=test...&" in preview.url and "sign=<signed when sent>" in preview.url
    assert FAKE_KEY not in preview.url


@responses.activate
def test_set_leverage_saves_keep_the_published_75_per_minute(clock):
    """The client paces saves by the spec's limit, the one the simulator enforces."""
    from levkit.venues import venue

    limit = venue("bybit-legacy").endpoint("set_leverage").limit
    assert (limit.requests, limit.per) == (75, 60.0)
    responses.get(LEV, json=v2(LEVERAGES))
    responses.post(SAVE, json=v2(7))
    c = client(clock)
    start = clock.now
    for _ in range(77):
        c.set_leverage("BTCUSD", 7)
    assert len(posts()) == 77
    assert clock.now - start == pytest.approx(60.0)  # the 76th save waited for the window


def test_bybit_v2_signs_sorted_parameters_without_sign():
    params = {"symbol": "BTCUSD", "leverage": 5, "api_key": "k", "timestamp": 1, "sign": "x"}
    assert bybit_v2_param_string(params) == "api_key=k&leverage=5&symbol=BTCUSD&timestamp=1"
    assert bybit_v2_signature("s", params) == hmac_sha256_hex(
        "s", "api_key=k&leverage=5&symbol=BTCUSD&timestamp=1"
    )


# -- positions: GET /v2/private/position/list ------------------------------------------

POSITIONS = HOST + "/v2/private/position/list"

#: The v2 docs' "My Position" example with ``symbol`` (trimmed to the fields levkit reads
#: and a few more; bybit-exchange/docs-legacy futuresV2/inverse_perpetual/_account_data.md).
DOC_ONE = {"id": 27913, "user_id": 1, "risk_id": 1, "symbol": "BTCUSD", "side": "Buy",
           "size": 5, "position_value": "0.0006947", "entry_price": "7197.35137469",
           "is_isolated": True, "auto_add_margin": 0, "leverage": "1",
           "effective_leverage": "1", "position_status": "Normal"}  # fmt: skip
#: Its list form (without ``symbol``): an open BTCUSD and a flat XRPUSD.
DOC_LIST = [
    {"is_valid": True, "data": {**DOC_ONE, "size": 10, "position_value": "0.00076448",
                                "entry_price": "13080.78694014", "leverage": "100"}},
    {"is_valid": True, "data": {**DOC_ONE, "symbol": "XRPUSD", "side": "None", "size": 0,
                                "position_value": "0", "entry_price": "0", "leverage": "16.67"}},
]  # fmt: skip


def v2_docs(result):
    """The v2 docs' own envelope around ``result`` (their fixed time and limits)."""
    return {"ret_code": 0, "ret_msg": "OK", "ext_code": "", "ext_info": "", "result": result,
            "time_now": "1577480599.097287", "rate_limit_status": 119,
            "rate_limit_reset_ms": 1580885703683, "rate_limit": 120}  # fmt: skip


def legacy(*args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return lk.BybitLegacy(*args, **kw)


def test_doc_examples_inverse_value_is_in_the_coin_like_its_ladder():
    # v2's own position_value is the coin (5 contracts at 7197: 0.0006947 BTC), the unit of
    # the v5 inverse ladder that serves BTCUSD; the USD face value is the size
    one = parse_position_list(DOC_ONE)
    assert one[["side", "direction", "size", "position_value"]].values.tolist() == [
        ["both", "long", 5.0, 0.0006947]]  # fmt: skip
    assert one["position_value_usd"].iloc[0] == 5.0
    many = parse_position_list(DOC_LIST)
    assert many["symbol"].tolist() == ["BTCUSD", "XRPUSD"]
    assert many["position_value_usd"].tolist() == [10.0, 0.0]  # "None": flat
    linear = parse_position_list({**DOC_ONE, "symbol": "BTCUSDT", "side": "Sell", "size": 0.5,
                                  "position_value": "30000", "entry_price": "60000"})  # fmt: skip
    assert linear[["direction", "position_value"]].values.tolist() == [["short", 30000.0]]
    with pytest.raises(ParseError, match="side"):
        parse_position_list({**DOC_ONE, "side": "Long"})
    with pytest.raises(ParseError, match="symbol"):
        parse_position_list([{"is_valid": True}])


@responses.activate
def test_positions_over_responses_v2_signed_and_flat_rows_dropped():
    responses.get(POSITIONS, json=v2_docs(DOC_ONE))
    df = legacy(FAKE_KEY, FAKE_SECRET).positions("BTCUSD")
    assert df[["exchange", "symbol", "side", "direction", "position_value"]].values.tolist() == [
        ["bybit-legacy", "BTCUSD", "both", "long", 0.0006947]]  # fmt: skip
    q = dict(parse_qsl(urlsplit(responses.calls[0].request.url).query))
    assert q["symbol"] == "BTCUSD" and q["api_key"] == FAKE_KEY and q["sign"]
    assert df.attrs["envelope"]["rate_limit"] == 120
    responses.replace(responses.GET, POSITIONS, json=v2_docs(DOC_LIST[1]["data"]))
    assert legacy(FAKE_KEY, FAKE_SECRET).positions("XRPUSD").empty


@responses.activate
def test_positions_without_keys_raise_before_sending():
    with pytest.raises(lk.AuthenticationError, match="BYBIT_API_KEY"):
        legacy().positions("BTCUSD")
    assert len(responses.calls) == 0


def test_positions_on_the_simulator_shared_account_inverse_only():
    ladder = tiers_frame({"exchange": "bybit", "symbol": ["BTCUSD", "BTCUSDT"],
                          "max_notional": [2e6, 2e6], "max_leverage": [100.0, 100.0]},
                         source="snapshot")  # fmt: skip
    sim = Simulator(tiers=ladder)
    c = legacy(DEMO_KEY, DEMO_SECRET, session=sim.session())
    assert c.positions("BTCUSD").empty
    # acts on the bybit account; an inverse position's value is in the coin (its ladder's
    # unit): 5 BTC at the simulator's price are 5 x price USD contracts
    sim.open_position("bybit-legacy", "BTCUSD", "long", 5.0)
    df = c.positions("BTCUSD")
    assert df[["side", "direction", "size", "position_value"]].values.tolist() == [
        ["both", "long", 5.0 * sim.price("BTCUSD"), 5.0]]  # fmt: skip
    # the shared account's USDT perpetual is v5's: v2's client refuses it, sending nothing
    sim.open_position("bybit", "BTCUSDT", "short", 1_000_000)
    with pytest.raises(lk.InvalidSymbolError, match="inverse perpetuals only"):
        c.positions("BTCUSDT")
    assert sim.count("/v2/private/position/list") == 2
    wrong = legacy(DEMO_KEY, "not-the-secret", session=sim.session(), max_retries=0)
    with pytest.raises(lk.AuthenticationError):
        wrong.positions("BTCUSD")  # 10004: the v2 signature is checked
