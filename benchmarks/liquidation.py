"""``liquidation_price`` at every integer leverage: levkit's vectorised solver vs a plain loop.

Synthetic linear USDT ladders: 600 symbols x 8-30 tiers (seeded, monotone), spread over
every exchange levkit has a linear formula for (so every fee rule, deduction rule and tier
rule runs; a third of the ladders have no deduction, which both sides derive).  One position per symbol
(2e5 USDT at 100, long, 0.05 % fee, 25 USDT extra margin), at every integer leverage
1..200: NaN where the ladder forbids the leverage.  The loop walks symbols, leverages and
tiers in plain Python with the same rules; both answers are checked equal before timing.
Run from the repository root::

    python benchmarks/liquidation.py

Target (issue 15): the vectorised solver at least 50x faster than the loop.
``main()`` prints the table and returns the figures for ``benchmarks/run.py``.
"""

from __future__ import annotations

import math
import statistics
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import interleaved_rounds, table  # noqa: E402

from levkit.frames import tiers_frame  # noqa: E402
from levkit.liquidation import liquidation_price  # noqa: E402
from levkit.venues import venue, venues  # noqa: E402

TARGET_RATIO = 50.0
#: Every registered venue with a liquidation formula for linear contracts.
NAMES = sorted(v.name for v in venues() if v.liquidation_rule("linear"))
LEVERAGES = np.arange(1, 201, dtype=float)
POSITION = {"entry_price": 100.0, "notional": 2e5, "fee_rate": 0.0005, "extra_margin": 25.0}


def synthetic_tiers(n_symbols: int = 600, seed: int = 20260415) -> pd.DataFrame:
    """``n_symbols`` monotone ladders of 8-30 tiers over every venue with a linear formula."""
    rng = np.random.default_rng(seed)
    names = NAMES
    cols: dict[str, list] = {k: [] for k in ("exchange", "symbol", "max_notional",
                                              "max_leverage", "maintenance_margin_rate",
                                              "mm_deduction")}  # fmt: skip
    for s in range(n_symbols):
        n = int(rng.integers(8, 31))
        top = int(rng.choice([50, 75, 100, 125, 150, 200]))
        levs = np.r_[top, np.sort(rng.choice(np.arange(1, top), n - 1, replace=False))[::-1]]
        caps = np.round(float(rng.choice([5e4, 1e5, 3e5])) * np.cumsum(rng.uniform(0.5, 3, n)), -2)
        mmr = 0.5 / levs
        ded = np.r_[0.0, np.cumsum(caps[:-1] * np.diff(mmr))]
        cols["exchange"] += [names[s % len(names)]] * n
        cols["symbol"] += [f"SYN{s:03d}"] * n
        cols["max_notional"] += caps.tolist()
        cols["max_leverage"] += levs.astype(float).tolist()
        cols["maintenance_margin_rate"] += mmr.tolist()
        cols["mm_deduction"] += ded.tolist() if s % 3 else [""] * n
    # Linear ladders in USDT, stated (a symbol's kind and unit otherwise come from the
    # instrument it names: SYN001 on bybit-legacy would be an inverse perpetual there).
    n_rows = len(cols["symbol"])
    cols["category"] = ["linear"] * n_rows
    cols["notional_unit"] = ["USDT"] * n_rows
    # Whole ladders, as an exchange gives them: complete (the warning path is not timed)
    return tiers_frame(cols, source="api")


def loop(tiers: pd.DataFrame, side: str = "long") -> pd.DataFrame:
    """The same answers the straightforward way: per symbol, per leverage, per tier."""
    s = 1.0 if side == "long" else -1.0
    ep, notional = POSITION["entry_price"], POSITION["notional"]
    fee, extra = POSITION["fee_rate"], POSITION["extra_margin"]
    q = notional / ep
    out = {}
    for (exchange, symbol), lad in tiers.groupby(["exchange", "symbol"], sort=True):
        rule, deduction = (
            venue(exchange).liquidation["linear"],
            venue(exchange).maintenance.deduction,
        )
        caps = lad["max_notional"].tolist()
        levs = lad["max_leverage"].tolist()
        rates = lad["maintenance_margin_rate"].tolist()
        given = lad["mm_deduction"].tolist()
        derived = [0.0]
        for k in range(1, len(caps)):
            derived.append(derived[-1] + caps[k - 1] * (rates[k] - rates[k - 1]))
        absent = all(d == 0 for d in given) and any(
            b > a for a, b in zip(rates[:-1], rates[1:], strict=True)
        )
        if deduction == "none":
            ded = [0.0] * len(caps)
        elif deduction == "derived" or absent:
            ded = derived
        else:
            ded = [d if d == d else e for d, e in zip(given, derived, strict=True)]
        f_den = fee if rule.fee == "denominator" else 0.0
        x = extra / (1 - s * fee) if rule.fee == "extra_margin" else extra
        entry = next((k for k, cap in enumerate(caps) if cap >= notional), None)
        column = []
        for lev in LEVERAGES.tolist():
            if entry is None or lev > levs[entry] * (1 + 1e-9):
                column.append(math.nan)
                continue
            margin = notional / lev + x
            k = entry
            lp = (s * notional - margin - ded[k]) / (q * (s - rates[k] - f_den))
            if rule.tier == "liquidation":
                for _ in range(64):
                    at_lp = q * max(lp, 0.0)
                    k2 = next((j for j, cap in enumerate(caps) if cap >= at_lp), len(caps) - 1)
                    if k2 == k:
                        break
                    k = k2
                    lp = (s * notional - margin - ded[k]) / (q * (s - rates[k] - f_den))
            column.append(max(lp, 0.0))
        out[(exchange, symbol)] = column
    frame = pd.DataFrame(out, index=pd.Index(LEVERAGES, name="leverage"))
    frame.columns.names = ["exchange", "symbol"]
    return frame


def fast(tiers: pd.DataFrame, side: str = "long") -> pd.DataFrame:
    return liquidation_price(tiers, leverage=LEVERAGES, side=side, **POSITION)


def main(repeats: int = 9, inner: int = 5) -> dict[str, float]:
    """Check, time (``repeats`` interleaved rounds: one loop call and the median of
    ``inner`` vectorised calls per round), print every round and the medians; return the
    figures."""
    tiers = synthetic_tiers()
    for side in ("long", "short"):
        got, want = fast(tiers, side), loop(tiers, side)
        pd.testing.assert_index_equal(got.columns, want.columns)
        np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=1e-12)
    rounds = interleaved_rounds({"fast": lambda: fast(tiers), "loop": lambda: loop(tiers)},
                                repeats=repeats, inner={"fast": inner})  # fmt: skip
    times = {name: statistics.median(ts) for name, ts in rounds.items()}
    ratios = [lo / fa for lo, fa in zip(rounds["loop"], rounds["fast"], strict=True)]
    answers = got.size
    valid = int(np.isfinite(got.to_numpy()).sum())
    ratio = times["loop"] / times["fast"]
    figures = {
        "liq_symbols": float(tiers.groupby(["exchange", "symbol"]).ngroups),
        "liq_tiers": float(len(tiers)),
        "liq_answers": float(answers),
        "liq_vectorised_s": times["fast"],
        "liq_loop_s": times["loop"],
        "liq_ratio": ratio,
        "liq_ratio_low": min(ratios),
        "liq_ratio_high": max(ratios),
    }
    per_round = [
        (f"round {k + 1}", f"{fa * 1e3:7.2f} ms vs {lo * 1e3:7.1f} ms  {lo / fa:6.1f}x")
        for k, (fa, lo) in enumerate(zip(rounds["fast"], rounds["loop"], strict=True))
    ]
    print(table([
        ("ladders", f"{figures['liq_symbols']:.0f} symbols, {len(tiers)} tiers, "
                    f"{len(NAMES)} venue rules"),
        ("answers", f"{answers:,} (leverage 1..200 x symbol; {valid:,} valid, "
                    "long and short checked equal)"),
        ("(levkit vs loop, per round)", f"levkit: median of {inner} calls; loop: one call"),
        *per_round,
        ("levkit liquidation_price", f"{times['fast'] * 1e3:9.2f} ms  (median of {repeats} rounds)"),
        ("python loop", f"{times['loop'] * 1e3:9.2f} ms  (median of {repeats} rounds)"),
        ("ratio", f"{ratio:9.1f}x  (rounds {min(ratios):.0f}x to {max(ratios):.0f}x; target >= "
                  f"{TARGET_RATIO:.0f}x: {'met' if ratio >= TARGET_RATIO else 'MISSED'})"),
    ]))  # fmt: skip
    return figures


if __name__ == "__main__":
    main()
