"""Bytes of a Bybit risk-limit answer -> tiers frame: levkit vs ccxt vs bare json.loads.

Synthetic answer: 600 symbols x 30 tiers, numbers as strings, rows shuffled, Bybit's wire
shape.  Run from the repository root::

    python benchmarks/parse_risk_limits.py

Targets: levkit at least 3x faster than ccxt's ``parse_leverage_tiers`` followed by
``pd.DataFrame`` (issue 2), and at most 1.5x the floor, a bare ``json.loads`` of the same
bytes (issue 19, item 7), with every ladder checked (``levkit._ladder_check``) included.
A second levkit figure times an answer with one symbol's ladder broken (dropped, warned):
checking costs no more when it finds something.
"""

from __future__ import annotations

import json
import random
import sys
import warnings
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _timing import interleaved_medians, table  # noqa: E402

from levkit.venues.bybit.parse import decode_risk_limit_page, parse_risk_limits  # noqa: E402

#: levkit's parse over a bare json.loads of the same bytes (issue 19, item 7).
TARGET_FLOOR_RATIO = 1.5


def synthetic_answer(
    n_symbols: int = 600, n_tiers: int = 30, seed: int = 7, broken: int = 0
) -> bytes:
    """``broken`` symbols get a negative cap on one tier (levkit drops their ladders)."""
    rng = random.Random(seed)
    rows = []
    for s in range(n_symbols):
        base_cap = rng.choice([100_000, 200_000, 300_000, 2_000_000])
        step = base_cap // 2
        top = rng.choice([150, 100, 75, 50, 25])
        for t in range(n_tiers):
            im = round(1 / top + 0.002 * t, 6)
            rows.append(
                {
                    "id": t + 1,
                    "symbol": f"S{s:03d}USDT",
                    "riskLimitValue": str(-1 if s < broken and t == 3 else base_cap + step * t),
                    "maintenanceMargin": str(round(im / 2, 6)),
                    "initialMargin": str(im),
                    "isLowestRisk": 1 if t == 0 else 0,
                    "maxLeverage": f"{1 / im:.2f}",
                    "mmDeduction": "" if t == 0 else str(50 * t * t),
                }
            )
    rng.shuffle(rows)
    body = {
        "retCode": 0,
        "retMsg": "OK",
        "result": {"category": "linear", "list": rows, "nextPageCursor": ""},
        "retExtInfo": {},
        "time": 1_700_000_000_000,
    }
    return json.dumps(body).encode()


def levkit_route(raw: bytes) -> pd.DataFrame:
    return parse_risk_limits(decode_risk_limit_page(raw)["result"]["list"])


def levkit_quiet(raw: bytes) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return levkit_route(raw)


def ccxt_route(exchange, raw: bytes) -> pd.DataFrame:
    tiers = exchange.parse_leverage_tiers(json.loads(raw)["result"]["list"])
    return pd.DataFrame([t for ladder in tiers.values() for t in ladder])


def floor_route(raw: bytes):
    return json.loads(raw)


def main(repeats: int = 15) -> dict[str, float]:
    raw = synthetic_answer()
    frame = levkit_route(raw)
    assert len(frame) == 600 * 30 and frame["symbol"].nunique() == 600
    bad = synthetic_answer(broken=3)
    assert len(levkit_quiet(bad).attrs["dropped"]) == 3
    routes = {
        "levkit": lambda: levkit_route(raw),
        "floor": lambda: floor_route(raw),
        "levkit_bad": lambda: levkit_quiet(bad),
    }
    try:
        import ccxt
    except ImportError:
        ccxt = None
    if ccxt is not None:
        exchange = ccxt.bybit()
        assert len(ccxt_route(exchange, raw)) == len(frame)
        routes["ccxt"] = lambda: ccxt_route(exchange, raw)
    medians = interleaved_medians(routes, repeats=repeats)
    figures = {
        "parse_bytes": float(len(raw)),
        "parse_levkit_s": medians["levkit"],
        "parse_floor_s": medians["floor"],
        "parse_levkit_dropping_s": medians["levkit_bad"],
    }
    if "ccxt" in medians:
        figures["parse_ccxt_s"] = medians["ccxt"]
        figures["parse_ccxt_over_levkit"] = figures["parse_ccxt_s"] / figures["parse_levkit_s"]
    figures["parse_levkit_over_floor"] = figures["parse_levkit_s"] / figures["parse_floor_s"]
    rows = [
        ("answer", f"600 symbols x 30 tiers, {len(raw) / 1e6:.1f} MB"),
        ("levkit (msgspec + parse)", f"{figures['parse_levkit_s'] * 1e3:8.1f} ms (median)"),
        ("floor (json.loads)", f"{figures['parse_floor_s'] * 1e3:8.1f} ms"),
    ]
    if "parse_ccxt_s" in figures:
        rows.append(("ccxt + pd.DataFrame", f"{figures['parse_ccxt_s'] * 1e3:8.1f} ms"))
        rows.append(("ccxt / levkit", f"{figures['parse_ccxt_over_levkit']:8.1f}x  (target >= 3x)"))
    else:
        rows.append(("ccxt", "not installed: pip install -e '.[bench]'"))
    rows.append(
        (
            "levkit / floor",
            f"{figures['parse_levkit_over_floor']:8.2f}x  (target <= {TARGET_FLOOR_RATIO:g}x)",
        )
    )
    rows.append(
        (
            "levkit, 3 ladders dropped",
            f"{figures['parse_levkit_dropping_s'] * 1e3:8.1f} ms "
            f"({figures['parse_levkit_dropping_s'] / figures['parse_floor_s']:.2f}x the floor)",
        )
    )
    figures["parse_levkit_first_s"] = _first_parse(raw)
    rows.append(
        (
            "levkit, first parse",
            f"{figures['parse_levkit_first_s'] * 1e3:8.1f} ms "
            f"({figures['parse_levkit_first_s'] / figures['parse_floor_s']:.2f}x the floor; "
            "each id's instrument resolved once, then cached)",
        )
    )
    print(table(rows))
    return figures


def _first_parse(raw: bytes) -> float:
    """One parse with the instrument cache empty (``levkit.venues.units_of``): what the
    first answer of a process costs; the medians above are of later answers."""
    import time

    from levkit.venues._resolve import _listed_cached

    _listed_cached.cache_clear()
    start = time.perf_counter()
    levkit_route(raw)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
