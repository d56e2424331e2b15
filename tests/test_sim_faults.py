"""Fault injection: every kind, through the in-process adapter and the loopback server."""

from __future__ import annotations

import json
import threading

import pandas as pd
import pytest
import requests

from levkit.sim import Fault, Simulator
from levkit.sim.testing import FakeClock, RawClient

LEV = "/openApi/swap/v2/trade/leverage"
SET = "/v5/position/set-leverage"
TIERS = pd.DataFrame(
    {
        "exchange": ["bingx", "bingx", "bybit", "bybit"],
        "symbol": ["BTC-USDT", "BTC-USDT", "BTCUSDT", "BTCUSDT"],
        "max_notional": [300e3, 800e3, 300e3, 2e6],
        "max_leverage": [150.0, 100.0, 150.0, 100.0],
    }
)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def sim(clock):
    return Simulator(TIERS, clock=clock, sleep=clock.sleep)


@pytest.fixture
def raw(sim, clock):
    return RawClient(sim.session(), clock=clock)


def bingx_set(raw, lev, **kw):
    return raw.bingx("POST", LEV, {"symbol": "BTC-USDT", "side": "BOTH", "leverage": lev}, **kw)


def bybit_set(raw, lev):
    body = {
        "category": "linear",
        "symbol": "BTCUSDT",
        "buyLeverage": str(lev),
        "sellLeverage": str(lev),
    }
    return raw.bybit("POST", SET, body)


def test_latency_within_timeout_answers_late(raw, sim, clock):
    sim.inject("latency", path=LEV, seconds=2.0)
    r = bingx_set(raw, 20, timeout=5)
    assert r.json()["code"] == 0 and clock.slept == [2.0]


def test_latency_beyond_timeout_raises_read_timeout_after_the_timeout(raw, sim, clock):
    sim.inject("latency", path=LEV, method="POST", seconds=30.0)
    with pytest.raises(requests.exceptions.ReadTimeout):
        bingx_set(raw, 20, timeout=(1.0, 3.0))
    assert clock.slept == [3.0]
    assert sim.leverage("bingx", "BTC-USDT", "long") == 20  # the server did apply it


@pytest.mark.parametrize(
    "status, retry_after",
    [(500, None), (502, None), (503, "1"), (429, "1"), (403, None), (418, "60")],
)
def test_http_status_fault_is_an_html_page_and_not_applied(raw, sim, status, retry_after):
    sim.inject("status", path=LEV, status=status)
    r = bingx_set(raw, 20)
    assert r.status_code == status and r.headers["Content-Type"] == "text/html"
    assert r.headers.get("Retry-After") == retry_after
    assert r.text.startswith("<html>") and r.headers["X-Levkit-Simulator"] == "1"
    assert sim.leverage("bingx", "BTC-USDT", "long") == 10
    assert bingx_set(raw, 20).json()["code"] == 0  # times=1: next call is normal


def test_status_fault_with_apply_changes_state(raw, sim):
    sim.inject("status", path=LEV, status=502, apply=True)
    assert bingx_set(raw, 20).status_code == 502
    assert sim.leverage("bingx", "BTC-USDT", "long") == 20


def test_bybit_rate_limit_burst(raw, sim, clock):
    sim.inject("rate_limit", path=SET, times=2, retry_after=2.0)
    first, second, third = (bybit_set(raw, 20 + i) for i in range(3))
    assert [r.json()["retCode"] for r in (first, second, third)] == [10006, 10006, 0]
    assert first.headers["X-Bapi-Limit-Status"] == "0"
    assert int(first.headers["X-Bapi-Limit-Reset-Timestamp"]) == int((clock() + 2) * 1000)
    assert sim.leverage("bybit", "BTCUSDT", "both") == 22


def test_bingx_rate_limit_burst_is_http_429_code_100410(raw, sim, clock):
    sim.inject("rate_limit", path=LEV)
    r = bingx_set(raw, 20)
    assert r.status_code == 429 and r.json()["code"] == 100410
    assert r.headers["X-RateLimit-Requests-Remain"] == "0"
    assert int(r.headers["X-RateLimit-Requests-Expire"]) == int((clock() + 1) * 1000)
    assert sim.leverage("bingx", "BTC-USDT", "long") == 10


def test_bingx_rate_limit_code_109429_is_http_200(raw, sim):
    sim.inject("rate_limit", path=LEV, code=109429)
    r = bingx_set(raw, 20)
    assert r.status_code == 200 and r.json()["code"] == 109429


def test_legacy_rate_limit_burst(raw, sim):
    sim.inject("rate_limit", path="/user/leverage")
    assert raw.legacy("GET", "/user/leverage").json()["ret_code"] == 10006


def test_malformed_json_body_after_applying(raw, sim):
    sim.inject("malformed", path=LEV)
    r = bingx_set(raw, 20)
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(r.text)
    assert sim.leverage("bingx", "BTC-USDT", "long") == 20


def test_html_page_with_status_200(raw, sim):
    sim.inject("html", path="/v5/*")
    r = raw.session.get("https://api.bybit.com/v5/market/time")
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/html"
    assert "<html>" in r.text


def test_clock_skew_fault_for_the_next_calls(raw, sim):
    sim.inject("skew", path=SET, seconds=-10.0, times=1)
    assert bybit_set(raw, 20).json()["retCode"] == 10002  # client 10 s ahead of server
    assert bybit_set(raw, 20).json()["retCode"] == 0


def test_skew_shifts_server_time(raw, sim, clock):
    sim.inject("skew", path="/openApi/swap/v2/server/time", seconds=3.0)
    body = raw.session.get("https://open-api.bingx.com/openApi/swap/v2/server/time").json()
    assert body["data"]["serverTime"] == int((clock() + 3) * 1000)


def test_drop_before_processing_leaves_state(raw, sim):
    sim.inject("drop", path=LEV, method="POST")
    with pytest.raises(requests.exceptions.ConnectionError):
        bingx_set(raw, 20)
    assert sim.leverage("bingx", "BTC-USDT", "long") == 10
    assert sim.calls[-1].status == 0 and sim.calls[-1].fault == "drop"


def test_drop_after_processing_changes_state(raw, sim):
    sim.inject("drop_after", path=LEV, method="POST")
    with pytest.raises(requests.exceptions.ConnectionError):
        bingx_set(raw, 20)
    assert sim.leverage("bingx", "BTC-USDT", "long") == 20


def test_partial_answer_is_cut_mid_body_after_applying(raw, sim):
    sim.inject("partial", path=LEV, method="POST")
    with pytest.raises(requests.exceptions.ChunkedEncodingError, match="IncompleteRead"):
        bingx_set(raw, 20)
    assert sim.leverage("bingx", "BTC-USDT", "long") == 20
    assert sim.calls[-1].fault == "partial" and sim.calls[-1].status == 200


def test_partial_answer_without_applying(raw, sim):
    sim.inject("partial", path=LEV, method="POST", apply=False)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        bingx_set(raw, 20)
    assert sim.leverage("bingx", "BTC-USDT", "long") == 10


def test_on_call_fires_on_the_nth_matching_call(raw, sim):
    fault = sim.inject("status", path=LEV, method="POST", on_call=3, status=500)
    raw.bingx("GET", LEV, {"symbol": "BTC-USDT"})  # does not match (GET)
    statuses = [bingx_set(raw, 20 + i).status_code for i in range(4)]
    assert statuses == [200, 200, 500, 200] and fault.fired == 1 and not sim.faults.pending


def test_times_none_fires_until_cleared(raw, sim):
    sim.inject("status", path=LEV, times=None, status=503)
    assert [bingx_set(raw, 20).status_code for _ in range(3)] == [503] * 3
    sim.faults.clear()
    assert bingx_set(raw, 20).status_code == 200


def test_faults_add_accepts_a_fault_object_and_counts_in_calls(raw, sim):
    sim.faults.add(Fault("status", path="/openApi/*", status=502, times=2))
    assert len(sim.faults) == 1
    raw.bingx("GET", LEV, {"symbol": "BTC-USDT"})
    raw.session.get("https://open-api.bingx.com/openApi/swap/v2/server/time")
    assert [c.fault for c in sim.calls] == ["status", "status"]
    assert sim.count(LEV) == 1 and len(sim.faults) == 0


def test_unknown_fault_kind_is_refused(sim):
    with pytest.raises(ValueError, match="unknown fault kind"):
        sim.inject("gremlins")


# ------------------------------------------------------------ loopback server
@pytest.fixture
def served(sim, clock):
    server = sim.serve()
    session = requests.Session()
    yield RawClient(session, clock=clock, base_url=server.url), server
    session.close()
    server.close()


def test_loopback_drop_closes_the_socket(served, sim):
    raw, _ = served
    assert bingx_set(raw, 20).json()["code"] == 0  # keep-alive connection now open
    sim.inject("drop", path=LEV)
    with pytest.raises(requests.exceptions.ConnectionError):
        bingx_set(raw, 30)
    assert sim.leverage("bingx", "BTC-USDT", "long") == 20
    assert bingx_set(raw, 30).json()["code"] == 0


def test_loopback_drop_after_applies_then_closes(served, sim):
    raw, _ = served
    sim.inject("drop_after", path=SET)
    with pytest.raises(requests.exceptions.ConnectionError):
        bybit_set(raw, 33)
    assert sim.leverage("bybit", "BTCUSDT", "both") == 33
    assert sim.count(SET) == 1  # no silent retry by the HTTP stack


def test_loopback_partial_answer_is_an_incomplete_read(served, sim):
    raw, _ = served
    sim.inject("partial", path=SET)
    with pytest.raises(requests.exceptions.ChunkedEncodingError, match="IncompleteRead"):
        bybit_set(raw, 44)
    assert sim.leverage("bybit", "BTCUSDT", "both") == 44
    assert bybit_set(raw, 45).json()["retCode"] == 0  # the next call gets a new connection


def test_loopback_status_rate_limit_and_malformed(served, sim):
    raw, _ = served
    sim.inject("status", path=LEV, status=502)
    r = bingx_set(raw, 20)
    assert r.status_code == 502 and "Bad Gateway" in r.text
    sim.inject("rate_limit", path=LEV)
    assert bingx_set(raw, 20).status_code == 429
    sim.inject("malformed", path=LEV)
    with pytest.raises(ValueError):
        bingx_set(raw, 20).json()


def test_loopback_latency_beyond_timeout(clock):
    gate = threading.Event()
    sim = Simulator(TIERS, clock=clock, sleep=lambda s: gate.wait(5))
    with sim.serve() as url:
        raw = RawClient(requests.Session(), clock=clock, base_url=url)
        sim.inject("latency", path=LEV, seconds=60)
        try:
            with pytest.raises(requests.exceptions.ReadTimeout):
                bingx_set(raw, 20, timeout=0.2)
        finally:
            gate.set()
