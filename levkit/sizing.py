"""The lowest leverage that holds a position: :func:`leverage_for`.

``leverage_for(tiers, notional, balance) = max(1, notional / balance)`` when that leverage
is allowed for ``notional`` (``<= max_leverage(notional)`` up to the one leverage
tolerance, :func:`levkit.numbers.leverage_at_most`), else NaN; NaN above the top band.
It is never below 1 (a balance larger than the position still needs 1x).  Shapes follow
the arguments as in :mod:`levkit.liquidation`: scalars -> ``float`` (one symbol) or a
Series on (exchange, symbol); arrays -> a Series (one symbol) or a DataFrame.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .errors import InvalidNotionalError, InvalidPositionError
from .liquidation._book import prepare
from .liquidation._inputs import broadcast, shape
from .liquidation._validate import warn_if_incomplete
from .numbers import leverage_at_most, show

__all__ = ["leverage_for"]


def leverage_for(
    tiers: pd.DataFrame, notional: Any, balance: Any
) -> float | pd.Series | pd.DataFrame:
    """Lowest leverage that holds ``notional`` with ``balance`` as margin.

    Parameters
    ----------
    tiers : DataFrame
        A tiers frame, one or many (exchange, symbol) ladders.
    notional : float or array-like
        Position value in quote currency (>= 0).
    balance : float or array-like
        Margin available (> 0).  Broadcasts with ``notional``.

    Returns
    -------
    float, Series or DataFrame
        ``max(1, notional / balance)``, NaN where the ladder forbids that leverage for that
        notional or the notional is above the top band.

    Raises
    ------
    ValueError
        A :class:`~levkit.errors.LevkitError` for a negative or NaN notional or a balance
        that is not a positive number.

    Examples
    --------
    >>> from levkit.frames import tiers_frame
    >>> t = tiers_frame({"exchange": ["bybit"] * 2, "symbol": ["BTCUSDT"] * 2,
    ...                  "max_notional": [3e5, 2e6], "max_leverage": [150, 100]}, source="api")
    >>> leverage_for(t, 1_000_000, 20_000)
    50.0
    >>> leverage_for(t, [5_000, 1_000_000, 3e6], 5_000).tolist()
    [1.0, nan, nan]
    """
    inputs = broadcast({"notional": notional, "balance": balance},
                       {"notional": InvalidNotionalError})  # fmt: skip
    v, b = inputs.values["notional"], inputs.values["balance"]
    if not (v >= 0).all() or np.isinf(v).any():
        bad = v[np.argmax(~(v >= 0) | np.isinf(v))]
        raise InvalidNotionalError(f"notional must be a finite number >= 0, got {show(bad)}")
    if not (b > 0).all() or np.isinf(b).any():
        bad = b[np.argmax(~(b > 0) | np.isinf(b))]
        raise InvalidPositionError(f"balance must be a finite number > 0, got {show(bad)}")
    book = prepare(tiers)
    lev = np.maximum(1.0, v / b)
    row = book.entry_rows(v)  # (groups, 1) for one notional, else (groups, inputs)
    cap_lev = np.where(row >= 0, book.lad.lev[np.maximum(row, 0)], np.nan)
    out = np.where((row >= 0) & leverage_at_most(lev, cap_lev), lev, np.nan)
    warn_if_incomplete(book, v)
    return shape(book, out, inputs, "leverage")
