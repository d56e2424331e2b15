"""The shipped snapshot (data/) and lk.load_snapshot / write_snapshot."""

from __future__ import annotations

import shutil
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import levkit as lk
from levkit import snapshot
from levkit.errors import LevkitError, ParseError
from levkit.frames import TIERS_COLUMNS, tiers_frame
from levkit.snapshot import SNAPSHOT_COLUMNS, SnapshotError, load_snapshot, write_snapshot

from ._ladders import BINGX_BTC

REPO = Path(__file__).resolve().parents[1]

BINGX_PAIRS = {
    "ADA-USDT": 10, "AR-USDT": 10, "ATOM-USDT": 10, "AVAX-USDT": 10, "BNB-USDT": 15,
    "BTC-USDT": 12, "DOGE-USDT": 17, "ETH-USDT": 12, "LINK-USDT": 10, "LTC-USDT": 10,
    "OP-USDT": 10, "SHIB-USDT": 10, "SOL-USDT": 10, "UNI-USDT": 10, "XRP-USDT": 13,
}  # fmt: skip


# --------------------------------------------------------------------------- shipped data


def test_public_name_is_the_snapshot_loader():
    assert lk.load_snapshot is load_snapshot


def test_bingx_btc_ladder_is_the_website_table():
    tiers = load_snapshot("bingx", "BTC-USDT")
    got = list(zip(tiers["max_leverage"], tiers["max_notional"], strict=True))
    assert got == [(float(a), float(b)) for a, b in BINGX_BTC]
    assert tiers["tier"].tolist() == list(range(1, 13))
    assert tiers["min_notional"].tolist() == [0.0] + [float(b) for _, b in BINGX_BTC[:-1]]
    assert tiers["maintenance_margin_rate"].isna().all()
    assert tiers["initial_margin_rate"].isna().all()
    assert (tiers["mm_deduction"] == 0).all()  # empty in the file, 0 in a tiers frame


def test_bingx_has_the_fifteen_website_pairs_with_their_tier_counts():
    tiers = load_snapshot("bingx")
    assert tiers.groupby("symbol").size().to_dict() == BINGX_PAIRS
    assert (tiers["as_of"] == "2025-12-02").all()
    assert (tiers["notional_unit"] == "USDT").all()
    assert (tiers["category"] == "linear").all()


def test_bybit_ltc_leverage_is_one_over_initial_rate_rounded_like_bybit():
    tiers = load_snapshot("bybit", "LTCUSDT")
    assert len(tiers) == 29  # the 30th band's cap is unknown and left out
    assert tiers["max_notional"].iloc[-1] == 9_400_000
    expected = np.round(1 / tiers["initial_margin_rate"].to_numpy(), 2)
    np.testing.assert_array_equal(tiers["max_leverage"].to_numpy(), expected)
    assert tiers["max_leverage"].iloc[:3].tolist() == [50.0, 33.33, 25.0]
    assert tiers["max_leverage"].iloc[-1] == 2.0
    # maintenance margin = V x rate - deduction is continuous across each boundary
    cap = tiers["max_notional"].to_numpy()[:-1]
    below = cap * tiers["maintenance_margin_rate"].to_numpy()[:-1] - tiers["mm_deduction"].iloc[:-1]
    above = cap * tiers["maintenance_margin_rate"].to_numpy()[1:] - tiers["mm_deduction"].iloc[1:]
    np.testing.assert_allclose(below.to_numpy(), above.to_numpy(), rtol=0, atol=1e-6)
    assert tiers.attrs["as_of"] == pd.Timestamp("2026-05-18", tz="UTC")


def test_bybit_btc_newest_is_the_complete_35_tier_ladder_of_2026_02_26():
    tiers = load_snapshot("bybit", "BTCUSDT")
    assert len(tiers) == 35 and bool(tiers["complete"].all())
    assert tiers["as_of"].iloc[0] == "2026-02-26T06:44:38+00:00"
    cols = ["max_notional", "max_leverage", "maintenance_margin_rate", "initial_margin_rate",
            "mm_deduction"]  # fmt: skip
    assert tiers[cols].iloc[[0, 1, -1]].values.tolist() == [
        [2_000_000, 100, 0.005, 0.01, 0],
        [2_600_000, 90, 0.0056, 0.0111, 1200],
        [1_200_000_000, 1, 0.6, 1, 226_382_000],
    ]
    # the deductions are the continuity recursion of the caps and rates (Bybit's own)
    cap, mmr = tiers["max_notional"].to_numpy(), tiers["maintenance_margin_rate"].to_numpy()
    np.testing.assert_allclose(
        tiers["mm_deduction"].to_numpy()[1:],
        np.cumsum(cap[:-1] * np.diff(mmr)),
        rtol=1e-9,
    )


def test_bybit_btc_three_published_2026_tiers_stay_as_an_older_version():
    hist = lk.ladder_history("bybit", "BTCUSDT")
    dates = hist.groupby("as_of")["tier"].size()
    assert dates.to_dict() == {
        pd.Timestamp("2026-01-01", tz="UTC"): 3,  # "2026": only the year is known
        pd.Timestamp("2026-02-26 06:44:38", tz="UTC"): 35,
    }
    three = hist[hist["as_of"] == pd.Timestamp("2026", tz="UTC")]
    assert three["max_notional"].tolist() == [300_000, 2_000_000, 2_600_000]
    assert not three["complete"].any()


def test_bingx_margin_bands_are_the_btc_doc_example_without_leverage():
    bands = load_snapshot("bingx", "BTC-USDT", kind="margin")
    assert bands["max_notional"].tolist() == [150_000, 900_000]
    assert bands["maintenance_margin_rate"].tolist() == [0.0038, 0.004]
    assert bands["mm_deduction"].tolist() == [0, 30]
    assert bands["max_leverage"].isna().all()
    assert bands.attrs["as_of"] == pd.Timestamp("2024-05-22", tz="UTC")
    assert bands.attrs["snapshot_kind"] == "margin"


def test_no_eth_margin_bands_are_invented():
    with pytest.raises(SnapshotError, match="BTC-USDT"):
        load_snapshot("bingx", "ETH-USDT", kind="margin")


def test_shipped_ladders_load_without_ladder_warnings_and_name_their_source():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        snapshot._read._csv_cached.cache_clear()
        for kind in ("leverage", "margin"):
            tiers = load_snapshot(kind=kind)
            assert tiers["source"].str.len().gt(10).all()
            assert tiers["as_of"].notna().all()


def test_shipped_files_hold_the_snapshot_columns_in_order():
    for name in ("bybit/tiers.csv", "bingx/tiers.csv", "bingx/margin_bands.csv"):
        header = (REPO / "data" / name).read_text(encoding="utf-8").splitlines()[0]
        assert header.split(",") == list(SNAPSHOT_COLUMNS)
    assert (REPO / "data" / "README.md").is_file()


# --------------------------------------------------------------------------- the frame


def test_frame_has_tiers_columns_dtypes_and_snapshot_attrs():
    tiers = load_snapshot("bingx", "ETH-USDT")
    assert list(tiers.columns) == list(SNAPSHOT_COLUMNS)
    assert list(tiers.columns[: len(TIERS_COLUMNS)]) == list(TIERS_COLUMNS)
    assert tiers["tier"].dtype == "int64"
    for col in TIERS_COLUMNS[3:]:
        assert tiers[col].dtype == "float64", col
    assert tiers.attrs["source"] == "snapshot"
    assert tiers.attrs["fetched_at"] == pd.Timestamp("2025-12-02", tz="UTC")
    assert str(tiers.attrs["fetched_at"].tz) == "UTC"
    assert tiers.attrs["as_of"] == pd.Timestamp("2025-12-02", tz="UTC")
    assert tiers.index.tolist() == list(range(len(tiers)))


@pytest.mark.parametrize("spelling", ["BTC-USDT", "BTCUSDT", "btcusdt", "BTC/USDT:USDT"])
def test_symbol_is_accepted_in_any_spelling(spelling):
    assert load_snapshot("bingx", spelling)["symbol"].unique().tolist() == ["BTC-USDT"]
    assert load_snapshot("bybit", spelling)["symbol"].unique().tolist() == ["BTCUSDT"]


def test_exchange_none_matches_the_symbol_on_every_exchange():
    tiers = load_snapshot(symbol="LTC")  # the base asset: each venue's perpetual
    pairs = tiers[["exchange", "symbol"]].drop_duplicates().values.tolist()
    assert pairs == [["binance", "LTCUSDT"], ["bingx", "LTC-USDT"], ["bybit", "LTCUSDT"],
                     ["hyperliquid", "LTC"]]  # fmt: skip
    # a USDT symbol names no Hyperliquid perp (USDC-settled): skipped there, not substituted
    usdt = load_snapshot(symbol="LTC-USDT")
    assert usdt[["exchange", "symbol"]].drop_duplicates().values.tolist() == pairs[:3]
    # the oldest figures date the whole frame
    assert tiers.attrs["as_of"] == pd.Timestamp("2025-12-02", tz="UTC")


def test_exchange_is_case_insensitive_and_a_list_of_symbols_works():
    tiers = load_snapshot("BingX", ["BTCUSDT", "eth-usdt"])
    assert tiers["symbol"].unique().tolist() == ["BTC-USDT", "ETH-USDT"]


def test_no_arguments_give_the_newest_version_of_every_ladder():
    tiers = load_snapshot()
    ladders = tiers.groupby("exchange")["symbol"].nunique().to_dict()
    assert ladders["binance"] == 716  # the 2026-05-01 listing: 712 perpetuals, 4 quarterlies
    assert ladders["hyperliquid"] == 229 - 39  # the listed perps of 2026-03-10 (HPOS delisted)
    # bybit: BTCUSDT, LTCUSDT and the coin-margined BTCUSD docs example (0.3)
    assert {"bingx": 15, "bybit": 3, "okx": 2, "bitget": 1}.items() <= ladders.items()
    assert ladders["binance-coinm"] == 1  # BTCUSD_PERP, the docs example
    assert ladders["gate"] == 3  # BTC_USDT, ZTX_USDT fragments and the complete AI16Z_USDT
    # one version per ladder, the newest
    assert not tiers.duplicated(["exchange", "symbol", "tier"]).any()
    assert set(tiers.loc[tiers["exchange"] == "binance", "as_of"]) == {"2026-05-01T04:57:36+00:00"}


def test_unknown_exchange_raises_listing_what_is_available():
    with pytest.raises(SnapshotError) as info:
        load_snapshot("no-such-venue", "BTCUSDT")
    assert isinstance(info.value, LevkitError) and isinstance(info.value, ValueError)
    assert "'no-such-venue'" in str(info.value)
    assert "bybit: BTCUSD, BTCUSDT, LTCUSDT" in str(info.value)
    assert "bingx: ADA-USDT" in str(info.value)
    assert "binance: 0GUSDT" in str(info.value) and "(716 symbols)" in str(info.value)


def test_unknown_symbol_raises_listing_that_exchanges_symbols():
    with pytest.raises(SnapshotError, match="no bybit leverage ladder for 'ETH-USDT'") as info:
        load_snapshot("bybit", "ETH-USDT")
    assert "available: bybit: BTCUSD, BTCUSDT, LTCUSDT" in str(info.value)
    assert "bingx" not in str(info.value).split("available:")[1]


def test_one_missing_symbol_in_a_list_raises_instead_of_a_partial_frame():
    with pytest.raises(SnapshotError, match="DOT-USDT"):
        load_snapshot("bingx", ["BTC-USDT", "DOT-USDT"])


def test_bybit_margin_bands_point_to_the_leverage_ladders():
    with pytest.raises(SnapshotError, match="kind='leverage'"):
        load_snapshot("bybit", kind="margin")


def test_unreadable_symbol_raises_a_levkit_value_error():
    with pytest.raises(LevkitError) as info:
        load_snapshot("bingx", "???")
    assert isinstance(info.value, ValueError)


def test_unknown_kind_raises():
    with pytest.raises(SnapshotError, match="kind"):
        load_snapshot(kind="funding")


def test_results_are_copies_and_each_file_is_parsed_once():
    snapshot._read._csv_cached.cache_clear()
    first = load_snapshot("bingx", "BTC-USDT")
    first.loc[0, "max_notional"] = -1.0
    first.attrs["as_of"] = "1999"
    second = load_snapshot("bingx", "BTC-USDT")
    assert second["max_notional"].iloc[0] == 300_000
    assert second.attrs["as_of"] == pd.Timestamp("2025-12-02", tz="UTC")
    load_snapshot("bybit")
    info = snapshot._read._csv_cached.cache_info()
    files = len(list(snapshot.data_dir().glob("*/*.csv")))
    assert info.misses == files  # each shipped 0.2 file parsed once, then served from the cache


# --------------------------------------------------------------------------- locating


def _fake_tree(root: Path, *dirs: str) -> Path:
    pkg = root / "levkit"
    pkg.mkdir(parents=True)
    for d in dirs:
        (root / d).mkdir(parents=True)
        (root / d / "bingx").mkdir()
        shutil.copy(REPO / "data" / "bingx" / "tiers.csv", root / d / "bingx" / "tiers.csv")
    return pkg / "snapshot" / "_files.py"


def test_wheel_data_dir_wins_over_the_checkout_data_dir(tmp_path, monkeypatch):
    fake = _fake_tree(tmp_path, "levkit/_data", "data")
    monkeypatch.setattr(snapshot._files, "__file__", str(fake))
    assert snapshot.data_dir() == tmp_path / "levkit" / "_data"


def test_checkout_data_dir_is_used_without_wheel_data(tmp_path, monkeypatch):
    fake = _fake_tree(tmp_path, "data")
    monkeypatch.setattr(snapshot._files, "__file__", str(fake))
    assert snapshot.data_dir() == tmp_path / "data"


def test_missing_data_raises_naming_where_it_looked(tmp_path, monkeypatch):
    fake = _fake_tree(tmp_path)
    monkeypatch.setattr(snapshot._files, "__file__", str(fake))
    with pytest.raises(SnapshotError, match="_data"):
        load_snapshot()


# --------------------------------------------------------------------------- writing


def _frame(symbol="BTCUSDT", caps=(1_000_000.0, 5_000_000.0), levs=(50.0, 20.0)):
    return tiers_frame(
        {
            "exchange": ["bybit"] * len(caps),
            "symbol": [symbol] * len(caps),
            "max_notional": list(caps),
            "max_leverage": list(levs),
            "maintenance_margin_rate": [0.01, 0.025][: len(caps)],
            "initial_margin_rate": [0.02, 0.05][: len(caps)],
            "mm_deduction": [0.0, 15_000.0][: len(caps)],
        },
        source="api",
    )


def test_write_then_load_round_trips(tmp_path):
    path = write_snapshot(_frame(), tmp_path, source_text="unit test", as_of="2026-06-01")
    assert path == tmp_path / "bybit" / "tiers.csv"  # one folder per venue
    back = load_snapshot("bybit", "BTCUSDT", path=tmp_path)
    assert back["complete"].tolist() == [True, True]  # an API answer is a whole ladder
    cols = list(TIERS_COLUMNS)
    pd.testing.assert_frame_equal(back[cols], _frame()[cols])
    assert back["source"].tolist() == ["unit test"] * 2
    assert back["category"].isna().all()  # not known from the frame
    assert back["notional_unit"].tolist() == ["USDT"] * 2
    assert back.attrs["as_of"] == pd.Timestamp("2026-06-01", tz="UTC")


def test_written_file_is_plain_readable_csv(tmp_path):
    path = write_snapshot(
        _frame(), tmp_path / "x.csv", source_text="a, b", as_of=pd.Timestamp("2026-06-01 23:00", tz="UTC"),
        category="linear",
    )  # fmt: skip
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(SNAPSHOT_COLUMNS)
    assert lines[1] == 'bybit,BTCUSDT,1,0,1000000,50,0.01,0.02,0,linear,USDT,true,"a, b",2026-06-01'
    assert lines[2].startswith("bybit,BTCUSDT,2,1000000,5000000,20,0.025,0.05,15000,")


def test_write_merges_replacing_only_the_pairs_written(tmp_path):
    write_snapshot(_frame("BTCUSDT"), tmp_path, source_text="old", as_of="2026-01-01")
    write_snapshot(_frame("ETHUSDT"), tmp_path, source_text="old", as_of="2026-01-01")
    new = _frame("BTCUSDT", caps=(2_000_000.0,), levs=(100.0,))
    write_snapshot(new, tmp_path, source_text="new", as_of="2026-02-01")
    back = load_snapshot(path=tmp_path)
    assert back.groupby("symbol")["source"].agg(set).to_dict() == {
        "BTCUSDT": {"new"},
        "ETHUSDT": {"old"},
    }
    assert back.loc[back.symbol == "BTCUSDT", "max_notional"].tolist() == [2_000_000]
    write_snapshot(new, tmp_path, source_text="only", as_of="2026-02-01", merge=False)
    assert load_snapshot(path=tmp_path)["symbol"].unique().tolist() == ["BTCUSDT"]


def test_rewritten_file_is_read_again_in_the_same_process(tmp_path):
    write_snapshot(_frame(), tmp_path, source_text="first", as_of="2026-01-01")
    assert load_snapshot(path=tmp_path)["source"].iloc[0] == "first"
    write_snapshot(_frame(), tmp_path, source_text="second, longer", as_of="2026-01-01")
    assert load_snapshot(path=tmp_path)["source"].iloc[0] == "second, longer"


def test_ladder_without_leverage_is_written_as_margin_bands(tmp_path):
    bands = _frame().assign(max_leverage=np.nan)
    path = write_snapshot(bands, tmp_path, source_text="maintMarginRatio", as_of="2026-01-01")
    assert path.name == "margin_bands.csv"
    assert load_snapshot(kind="margin", path=tmp_path)["max_leverage"].isna().all()


def test_deduction_is_left_blank_where_the_rate_is_unknown(tmp_path):
    web = _frame().assign(maintenance_margin_rate=np.nan)
    path = write_snapshot(web, tmp_path, source_text="website", as_of="2026-01-01")
    row = path.read_text(encoding="utf-8").splitlines()[2].split(",")
    assert row[SNAPSHOT_COLUMNS.index("mm_deduction")] == ""


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"source_text": " ", "as_of": "2026-01-01"}, "source_text"),
        ({"source_text": "x", "as_of": "yesterday"}, "as_of"),
        ({"source_text": "x", "as_of": 2026}, "as_of"),
    ],
)
def test_write_refuses_missing_source_or_bad_date(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        write_snapshot(_frame(), tmp_path, **kwargs)
    assert not (tmp_path / "tiers.csv").exists()


# --------------------------------------------------------------------------- bad files


def _write_text(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "tiers.csv"
    path.write_text(",".join(SNAPSHOT_COLUMNS) + "\n" + body, encoding="utf-8")
    return path


def test_file_with_a_gap_between_bands_is_refused(tmp_path):
    _write_text(
        tmp_path,
        "bybit,BTCUSDT,1,0,100,10,,,,linear,USDT,false,x,2026-01-01\n"
        "bybit,BTCUSDT,2,150,200,5,,,,linear,USDT,false,x,2026-01-01\n",
    )
    with pytest.raises(ParseError, match="BTCUSDT band ending at 200"):
        load_snapshot(path=tmp_path)


def test_file_with_a_bad_date_or_missing_columns_is_refused(tmp_path):
    _write_text(tmp_path, "bybit,BTCUSDT,1,0,100,10,,,,linear,USDT,x,01/02/2026\n")
    with pytest.raises(ParseError, match="as_of"):
        load_snapshot(path=tmp_path)
    (tmp_path / "tiers.csv").write_text("exchange,symbol\nbybit,BTCUSDT\n", encoding="utf-8")
    with pytest.raises(ParseError, match="missing columns"):
        load_snapshot(path=tmp_path)


def test_missing_snapshot_path_raises(tmp_path):
    with pytest.raises(SnapshotError, match="no snapshot file"):
        load_snapshot(path=tmp_path / "nowhere")


# --------------------------------------------------------------------------- the wheel


def test_wheel_carries_the_snapshot_and_loads_it_from_levkit_data(tmp_path):
    from hatchling.builders.wheel import WheelBuilder

    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(REPO / "pyproject.toml", src)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "_data")
    shutil.copytree(REPO / "levkit", src / "levkit", ignore=ignore)
    shutil.copytree(REPO / "data", src / "data", ignore=ignore)
    readme = REPO / "README.md"
    if readme.is_file():
        shutil.copy(readme, src)
    else:
        (src / "README.md").write_text("levkit\n", encoding="utf-8")
    wheel = Path(next(iter(WheelBuilder(str(src)).build(directory=str(tmp_path / "dist")))))

    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        zf.extractall(tmp_path / "site")
    for name in ("ladders.sqlite.gz", "bybit/tiers.csv", "bingx/tiers.csv",
                 "bingx/margin_bands.csv", "README.md"):  # fmt: skip
        assert f"levkit/_data/{name}" in names
    assert wheel.stat().st_size < 2_000_000  # the compressed history keeps the wheel small
    entry_points = next((tmp_path / "site").glob("levkit-*.dist-info/entry_points.txt")).read_text()
    assert "levkit = levkit.cli:main" in entry_points
    assert (tmp_path / "site" / "levkit" / "_data" / "bingx" / "tiers.csv").read_bytes() == (
        REPO / "data" / "bingx" / "tiers.csv"
    ).read_bytes()

    code = (
        "import levkit as lk; t = lk.load_snapshot('bingx', 'BTC-USDT'); "
        "print(t.attrs['snapshot_file']); print(len(t)); "
        "b = lk.load_snapshot('binance', 'BTCUSDT'); print(b.attrs['snapshot_file'].split()[-1])"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    where, count, history = run.stdout.split("\n")[:3]
    assert Path(where) == tmp_path / "site" / "levkit" / "_data" / "bingx" / "tiers.csv"
    assert count == "12"
    assert history == f"({tmp_path / 'site' / 'levkit' / '_data' / 'ladders.sqlite.gz'})"
