"""The shared transport: retries, backoff, reset headers, skew, errors, logging, keys."""

from __future__ import annotations

import logging

import pytest
import requests
import responses

import levkit as lk
from levkit.http.transport import check_base_url

from .conftest import FAKE_KEY, FAKE_SECRET

RISK = "https://api.bybit.com/v5/market/risk-limit"
POS = "https://api.bybit.com/v5/position/list"
TIME = "https://api.bybit.com/v5/market/time"

ONE_TIER = {
    "retCode": 0,
    "retMsg": "OK",
    "time": 1_700_000_000_000,
    "retExtInfo": {},
    "result": {
        "category": "linear",
        "nextPageCursor": "",
        "list": [
            {
                "id": 1,
                "symbol": "BTCUSDT",
                "riskLimitValue": "300000",
                "maintenanceMargin": "0.0033",
                "initialMargin": "0.0066",
                "isLowestRisk": 1,
                "maxLeverage": "150.00",
                "mmDeduction": "",
            }
        ],
    },
}
POSITION = {
    "retCode": 0,
    "retMsg": "OK",
    "time": 1_700_000_000_000,
    "retExtInfo": {},
    "result": {
        "category": "linear",
        "nextPageCursor": "",
        "list": [
            {
                "symbol": "BTCUSDT",
                "positionIdx": 0,
                "leverage": "10",
                "riskId": 1,
                "size": "0",
                "riskLimitValue": "300000",
                "side": "",
                "positionValue": "",
            }
        ],
    },
}


def client(clock, **kw):
    return lk.Bybit(FAKE_KEY, FAKE_SECRET, clock=clock, sleep=clock.sleep, progress=False, **kw)


@responses.activate
def test_retries_5xx_with_backoff_then_succeeds(clock):
    responses.get(RISK, status=503, body="<html>busy</html>")
    responses.get(RISK, json=ONE_TIER)
    tiers = client(clock).risk_limits("BTCUSDT")
    assert len(responses.calls) == 2
    assert clock.slept == [0.5]
    assert tiers["max_notional"].tolist() == [300000.0]


@responses.activate
def test_retries_timeouts_and_dropped_connections(clock):
    responses.get(RISK, body=requests.Timeout())
    responses.get(RISK, body=requests.ConnectionError())
    responses.get(RISK, json=ONE_TIER)
    client(clock).risk_limits("BTCUSDT")
    assert len(responses.calls) == 3
    assert clock.slept == [0.5, 1.0]


@responses.activate
def test_gives_up_after_max_retries_with_transport_error(clock):
    responses.get(RISK, status=502, body="bad gateway")
    with pytest.raises(lk.TransportError, match="HTTP 502"):
        client(clock, max_retries=2).risk_limits("BTCUSDT")
    assert len(responses.calls) == 3
    assert clock.slept == [0.5, 1.0]


@responses.activate
def test_http_429_honours_retry_after(clock):
    responses.get(RISK, status=429, headers={"Retry-After": "3"}, body="")
    responses.get(RISK, json=ONE_TIER)
    client(clock).risk_limits("BTCUSDT")
    assert clock.slept == [3.0]


@responses.activate
def test_bybit_10006_waits_until_the_reset_timestamp(clock):
    reset_ms = int(clock.now * 1000) + 1_250
    responses.get(
        POS,
        json={"retCode": 10006, "retMsg": "Too many visits!", "result": {}},
        headers={
            "X-Bapi-Limit": "10",
            "X-Bapi-Limit-Status": "0",
            "X-Bapi-Limit-Reset-Timestamp": str(reset_ms),
        },
    )
    responses.get(
        POS,
        json=POSITION,
        headers={
            "X-Bapi-Limit": "10",
            "X-Bapi-Limit-Status": "9",
            "X-Bapi-Limit-Reset-Timestamp": str(reset_ms),
        },
    )
    responses.get(RISK, json=ONE_TIER)
    frame = client(clock).leverage("BTCUSDT")
    assert clock.slept == [pytest.approx(1.25)]
    assert frame.attrs["rate_limit"]["limit"] == 10


@responses.activate
def test_a_reset_too_far_away_raises_rate_limit_error_at_once(clock):
    responses.get(RISK, status=429, headers={"Retry-After": "600"}, body="")
    with pytest.raises(lk.RateLimitError) as info:
        client(clock).risk_limits("BTCUSDT")
    assert info.value.retry_after == 600
    assert clock.slept == []
    assert len(responses.calls) == 1


@responses.activate
def test_http_403_ip_ban_is_not_retried(clock):
    responses.get(RISK, status=403, body="forbidden")
    with pytest.raises(lk.RateLimitError, match="403"):
        client(clock).risk_limits("BTCUSDT")
    assert len(responses.calls) == 1


@responses.activate
def test_html_answer_with_status_200_is_a_clear_transport_error(clock):
    responses.get(RISK, body="<html>maintenance</html>", content_type="text/html")
    with pytest.raises(lk.TransportError, match="not JSON"):
        client(clock, max_retries=0).risk_limits("BTCUSDT")


@responses.activate
def test_clock_skew_fetches_server_time_keeps_offset_and_retries_once(clock):
    server_ms = int(clock.now * 1000) + 7_000
    responses.get(
        POS,
        json={
            "retCode": 10002,
            "retMsg": "invalid request, please check your server timestamp or recv_window param",
            "result": {},
        },
    )
    responses.get(
        TIME,
        json={
            "retCode": 0,
            "retMsg": "OK",
            "result": {
                "timeSecond": str(server_ms // 1000),
                "timeNano": str(server_ms * 1_000_000),
            },
            "retExtInfo": {},
            "time": server_ms,
        },
    )
    responses.get(POS, json=POSITION)
    responses.get(RISK, json=ONE_TIER)
    c = client(clock)
    c.leverage("BTCUSDT")
    assert c.transport.offset_ms == 7_000
    first, retried = responses.calls[0].request, responses.calls[2].request
    assert (
        int(retried.headers["X-BAPI-TIMESTAMP"]) - int(first.headers["X-BAPI-TIMESTAMP"]) == 7_000
    )


@responses.activate
def test_skew_that_persists_becomes_authentication_error(clock):
    skew = {"retCode": 10002, "retMsg": "timestamp error", "result": {}}
    responses.get(POS, json=skew)
    responses.get(TIME, json={"retCode": 0, "retMsg": "OK", "result": {}, "time": 1})
    responses.get(POS, json=skew)
    with pytest.raises(lk.AuthenticationError, match="clock"):
        client(clock).leverage("BTCUSDT")
    assert len(responses.calls) == 3


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        (10003, lk.AuthenticationError),
        (10004, lk.AuthenticationError),
        (10005, lk.AuthenticationError),
        (10010, lk.AuthenticationError),
        (33004, lk.AuthenticationError),
        (10001, lk.ExchangeError),
        (110013, lk.ExchangeError),
    ],
)
@responses.activate
def test_error_codes_map_to_levkit_errors(clock, code, cls):
    responses.get(POS, json={"retCode": str(code), "retMsg": "nope", "result": {}})
    with pytest.raises(cls) as info:
        client(clock, max_retries=0).leverage("BTCUSDT")
    assert info.value.code == code
    assert info.value.exchange == "bybit"
    assert info.value.endpoint == "/v5/position/list"


@responses.activate
def test_private_call_without_keys_fails_before_sending_and_names_env_vars():
    with pytest.raises(lk.AuthenticationError, match="BYBIT_API_KEY.*BYBIT_API_SECRET"):
        lk.Bybit().leverage("BTCUSDT")
    assert len(responses.calls) == 0


def test_repr_shows_host_and_at_most_four_key_characters():
    c = lk.Bybit("abcdefghijkl", FAKE_SECRET)
    text = repr(c) + str(c.transport.credentials) + repr(vars(c))
    assert "abcd" in repr(c) and "abcde" not in repr(c)
    assert "https://api.bybit.com" in repr(c)
    assert FAKE_SECRET not in text


def test_plain_http_refused_except_loopback():
    with pytest.raises(ValueError, match="http://"):
        lk.Bybit(base_url="http://api.bybit.com")
    assert check_base_url("http://127.0.0.1:8765/") == "http://127.0.0.1:8765"
    assert check_base_url("http://localhost:1") == "http://localhost:1"
    with pytest.raises(ValueError):
        check_base_url("ftp://x")


@responses.activate
def test_debug_log_has_method_path_status_and_no_secret(clock, caplog):
    responses.get(POS, json=POSITION)
    responses.get(RISK, json=ONE_TIER)
    with caplog.at_level(logging.DEBUG, logger="levkit"):
        client(clock).leverage("BTCUSDT")
    text = caplog.text
    assert "GET /v5/position/list -> HTTP 200" in text
    assert FAKE_SECRET not in text
    sign = responses.calls[0].request.headers["X-BAPI-SIGN"]
    assert sign not in text


def test_only_one_of_key_and_secret_is_refused():
    with pytest.raises(lk.AuthenticationError):
        lk.Bybit(FAKE_KEY, None)


def test_from_env_reads_keys_and_testnet(monkeypatch):
    monkeypatch.setenv("BYBIT_API_KEY", FAKE_KEY)
    monkeypatch.setenv("BYBIT_API_SECRET", FAKE_SECRET)
    monkeypatch.setenv("BYBIT_TESTNET", "1")
    c = lk.Bybit.from_env()
    assert c.has_keys and c.base_url == "https://api-testnet.bybit.com"


@responses.activate
def test_http_429_keeps_the_exchanges_own_code_and_message(clock):
    body = {"code": 100410, "msg": "rate limited by the server", "data": {}}
    responses.get(
        "https://open-api.bingx.com/openApi/swap/v1/maintMarginRatio",
        status=429,
        json=body,
        headers={"Retry-After": "2"},
    )
    c = lk.BingX(FAKE_KEY, FAKE_SECRET, clock=clock, sleep=clock.sleep, max_retries=0)
    with pytest.raises(lk.RateLimitError) as info:
        c.margin_bands("BTC-USDT")
    assert info.value.code == 100410
    assert "rate limited by the server" in str(info.value)
    assert info.value.retry_after == 2


@responses.activate
def test_a_post_that_never_got_an_answer_says_it_may_have_been_applied(clock):
    responses.get(
        "https://api.bybit.com/v5/market/instruments-info",
        json={
            "retCode": 0,
            "retMsg": "OK",
            "result": {
                "list": [
                    {
                        "symbol": "BTCUSDT",
                        "leverageFilter": {
                            "minLeverage": "1",
                            "maxLeverage": "100",
                            "leverageStep": "0.01",
                        },
                    }
                ]
            },
        },
    )
    responses.get(POS, json=POSITION)
    responses.post("https://api.bybit.com/v5/position/set-leverage", body=requests.Timeout())
    with pytest.raises(lk.TransportError, match="may still have applied this POST"):
        client(clock, max_retries=1).set_leverage("BTCUSDT", 20)
