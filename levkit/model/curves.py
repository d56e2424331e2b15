"""The leverage / max-position curve: ``max_position_value``, ``max_leverage``, ``tradeoff``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._ladder import (
    Ladders,
    check_leverage,
    check_notional,
    cross,
    long_index,
    shape,
    stamp,
    take,
    tier_numbers,
    values,
)
from .completeness import use, warn_lower_bound
from .units import say_unit

__all__ = ["max_position_value", "max_leverage", "tradeoff"]


def max_position_value(tiers: pd.DataFrame, leverage: Any) -> float | pd.Series | pd.DataFrame:
    """Largest position notional allowed at ``leverage``, in the ladder's ``notional_unit``
    (a pandas answer says it in ``attrs["notional_unit"]``: BTC for a coin-margined ladder).

    The largest ``max_notional`` among the symbol's tiers with ``max_leverage >= leverage``
    (up to float rounding: ``1429 * 0.01`` is 14.29x).  A leverage below 1, above the
    symbol's highest leverage or not finite has no answer: NaN in arrays and many-symbol
    results, :class:`~levkit.errors.InvalidLeverageError` (a ``ValueError``) for one symbol
    and a scalar.  On the unknown part of an incomplete ladder (below its lowest known
    leverage) the answer is a lower bound and warns :class:`~levkit.errors.LadderWarning`.

    Returns
    -------
    float, Series or DataFrame
        One symbol: ``float`` (scalar) or a Series on the leverages (their own index when
        given a Series).  Many symbols: a Series on (exchange, symbol) (scalar) or a
        DataFrame on the leverages with (exchange, symbol) columns.

    Examples
    --------
    >>> from levkit.frames import tiers_frame
    >>> t = tiers_frame({"exchange": ["bybit"] * 2, "symbol": ["BTCUSDT"] * 2,
    ...                  "max_notional": [3e5, 2e6], "max_leverage": [150, 100]}, source="api")
    >>> max_position_value(t, 100)
    2000000.0
    >>> max_position_value(t, [50, 120, 200]).tolist()
    [2000000.0, 300000.0, nan]
    """
    lad = use(tiers)
    x, scalar, index = values(leverage, "leverage")
    if scalar and lad.n == 1:
        check_leverage(lad, 0, float(x[0]))
    g, lev = cross(lad.n, x)
    row = lad.cap_row(g, lev)
    warn_lower_bound(lad, g, (row >= 0) & lad.on_unknown_leverage(g, lev), "max_position_value")
    out = take(lad.cap, row)
    answer = shape(lad, out, x, scalar, index, axis="leverage", name="max_position_value")
    return say_unit(answer, tiers, lad)


def max_leverage(tiers: pd.DataFrame, notional: Any) -> float | pd.Series | pd.DataFrame:
    """Highest leverage allowed for a position of ``notional``.

    ``max_leverage`` of the first tier with ``max_notional >= notional``; NaN above the top
    band (on an incomplete ladder that NaN means unknown, and warns
    :class:`~levkit.errors.LadderWarning`).  A negative or non-finite notional is NaN in
    arrays and raises :class:`InvalidNotionalError` (a ``ValueError``) for one symbol and
    a scalar.  Shapes as :func:`max_position_value`, with the index named ``notional``.

    Examples
    --------
    >>> from levkit.frames import tiers_frame
    >>> t = tiers_frame({"exchange": ["bybit"] * 2, "symbol": ["BTCUSDT"] * 2,
    ...                  "max_notional": [3e5, 2e6], "max_leverage": [150, 100]}, source="api")
    >>> max_leverage(t, 1_000_000)
    100.0
    >>> max_leverage(t, [300_000, 3e6]).tolist()
    [150.0, nan]
    """
    lad = use(tiers)
    x, scalar, index = values(notional, "notional")
    if scalar and lad.n == 1:
        check_notional(float(x[0]))
    g, v = cross(lad.n, x)
    warn_lower_bound(lad, g, lad.on_unknown_notional(g, v), "max_leverage", by="notional")
    out = take(lad.lev, lad.band_row(g, v))
    answer = shape(lad, out, x, scalar, index, axis="notional", name="max_leverage")
    return say_unit(answer, tiers, lad)


def _default_grid(lad: Ladders) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every integer 1..max per group plus its non-integer tier leverages.

    Returns (rows per group, leverage, row).  Row i answers the integers in
    (reach[i+1], reach[i]], so the curve is the rows, reversed inside each group, each
    repeated that many times: no search, and few temporaries (large ones cost page faults).
    """
    n = len(lad.cap)
    whole = np.floor(np.maximum(lad.reach, 0.0))
    below = np.zeros(n)
    below[:-1] = whole[1:]
    below[lad.stop - 1] = 0.0
    rev = lad.start[lad.group] + lad.stop[lad.group] - 1 - np.arange(n)  # reversed in group
    row = np.repeat(rev, (whole - below).astype(np.int64)[rev])
    count = whole[lad.start].astype(np.int64)
    offset = np.cumsum(count) - count
    lev = np.ones(len(row))
    lev[offset[1:]] -= count[:-1]  # restart the count at 1 in each group
    np.cumsum(lev, out=lev)
    with np.errstate(invalid="ignore"):
        odd = np.flatnonzero(np.isfinite(lad.lev) & (lad.lev >= 1) & (lad.lev % 1 != 0))
    if len(odd):  # insert each non-integer tier leverage after its integer part
        odd = odd[np.lexsort((lad.lev[odd], lad.group[odd]))]
        og, ol = lad.group[odd], lad.lev[odd]
        keep = np.r_[True, (og[1:] != og[:-1]) | (ol[1:] != ol[:-1])]
        og, ol = og[keep], ol[keep]
        at = offset[og] + np.floor(ol).astype(np.int64)
        row = np.insert(row, at, lad.cap_row(og, ol))
        lev = np.insert(lev, at, ol)
        count = count + np.bincount(og, minlength=lad.n)
    return count, lev, row


def curve(lad: Ladders, leverages: Any, what: str = "tradeoff", *, groups: bool = False) -> Any:
    """The :func:`tradeoff` frame for prepared ladders (warns where it is a lower bound);
    with ``groups=True``, ``(frame, group of each row)``."""
    index = None
    if leverages is None:  # every row valid
        count, lev, row = _default_grid(lad)
        g = np.repeat(np.arange(lad.n), count)
        exchange, symbol = lad.str_labels[0].repeat(count), lad.str_labels[1].repeat(count)
        tier = lad.tier[row].astype("int64")
        cap = lad.cap[row]
    else:
        x, _, index = values(leverages, "leverage")
        g, lev = cross(lad.n, x)
        exchange, symbol = lad.labels(g)
        row = lad.cap_row(g, lev)
        tier = tier_numbers(lad, row)
        cap = take(lad.cap, row)
    lower = (row >= 0) & lad.on_unknown_leverage(g, lev)
    warn_lower_bound(lad, g, lower, what)
    with np.errstate(invalid="ignore", divide="ignore"):
        initial = cap / lev
    out = pd.DataFrame(
        {
            "exchange": exchange,
            "symbol": symbol,
            "leverage": lev,
            "max_position_value": cap,
            "tier": tier,
            "initial_margin": initial,
            "lower_bound": lower,
        },
        index=long_index(index, lad.n),
        copy=False,  # every array here is new
    )
    return (out, g) if groups else out


def tradeoff(tiers: pd.DataFrame, leverages: Any = None) -> pd.DataFrame:
    """The leverage / max-position curve of every symbol, as a long frame.

    Parameters
    ----------
    tiers : DataFrame
        A tiers frame, one or many symbols.
    leverages : array-like, optional
        Leverages to evaluate for every symbol (rows with NaN where a leverage is invalid
        for a symbol).  By default every integer leverage from 1 to each symbol's max, plus
        the symbol's own non-integer tier leverages.  A Series keeps its index.

    Returns
    -------
    DataFrame
        ``exchange``, ``symbol``, ``leverage``, ``max_position_value``, ``tier`` (int64:
        the tier whose cap it is, 0 where the leverage is invalid), ``initial_margin``
        (= max_position_value / leverage, the margin that holds the cap) and
        ``lower_bound`` (bool: the row lies on the unknown part of an incomplete ladder,
        so its cap is only a lower bound), sorted by symbol then leverage.  Notionals and
        margins are in each ladder's unit: ``attrs["notional_unit"]`` (one text, or
        ``{(exchange, symbol): unit}`` where they differ).

    Examples
    --------
    >>> from levkit.frames import tiers_frame
    >>> t = tiers_frame({"exchange": ["bybit"] * 2, "symbol": ["BTCUSDT"] * 2,
    ...                  "max_notional": [3e5, 2e6], "max_leverage": [150, 100]}, source="api")
    >>> tradeoff(t, [100, 150])[["max_position_value", "tier", "initial_margin"]].values.tolist()
    [[2000000.0, 2.0, 20000.0], [300000.0, 1.0, 2000.0]]
    """
    lad = use(tiers)
    return say_unit(stamp(curve(lad, leverages), tiers), tiers, lad)
