"""The snapshot store: every frame kind saves and loads back equal, saves append and are
atomic, damaged files are skipped and named, 0.2 folders are read, names never become paths.

``conftest`` gives each test an empty user folder (``LEVKIT_DATA_DIR``)."""

from __future__ import annotations

import math
import os
import sqlite3
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import levkit as lk
from levkit.frames import tiers_frame
from levkit.sim import DEMO_KEY, DEMO_SECRET, Simulator
from levkit.snapshot import (
    STORE_FILE,
    SnapshotError,
    SnapshotFileWarning,
    load_snapshot,
    save_snapshot,
    write_snapshot,
)

REPO = Path(__file__).resolve().parents[1]


def user() -> Path:
    return Path(os.environ["LEVKIT_DATA_DIR"])


def ladder(symbol="BTCUSDT", caps=(1e6, 5e6), levs=(50.0, 20.0), exchange="bybit", **cols):
    n = len(caps)
    return tiers_frame(
        {"exchange": exchange, "symbol": symbol, "max_notional": list(caps),
         "max_leverage": list(levs), "maintenance_margin_rate": [0.01, 0.025, 0.05][:n],
         "initial_margin_rate": [1 / lv for lv in levs], **cols},
        source="api",
    )  # fmt: skip


def assert_round_trip(frame: pd.DataFrame, back: pd.DataFrame) -> None:
    """The loaded frame holds every column of ``frame``, in its order, with its dtype and
    values (and the store's labels after them)."""
    cols = list(frame.columns)
    assert [c for c in back.columns if c in cols] == cols
    pd.testing.assert_frame_equal(back[cols], frame.reset_index(drop=True), check_exact=True)


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", lk.LadderWarning)
        return fn(*args, **kwargs)


# --------------------------------------------------------------------------- round trips


def test_many_venue_fetch_round_trips_with_its_errors():
    s = Simulator().session()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = lk.fetch_risk_limits(["okx", "gate", "bingx", "binance", "hyperliquid", "bybit"],
                                     "BTC", session=s, progress=False)  # fmt: skip
    assert {"origin", "complete", "as_of", "source"} <= set(frame.columns)
    path = save_snapshot(frame)
    assert path == user() / STORE_FILE
    back = quiet(load_snapshot, symbol="BTC", path=user())
    assert_round_trip(frame, back)
    assert back.attrs["errors"] == frame.attrs["errors"]  # bingx, binance: why they failed
    assert back.attrs["origins"] == frame.attrs["origins"]
    assert back.attrs["saved_source"] == "simulator" and back.attrs["source"] == "snapshot"
    # the bug of 0.2: a full timestamp as_of broke every later read
    assert len(quiet(load_snapshot)) > len(frame)
    assert back["as_of"].iloc[0] == frame["as_of"].iloc[0]  # ISO timestamp, as saved


def test_from_ccxt_frame_round_trips_with_ccxt_missing():
    from tests.test_ccxt_bridge import Fake, quote_tiers

    fake = Fake(quote_tiers())
    fake.id = "bybit"  # ccxt's unified fields (no deduction): the road that lists what is missing
    frame = lk.from_ccxt(fake)
    save_snapshot(frame, as_of="2026-06-01")
    back = load_snapshot("bybit", path=user())
    assert_round_trip(frame, back)
    assert back.attrs["ccxt_missing"] == ["mm_deduction"]
    assert back["as_of"].unique().tolist() == ["2026-06-01"]


def test_probe_margin_bands_and_merge_tiers_round_trip(tmp_path):
    sim = Simulator()
    client = lk.BingX(api_key=DEMO_KEY, api_secret=DEMO_SECRET, session=sim.session())
    probe = client.discover_tiers("BTC-USDT", progress=False)
    bands = client.margin_bands("BTC-USDT")
    merged = lk.merge_tiers(probe, bands)
    for frame, kind in ((probe, "leverage"), (bands, "margin"), (merged, "leverage")):
        folder = tmp_path / f"{kind}-{len(frame.columns)}"
        save_snapshot(frame, folder)
        back = load_snapshot("bingx", "BTC-USDT", kind=kind, path=folder)
        assert_round_trip(frame, back)
    back = load_snapshot("bingx", "BTC-USDT", path=tmp_path / f"leverage-{len(probe.columns)}")
    assert (
        back.attrs["saved_source"] == "probe" and back.attrs["strategy"] == probe.attrs["strategy"]
    )
    assert back.attrs["margin_bands"] == probe.attrs["margin_bands"]


def test_binance_api_frame_round_trips_with_its_extra_columns():
    from levkit.venues.binance.parse import parse_brackets

    frame = parse_brackets([{"symbol": "ETHUSDT", "notionalCoef": 1.5, "brackets": [
        {"bracket": 1, "initialLeverage": 75, "notionalCap": 10000, "notionalFloor": 0,
         "maintMarginRatio": 0.0065, "cum": 0.0},
        {"bracket": 2, "initialLeverage": 50, "notionalCap": 50000, "notionalFloor": 10000,
         "maintMarginRatio": 0.01, "cum": 35.0}]}])  # fmt: skip
    save_snapshot(frame)
    back = load_snapshot("binance", "ETHUSDT", path=user())
    assert_round_trip(frame, back)
    assert back.attrs["notional_coef"] == frame.attrs["notional_coef"]


EXTRA = st.sampled_from(["float", "str", "Int64", "bool_object", "none"])


@st.composite
def frames(draw):
    """Random ladders: 1-3 venues (registry names and a ccxt id), 1-3 symbols each, 1-6
    tiers, NaN rates, an open top tier, and an extra column of some dtype."""
    rows = []
    for ex in draw(st.lists(st.sampled_from(["bybit", "okx", "kraken", "hyperliquid"]),
                            min_size=1, max_size=3, unique=True)):  # fmt: skip
        for sym in draw(st.lists(st.sampled_from(["AUSDT", "B-USDT", "C_USDT", "DOGE"]),
                                 min_size=1, max_size=3, unique=True)):  # fmt: skip
            n = draw(st.integers(1, 6))
            caps = sorted(draw(st.lists(st.floats(1.0, 1e12), min_size=n, max_size=n,
                                        unique=True)))  # fmt: skip
            if draw(st.booleans()):
                caps[-1] = math.inf
            levs = sorted(draw(st.lists(st.floats(1.0, 200.0), min_size=n, max_size=n)),
                          reverse=True)  # fmt: skip
            mmr = draw(st.lists(st.one_of(st.none(), st.floats(0, 1, exclude_max=True)),
                             min_size=n, max_size=n))  # fmt: skip
            for i in range(n):
                rows.append({"exchange": ex, "symbol": sym, "max_notional": caps[i],
                             "max_leverage": levs[i], "maintenance_margin_rate":
                             np.nan if mmr[i] is None else mmr[i]})  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", lk.LadderWarning)
        frame = tiers_frame(pd.DataFrame(rows), source="api")
    kind = draw(EXTRA)
    n = len(frame)
    values = draw(st.lists(st.floats(-1e9, 1e9), min_size=n, max_size=n))
    if kind == "float":
        frame["extra"] = np.array(values)
    elif kind == "str":
        frame["extra"] = pd.array([f"x{v:.3g}" for v in values], dtype="str")
    elif kind == "Int64":
        frame["extra"] = pd.array([None if v < 0 else int(v) for v in values], dtype="Int64")
    elif kind == "bool_object":
        frame["extra"] = pd.Series([v > 0 for v in values], dtype=object)
    return frame


@given(
    frame=frames(),
    as_of=st.datetimes(
        min_value=pd.Timestamp("2000-01-01").to_pydatetime(),
        max_value=pd.Timestamp("2100-01-01").to_pydatetime(),
    ),
)
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_generated_ladder_round_trips(tmp_path_factory, frame, as_of):
    folder = tmp_path_factory.mktemp("store")
    save_snapshot(frame, folder, as_of=as_of)
    back = quiet(load_snapshot, path=folder)
    assert_round_trip(frame, back)
    assert set(back["as_of"]) == {pd.Timestamp(as_of, tz="UTC").isoformat()}


# --------------------------------------------------------------------------- appending


def test_every_save_appends_a_dated_version_and_nothing_is_lost():
    save_snapshot(ladder(caps=(1e6, 5e6)), as_of="2026-01-01")
    save_snapshot(ladder(caps=(2e6, 5e6)), as_of="2026-02-01")
    save_snapshot(ladder(caps=(1e6, 5e6)), as_of="2025-06-01")  # historical data, its own date
    newest = load_snapshot("bybit", "BTCUSDT", path=user())
    assert newest["max_notional"].tolist() == [2e6, 5e6] and newest["as_of"][0] == "2026-02-01"
    old = load_snapshot("bybit", "BTCUSDT", path=user(), as_of="2026-01-15")
    assert old["max_notional"].tolist() == [1e6, 5e6]
    hist = lk.ladder_history("bybit", "BTCUSDT", path=user())
    dates = hist.groupby("as_of")["max_notional"].first()
    assert [d.strftime("%Y-%m-%d") for d in dates.index] == ["2025-06-01", "2026-02-01"]
    assert str(hist["as_of"].dtype) == "datetime64[ns, UTC]"
    # 2025-06-01 and 2026-01-01 hold the same ladder: one version, seen last on 2026-01-01
    assert hist["last_seen"].iloc[0] == pd.Timestamp("2026-01-01", tz="UTC")
    with sqlite3.connect(user() / STORE_FILE) as con:  # three saves, all kept
        assert con.execute("SELECT count(*) FROM versions").fetchone()[0] == 3


def test_saving_the_same_ladder_again_dates_it_anew_without_a_new_version():
    save_snapshot(ladder(), as_of="2026-01-01")
    save_snapshot(ladder(), as_of="2026-03-01")
    assert load_snapshot("bybit", "BTCUSDT", path=user())["as_of"][0] == "2026-03-01"
    assert len(lk.ladder_history("bybit", "BTCUSDT", path=user())) == 2  # one version, 2 tiers


def test_user_store_comes_before_the_shipped_data_on_equal_dates_and_aliases_work():
    gate = load_snapshot("gateio", "BTC_USDT")
    assert gate["source"][0].startswith("Gate API rows quoted")
    mine = gate[["exchange", "symbol", "max_notional", "max_leverage"]].assign(max_leverage=7.0)
    save_snapshot(mine, as_of=gate["as_of"][0], source_text="mine")
    assert load_snapshot("gate", "BTC_USDT")["source"][0] == "mine"
    assert load_snapshot("hl", "BTC")["symbol"][0] == "BTC"
    assert len(lk.ladder_history("hl", "BTC")) >= 2
    assert load_snapshot("binance-usdm", "btc/usdt:usdt")["symbol"][0] == "BTCUSDT"


def test_as_of_must_be_a_date():
    with pytest.raises(SnapshotError, match="as_of"):
        save_snapshot(ladder(), as_of="yesterday-ish")
    assert not (user() / STORE_FILE).exists()


# --------------------------------------------------------------------------- atomic writes

SAVER = textwrap.dedent(
    """
    import sys, time
    from levkit.frames import tiers_frame
    from levkit.snapshot import save_snapshot
    folder, symbol, start = sys.argv[1], sys.argv[2], float(sys.argv[3])
    frame = tiers_frame({"exchange": "bybit", "symbol": symbol,
                         "max_notional": [float(i + 1) * 1e5 for i in range(400)],
                         "max_leverage": [400.0 - i for i in range(400)]}, source="api")
    while time.time() < start:
        time.sleep(0.001)
    for day in range(1, 11):
        save_snapshot(frame.assign(max_leverage=frame["max_leverage"] + day), folder,
                      as_of=f"2026-01-{day:02d}")
    """
)


def _run_savers(folder: Path, symbols: list[str]) -> list[subprocess.Popen]:
    import time

    start = str(time.time() + 2.0)  # both start at once
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return [
        subprocess.Popen(
            [sys.executable, "-c", SAVER, str(folder), sym, start],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for sym in symbols
    ]


def test_two_processes_saving_at_once_both_land(tmp_path):
    procs = _run_savers(tmp_path, ["AAAUSDT", "BBBUSDT"])
    for p in procs:
        assert p.wait(timeout=120) == 0, p.stderr.read()
    with sqlite3.connect(tmp_path / STORE_FILE) as con:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    for sym in ("AAAUSDT", "BBBUSDT"):
        hist = lk.ladder_history("bybit", sym, path=tmp_path)
        assert hist.groupby("as_of").size().tolist() == [400] * 10  # every save, whole
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(STORE_FILE)) == []


def test_a_crash_inside_a_save_leaves_the_previous_state_readable(tmp_path):
    save_snapshot(ladder(), tmp_path, as_of="2026-01-01")
    crash = textwrap.dedent(
        f"""
        import os, signal
        from levkit.snapshot import _rows, save_snapshot
        from levkit.frames import tiers_frame
        real = _rows._content_id
        def dying(con, lad):
            cid = real(con, lad)          # rows written inside the open transaction...
            os.kill(os.getpid(), signal.SIGKILL)   # ...then the process dies
        _rows._content_id = dying
        frame = tiers_frame({{"exchange": "bybit", "symbol": "BTCUSDT",
                              "max_notional": [9e6], "max_leverage": [5.0]}}, source="api")
        save_snapshot(frame, {str(tmp_path)!r}, as_of="2026-02-01")
        """
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", crash], env=env, capture_output=True, timeout=120)
    assert proc.returncode == -9  # killed mid-save
    back = load_snapshot("bybit", "BTCUSDT", path=tmp_path)
    assert back["max_notional"].tolist() == [1e6, 5e6] and back["as_of"][0] == "2026-01-01"
    with sqlite3.connect(tmp_path / STORE_FILE) as con:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert con.execute("SELECT count(*) FROM saves").fetchone()[0] == 1
    save_snapshot(ladder(caps=(3e6, 5e6)), tmp_path, as_of="2026-03-01")  # and it goes on
    assert load_snapshot("bybit", "BTCUSDT", path=tmp_path)["max_notional"][0] == 3e6


# --------------------------------------------------------------------------- damaged files


def test_a_damaged_store_is_named_skipped_and_never_overwritten():
    user().mkdir(parents=True, exist_ok=True)
    (user() / STORE_FILE).write_bytes(b"not a database at all " * 100)
    with pytest.warns(SnapshotFileWarning, match=str(user() / STORE_FILE)):
        tiers = load_snapshot("bingx", "BTC-USDT")  # the shipped data still reads
    assert len(tiers) == 12
    with pytest.raises(SnapshotError, match="not a readable levkit store"):
        save_snapshot(ladder())
    assert (user() / STORE_FILE).read_bytes() == b"not a database at all " * 100


def test_a_foreign_sqlite_file_is_named_and_skipped():
    user().mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(user() / STORE_FILE) as con:
        con.execute("CREATE TABLE notes (x TEXT)")
    with pytest.warns(SnapshotFileWarning, match="not a readable levkit store"):
        load_snapshot("bybit", "LTCUSDT")
    with pytest.raises(SnapshotError, match="not levkit's"):
        save_snapshot(ladder())


def test_a_damaged_0_2_file_is_named_and_the_other_ladders_still_read():
    write_snapshot(ladder("ETHUSDT"), user(), source_text="mine", as_of="2026-04-01")
    bad = user() / "okx" / "tiers.csv"
    bad.parent.mkdir()
    bad.write_text("exchange,symbol\nokx,BTC-USDT-SWAP\n", encoding="utf-8")
    with pytest.warns(SnapshotFileWarning, match=f"{bad}.*missing columns"):
        eth = load_snapshot("bybit", "ETHUSDT")
    assert eth["source"][0] == "mine"
    with pytest.warns(SnapshotFileWarning):
        assert load_snapshot("okx", "BTC")["symbol"][0] == "BTC-USDT-SWAP"  # shipped


def test_a_0_2_user_folder_is_read_in_place_and_saves_go_beside_it():
    path = write_snapshot(ladder("ETHUSDT"), user(), source_text="0.2 save", as_of="2026-04-01")
    before = path.read_bytes()
    assert load_snapshot("bybit", "ETHUSDT")["source"][0] == "0.2 save"
    save_snapshot(ladder("ETHUSDT", caps=(3e6, 5e6)), as_of="2026-05-01")
    assert load_snapshot("bybit", "ETHUSDT")["max_notional"][0] == 3e6
    hist = lk.ladder_history("bybit", "ETHUSDT")
    assert hist["source"].unique().tolist() == ["0.2 save", "api (bybit) via lk.save_snapshot"]
    assert path.read_bytes() == before  # never changed


# --------------------------------------------------------------------------- names, folders


@pytest.mark.parametrize("name", ["../../x", "/tmp/evil", "a/b", "..", "x\\y", ""])
def test_an_exchange_that_is_not_a_plain_name_is_refused_everywhere(tmp_path, name):
    frame = ladder().assign(exchange=name)
    with pytest.raises(SnapshotError, match="not a plain name"):
        save_snapshot(frame, tmp_path / "store")
    with pytest.raises(SnapshotError, match="not a plain name"):
        write_snapshot(frame, tmp_path / "csv", source_text="x", as_of="2026-01-01")
    assert not (tmp_path / "store").exists() and not (tmp_path / "csv").exists()
    assert not (tmp_path.parent / "x").exists()


@pytest.mark.parametrize("symbol", ["../BTC", "/etc/passwd", "BTC\nUSDT", " BTCUSDT"])
def test_a_symbol_that_is_not_plain_is_refused(tmp_path, symbol):
    with pytest.raises(SnapshotError, match="not a plain symbol"):
        save_snapshot(ladder().assign(symbol=symbol), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_data_dir_that_is_a_file_or_a_dangling_link_is_a_clear_error(tmp_path, monkeypatch):
    file = tmp_path / "afile"
    file.write_text("x")
    link = tmp_path / "alink"
    link.symlink_to(tmp_path / "nowhere")
    for bad, words in ((file, "is a file"), (link, "is a link to nothing")):
        monkeypatch.setenv("LEVKIT_DATA_DIR", str(bad))
        with pytest.raises(SnapshotError, match=words):
            save_snapshot(ladder())
        with pytest.raises(SnapshotError, match=words):
            load_snapshot("bybit")
    assert file.read_text() == "x" and not (tmp_path / "nowhere").exists()


def test_a_removed_ladder_is_explained_not_served(tmp_path):
    save_snapshot(pd.concat([ladder("AUSDT"), ladder("BUSDT")]), tmp_path, as_of="2026-01-01")
    save_snapshot(ladder("AUSDT"), tmp_path, as_of="2026-02-01", listing=True)
    assert load_snapshot("bybit", path=tmp_path)["symbol"].unique().tolist() == ["AUSDT"]
    with pytest.raises(SnapshotError, match="'BUSDT' was removed from the listing.*2026-02-01"):
        load_snapshot("bybit", "BUSDT", path=tmp_path)
    assert len(load_snapshot("bybit", "BUSDT", path=tmp_path, as_of="2026-01-15")) == 2


def test_the_model_refuses_a_history_frame_of_several_versions_of_one_ladder():
    """``ladder_history`` holds one ladder per (exchange, symbol, as_of): given whole to the
    model, its versions would blend into one ladder that never existed (the old 1M tier
    answering for the new 2M one).  One version at a time answers as that version."""
    save_snapshot(ladder(caps=(1e6, 5e6), levs=(50.0, 20.0)), as_of="2026-01-01")
    save_snapshot(ladder(caps=(2e6, 5e6), levs=(75.0, 20.0)), as_of="2026-02-01")
    hist = lk.ladder_history("bybit", "BTCUSDT", path=user())
    assert hist["as_of"].nunique() == 2
    calls = {
        "max_leverage": lambda t: lk.max_leverage(t, 1.5e6),
        "max_position_value": lambda t: lk.max_position_value(t, 50),
        "margin": lambda t: lk.margin(t, 1.5e6, 20),
        "leverage_for": lambda t: lk.leverage_for(t, 1.5e6, 1e5),
        "liquidation_price": lambda t: lk.liquidation_price(
            t, entry_price=100.0, leverage=20, notional=1.5e6),
        "capacity": lambda t: lk.capacity(t, 1e5),
    }  # fmt: skip
    for call in calls.values():
        with pytest.raises(ValueError, match=r"2 versions of bybit BTCUSDT.*as_of"):
            quiet(call, hist)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", lk.StaleDataWarning)
        newest = hist[hist["as_of"] == hist["as_of"].max()]
        assert quiet(lk.max_leverage, newest, 1.5e6) == 75.0
        # a frame of one version per ladder (load_snapshot's) still answers
        assert quiet(lk.max_leverage, load_snapshot("bybit", "BTCUSDT", path=user()), 1.5e6) == 75.0


def test_an_empty_history_says_where_the_versions_are(tmp_path):
    """A window holding no version names the one in force when it opened; a ladder stored
    only as margin bands says kind='margin' (both asked as a careful user would)."""
    old = ladder(caps=(1e6, 5e6))
    save_snapshot(old, tmp_path, as_of="2026-01-05")
    with pytest.raises(SnapshotError) as err:
        lk.ladder_history("bybit", "BTCUSDT", since="2026-03-01", path=tmp_path)
    assert "since 2026-03-01" in str(err.value) and "None" not in str(err.value)
    assert "version in force then is dated 2026-01-05" in str(err.value)
    sim = Simulator()
    bingx = lk.BingX(api_key=DEMO_KEY, api_secret=DEMO_SECRET, session=sim.session())
    save_snapshot(bingx.margin_bands("BTC-USDT"), tmp_path / "bands")
    with pytest.raises(SnapshotError, match="margin bands are stored for it: kind='margin'"):
        lk.ladder_history("bingx", "BTC-USDT", path=tmp_path / "bands")
    assert len(lk.ladder_history("bingx", "BTC-USDT", kind="margin", path=tmp_path / "bands"))
