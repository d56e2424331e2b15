"""The ``levkit`` command line, run in-process with ``main([...])``.  No network: the live
paths go through a monkeypatched ``levkit.api``."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import requests

import levkit.api
from levkit.cli import main, render_curves
from levkit.errors import TransportError
from levkit.frames import tiers_frame
from levkit.snapshot import SNAPSHOT_COLUMNS, load_snapshot

REPO = Path(__file__).resolve().parents[1]
FETCHED = pd.Timestamp("2026-07-01 12:00", tz="UTC")

# BingX BTC-USDT website table, typed in: (max leverage, cap).
BINGX_BTC = [(150, 3e5), (100, 8e5), (75, 3e6), (50, 12e6), (25, 70e6), (20, 100e6),
             (10, 230e6), (5, 480e6), (4, 600e6), (3, 800e6), (2, 1.2e9), (1, 1.8e9)]  # fmt: skip


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


def bybit_frame(symbol: str = "BTCUSDT", *, leverage: bool = True) -> pd.DataFrame:
    return tiers_frame(
        {
            "exchange": ["bybit"] * 4,
            "symbol": [symbol] * 4,
            "max_notional": [300_000.0, 2_000_000.0, 2_600_000.0, 3_200_000.0],
            "max_leverage": [150.0, 100.0, 90.0, 80.0] if leverage else [np.nan] * 4,
            "maintenance_margin_rate": [0.0033, 0.005, 0.0056, 0.0063],
            "initial_margin_rate": [0.0066, 0.01, 0.0111, 0.0125],
            "mm_deduction": [0.0, 510.0, 1710.0, 3530.0],
            "category": ["linear"] * 4,
            "notional_unit": ["USDT"] * 4,
        },
        source="api",
        fetched_at=FETCHED,
    )


def bingx_bands(symbol: str = "ETH-USDT") -> pd.DataFrame:
    return tiers_frame(
        {
            "exchange": ["bingx"] * 2,
            "symbol": [symbol] * 2,
            "max_notional": [100_000.0, 500_000.0],
            "maintenance_margin_rate": [0.005, 0.01],
            "mm_deduction": [0.0, 500.0],
        },
        source="api",
        fetched_at=FETCHED,
    )


@pytest.fixture
def fetches(monkeypatch):
    """Record every fetch_risk_limits call; answer with a small ladder, never the network."""
    calls: list[tuple[str, str | None, dict]] = []

    def fake(exchange, symbol=None, **kwargs):
        calls.append((exchange, symbol, kwargs))
        if exchange == "bingx":
            return bingx_bands(symbol)
        return bybit_frame(levkit.symbols.normalize_symbol(symbol, "bybit"))

    monkeypatch.setattr(levkit.api, "fetch_risk_limits", fake)
    return calls


class FakeBingX:
    def __init__(self, has_keys: bool):
        self.has_keys = has_keys
        self.probed: list[str] = []

    def discover_tiers(self, symbol):
        self.probed.append(symbol)
        return tiers_frame(
            {"exchange": ["bingx"] * 2, "symbol": [symbol] * 2, "max_notional": [5e5, 2e6],
             "max_leverage": [125.0, 50.0]},
            source="probe",
            fetched_at=FETCHED,
        )  # fmt: skip


@pytest.fixture
def bingx_client(monkeypatch):
    made: list[tuple[FakeBingX, dict]] = []

    def factory(has_keys: bool):
        def client_for(exchange, **kwargs):
            assert exchange == "bingx"
            client = FakeBingX(has_keys)
            made.append((client, kwargs))
            return client

        monkeypatch.setattr(levkit.api, "client_for", client_for)
        return made

    return factory


# --------------------------------------------------------------------------- basics


def test_help_lists_the_commands_and_exits_zero(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for command in ("curves", "tiers", "snapshot", "list"):
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
    )
    assert proc.returncode == 2
    assert_one_line_error(proc.stderr, "nosuchcoin")


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        ([], "COMMAND"),
        (["fly"], "invalid choice"),
        (["curves", "BTC-USDT"], "--out"),
        (["curves", "BTC-USDT", "--exchange", "okx", "--out", "x.png"], "okx"),
        (["curves", "BTC-USDT", "--leverage", "0", "--out", "x.png"], ">= 1"),
        (["curves", "BTC-USDT", "--leverage", "lots", "--out", "x.png"], "lots"),
        (["curves", "BTC-USDT", "--leverage", "nan", "--out", "x.png"], "nan"),
        (["tiers", "BTC-USDT", "--source", "live"], "--exchange"),
        (["tiers", "BTC-USDT", "--base-url", "http://127.0.0.1:9"], "--source live"),
        (["tiers"], "SYMBOL"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(capsys, argv, needle, fetches):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert_one_line_error(err, needle)
    assert fetches == []


def test_unknown_symbol_exits_2_listing_the_snapshot(capsys):
    code, out, err = run(capsys, "tiers", "DOT-USDT", "--exchange", "bingx")
    assert code == 2 and out == ""
    assert_one_line_error(err, "'DOT-USDT'", "available: bingx: ADA-USDT", "XRP-USDT")


def test_unreadable_symbol_exits_2(capsys):
    code, _, err = run(capsys, "tiers", "B$C")
    assert code == 2
    assert_one_line_error(err, "B$C")


# --------------------------------------------------------------------------- tiers


def test_tiers_prints_the_bingx_ladder_as_a_table(capsys):
    code, out, err = run(capsys, "tiers", "BTCUSDT", "--exchange", "bingx")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "bingx BTC-USDT: 12 tiers, snapshot as of 2025-12-02"
    assert lines[1].startswith("source: BingX website table")
    assert lines[2].split()[:4] == ["tier", "from", "(USDT)", "to"]
    assert lines[3].split() == ["1", "0", "300,000", "150x", "-", "-", "-"]
    assert lines[-1].split() == ["12", "1,200,000,000", "1,800,000,000", "1x", "-", "-", "-"]


def test_tiers_shows_rates_as_percent(capsys):
    code, out, _ = run(capsys, "tiers", "BTC-USDT", "--exchange", "bybit")
    assert code == 0
    rows = [line.split() for line in out.splitlines()[3:]]
    assert rows == [
        ["1", "0", "300,000", "150x", "0.33%", "0.66%", "0"],
        ["2", "300,000", "2,000,000", "100x", "0.5%", "1%", "510"],
        ["3", "2,000,000", "2,600,000", "90x", "0.56%", "1.11%", "1,710"],
    ]


def test_tiers_without_exchange_shows_every_exchange(capsys):
    code, out, _ = run(capsys, "tiers", "LTC-USDT")
    assert code == 0
    assert "bingx LTC-USDT: 10 tiers" in out
    assert "bybit LTCUSDT: 29 tiers, snapshot as of 2026-05-18" in out
    assert "33.33x" in out


def test_tiers_margin_kind_shows_bands_without_leverage(capsys):
    code, out, _ = run(capsys, "tiers", "BTC-USDT", "--exchange", "bingx", "--kind", "margin")
    assert code == 0
    assert out.splitlines()[0] == (
        "bingx BTC-USDT: 2 margin bands (no leverage), snapshot as of 2024-05-22"
    )
    assert out.splitlines()[-1].split() == ["2", "150,000", "900,000", "-", "0.4%", "-", "30"]


def test_tiers_csv_is_the_snapshot_format(capsys):
    code, out, _ = run(capsys, "tiers", "ETH-USDT", "--exchange", "bingx", "--csv")
    assert code == 0
    frame = pd.read_csv(io.StringIO(out))
    assert list(frame.columns) == list(SNAPSHOT_COLUMNS)
    assert len(frame) == 12 and frame["max_notional"].iloc[-1] == 1.2e9


def test_tiers_reads_another_snapshot_dir(capsys, tmp_path):
    levkit.snapshot.write_snapshot(bybit_frame("ETHUSDT"), tmp_path, source_text="t", as_of="2026")
    code, out, _ = run(capsys, "tiers", "ETHUSDT", "--data-dir", str(tmp_path))
    assert code == 0
    assert out.startswith("bybit ETHUSDT: 4 tiers, snapshot as of 2026")


def test_tiers_live_fetches_through_the_api(capsys, fetches):
    code, out, _ = run(capsys, "tiers", "BTC-USDT", "--exchange", "bybit", "--source", "live",
                       "--base-url", "http://127.0.0.1:8765")  # fmt: skip
    assert code == 0
    assert fetches == [("bybit", "BTC-USDT", {"base_url": "http://127.0.0.1:8765"})]
    assert out.splitlines()[0] == (
        "bybit BTCUSDT: 4 tiers, fetched from api at 2026-07-01 12:00 UTC"
    )
    assert out.splitlines()[-1].split()[-1] == "3,530"


@pytest.mark.parametrize(
    "error",
    [
        TransportError("bybit /v5/market/risk-limit: timed out after 3 tries"),
        requests.ConnectionError("Failed to establish a new connection"),
    ],
)
def test_network_errors_exit_1_with_one_line(capsys, monkeypatch, error):
    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(levkit.api, "fetch_risk_limits", fail)
    code, out, err = run(capsys, "tiers", "BTCUSDT", "--exchange", "bybit", "--source", "live")
    assert code == 1 and out == ""
    assert_one_line_error(err, str(error).split()[0])


# --------------------------------------------------------------------------- curves


def test_curves_draws_the_bingx_ladder_offline(capsys, tmp_path, fetches):
    out_png = tmp_path / "c.png"
    code, out, err = run(capsys, "curves", "BTC-USDT", "--exchange", "bingx", "--out", str(out_png))
    assert code == 0, err
    assert out.strip() == f"wrote {out_png}: bingx BTC-USDT (12 tiers)"
    data = out_png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5_000
    assert fetches == []  # offline


def test_drawn_curve_is_the_real_bingx_ladder(tmp_path):
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


def test_curves_of_several_symbols_draw_one_curve_each(capsys, tmp_path):
    out_png = tmp_path / "many.png"
    code, out, _ = run(capsys, "curves", "BTCUSDT", "LTC-USDT", "--leverage", "20", "--out",
                       str(out_png), "--title", "mine")  # fmt: skip
    assert code == 0
    assert "bingx BTC-USDT (12 tiers), bingx LTC-USDT (10 tiers), bybit BTCUSDT (3 tiers), " \
           "bybit LTCUSDT (29 tiers)" in out  # fmt: skip
    assert out_png.stat().st_size > 0


def test_curves_live_bingx_explains_there_is_no_leverage(capsys, tmp_path, fetches):
    code, _, err = run(capsys, "curves", "BTC-USDT", "--exchange", "bingx", "--source", "live",
                       "--out", str(tmp_path / "x.png"))  # fmt: skip
    assert code == 2
    assert_one_line_error(err, "margin bands", "without leverage", "--source snapshot", "--probe")
    assert fetches == [] and not (tmp_path / "x.png").exists()


def test_curves_of_figures_without_leverage_exit_1(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(levkit.api, "fetch_risk_limits",
                        lambda ex, sym, **kw: bybit_frame(leverage=False))  # fmt: skip
    code, _, err = run(capsys, "curves", "BTCUSDT", "--exchange", "bybit", "--source", "live",
                       "--out", str(tmp_path / "x.png"))  # fmt: skip
    assert code == 1
    assert_one_line_error(err, "no leverage", "bybit BTCUSDT")
    assert not (tmp_path / "x.png").exists()


def test_curves_live_bybit_draws_the_fetched_ladder(capsys, tmp_path, fetches):
    out_png = tmp_path / "live.png"
    code, out, _ = run(capsys, "curves", "BTCUSDT", "ETHUSDT", "--exchange", "bybit", "--source",
                       "live", "--testnet", "--out", str(out_png))  # fmt: skip
    assert code == 0
    assert [(c[1], c[2]) for c in fetches] == [("BTCUSDT", {"testnet": True}),
                                               ("ETHUSDT", {"testnet": True})]  # fmt: skip
    assert "bybit BTCUSDT (4 tiers), bybit ETHUSDT (4 tiers)" in out
    assert out_png.stat().st_size > 0


def test_curves_to_a_missing_directory_exit_1(capsys, tmp_path):
    code, _, err = run(capsys, "curves", "BTC-USDT", "--exchange", "bingx", "--out",
                       str(tmp_path / "no" / "such" / "dir" / "c.png"))  # fmt: skip
    assert code == 1
    assert_one_line_error(err, "c.png")


# --------------------------------------------------------------------------- snapshot


def test_snapshot_bybit_writes_the_fetched_ladder(capsys, tmp_path, fetches):
    code, out, err = run(capsys, "snapshot", "--exchange", "bybit", "--symbols", "BTC-USDT",
                         "--out-dir", str(tmp_path))  # fmt: skip
    assert code == 0, err
    assert fetches == [("bybit", "BTC-USDT", {})]
    assert out.strip() == f"wrote {tmp_path / 'bybit' / 'tiers.csv'}: bybit BTCUSDT (4 tiers)"
    back = load_snapshot("bybit", "BTCUSDT", path=tmp_path)
    assert back["max_notional"].tolist() == [3e5, 2e6, 2.6e6, 3.2e6]
    assert back["source"].unique().tolist() == [
        "Bybit GET /v5/market/risk-limit via levkit snapshot"
    ]
    assert back["as_of"].unique().tolist() == ["2026-07-01"]
    assert back["category"].unique().tolist() == ["linear"]


def test_snapshot_refreshes_the_symbols_already_there_and_keeps_the_rest(capsys, tmp_path, fetches):
    for venue in ("bybit", "bingx"):  # one folder per venue
        (tmp_path / venue).mkdir()
        shutil.copy(REPO / "data" / venue / "tiers.csv", tmp_path / venue / "tiers.csv")
    before = load_snapshot(path=tmp_path)
    code, _, err = run(capsys, "snapshot", "--out-dir", str(tmp_path), "--base-url",
                       "http://127.0.0.1:8765")  # fmt: skip
    assert code == 0
    assert err.startswith("levkit: note: skipping bingx")  # no --probe: BingX left alone
    assert [(c[0], c[1]) for c in fetches] == [("bybit", "BTCUSDT"), ("bybit", "LTCUSDT")]
    after = load_snapshot(path=tmp_path)
    pd.testing.assert_frame_equal(
        after[after.exchange == "bingx"].reset_index(drop=True),
        before[before.exchange == "bingx"].reset_index(drop=True),
    )
    bybit = after[after.exchange == "bybit"]
    assert bybit.groupby("symbol").size().to_dict() == {"BTCUSDT": 4, "LTCUSDT": 4}
    assert bybit["source"].str.contains("at http://127.0.0.1:8765").all()


def test_snapshot_bingx_ladder_needs_probe(capsys, tmp_path, fetches, bingx_client):
    made = bingx_client(has_keys=True)
    code, _, err = run(capsys, "snapshot", "--exchange", "bingx", "--out-dir", str(tmp_path))
    assert code == 2
    assert_one_line_error(err, "probing your account", "--probe", "puts your original leverage")
    assert made == [] and fetches == []
    assert list(tmp_path.iterdir()) == []


def test_snapshot_bingx_probe_without_keys_exits_1_naming_the_variables(
    capsys, tmp_path, bingx_client
):
    bingx_client(has_keys=False)
    code, _, err = run(capsys, "snapshot", "--exchange", "bingx", "--probe", "--symbols",
                       "BTC-USDT", "--out-dir", str(tmp_path))  # fmt: skip
    assert code == 1
    assert_one_line_error(err, "BINGX_API_KEY", "BINGX_API_SECRET")
    assert list(tmp_path.iterdir()) == []


def test_snapshot_bingx_probe_writes_the_discovered_ladder(capsys, tmp_path, bingx_client):
    made = bingx_client(has_keys=True)
    code, out, _ = run(capsys, "snapshot", "--exchange", "bingx", "--probe", "--symbols",
                       "BTC-USDT", "SOL-USDT", "--out-dir", str(tmp_path), "--base-url",
                       "http://127.0.0.1:8765")  # fmt: skip
    assert code == 0
    client, kwargs = made[0]
    assert client.probed == ["BTC-USDT", "SOL-USDT"]
    assert kwargs == {"base_url": "http://127.0.0.1:8765"}
    back = load_snapshot("bingx", path=tmp_path)
    assert back.groupby("symbol").size().to_dict() == {"BTC-USDT": 2, "SOL-USDT": 2}
    assert back["source"].iloc[0].startswith("BingX probe of POST /openApi/swap/v2/trade/leverage")
    assert "bingx BTC-USDT (2 tiers), SOL-USDT (2 tiers)" in out


def test_snapshot_bingx_margin_writes_margin_bands(capsys, tmp_path, fetches, bingx_client):
    bingx_client(has_keys=True)
    code, out, _ = run(capsys, "snapshot", "--exchange", "bingx", "--kind", "margin",
                       "--symbols", "ETH-USDT", "--out-dir", str(tmp_path))  # fmt: skip
    assert code == 0
    assert fetches == [("bingx", "ETH-USDT", {})]
    assert (tmp_path / "bingx" / "margin_bands.csv").is_file()
    assert not (tmp_path / "bingx" / "tiers.csv").exists()
    bands = load_snapshot("bingx", "ETH-USDT", kind="margin", path=tmp_path)
    assert bands["maintenance_margin_rate"].tolist() == [0.005, 0.01]
    assert bands["max_leverage"].isna().all()


def test_snapshot_failure_midway_writes_nothing(capsys, tmp_path, monkeypatch):
    (tmp_path / "bybit").mkdir()
    shutil.copy(REPO / "data" / "bybit" / "tiers.csv", tmp_path / "bybit" / "tiers.csv")
    before = (tmp_path / "bybit" / "tiers.csv").read_bytes()
    calls = []

    def flaky(exchange, symbol=None, **kwargs):
        calls.append(symbol)
        if len(calls) == 2:
            raise TransportError("bybit /v5/market/risk-limit: connection reset")
        return bybit_frame(symbol)

    monkeypatch.setattr(levkit.api, "fetch_risk_limits", flaky)
    code, _, err = run(capsys, "snapshot", "--exchange", "bybit", "--out-dir", str(tmp_path))
    assert code == 1
    assert_one_line_error(err, "connection reset")
    assert (tmp_path / "bybit" / "tiers.csv").read_bytes() == before


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--exchange", "bybit", "--kind", "margin"], "Bybit's margin rates"),
        (["--exchange", "bingx", "--kind", "margin", "--probe"], "--probe goes with"),
    ],
)
def test_snapshot_argument_conflicts_exit_2(capsys, tmp_path, fetches, argv, needle):
    code, _, err = run(capsys, "snapshot", *argv, "--out-dir", str(tmp_path))
    assert code == 2
    assert_one_line_error(err, needle)
    assert fetches == []


# --------------------------------------------------------------------------- list


def test_list_shows_every_ladder_in_the_snapshot(capsys):
    code, out, _ = run(capsys, "list")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 1 + 17 + 1
    assert lines[-1].split() == ["margin", "bingx", "BTC-USDT", "2", "-", "900,000", "2024-05-22"]
    assert ["leverage", "bybit", "LTCUSDT", "29", "50x", "9,400,000", "2026-05-18"] in [
        line.split() for line in lines
    ]
