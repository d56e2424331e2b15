"""Liquidation prices along leverage: the curve :func:`levkit.plot_liquidation` draws.

One position (entry price, notional, side) taken at every leverage of a grid from 1x to
the top its ladder allows for that notional, per (exchange, symbol): its liquidation
price, the move to it in percent of the entry, and the tier used (the tier at the
liquidation price on venues whose formula takes it there: Binance, Hyperliquid).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._book import prepare
from ._kinds import check_units, sized, to_price
from ._solve import solve
from ._validate import position

__all__ = ["curve_parts", "leverage_grid", "liquidation_curve"]

CURVE_COLUMNS = ["exchange", "symbol", "leverage", "liquidation_price", "distance", "tier"]


def leverage_grid(top: float, points: int) -> np.ndarray:
    """1..``top``: ``points`` log-spaced leverages plus every integer leverage and ``top``.

    >>> leverage_grid(3.5, 3).tolist()
    [1.0, 1.8708286933869707, 2.0, 3.0, 3.5]
    """
    if not top >= 1:
        return np.empty(0)
    dense = np.geomspace(1.0, top, points)
    return np.unique(np.r_[dense, np.arange(1.0, np.floor(top) + 1.0), top])


def liquidation_curve(
    tiers: pd.DataFrame,
    entry_price: float,
    notional: float,
    *,
    side: str = "long",
    points: int = 400,
    extra_margin: float = 0.0,
    fee_rate: float = 0.0,
) -> pd.DataFrame:
    """The liquidation price of one position at every leverage its ladder allows.

    Parameters
    ----------
    tiers : DataFrame
        A tiers frame, one or many (exchange, symbol) ladders with maintenance rates.
    entry_price, notional : float
        The position: entry price and value in the ladder's notional unit.
    side : {"long", "short"}
    points : int
        Log-spaced leverages between 1x and the top (every integer leverage is added).
    extra_margin, fee_rate : float
        As in :func:`levkit.liquidation_price`.

    Returns
    -------
    DataFrame
        One row per (exchange, symbol, leverage), sorted so: ``exchange``, ``symbol``,
        ``leverage`` (from 1 to ``max_leverage(notional)``), ``liquidation_price`` (0 where
        no positive price liquidates), ``distance`` (the move to it in percent of the entry
        price: down for a long, up for a short), ``tier`` (the tier used; 0 for none).
        ``attrs["ladders"]`` lists every (exchange, symbol) in that order, also those whose
        ladder does not hold ``notional`` (they have no rows); ``attrs["side"]`` the side,
        ``attrs["notional_unit"]`` the unit of ``notional`` (None when the ladders differ).

    Examples
    --------
    >>> from levkit.frames import tiers_frame
    >>> t = tiers_frame({"exchange": ["bybit"] * 2, "symbol": ["BTCUSDT"] * 2,
    ...                  "max_notional": [3e5, 2e6], "max_leverage": [150, 100],
    ...                  "maintenance_margin_rate": [0.0033, 0.005],
    ...                  "mm_deduction": [0, 510]}, source="api")
    >>> curve = liquidation_curve(t, 50_000, 1e6, points=5)
    >>> curve[["leverage", "distance"]].iloc[[0, -1]].round(2).values.tolist()
    [[1.0, 100.0], [100.0, 0.55]]
    >>> curve.attrs["ladders"]
    [('bybit', 'BTCUSDT')]
    """
    s, _, q, v = position(
        entry_price=entry_price, leverage=1.0, side=side, notional=notional, size=None,
        extra_margin=extra_margin, fee_rate=fee_rate,
    )  # fmt: skip
    book = prepare(tiers)
    check_units(book, by_size=False)
    groups = np.arange(book.n)
    # coin-margined ladders: the reciprocal-price position (levkit.liquidation._kinds)
    pos = sized(book, groups, float(entry_price), q, v, by_size=False, s=s)
    entry = book.row(groups, np.broadcast_to(pos.look, (book.n,)))
    tops = np.where(entry >= 0, book.lad.lev[np.maximum(entry, 0)], np.nan)
    grids = [leverage_grid(top, points) for top in tops]
    g = np.repeat(groups, [len(x) for x in grids]).astype(np.intp)
    lev = np.concatenate(grids) if len(g) else np.empty(0)
    q_g, v_g, s_g = (np.broadcast_to(a, (book.n,))[g] for a in (pos.q, pos.v, pos.s))
    lp, row = solve(book, g, entry[g], q_g, v_g, lev, float(extra_margin), float(fee_rate), s_g,
                    rows=True)  # fmt: skip
    lp = to_price(book, g, lp)
    used = np.asarray(row, dtype=np.intp)
    exchange, symbol = book.lad.labels(g)
    every = zip(*book.lad.labels(groups), strict=True)
    out = pd.DataFrame(
        {
            "exchange": np.asarray(exchange, dtype=object),
            "symbol": np.asarray(symbol, dtype=object),
            "leverage": lev,
            "liquidation_price": lp,
            "distance": s * 100.0 * (float(entry_price) - lp) / float(entry_price),
            "tier": np.where(used >= 0, book.lad.tier[np.maximum(used, 0)], 0).astype("int64"),
        },
        columns=CURVE_COLUMNS,
    )
    out.attrs["ladders"] = [(str(e), str(s)) for e, s in every]
    out.attrs["side"] = side
    units = sorted(set(book.units.tolist()))
    out.attrs["notional_unit"] = units[0] if len(units) == 1 else None
    return out


def curve_parts(curve: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """``(label, rows)`` for every ladder of a :func:`liquidation_curve` answer, in order
    (``attrs["ladders"]``); empty rows for a ladder that does not hold the notional."""
    found = dict(iter(curve.groupby(["exchange", "symbol"], sort=False)))
    empty = curve.iloc[:0]
    return [(f"{e} {s}", found.get((e, s), empty)) for e, s in curve.attrs["ladders"]]
