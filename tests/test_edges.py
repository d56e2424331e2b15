"""Honest edges (issue 12): completeness, one tolerance, margin from bands, the user
snapshot folder, staleness, and return types that follow the arguments.  Inline ladders."""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import levkit as lk  # noqa: E402
from levkit.frames import leverage_frame, tiers_frame  # noqa: E402
from levkit.model import lower_bound_note  # noqa: E402
from levkit.numbers import leverage_at_most  # noqa: E402
from levkit.snapshot import check_staleness, load_snapshot, save_snapshot  # noqa: E402

from ._ladders import BYBIT_BTC, bingx_btc  # noqa: E402

# Bybit LTCUSDT's first tiers (derived cache, 2026-05-18): cap, max leverage, MMR, deduction.
LTC = [(200_000, 50, 0.01, 0), (400_000, 33.33, 0.015, 1_000), (600_000, 25, 0.02, 3_000),
       (800_000, 20, 0.025, 6_000), (1_000_000, 16.67, 0.03, 10_000),
       (1_200_000, 14.29, 0.035, 15_000)]  # fmt: skip


def ltc(**attrs) -> pd.DataFrame:
    return tiers_frame(
        {"exchange": "bybit", "symbol": "LTCUSDT",
         "max_notional": [r[0] for r in LTC], "max_leverage": [r[1] for r in LTC],
         "maintenance_margin_rate": [r[2] for r in LTC], "mm_deduction": [r[3] for r in LTC],
         "complete": False},
        source="snapshot", **attrs,
    )  # fmt: skip


def bybit_three() -> pd.DataFrame:
    """Bybit BTCUSDT's first three 2026 tiers, stated incomplete (as the snapshot does)."""
    return tiers_frame(
        {"exchange": "bybit", "symbol": "BTCUSDT", "complete": False,
         "max_notional": [r[0] for r in BYBIT_BTC], "max_leverage": [r[3] for r in BYBIT_BTC],
         "maintenance_margin_rate": [r[1] for r in BYBIT_BTC],
         "mm_deduction": [r[4] for r in BYBIT_BTC]},
        source="snapshot",
    )  # fmt: skip


# --------------------------------------------------------------------------- 1. completeness


def test_ladders_one_row_per_symbol_with_completeness():
    both = pd.concat([bybit_three(), bingx_btc().assign(complete=True)], ignore_index=True)
    out = lk.ladders(both)
    assert out[["exchange", "symbol"]].values.tolist() == [
        ["bingx", "BTC-USDT"],
        ["bybit", "BTCUSDT"],
    ]
    assert out["complete"].tolist() == [True, False]
    assert out["tiers"].tolist() == [12, 3] and out["tiers"].dtype == "int64"
    assert out["max_leverage"].tolist() == [150, 150]
    assert out["top_notional"].tolist() == [1_800_000_000, 2_600_000]
    assert np.isnan(out["lower_bound_below"][0]) and out["lower_bound_below"][1] == 90
    assert str(out["as_of"].dtype) == "datetime64[ns, UTC]"


def test_api_answers_are_complete_and_other_frames_complete_only_down_to_1x():
    rows = {
        "exchange": "bybit",
        "symbol": "X",
        "max_notional": [1e5, 1e6],
        "max_leverage": [50, 10],
    }
    assert lk.ladders(tiers_frame(rows, source="api"))["complete"].tolist() == [True]
    # the simulator serves snapshot ladders: complete only where they reach 1x
    assert lk.ladders(tiers_frame(rows, source="simulator"))["complete"].tolist() == [False]
    assert lk.ladders(tiers_frame(rows, source="probe"))["complete"].tolist() == [False]
    assert lk.ladders(tiers_frame(rows, source="probe", complete=True))["complete"].tolist() == [
        True
    ]


def test_answer_below_the_known_part_warns_naming_symbol_and_range():
    with pytest.warns(lk.LadderWarning, match=r"bybit BTCUSDT: 1x to 90x"):
        assert lk.max_position_value(bybit_three(), 20) == 2_600_000
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert lk.max_position_value(bybit_three(), 100) == 2_000_000  # on the known part
        assert lk.max_position_value(bybit_three(), 90) == 2_600_000  # its lowest leverage


def test_notional_beyond_an_incomplete_ladder_warns_in_max_leverage_and_margin():
    with pytest.warns(lk.LadderWarning, match="notionals above 2,600,000"):
        assert np.isnan(lk.max_leverage(bybit_three(), [5e6]).iloc[0])
    with pytest.warns(lk.LadderWarning, match="margin"):
        lk.margin(bybit_three(), [5e6])


def test_best_leverage_and_capacity_say_when_they_rest_on_the_unknown_part():
    with pytest.warns(lk.LadderWarning, match="best_leverage"):
        assert lk.best_leverage(bybit_three(), 1_000_000) == 3
    with pytest.warns(lk.LadderWarning, match="capacity"):
        cap = lk.capacity(bybit_three(), 10_000, [20, 100])
    assert cap["lower_bound"].tolist() == [True, False]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lk.best_leverage(bybit_three(), 10_000)  # 150x-ish: known part, B x 90 < cap


def test_lower_bound_note_for_the_cli():
    note = lower_bound_note(pd.concat([bybit_three(), bingx_btc()], ignore_index=True))
    assert note.splitlines() == [
        "bybit BTCUSDT: incomplete ladder (3 tiers known, 90x to 150x, up to 2,600,000): "
        "below 90x the max position value is only a lower bound (at least 2,600,000)"
    ]
    assert lower_bound_note(bingx_btc()) == ""


def test_plot_draws_the_unknown_part_dashed_and_says_lower_bound():
    fig, ax = plt.subplots()
    lk.plot_risk_limits(bybit_three(), ax=ax, leverage=20)  # the picture itself says it
    solid, dashed = ax.lines[0], ax.lines[1]
    assert solid.get_xydata()[0].tolist() == [90, 2_600_000]
    assert dashed.get_linestyle() == "--"
    assert dashed.get_xydata().tolist() == [[1, 2_600_000], [90, 2_600_000]]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["bybit BTCUSDT", "bybit BTCUSDT (lower bound below 90x)"]
    assert "(lower bound)" in ax.texts[0].get_text()
    plt.close(fig)


def test_plot_capacity_adds_the_dashed_lower_bound_last():
    fig, ax = plt.subplots()
    with pytest.warns(lk.LadderWarning):
        lk.plot_capacity(bybit_three(), 1_000_000, ax=ax)
    assert ax.lines[-1].get_linestyle() == "--"
    assert "lower bound" in ax.lines[-1].get_label()
    assert "rests on a lower bound" in ax.lines[3].get_label()
    plt.close(fig)


# --------------------------------------------------------------------------- 2. tolerance


def test_a_float_equal_to_a_tier_leverage_is_that_tier():
    lev = 1429 * 0.01
    assert lev != 14.29  # the float that used to flip a tier
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", lk.LadderWarning)
        assert lk.max_position_value(ltc(), lev) == 1_200_000
        out = lk.margin(ltc(), 1_200_000, lev)
    assert out["initial_margin"] == pytest.approx(1_200_000 / 14.29)


def test_no_leverage_on_a_0_01_grid_lands_in_the_wrong_tier():
    grid = np.arange(100, 5001) * 0.01
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", lk.LadderWarning)
        got = lk.max_position_value(ltc(), grid).to_numpy()
    expected = [max(c for c, m, _, _ in LTC if leverage_at_most(x, m)) for x in grid]
    assert got.tolist() == expected


def test_messages_show_numbers_as_given():
    with pytest.raises(ValueError, match=r"150\.0001x is above the symbol's max leverage 150x"):
        lk.max_position_value(bingx_btc(), 150.0001)


# --------------------------------------------------------------------------- 3. margins


def bands() -> pd.DataFrame:
    return tiers_frame(
        {"exchange": "bingx", "symbol": "BTC-USDT", "max_notional": [150_000, 900_000],
         "maintenance_margin_rate": [0.0038, 0.004], "mm_deduction": [0, 30]},
        source="api",
    )  # fmt: skip


def test_margin_from_bands_without_leverage():
    out = lk.margin(bands(), 500_000)
    assert out["maintenance_margin"] == pytest.approx(500_000 * 0.004 - 30)
    assert np.isnan(out["initial_margin"]) and out["tier"] == 2
    assert isinstance(out["tier"], int)
    frame = lk.margin(bands(), [100_000, 500_000], 10)
    assert frame["initial_margin"].tolist() == [10_000, 50_000]
    assert frame["tier"].dtype == "int64"


def test_merge_tiers_joins_ladder_and_bands_on_the_union_of_breakpoints():
    merged = lk.merge_tiers(bingx_btc(), bands())
    head = merged[["max_notional", "max_leverage", "maintenance_margin_rate", "mm_deduction"]]
    assert head.head(3).values.tolist() == [
        [150_000, 150, 0.0038, 0], [300_000, 150, 0.004, 30], [800_000, 100, 0.004, 30],
    ]  # fmt: skip
    assert np.isnan(merged["maintenance_margin_rate"].iloc[4])  # beyond the bands
    assert (
        merged["max_notional"].iloc[-1] == 1_800_000_000 and merged["tier"].is_monotonic_increasing
    )
    assert lk.max_position_value(merged, 100) == 800_000
    assert lk.margin(merged, 200_000, 100)["maintenance_margin"] == pytest.approx(770)


# --------------------------------------------------------------------------- 4. snapshot folder


def test_save_snapshot_goes_to_the_user_folder_and_wins_over_the_shipped_data(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("LEVKIT_DATA_DIR", str(tmp_path))
    ladder = tiers_frame(
        {"exchange": "bybit", "symbol": "BTCUSDT", "max_notional": [3e5, 1e9], "max_leverage": [150, 1]},
        source="api", fetched_at=pd.Timestamp.now(tz="UTC"),
    )  # fmt: skip
    path = save_snapshot(ladder)
    assert path == tmp_path / "ladders.sqlite"  # the store: every save a new version
    back = load_snapshot("bybit")
    files = back.attrs["snapshot_files"]
    assert files[("bybit", "BTCUSDT")] == str(path)
    assert files[("bybit", "LTCUSDT")].endswith("bybit/tiers.csv") and "LTCUSDT" in set(back.symbol)
    assert files[("bybit", "LTCUSDT")] != str(path)  # still the shipped one
    mine = back[back.symbol == "BTCUSDT"]
    assert mine["max_notional"].tolist() == [3e5, 1e9] and mine["complete"].all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # fresh and complete: no warning at all
        assert lk.max_position_value(mine, 1) == 1e9


def test_unknown_exchange_lists_what_exists():
    with pytest.raises(
        lk.LevkitError, match=r"no 'no-such-venue' leverage ladders.*bingx: .*bybit: "
    ):
        load_snapshot("no-such-venue")


def test_venues_are_discovered_by_listing_the_folder(tmp_path):
    t = tiers_frame({"exchange": "gate", "symbol": "BTC_USDT", "max_notional": [1e6], "max_leverage": [100]},
                    source="api")  # fmt: skip
    save_snapshot(t, tmp_path, as_of="2026-11-01")
    assert load_snapshot("gate", path=tmp_path)["symbol"].tolist() == ["BTC_USDT"]


def test_stale_figures_warn_with_their_as_of():
    old = tiers_frame({"exchange": "bybit", "symbol": "X", "max_notional": [1e6], "max_leverage": [10],
                       "as_of": "2020-01-02", "complete": True}, source="snapshot")  # fmt: skip
    with pytest.warns(lk.StaleDataWarning, match="bybit X: as of 2020-01-02"):
        lk.max_position_value(old, 5)
    assert issubclass(lk.StaleDataWarning, lk.LadderWarning)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(check_staleness(old, now="2020-01-20")) == 0


# --------------------------------------------------------------------------- 6. return types


def test_a_series_of_leverages_keeps_its_index():
    levs = pd.Series([10.0, 100.0], index=["a", "b"])
    out = lk.max_position_value(bingx_btc(), levs)
    assert out.index.tolist() == ["a", "b"] and out.tolist() == [230_000_000, 800_000]
    many = lk.max_position_value(pd.concat([bingx_btc(), ltc().assign(complete=True)]), levs)
    assert many.index.tolist() == ["a", "b"]
    assert lk.tradeoff(bingx_btc(), levs).index.tolist() == ["a", "b"]
    assert lk.margin(bingx_btc(), pd.Series([1e5], index=["x"]), 10).index.tolist() == ["x"]


def test_one_symbol_and_a_scalar_give_a_scalar():
    assert isinstance(lk.max_position_value(bingx_btc(), 20), float)
    assert isinstance(lk.max_leverage(bingx_btc(), 1e6), float)


def test_risk_id_has_one_dtype_in_every_frame():
    lev = leverage_frame({"exchange": ["bybit"], "symbol": ["BTCUSDT"], "side": ["both"],
                          "leverage": [10.0], "risk_id": [np.float64(1)]}, source="api")  # fmt: skip
    tiers = tiers_frame({"exchange": "bybit", "symbol": "BTCUSDT", "max_notional": [1e6],
                         "max_leverage": [10], "risk_id": [1]}, source="api")  # fmt: skip
    assert lev["risk_id"].dtype == tiers["risk_id"].dtype == "Int64"
    assert tiers["tier"].dtype == "int64"


# --------------------------------------------------------------------------- properties

step_ladders = st.lists(
    st.tuples(st.integers(1, 400), st.integers(100, 15_000)), min_size=1, max_size=8
).map(lambda rows: sorted({c * 50_000: lv / 100 for c, lv in rows}.items()))


@settings(max_examples=60, deadline=None)
@given(rows=step_ladders, step=st.sampled_from([0.01, 0.1, 0.5, 1.0]))
def test_max_position_value_equals_a_brute_force_scan_on_the_step_grid(rows, step):
    caps = [c for c, _ in rows]
    levs = [lv for _, lv in rows]
    t = tiers_frame({"exchange": "bybit", "symbol": "P", "max_notional": caps, "max_leverage": levs},
                    source="api", check=False)  # fmt: skip
    top = max(levs)
    grid = np.arange(0, int(round((top - 1) / step)) + 1) * step + 1  # as a user computes it
    grid = grid[leverage_at_most(grid, top)]
    got = lk.max_position_value(t, grid).to_numpy()
    expected = [max(c for c, m in rows if leverage_at_most(x, m)) for x in grid]
    assert got.tolist() == expected
    back = lk.max_leverage(t, got).to_numpy()  # the tier holding that cap allows >= L
    assert all(leverage_at_most(x, b) for x, b in zip(grid, back, strict=True))
