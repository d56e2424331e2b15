"""BingX tier discovery on the simulator holding BingX's real BTC-USDT ladder (12 tiers, 150x).

For each way of splitting the leverage range (``round``: levkit's default, ``bisect``: plain
midpoints, ``exhaustive``: every leverage, through the same probe), it reports the
set-leverage calls, whether the ladder found equals the snapshot's, whether the original
leverage was put back, and two times:

- *limited*: the time BingX's 5 requests/s limit makes the run take.  Client and simulator
  share a fake clock that only moves when the client's rate limiter waits, so this is the
  wall time a real account would see (plus network latency), computed without sleeping;
- *CPU*: the real wall time of the run in this process (in-process transport, no sleeps).

Run from the repository root (a few tenths of a second)::

    python benchmarks/discovery.py

Target (issue 5): the exact ladder in at most 50 set-leverage calls, versus 150 for probing
every leverage, with the original leverage restored.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _timing import table  # noqa: E402

import levkit as lk  # noqa: E402
from levkit.sim import DEMO_KEY, DEMO_SECRET, Simulator  # noqa: E402
from levkit.sim.testing import FakeClock  # noqa: E402

SYMBOL = "BTC-USDT"
LEVERAGE_PATH = "/openApi/swap/v2/trade/leverage"
STRATEGIES = ("round", "bisect", "exhaustive")


def run(strategy: str, *, hedge: bool = False) -> dict[str, float | bool]:
    """One discovery on a fresh simulator; the figures of that run."""
    ladder = lk.load_snapshot("bingx", SYMBOL)
    clock = FakeClock()
    sim = Simulator(
        ladder,
        margin_tiers=lk.load_snapshot("bingx", SYMBOL, kind="margin"),
        clock=clock,
        sleep=clock.sleep,
        hedge=hedge,
    )
    client = lk.BingX(DEMO_KEY, DEMO_SECRET, session=sim.session(), clock=clock, sleep=clock.sleep)
    before = (sim.leverage("bingx", SYMBOL, "long"), sim.leverage("bingx", SYMBOL, "short"))
    start_fake, start_real = clock(), time.perf_counter()
    tiers = client.discover_tiers(SYMBOL, progress=False, strategy=strategy)
    cpu = time.perf_counter() - start_real
    after = (sim.leverage("bingx", SYMBOL, "long"), sim.leverage("bingx", SYMBOL, "short"))
    exact = tiers["max_notional"].tolist() == ladder["max_notional"].tolist() and (
        tiers["max_leverage"].tolist() == ladder["max_leverage"].tolist()
    )
    return {
        "calls": tiers.attrs["calls"],
        "posts_seen": sim.count(LEVERAGE_PATH, method="POST"),
        "probes": tiers.attrs["probes"],
        "requests": len(sim.calls),
        "limited_s": clock() - start_fake,
        "cpu_s": cpu,
        "exact": exact,
        "restored": after == before,
        "rejected": sim.count(code=100410),
    }


def main() -> dict[str, float | bool]:
    """Run every strategy (one-way account) and ``round`` on a hedge account too."""
    results = {s: run(s) for s in STRATEGIES}
    results["round-hedge"] = run("round", hedge=True)
    figures: dict[str, float | bool] = {"every_leverage_calls": 150}
    for name, res in results.items():
        for key, value in res.items():
            figures[f"{name}_{key}"] = value
    rows = [("ladder", f"BingX {SYMBOL} (snapshot): 12 tiers, 1x..150x; 5 requests/s")]
    for name, res in results.items():
        rows.append(
            (
                name,
                f"{res['calls']:4d} set-leverage calls ({res['probes']} probes), "
                f"{res['requests']:3d} requests, limited {res['limited_s']:5.1f} s, "
                f"CPU {res['cpu_s'] * 1e3:6.1f} ms, exact {res['exact']}, "
                f"restored {res['restored']}",
            )
        )
    best = results["round"]["calls"]
    rows.append(
        ("target", f"<= 50 calls vs 150 for every leverage: {best} ({150 / best:.1f}x fewer)")
    )
    print(table(rows))
    return figures


if __name__ == "__main__":
    main()
