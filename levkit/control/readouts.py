"""The leverage control's readouts: the open position, the validity of each leverage,
the cap, margin, capacity, maintenance margin and liquidation price at the chosen
leverage (the maintenance margin by the venue's one rule, :mod:`levkit.model.maintenance`,
as :func:`levkit.margin` and :func:`levkit.liquidation_price` use it).  A mixin of
:class:`levkit.control.state.ControlState`; computed locally (no request per slider move)
and memoised, so a move costs a few dict look-ups.  No ipywidgets here.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd

from ..errors import LevkitError
from . import exchange as io
from .validity import reason

__all__ = ["ControlReadouts"]


class ControlReadouts:
    """Readouts and validity for :class:`~levkit.control.state.ControlState`."""

    # -- the open position and validity ---------------------------------------------------
    def _position(self, side: str) -> dict[str, float]:
        """The open position a slider governs (one-way: whichever side is open)."""
        if side != "both":
            return self.positions.get(side, {})
        held = [p for p in self.positions.values() if p["value"] > 0]
        return max(held, key=lambda p: p["value"]) if held else {}

    @property
    def position_value(self) -> float | dict[str, float]:
        """The open position's value on the symbol (0 when flat; NaN when the venue does
        not report positions: ``position_note`` says why); per side with two sliders."""
        values = {
            s: (math.nan if self.position_note else self._position(s).get("value", 0.0))
            for s in self._targets
        }
        return values if len(values) > 1 else next(iter(values.values()), 0.0)

    def _reason(self, side: str) -> str:
        pos = self._position(side).get("value", 0.0)
        return reason(
            self._targets[side], limits=self.limits, step=self.step, symbol=self.symbol,
            api_name=self.venue.title, position_value=pos, unit=self.unit,
            cap=self.caps, needs=self.caps.needs,
        )  # fmt: skip

    def validity(self) -> pd.DataFrame:
        """One row per slider: ``side``, ``leverage``, ``valid``, ``reason`` (why the
        exchange would refuse it, before anything is sent; ``""`` when valid)."""
        rows = []
        for s, lev in self._targets.items():
            why = self._reason(s)
            rows.append({"side": s, "leverage": lev, "valid": not why, "reason": why})
        return pd.DataFrame(rows, columns=["side", "leverage", "valid", "reason"])

    @property
    def problems(self) -> dict[str, str]:
        """Why each invalid slider value is invalid (empty when all are valid)."""
        if not self.ready:
            return {}
        found = {s: self._reason(s) for s in self.sides}
        many = len(self.sides) > 1
        return {s: (f"{s}: {p}" if many else p) for s, p in found.items() if p}

    # -- readouts ------------------------------------------------------------------------
    def entry_price(self, side: str = "both") -> tuple[float, str]:
        """``(price, what)`` the liquidation price is computed from: the open position's
        entry price, else a mark price the client read, else ``price=``."""
        entry = self._position(side).get("entry_price", math.nan)
        if math.isfinite(entry):
            return entry, "entry"
        if self._mark is None:
            self._mark = io.mark_price(self.leverage_frame, self.positions)
        if math.isfinite(self._mark):
            return self._mark, "mark"
        return self.price, "price="

    def _liquidation(self, side: str, lev: float, capacity: float) -> float:
        pos = self._position(side)
        held = pos.get("value", 0.0)
        notional = held or capacity
        entry = self.entry_price(side)[0]
        if self.margin_tiers is None or not (notional > 0 and math.isfinite(entry)):
            return math.nan
        direction = side if side != "both" else self._direction()
        sweep = (direction, entry, held, self.balance)
        if sweep not in self._liq_grids:  # every leverage of the grid at once
            self._liq_grids[sweep] = self._liquidation_grid(direction, entry, held)
        found = self._liq_grids[sweep].get(lev)
        if found is not None:
            return found
        key = (direction, lev, notional, entry)
        if key not in self._liq:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    self._liq[key] = float(
                        model_liquidation(self.margin_tiers, entry, lev, direction, notional)
                    )
                except (ValueError, TypeError, LevkitError):
                    self._liq[key] = math.nan
        return self._liq[key]

    def _liquidation_grid(self, direction: str, entry: float, held: float) -> dict[float, float]:
        grid = self.caps.grid
        if not len(grid):
            return {}
        caps = np.array([self.caps(x) for x in grid.tolist()])  # inf: an open top tier
        if held:
            notional = np.full(len(grid), held)
        elif self.balance is not None:
            notional = np.minimum(self.balance * grid, caps)
        else:
            return {}
        ok = np.isfinite(notional) & (notional > 0)
        out = np.full(len(grid), np.nan)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                out[ok] = np.asarray(
                    model_liquidation(self.margin_tiers, entry, grid[ok], direction, notional[ok]),
                    dtype=float,
                )
            except (ValueError, TypeError, LevkitError):
                return {}
        return dict(zip(grid.tolist(), out.tolist(), strict=True))

    def _maintenance(self, side: str, capacity: float) -> float:
        """Maintenance margin of the open position (of a position of the balance's capacity
        when flat): ``V·r − D`` of its tier, by the venue's rule; NaN when unknown."""
        notional = self._position(side).get("value", 0.0) or capacity
        tiers = self.margin_tiers
        if tiers is None or not (notional > 0 and math.isfinite(notional)):
            return math.nan
        cached = getattr(self, "_mm_ladder", None)
        if cached is None or cached[0] is not tiers:
            try:
                lad = model_ladders(tiers)
            except (ValueError, TypeError, LevkitError):
                lad = None
            self._mm_ladder = cached = (tiers, lad)
        lad = cached[1]
        if lad is None or lad.n != 1:
            return math.nan
        rate, ded, _ = lad.maintenance.at(lad.band_row(np.zeros(1, dtype=np.intp), [notional]))
        return float(notional * rate[0] - ded[0])

    def _direction(self) -> str:
        pos = self._position("both")
        return "short" if pos.get("direction") == 1.0 else "long"

    def _row(self, side: str) -> dict[str, Any]:
        lev = self._targets[side]
        why = self._reason(side)
        ok = not why
        cap = self.caps(lev) if ok else math.nan
        bal = self.balance
        capacity = min(bal * lev, cap) if bal is not None and not math.isnan(cap) else math.nan
        return {
            "side": side,
            "leverage": lev,
            "valid": ok,
            "reason": why,
            "max_position_value": cap,
            "cap_from": "exchange" if self.caps.from_exchange(lev) else self.source.kind,
            "initial_margin": cap / lev if math.isfinite(cap) else math.nan,
            "capacity": capacity,
            "in_force": self.in_force.get(side, math.nan),
            "position_value": self._position(side).get("value", 0.0),
            "maintenance_margin": self._maintenance(side, capacity) if ok else math.nan,
            "liquidation_price": self._liquidation(side, lev, capacity) if ok else math.nan,
        }

    def _pick(self, key: str) -> float | dict[str, float]:
        values = {r["side"]: r[key] for r in self.rows()}
        if len(values) > 1:
            return values
        return next(iter(values.values()), math.nan)

    @property
    def max_position_value(self) -> float | dict[str, float]:
        """The cap at the chosen leverage: the exchange's own figure at the leverage in
        force, else ``lk.max_position_value(tiers, leverage)``; NaN when unknown or the
        leverage is invalid (``validity()`` says why).  A
        ``{side: value}`` dict with two sliders."""
        return self._pick("max_position_value")

    @property
    def initial_margin(self) -> float | dict[str, float]:
        """Initial margin that holds the cap: max position value / leverage."""
        return self._pick("initial_margin")

    @property
    def capacity(self) -> float | dict[str, float]:
        """min(balance x leverage, max position value); NaN without a balance."""
        return self._pick("capacity")

    @property
    def maintenance_margin(self) -> float | dict[str, float]:
        """Maintenance margin of the open position (of a position of the balance's capacity
        when flat) by the venue's rule, the figure :func:`levkit.margin` gives; NaN when
        unknown (no rates, no balance)."""
        return self._pick("maintenance_margin")

    @property
    def liquidation_price(self) -> float | dict[str, float]:
        """Liquidation price at the chosen leverage of the open position (of a position of
        the balance's capacity when flat), entered at the position's entry price, else
        the mark price the client read, else ``price=``; NaN when none is known."""
        return self._pick("liquidation_price")

    def readouts(self) -> pd.DataFrame:
        """One row per slider: ``side``, ``leverage``, ``valid``, ``reason``,
        ``max_position_value``, ``cap_from`` (``"exchange"`` or the ladder's source),
        ``initial_margin``, ``capacity``, ``in_force``, ``position_value``,
        ``maintenance_margin``, ``liquidation_price``.  (Memoised until the choice or the exchange's state
        changes: the view reads it several times per slider move.)"""
        return pd.DataFrame(self.rows())

    def rows(self) -> list[dict[str, Any]]:
        """:meth:`readouts` as a list of dicts (no pandas: what a slider move reads)."""
        key = (
            tuple(self._targets.items()), tuple(self.in_force.items()), self.balance,
            id(self.caps), id(self.positions), self.price, self.ready,
        )  # fmt: skip
        if self._readouts is None or self._readouts[0] != key:
            self._readouts = (key, [self._row(s) for s in self._targets])
        return [dict(r) for r in self._readouts[1]]


def model_ladders(tiers: pd.DataFrame) -> Any:
    """The model's prepared ladders (imported on first use)."""
    from ..model import prepare

    return prepare(tiers, need_leverage=False)


def model_liquidation(tiers: pd.DataFrame, entry: float, lev: float, side: str, notional: float):
    """``lk.liquidation_price`` for one position (imported on first use)."""
    from ..liquidation import liquidation_price

    return liquidation_price(tiers, entry_price=entry, leverage=lev, side=side, notional=notional)
