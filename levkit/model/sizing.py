"""The lowest leverage that holds a position: :func:`leverage_for`.

Sizing, not liquidation: the answer needs only the ladder (``max_notional`` and
``max_leverage``), so it works on any tiers frame, of a registry venue or of any ccxt
exchange (``lk.from_ccxt``), with or without margin rates.

``leverage_for(tiers, V, B)`` is the smallest leverage ``L`` on the venue's leverage grid
with ``L >= max(1, V / B)`` (the initial margin ``V / L`` fits in ``B``) that the ladder
allows for ``V`` (``L <= max_leverage(V)``, up to the one leverage tolerance of
:func:`levkit.numbers.leverage_at_most`); NaN where none does or ``V`` is above the top band.

The grid is the registry's ``leverage_step`` (``lk.exchanges()``): 1 on Binance, Bitget,
BingX and Hyperliquid, where 33.33x cannot be set and 34x is the answer; 0.01 on Bybit,
OKX and Gate.  ``step=`` overrides it (``0``: exact); venues outside the registry are exact.
Shapes follow the arguments (:mod:`levkit.model.arguments`): scalars -> ``float`` (one
symbol) or a Series on (exchange, symbol); arrays -> a Series (one symbol) or a DataFrame.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidNotionalError, InvalidPositionError
from ..numbers import leverage_at_most, show
from ._ladder import shape
from .arguments import broadcast
from .completeness import use, warn_lower_bound

__all__ = ["leverage_for", "leverage_steps", "on_grid"]


def leverage_steps(exchanges: Any, step: float | None = None) -> np.ndarray:
    """The leverage step of each exchange name: ``step`` when given, else the registry's
    ``leverage_step``, else 0 (exact) for a name outside the registry.

    Examples
    --------
    >>> leverage_steps(["binance", "okx", "mexc"]).tolist()
    [1.0, 0.01, 0.0]
    >>> leverage_steps(["binance"], step=0.1).tolist()
    [0.1]
    """
    names = [str(e) for e in np.asarray(exchanges, dtype=object).reshape(-1)]
    if step is not None:
        try:
            s = float(step)
        except (TypeError, ValueError):
            s = math.nan
        if not (math.isfinite(s) and s >= 0):
            raise InvalidPositionError(
                f"step must be a finite number >= 0 (0: exact), got {show(step)}"
            )
        return np.full(len(names), s)
    from ..venues import venue

    known: dict[str, float] = {}
    for name in dict.fromkeys(names):
        try:
            known[name] = float(venue(name).capabilities.leverage_step)
        except ValueError:  # not a registry venue (a ccxt id): exact
            known[name] = 0.0
    return np.array([known[n] for n in names], dtype=float)


def on_grid(need: Any, step: Any) -> np.ndarray:
    """The smallest multiple of ``step`` at or above ``need`` (``need`` itself where
    ``step`` is 0); a ``need`` on the grid up to float rounding stays (``50 / 0.01`` is
    5000 steps, not 5001).

    >>> on_grid([33.3333, 50.0, 33.3333], [1.0, 0.01, 0.0]).tolist()
    [34.0, 50.0, 33.3333]
    """
    need, step = np.broadcast_arrays(np.asarray(need, float), np.asarray(step, float))
    with np.errstate(divide="ignore", invalid="ignore"):
        q = need / np.where(step > 0, step, 1.0)
        k = np.ceil(q - 1e-9 * np.maximum(1.0, np.abs(q)))
        return np.where(step > 0, np.round(k * step, 10), need)


def leverage_for(
    tiers: pd.DataFrame, notional: Any, balance: Any, *, step: float | None = None
) -> float | pd.Series | pd.DataFrame:
    """Lowest settable leverage that holds ``notional`` with ``balance`` as margin.

    Parameters
    ----------
    tiers : DataFrame
        A tiers frame, one or many (exchange, symbol) ladders, of any exchange (no
        liquidation formula is needed).
    notional : float or array-like
        Position value in the ladder's notional unit (>= 0).
    balance : float or array-like
        Margin available (> 0).  Broadcasts with ``notional``.
    step : float, optional
        The leverage grid.  Default: each venue's ``leverage_step`` from the registry
        (``lk.exchanges()``; 1 on Binance, Bitget, BingX, Hyperliquid; 0.01 elsewhere);
        exact (0) for an exchange outside the registry.  ``0`` asks for the exact value.

    Returns
    -------
    float, Series or DataFrame
        ``max(1, notional / balance)`` rounded up to the step, NaN where the ladder does
        not allow that leverage for that notional or the notional is above the top band.

    Raises
    ------
    ValueError
        A :class:`~levkit.errors.LevkitError` for a negative or NaN notional, a balance
        that is not a positive number, or a negative step.

    Examples
    --------
    >>> from levkit.frames import tiers_frame
    >>> t = tiers_frame({"exchange": ["bybit"] * 2, "symbol": ["BTCUSDT"] * 2,
    ...                  "max_notional": [3e5, 2e6], "max_leverage": [150, 100]}, source="api")
    >>> leverage_for(t, 1_000_000, 20_000)
    50.0
    >>> leverage_for(t, 1_000_000, 30_000)              # Bybit's step is 0.01
    33.34
    >>> leverage_for(t, 1_000_000, 30_000, step=1)      # a whole-number venue: 34x
    34.0
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
    lad = use(tiers)
    steps = leverage_steps(lad.exchange, step)[:, None]  # (groups, 1)
    lev = on_grid(np.maximum(1.0, v / b)[None, :], steps)  # (groups, inputs)
    row = lad.band_rows(v)  # (groups, inputs): the tier holding each notional
    cap_lev = np.where(row >= 0, lad.lev[np.maximum(row, 0)], np.nan)
    out = np.where((row >= 0) & leverage_at_most(lev, cap_lev), lev, np.nan)
    g = np.repeat(np.arange(lad.n), len(v))
    warn_lower_bound(lad, g, lad.on_unknown_notional(g, np.tile(v, lad.n)), "leverage_for",
                     by="notional")  # fmt: skip
    return shape(lad, out.reshape(-1), v, inputs.scalar, inputs.index, axis="notional",
                 name="leverage")  # fmt: skip
