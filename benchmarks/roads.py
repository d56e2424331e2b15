"""The roads of issue 20: what ``lk.from_ccxt`` costs over levkit's own parse, and
``lk.leverage_for`` vectorised against a plain loop.

1. ``from_ccxt`` on an offline ccxt ``binanceusdm`` (markets set, the raw
   ``fapiPrivateGetLeverageBracket`` replaced): 300 synthetic USDT symbols x 10 brackets,
   (a) as shipped: ccxt's own parse, then levkit's Binance parser once over every symbol's
   raw rows; (b) the same with one parser call per symbol (what a naive bridge does);
   (c) levkit's native ``parse_brackets`` of the same answer.  Every frame is checked equal.
2. ``leverage_for`` over 600 synthetic ladders (8-30 tiers, every registry venue and one
   ccxt id) x 200 notionals, against a Python loop applying the same rule (step per venue,
   the tier holding the notional).  Answers checked equal first.

Run from the repository root (needs ccxt for part 1; the ``dev`` extra has it)::

    python benchmarks/roads.py

``main()`` prints the table and returns the figures.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import interleaved_medians, table  # noqa: E402

import levkit as lk  # noqa: E402
from levkit.frames import tiers_frame  # noqa: E402
from levkit.model.sizing import leverage_steps, on_grid  # noqa: E402
from levkit.numbers import leverage_at_most  # noqa: E402

N_SYMBOLS = 300
CAPS = [5e4 * 2**k for k in range(10)]
LEVS = [125, 100, 75, 50, 25, 20, 10, 5, 2, 1]
MMR = [0.004, 0.005, 0.0065, 0.01, 0.02, 0.025, 0.05, 0.1, 0.25, 0.5]


def brackets_answer(n: int = N_SYMBOLS) -> list[dict]:
    """A leverageBracket answer: ``n`` symbols x 10 brackets, ``cum`` by the recursion."""
    out = []
    cum, floor, rows = 0.0, 0.0, []
    for k in range(10):
        cum += floor * (MMR[k] - MMR[k - 1]) if k else 0.0
        rows.append({"bracket": k + 1, "initialLeverage": LEVS[k], "notionalCap": CAPS[k],
                     "notionalFloor": floor, "maintMarginRatio": MMR[k], "cum": cum})  # fmt: skip
        floor = CAPS[k]
    for i in range(n):
        out.append({"symbol": f"C{i}USDT", "brackets": [dict(r) for r in rows]})
    return out


def offline_binance(answer: list[dict]):
    import ccxt

    def market(i: int) -> dict:
        return {"id": f"C{i}USDT", "symbol": f"C{i}/USDT:USDT", "base": f"C{i}", "quote": "USDT",
                "settle": "USDT", "baseId": f"C{i}", "quoteId": "USDT", "settleId": "USDT",
                "type": "swap", "spot": False, "margin": False, "swap": True, "future": False,
                "option": False, "contract": True, "linear": True, "inverse": False,
                "contractSize": 1, "active": True, "precision": {}, "limits": {}, "info": {}}  # fmt: skip

    ex = ccxt.binanceusdm()
    ex.set_markets([market(i) for i in range(len(answer))])
    ex.fapiPrivateGetLeverageBracket = lambda params=None: answer
    return ex


def bridge_figures() -> dict[str, float]:
    try:
        import ccxt  # noqa: F401
    except ImportError:
        return {}
    from levkit.fetch.ccxt_roads import ROADS
    from levkit.venues.binance.parse import parse_brackets

    answer = brackets_answer()
    ex = offline_binance(answer)

    def per_symbol() -> pd.DataFrame:
        tiers = ex.fetch_leverage_tiers()
        frames = [ROADS["binance"].parse([([t["info"] for t in rows], ex.markets[s], np.nan)])
                  for s, rows in tiers.items()]  # fmt: skip
        return pd.concat(frames, ignore_index=True)

    cols = ["symbol", "max_notional", "max_leverage", "maintenance_margin_rate", "mm_deduction"]
    native = parse_brackets(answer)[cols].reset_index(drop=True)
    for got in (lk.from_ccxt(ex), per_symbol()):
        got = got.sort_values(["symbol", "max_notional"])[cols].reset_index(drop=True)
        pd.testing.assert_frame_equal(got, native.sort_values(["symbol", "max_notional"])
                                      .reset_index(drop=True), check_dtype=False)  # fmt: skip
    t = interleaved_medians(
        {"bridge": lambda: lk.from_ccxt(ex), "per_symbol": per_symbol,
         "ccxt": ex.fetch_leverage_tiers, "native": lambda: parse_brackets(answer)},
        repeats=5,
    )  # fmt: skip
    return {
        "bridge_s": t["bridge"], "bridge_per_symbol_s": t["per_symbol"],
        "bridge_ccxt_only_s": t["ccxt"], "bridge_native_s": t["native"],
        "bridge_over_native": t["bridge"] / t["native"],
        "bridge_batch_speedup": t["per_symbol"] / t["bridge"],
    }  # fmt: skip


def synthetic_ladders(n: int = 600, seed: int = 20260520) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    venues = [*lk.exchanges().index, "mexc"]
    cols: dict[str, list] = {"exchange": [], "symbol": [], "max_notional": [], "max_leverage": []}
    for s in range(n):
        k = int(rng.integers(8, 31))
        top = int(rng.choice([50, 75, 100, 125, 150]))
        levs = np.r_[top, np.sort(rng.choice(np.arange(1, top), k - 1, replace=False))[::-1]]
        caps = np.cumsum(rng.integers(1, 20, k) * 1e5)
        cols["exchange"] += [venues[s % len(venues)]] * k
        cols["symbol"] += [f"S{s}"] * k
        cols["max_notional"] += caps.tolist()
        cols["max_leverage"] += levs.astype(float).tolist()
    return tiers_frame(cols, source="api")


def loop_leverage_for(tiers: pd.DataFrame, notionals: np.ndarray, balance: float) -> np.ndarray:
    """The rule in plain Python: per symbol and notional, the tier holding it, the step."""
    out = []
    for (ex, _), g in tiers.groupby(["exchange", "symbol"], sort=True):
        step = float(leverage_steps([ex])[0])
        caps, levs = g["max_notional"].tolist(), g["max_leverage"].tolist()
        for v in notionals:
            need = max(1.0, v / balance)
            lev = float(on_grid(need, step)) if step else need
            row = next((i for i, c in enumerate(caps) if c >= v), None)
            ok = row is not None and leverage_at_most(lev, levs[row])
            out.append(lev if ok else math.nan)
    return np.array(out)


def sizing_figures() -> dict[str, float]:
    tiers = synthetic_ladders()
    notionals = np.linspace(1e4, 5e7, 200)
    balance = 2e5
    fast = lk.leverage_for(tiers, notionals, balance).to_numpy().T.reshape(-1)
    np.testing.assert_array_equal(fast, loop_leverage_for(tiers, notionals, balance))
    t = interleaved_medians(
        {"vectorised": lambda: lk.leverage_for(tiers, notionals, balance),
         "loop": lambda: loop_leverage_for(tiers, notionals, balance)},
        repeats=3,
    )  # fmt: skip
    return {"sizing_vectorised_s": t["vectorised"], "sizing_loop_s": t["loop"],
            "sizing_ratio": t["loop"] / t["vectorised"]}  # fmt: skip


def main() -> dict[str, float]:
    figures = {**bridge_figures(), **sizing_figures()}
    rows = []
    if "bridge_s" in figures:
        rows += [
            (f"from_ccxt, {N_SYMBOLS} Binance symbols x 10", f"{figures['bridge_s'] * 1e3:.0f} ms"),
            ("  of which ccxt's own parse", f"{figures['bridge_ccxt_only_s'] * 1e3:.0f} ms"),
            ("  levkit's native parse of the same", f"{figures['bridge_native_s'] * 1e3:.0f} ms"),
            ("  from_ccxt / native", f"{figures['bridge_over_native']:.2f}x"),
            ("  one parser call per symbol / batched",
             f"{figures['bridge_batch_speedup']:.0f}x slower "
             f"({figures['bridge_per_symbol_s'] * 1e3:.0f} ms)"),
        ]  # fmt: skip
    else:
        rows.append(("from_ccxt", "ccxt not installed"))
    rows += [
        ("leverage_for, 600 ladders x 200 notionals",
         f"{figures['sizing_vectorised_s'] * 1e3:.1f} ms"),
        ("  plain Python loop", f"{figures['sizing_loop_s'] * 1e3:.0f} ms"),
        ("  loop / leverage_for", f"{figures['sizing_ratio']:.0f}x"),
    ]  # fmt: skip
    print(table(rows))
    return figures


if __name__ == "__main__":
    main()
