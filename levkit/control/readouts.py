"""The leverage control's readouts: the validity of each leverage, the cap, margin,
capacity, maintenance margin and liquidation price at the chosen leverage (the
maintenance margin by the venue's one rule, :mod:`levkit.model.maintenance`, as
:func:`levkit.margin` and :func:`levkit.liquidation_price` use it).

:class:`Readouts` is handed a :class:`~levkit.control.state.ControlState` and only reads
it; it owns its memos (kept while the state's ``reads`` count is unchanged), so a slider
move costs a few dict look-ups: everything is computed locally, no request per move.
No ipywidgets here.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd

from ..errors import LevkitError
from ..liquidation import liquidation_price
from ..model import Ladders, prepare
from .exchange import mark_price
from .state import ControlState
from .validity import reason

__all__ = ["Readouts", "READOUT_COLUMNS"]

#: The columns of :meth:`Readouts.frame` (one row per slider).
READOUT_COLUMNS = [
    "side", "leverage", "valid", "reason", "max_position_value", "cap_from", "initial_margin",
    "capacity", "in_force", "position_value", "maintenance_margin", "liquidation_price",
]  # fmt: skip


class Readouts:
    """What the control shows for each slider, computed from a :class:`ControlState`.

    Examples
    --------
    >>> import levkit as lk
    >>> from levkit.sim import Simulator, DEMO_KEY, DEMO_SECRET
    >>> client = lk.Bybit(DEMO_KEY, DEMO_SECRET, session=Simulator().session(), testnet=True)
    >>> state = ControlState(client, "BTCUSDT", balance=10_000)
    >>> readouts = Readouts(state)
    >>> state.choose(20)
    True
    >>> row = readouts.rows()[0]
    >>> row["max_position_value"], row["capacity"], row["valid"]
    (2600000.0, 200000.0, True)
    >>> state.choose(500)
    True
    >>> readouts.problems()
    {'both': 'above the maximum 150x for BTCUSDT (the top of its ladder)'}
    """

    def __init__(self, state: ControlState) -> None:
        self.state = state
        self._reads = -1
        self._liq: dict[tuple[str, float, float, float], float] = {}
        self._liq_grids: dict[tuple[Any, ...], dict[float, float]] = {}
        self._mark: float | None = None
        self._mm_ladder: tuple[pd.DataFrame, Ladders | None] | None = None
        self._rows: tuple[tuple[Any, ...], list[dict[str, Any]]] | None = None

    def _fresh(self) -> None:
        """Forget what was computed from an earlier read of the exchange."""
        if self._reads != self.state.reads:
            self._reads = self.state.reads
            self._liq, self._liq_grids, self._mark = {}, {}, None

    # -- the open position and validity ---------------------------------------------------
    def position_value(self) -> float | dict[str, float]:
        """The open position's value on the symbol (0 when flat; NaN when the venue does
        not report positions); per side with two sliders."""
        st = self.state
        values = {
            s: (math.nan if st.position_note else st.position(s).get("value", 0.0))
            for s in st.targets
        }
        return values if len(values) > 1 else next(iter(values.values()), 0.0)

    def reason(self, side: str) -> str:
        """Why the exchange would refuse the leverage chosen on ``side`` (``""``: valid)."""
        st = self.state
        return reason(
            st.targets[side], limits=st.limits, step=st.step, symbol=st.symbol,
            api_name=st.venue.title, position_value=st.position(side).get("value", 0.0),
            unit=st.unit, cap=st.caps, needs=st.caps.needs,
        )  # fmt: skip

    def validity(self) -> pd.DataFrame:
        """One row per slider: ``side``, ``leverage``, ``valid``, ``reason``."""
        rows = []
        for s, lev in self.state.targets.items():
            why = self.reason(s)
            rows.append({"side": s, "leverage": lev, "valid": not why, "reason": why})
        return pd.DataFrame(rows, columns=["side", "leverage", "valid", "reason"])

    def problems(self) -> dict[str, str]:
        """Why each invalid slider value is invalid (empty when all are valid)."""
        st = self.state
        if not st.ready:
            return {}
        found = {s: self.reason(s) for s in st.sides}
        many = len(st.sides) > 1
        return {s: (f"{s}: {p}" if many else p) for s, p in found.items() if p}

    # -- prices and margins --------------------------------------------------------------
    def entry_price(self, side: str = "both") -> tuple[float, str]:
        """``(price, what)`` the liquidation price is computed from: the open position's
        entry price, else a mark price the client read, else ``price=``."""
        st = self.state
        entry = st.position(side).get("entry_price", math.nan)
        if math.isfinite(entry):
            return entry, "entry"
        self._fresh()
        if self._mark is None:
            self._mark = mark_price(st.leverage_frame, st.positions)
        if math.isfinite(self._mark):
            return self._mark, "mark"
        return st.price, "price="

    def _liquidation(self, side: str, lev: float, capacity: float) -> float:
        st = self.state
        held = st.position(side).get("value", 0.0)
        notional = held or capacity
        entry = self.entry_price(side)[0]
        if st.margin_tiers is None or not (notional > 0 and math.isfinite(entry)):
            return math.nan
        direction = side if side != "both" else st.direction()
        sweep = (direction, entry, held, st.balance)
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
                        _liquidation_price(st.margin_tiers, entry, lev, direction, notional)
                    )
                except (ValueError, TypeError, LevkitError):
                    self._liq[key] = math.nan
        return self._liq[key]

    def _liquidation_grid(self, direction: str, entry: float, held: float) -> dict[float, float]:
        st = self.state
        grid = st.caps.grid
        if not len(grid) or st.margin_tiers is None:
            return {}
        caps = np.array([st.caps(x) for x in grid.tolist()])  # inf: an open top tier
        if held:
            notional = np.full(len(grid), held)
        elif st.balance is not None:
            notional = np.minimum(st.balance * grid, caps)
        else:
            return {}
        ok = np.isfinite(notional) & (notional > 0)
        out = np.full(len(grid), np.nan)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                out[ok] = np.asarray(
                    _liquidation_price(st.margin_tiers, entry, grid[ok], direction, notional[ok]),
                    dtype=float,
                )
            except (ValueError, TypeError, LevkitError):
                return {}
        return dict(zip(grid.tolist(), out.tolist(), strict=True))

    def _maintenance(self, side: str, capacity: float) -> float:
        """Maintenance margin of the open position (of a position of the balance's capacity
        when flat): ``V·r − D`` of its tier, by the venue's rule; NaN when unknown."""
        st = self.state
        notional = st.position(side).get("value", 0.0) or capacity
        tiers = st.margin_tiers
        if tiers is None or not (notional > 0 and math.isfinite(notional)):
            return math.nan
        cached = self._mm_ladder
        if cached is None or cached[0] is not tiers:
            try:
                lad: Ladders | None = prepare(tiers, need_leverage=False)
            except (ValueError, TypeError, LevkitError):
                lad = None
            self._mm_ladder = cached = (tiers, lad)
        lad = cached[1]
        if lad is None or lad.n != 1:
            return math.nan
        rows = lad.band_row(np.zeros(1, dtype=np.intp), np.array([notional]))
        rate, ded, _ = lad.maintenance.at(rows)
        return float(notional * rate[0] - ded[0])

    # -- one row per slider ----------------------------------------------------------------
    def _row(self, side: str) -> dict[str, Any]:
        st = self.state
        lev = st.targets[side]
        why = self.reason(side)
        ok = not why
        cap = st.caps(lev) if ok else math.nan
        bal = st.balance
        capacity = min(bal * lev, cap) if bal is not None and not math.isnan(cap) else math.nan
        return {
            "side": side,
            "leverage": lev,
            "valid": ok,
            "reason": why,
            "max_position_value": cap,
            "cap_from": "exchange" if st.caps.from_exchange(lev) else st.source.kind,
            "initial_margin": cap / lev if math.isfinite(cap) else math.nan,
            "capacity": capacity,
            "in_force": st.in_force.get(side, math.nan),
            "position_value": st.position(side).get("value", 0.0),
            "maintenance_margin": self._maintenance(side, capacity) if ok else math.nan,
            "liquidation_price": self._liquidation(side, lev, capacity) if ok else math.nan,
        }

    def rows(self) -> list[dict[str, Any]]:
        """One dict per slider, keys :data:`READOUT_COLUMNS` (no pandas: what a slider move
        reads).  Memoised until the choice, the balance or the exchange's state changes."""
        st = self.state
        self._fresh()
        key = (
            tuple(st.targets.items()), tuple(st.in_force.items()), st.balance, st.reads,
            st.price, st.ready,
        )  # fmt: skip
        if self._rows is None or self._rows[0] != key:
            self._rows = (key, [self._row(s) for s in st.targets])
        return [dict(r) for r in self._rows[1]]

    def frame(self) -> pd.DataFrame:
        """:meth:`rows` as a DataFrame."""
        return pd.DataFrame(self.rows(), columns=READOUT_COLUMNS)

    def pick(self, key: str) -> float | dict[str, float]:
        """One readout (a :data:`READOUT_COLUMNS` name): a number with one slider, a
        ``{side: value}`` dict with two."""
        values = {r["side"]: r[key] for r in self.rows()}
        if len(values) > 1:
            return values
        return next(iter(values.values()), math.nan)


def _liquidation_price(tiers: pd.DataFrame, entry: float, lev: Any, side: str, notional: Any):
    """``lk.liquidation_price`` for one position (or a grid of leverages)."""
    return liquidation_price(tiers, entry_price=entry, leverage=lev, side=side, notional=notional)
