"""A tiers frame prepared for liquidation maths, on the model's own ladder prep.

:func:`prepare` takes the model's :class:`~levkit.model._ladder.Ladders` (rows sorted by
(exchange, symbol, cap), groups, completeness, the vectorised band lookup) and adds, per
row, what its venue declares: the maintenance rate and deduction from the one
maintenance-margin rule (``Ladders.maintenance``, :mod:`levkit.model.maintenance`: the
same numbers :func:`levkit.margin` gives), and from the venue's
:class:`~levkit.venues.LiquidationRule` for the ladder's contract kind where the fee goes
and whether the tier is taken at the liquidation price.  No second tier lookup:
:meth:`Book.row` is the model's ``band_row``.

A ladder's kind is its ``category`` (``linear`` where the frame names none; Binance COIN-M,
Bybit and OKX frames say ``inverse`` for coin-margined contracts) and its unit its
``notional_unit`` (:mod:`levkit.model.units`).  A venue outside the registry, or a kind its
spec declares no formula for, raises :class:`~levkit.errors.InvalidPositionError`: a
formula is never borrowed from another venue or kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from ..errors import InvalidPositionError
from ..model import Ladders
from ..model import prepare as prepare_ladders
from ..model.completeness import check_one_version
from ..model.units import ladder_kinds, ladder_units
from ..numbers import leverage_ceiling
from ..venues import LiquidationRule, find

__all__ = ["Book", "prepare"]


@dataclass(frozen=True, eq=False)
class Book:
    """:class:`~levkit.model._ladder.Ladders` plus each row's liquidation rule as numbers."""

    lad: Ladders
    mmr: np.ndarray  # per row: maintenance rate (the venue's maintenance rule)
    ded: np.ndarray  # per row: deduction (the venue's maintenance rule)
    fee_den: np.ndarray  # per row: 1 where the fee rate is in the denominator
    fee_extra: np.ndarray  # per row: 1 where the fee rate divides the extra margin
    at_lp: np.ndarray  # per group: tier re-evaluated at the liquidation price
    inverse: np.ndarray  # per group: a coin-margined ladder (the inverse closed form)
    face: np.ndarray  # per group: an inverse ladder stated in USD face value (OKX), not coin
    frame: pd.DataFrame  # the tiers frame (its units are read when first asked for)

    @cached_property
    def units(self) -> np.ndarray:
        """Per group: the ladder's ``notional_unit`` (:func:`levkit.model.units.ladder_units`)."""
        return ladder_units(self.frame, self.lad)

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


def _rule(exchange: str, kind: str, label: str) -> LiquidationRule:
    venue = find(exchange)
    if venue is None:
        raise InvalidPositionError(
            f"{label}: levkit has no liquidation formula for {exchange!r}, a venue outside "
            "its registry (lk.exchanges()): venues differ in where the fee goes and which "
            "tier counts, so levkit does not guess one.  lk.margin gives its maintenance "
            "margin (continuity recursion where the frame has no deduction)"
        )
    rule = venue.liquidation_rule(kind)
    if rule is None:
        have = ", ".join(sorted(venue.liquidation)) or "none"
        raise InvalidPositionError(
            f"{label}: levkit has no liquidation formula for {kind} contracts on "
            f"{venue.name} (formulas: {have})"
        )
    return rule


def prepare(tiers: pd.DataFrame) -> Book:
    """Prepare ``tiers`` (any number of ladders of venues with a liquidation formula)."""
    lad = prepare_ladders(tiers, need_leverage=False)
    check_one_version(tiers, lad)  # a ladder_history frame: one version at a time
    kinds = ladder_kinds(tiers, lad)
    # one look-up per run of ladders of one (exchange, kind) (ladders are sorted by exchange)
    ex = lad.exchange
    new = np.ones(lad.n, dtype=bool)
    new[1:] = (ex[1:] != ex[:-1]) | (kinds[1:] != kinds[:-1])
    per_group = np.cumsum(new) - 1
    found: dict[tuple[str, str], LiquidationRule] = {}
    rules = []
    for g in np.flatnonzero(new).tolist():
        key = (str(ex[g]), str(kinds[g]))
        if key not in found:
            found[key] = _rule(key[0], key[1], lad.label(g))
        rules.append(found[key])
    per_row = per_group[lad.group]
    m = lad.maintenance
    inverse = kinds == "inverse"
    # An inverse ladder in USD (OKX: contracts x ctVal) holds the fixed face value: its
    # tier at the liquidation price is its tier at entry, whatever the rule says.
    face = inverse & (ladder_units(tiers, lad) == "USD") if inverse.any() else inverse
    return Book(
        lad=lad, mmr=m.mmr, ded=m.ded,
        fee_den=np.array([r.fee_in_denominator for r in rules])[per_row],
        fee_extra=np.array([r.fee_on_extra_margin for r in rules])[per_row],
        at_lp=np.array([r.tier == "liquidation" for r in rules], dtype=bool)[per_group] & ~face,
        inverse=inverse, face=face, frame=tiers,
    )  # fmt: skip
