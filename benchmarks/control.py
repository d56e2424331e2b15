"""The leverage control: kernel time of one slider move, with the view built.

A :class:`levkit.LeverageControl` on a simulated Bybit account (BTCUSDT, balance 10,000)
with its ipywidgets view built (no browser: the widgets live in the kernel, as in
Jupyter).  One "move" sets the slider widget to the next leverage, exactly as a drag in
the browser does; the time is everything the kernel does for it: the state, the readouts,
the validity, the liquidation price and the curve.  Run from the repository root::

    python benchmarks/control.py

Target (issue 16): median <= 20 ms per move.  ``main()`` prints the table and returns the
figures for ``benchmarks/run.py``.
"""

from __future__ import annotations

import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import table  # noqa: E402

TARGET_MS = 20.0
MOVES = 60
#: Median per move of the control as it was at commit 3df395b (a full matplotlib re-render
#: to PNG on every move), measured with this script on the project machine.
BEFORE_MS = 220.0


def _control():
    import levkit as lk
    from levkit.sim import DEMO_KEY, DEMO_SECRET, Simulator

    client = lk.Bybit(DEMO_KEY, DEMO_SECRET, session=Simulator().session(), testnet=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        control = lk.LeverageControl(client, "BTCUSDT", balance=10_000)
        control.widget  # noqa: B018 - builds the view (and the figure)
    return control


def move_times(moves: int = MOVES) -> dict[str, list[float]]:
    """Seconds per slider move, over ``moves`` moves back and forth on 2x..41x, two ways,
    interleaved so machine load hits both alike:

    - ``blit``: what the control does now (readouts, markers blitted on the cached curve);
    - ``full``: the same move plus a full ``savefig`` of the figure, which is what every
      move cost before issue 16 (the 0.1 control re-rendered the whole figure to PNG).
    """
    import io

    control = _control()
    slider = control.view.sliders["both"]
    figure = control.view.plot.figure
    values = [2 + (i % 40) for i in range(moves + 1)]
    slider.value = values[0]
    times: dict[str, list[float]] = {"blit": [], "full": []}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i, value in enumerate(values[1:]):
            for way in ("blit", "full") if i % 2 else ("full", "blit"):
                slider.value = 1 if slider.value == value else slider.value
                start = time.perf_counter()
                slider.value = value
                if way == "full":
                    figure.savefig(io.BytesIO(), format="png")
                times[way].append(time.perf_counter() - start)
    control.close()
    return times


def main() -> dict[str, float]:
    times = move_times()
    blit, full = (statistics.median(times[k]) for k in ("blit", "full"))
    p90 = sorted(times["blit"])[int(0.9 * len(times["blit"]))]
    figures = {"move_median_s": blit, "move_p90_s": p90, "full_median_s": full}
    print(
        table(
            [
                ("slider moves (each way)", str(len(times["blit"]))),
                ("before: full re-render per move", f"{full * 1e3:.1f} ms"),
                ("after: blit per move (median)", f"{blit * 1e3:.1f} ms"),
                ("after: 90th percentile", f"{p90 * 1e3:.1f} ms"),
                ("speed-up", f"{full / blit:.1f}x"),
                ("measured at 3df395b (0.1 control)", f"{BEFORE_MS:g} ms median"),
                ("target", f"<= {TARGET_MS:g} ms"),
            ]
        )
    )
    return figures


if __name__ == "__main__":
    main()
