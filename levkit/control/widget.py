"""``lk.LeverageControl``: the interactive leverage control for Jupyter and Voila.

One object assembled from parts that are each handed what they use: the
:class:`~levkit.control.state.ControlState` it is (what was read and chosen), its
:class:`~levkit.control.readouts.Readouts` (validity, caps, margins, liquidation), its
:class:`~levkit.control.actions.Actions` (Preview, Apply, Discover) and, when displayed,
its :class:`~levkit.control.view.ControlView` (ipywidgets, imported then; the CSS classes
of its widgets are listed there).  Everything the view shows can be read and driven from
code, with no kernel or browser.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

import pandas as pd

from .actions import Actions
from .readouts import Readouts
from .state import ControlState
from .text import leverages_text
from .view import ControlView

__all__ = ["LeverageControl"]


class LeverageControl(ControlState):
    """Pick a leverage, see the largest position it allows, preview and apply it.

    Displays itself in Jupyter (a slider per side, readouts, a risk-limit curve, Preview and
    Apply buttons, a status line).  Its state can be read and driven from code with no
    kernel or browser: ``leverage`` (settable), ``max_position_value``, ``status``,
    :meth:`preview`, :meth:`apply`, ``source``, ``position_value``, :meth:`validity`.
    The parameters and the rest of what it knows (``tiers``, ``in_force``, ``sides``,
    ``busy``...) are those of :class:`~levkit.control.state.ControlState`.

    Examples
    --------
    >>> import levkit as lk
    >>> from levkit.sim import Simulator, DEMO_KEY, DEMO_SECRET
    >>> sim = Simulator()
    >>> client = lk.Bybit(DEMO_KEY, DEMO_SECRET, session=sim.session(), testnet=True)
    >>> control = lk.LeverageControl(client, "BTCUSDT", balance=10_000)
    >>> control.leverage = 20
    >>> control.max_position_value == lk.max_position_value(control.tiers, 20)
    True
    >>> frame = control.apply()
    >>> control.status
    'changed: BTCUSDT 10x → 20x'
    >>> control                          # doctest: +SKIP
    """

    _view: ControlView | None = None

    @cached_property
    def _readouts(self) -> Readouts:
        return Readouts(self)

    @cached_property
    def _actions(self) -> Actions:
        return Actions(self, self._readouts)

    # -- the chosen leverage -------------------------------------------------------------
    @property
    def leverage(self) -> float | dict[str, float]:
        """The chosen leverage: a float with one slider, ``{"long": .., "short": ..}`` with
        two.  Set a number (every slider) or a mapping ``{side: leverage}``."""
        if len(self.targets) > 1:
            return self.leverages
        return next(iter(self.targets.values()), float("nan"))

    @leverage.setter
    def leverage(self, value: float | Mapping[str, float]) -> None:
        if isinstance(value, Mapping):
            for side, lev in value.items():
                self.set_leverage(lev, side=side)
        else:
            self.set_leverage(value)

    def set_leverage(self, value: Any, side: str | None = None) -> None:
        """Move the slider of ``side`` (every slider when None) to ``value``.

        Any number is accepted and shown; an invalid one (see :meth:`validity`) disables
        Apply and says why on the status line.
        """
        if not self.choose(value, side):
            return
        problems = self._readouts.problems()
        if problems:
            self.set_status("invalid: " + "; ".join(problems.values()), "error")
        else:
            chosen, held = leverages_text(self.targets), leverages_text(self.in_force)
            self.set_status(f"selected {chosen}; {held} in force", "info")

    # -- readouts (levkit.control.readouts) --------------------------------------------------
    @property
    def position_value(self) -> float | dict[str, float]:
        """The open position's value on the symbol (0 when flat; NaN when the venue does
        not report positions: ``position_note`` says why); per side with two sliders."""
        return self._readouts.position_value()

    def validity(self) -> pd.DataFrame:
        """One row per slider: ``side``, ``leverage``, ``valid``, ``reason`` (why the
        exchange would refuse it, before anything is sent; ``""`` when valid)."""
        return self._readouts.validity()

    @property
    def problems(self) -> dict[str, str]:
        """Why each invalid slider value is invalid (empty when all are valid)."""
        return self._readouts.problems()

    def entry_price(self, side: str = "both") -> tuple[float, str]:
        """``(price, what)`` the liquidation price is computed from: the open position's
        entry price, else a mark price the client read, else ``price=``."""
        return self._readouts.entry_price(side)

    @property
    def max_position_value(self) -> float | dict[str, float]:
        """The cap at the chosen leverage: the exchange's own figure at the leverage in
        force, else ``lk.max_position_value(tiers, leverage)``; NaN when unknown or the
        leverage is invalid (``validity()`` says why).  A ``{side: value}`` dict with two
        sliders."""
        return self._readouts.pick("max_position_value")

    @property
    def initial_margin(self) -> float | dict[str, float]:
        """Initial margin that holds the cap: max position value / leverage."""
        return self._readouts.pick("initial_margin")

    @property
    def capacity(self) -> float | dict[str, float]:
        """min(balance x leverage, max position value); NaN without a balance."""
        return self._readouts.pick("capacity")

    @property
    def maintenance_margin(self) -> float | dict[str, float]:
        """Maintenance margin of the open position (of a position of the balance's capacity
        when flat) by the venue's rule, the figure :func:`levkit.margin` gives; NaN when
        unknown (no rates, no balance)."""
        return self._readouts.pick("maintenance_margin")

    @property
    def liquidation_price(self) -> float | dict[str, float]:
        """Liquidation price at the chosen leverage of the open position (of a position of
        the balance's capacity when flat), entered at the position's entry price, else
        the mark price the client read, else ``price=``; NaN when none is known."""
        return self._readouts.pick("liquidation_price")

    def readouts(self) -> pd.DataFrame:
        """One row per slider: ``side``, ``leverage``, ``valid``, ``reason``,
        ``max_position_value``, ``cap_from`` (``"exchange"`` or the ladder's source),
        ``initial_margin``, ``capacity``, ``in_force``, ``position_value``,
        ``maintenance_margin``, ``liquidation_price``."""
        return self._readouts.frame()

    def rows(self) -> list[dict[str, Any]]:
        """:meth:`readouts` as a list of dicts (no pandas: what a slider move reads)."""
        return self._readouts.rows()

    # -- actions (levkit.control.actions) ----------------------------------------------------
    def plan(self) -> list[tuple[str, float]]:
        """The ``(side, leverage)`` calls Apply would make (empty when nothing differs
        from the leverage in force)."""
        return self._actions.plan()

    @property
    def confirm_required(self) -> bool:
        """True on a live mainnet host: Apply then needs a second, confirming click."""
        return self._actions.confirm_required

    @property
    def armed(self) -> bool:
        """True after a first Apply on mainnet, until the confirmation window closes."""
        return self._actions.armed

    def apply_blocker(self) -> str | None:
        """Why Apply is disabled now, or None when it is enabled."""
        return self._actions.apply_blocker()

    @property
    def can_apply(self) -> bool:
        """Whether Apply is enabled (see :meth:`apply_blocker` for why not)."""
        return self._actions.can_apply

    @property
    def can_preview(self) -> bool:
        """Whether Preview is enabled: ready, settable, not busy, every value valid."""
        return self._actions.can_preview

    def preview(self) -> Any:
        """The dry-run request(s) Apply would send; nothing is sent (see
        :meth:`levkit.control.actions.Actions.preview`)."""
        return self._actions.preview()

    def apply(self) -> pd.DataFrame | None:
        """What the Apply button does: ``set_leverage`` for the chosen value(s), then
        re-read the leverage in force; the frame, or None when disabled, waiting for the
        mainnet confirmation or failed (see :meth:`levkit.control.actions.Actions.apply`)."""
        return self._actions.apply()

    @property
    def discovery(self) -> str | None:
        """What discovery would do here, or None where the venue cannot probe its ladder."""
        return self._actions.discovery

    def discover(self, **kwargs: Any) -> pd.DataFrame | None:
        """Probe the ladder (the Discover button); see
        :meth:`levkit.control.actions.Actions.discover`."""
        return self._actions.discover(**kwargs)

    # -- the view --------------------------------------------------------------------------
    @property
    def view(self) -> ControlView:
        """The ipywidgets view (built on first use)."""
        if self._view is None:
            self._view = ControlView(self)
        return self._view

    @property
    def widget(self) -> Any:
        """The top ipywidgets box; display it, or put it in your own layout."""
        return self.view.box

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return self.widget._repr_mimebundle_(include=include, exclude=exclude)

    def close(self) -> None:
        """Close the widgets and drop the figure."""
        if self._view is not None:
            self._view.close()
            self._view = None
