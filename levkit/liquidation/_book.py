"""A tiers frame prepared for liquidation maths, on the model's own ladder prep.

:func:`prepare` takes the model's :class:`~levkit.model._ladder.Ladders` (rows sorted by
(exchange, symbol, cap), groups, completeness, the vectorised band lookup) and adds, per
row, what its exchange's :class:`~levkit.liquidation._rules.Rule` says: the maintenance
rate (``1/(2·max_leverage)`` where a rule fills a missing one), the deduction (column,
recursion or none), where the fee goes, and whether the tier is taken at the liquidation
price.  No second tier lookup: :meth:`Book.row` is the model's ``band_row``.

Deduction where the frame has none: ``D_1 = 0``, ``D_n = D_(n−1) + floor_n·(r_n − r_(n−1))``
(Binance's ``cum`` recursion).  It is used for rows whose ``mm_deduction`` is NaN, for a
ladder whose deductions are all 0 although its rate rises (``tiers_frame`` stores an absent
deduction as 0), and always for rules with ``deduction="derived"``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InvalidPositionError
from ..model._ladder import Ladders, column
from ..model._ladder import prepare as prepare_ladders
from ..numbers import leverage_ceiling
from ._rules import RULES

__all__ = ["Book", "prepare"]

_DEDUCTION = {"column": 0, "derived": 1, "none": 2}


def _group_cumsum(x: np.ndarray, start: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Cumulative sum restarting at each group's first row."""
    cs = np.cumsum(x)
    before = np.r_[0.0, cs][start]  # sum of the earlier groups
    return cs - before[group]


@dataclass(frozen=True, eq=False)
class Book:
    """:class:`~levkit.model._ladder.Ladders` plus each row's liquidation rule as numbers."""

    lad: Ladders
    mmr: np.ndarray  # per row: maintenance rate (filled per rule)
    ded: np.ndarray  # per row: deduction per rule
    fee_den: np.ndarray  # per row: 1 where the fee rate is in the denominator
    fee_extra: np.ndarray  # per row: 1 where the fee rate divides the extra margin
    at_lp: np.ndarray  # per group: tier re-evaluated at the liquidation price

    @property
    def n(self) -> int:
        return self.lad.n

    def label(self, g: int) -> str:
        return self.lad.label(g)

    def row(self, g: np.ndarray, notional: np.ndarray) -> np.ndarray:
        """Row of the tier holding ``notional`` in group ``g`` (first cap >= it); -1 above the
        top band or for NaN (the model's band lookup)."""
        return self.lad.band_row(g, notional)

    def entry_rows(self, v: np.ndarray) -> np.ndarray:
        """Entry rows for every group and every value of ``v`` (1-D): shape ``(n, len(v))``,
        or ``(n, 1)`` when ``v`` holds one value.  One lookup per (group, distinct value)."""
        vals, inverse = np.unique(v, return_inverse=True)
        table = self.lad.band_rows(vals)
        return table if len(vals) == 1 else table[:, inverse.reshape(-1)]

    def ceiling(self, row: np.ndarray) -> np.ndarray:
        """Highest leverage allowed in ``row``'s tier (its ``max_leverage`` up to the one
        tolerance; inf where it is NaN, -inf for row -1: nothing is allowed)."""
        lev = self.lad.lev[row]
        top = np.where(np.isnan(lev), np.inf, leverage_ceiling(lev))
        return np.where(row >= 0, top, -np.inf)

    def holds(self, row: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Bounds ``(floor, cap]`` of the notionals that ``row``'s tier holds (``floor`` is
        the previous cap of its ladder, -inf for the first tier)."""
        lad = self.lad
        first = row == lad.start[lad.group[row]]
        return np.where(first, -np.inf, lad.cap[row - 1]), lad.cap[row]


def prepare(tiers: pd.DataFrame) -> Book:
    """Prepare ``tiers`` (any number of ladders of the exchanges in ``RULES``)."""
    lad = prepare_ladders(tiers, need_leverage=False)
    names = lad.exchange  # per group, sorted (the ladders are)
    new = np.r_[True, names[1:] != names[:-1]]
    distinct, which = names[new].tolist(), np.cumsum(new) - 1
    unknown = sorted(set(distinct) - set(RULES))
    if unknown:
        raise InvalidPositionError(
            f"no liquidation formula for exchange {unknown[0]!r}; known: {sorted(RULES)}"
        )
    rules = [RULES[e] for e in distinct]
    per_row = which[lad.group]  # index into rules, per row
    start, group, cap, lev = lad.start, lad.group, lad.cap, lad.lev
    n = len(cap)
    first = np.zeros(n, dtype=bool)
    first[start] = True
    from_lev = np.array([r.mmr_from_leverage for r in rules])[per_row]
    with np.errstate(divide="ignore", invalid="ignore"):
        mmr = np.where(np.isnan(lad.mmr) & from_lev, 0.5 / lev, lad.mmr)
    ded = column(tiers, "mm_deduction", np.nan)[lad.order]  # NaN where absent (not 0)
    floor = np.where(first, 0.0, np.r_[0.0, cap[:-1]])
    step = np.where(first, 0.0, mmr - np.r_[np.nan, mmr[:-1]])
    no_rate = np.isnan(step)
    derived = _group_cumsum(np.nan_to_num(floor * step), start, group)
    if no_rate.any():  # a rate unknown at or below a row: its deduction is unknown
        derived[_group_cumsum(no_rate.astype(float), start, group) > 0] = np.nan
    with np.errstate(invalid="ignore"):
        given = np.bincount(group, weights=(ded != 0) & ~np.isnan(ded), minlength=len(start))
        rising = np.bincount(group, weights=step > 0, minlength=len(start))
    absent = ((given == 0) & (rising > 0))[group] | np.isnan(ded)
    policy = np.array([_DEDUCTION[r.deduction] for r in rules])[per_row]
    ded = np.select([policy == 2, (policy == 1) | absent], [0.0, derived], ded)
    return Book(
        lad=lad, mmr=mmr, ded=ded,
        fee_den=np.array([r.fee_in_denominator for r in rules])[per_row],
        fee_extra=np.array([r.fee_on_extra_margin for r in rules])[per_row],
        at_lp=np.array([r.tier == "liquidation" for r in rules])[which],
    )  # fmt: skip
