"""The simulator's core: one handle() for both transports, call log, tiers, server, CLI."""

from __future__ import annotations

import logging
import math
import subprocess
import sys

import pandas as pd
import pytest
import requests

import levkit.sim.core as core
from levkit.sim import DEMO_KEY, DEMO_PASSPHRASE, DEMO_SECRET, Simulator
from levkit.sim.ladders import Ladder, fmt, ladders_from_frame
from levkit.sim.server import check_loopback
from levkit.sim.testing import FakeClock, RawClient
from levkit.venues import names as venue_names

ONE = pd.DataFrame(
    {"exchange": ["bingx"], "symbol": ["ONE-USDT"], "max_notional": [1e6], "max_leverage": [20.0]}
)


@pytest.fixture
def clock():
    return FakeClock()


def test_handle_unpacks_to_status_headers_body(clock):
    status, headers, body = Simulator(ONE, clock=clock).handle("GET", "/v5/market/time")
    assert status == 200 and headers["X-Levkit-Simulator"] == "1"
    assert b'"retCode":0' in body


@pytest.mark.parametrize(
    "path", ["/nothing/here", "/v5/nope", "/openApi/swap/v9/x", "/user/leverage/nope"]
)
def test_unknown_paths_are_404_and_still_marked(clock, path):
    reply = Simulator(ONE, clock=clock).handle("GET", path)
    assert reply.status == 404 and reply.headers["X-Levkit-Simulator"] == "1"


def test_session_answers_any_host_over_http_and_https(clock):
    session = Simulator(ONE, clock=clock).session()
    for url in ("https://api.bybit.com", "http://127.0.0.1:9", "https://api-testnet.bybit.com"):
        assert session.get(url + "/v5/market/time").json()["retCode"] == 0


def test_call_log_never_holds_signatures_keys_or_secrets(clock):
    sim = Simulator(ONE, clock=clock)
    raw = RawClient(sim.session(), clock=clock)
    raw.bingx("GET", "/openApi/swap/v2/trade/leverage", {"symbol": "ONE-USDT"})
    raw.legacy("POST", "/user/leverage/save", {"symbol": "BTCUSDT", "leverage": 3})
    raw.bybit("POST", "/v5/position/set-leverage", {"category": "linear"})
    assert [c.exchange for c in sim.calls] == ["bingx", "bybit-legacy", "bybit"]
    assert sim.calls[0].params == {"symbol": "ONE-USDT", "timestamp": str(int(clock() * 1000))}
    text = repr(sim.calls) + sim.calls_frame().to_string()
    for secret in ("signature", "sign'", "api_key", DEMO_SECRET, DEMO_KEY):
        assert secret not in text


def test_count_filters_by_path_method_exchange_and_code(clock):
    sim = Simulator(ONE, clock=clock)
    for _ in range(3):
        sim.handle("GET", "/v5/market/time")
    sim.handle("GET", "/openApi/swap/v2/trade/leverage")  # no key: 100413
    assert sim.count("/v5/market/time") == 3 and sim.count(exchange="bingx") == 1
    assert sim.count(code=100413) == 1 and sim.count(method="POST") == 0
    frame = sim.calls_frame()
    assert list(frame["status"]) == [200] * 4 and len(frame) == 4


def test_custom_keys_replace_the_demo_ones(clock):
    sim = Simulator(ONE, clock=clock, keys={"test-key-0000": "test-secret-not-real"})
    ok = RawClient(sim.session(), clock=clock, key="test-key-0000", secret="test-secret-not-real")
    demo = RawClient(sim.session(), clock=clock)
    path, params = "/openApi/swap/v2/trade/leverage", {"symbol": "ONE-USDT"}
    assert ok.bingx("GET", path, params).json()["code"] == 0
    assert demo.bingx("GET", path, params).json()["code"] == 100413


def test_default_tiers_come_from_the_snapshot():
    from levkit import snapshot

    sim = Simulator()
    bingx = snapshot.load_snapshot("bingx")
    assert set(sim.symbols("bingx")) == set(bingx["symbol"])
    btc = bingx[bingx["symbol"] == "BTC-USDT"].sort_values("max_notional")
    assert sim.ladder("bingx", "BTC-USDT").caps == tuple(btc["max_notional"])
    assert "BTCUSDT" in sim.symbols("bybit")


def test_snapshot_failure_falls_back_to_builtin_ladders(monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise OSError("no data here")

    from levkit import snapshot

    monkeypatch.setattr(snapshot, "fixture_tiers", broken)
    with caplog.at_level(logging.WARNING, logger="levkit"):
        sim = Simulator()
    assert "built-in" in caplog.text
    assert sim.symbols("bingx") == ["BTC-USDT"] and sim.symbols("bybit") == ["BTCUSDT"]
    assert len(sim.ladder("bingx", "BTC-USDT").caps) == 12


def test_ladders_of_any_shape(clock):
    rows = [
        (
            f"S{n}-USDT",
            [float(10 ** (k + 3)) for k in range(n)],
            [float(n - k) * 5 for k in range(n)],
        )
        for n in (1, 2, 7, 30)
    ]
    frame = pd.concat(
        [
            pd.DataFrame(
                {"exchange": "bingx", "symbol": s, "max_notional": caps, "max_leverage": levs}
            )
            for s, caps, levs in rows
        ]
    )
    sim = Simulator(frame, clock=clock)
    for s, caps, levs in rows:
        lad = sim.ladder("bingx", s)
        assert lad.caps == tuple(caps) and lad.top_leverage == levs[0]
        assert lad.cap_at(1) == caps[-1] and lad.cap_at(levs[0]) == caps[0]


def test_ladder_rows_without_leverage_are_dropped_and_rates_synthesised():
    frame = pd.DataFrame(
        {
            "exchange": "bybit",
            "symbol": "XUSDT",
            "max_notional": [1e5, 5e5, 9e5],
            "max_leverage": [50.0, float("nan"), 10.0],
        }
    )
    lad = ladders_from_frame(frame, "bybit")["XUSDT"]
    assert lad.caps == (1e5, 9e5) and lad.synthetic_mmr
    assert lad.mmr == (0.01, 0.05) and lad.imr == (0.02, 0.1)
    assert lad.deduction == (0.0, pytest.approx(1e5 * 0.04))


def test_ladder_lookups():
    lad = Ladder(
        "bingx", "X-USDT", (100.0, 500.0), (50.0, 20.0), (0.01, 0.025), (0.02, 0.05), (0.0, 1.5)
    )
    assert math.isnan(lad.cap_at(0.5)) and math.isnan(lad.cap_at(51))
    assert lad.tier_index(0) == 0 and lad.tier_index(100) == 0 and lad.tier_index(101) == 1
    assert lad.tier_index(10_000) == 1 and lad.max_leverage_at(10_000) == 20


def test_fmt_writes_numbers_like_the_exchanges():
    assert [fmt(1800e6), fmt(0.0033), fmt(7.0), fmt(12.5), fmt(100, 2), fmt(0.0038, 6)] == [
        "1800000000",
        "0.0033",
        "7",
        "12.5",
        "100.00",
        "0.003800",
    ]


def test_state_helpers_accept_any_symbol_spelling(clock):
    sim = Simulator(ONE, clock=clock)
    sim.set_leverage("bingx", "one/usdt:usdt", 4, side="short")
    assert (
        sim.leverage("bingx", "ONEUSDT", "short") == 4 and sim.leverage("bingx", "ONE-USDT") == 10
    )
    with pytest.raises(ValueError, match="differ"):
        sim.leverage("bingx", "ONE-USDT", "both")
    with pytest.raises(ValueError):
        sim.leverage("no-such-exchange", "ONE-USDT")  # an unknown exchange
    with pytest.raises(KeyError):
        sim.open_position("bingx", "NOPE-USDT", "long", 1)
    state = sim.snapshot_state("bingx")
    assert state["leverage"]["ONE-USDT"] == {"long": 10.0, "short": 4.0}


def test_one_way_position_replaces_the_other_side(clock):
    sim = Simulator(ONE, clock=clock)
    sim.open_position("bingx", "ONE-USDT", "long", 100)
    sim.open_position("bingx", "ONE-USDT", "short", 50)
    assert [p.side for p in sim.account("bingx").open_positions()] == ["short"]
    sim.set_position_mode("bingx", hedge=True)
    sim.open_position("bingx", "ONE-USDT", "long", 100)
    assert len(sim.account("bingx").open_positions("ONE-USDT")) == 2


# ------------------------------------------------------------------ server
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_hosts_are_accepted(host):
    assert check_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "::"])
def test_non_loopback_hosts_are_refused(host, clock):
    with pytest.raises(ValueError, match="loopback"):
        check_loopback(host)
    with pytest.raises(ValueError):
        Simulator(ONE, clock=clock).serve(host=host)


def test_serve_context_manager_gives_url_and_releases_port(clock):
    sim = Simulator(ONE, clock=clock)
    with sim.serve() as url:
        assert url.startswith("http://127.0.0.1:")
        r = requests.get(url + "/openApi/swap/v2/server/time", timeout=5)
        assert r.json()["data"]["serverTime"] == int(clock() * 1000)
        assert r.headers["X-Levkit-Simulator"] == "1"
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(url + "/v5/market/time", timeout=2)


def test_loopback_and_adapter_give_the_same_answers(clock):
    sim = Simulator(ONE, clock=clock)
    path, params = "/openApi/swap/v2/trade/leverage", {"symbol": "ONE-USDT"}
    in_process = RawClient(sim.session(), clock=clock).bingx("GET", path, params)
    with sim.serve() as url:
        over_http = RawClient(requests.Session(), clock=clock, base_url=url).bingx(
            "GET", path, params
        )
    assert in_process.json() == over_http.json()
    assert in_process.status_code == over_http.status_code == 200


def test_cli_refuses_public_host():
    from levkit.sim.__main__ import main

    with pytest.raises(SystemExit) as exc:
        main(["--host", "0.0.0.0"])
    assert exc.value.code == 2


def test_cli_prints_url_every_api_and_demo_credentials_then_serves():
    proc = subprocess.Popen(
        [sys.executable, "-m", "levkit.sim", "--port", "0"], stdout=subprocess.PIPE, text=True
    )
    try:
        first = proc.stdout.readline()
        url = first.split()[3]
        assert url.startswith("http://127.0.0.1:")
        lines = []
        while not lines or not lines[-1].startswith("Ctrl-C"):
            lines.append(proc.stdout.readline())
        banner = "".join(lines)
        # every API of the registry is named (issue 19: it named three of eight)
        names = list(venue_names())
        assert [ln.split()[0] for ln in lines[1 : 1 + len(names)]] == names
        assert DEMO_KEY in banner and DEMO_SECRET in banner and DEMO_PASSPHRASE in banner
        assert requests.get(url + "/v5/market/time", timeout=5).json()["retCode"] == 0
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()


def test_frames_from_a_client_are_stamped_simulator(clock):
    import levkit as lk

    sim = Simulator(clock=clock)
    client = lk.Bybit(DEMO_KEY, DEMO_SECRET, session=sim.session())
    frame = client.risk_limits("BTCUSDT")
    assert frame.attrs["source"] == "simulator"
    assert frame["max_leverage"].max() == sim.ladder("bybit", "BTCUSDT").top_leverage


def test_module_constants():
    assert core.DEMO_KEY == "sim-demo-key" and core.DEMO_SECRET == "sim-demo-secret"
    assert core.DEFAULT_RATE_LIMITS[("POST", "/v5/position/set-leverage")] == (10, 1.0)


# ------------------------------------------------------------------ quirks
BOTH = pd.concat(
    [
        ONE,
        pd.DataFrame(
            {
                "exchange": ["bybit"],
                "symbol": ["ONEUSDT"],
                "max_notional": [1e6],
                "max_leverage": [20.0],
            }
        ),
    ],
    ignore_index=True,
)


def test_string_codes_quirk(clock):
    sim = Simulator(BOTH, clock=clock, quirks={"string-codes"})
    raw = RawClient(sim.session(), clock=clock)
    assert raw.session.get("https://api.bybit.com/v5/market/time").json()["retCode"] == "0"
    bx = raw.bingx("GET", "/openApi/swap/v2/trade/leverage", {"symbol": "ONE-USDT"}).json()
    assert bx["code"] == "0" and raw.legacy("GET", "/user/leverage").json()["ret_code"] == "0"


def test_bingx_numeric_values_quirk(clock):
    sim = Simulator(BOTH, clock=clock, quirks=["bingx-numeric-values"])
    raw = RawClient(sim.session(), clock=clock)
    data = raw.bingx("GET", "/openApi/swap/v2/trade/leverage", {"symbol": "ONE-USDT"}).json()[
        "data"
    ]
    assert data["maxPositionLongVal"] == 1e6 and data["availableShortVal"] == 1e5
    assert data["longLeverage"] == 10


def test_stale_cursor_quirk_never_ends_by_cursor_alone(clock):
    sim = Simulator(BOTH, clock=clock, quirks={"stale-cursor"})
    raw = RawClient(sim.session(), clock=clock)
    params = {"category": "linear", "symbol": "ONEUSDT"}
    first = raw.bybit("GET", "/v5/position/list", params).json()["result"]
    assert len(first["list"]) == 1 and first["nextPageCursor"]
    nxt = raw.bybit("GET", "/v5/position/list", {**params, "cursor": first["nextPageCursor"]})
    assert nxt.json()["result"] == {
        "list": [],
        "nextPageCursor": first["nextPageCursor"],
        "category": "linear",
    }


def test_unknown_quirk_is_refused():
    with pytest.raises(ValueError, match="unknown quirks"):
        Simulator(ONE, quirks={"gremlins"})


def test_newest_ladders_serve_the_default_symbols_with_their_newest_figures():
    import warnings

    from levkit.sim import newest_ladders
    from levkit.snapshot import fixture_tiers

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # stale shipped figures say so
        newest, default = newest_ladders(), fixture_tiers()
    key = ["exchange", "symbol"]
    assert set(map(tuple, newest[key].values)) == set(map(tuple, default[key].values))
    btc = newest[(newest.exchange == "bybit") & (newest.symbol == "BTCUSDT")]
    assert len(btc) == 35 and btc["max_leverage"].max() == 100  # the complete 2026-02-26 ladder
    sim = Simulator(tiers=newest)
    assert sim.ladder("bybit", "BTCUSDT") is not None
