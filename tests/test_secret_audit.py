"""Secret audit (issue 7, item 4): a canary API secret, used on every public path, appears
nowhere levkit writes: logs at DEBUG (levkit's, urllib3's, the root logger's), reprs,
exception messages and attributes, frames and their ``attrs`` (also pickled), dry-run
previews, the CLI's output and files, the leverage control and an executed notebook.
The canary key appears at most as its first 4 characters.  ``http://`` to a host that
is not loopback is refused by every client.

The simulator is served on loopback (real HTTP, so urllib3 logs what it sends) and holds
only the canary credentials; its clock is fake, so nothing really waits.  The detector
(:class:`tests._audit.Audit`) is shared with ``test_secret_audit_faults.py``, which runs
every venue of the registry through every fault kind.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import pickle
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import levkit as lk
from levkit import cli
from levkit.http.transport import Credentials, RequestPreview, check_base_url
from levkit.sim import Simulator
from levkit.sim.testing import FakeClock
from levkit.snapshot import snapshot_index
from levkit.venues import client_class, names, venue, venues

from ._audit import (
    CANARY_KEY,
    CANARY_PASSPHRASE,
    CANARY_SECRET,
    SHOWN_KEY,
    WRONG_SECRET,
    Audit,
    attempt,
    faulty,
    secret_forms,
)
from ._ladders import with_bybit_btcusd

ROOT = Path(__file__).resolve().parents[1]

#: Every venue that takes an API key (a keyless one, Hyperliquid, holds no secret at all;
#: tests/test_contract.py covers it).  From the registry: a new venue is audited by adding it.
CLIENTS = {v.name: client_class(v.name) for v in venues() if not v.account_id}


def build(name: str, key: str, secret: str, **kw):
    """The venue's client with the canary credentials (and passphrase where it needs one)."""
    if venue(name).passphrase:
        kw.setdefault("passphrase", CANARY_PASSPHRASE)
    return CLIENTS[name](key, secret, **kw)


# --------------------------------------------------------------------------- the audit


def test_the_audit_finds_a_planted_secret_in_any_form():
    """The detector itself: each encoding of the secret, and a full key, are caught."""
    for form in sorted(secret_forms(CANARY_SECRET)):
        audit = Audit()
        audit.text("planted", f"debug: signed with {form}!")
        with pytest.raises(AssertionError, match="secret leaked"):
            audit.check()
    audit = Audit()
    audit.blob("planted pickle", pickle.dumps({"s": WRONG_SECRET}))
    with pytest.raises(AssertionError, match="secret leaked"):
        audit.check()
    audit = Audit()
    audit.text("planted key", f"Bybit(api_key={CANARY_KEY!r})")
    with pytest.raises(AssertionError, match="key shown"):
        audit.check()
    audit = Audit()
    audit.text("masked key", f"Bybit(api_key={SHOWN_KEY + '...'!r})")
    audit.check()


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sim(clock) -> Simulator:
    return Simulator(keys={CANARY_KEY: CANARY_SECRET}, clock=clock, sleep=clock.sleep)


@pytest.fixture
def url(sim):
    with sim.serve() as base_url:
        yield base_url


@pytest.fixture
def real_clock_sim():
    """For the CLI, whose clients keep the real clock: the simulator's clock is real too."""
    sim = Simulator(keys={CANARY_KEY: CANARY_SECRET}, passphrases={CANARY_KEY: CANARY_PASSPHRASE})
    with sim.serve() as base_url:
        yield sim, base_url


@pytest.fixture
def debug_logs(caplog):
    """DEBUG on the root logger, levkit and urllib3 (which logs every URL it sends)."""
    caplog.set_level(logging.DEBUG)
    for name in ("levkit", "urllib3", "urllib3.connectionpool"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


@pytest.fixture
def audit() -> Audit:
    return Audit()


def make(cls, url: str, clock: FakeClock, secret: str = CANARY_SECRET, **kw):
    return cls(
        CANARY_KEY,
        secret,
        base_url=url,
        clock=clock,
        sleep=clock.sleep,
        progress=False,
        max_retries=kw.pop("max_retries", 1),
        **kw,
    )


# --------------------------------------------------------------------------- clients


def test_bybit_every_path_keeps_the_secret(url, sim, clock, debug_logs, audit):
    client = make(lk.Bybit, url, clock)
    audit.obj("repr", client)
    audit.text("transport", vars(client.transport))
    audit.obj("credentials", client.transport.credentials)
    attempt(audit, "risk_limits all", client.risk_limits)
    attempt(audit, "risk_limits", client.risk_limits, "BTCUSDT", refresh=True)
    attempt(audit, "instruments", client.instruments, "BTCUSDT")
    attempt(audit, "leverage", client.leverage, "BTCUSDT")
    preview = attempt(audit, "dry run", client.set_leverage, "BTCUSDT", 20, dry_run=True)
    assert isinstance(preview, RequestPreview) and SHOWN_KEY in repr(preview)
    frame = attempt(audit, "set", client.set_leverage, "BTCUSDT", 20)
    assert isinstance(frame, pd.DataFrame) and sim.leverage("bybit", "BTCUSDT", "both") == 20
    attempt(audit, "not modified", client.set_leverage, "BTCUSDT", 20)
    for bad in (1000, float("nan"), "abc", True):
        assert isinstance(
            attempt(audit, f"invalid {bad!r}", client.set_leverage, "BTCUSDT", bad), ValueError
        )
    assert isinstance(
        attempt(audit, "one-way side", client.set_leverage, "BTCUSDT", 5, side="long"),
        lk.LevkitError,
    )
    assert isinstance(
        faulty(audit, sim, "rate_limit", "/v5/position/list", lambda: client.leverage("BTCUSDT")),
        lk.RateLimitError,
    )
    assert isinstance(
        faulty(
            audit,
            sim,
            "status",
            "/v5/position/list",
            lambda: client.leverage("BTCUSDT"),
            status=502,
        ),
        lk.TransportError,
    )
    assert isinstance(
        faulty(
            audit,
            sim,
            "drop",
            "/v5/position/set-leverage",
            lambda: client.set_leverage("BTCUSDT", 7),
        ),
        lk.LevkitError,
    )
    assert isinstance(
        faulty(audit, sim, "malformed", "/v5/position/list", lambda: client.leverage("BTCUSDT")),
        lk.LevkitError,
    )
    wrong = make(lk.Bybit, url, clock, secret=WRONG_SECRET)
    audit.obj("wrong repr", wrong)
    assert isinstance(
        attempt(audit, "bad signature", wrong.set_leverage, "BTCUSDT", 9), lk.AuthenticationError
    )
    assert sim.leverage("bybit", "BTCUSDT", "both") == 20  # none of the failures changed it
    names = {r.name for r in debug_logs.records}
    assert {"levkit", "urllib3.connectionpool"} <= names  # DEBUG really was captured
    audit.check(debug_logs)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_bybit_legacy_every_path_keeps_the_secret(url, sim, clock, debug_logs, audit):
    with_bybit_btcusd(sim)  # v2 reads its inverse perpetuals only (issue 22)
    client = make(lk.BybitLegacy, url, clock)
    audit.obj("repr", client)
    audit.text("transport", vars(client.transport))
    attempt(audit, "leverage", client.leverage)
    attempt(audit, "leverage one", client.leverage, "BTCUSD")
    preview = attempt(audit, "dry run", client.set_leverage, "BTCUSD", 20, dry_run=True)
    assert isinstance(preview, RequestPreview) and "api_key" in (preview.body or "")
    attempt(audit, "set", client.set_leverage, "BTCUSD", 20)
    assert sim.leverage("bybit", "BTCUSD", "both") == 20
    attempt(audit, "not modified", client.set_leverage, "BTCUSD", 20)
    for bad in (0, 101, float("inf"), None):
        assert isinstance(
            attempt(audit, f"invalid {bad!r}", client.set_leverage, "BTCUSD", bad), ValueError
        )
    assert isinstance(
        faulty(audit, sim, "rate_limit", "/user/leverage", lambda: client.leverage()),
        lk.RateLimitError,
    )
    assert isinstance(
        faulty(audit, sim, "status", "/user/leverage", lambda: client.leverage(), status=503),
        lk.TransportError,
    )
    wrong = make(lk.BybitLegacy, url, clock, secret=WRONG_SECRET)
    assert isinstance(attempt(audit, "bad signature", wrong.leverage), lk.AuthenticationError)
    audit.check(debug_logs)


def test_bingx_every_path_keeps_the_secret(url, sim, clock, debug_logs, audit):
    client = make(lk.BingX, url, clock)
    audit.obj("repr", client)
    audit.text("transport", vars(client.transport))
    attempt(audit, "leverage", client.leverage, "BTC-USDT")
    attempt(audit, "risk_limits", client.risk_limits, "BTC-USDT")
    attempt(audit, "position_mode", client.position_mode)
    attempt(audit, "open_positions", client.open_positions)
    attempt(audit, "open_orders", client.open_orders, "BTC-USDT")
    attempt(
        audit,
        "fetch_risk_limits",
        lk.fetch_risk_limits,
        "bingx",
        "BTC-USDT",
        api_key=CANARY_KEY,
        api_secret=CANARY_SECRET,
        base_url=url,
    )
    preview = attempt(audit, "dry run", client.set_leverage, "BTC-USDT", 20, dry_run=True)
    assert "signature=<signed when sent>" in preview.url
    attempt(audit, "set", client.set_leverage, "BTC-USDT", 20)
    assert sim.leverage("bingx", "BTC-USDT", "both") == 20
    for bad in (2.5, 0, 10_000, float("nan"), [5]):
        assert isinstance(
            attempt(audit, f"invalid {bad!r}", client.set_leverage, "BTC-USDT", bad), ValueError
        )
    tiers = attempt(audit, "discover_tiers", client.discover_tiers, "ETH-USDT")
    assert isinstance(tiers, pd.DataFrame) and tiers.attrs["source"] == "probe"
    sim.set_position_mode("bingx", True)
    hedged = make(lk.BingX, url, clock)
    attempt(audit, "hedge dry run", hedged.set_leverage, "BTC-USDT", 30, dry_run=True)
    attempt(audit, "hedge set", hedged.set_leverage, "BTC-USDT", 30)
    assert isinstance(
        faulty(
            audit,
            sim,
            "rate_limit",
            "/openApi/swap/v2/trade/leverage",
            lambda: hedged.leverage("BTC-USDT"),
        ),
        lk.RateLimitError,
    )
    assert isinstance(
        faulty(
            audit,
            sim,
            "status",
            "/openApi/swap/v2/trade/leverage",
            lambda: hedged.leverage("BTC-USDT"),
            status=500,
        ),
        lk.TransportError,
    )
    faulty(
        audit,
        sim,
        "drop_after",
        "/openApi/swap/v2/trade/leverage",
        lambda: hedged.set_leverage("BTC-USDT", 40, side="long"),
        times=1,
    )
    wrong = make(lk.BingX, url, clock, secret=WRONG_SECRET)
    assert isinstance(
        attempt(audit, "bad signature", wrong.leverage, "BTC-USDT"), lk.AuthenticationError
    )
    audit.check(debug_logs)


@pytest.mark.parametrize("name", list(CLIENTS))
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_constructor_errors_and_env_keys_keep_the_secret(name, monkeypatch, audit, caplog):
    cls = CLIENTS[name]
    caplog.set_level(logging.DEBUG)
    for args in ((CANARY_KEY, None), (None, CANARY_SECRET), ("", CANARY_SECRET)):
        assert isinstance(
            attempt(audit, f"half keys {args[0]!r}", cls, *args), lk.AuthenticationError
        )
    assert isinstance(attempt(audit, "credentials", Credentials, "", CANARY_SECRET), lk.LevkitError)
    prefix = cls.env_prefix
    monkeypatch.setenv(f"{prefix}_API_KEY", CANARY_KEY)
    monkeypatch.setenv(f"{prefix}_API_SECRET", CANARY_SECRET)
    if cls.venue.passphrase:
        monkeypatch.setenv(f"{prefix}_PASSPHRASE", CANARY_PASSPHRASE)
    client = cls.from_env(testnet=True)
    audit.obj("from_env", client)
    audit.text("from_env str", str(client))
    with pytest.raises(TypeError):
        pickle.dumps(client)  # a client holding a secret refuses to be pickled
    audit.check(caplog)


# --------------------------------------------------------------------------- base URLs

PLAIN_HTTP_ELSEWHERE = [
    "http://example.com",
    "http://api.bybit.com",
    "http://10.0.0.1:8765",
    "http://192.168.1.10",
    "http://localhost.example.com",
    "http://127.0.0.1.nip.io:8765",
    "http://127.evil.example",
    "http://127.0.0.1@example.com",
    "HTTP://EXAMPLE.COM",
]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("name", list(CLIENTS))
@pytest.mark.parametrize("base_url", PLAIN_HTTP_ELSEWHERE)
def test_plain_http_to_other_hosts_is_refused_by_every_client(name, base_url):
    with pytest.raises(ValueError, match="http://") as info:
        build(name, CANARY_KEY, CANARY_SECRET, base_url=base_url)
    assert CANARY_SECRET not in str(info.value) and CANARY_KEY not in str(info.value)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("name", list(CLIENTS))
@pytest.mark.parametrize(
    "base_url",
    ["http://127.0.0.1:8765", "http://localhost:8765", "http://[::1]:8765", "https://example.com"],
)
def test_loopback_http_and_any_https_are_accepted(name, base_url):
    client = build(name, CANARY_KEY, CANARY_SECRET, base_url=base_url)
    assert client.base_url == check_base_url(base_url)


def test_fetch_and_cli_refuse_plain_http_too(capsys, monkeypatch):
    with pytest.raises(ValueError):
        lk.fetch_risk_limits("bybit", "BTCUSDT", base_url="http://example.com")
    monkeypatch.setenv("BINGX_API_KEY", CANARY_KEY)
    monkeypatch.setenv("BINGX_API_SECRET", CANARY_SECRET)
    argv = ["tiers", "BTC-USDT", "--exchange", "bingx", "--source", "live"]
    assert cli.main([*argv, "--base-url", "http://example.com"]) == cli.EXIT_RUNTIME
    err = capsys.readouterr().err
    assert "refusing plain http://" in err and CANARY_SECRET not in err


# --------------------------------------------------------------------------- CLI


@pytest.fixture
def cli_handlers():
    """The CLI's -vv handler writes to the stderr of its test: take it off afterwards."""
    yield
    logger = logging.getLogger("levkit")
    for handler in [h for h in logger.handlers if getattr(h, "_levkit_cli", False)]:
        logger.removeHandler(handler)
    logger.setLevel(logging.NOTSET)


def _cli_runs(url: str, tmp_path: Path) -> dict[str, tuple[list[str], int]]:
    """Every live CLI command on every venue of the registry: ``{name: (argv, exit code)}``.
    A venue whose API gives no ladder must fail cleanly (exit 1) without the secret."""
    live = ["--source", "live", "--base-url", url, "-vv"]
    snap = ["--base-url", url, "--out-dir", str(tmp_path / "snap"), "-vv"]
    runs: dict[str, tuple[list[str], int]] = {}
    for v in venues():
        sym, name = v.symbol_example, v.name
        ladder = v.capabilities.ladder and "ladder" in v.endpoints
        ok = 0 if ladder else cli.EXIT_RUNTIME
        runs[f"tiers {name}"] = (["tiers", sym, "--exchange", name, *live], ok)
        if not ladder:
            continue
        runs[f"tiers csv {name}"] = (["tiers", sym, "--exchange", name, "--csv", *live], 0)
        png = str(tmp_path / f"{name}.png")
        runs[f"curves {name}"] = (["curves", sym, "--exchange", name, *live, "--out", png], 0)
        runs[f"snapshot {name}"] = (["snapshot", "--exchange", name, "--symbols", sym, *snap], 0)
    for v in venues():
        if v.capabilities.margin_bands:
            sym, name = v.symbol_example, v.name
            runs[f"tiers margin {name}"] = (
                ["tiers", sym, "--exchange", name, "--kind", "margin", *live],
                0,
            )
            runs[f"snapshot margin {name}"] = (
                ["snapshot", "--exchange", name, "--kind", "margin", "--symbols", sym, *snap],
                0,
            )
    return runs


def test_cli_live_commands_keep_the_secret(
    real_clock_sim, monkeypatch, tmp_path, capsys, debug_logs, audit, cli_handlers
):
    sim, url = real_clock_sim
    for v in venues():  # every venue's variables hold the canaries
        monkeypatch.setenv(f"{v.env_prefix}_API_KEY", CANARY_KEY)
        monkeypatch.setenv(f"{v.env_prefix}_API_SECRET", CANARY_SECRET)
        if v.passphrase:
            monkeypatch.setenv(f"{v.env_prefix}_PASSPHRASE", CANARY_PASSPHRASE)
    runs = _cli_runs(url, tmp_path)
    assert {r.split()[-1] for r in runs} >= set(names())  # the whole registry
    for name, (argv, expected) in runs.items():
        code = cli.main(argv)
        out = capsys.readouterr()
        audit.text(f"cli {name} stdout", out.out)
        audit.text(f"cli {name} stderr", out.err)
        assert code == expected, (name, out.err[-500:])
        if expected:
            assert "levkit: error:" in out.err and "Traceback" not in out.err, name
    assert all((tmp_path / f"{n}.png").stat().st_size > 0 for n in names() if f"curves {n}" in runs)
    sim.inject("status", path="/v5/market/risk-limit", status=418, times=1)  # not retried
    assert cli.main(runs["tiers bybit"][0]) == cli.EXIT_RUNTIME
    margin = [v.name for v in venues() if v.capabilities.margin_bands]
    monkeypatch.setenv(f"{venue(margin[0]).env_prefix}_API_SECRET", WRONG_SECRET)
    assert cli.main(runs[f"tiers margin {margin[0]}"][0]) == cli.EXIT_RUNTIME
    out = capsys.readouterr()
    audit.text("cli errors stdout", out.out)
    audit.text("cli errors stderr", out.err)
    assert out.err.count("levkit: error:") == 2
    # every file written is audited: one picture per venue with a ladder, and the snapshot
    # store holding every venue's saved ladder (one database file since 0.3)
    pictures = sum(f"curves {n}" in runs for n in names())
    assert audit.files(tmp_path) >= pictures + 1
    saved = {n.split()[-1] for n in runs if n.startswith("snapshot ")}
    assert set(snapshot_index(path=tmp_path / "snap")["exchange"]) == saved
    audit.check(debug_logs)


# --------------------------------------------------------------------------- widget


def _widget_texts(widget) -> list[tuple[str, Any]]:
    """Every trait value of a widget tree (labels, HTML, slider values, the PNG bytes)."""
    out = []
    stack = [widget]
    while stack:
        w = stack.pop()
        for key, value in w.get_state().items():
            out.append((f"{type(w).__name__}.{key}", value))
        stack.extend(getattr(w, "children", ()) or ())
    return out


def test_leverage_control_keeps_the_secret(url, sim, clock, debug_logs, audit):
    client = make(lk.Bybit, url, clock)
    control = lk.LeverageControl(client, "BTCUSDT", balance=10_000)
    control.leverage = 25
    audit.obj("preview", control.preview())
    audit.text("status after preview", control.status)
    audit.obj("apply", control.apply())
    assert sim.leverage("bybit", "BTCUSDT", "both") == 25
    audit.text("status", control.status)
    audit.obj("readouts", control.readouts())
    audit.obj("control", control)
    for where, value in _widget_texts(control.widget):
        if isinstance(value, bytes | memoryview):
            audit.blob(f"widget {where}", bytes(value))
        else:
            audit.text(f"widget {where}", value)
    audit.text("mimebundle", control._repr_mimebundle_())
    sim.inject("status", path="/v5/position/set-leverage", status=502, times=10)
    control.leverage = 30
    assert control.apply() is None and control.status.startswith("error")
    audit.text("status after 5xx", control.status)
    control.close()
    wrong = lk.LeverageControl(make(lk.Bybit, url, clock, secret=WRONG_SECRET), "BTCUSDT")
    assert "error" in wrong.status
    audit.text("wrong-secret status", wrong.status)
    audit.obj("wrong-secret control", wrong)
    hedged_sim = Simulator(
        keys={CANARY_KEY: CANARY_SECRET}, hedge=True, clock=clock, sleep=clock.sleep
    )
    bingx = lk.BingX(
        CANARY_KEY,
        CANARY_SECRET,
        session=hedged_sim.session(),
        testnet=True,
        clock=clock,
        sleep=clock.sleep,
    )
    hedge = lk.LeverageControl(bingx, "BTC-USDT")
    hedge.leverage = {"long": 20}
    audit.obj("hedge preview", hedge.preview())
    audit.obj("hedge apply", hedge.apply())
    audit.text("hedge status", hedge.status)
    assert hedged_sim.leverage("bingx", "BTC-USDT", "long") == 20
    audit.check(debug_logs)


# --------------------------------------------------------------------------- notebook


def _runner():
    spec = importlib.util.spec_from_file_location(
        "run_notebooks", ROOT / "scripts" / "run_notebooks.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.notebooks
def test_set_leverage_notebook_keeps_the_secret(tmp_path, audit):
    """03_set_leverage against a loopback simulator holding the canary credentials (given to
    the kernel as LEVKIT_SIM_KEY / LEVKIT_SIM_SECRET): no output holds the secret."""
    book = ROOT / "notebooks" / "03_set_leverage.ipynb"
    sim = Simulator(keys={CANARY_KEY: CANARY_SECRET})
    run = _runner()
    out = tmp_path / "out"
    out.mkdir()
    with sim.serve() as url:
        env = run.kernel_env(
            out,
            extra={
                "LEVKIT_SIM_URL": url,
                "LEVKIT_SIM_KEY": CANARY_KEY,
                "LEVKIT_SIM_SECRET": CANARY_SECRET,
                "LEVKIT_EXCHANGE": "bybit",
            },
        )
        written = run.run_notebook(book, out, env=env, timeout=120)
    assert sim.leverage("bybit", "BTCUSDT", "both") == 25  # the scripted apply ran
    text = written.read_text(encoding="utf-8")
    assert "dry run: BTCUSDT both -> 25x, not sent" in text
    for cell in json.loads(text)["cells"]:
        for output in cell.get("outputs", []):
            audit.text(f"notebook output {cell.get('execution_count')}", json.dumps(output))
    assert audit.files(tmp_path) >= 1
    audit.check()
