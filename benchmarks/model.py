"""``tradeoff`` at every integer leverage: levkit's vectorised model vs a plain Python loop.

Synthetic ladders: 600 symbols x 8-30 tiers (seeded, monotone: caps rise, leverages and
rates fall / rise as on real exchanges).  The loop walks every symbol, every integer
leverage and every tier, computing the same columns; the two results are checked equal
before anything is timed.  Run from the repository root::

    python benchmarks/model.py

Target (issue 4): the vectorised model at least 50x faster than the loop.
``main()`` prints the table and returns the figures for ``benchmarks/run.py``.
"""

from __future__ import annotations

import math
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _timing import interleaved_rounds  # noqa: E402

from levkit.frames import tiers_frame  # noqa: E402
from levkit.model import tradeoff  # noqa: E402

TARGET_RATIO = 50.0
COLUMNS = ["exchange", "symbol", "leverage", "max_position_value", "tier", "initial_margin"]


def synthetic_tiers(n_symbols: int = 600, min_tiers: int = 8, max_tiers: int = 30,
                    seed: int = 20260401) -> pd.DataFrame:  # fmt: skip
    """A tiers frame of ``n_symbols`` monotone ladders with ``min_tiers``-``max_tiers`` tiers."""
    rng = np.random.default_rng(seed)
    cols: dict[str, list] = {k: [] for k in ("exchange", "symbol", "max_notional",
                                              "max_leverage", "maintenance_margin_rate",
                                              "mm_deduction")}  # fmt: skip
    for s in range(n_symbols):
        n = int(rng.integers(min_tiers, max_tiers + 1))
        top = int(rng.choice([50, 75, 100, 125, 150, 200]))
        levs = np.r_[top, np.sort(rng.choice(np.arange(1, top), n - 1, replace=False))[::-1]]
        base = float(rng.choice([5e4, 1e5, 3e5, 1e6]))
        caps = np.round(base * np.cumsum(rng.uniform(0.5, 3.0, n)), -2)
        mmr = 0.5 / levs
        ded = np.r_[0.0, np.cumsum(caps[:-1] * np.diff(mmr))]
        cols["exchange"] += ["bybit" if s % 2 else "bingx"] * n
        cols["symbol"] += [f"SYN{s:03d}USDT" if s % 2 else f"SYN{s:03d}-USDT"] * n
        cols["max_notional"] += caps.tolist()
        cols["max_leverage"] += levs.astype(float).tolist()
        cols["maintenance_margin_rate"] += mmr.tolist()
        cols["mm_deduction"] += ded.tolist()
    # Whole ladders (every tier given, as an exchange's answer): complete, so no answer is
    # a lower bound and the model's warning path is not what is timed.
    return tiers_frame(cols, source="api")


def tradeoff_loop(tiers: pd.DataFrame) -> pd.DataFrame:
    """The same curve, the straightforward way: per symbol, per leverage, per tier."""
    rows = []
    for (exchange, symbol), ladder in tiers.groupby(["exchange", "symbol"], sort=True):
        caps = ladder["max_notional"].tolist()
        levs = ladder["max_leverage"].tolist()
        numbers = ladder["tier"].tolist()
        for lev in range(1, int(max(levs)) + 1):
            best, best_tier = math.nan, None
            for cap, max_lev, number in zip(caps, levs, numbers, strict=True):
                if max_lev >= lev and not cap <= best:
                    best, best_tier = cap, number
            rows.append((exchange, symbol, float(lev), best, best_tier, best / lev))
    return pd.DataFrame(rows, columns=COLUMNS)


def check_equal(fast: pd.DataFrame, slow: pd.DataFrame) -> None:
    """Raise AssertionError unless both frames hold the same numbers and labels."""
    assert len(fast) == len(slow), (len(fast), len(slow))
    for col in ("exchange", "symbol"):
        np.testing.assert_array_equal(fast[col].to_numpy(dtype=object),
                                      slow[col].to_numpy(dtype=object))  # fmt: skip
    for col in ("leverage", "max_position_value"):
        np.testing.assert_array_equal(fast[col].to_numpy(), slow[col].to_numpy())
    np.testing.assert_array_equal(fast["tier"].to_numpy(dtype="int64"),
                                  slow["tier"].to_numpy(dtype="int64"))  # fmt: skip
    np.testing.assert_allclose(fast["initial_margin"].to_numpy(),
                               slow["initial_margin"].to_numpy(), rtol=1e-15)  # fmt: skip


def median_seconds(fn: Callable[[], object], repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(repeats_fast: int = 15, repeats_loop: int = 5) -> dict[str, float]:
    """Check, time, print; return the figures (seconds are medians)."""
    tiers = synthetic_tiers()
    fast, slow = tradeoff(tiers), tradeoff_loop(tiers)
    check_equal(fast, slow)
    # Interleaved rounds: machine load hits both routes alike (benchmarks/_timing.py)
    rounds = interleaved_rounds(
        {"fast": lambda: tradeoff(tiers), "loop": lambda: tradeoff_loop(tiers)},
        repeats=repeats_loop,
        inner={"fast": 3},
    )
    t_fast = statistics.median(rounds["fast"])
    t_loop = statistics.median(rounds["loop"])
    ratio = t_loop / t_fast
    figures = {
        "model_symbols": float(tiers.groupby(["exchange", "symbol"]).ngroups),
        "model_tiers": float(len(tiers)),
        "model_rows": float(len(fast)),
        "model_vectorised_s": t_fast,
        "model_loop_s": t_loop,
        "model_ratio": ratio,
    }
    rows = [
        ("ladders", f"{figures['model_symbols']:.0f} symbols, {len(tiers)} tiers "
                    f"(8-30 per symbol)"),
        ("curve rows", f"{len(fast):,} (every integer leverage, checked equal)"),
        ("levkit tradeoff", f"{t_fast * 1e3:9.2f} ms  (median of {repeats_fast})"),
        ("python loop", f"{t_loop * 1e3:9.2f} ms  (median of {repeats_loop})"),
        ("ratio", f"{ratio:9.1f}x  (target >= {TARGET_RATIO:.0f}x: "
                  f"{'met' if ratio >= TARGET_RATIO else 'MISSED'})"),
    ]  # fmt: skip
    width = max(len(k) for k, _ in rows)
    print("\n".join(f"{k.ljust(width)}  {v}" for k, v in rows))
    return figures


if __name__ == "__main__":
    main()
