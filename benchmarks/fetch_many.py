"""Every venue's full ladders at once, on the simulator, against the rate-limit floor.

The simulator answers each venue in its wire format with the specs' published rate limits
(the same the clients pace by) and a latency per request (``LATENCY`` seconds, a sleep
outside the simulator's lock, so venues overlap as over a network).  Each venue serves
``N_SYMBOLS`` synthetic symbols.  ``lk.fetch_risk_limits(names)`` fetches them all, one
thread per venue.  Printed: requests per venue, rate-limit refusals (goal 0), and the wall
time against the floor (the slowest venue's requests / its published rate, but at least
its requests x latency, as they are sequential within a venue): goal within 1.3x.

    python benchmarks/fetch_many.py
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd  # noqa: E402

import levkit as lk  # noqa: E402
from levkit.frames import tiers_frame  # noqa: E402
from levkit.sim import DEMO_KEY, DEMO_SECRET, Simulator  # noqa: E402
from levkit.venues import normalize_symbol, venue  # noqa: E402

VENUES = ["bybit", "binance", "okx", "bitget", "gate", "hyperliquid"]
N_SYMBOLS = 30
LATENCY = 0.02
TARGET_RATIO = 1.3
BASES = [f"C{i:02d}" for i in range(N_SYMBOLS)]


def ladders() -> pd.DataFrame:
    rows = []
    for name in VENUES:
        for base in BASES:
            sym = normalize_symbol(base, name)
            for t, (cap, lev) in enumerate([(1e5, 50), (5e5, 20), (2e6, 10), (1e7, 5)]):
                rows.append({"exchange": name, "symbol": sym, "max_notional": cap,
                             "max_leverage": float(lev), "tier": t + 1})  # fmt: skip
    return tiers_frame(pd.DataFrame(rows), source="simulator")


def floor(name: str, requests: int) -> float:
    """Seconds the venue needs at least: its ladder endpoint's published rate (weighted),
    and the latency of sequential requests."""
    ep = venue(name).endpoint("ladder")
    rate = ep.limit.rate / ep.weight if ep.limit else float("inf")
    burst = ep.limit.requests / ep.weight if ep.limit else requests
    by_rate = max(requests - burst, 0) / rate
    return max(by_rate, requests * LATENCY)


def main() -> dict[str, float]:
    sim = Simulator(ladders())
    for ep in {venue(n).endpoint(r).path for n in VENUES for r in ("ladder", "instruments",
               "marks", "contract") if r in venue(n).endpoints}:  # fmt: skip
        sim.inject("latency", path=ep, seconds=LATENCY, times=None)
    s = sim.session()
    clients = {"binance": lk.Binance(DEMO_KEY, DEMO_SECRET, session=s, progress=False)}
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = lk.fetch_risk_limits(VENUES, session=s, clients=clients, progress=False)
    wall = time.perf_counter() - start
    calls = sim.calls_frame()
    per = calls.groupby("exchange").size().reindex(VENUES, fill_value=0)
    codes = [10006, -1003, 50011, 429, 30007]  # the venues' rate-limit codes
    hit = (calls["status"] == 429) | calls["code"].isin(codes)
    refused = int(hit.sum())
    for row in calls[hit].itertuples():
        print(
            f"refused: {row.exchange} {row.method} {row.path} (HTTP {row.status}, code {row.code})"
        )
    floors = {n: floor(n, int(per[n])) for n in VENUES}
    slowest = max(floors, key=floors.get)
    figures = {
        "many_wall_s": wall,
        "many_floor_s": floors[slowest],
        "many_ratio": wall / floors[slowest] if floors[slowest] else float("nan"),
        "many_refused": float(refused),
        "many_errors": float(len(t.attrs["errors"])),
        "many_symbols": float(t.groupby("exchange")["symbol"].nunique().sum()),
    }
    for n in VENUES:
        figures[f"many_requests_{n}"] = float(per[n])
    print(f"requests per venue: {per.to_dict()}  (slowest by floor: {slowest})")
    print(f"symbols returned: {t.groupby('exchange')['symbol'].nunique().to_dict()}")
    print(f"errors: {t.attrs['errors']}")
    print(f"rate-limit refusals: {refused} (goal 0)")
    print(f"wall {wall:.2f} s vs floor {floors[slowest]:.2f} s: {figures['many_ratio']:.2f}x "
          f"(goal <= {TARGET_RATIO}x)")  # fmt: skip
    return figures


if __name__ == "__main__":
    main()
