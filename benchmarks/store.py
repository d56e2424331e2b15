"""The snapshot store: saving and loading the shipped history, ``changes`` across it, and a
year of weekly Binance versions.

1. The shipped history (``data/ladders.sqlite.gz``: 21 Binance listings 2022-2026, OKX,
   Hyperliquid, Bybit, Gate) and the 0.2 files: ``load_snapshot()`` (newest of every
   ladder), ``ladder_history("binance")`` (every version), ``changes`` across all of it.
2. Saving: the 21 Binance versions replayed into a fresh store with ``save_snapshot``.
3. A year of weekly Binance versions (52 saves of the 2026-05-01 listing, 712 ladders,
   5,881 tiers each): realistic churn (``CHURN`` ladders changed a week, as in March 2026:
   16-28) and the worst case (every ladder changed every week, 306k tier rows).  Goal:
   ``ladder_history`` of the realistic year in well under a second (:data:`TARGET_S`).

    python benchmarks/store.py
"""

from __future__ import annotations

import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import levkit as lk  # noqa: E402
from levkit.snapshot import load_snapshot, save_snapshot  # noqa: E402

#: ``ladder_history`` of a realistic year of weekly Binance versions must take less.
TARGET_S = 0.5
CHURN = 25
WEEKS = 52
REPEAT = 5


def best(fn, repeat: int = REPEAT) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def year(folder: Path, base: pd.DataFrame, churn: int | None) -> float:
    """Save ``WEEKS`` weekly versions of ``base`` into ``folder``; ``churn`` ladders changed
    a week (``None``: every ladder).  Returns the seconds spent saving."""
    rng = np.random.default_rng(0)
    symbols = base["symbol"].unique()
    frame = base.copy()
    start = pd.Timestamp("2025-05-01", tz="UTC")
    spent = 0.0
    for week in range(WEEKS):
        picked = symbols if churn is None else rng.choice(symbols, churn, replace=False)
        rows = frame["symbol"].isin(picked).to_numpy()
        factor = 1.0 + (week + 1) * 1e-3  # a new top cap for the ladders picked
        last = rows & (frame["tier"] == frame.groupby("symbol")["tier"].transform("max"))
        frame.loc[last, "max_notional"] = base.loc[last, "max_notional"] * factor
        t0 = time.perf_counter()
        save_snapshot(frame, folder, as_of=start + pd.Timedelta(weeks=week), listing=True)
        spent += time.perf_counter() - t0
    return spent


def main() -> dict[str, float]:
    warnings.simplefilter("ignore", lk.LadderWarning)
    f: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        import os

        os.environ["LEVKIT_DATA_DIR"] = str(Path(tmp) / "empty-user-folder")
        f["shipped_load_s"], newest = best(load_snapshot)
        f["shipped_tiers"] = len(newest)
        f["shipped_history_s"], hist = best(lambda: lk.ladder_history("binance"))
        f["shipped_history_tiers"] = len(hist)
        f["shipped_history_versions"] = hist.groupby(["symbol", "as_of"]).ngroups
        f["shipped_changes_s"], table = best(lambda: lk.changes(since="2000-01-01"), 1)
        f["shipped_changes_rows"] = len(table)

        # replay the shipped Binance history into a fresh store
        dates = sorted(hist["as_of"].unique())
        folder = Path(tmp) / "replay"
        t0 = time.perf_counter()
        for d in dates:
            save_snapshot(load_snapshot("binance", as_of=d), folder, as_of=d, listing=True)
        f["replay_save_s"] = time.perf_counter() - t0
        f["replay_versions"] = len(dates)
        f["replay_history_s"], _ = best(lambda: lk.ladder_history("binance", path=folder))
        f["replay_store_mb"] = (folder / "ladders.sqlite").stat().st_size / 1e6

        base = newest[newest["exchange"] == "binance"].reset_index(drop=True)
        for name, churn in (("year", CHURN), ("worst", None)):
            folder = Path(tmp) / name
            f[f"{name}_save_s"] = year(folder, base, churn)
            f[f"{name}_history_s"], h = best(lambda folder=folder: lk.ladder_history(
                "binance", path=folder))  # fmt: skip
            f[f"{name}_history_tiers"] = len(h)
            f[f"{name}_changes_s"], c = best(lambda folder=folder: lk.changes(
                since="2025-01-01", path=folder), 1)  # fmt: skip
            f[f"{name}_changes_rows"] = len(c)
            f[f"{name}_store_mb"] = (folder / "ladders.sqlite").stat().st_size / 1e6
    f["csv_week_mb"] = len(base.to_csv(index=False).encode()) / 1e6
    report(f)
    return f


def report(f: dict[str, float]) -> None:
    ms = lambda s: f"{s * 1e3:.0f} ms"  # noqa: E731
    print(
        f"shipped: load_snapshot() {ms(f['shipped_load_s'])} ({f['shipped_tiers']:.0f} tiers); "
        f"ladder_history('binance') {ms(f['shipped_history_s'])} "
        f"({f['shipped_history_versions']:.0f} versions, {f['shipped_history_tiers']:.0f} tiers); "
        f"changes across it {ms(f['shipped_changes_s'])} ({f['shipped_changes_rows']:.0f} rows)"
    )
    print(
        f"replay of {f['replay_versions']:.0f} Binance versions: saved in "
        f"{f['replay_save_s']:.2f} s ({ms(f['replay_save_s'] / f['replay_versions'])} a save), "
        f"history {ms(f['replay_history_s'])}, store {f['replay_store_mb']:.1f} MB"
    )
    for name, what in (
        ("year", f"{CHURN} ladders changed a week"),
        ("worst", "every ladder changed"),
    ):
        print(f"{WEEKS} weekly Binance versions, {what}: saved in {f[f'{name}_save_s']:.1f} s, "
              f"ladder_history {ms(f[f'{name}_history_s'])} ({f[f'{name}_history_tiers']:.0f} "
              f"tiers), changes {ms(f[f'{name}_changes_s'])} ({f[f'{name}_changes_rows']:.0f} rows), "
              f"store {f[f'{name}_store_mb']:.1f} MB (52 CSV copies: "
              f"{52 * f['csv_week_mb']:.0f} MB, {52 * f['csv_week_mb'] / f[f'{name}_store_mb']:.0f}x)")  # fmt: skip
    ok = f["year_history_s"] < TARGET_S
    print(f"goal: a year of weekly versions loads in < {ms(TARGET_S)}: "
          f"{ms(f['year_history_s'])} {'PASS' if ok else 'FAIL'}")  # fmt: skip


if __name__ == "__main__":
    main()
