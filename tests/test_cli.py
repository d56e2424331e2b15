"""The ``levkit`` command line, run in-process with ``main([...])``.

Live reads go to a real :class:`~levkit.sim.Simulator` served on loopback (``--base-url``);
nothing in levkit is monkeypatched.  Behaviour that is the same for every venue is
parametrised over the registry.  ``conftest`` gives each test an empty user snapshot folder
(``LEVKIT_DATA_DIR``) and clears every venue's key variables.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest

import levkit as lk
from levkit.cli import EXIT_RUNTIME, EXIT_USAGE, build_parser, main, render_curves
from levkit.frames import tiers_frame
from levkit.model import lower_bound_note
from levkit.sim import DEMO_KEY, DEMO_PASSPHRASE, DEMO_SECRET, Simulator
from levkit.snapshot import (
    SNAPSHOT_COLUMNS,
    SnapshotError,
    load_snapshot,
    snapshot_index,
    write_snapshot,
)
from levkit.venues import client_class, venue, venues

REPO = Path(__file__).resolve().parents[1]
TODAY = pd.Timestamp.now(tz="UTC").date().isoformat()

# BingX BTC-USDT website table, typed in: (max leverage, cap).
BINGX_BTC = [(150, 3e5), (100, 8e5), (75, 3e6), (50, 12e6), (25, 70e6), (20, 100e6),
             (10, 230e6), (5, 480e6), (4, 600e6), (3, 800e6), (2, 1.2e9), (1, 1.8e9)]  # fmt: skip


def has_api_ladder(v) -> bool:
    return v.capabilities.ladder and "ladder" in v.endpoints


PUBLIC = [v.name for v in venues() if has_api_ladder(v) and v.capabilities.public_ladder]
SIGNED = [v.name for v in venues() if has_api_ladder(v) and not v.capabilities.public_ladder]
NO_LADDER = [v.name for v in venues() if not has_api_ladder(v)]
MARGIN = [v.name for v in venues() if v.capabilities.margin_bands]
NO_MARGIN = [v.name for v in venues() if not v.capabilities.margin_bands]
PROBE = [v.name for v in venues() if v.capabilities.discover_tiers]
NO_PROBE = [v.name for v in venues() if not v.capabilities.discover_tiers]


def hand_max_position_value(lev: float) -> float:
    return max(cap for max_lev, cap in BINGX_BTC if max_lev >= lev)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(err: str, *needles: str) -> None:
    assert err.startswith("levkit: error: "), err
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, (needle, err)


def set_keys(monkeypatch, name: str) -> dict[str, str]:
    """The simulator's demo credentials in the venue's environment variables."""
    v = venue(name)
    env = {f"{v.env_prefix}_API_KEY": DEMO_KEY, f"{v.env_prefix}_API_SECRET": DEMO_SECRET}
    if v.passphrase:
        env[f"{v.env_prefix}_PASSPHRASE"] = DEMO_PASSPHRASE
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


def sim_ladder(sim: Simulator, name: str, symbol: str) -> pd.DataFrame:
    """What the simulator serves for the venue, read with the library (the expected)."""
    v = venue(name)
    kw = (
        {"api_key": DEMO_KEY, "api_secret": DEMO_SECRET} if not v.capabilities.public_ladder else {}
    )
    if kw and v.passphrase:
        kw["passphrase"] = DEMO_PASSPHRASE
    return lk.fetch_risk_limits(name, symbol, session=sim.session(), **kw)


@pytest.fixture
def served():
    sim = Simulator()
    with sim.serve() as url:
        yield sim, url


def ladder_frame(symbol="ETHUSDT", levs=(150.0, 100.0), **cols) -> pd.DataFrame:
    return tiers_frame(
        {"exchange": "bybit", "symbol": symbol, "max_notional": [3e5, 2e6][: len(levs)],
         "max_leverage": list(levs), **cols},
        source="api",
    )  # fmt: skip


# --------------------------------------------------------------------------- basics


def test_help_lists_the_commands_and_exits_zero(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for command in ("exchanges", "curves", "tiers", "snapshot", "list"):
        assert command in out


def test_version_exits_zero(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("levkit ")


def test_console_script_and_module_entry_point_are_the_cli():
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["levkit"] == "levkit.cli:main"
    proc = subprocess.run(
        [sys.executable, "-m", "levkit", "tiers", "nosuchcoin"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert proc.returncode == EXIT_USAGE == 2 and EXIT_RUNTIME == 1
    assert_one_line_error(proc.stderr, "nosuchcoin")


@pytest.mark.parametrize("name", lk.exchanges().index)
def test_exchange_choices_are_the_registry_names_and_aliases(name):
    for spelling in (name, name.upper(), *venue(name).aliases):
        args = build_parser().parse_args(["tiers", "BTC", "--exchange", spelling])
        assert args.exchange == name


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        ([], "COMMAND"),
        (["fly"], "invalid choice"),
        (["curves", "BTC-USDT"], "--out"),
        (["curves", "BTC-USDT", "--exchange", "ftx", "--out", "x.png"], "unknown exchange 'ftx'"),
        (["curves", "BTC-USDT", "--leverage", "0", "--out", "x.png"], ">= 1"),
        (["curves", "BTC-USDT", "--leverage", "lots", "--out", "x.png"], "lots"),
        (["curves", "BTC-USDT", "--leverage", "nan", "--out", "x.png"], "nan"),
        (["tiers", "BTC-USDT", "--source", "live"], "--exchange"),
        (["tiers", "BTC-USDT", "--base-url", "http://127.0.0.1:9"], "--source live"),
        (["tiers"], "SYMBOL"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(capsys, argv, needle):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert_one_line_error(err, needle)


@pytest.mark.parametrize("name", NO_MARGIN)
def test_margin_kind_on_a_venue_without_bands_names_who_has_them(capsys, name):
    for source in ("snapshot", "live"):
        code, out, err = run(capsys, "tiers", "BTC", "--exchange", name, "--kind", "margin",
                             "--source", source)  # fmt: skip
        assert code == 2 and out == ""
        assert_one_line_error(err, "--kind margin", f"not {name}", *MARGIN)


def test_unknown_symbol_exits_2_listing_the_snapshot(capsys):
    code, out, err = run(capsys, "tiers", "DOT-USDT", "--exchange", "bingx")
    assert code == 2 and out == ""
    assert_one_line_error(err, "'DOT-USDT'", "available: bingx: ADA-USDT", "XRP-USDT")


def test_unreadable_symbol_exits_2(capsys):
    code, _, err = run(capsys, "tiers", "B$C")
    assert code == 2
    assert_one_line_error(err, "B$C")


# --------------------------------------------------------------------------- exchanges


def test_exchanges_prints_one_row_per_registry_venue(capsys):
    code, out, err = run(capsys, "exchanges")
    assert code == 0 and err == ""
    rows = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert list(rows) == list(lk.exchanges().index)
    for name in SIGNED:
        assert " signed " in rows[name]
    for name in PUBLIC:
        assert " public " in rows[name]


def test_exchanges_csv_is_the_registry_frame(capsys):
    code, out, _ = run(capsys, "exchanges", "--csv")
    assert code == 0
    back = pd.read_csv(io.StringIO(out), keep_default_na=False)
    expected = lk.exchanges()
    assert back["name"].tolist() == expected.index.tolist()
    assert back["public_ladder"].tolist() == expected["public_ladder"].tolist()
    assert back["symbol_example"].tolist() == expected["symbol_example"].tolist()


# --------------------------------------------------------------------------- tiers: snapshot


def test_tiers_prints_the_bingx_ladder_as_a_table(capsys):
    code, out, err = run(capsys, "tiers", "BTCUSDT", "--exchange", "bingx")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].startswith("bingx BTC-USDT: 12 tiers, snapshot as of 2025-12-02")
    assert lines[1].startswith("source: BingX website table")
    assert lines[2].split()[:4] == ["tier", "from", "(USDT)", "to"]
    assert lines[3].split() == ["1", "0", "300,000", "150x", "-", "-", "-"]
    assert lines[-1].split() == ["12", "1,200,000,000", "1,800,000,000", "1x", "-", "-", "-"]


def test_tiers_of_an_incomplete_ladder_print_the_lower_bound_note(capsys):
    # Bitget BTCUSDT: the two tiers of Bitget's docs example, the only one shipped
    code, out, err = run(capsys, "tiers", "BTCUSDT", "--exchange", "bitget")
    assert code == 0 and err == ""
    lines = out.splitlines()
    rows = [line.split() for line in lines[3:5]]
    assert rows == [
        ["1", "0", "50,000", "125x", "0.4%", "0.8%", "0*"],  # * derived: Bitget publishes none
        ["2", "50,000", "200,000", "100x", "0.5%", "1%", "50*"],
    ]
    expected = lower_bound_note(load_snapshot("bitget", "BTCUSDT"), unit="USDT")
    assert expected.startswith("bitget BTCUSDT: incomplete ladder")
    assert lines[5] == f"note: {expected}"
    assert "below 100x the max position value is only a lower bound" in lines[5]


def test_complete_ladders_get_no_note(capsys):
    code, out, _ = run(capsys, "tiers", "BTC-USDT", "--exchange", "bingx")
    assert code == 0 and "note:" not in out


def test_stale_figures_are_marked_and_fresh_ones_are_not(capsys, tmp_path):
    write_snapshot(ladder_frame("ETHUSDT"), tmp_path, source_text="t", as_of=TODAY)
    write_snapshot(ladder_frame("SOLUSDT"), tmp_path, source_text="t", as_of="2020-01-02")
    code, out, err = run(capsys, "tiers", "ETHUSDT", "SOLUSDT", "--data-dir", str(tmp_path))
    assert code == 0 and err == ""  # said once, in the table, not as a Python warning
    heads = [line for line in out.splitlines() if line.startswith("bybit ")]
    assert heads[0] == f"bybit ETHUSDT: 2 tiers, snapshot as of {TODAY}"
    assert heads[1].startswith("bybit SOLUSDT: 2 tiers, snapshot as of 2020-01-02 (STALE: ")
    assert "refresh: levkit snapshot --exchange bybit" in heads[1]


def test_tiers_print_leverage_with_the_one_tolerance(capsys, tmp_path):
    write_snapshot(ladder_frame(levs=(150.0001, 1429 * 0.01)), tmp_path, source_text="t",
                   as_of=TODAY)  # fmt: skip
    code, out, _ = run(capsys, "tiers", "ETHUSDT", "--data-dir", str(tmp_path))
    assert code == 0
    levs = [line.split()[3] for line in out.splitlines()[3:5]]
    assert levs == ["150.0001x", "14.29x"]


def test_tiers_without_exchange_shows_every_exchange(capsys):
    code, out, _ = run(capsys, "tiers", "LTC-USDT")
    assert code == 0
    assert "bingx LTC-USDT: 10 tiers" in out
    assert "bybit LTCUSDT: 29 tiers, snapshot as of 2026-05-18" in out
    assert "33.33x" in out


def test_tiers_margin_kind_shows_bands_without_leverage(capsys):
    code, out, _ = run(capsys, "tiers", "BTC-USDT", "--exchange", "bingx", "--kind", "margin")
    assert code == 0
    assert out.splitlines()[0].startswith(
        "bingx BTC-USDT: 2 margin bands (no leverage), snapshot as of 2024-05-22"
    )
    assert out.splitlines()[-1].split() == ["2", "150,000", "900,000", "-", "0.4%", "-", "30"]


def test_tiers_csv_is_the_snapshot_format_with_notes_on_stderr(capsys):
    code, out, err = run(capsys, "tiers", "BTCUSDT", "--exchange", "bitget", "--csv")
    assert code == 0
    frame = pd.read_csv(io.StringIO(out))
    assert list(frame.columns) == list(SNAPSHOT_COLUMNS)
    assert frame["max_notional"].tolist() == [5e4, 2e5]
    assert "levkit: note: bitget BTCUSDT: incomplete ladder" in err
    assert "levkit: warning: bitget BTCUSDT: stale figures (as of 2023-09-27" in err
    code, out, err = run(capsys, "tiers", "BTCUSDT", "--exchange", "bybit", "--csv")
    frame = pd.read_csv(io.StringIO(out))
    assert list(frame.columns[:9]) == list(SNAPSHOT_COLUMNS[:9])  # the tiers columns first,
    assert set(SNAPSHOT_COLUMNS) <= set(frame.columns)  # the saved frame's own, the labels
    assert "risk_id" in frame.columns and len(frame) == 35


def test_tiers_reads_another_snapshot_dir(capsys, tmp_path):
    write_snapshot(ladder_frame("ETHUSDT"), tmp_path, source_text="t", as_of="2026")
    code, out, _ = run(capsys, "tiers", "ETHUSDT", "--data-dir", str(tmp_path))
    assert code == 0
    assert out.startswith("bybit ETHUSDT: 2 tiers, snapshot as of 2026")


# --------------------------------------------------------------------------- tiers: live


@pytest.mark.parametrize("name", PUBLIC)
def test_tiers_live_reads_every_public_ladder_from_the_simulator(capsys, served, name):
    sim, url = served
    symbol = venue(name).symbol_example
    expected = sim_ladder(sim, name, symbol)
    code, out, err = run(capsys, "tiers", symbol, "--exchange", name, "--source", "live",
                         "--base-url", url)  # fmt: skip
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(f"{name} {symbol}: {len(expected)} tiers, fetched from simulator")
    rows = [line for line in lines[2:] if not line.startswith(("note:", "* "))]
    assert [line.split()[3] for line in rows] == [
        f"{lk.numbers.show(v)}x" for v in expected["max_leverage"]
    ]
    # The simulator serves the shipped ladders: a note exactly where one is incomplete
    complete = bool(lk.ladders(expected)["complete"].all())
    assert ("note:" in out) is not complete


@pytest.mark.parametrize("name", SIGNED)
def test_tiers_live_signed_ladder_needs_the_keys_from_the_environment(capsys, served, monkeypatch,
                                                                       name):  # fmt: skip
    sim, url = served
    symbol = venue(name).symbol_example
    argv = ["tiers", symbol, "--exchange", name, "--source", "live", "--base-url", url]
    code, out, err = run(capsys, *argv)
    assert code == EXIT_RUNTIME and out == ""
    assert_one_line_error(err, f"{venue(name).env_prefix}_API_KEY", "_API_SECRET")
    set_keys(monkeypatch, name)
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    assert out.startswith(f"{name} {symbol}: {len(sim_ladder(sim, name, symbol))} tiers")


def test_tiers_live_okx_reads_the_passphrase_from_the_environment(capsys, served, monkeypatch):
    sim, url = served
    set_keys(monkeypatch, "okx")
    argv = ["tiers", "BTC/USDT:USDT", "--exchange", "okx", "--source", "live", "--base-url", url]
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    n = len(sim_ladder(sim, "okx", "BTC-USDT-SWAP"))
    assert out.startswith(f"okx BTC-USDT-SWAP: {n} tiers, fetched from simulator")
    monkeypatch.delenv("OKX_PASSPHRASE")
    code, out, err = run(capsys, *argv)
    assert code == EXIT_RUNTIME and out == ""
    assert_one_line_error(err, "passphrase", "OKX_PASSPHRASE")
    assert DEMO_SECRET not in err


@pytest.mark.parametrize("name", NO_LADDER)
def test_tiers_live_without_an_api_ladder_is_the_clients_clean_error(capsys, served, monkeypatch,
                                                                     name):  # fmt: skip
    _, url = served
    set_keys(monkeypatch, name)
    code, out, err = run(capsys, "tiers", venue(name).symbol_example, "--exchange", name,
                         "--source", "live", "--base-url", url)  # fmt: skip
    assert code == EXIT_RUNTIME and out == ""
    err = err.replace("levkit: warning:", "").split("levkit: error: ")[-1]  # legacy: deprecated
    assert "publishes no leverage ladder" in err and "'--source snapshot'" in err
    assert "Traceback" not in err and err.count("\n") == 1


@pytest.mark.parametrize("name", MARGIN)
def test_tiers_live_margin_bands(capsys, served, monkeypatch, name):
    sim, url = served
    set_keys(monkeypatch, name)
    symbol = venue(name).symbol_example
    code, out, err = run(capsys, "tiers", symbol, "--exchange", name, "--kind", "margin",
                         "--source", "live", "--base-url", url)  # fmt: skip
    assert code == 0, err
    bands = client_class(name)(DEMO_KEY, DEMO_SECRET, session=sim.session()).margin_bands(symbol)
    assert out.startswith(f"{name} {symbol}: {len(bands)} margin bands (no leverage), fetched")


def test_exchange_error_exits_1_with_one_line(capsys, served):
    sim, url = served
    sim.inject("status", path=venue("bybit").endpoint("ladder").path, status=418)  # not retried
    code, out, err = run(capsys, "tiers", "BTCUSDT", "--exchange", "bybit", "--source", "live",
                         "--base-url", url)  # fmt: skip
    assert code == EXIT_RUNTIME and out == ""
    assert_one_line_error(err, "418")


def test_refused_connection_exits_1_with_one_line(capsys, served):
    _, url = served
    port = url.rsplit(":", 1)[1]
    code, out, err = run(capsys, "tiers", "BTCUSDT", "--exchange", "bybit", "--source", "live",
                         "--base-url", url.replace(port, "9"))  # fmt: skip
    assert code == EXIT_RUNTIME and out == ""
    assert_one_line_error(err)


def test_plain_http_elsewhere_is_refused(capsys):
    code, _, err = run(capsys, "tiers", "BTCUSDT", "--exchange", "bybit", "--source", "live",
                       "--base-url", "http://example.com")  # fmt: skip
    assert code == EXIT_RUNTIME
    assert_one_line_error(err, "http://")


# --------------------------------------------------------------------------- curves


def test_curves_draws_the_bingx_ladder_offline(capsys, tmp_path):
    out_png = tmp_path / "c.png"
    code, out, err = run(capsys, "curves", "BTC-USDT", "--exchange", "bingx", "--out", str(out_png))
    assert code == 0, err
    assert err == ""  # staleness is said on stdout, not as a Python warning
    lines = out.splitlines()
    assert lines[0] == f"wrote {out_png}: bingx BTC-USDT (12 tiers)"
    assert lines[1].startswith("STALE: bingx BTC-USDT: as of 2025-12-02")
    data = out_png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5_000


def test_drawn_curve_is_the_real_bingx_ladder(tmp_path):
    with pytest.warns(lk.StaleDataWarning):
        fig = render_curves(load_snapshot("bingx", "BTC-USDT"), tmp_path / "c.png", leverage=80)
    ax = fig.axes[0]
    xy = ax.lines[0].get_xydata()
    assert {lev for lev, _ in BINGX_BTC} <= set(xy[:, 0].tolist())
    for lev, cap in xy:
        assert cap == hand_max_position_value(lev), (lev, cap)
    marked = [line.get_xydata().tolist() for line in ax.lines[1:]]
    assert [[80.0, 800_000.0]] in marked
    assert "2025-12-02" in ax.get_title()
    assert (tmp_path / "c.png").stat().st_size > 0


def test_curves_of_an_incomplete_ladder_say_the_note_and_draw_it_dashed(capsys, tmp_path):
    out_png = tmp_path / "b.png"
    code, out, err = run(capsys, "curves", "BTCUSDT", "--exchange", "bitget", "--leverage", "20",
                         "--out", str(out_png))  # fmt: skip
    assert code == 0 and err == ""
    note = lower_bound_note(load_snapshot("bitget", "BTCUSDT"), unit="USDT")
    assert f"note: {note} (drawn dashed)" in out.splitlines()
    with pytest.warns(lk.LadderWarning):
        fig = render_curves(load_snapshot("bitget", "BTCUSDT"), tmp_path / "again.png")
    dashed = [line for line in fig.axes[0].lines if line.get_linestyle() == "--"]
    assert dashed and dashed[0].get_xydata()[:, 0].min() == 1.0


def test_curves_leverage_above_the_top_exits_2_naming_it(capsys, tmp_path):
    out_png = tmp_path / "c.png"
    code, _, err = run(capsys, "curves", "BTC-USDT", "--exchange", "bingx", "--leverage", "500",
                       "--out", str(out_png))  # fmt: skip
    assert code == EXIT_USAGE and not out_png.exists()
    assert_one_line_error(err, "500x is above every curve's top: bingx BTC-USDT tops out at 150x")
    code, out, err = run(capsys, "curves", "BTCUSDT", "LTC-USDT", "--leverage", "120x",
                         "--out", str(out_png))  # fmt: skip
    assert code == 0, err  # 120x is within some curves: drawn, the others named
    assert "note: no 120x marker where " in out and "LTC" in out.split("no 120x marker")[1]


def test_curves_of_several_symbols_draw_one_curve_each(capsys, tmp_path):
    out_png = tmp_path / "many.png"
    code, out, _ = run(capsys, "curves", "BTCUSDT", "LTC-USDT", "--leverage", "20", "--out",
                       str(out_png), "--title", "mine")  # fmt: skip
    assert code == 0
    sizes = load_snapshot(None, ["BTCUSDT", "LTC-USDT"]).groupby(["exchange", "symbol"]).size()
    assert len(sizes) >= 4
    drawn = ", ".join(f"{ex} {sym} ({n} tiers)" for (ex, sym), n in sizes.items())
    assert out.splitlines()[0] == f"wrote {out_png}: {drawn}"
    assert out_png.stat().st_size > 0


def test_curves_live_on_a_signed_ladder(capsys, served, monkeypatch, tmp_path):
    sim, url = served
    set_keys(monkeypatch, "binance")
    out_png = tmp_path / "live.png"
    code, out, err = run(capsys, "curves", "BTCUSDT", "ETHUSDT", "--exchange", "binance",
                         "--source", "live", "--base-url", url, "--out", str(out_png))  # fmt: skip
    assert code == 0, err
    n_btc, n_eth = (len(sim_ladder(sim, "binance", s)) for s in ("BTCUSDT", "ETHUSDT"))
    assert out.strip() == (
        f"wrote {out_png}: binance BTCUSDT ({n_btc} tiers), binance ETHUSDT ({n_eth} tiers)"
    )
    assert out_png.stat().st_size > 5_000


@pytest.mark.parametrize("name", NO_LADDER)
def test_curves_live_without_an_api_ladder_draws_nothing(capsys, served, tmp_path, name):
    _, url = served
    code, _, err = run(capsys, "curves", venue(name).symbol_example, "--exchange", name,
                       "--source", "live", "--base-url", url, "--out", str(tmp_path / "x.png"))  # fmt: skip
    assert code == EXIT_RUNTIME
    assert "publishes no leverage ladder" in err and "Traceback" not in err
    assert not (tmp_path / "x.png").exists()


def test_curves_of_figures_without_leverage_exit_1(capsys, tmp_path):
    bands = tiers_frame({"exchange": "bybit", "symbol": "BTCUSDT", "max_notional": [3e5, 2e6],
                         "maintenance_margin_rate": [0.005, 0.01]}, source="api")  # fmt: skip
    write_snapshot(bands, tmp_path, source_text="t", as_of=TODAY, kind="leverage")
    code, _, err = run(capsys, "curves", "BTCUSDT", "--data-dir", str(tmp_path), "--out",
                       str(tmp_path / "x.png"))  # fmt: skip
    assert code == 1
    assert_one_line_error(err, "no leverage", "bybit BTCUSDT")
    assert not (tmp_path / "x.png").exists()


def test_curves_to_a_missing_directory_exit_1(capsys, tmp_path):
    code, _, err = run(capsys, "curves", "BTC-USDT", "--exchange", "bingx", "--out",
                       str(tmp_path / "no" / "such" / "dir" / "c.png"))  # fmt: skip
    assert code == 1
    assert_one_line_error(err, "c.png")


# --------------------------------------------------------------------------- snapshot


def user_dir() -> Path:
    return Path(os.environ["LEVKIT_DATA_DIR"])  # conftest: an empty folder per test


def store() -> Path:
    return user_dir() / "ladders.sqlite"


@pytest.mark.parametrize("name", PUBLIC)
def test_snapshot_saves_into_the_user_store_and_tiers_reads_it_back(capsys, served, name):
    sim, url = served
    symbol = venue(name).symbol_example
    code, out, err = run(capsys, "snapshot", "--exchange", name, "--symbols", symbol,
                         "--base-url", url)  # fmt: skip
    assert code == 0, err
    n = len(sim_ladder(sim, name, symbol))
    lines = out.splitlines()
    assert lines[0] == f"saved {name} {symbol} ({n} tiers) in {store()}"
    # what changed since the shipped version (or that nothing did)
    assert lines[1].startswith(("  no change since", "  1 changed since", "  first version"))
    assert lines[-1] == (
        f"the user snapshot folder {user_dir()} is read before levkit's shipped data "
        "(set LEVKIT_DATA_DIR to use another folder)"
    )
    back = load_snapshot(name, symbol)  # the newest version: just saved
    assert back.attrs["snapshot_file"] == str(store())
    complete = bool(lk.ladders(sim_ladder(sim, name, symbol))["complete"].all())
    assert back["as_of"].str.startswith(TODAY).all()
    assert (back["complete"] == complete).all()  # saved as complete as what was read
    ladder = venue(name).endpoint("ladder")
    assert back["source"].unique().tolist() == [
        f"{venue(name).title} {ladder.method} {ladder.path} at {url} via levkit snapshot"
    ]
    code, out, err = run(capsys, "tiers", symbol, "--exchange", name)
    assert code == 0 and err == "" and "STALE" not in out and ("note:" in out) is not complete
    assert out.startswith(f"{name} {symbol}: {n} tiers, snapshot as of {TODAY}")


def test_snapshot_of_a_signed_ladder_uses_the_keys_and_out_dir_overrides(capsys, served,
                                                                          monkeypatch, tmp_path):  # fmt: skip
    _, url = served
    argv = ["snapshot", "--exchange", "binance", "--symbols", "BTC", "ETH-USDT", "--base-url",
            url, "--out-dir", str(tmp_path)]  # fmt: skip
    code, _, err = run(capsys, *argv)
    assert code == EXIT_RUNTIME
    assert_one_line_error(err, "BINANCE_API_KEY")
    assert list(tmp_path.iterdir()) == []
    set_keys(monkeypatch, "binance")
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    assert out.splitlines()[0] == (
        f"saved binance BTCUSDT (12 tiers), ETHUSDT (12 tiers) in {tmp_path / 'ladders.sqlite'}"
    )
    assert out.splitlines()[1] == "  first version of 2 ladder(s) in this store"
    assert f"read it with --data-dir {tmp_path}" in out
    assert list(user_dir().iterdir()) == []  # --out-dir: the user folder is left alone
    assert set(load_snapshot("binance", path=tmp_path)["symbol"]) == {"BTCUSDT", "ETHUSDT"}


def test_snapshot_refreshes_the_symbols_of_a_0_2_folder_and_changes_no_file(capsys, served,
                                                                            tmp_path):  # fmt: skip
    _, url = served
    for name in ("bybit", "bingx"):  # a 0.2 folder: one CSV file per venue
        (tmp_path / name).mkdir()
        shutil.copy(REPO / "data" / name / "tiers.csv", tmp_path / name / "tiers.csv")
    files = {p: p.read_bytes() for p in tmp_path.glob("*/tiers.csv")}
    before = load_snapshot(path=tmp_path)
    code, out, err = run(capsys, "snapshot", "--exchange", "bybit", "--out-dir", str(tmp_path),
                         "--base-url", url)  # fmt: skip
    assert code == 0, err
    assert {p: p.read_bytes() for p in tmp_path.glob("*/tiers.csv")} == files  # read, not changed
    after = load_snapshot(path=tmp_path)
    pd.testing.assert_frame_equal(
        after[after.exchange == "bingx"].reset_index(drop=True)[list(SNAPSHOT_COLUMNS)],
        before[before.exchange == "bingx"].reset_index(drop=True)[list(SNAPSHOT_COLUMNS)],
    )
    bybit = after[after.exchange == "bybit"]
    assert set(bybit["symbol"]) == set(before.loc[before.exchange == "bybit", "symbol"])
    assert bybit["source"].str.contains(f"at {url}").all()
    assert bybit["as_of"].str.startswith(TODAY).all()
    # the simulator serves the same ladder: one version, seen again today
    hist = lk.ladder_history("bybit", "LTCUSDT", path=tmp_path)
    assert hist["as_of"].dt.strftime("%Y-%m-%d").unique().tolist() == ["2026-05-18"]
    assert hist["last_seen"].dt.strftime("%Y-%m-%d").unique().tolist() == [TODAY]


def test_snapshot_without_exchange_goes_over_the_registry(capsys, served):
    _, url = served
    code, out, err = run(capsys, "snapshot", "--symbols", "BTC", "--base-url", url)
    assert code == 0, err
    saved = {line.split()[1] for line in out.splitlines() if line.startswith("saved ")}
    skipped = {line.split()[3].rstrip(":") for line in err.splitlines() if "skipping" in line}
    assert saved == set(PUBLIC)
    assert skipped == set(lk.exchanges().index) - set(PUBLIC)  # signed (no keys), probe, none
    index = snapshot_index()
    users = index[index["file"] == str(store())]
    assert set(users["exchange"]) == set(PUBLIC)


def test_snapshot_all_reads_the_whole_listing_and_records_removals(capsys, served, tmp_path):
    sim, url = served
    frame = lk.fetch_risk_limits("gate", "BTC_USDT", session=sim.session())
    gone = frame.assign(symbol="GONE_USDT")  # a ladder the exchange no longer lists
    lk.save_snapshot(pd.concat([frame, gone], ignore_index=True), tmp_path, as_of="2026-01-01")
    code, out, err = run(capsys, "snapshot", "--exchange", "gate", "--all", "--out-dir",
                         str(tmp_path), "--base-url", url)  # fmt: skip
    assert code == 0, err
    assert "GONE_USDT: removed (was" in out
    with pytest.raises(SnapshotError, match="GONE_USDT' was removed from the listing"):
        load_snapshot("gate", "GONE_USDT", path=tmp_path)
    table = lk.changes(since="1d", exchange="gateio", path=tmp_path)
    assert table.loc[table["symbol"] == "GONE_USDT", "change"].tolist() == ["removed"]


@pytest.mark.parametrize("name", PROBE)
def test_snapshot_probe_saves_the_discovered_ladder(capsys, served, monkeypatch, name):
    sim, url = served
    symbol = venue(name).symbol_example
    argv = ["snapshot", "--exchange", name, "--symbols", symbol, "--base-url", url]
    code, _, err = run(capsys, *argv)  # no --probe: explained, nothing sent
    assert code == EXIT_USAGE
    assert_one_line_error(err, "probing your account", "--probe", "puts your original leverage")
    code, _, err = run(capsys, *argv, "--probe")  # no keys: the client names the variables
    assert code == EXIT_RUNTIME
    assert_one_line_error(err, f"{venue(name).env_prefix}_API_KEY")
    assert list(user_dir().iterdir()) == []
    set_keys(monkeypatch, name)
    code, out, err = run(capsys, *argv, "--probe")
    assert code == 0, err
    back = load_snapshot(name, symbol)
    assert back["source"].iloc[0].startswith(f"{venue(name).title} probe of ")
    lad = sim.ladder(name, symbol)  # what the simulated exchange really holds
    assert back["max_notional"].tolist() == list(lad.caps)
    assert back["max_leverage"].tolist() == list(lad.max_leverage)
    assert out.startswith(f"saved {name} {symbol} (")


@pytest.mark.parametrize("name", MARGIN)
def test_snapshot_margin_kind_saves_margin_bands(capsys, served, monkeypatch, tmp_path, name):
    _, url = served
    set_keys(monkeypatch, name)
    symbol = venue(name).symbol_example
    code, out, err = run(capsys, "snapshot", "--exchange", name, "--kind", "margin",
                         "--symbols", symbol, "--out-dir", str(tmp_path), "--base-url", url)  # fmt: skip
    assert code == 0, err
    bands = load_snapshot(name, symbol, kind="margin", path=tmp_path)
    assert bands["max_leverage"].isna().all() and bands["maintenance_margin_rate"].notna().all()
    with pytest.raises(SnapshotError):
        load_snapshot(name, symbol, path=tmp_path)  # saved as bands, not as a ladder


def test_snapshot_failure_midway_keeps_the_ladders_fetched(capsys, served, tmp_path):
    sim, url = served
    sim.inject("status", path=venue("bybit").endpoint("ladder").path, status=418, on_call=2)
    code, out, err = run(capsys, "snapshot", "--exchange", "bybit", "--symbols", "BTCUSDT",
                         "LTCUSDT", "--out-dir", str(tmp_path), "--base-url", url)  # fmt: skip
    assert code == EXIT_RUNTIME
    lines = err.splitlines()
    assert lines[0].startswith("levkit: error: bybit LTCUSDT: ") and "418" in lines[0]
    assert lines[1] == "levkit: error: 1 failed; the 1 other ladder(s) were saved"
    assert out.startswith(f"saved bybit BTCUSDT (3 tiers) in {tmp_path / 'ladders.sqlite'}")
    assert set(load_snapshot("bybit", path=tmp_path)["symbol"]) == {"BTCUSDT"}


def test_snapshot_when_every_ladder_fails_saves_nothing_and_exits_1(capsys, served, tmp_path):
    sim, url = served
    sim.inject("status", path=venue("bybit").endpoint("ladder").path, status=418, on_call=1)
    code, out, err = run(capsys, "snapshot", "--exchange", "bybit", "--symbols", "BTCUSDT",
                         "--out-dir", str(tmp_path), "--base-url", url)  # fmt: skip
    assert code == EXIT_RUNTIME and out == ""
    assert_one_line_error(err, "bybit BTCUSDT", "418")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        *[(["--exchange", n, "--kind", "margin"], f"not {n}") for n in NO_MARGIN],
        *[(["--exchange", n, "--probe"], f"not {n}") for n in NO_PROBE],
        (["--kind", "margin", "--probe"], "--probe goes with"),
        (["--all", "--symbols", "BTC"], "not allowed with"),
    ],
)
def test_snapshot_argument_conflicts_exit_2(capsys, tmp_path, argv, needle):
    code, _, err = run(capsys, "snapshot", *argv, "--out-dir", str(tmp_path))
    assert code == 2
    assert_one_line_error(err, needle)
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- list


def test_list_shows_every_ladder_in_the_snapshot(capsys):
    code, out, _ = run(capsys, "list")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 1 + len(snapshot_index())
    assert lines[-1].split() == ["margin", "bingx", "BTC-USDT", "2", "-", "900,000", "2024-05-22",
                                 "no", "shipped"]  # fmt: skip
    assert ["leverage", "bybit", "LTCUSDT", "29", "50x", "9,400,000", "2026-05-18", "no",
            "shipped"] in [line.split() for line in lines]  # fmt: skip


def test_list_says_which_ladders_come_from_the_user_folder(capsys):
    lk.save_snapshot(ladder_frame("LTCUSDT"), as_of=TODAY)
    code, out, _ = run(capsys, "list")
    assert code == 0
    rows = [line.split() for line in out.splitlines() if " bybit " in line and "LTCUSDT" in line]
    assert rows == [
        ["leverage", "bybit", "LTCUSDT", "2", "150x", "2,000,000", TODAY, "yes", "user"]
    ]
