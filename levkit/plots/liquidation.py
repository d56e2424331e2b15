"""How far the price may move before an isolated position is liquidated, against leverage.

The figures come from :func:`levkit.liquidation.curve.liquidation_curve` (the
liquidation package's own solver); this module only draws them.

Seaborn style: optional ``ax``, draw on it, return it; matplotlib is imported inside the
function.  What is drawn, in order (tests read ``ax.lines[i].get_xydata()``):

- ``ax.lines[i]``, one per (exchange, symbol) in sorted order: points ``(L, distance)``
  with ``distance = 100·(entry − LP)/entry`` for a long, ``100·(LP − entry)/entry`` for a
  short, for L on a fine grid from 1 to ``max_leverage(notional)`` (only leverages valid
  for that notional), every integer leverage included.  A symbol whose ladder does not
  hold ``notional`` draws an empty line, so the order still matches.
- ``ax.collections``: one scatter per symbol marking where the tier used changes along
  the curve (the tier at the liquidation price, Binance and Hyperliquid), with its number.
- A dotted horizontal line at 100 % for a long: "liquidated only at zero".
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..liquidation.curve import curve_parts, liquidation_curve
from ..numbers import format_notional

__all__ = ["plot_liquidation"]


def _minor_percent(v: float, _pos: Any) -> str:
    mantissa = round(v / 10 ** np.floor(np.log10(v)), 6) if v > 0 else 0
    return f"{v:g}%" if mantissa in (2, 5) else ""


def plot_liquidation(
    tiers: pd.DataFrame,
    entry_price: float,
    notional: float,
    *,
    ax: Any = None,
    side: str = "long",
    points: int = 400,
    extra_margin: float = 0.0,
    fee_rate: float = 0.0,
    **kwargs: Any,
) -> Any:
    """Liquidation distance (% from entry) against leverage, one line per symbol.

    Parameters
    ----------
    tiers : DataFrame
        A tiers frame, one or many (exchange, symbol) ladders.
    entry_price, notional : float
        The position: entry price and value in the ladders' ``notional_unit`` (quote
        currency for linear ladders; coin value, or USD face value, for coin-margined).
    ax : matplotlib Axes, optional
        Where to draw; ``plt.gca()`` by default.
    side : {"long", "short"}
    points : int
        Grid points between 1x and the top leverage (integers are always added).
    extra_margin, fee_rate : float
        As in :func:`levkit.liquidation.liquidation_price`.
    **kwargs
        Passed to ``Axes.plot`` for the lines.

    Returns
    -------
    matplotlib Axes
        Log-log axes: leverage, and the move in percent of the entry price (a long's line
        reaches 100 % where no positive price liquidates it).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from levkit.frames import tiers_frame
    >>> t = tiers_frame({"exchange": ["bybit"] * 2, "symbol": ["BTCUSDT"] * 2,
    ...                  "max_notional": [3e5, 2e6], "max_leverage": [150, 100],
    ...                  "maintenance_margin_rate": [0.0033, 0.005],
    ...                  "mm_deduction": [0, 510]}, source="api")
    >>> fig, ax = plt.subplots()
    >>> ax = plot_liquidation(t, 50_000, 1e6, ax=ax)
    >>> xy = ax.lines[0].get_xydata()
    >>> xy[0].tolist(), xy[-1, 0]
    ([1.0, 100.0], np.float64(100.0))
    >>> plt.close(fig)
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    curve = liquidation_curve(
        tiers, entry_price, notional, side=side, points=points,
        extra_margin=extra_margin, fee_rate=fee_rate,
    )  # fmt: skip
    ax = plt.gca() if ax is None else ax
    for label, rows in curve_parts(curve):
        x, y, used = (rows[c].to_numpy() for c in ("leverage", "distance", "tier"))
        line = ax.plot(x, y, label=label, **kwargs)[0]
        change = np.flatnonzero(used[1:] != used[:-1]) + 1
        if len(change):
            ax.scatter(x[change], y[change], color=line.get_color(), s=18, zorder=3)
            for i in change:
                ax.annotate(f"tier {used[i]} \u2192", (x[i], y[i]), fontsize="x-small",
                            textcoords="offset points", xytext=(4, 4))  # fmt: skip
    long = side == "long"
    if long:
        ax.axhline(100.0, color="grey", linestyle=":", linewidth=1)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}x"))
    ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _pos: ""))
    ax.set_xlabel("leverage")
    ax.set_ylabel(f"price move to liquidation ({'down' if long else 'up'}, % of entry)")
    unit = curve.attrs.get("notional_unit")
    ax.set_title(f"{side} {format_notional(float(notional), unit)} at {entry_price:g}",
                 fontsize="medium")  # fmt: skip
    ax.grid(True, which="both", alpha=0.2)
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}%"))
    ax.yaxis.set_minor_formatter(FuncFormatter(_minor_percent))
    ax.legend()
    return ax
