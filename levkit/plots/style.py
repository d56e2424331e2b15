"""How :func:`levkit.plots.plot_risk_limits` keeps many ladders readable.

With several venues each gets one colour (in registry order, the same in every figure)
and each base asset one line style, so "okx ETH" is the okx colour in the ETH style.
Dashes stay reserved for the unknown part of incomplete ladders.  With many ladders the
legend goes outside the axes and the title says how old the figures are.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..model import Ladders

__all__ = ["as_of_title", "ladder_styles", "place_legend", "venue_color"]

#: Line styles per base asset (never "--": dashes mean "lower bound").
BASE_STYLES: tuple[Any, ...] = ("-", ":", "-.", (0, (3, 1, 1, 1, 1, 1)))


def venue_color(exchange: str) -> str:
    """The colour of a venue: one of matplotlib's ``C0``-``C9`` (grey left out), in
    registry order of the venues that have ladders (their own, or shipped: every venue
    but the legacy API); ``"C7"`` (grey) for other names.

    Examples
    --------
    >>> venue_color("bybit"), venue_color("bingx"), venue_color("elsewhere")
    ('C0', 'C1', 'C7')
    """
    from ..venues import names, venue

    known = [n for n in names() if not venue(n).capabilities.ladder_from]
    palette = ("C0", "C1", "C2", "C3", "C4", "C5", "C6", "C8", "C9")
    return palette[known.index(exchange) % len(palette)] if exchange in known else "C7"


def ladder_styles(lad: Ladders, kwargs: dict[str, Any]) -> list[dict[str, Any]]:
    """Per ladder: ``color`` by venue and ``linestyle`` by base asset, when the frame holds
    several venues (and the caller set neither)."""
    from ..comparison import base_asset

    styles: list[dict[str, Any]] = [{} for _ in range(lad.n)]
    exchanges = [str(e) for e in lad.exchange]
    if len(set(exchanges)) < 2:
        return styles
    if not {"color", "c"} & set(kwargs):
        for g, e in enumerate(exchanges):
            styles[g]["color"] = venue_color(e)
    bases = [base_asset(str(s), e) for s, e in zip(lad.symbol, exchanges, strict=True)]
    order = sorted(set(bases), key=lambda b: (b not in ("BTC", "ETH"), b))
    if len(order) > 1 and not {"linestyle", "ls"} & set(kwargs):
        for g, b in enumerate(bases):
            styles[g]["linestyle"] = BASE_STYLES[order.index(b) % len(BASE_STYLES)]
    return styles


def as_of_title(tiers: pd.DataFrame, lad: Ladders) -> str:
    """``"Max position value by leverage (figures as of 2022-02-11 to 2026-01-01)"``."""
    from ..model.completeness import as_of_dates

    dates = as_of_dates(tiers, lad).dropna()
    title = "Max position value by leverage"
    if dates.empty:
        return title
    low, high = dates.min().date(), dates.max().date()
    when = f"as of {low}" if low == high else f"as of {low} to {high}"
    per = dates.groupby(level=0).min()
    if 1 < len(per) <= 8 and low != high:
        parts = [f"{e} {d.date()}" for e, d in per.items()]
        when += "\n" + "\n".join(", ".join(parts[i : i + 4]) for i in range(0, len(parts), 4))
    return f"{title} (figures {when})"


def place_legend(ax: Any, *, outside: bool) -> Any:
    """The legend, outside the axes on the right when ``outside`` (many entries)."""
    if not outside:
        return ax.legend()
    handles, labels = ax.get_legend_handles_labels()
    ncol = 1 if len(labels) <= 18 else 2
    return ax.legend(
        loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False, ncol=ncol,
        borderaxespad=0.0,
    )  # fmt: skip
