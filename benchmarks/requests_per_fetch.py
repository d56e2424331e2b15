"""Requests per full Bybit risk-limit fetch, and on a cached repeat.

The simulator holds a synthetic linear ladder of 600 symbols (8 to 30 tiers each) and
pages ``/v5/market/risk-limit`` 15 symbols at a time, as Bybit does.  ``lk.Bybit`` fetches
every page once, answers a repeat from its cache (no request), and fetches every page
again with ``refresh=True``.  Run from the repository root::

    python benchmarks/requests_per_fetch.py

Targets: the full fetch is one request per page (600 / 15 = 40), the cached repeat 0.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _timing import table  # noqa: E402

import levkit as lk  # noqa: E402
from levkit.frames import tiers_frame  # noqa: E402
from levkit.sim import Simulator  # noqa: E402

PATH = "/v5/market/risk-limit"
N_SYMBOLS = 600
PAGE_SIZE = 15


def synthetic_ladder(n_symbols: int = N_SYMBOLS):
    """A tiers frame of ``n_symbols`` linear USDT symbols, 8-30 tiers each (deterministic)."""
    exchange, symbol, cap, lev = [], [], [], []
    for s in range(n_symbols):
        tiers = 8 + s % 23
        top = (150, 100, 75, 50, 25)[s % 5]
        base = (100_000, 200_000, 300_000, 2_000_000)[s % 4]
        for t in range(tiers):
            exchange.append("bybit")
            symbol.append(f"S{s:03d}USDT")
            cap.append(float(base * (t + 1)))
            lev.append(float(max(1, top - t * top // tiers)))
    return tiers_frame(
        {"exchange": exchange, "symbol": symbol, "max_notional": cap, "max_leverage": lev},
        source="simulator",
    )


def main() -> dict[str, float]:
    ladder = synthetic_ladder()
    sim = Simulator(ladder, page_size=PAGE_SIZE)
    client = lk.Bybit(session=sim.session(), progress=False)

    def count(fn) -> tuple[int, float, object]:
        before = sim.count(PATH)
        start = time.perf_counter()
        out = fn()
        return sim.count(PATH) - before, time.perf_counter() - start, out

    first, t_first, frame = count(lambda: client.risk_limits())
    cached, t_cached, again = count(lambda: client.risk_limits())
    refreshed, t_refresh, fresh = count(lambda: client.risk_limits(refresh=True))
    assert frame["symbol"].nunique() == N_SYMBOLS and len(frame) == len(ladder)
    assert again.equals(frame) and fresh["max_notional"].equals(frame["max_notional"])
    pages = math.ceil(N_SYMBOLS / PAGE_SIZE)
    figures = {
        "fetch_symbols": float(N_SYMBOLS),
        "fetch_tiers": float(len(frame)),
        "fetch_pages": float(pages),
        "fetch_requests": float(first),
        "fetch_cached_requests": float(cached),
        "fetch_refresh_requests": float(refreshed),
        "fetch_first_s": t_first,
        "fetch_cached_s": t_cached,
        "fetch_refresh_s": t_refresh,
    }
    print(
        table(
            [
                ("ladder", f"{N_SYMBOLS} symbols, {len(frame)} tiers, {PAGE_SIZE} symbols/page"),
                ("full fetch", f"{first} requests ({t_first * 1e3:.0f} ms; target {pages})"),
                ("cached repeat", f"{cached} requests ({t_cached * 1e3:.1f} ms; target 0)"),
                (
                    "refresh=True",
                    f"{refreshed} requests ({t_refresh * 1e3:.0f} ms; target {pages})",
                ),
            ]
        )
    )
    return figures


if __name__ == "__main__":
    main()
