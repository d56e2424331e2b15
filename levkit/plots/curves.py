"""Risk-limit and capacity plots, seaborn style: optional ``ax``, draw on it, return it.

matplotlib is imported inside the functions, never when levkit is imported.  Nothing here
calls ``plt.show()``.  Without ``ax`` the functions draw on ``plt.gca()`` (as seaborn does).

What each function draws, in ``ax.lines`` order (tests read ``get_xydata()``):

- :func:`plot_risk_limits`: one line per (exchange, symbol) in sorted order, drawn with
  ``drawstyle="steps-pre"`` through the points ``(L, max_position_value(L))`` for L = 1
  (for an incomplete ladder: its lowest known leverage instead) and each tier leverage;
  then one dashed line per incomplete ladder over its unknown part, from 1x to its lowest
  known leverage at that cap, labelled "... (lower bound below Nx)"; then, with
  ``leverage=``, one marker line per symbol at ``(leverage, max_position_value(leverage))``
  (NaN where the leverage is invalid).
- :func:`plot_capacity` (one symbol): balance x L, the cap curve (as above, known part),
  the capacity ``min(balance x L, cap)`` as an exact polyline (vertical drops at tier
  leverages), the best leverage as a marker, and for an incomplete ladder a last dashed
  line: the cap's lower bound over the unknown part.
"""

from __future__ import annotations

import math
from typing import Any, cast

import numpy as np
import pandas as pd

from ..model import Ladders, best_leverage, notional_unit
from ..model.completeness import use
from ..model.units import axis_unit
from ..numbers import format_notional, show

__all__ = ["plot_risk_limits", "plot_capacity"]

#: Above this many ladders, plot_risk_limits colours by venue, styles lines by base asset,
#: puts the legend outside and the marked values into it, and titles the as-of dates.
MANY = 3


def _unit(tiers: pd.DataFrame, unit: str | None) -> str:
    """Kept for callers of the old private name: :func:`levkit.model.notional_unit`."""
    return notional_unit(tiers, unit)


def _steps(lad: Ladders, g: int, *, known: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Corner points of group ``g``'s cap curve, for ``drawstyle="steps-pre"``; with
    ``known``, only the known part of an incomplete ladder (from its lowest leverage)."""
    levs = lad.lev[lad.start[g] : lad.stop[g]]
    first = float(lad.unknown_below[g]) if known else 1.0
    with np.errstate(invalid="ignore"):
        x = np.unique(np.r_[first, levs[np.isfinite(levs) & (levs >= first)]])
    return x, lad.cap[lad.cap_row(np.full(len(x), g), x)]


def _unknown_part(ax: Any, lad: Ladders, g: int, color: Any, label: str, kwargs: dict) -> None:
    """The dashed lower-bound segment of an incomplete ladder, from 1x to its known part,
    in the known curve's colour (the caller's own colour/label/style keywords are for the
    known curve: the dashes and the "lower bound" label are this segment's)."""
    edge = float(lad.unknown_below[g])
    y = float(lad.cap[lad.cap_row(np.r_[g], np.r_[edge])[0]])
    drop = ("color", "c", "label", "linestyle", "ls", "drawstyle")
    style = {k: v for k, v in kwargs.items() if k not in drop}
    style.update(linestyle="--", color=color, drawstyle="default")
    ax.plot([1.0, edge], [y, y], label=f"{label} (lower bound below {show(edge)}x)", **style)


def _capacity_line(x: np.ndarray, cap: np.ndarray, balance: float, dense: np.ndarray) -> np.ndarray:
    """Polyline of min(balance x L, cap(L)) from the step corners ``x``, ``cap``.

    Exact at the corners (a vertical drop at each tier leverage, the point where balance x L
    meets the cap); the points of ``dense`` in between keep balance x L curved on a log axis.
    """
    left, right, value = x[:-1], x[1:], cap[1:]  # cap(L) = value on (left, right]
    cross = value / balance
    cross = np.where((cross > left) & (cross < right), cross, np.nan)
    xs = np.stack([left, cross, right], axis=1).ravel()
    ys = np.stack(
        [np.minimum(balance * left, value), value, np.minimum(balance * right, value)], axis=1
    ).ravel()
    corners = np.r_[[[x[0], min(balance * x[0], cap[0])]], np.c_[xs, ys]]
    corners = corners[~np.isnan(corners[:, 0])]
    inner = dense[~np.isin(dense, corners[:, 0])]
    seg = np.searchsorted(x, inner, side="left")  # inner lies in (x[seg-1], x[seg]]
    pts = np.r_[corners, np.c_[inner, np.minimum(balance * inner, cap[seg])]]
    pts = pts[np.argsort(pts[:, 0], kind="stable")]
    keep = np.r_[True, np.any(pts[1:] != pts[:-1], axis=1)]
    return pts[keep]


def _style_axes(ax: Any, unit: str, ylabel: str) -> None:
    from matplotlib.ticker import FuncFormatter

    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _pos: format_notional(y)))
    low, high = ax.get_ylim()
    few_decades = high / low <= 100

    def minor(y: float, _pos: Any) -> str:
        mantissa = round(y / 10 ** math.floor(math.log10(y)), 6) if y > 0 else 0
        return format_notional(y) if few_decades and mantissa in (2, 5) else ""

    ax.yaxis.set_minor_formatter(FuncFormatter(minor))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{show(x)}x"))
    ax.set_xlabel("leverage")
    ax.set_ylabel(f"{ylabel} ({unit})" if unit else ylabel)
    ax.grid(True, which="major", alpha=0.3)


def plot_risk_limits(
    tiers: pd.DataFrame,
    *,
    ax: Any = None,
    leverage: float | None = None,
    unit: str | None = None,
    **kwargs: Any,
) -> Any:
    """Max position value against leverage, one step curve per (exchange, symbol).

    Parameters
    ----------
    tiers : DataFrame
        A tiers frame, one or many symbols (each needs a leverage column).
    ax : matplotlib Axes, optional
        Where to draw; ``plt.gca()`` by default.
    leverage : float, optional
        Mark ``(leverage, max_position_value(leverage))`` on each curve, with its value.
    unit : str, optional
        Currency of the notional for the y label: the ladders' ``notional_unit`` (guessed
        from the symbols where the frame has none, else ``"USDT"``).  Ladders in a coin
        (coin-margined) beside ladders in another unit raise ``ValueError``: one axis,
        one unit.
    **kwargs
        Passed to ``Axes.plot`` for the step lines (e.g. ``linewidth``, ``alpha``).

    Returns
    -------
    matplotlib Axes
        Log y axis with ticks like ``300k``, ``12M``, ``1.2B``; legend ``"bingx BTC-USDT"``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from levkit.frames import tiers_frame
    >>> t = tiers_frame({"exchange": ["bybit"] * 2, "symbol": ["BTCUSDT"] * 2,
    ...                  "max_notional": [3e5, 2e6], "max_leverage": [150, 100]}, source="api")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> ax = plot_risk_limits(t, ax=ax, leverage=100)
    >>> ax.lines[0].get_xydata().tolist()
    [[1.0, 2000000.0], [100.0, 2000000.0], [150.0, 300000.0]]
    >>> plt.close(fig)
    """
    import matplotlib.pyplot as plt

    from .style import as_of_title, ladder_styles, place_legend

    lad = use(tiers)
    unit = axis_unit(tiers, lad, unit)  # a coin ladder never shares an axis with USDT ones
    ax = plt.gca() if ax is None else ax
    many = lad.n > MANY
    styles = ladder_styles(lad, kwargs)
    labels = [lad.label(g) for g in range(lad.n)]
    marks: list[str] = [""] * lad.n
    if leverage is not None:
        lev = float(leverage)
        gs = np.arange(lad.n)
        row = lad.cap_row(gs, np.full(lad.n, lev))
        lower = lad.on_unknown_leverage(gs, np.full(lad.n, lev))
        for g in range(lad.n):
            if row[g] >= 0:
                cap = float(lad.cap[row[g]])
                text = f"{format_notional(cap) if cap < np.inf else 'no cap'} at {show(lev)}x"
                marks[g] = f">= {text} (lower bound)" if lower[g] else text
    # An uncapped top tier (Hyperliquid: max_notional = inf) is drawn at a "no cap" level
    # above every finite cap, with an arrow and the words, instead of vanishing off a log axis.
    finite = lad.cap[np.isfinite(lad.cap)]
    ceiling = float(finite.max()) * 4 if finite.size else 1.0
    curves, uncapped = [], False
    drawn: dict[bytes, int] = {}  # a curve's points -> the first curve drawn with them
    for g in range(lad.n):
        x, y = _steps(lad, g, known=True)
        label = f"{labels[g]}: {marks[g]}" if many and marks[g] else labels[g]
        same = drawn.setdefault(np.concatenate([x, y]).tobytes(), g)
        if same != g:  # two venues with one ladder: the later line would hide the earlier
            label += f" (same ladder as {labels[same]})"
        style = {"drawstyle": "steps-pre", "label": label, **styles[g], **kwargs}
        open_top = np.isposinf(y)
        curves.append(ax.plot(x, np.where(open_top, ceiling, y), **style)[0])
        if same != g:  # the earlier line, wider and beneath, shows as an outline of this one
            under = curves[same]
            under.set_linewidth(max(under.get_linewidth(), curves[g].get_linewidth()) * 2.6)
            under.set_zorder(curves[g].get_zorder() - 0.1)
        uncapped = uncapped or bool(open_top.any())
    if uncapped:  # one label for every uncapped line (they share the level)
        ax.annotate(
            "no cap \u2191 (uncapped top tier)", (1.0, ceiling), textcoords="offset points",
            xytext=(2, 4), ha="left", fontsize="small", color="0.3",
        )  # fmt: skip
    for k, part in enumerate(np.flatnonzero(lad.unknown_below > 1).tolist()):
        extra = {"linewidth": 1.0, "alpha": 0.7} if many else {}
        _unknown_part(ax, lad, part, curves[part].get_color(), labels[part], {**extra, **kwargs})
        if many:  # one legend entry says what dashes mean
            ax.lines[-1].set_label(
                "dashed: lower bound (incomplete ladder)" if k == 0 else "_nolegend_"
            )
    if leverage is not None:
        for g, line in enumerate(curves):
            at = float(lad.cap[row[g]]) if row[g] >= 0 else np.nan
            at = ceiling if np.isposinf(at) else at
            ax.plot(
                [lev],
                [at],
                marker="o",
                linestyle="none",
                color=line.get_color(),
                label="_nolegend_",
            )
            if marks[g] and not many:  # many: the value is in the legend, not piled up here
                ax.annotate(
                    marks[g], (lev, at), textcoords="offset points", xytext=(6, 6), fontsize="small"
                )
    _style_axes(ax, unit, "max position value")
    ax.set_xlim(left=0)
    if many and not ax.get_title():
        ax.set_title(as_of_title(tiers, lad), fontsize="medium")
    place_legend(ax, outside=many)
    return ax


def plot_capacity(
    tiers: pd.DataFrame,
    balance: float,
    *,
    ax: Any = None,
    step: float = 1.0,
    unit: str | None = None,
    **kwargs: Any,
) -> Any:
    """What ``balance`` can open at each leverage, for one symbol, with the best leverage.

    Draws, in ``ax.lines`` order: the line balance x L; the cap curve max_position_value(L)
    (steps); the capacity min(balance x L, cap) (an exact polyline); the best leverage
    (:func:`levkit.model.best_leverage` with ``step``) as a point, with a label.

    Parameters
    ----------
    tiers : DataFrame
        A tiers frame holding exactly one (exchange, symbol); several raise ``ValueError``
        (select one first, e.g. ``tiers[tiers["symbol"] == "BTCUSDT"]``).
    balance : float
        The margin available, in the notional's currency.
    ax, unit
        As in :func:`plot_risk_limits`.
    step : float
        The exchange's leverage step for the best leverage (1 by default).
    **kwargs
        Passed to ``Axes.plot`` for the capacity line.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from levkit.frames import tiers_frame
    >>> t = tiers_frame({"exchange": ["bingx"] * 3, "symbol": ["BTC-USDT"] * 3,
    ...                  "max_notional": [3e5, 8e5, 3e6], "max_leverage": [150, 100, 75]}, source="api")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> ax = plot_capacity(t, 10_000, ax=ax)
    >>> ax.lines[3].get_xydata().tolist()
    [[80.0, 800000.0]]
    >>> plt.close(fig)
    """
    import matplotlib.pyplot as plt

    lad = use(tiers)
    if lad.n != 1:
        shown = ", ".join(lad.label(g) for g in range(min(lad.n, 5)))
        raise ValueError(
            f"plot_capacity draws one symbol; this frame holds {lad.n} ({shown}"
            f"{', ...' if lad.n > 5 else ''}): select one first, e.g. "
            f"tiers[tiers['symbol'] == {lad.symbol[0]!r}]"
        )
    best = float(cast(float, best_leverage(tiers, balance, step=step)))  # one symbol
    value = float(balance)
    ax = plt.gca() if ax is None else ax
    unit = axis_unit(tiers, lad, unit)
    x, cap = _steps(lad, 0)
    xk, capk = _steps(lad, 0, known=True)
    edge = float(lad.unknown_below[0])
    top = float(lad.top[0])
    dense = np.linspace(1.0, top, 512)
    line = np.unique(np.r_[dense, x])
    ax.plot(
        line,
        value * line,
        linestyle="--",
        color="0.5",
        label=f"balance × leverage ({format_notional(value, unit)})",
    )
    ax.plot(xk, capk, drawstyle="steps-pre", color="C0", alpha=0.6, label="max position value")
    pts = _capacity_line(x, cap, value, dense)
    ax.plot(pts[:, 0], pts[:, 1], **{"color": "C1", "linewidth": 2, "label": "capacity", **kwargs})
    best_cap = min(value * best, float(lad.cap[lad.cap_row(np.zeros(1, int), np.r_[best])[0]]))
    rests = edge > 1 and (best < edge or best_cap < value * edge)
    note = " (rests on a lower bound)" if rests else ""
    ax.plot(
        [best],
        [best_cap],
        marker="o",
        linestyle="none",
        color="C3",
        label=f"best leverage {show(best)}x{note}",
    )
    ax.annotate(
        f"{show(best)}x: {format_notional(best_cap, unit)}{note}",
        (best, best_cap),
        textcoords="offset points",
        xytext=(6, 6),
        fontsize="small",
    )
    if edge > 1:
        _unknown_part(ax, lad, 0, "C0", "max position value", {"alpha": 0.6})
    _style_axes(ax, unit, "position value")
    ax.set_xlim(left=0)
    ax.set_title(f"{lad.label(0)}: capacity of {format_notional(value, unit)}")
    ax.legend()
    return ax
