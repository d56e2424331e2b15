"""What a balance can open: ``capacity`` and ``best_leverage``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._ladder import stamp, take
from .completeness import use, warn_lower_bound
from .curves import curve
from .units import say_unit

__all__ = ["check_balance", "capacity", "best_leverage"]

_GRID_TOL = 1e-9  # snapping k = (L - 1) / step to whole steps


def check_balance(balance: Any) -> float:
    """``balance`` as a float > 0, else ``ValueError`` saying why."""
    return _positive(balance, "balance")


def _positive(x: Any, what: str) -> float:
    """``x`` as a finite float > 0, else ``ValueError`` naming ``what``.

    >>> _positive("0.5", "step")
    0.5
    >>> _positive(0, "step")
    Traceback (most recent call last):
    ...
    ValueError: step must be a finite number > 0, got 0
    """
    try:
        value = float(x)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be a number, got {x!r}") from exc
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{what} must be a finite number > 0, got {x!r}")
    return value


def capacity(tiers: pd.DataFrame, balance: float, leverages: Any = None) -> pd.DataFrame:
    """How large a position ``balance`` can open at each leverage.

    capacity = min(balance x leverage, max_position_value(leverage)).  Rows on the unknown
    part of an incomplete ladder have ``lower_bound`` True (and warn
    :class:`~levkit.errors.LadderWarning`): the capacity there may be larger.

    Returns
    -------
    DataFrame
        The :func:`~levkit.model.tradeoff` frame plus ``balance``, ``notional_at_balance``
        (= balance x leverage), ``capacity``, and the maintenance margin of a position of
        that capacity, ``maintenance_margin`` (the venue's rule, as :func:`margin` gives it;
        NaN without rates), with ``mm_deduction_derived`` where its deduction is derived.

    Examples
    --------
    >>> from levkit.frames import tiers_frame
    >>> t = tiers_frame({"exchange": ["bybit"] * 2, "symbol": ["BTCUSDT"] * 2,
    ...                  "max_notional": [3e5, 2e6], "max_leverage": [150, 100]}, source="api")
    >>> capacity(t, 10_000, [50, 100, 150])["capacity"].tolist()
    [500000.0, 1000000.0, 300000.0]
    """
    value = check_balance(balance)
    lad = use(tiers)
    out, g = curve(lad, leverages, "capacity", groups=True)
    out["balance"] = value
    out["notional_at_balance"] = value * out["leverage"].to_numpy()
    held = np.minimum(out["notional_at_balance"].to_numpy(), out["max_position_value"].to_numpy())
    out["capacity"] = held
    rate, ded, derived = lad.maintenance.at(lad.band_row(g, held))
    out["maintenance_margin"] = held * rate - ded
    out["mm_deduction_derived"] = derived
    return say_unit(stamp(out, tiers), tiers, lad)


def best_leverage(tiers: pd.DataFrame, balance: float, step: float = 1.0) -> float | pd.Series:
    """Smallest leverage on the step grid (1, 1+step, ... up to the max) with the largest capacity.

    Capacity rises with leverage as balance x L until it meets the cap, which only falls,
    so only a few grid points per tier can be the answer (around ``cap / balance`` and
    around each tier's leverage); those are evaluated exactly and the best kept.  On an
    incomplete ladder the answer rests on the unknown part when it lies there, or when
    balance x L below the known part could beat the best known capacity: it then warns
    :class:`~levkit.errors.LadderWarning` (the true best may be lower or higher).

    Returns
    -------
    float or Series
        One symbol: a ``float``.  Many symbols: a Series on (exchange, symbol).

    Examples
    --------
    >>> from levkit.frames import tiers_frame
    >>> t = tiers_frame({"exchange": ["bingx"] * 3, "symbol": ["BTC-USDT"] * 3,
    ...                  "max_notional": [3e5, 8e5, 3e6], "max_leverage": [150, 100, 75]}, source="api")
    >>> best_leverage(t, 10_000)
    80.0
    """
    value = check_balance(balance)
    step = _positive(step, "step")
    lad = use(tiers)
    k_top = np.floor((lad.top - 1) / step + _GRID_TOL)
    with np.errstate(invalid="ignore", over="ignore"):
        k_cap = np.ceil((lad.cap / value - 1) / step - _GRID_TOL)
        k_reach = np.floor(np.where(lad.reach >= 1, (lad.reach - 1) / step, 0.0) + _GRID_TOL)
    k = np.concatenate([k_cap[:, None] + [-1, 0, 1], k_reach[:, None] + [-1, 0, 1]], axis=1)
    g = np.r_[np.repeat(lad.group, k.shape[1]), np.arange(lad.n), np.arange(lad.n)]
    k = np.clip(np.r_[k.reshape(-1), np.zeros(lad.n), k_top], 0, k_top[g])
    lev = np.round(1 + k * step, 10)
    cap = np.minimum(value * lev, take(lad.cap, lad.cap_row(g, lev)))
    order = np.lexsort((lev, -np.nan_to_num(cap, nan=-np.inf), g))
    first = order[np.searchsorted(g[order], np.arange(lad.n))]
    best, best_cap = lev[first], cap[first]
    groups = np.arange(lad.n)
    edge = lad.unknown_below
    rests = lad.on_unknown_leverage(groups, best) | ((edge > 1) & (best_cap < value * edge))
    warn_lower_bound(lad, groups, rests, f"best_leverage (balance {value:,.0f})")
    if lad.n == 1:
        return float(best[0])
    return say_unit(pd.Series(best, index=lad.index(), name="best_leverage"), tiers, lad)
