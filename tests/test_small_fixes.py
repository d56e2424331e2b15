"""Issue 23, item 6 (parts), and issue 20's read errors: ``-v`` before or after the
command; the simulator's banner, ``--passphrase`` and bounded call log; Hyperliquid's
market list read once per fetch; a read's error never speaks of an applied POST."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest
import requests

import levkit as lk
from levkit import cli
from levkit.errors import TransportError
from levkit.sim import DEMO_KEY, DEMO_PASSPHRASE, DEMO_SECRET, Call, CallLog, Simulator
from levkit.sim.__main__ import banner
from levkit.sim.testing import FakeClock
from levkit.venues import names

ADDRESS = "0x" + "ab" * 20


@pytest.fixture
def cli_logger():
    """The CLI's handler and level on the levkit logger, taken off afterwards."""
    logger = logging.getLogger("levkit")
    yield logger
    for handler in [h for h in logger.handlers if getattr(h, "_levkit_cli", False)]:
        logger.removeHandler(handler)
    logger.setLevel(logging.NOTSET)


# --------------------------------------------------------------------------- CLI -v


@pytest.mark.parametrize(
    ("argv", "level"),
    [
        (["-v", "exchanges"], logging.INFO),
        (["exchanges", "-v"], logging.INFO),
        (["--verbose", "exchanges"], logging.INFO),
        (["-vv", "exchanges"], logging.DEBUG),
        (["exchanges", "-vv"], logging.DEBUG),
        (["-v", "exchanges", "-v"], logging.DEBUG),  # counted together
    ],
)
def test_verbose_before_or_after_the_command(argv, level, cli_logger, capsys):
    assert cli.main(argv) == 0
    assert cli_logger.level == level
    assert "error" not in capsys.readouterr().err


def test_verbose_before_the_command_logs_a_live_read(cli_logger, capsys):
    """``levkit -vv tiers ...`` (refused before 0.3) logs the calls it makes."""
    sim = Simulator()
    with sim.serve() as url:
        argv = ["-vv", "tiers", "BTCUSDT", "--exchange", "bybit", "--source", "live"]
        assert cli.main([*argv, "--base-url", url]) == 0
    err = capsys.readouterr().err
    assert "levkit: DEBUG: bybit GET /v5/market/risk-limit -> HTTP 200" in err


def test_a_bad_flag_is_still_a_usage_error(capsys):
    assert cli.main(["-x", "exchanges"]) == cli.EXIT_USAGE


# --------------------------------------------------------------------------- the simulator


def test_banner_names_every_api_and_never_echoes_given_secrets():
    demo = banner("http://127.0.0.1:1", DEMO_KEY, DEMO_SECRET, DEMO_PASSPHRASE)
    for name in names():
        assert f"\n  {name} " in demo
    assert DEMO_SECRET in demo and DEMO_PASSPHRASE in demo  # demo ones: shown, said fake
    mine = banner("http://127.0.0.1:1", "KEYmine-1234567", "S3CRET-given", "PASS-given")
    assert "S3CRET-given" not in mine and "PASS-given" not in mine
    assert "KEYmine-1234567" not in mine and "KEYm..." in mine


def test_simulator_command_takes_a_passphrase():
    """``python -m levkit.sim --passphrase P``: OKX calls signed with P pass, others fail."""
    argv = [sys.executable, "-m", "levkit.sim", "--port", "0", "--passphrase", "pp-given-1"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().split()[3]
        lines = []
        while not lines or not lines[-1].startswith("Ctrl-C"):
            lines.append(proc.stdout.readline())
        assert "pp-given-1" not in "".join(lines)
        good = lk.OKX(DEMO_KEY, DEMO_SECRET, passphrase="pp-given-1", base_url=url)
        assert good.leverage("BTC-USDT-SWAP")["leverage"].tolist() == [10.0]
        wrong = lk.OKX(DEMO_KEY, DEMO_SECRET, passphrase=DEMO_PASSPHRASE, base_url=url)
        with pytest.raises(lk.AuthenticationError) as info:
            wrong.leverage("BTC-USDT-SWAP")
        assert info.value.code == 50105
        assert requests.get(url + "/api/v5/public/time", timeout=5).json()["code"] == "0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()


def test_call_log_is_bounded_and_its_counts_exact():
    sim = Simulator(call_log=5)
    for _ in range(12):
        sim.handle("GET", "/v5/market/time")
    sim.handle("GET", "/api/v5/public/time")
    assert len(sim.calls) == 5 and sim.calls.maxlen == 5
    assert sim.calls.total == 13
    assert sim.count("/v5/market/time") == 12 and sim.count(exchange="okx") == 1
    assert sim.count(method="get") == 13 and sim.count(code=0) == 13 and sim.count(code=1) == 0
    assert sim.calls[-1].path == "/api/v5/public/time" and len(sim.calls[1:]) == 4
    assert len(sim.calls_frame()) == 5
    sim.calls.clear()
    assert sim.calls == [] and sim.count() == 0 and sim.calls.total == 0


def test_call_log_default_bound_and_unbounded():
    assert Simulator().calls.maxlen == 10_000
    sim = Simulator(call_log=None)
    for _ in range(3):
        sim.handle("GET", "/v5/market/time")
    assert sim.calls.maxlen is None and len(sim.calls) == sim.count() == 3
    with pytest.raises(ValueError, match="call_log"):
        Simulator(call_log=0)


def test_call_log_compares_slices_and_pickles_like_a_list():
    import pickle

    log = CallLog([Call("okx", "GET", "/a"), Call("okx", "GET", "/b")], maxlen=3)
    assert log == [Call("okx", "GET", "/a"), Call("okx", "GET", "/b")]
    assert log[1:] == [Call("okx", "GET", "/b")] and log[0].path == "/a"
    again = pickle.loads(pickle.dumps(log))
    assert again == log and again.maxlen == 3 and again.count_matching("/a") == 1


# --------------------------------------------------------------------------- Hyperliquid


def test_hyperliquid_reads_its_market_list_once_per_fetch():
    clock = FakeClock()
    sim = Simulator(clock=clock, sleep=clock.sleep)
    symbols = sim.symbols("hyperliquid")[:4]
    kw = {"session": sim.session(), "progress": False, "clock": clock, "refresh": True}
    frame = lk.fetch_risk_limits("hyperliquid", symbols, **kw)
    assert set(frame["symbol"]) == set(symbols)
    assert sim.count("/info") == 1  # was one per symbol
    lk.fetch_risk_limits("hyperliquid", symbols, **kw)
    assert sim.count("/info") == 2  # a new fetch reads it anew


def test_hyperliquid_refresh_of_the_same_symbol_or_later_reads_anew():
    clock = FakeClock()
    sim = Simulator(clock=clock, sleep=clock.sleep)
    hl = lk.Hyperliquid(session=sim.session(), clock=clock)
    hl.risk_limits("BTC", refresh=True)
    hl.risk_limits("ETH", refresh=True)
    assert sim.count("/info") == 1
    hl.risk_limits("BTC", refresh=True)  # asked again: a new read
    assert sim.count("/info") == 2
    clock.sleep(11.0)
    hl.risk_limits("ETH", refresh=True)  # not asked since, but 11 s later: a new read
    assert sim.count("/info") == 3
    hl.risk_limits("ETH")  # no refresh: the cache
    assert sim.count("/info") == 3


# --------------------------------------------------------------------------- read errors


def test_a_failed_hyperliquid_read_never_speaks_of_a_post():
    clock = FakeClock()
    sim = Simulator(clock=clock, sleep=clock.sleep)
    sim.inject("drop", path="/info", times=None)
    hl = lk.Hyperliquid(address=ADDRESS, session=sim.session(), clock=clock, sleep=clock.sleep)
    for call in (lambda: hl.risk_limits("BTC"), lambda: hl.leverage("BTC")):
        with pytest.raises(TransportError) as info:
            call()
        text = str(info.value)
        assert "/info" in text and "POST" not in text and "applied" not in text


def test_a_failed_write_still_says_it_may_have_been_applied():
    clock = FakeClock()
    sim = Simulator(clock=clock, sleep=clock.sleep)
    sim.inject("drop_after", path="/v5/position/set-leverage", times=None)
    bybit = lk.Bybit(DEMO_KEY, DEMO_SECRET, session=sim.session(), clock=clock, sleep=clock.sleep)
    with pytest.raises(TransportError, match="may still have applied this POST") as info:
        bybit.set_leverage("BTCUSDT", 20)
    assert info.value.__context__ is None and info.value.__cause__ is None
