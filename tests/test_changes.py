"""diff_ladders on hand-made pairs, changes across stored versions, and the shipped
Binance history against an independent count of its changes."""

from __future__ import annotations

import math
import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import levkit as lk
from levkit.cli import main
from levkit.frames import tiers_frame
from levkit.snapshot import save_snapshot
from levkit.venues import resolve


def ladder(symbol="BTCUSDT", caps=(1e6, 5e6, 2e7), levs=(50.0, 20.0, 5.0), mmr=None,
           exchange="binance"):  # fmt: skip
    n = len(caps)
    return tiers_frame(
        {"exchange": exchange, "symbol": symbol, "max_notional": list(caps),
         "max_leverage": list(levs),
         "maintenance_margin_rate": list(mmr) if mmr else [0.01, 0.02, 0.1][:n]},
        source="api",
    )  # fmt: skip


def one(old, new, **kw) -> pd.Series:
    table = lk.diff_ladders(old, new, **kw)
    assert len(table) == 1, table
    return table.iloc[0]


# --------------------------------------------------------------------------- diff_ladders


def test_columns_and_dtypes_are_the_fixed_ones():
    table = lk.diff_ladders(ladder(), ladder(caps=(2e6, 5e6, 2e7)), leverages=(10, 12.5, "20x"))
    assert list(table.columns) == [
        "exchange", "symbol", "change", "tiers_old", "tiers_new", "max_leverage_old",
        "max_leverage_new", "cap_10x_old", "cap_10x_new", "cap_12.5x_old", "cap_12.5x_new",
        "cap_20x_old", "cap_20x_new", "summary",
    ]  # fmt: skip
    assert str(table["tiers_old"].dtype) == "Int64" and str(table["cap_10x_old"].dtype) == "float64"


def test_a_lowered_cap_and_top_leverage_are_said_in_one_line():
    old = ladder(caps=(1e8, 2e8), levs=(125.0, 20.0))
    new = ladder(caps=(8e7, 2e8), levs=(100.0, 20.0))
    row = one(old, new, leverages=(20,))
    assert (row["change"], row["max_leverage_old"], row["max_leverage_new"]) == (
        "changed",
        125,
        100,
    )
    assert (row["cap_20x_old"], row["cap_20x_new"]) == (2e8, 2e8)
    old = ladder(caps=(1e8, 2e8), levs=(125.0, 10.0))
    new = ladder(caps=(8e7, 2e8), levs=(100.0, 10.0))
    assert one(old, new, leverages=(20,))["summary"] == "cap at 20x 100M -> 80M; top 125x -> 100x"


def test_added_and_removed_ladders_have_na_on_the_missing_side():
    table = lk.diff_ladders(ladder("AUSDT"), ladder("BUSDT"))
    assert table["symbol"].tolist() == ["AUSDT", "BUSDT"]
    removed, added = table.iloc[0], table.iloc[1]
    assert removed["change"] == "removed" and pd.isna(removed["tiers_new"])
    assert math.isnan(removed["cap_20x_new"]) and removed["tiers_old"] == 3
    assert added["change"] == "added" and pd.isna(added["tiers_old"])
    assert (
        added["summary"] == "added: 3 tiers, top 50x, cap at 10x 5M, cap at 20x 5M, cap at 50x 1M"
    )
    assert removed["summary"] == "removed (was 3 tiers, top 50x)"
    assert len(lk.diff_ladders(None, ladder())) == 1 and len(lk.diff_ladders(ladder(), None)) == 1


def test_a_change_of_tier_count_or_maintenance_rate_only_is_a_change():
    row = one(
        ladder(),
        ladder(caps=(1e6, 5e6, 1e7, 2e7), levs=(50, 20, 10, 5), mmr=(0.01, 0.02, 0.05, 0.1)),
    )
    assert (row["tiers_old"], row["tiers_new"]) == (3, 4) and "tiers 3 -> 4" in row["summary"]
    row = one(ladder(), ladder(mmr=(0.01, 0.025, 0.1)))
    assert row["summary"] == "tier 2 maintenance rate 2.0000% -> 2.5000%"
    assert row["cap_20x_old"] == row["cap_20x_new"]


def test_equal_ladders_are_absent_float_noise_and_nan_included():
    old = ladder(mmr=None)
    noisy = old.assign(max_notional=old["max_notional"] * (1 + 1e-12))
    assert len(lk.diff_ladders(old, noisy)) == 0
    no_rates = old.assign(maintenance_margin_rate=np.nan)
    assert len(lk.diff_ladders(no_rates, no_rates.copy())) == 0  # NaN equals NaN
    assert len(lk.diff_ladders(old, old.assign(initial_margin_rate=0.5))) == 0  # not compared
    assert len(lk.diff_ladders(old, old.assign(max_notional=old["max_notional"] * 1.001))) == 1


def test_rows_are_sorted_by_exchange_and_symbol_across_venues():
    old = pd.concat([ladder("Z", exchange="okx"), ladder("B"), ladder("A", exchange="okx")])
    new = pd.concat([ladder("Z", exchange="okx", caps=(2e6, 5e6, 2e7)), ladder("C")])
    table = lk.diff_ladders(old, new)
    assert table[["exchange", "symbol", "change"]].values.tolist() == [
        ["binance", "B", "removed"], ["binance", "C", "added"], ["okx", "A", "removed"],
        ["okx", "Z", "changed"],
    ]  # fmt: skip


def test_margin_bands_without_leverage_diff_on_their_rates():
    bands = ladder(levs=(np.nan,) * 3)
    row = one(bands, bands.assign(maintenance_margin_rate=[0.01, 0.03, 0.1]))
    assert math.isnan(row["max_leverage_old"]) and math.isnan(row["cap_10x_new"])


def test_caps_on_the_unknown_part_of_an_incomplete_ladder_are_lower_bounds():
    # known from 90x up only (the shipped Bybit BTCUSDT fragment): its cap at 10x is at
    # least 2.6M, not 2.6M; the diff must not say the cap moved from 2.6M as a fact
    old = ladder("BTCUSDT", caps=(3e5, 2e6, 2.6e6), levs=(150.0, 100.0, 90.0), exchange="bybit")
    old["complete"] = False
    new = ladder("BTCUSDT", caps=(2e6, 5e7, 1e8), levs=(100.0, 20.0, 10.0), exchange="bybit")
    with pytest.warns(lk.LadderWarning, match="lower bound"):
        table = lk.diff_ladders(old, new, leverages=(10, 100))
    row = table.iloc[0]
    assert row["cap_10x_old"] == 2.6e6  # the figure stays a number...
    assert "cap at 10x >= 2.6M -> 100M" in row["summary"]  # ...said as what it is
    assert ">= 2M" not in row["summary"]  # at 100x the fragment is known
    assert table.attrs["lower_bound"] == [("bybit", "BTCUSDT", "cap_10x_old")]
    with pytest.warns(lk.LadderWarning):
        added = lk.diff_ladders(None, old, leverages=(10,))
    assert "cap at 10x >= 2.6M" in added["summary"][0]
    # complete ladders: nothing flagged, no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error", lk.LadderWarning)
        assert lk.diff_ladders(ladder(), ladder(caps=(2e6, 5e6, 2e7))).attrs["lower_bound"] == []


def test_changes_say_lower_bounds_of_a_stored_incomplete_version():
    old = ladder("BTCUSDT", caps=(3e5, 2e6, 2.6e6), levs=(150.0, 100.0, 90.0), exchange="bybit")
    old["complete"] = False
    save_snapshot(ladder("ETHUSDT", exchange="bybit"), as_of="2026-01-01")
    save_snapshot(old, as_of="2026-01-02")
    save_snapshot(ladder("BTCUSDT", caps=(2e6, 5e7, 1e8), levs=(100.0, 20.0, 10.0),
                         exchange="bybit"), as_of="2026-01-09")  # fmt: skip
    with pytest.warns(lk.LadderWarning):
        table = lk.changes(since="2026-01-01T12:00", until="2026-01-10", exchange="bybit",
                           leverages=(10,), path=store())  # fmt: skip
    summaries = dict(zip(table["change"], table["summary"], strict=True))
    assert summaries["added"].endswith("cap at 10x >= 2.6M")
    assert summaries["changed"].startswith("cap at 10x >= 2.6M -> 100M")
    assert ("bybit", "BTCUSDT", pd.Timestamp("2026-01-09", tz="UTC"), "cap_10x_old") in table.attrs[
        "lower_bound"
    ]


@pytest.mark.parametrize("bad", [0, -5, "zero", float("nan")])
def test_a_leverage_that_is_not_positive_raises(bad):
    with pytest.raises(ValueError, match="positive"):
        lk.diff_ladders(ladder(), ladder(), leverages=(10, bad))


# --------------------------------------------------------------------------- changes


def store() -> Path:
    return Path(os.environ["LEVKIT_DATA_DIR"])


def test_changes_across_three_versions_in_a_window():
    def mine(symbol, **kw):  # an exchange of its own: a whole listing says nothing of others
        return ladder(symbol, exchange="testex", **kw)

    save_snapshot(pd.concat([mine("AUSDT"), mine("BUSDT")]), as_of="2026-01-01")
    save_snapshot(pd.concat([mine("AUSDT", caps=(2e6, 5e6, 2e7)), mine("BUSDT"),
                             mine("CUSDT")]), as_of="2026-02-01", listing=True)  # fmt: skip
    save_snapshot(pd.concat([mine("AUSDT", caps=(2e6, 5e6, 2e7)), mine("CUSDT")]),
                  as_of="2026-03-01", listing=True)  # fmt: skip
    table = lk.changes(since="2026-01-15", until="2026-03-15", path=store())
    assert table[["symbol", "change"]].values.tolist() == [
        ["AUSDT", "changed"],
        ["BUSDT", "removed"],
        ["CUSDT", "added"],
    ]
    assert table["as_of_new"].dt.strftime("%Y-%m-%d").tolist() == ["2026-02-01", "2026-03-01",
                                                                   "2026-02-01"]  # fmt: skip
    assert table["as_of_old"].iloc[0] == pd.Timestamp("2026-01-01", tz="UTC")
    assert pd.isna(table["as_of_old"].iloc[2])  # added: no older version
    assert str(table["as_of_new"].dtype) == "datetime64[ns, UTC]"
    assert table.attrs["saved"] == 6  # A, B, C on 02-01; A, C and B's removal on 03-01
    # a narrower window: only the version dated in it
    assert lk.changes(since="2026-02-15", until="2026-03-15", path=store())["symbol"].tolist() == [
        "BUSDT"
    ]


def test_a_ladder_first_seen_is_added_only_after_older_versions_of_its_exchange():
    save_snapshot(ladder("AUSDT", exchange="gate"), as_of="2026-01-01")
    assert len(lk.changes(since="2025-12-01", until="2026-01-02", path=store())) == 0
    save_snapshot(ladder("BUSDT", exchange="gate"), as_of="2026-01-05")
    table = lk.changes(since="2026-01-02", until="2026-01-06", exchange="gateio", path=store())
    assert table[["symbol", "change"]].values.tolist() == [["BUSDT", "added"]]


def test_a_symbol_filter_keeps_an_added_ladder():
    # the exchange's other ladders make a new one "added"; asking for that symbol alone
    # must give the same row (the exchange's history is not the symbol's history)
    save_snapshot(ladder("AUSDT", exchange="gate"), as_of="2026-01-01")
    save_snapshot(ladder("BUSDT", exchange="gate"), as_of="2026-01-05")
    for kw in ({"exchange": "gate", "symbol": "BUSDT"}, {"symbol": "BUSDT"}):
        table = lk.changes(since="2026-01-02", until="2026-01-06", path=store(), **kw)
        assert table[["symbol", "change"]].values.tolist() == [["BUSDT", "added"]], kw


def test_since_is_a_span_back_from_now():
    now = pd.Timestamp.now(tz="UTC")
    save_snapshot(ladder(), as_of=now - pd.Timedelta(days=20))
    save_snapshot(ladder(caps=(2e6, 5e6, 2e7)), as_of=now - pd.Timedelta(days=2))
    assert lk.changes(since="7d", path=store())["change"].tolist() == ["changed"]
    assert lk.changes(since="7D", exchange="binance", symbol="btc", path=store()).shape[0] == 1
    with pytest.warns(lk.StaleDataWarning, match="nothing was compared"):
        assert len(lk.changes(since="1d", path=store())) == 0


def test_the_cli_prints_the_change_table_and_exits_0(capsys):
    now = pd.Timestamp.now(tz="UTC")
    save_snapshot(ladder(), as_of=now - pd.Timedelta(days=20))
    save_snapshot(ladder(caps=(2e6, 5e6, 2e7)), as_of=now - pd.Timedelta(days=2))
    assert main(["changes", "--since", "7d", "--exchange", "Binance-USDM"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("1 changed from ")
    assert out[2].split()[1:4] == ["binance", "BTCUSDT", "changed"]
    assert out[2].endswith("cap at 50x 1M -> 2M")
    assert main(["changes", "--since", "1d"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("no ladder changed from")
    assert "levkit: warning: no version of any exchange was saved" in captured.err
    assert main(["changes", "--since", "soon"]) == 2  # not a span or a date


def test_the_cli_refuses_bad_leverages_and_a_window_ending_before_it_starts(capsys):
    # bad arguments: exit 2, before anything is read (no "nothing was saved" warning)
    for argv in (["--leverage", "0"], ["--leverage", "abc"],
                 ["--since", "2026-03-01", "--until", "2026-02-01"]):  # fmt: skip
        assert main(["changes", *argv]) == 2, argv
        err = capsys.readouterr().err
        assert "levkit: error:" in err and "nothing was compared" not in err, err
    with pytest.raises(ValueError, match="until"):
        lk.changes(since="2026-03-01", until="2026-02-01", path=store())


# --------------------------------------------------------------------------- the shipped history

#: (added, removed, changed) of Binance USDⓈ-M perpetuals between consecutive freqtrade
#: versions, counted independently of levkit (../shared/reference/real/binance/
#: CHANGES_SUMMARY.md: same equality, floor/cap/mmr/leverage).  2023-03-28: the summary
#: counts BTCSTUSDT -> BTCST/USDT as one removal and one addition; in Binance's own
#: spelling both are BTCSTUSDT, so levkit has one fewer of each.  2024-12-26: 131 there,
#: 129 + 2 here (the 0.2 file's version of 2024-10-24 sits between).
SUMMARY = {
    "2022-05-21": (15, 9, 5), "2022-09-27": (35, 2, 139), "2022-11-25": (4, 0, 126),
    "2023-03-28": (25, 2, 146), "2023-06-04": (17, 0, 40), "2023-09-28": (18, 0, 37),
    "2023-12-12": (36, 0, 81), "2024-03-31": (43, 38, 25), "2024-06-27": (28, 10, 40),
    "2024-09-26": (33, 5, 71), "2024-10-24": (0, 0, 2), "2024-12-26": (57, 0, 129),
    "2025-03-27": (55, 0, 121), "2025-06-26": (69, 1, 349), "2025-09-25": (66, 0, 389),
    "2025-12-25": (64, 0, 404), "2026-03-05": (35, 0, 74), "2026-03-12": (2, 0, 28),
    "2026-03-19": (3, 0, 24), "2026-03-26": (6, 0, 16), "2026-05-01": (19, 1, 67),
}  # fmt: skip


def _perpetual(symbol: str) -> bool:
    return resolve(symbol, "binance").perpetual


def test_changes_across_the_shipped_binance_history_match_an_independent_count():
    table = lk.changes(since="2000-01-01", exchange="binance")
    table = table[table["symbol"].map(_perpetual)]  # the summary counts perpetuals only
    got = table.groupby([table["as_of_new"].dt.strftime("%Y-%m-%d"), "change"]).size()
    counts = {
        day: tuple(int(got.get((day, k), 0)) for k in ("added", "removed", "changed"))
        for day in got.index.get_level_values(0).unique()
    }
    assert counts == SUMMARY


def test_the_week_1000cat_was_cut_from_50x_to_20x():
    table = lk.changes(since="2026-03-06", until="2026-03-13", exchange="binance")
    cat = table.set_index("symbol").loc["1000CATUSDT"]
    assert (cat["max_leverage_old"], cat["max_leverage_new"]) == (50, 20)
    assert "top cap 12.5M -> 800k" in cat["summary"]
    hist = lk.ladder_history("binance", "1000CATUSDT")
    assert hist.groupby("as_of")["max_notional"].max().iloc[-1] == 800_000


def test_the_shipped_history_loads_each_binance_version():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", lk.LadderWarning)
        hist = lk.ladder_history("binance")
    per_day = hist.groupby(hist["as_of"].dt.strftime("%Y-%m-%d"))["symbol"].nunique()
    assert per_day["2022-02-05"] == 162  # the first version: 150 perpetuals, 12 quarterlies
    perps = hist[hist["symbol"].map(_perpetual)]
    assert perps.groupby(perps["as_of"].dt.strftime("%Y-%m-%d"))["symbol"].nunique()[
        "2022-02-05"] == 150  # fmt: skip
    assert hist["as_of"].is_monotonic_increasing is False  # sorted by symbol first
    assert list(hist.columns[:9]) == list(lk.load_snapshot("bybit", "LTCUSDT").columns[:9])
