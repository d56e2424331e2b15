"""The maintenance margin of a tiers frame: one rule per venue, the same on every road.

``MM = V·r − D`` of the tier holding the notional ``V``.  Each venue declares in its
``spec.py`` (a :class:`~levkit.venues.MarginRule`) where ``D`` comes from; venues outside
the registry (ccxt ids such as ``kucoinfutures``) get
:data:`~levkit.venues.GENERIC_MAINTENANCE`:

- ``published`` (Binance, Bybit, Gate, BingX, and venues outside the registry): the frame's
  ``mm_deduction`` where it has one; where it has none, the **continuity recursion**
  ``D_1 = 0``, ``D_k = D_(k−1) + min_notional_k·(r_k − r_(k−1))`` (which charges each slice
  of the position at its own tier's rate, so MM is continuous in ``V``).  "None" means a
  NaN ``mm_deduction`` (or no column), a row marked ``mm_deduction_derived``, or a 0 that
  cannot be the venue's (:func:`~levkit.frames.tiers_frame` stores an absent deduction as
  0, which is what ``from_ccxt``, hand-made frames and Bybit answers without
  ``mmDeduction`` hold): every row of a ladder whose deductions are all 0 although its
  rates differ, and a 0 below tier 1 where the recursion or an earlier stated deduction
  is already above 0.  A chain continues from the last stated row.
- ``derived`` (Bitget, Hyperliquid: they publish no deduction but charge per slice): always
  the recursion, whatever the frame holds.
- ``none`` (OKX): ``D = 0``, MM jumps at a tier's cap.

Hyperliquid's rule also fills a missing rate with ``1/(2·max_leverage)``.  A deduction that
levkit computed rather than read is **marked**: ``mm_deduction_derived`` is True on its row
(in :func:`levkit.model.with_maintenance`, :func:`levkit.margin` and the CLI's tier table).  A rate
unknown at or below a row leaves its derived deduction NaN (never 0).

:class:`~levkit.model._ladder.Ladders` computes this once per frame
(``Ladders.maintenance``); :func:`levkit.margin`, :func:`levkit.liquidation_price`,
:func:`levkit.capacity`, the control and the CLI all read it there.

Examples
--------
A Bitget ladder without deductions (what ``from_ccxt`` gives): ``D_2 = 200,000 x (0.005 -
0.004) = 200``, so a 500,000 position holds 500,000 x 0.005 - 200 = 2,300.

>>> from levkit.frames import tiers_frame
>>> from levkit.model import with_maintenance
>>> t = tiers_frame({"exchange": "bitget", "symbol": "BTCUSDT", "max_notional": [2e5, 1e6],
...                  "max_leverage": [125, 100], "maintenance_margin_rate": [0.004, 0.005]},
...                 source="api")
>>> m = with_maintenance(t)
>>> m["mm_deduction"].tolist(), m["mm_deduction_derived"].tolist()
([0.0, 200.0], [True, True])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..venues import MarginRule, maintenance_rule

if TYPE_CHECKING:  # pragma: no cover
    from ._ladder import Ladders

__all__ = [
    "DERIVED_COLUMN",
    "Maintenance",
    "continuity_deductions",
    "marked_rows",
    "resolve",
]

#: The marker column: True where ``mm_deduction`` is levkit's recursion, not the venue's.
DERIVED_COLUMN = "mm_deduction_derived"

_POLICY = {"published": 0, "derived": 1, "none": 2}


def continuity_deductions(floors: np.ndarray, rates: np.ndarray) -> np.ndarray:
    """The recursion for one ladder sorted by cap: ``D_1 = 0``,
    ``D_k = D_(k−1) + floor_k·(r_k − r_(k−1))`` (``floor_k`` = the previous cap).

    Examples
    --------
    >>> continuity_deductions(np.array([0.0, 3e5, 2e6]), np.array([0.0033, 0.005, 0.0056]))
    array([   0.,  510., 1710.])
    """
    floors, rates = np.asarray(floors, dtype=float), np.asarray(rates, dtype=float)
    inc = np.zeros(len(rates))
    inc[1:] = floors[1:] * np.diff(rates)
    return np.cumsum(inc)


@dataclass(frozen=True, eq=False)
class Maintenance:
    """Per row of a :class:`~levkit.model._ladder.Ladders`: the maintenance rate and the
    deduction as the venue's rule gives them, and whether the deduction is derived."""

    mmr: np.ndarray
    ded: np.ndarray
    derived: np.ndarray  # bool

    def at(self, row: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rate, deduction and marker of ``row`` (-1: NaN, NaN, False)."""
        ok = row >= 0
        safe = np.maximum(row, 0)
        return (
            np.where(ok, self.mmr[safe], np.nan),
            np.where(ok, self.ded[safe], np.nan),
            ok & self.derived[safe],
        )


def marked_rows(tiers: pd.DataFrame) -> np.ndarray:
    """The frame's ``mm_deduction_derived`` as bool (False where absent or NA)."""
    if DERIVED_COLUMN not in tiers.columns:
        return np.zeros(len(tiers), dtype=bool)
    return tiers[DERIVED_COLUMN].astype("boolean").fillna(False).to_numpy(dtype=bool)


def _group_cumsum(x: np.ndarray, group: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Cumulative sum restarting at each group (rows sorted by group), exact per group: no
    running total is carried over from earlier groups.  Whole numbers sum exactly anyway;
    floats are summed along the rows of a (group, tier) matrix, or by pandas' grouped sum
    when that matrix would be mostly padding."""
    n = len(x)
    if n == 0:
        return x.astype(float)
    if x.dtype.kind in "biu":
        cs = np.cumsum(x, dtype=np.int64)
        return cs - (cs[start] - x[start])[group]
    pos = np.arange(n) - start[group]
    width = int(pos.max()) + 1
    if len(start) * width <= 4 * n + 4096:
        cell = group * width + pos  # flat positions: faster than 2-D fancy indexing
        table = np.zeros(len(start) * width)
        table[cell] = x
        return np.cumsum(table.reshape(-1, width), axis=1).reshape(-1)[cell]
    return pd.Series(x).groupby(group, sort=False).cumsum().to_numpy(dtype=float)


def _rules(lad: Ladders) -> tuple[list[MarginRule], np.ndarray]:
    """The rule of each run of ladders of one exchange (ladders are sorted by exchange) and,
    per ladder, which one is its."""
    names = lad.exchange
    new = np.r_[True, names[1:] != names[:-1]] if len(names) else np.zeros(0, dtype=bool)
    return [maintenance_rule(e) for e in names[new]], np.cumsum(new) - 1


def resolve(lad: Ladders) -> Maintenance:
    """Apply each ladder's venue rule (see the module text) to every row of ``lad``."""
    rules, which = _rules(lad)
    group, start, cap = lad.group, lad.start, lad.cap
    n = len(cap)
    per_row = which[group]
    policy = np.array([_POLICY[r.deduction] for r in rules], dtype=np.int8)[per_row]
    from_lev = np.array([r.rate_from_leverage for r in rules], dtype=bool)[per_row]
    mmr = lad.mmr
    if from_lev.any():
        with np.errstate(divide="ignore", invalid="ignore"):
            mmr = np.where(np.isnan(mmr) & from_lev, 0.5 / lad.lev, mmr)
    first = np.zeros(n, dtype=bool)
    first[start] = True
    inc = np.zeros(n)  # cap_(k-1)·(r_k − r_(k−1)); 0 on each ladder's first row
    with np.errstate(invalid="ignore"):
        np.multiply(cap[:-1], mmr[1:] - mmr[:-1], out=inc[1:])
    inc[first] = 0.0
    ded = lad.ded
    given = np.isfinite(ded) & ~lad.marked & (policy == 0)
    with np.errstate(invalid="ignore"):
        nonzero = given & (ded != 0)
    if n:  # a 0 is "none" (tiers_frame stores an absent deduction as 0) where it cannot be
        # the venue's: on every row of a ladder whose known rates differ, and below tier 1
        # wherever the recursion or an earlier stated deduction is already above 0.  A
        # frame that marks its derived rows says itself which zeros are stated.
        stated = np.logical_or.reduceat(nonzero, start)  # per ladder: any deduction above 0
        marked = np.logical_or.reduceat(lad.marked, start)[group]
        zero = given & ~nonzero & ~marked
        rises = (np.fmax.reduceat(mmr, start) > np.fmin.reduceat(mmr, start))[group]
        absent = zero & ~stated[group] & rises
        if (zero & ~first).any():
            # the recursion has moved (or a rate is unknown), or a deduction was stated,
            # at or above this row of its ladder
            moved = (inc != 0) | np.isnan(inc) | nonzero
            absent |= zero & ~first & (_group_cumsum(moved, group, start) > 0)
        given &= ~absent
    if given.all():  # every deduction is the venue's (an API frame): nothing to derive
        return Maintenance(mmr=mmr, ded=ded.copy(), derived=np.zeros(n, dtype=bool))
    unknown = np.isnan(inc)
    cs = _group_cumsum(np.where(unknown, 0.0, inc), group, start)
    last = np.maximum.accumulate(np.where(given, np.arange(n), -1))
    has = last >= start[group]  # a stated row at or above, in the same ladder
    at = np.where(has, last, 0)
    with np.errstate(invalid="ignore"):
        out = np.where(has, ded[at] + (cs - cs[at]), cs)
    if unknown.any():  # a rate unknown since the last stated row (or tier 1): NaN
        holes = _group_cumsum(unknown, group, start)
        out[holes - np.where(has, holes[at], 0) > 0] = np.nan
    out[policy == 2] = 0.0
    return Maintenance(mmr=mmr, ded=out, derived=~given & (policy != 2))
