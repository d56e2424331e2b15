"""The leverage control's state: plain Python, no ipywidgets, so tests drive it directly.

:class:`ControlState` holds what the control shows: the leverage chosen on each slider, the
readouts (the exchange's own cap at the leverage in force, else the ladder; computed
locally, no request per move), where the ladder came from (``source``), the open position
and the validity of each leverage against it, the liquidation price, the status line.
The readouts and validity are in :mod:`levkit.control.readouts`, the actions (Preview,
Apply, Discover) in :mod:`levkit.control.actions`; the view
(:mod:`levkit.control`) only mirrors the state through :meth:`ControlState.observe`.

Every error raised while reading (levkit errors, network errors, anything else) is caught
and put on the status line; ``busy`` is always cleared afterwards.
"""

from __future__ import annotations

import logging
import math
import time
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from .. import model
from ..errors import LevkitError
from ..validate import check_side
from ..venues import venue
from . import exchange as io
from . import ladder
from .actions import ControlActions
from .exchange import format_leverage
from .readouts import ControlReadouts

__all__ = ["ControlState"]

log = logging.getLogger("levkit")


class ControlState(ControlReadouts, ControlActions):
    """State and actions of :class:`levkit.LeverageControl`, with no user interface.

    Parameters
    ----------
    client : any levkit client (``lk.exchanges()``)
        Keys needed where the leverage in force is private data.  Venues that levkit
        cannot set leverage on (``set_leverage`` False in the registry) show read-only.
    symbol : str
        Any spelling; normalised to the exchange's form.
    side : {"both", "long", "short"}
        ``"both"`` in one-way mode is one slider; in hedge mode it is one slider per side.
    balance : float, optional
        Margin available: adds the capacity readout, the best leverage, and the
        liquidation price of a position of that capacity when flat.
    tiers : DataFrame, optional
        The symbol's leverage ladder.  Default: the API, else the snapshot (see
        :mod:`levkit.control.ladder`; ``source`` says which).
    price : float, optional
        Entry price for the liquidation price when there is no open position and the
        client reads no mark price.
    step, max_leverage : float, optional
        Override the slider's step and upper bound (default: from the exchange).
    confirm_seconds : float
        On a live mainnet host Apply needs a second call within this many seconds.
    clock : callable
        Monotonic seconds, for the confirmation window (injectable for tests).

    Examples
    --------
    >>> from levkit.sim import Simulator, DEMO_KEY, DEMO_SECRET
    >>> import levkit as lk
    >>> sim = Simulator()
    >>> client = lk.Bybit(DEMO_KEY, DEMO_SECRET, session=sim.session(), testnet=True)
    >>> state = ControlState(client, "BTCUSDT")
    >>> state.leverage = 20
    >>> state.max_position_value, state.source.kind
    (2600000.0, 'simulator')
    >>> state.apply()["changed"].tolist(), sim.leverage("bybit", "BTCUSDT")
    ([True], 20.0)
    """

    def __init__(
        self,
        client: Any,
        symbol: str,
        *,
        side: str = "both",
        balance: float | None = None,
        tiers: pd.DataFrame | None = None,
        price: float | None = None,
        step: float | None = None,
        max_leverage: float | None = None,
        confirm_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.exchange = str(getattr(client, "exchange", "") or "")
        self.venue = venue(self.exchange)
        self.symbol = io.normalize(symbol, self.exchange)
        self.side = check_side(side)
        self.balance = None if balance is None else model.check_balance(balance)
        self.price = math.nan if price is None else float(price)
        self.confirm_seconds = float(confirm_seconds)
        if tiers is not None:  # another venue's or symbol's ladder: refused here, not shown
            tiers = ladder.given_ladder(client, self.symbol, tiers)
        self._given = {"tiers": tiers, "step": step, "max_leverage": max_leverage}
        self._probed: pd.DataFrame | None = None
        self._clock = clock
        self._listeners: list[Callable[[str], Any]] = []
        self.tiers: pd.DataFrame | None = None
        #: the ladder with maintenance rates, for the liquidation price (BingX: + bands)
        self.margin_tiers: pd.DataFrame | None = None
        self.source = ladder.LadderSource("exchange", complete=False, note="not read yet")
        self.caps = ladder.Caps(None, {})
        self.unit = self.venue.quote
        self.min_leverage = 1.0  # every exchange here starts at 1x
        self.max_leverage = math.nan
        self.step = float(self.venue.capabilities.leverage_step)
        self.limits: dict[str, float] = {}
        self.position_mode: str | None = None
        self.sides: tuple[str, ...] = ()
        self.in_force: dict[str, float] = {}
        self.positions: dict[str, dict[str, float]] = {}
        self.position_note = ""
        self.leverage_frame: pd.DataFrame | None = None
        self._targets: dict[str, float] = {}
        self._liq: dict[tuple, float] = {}
        self._liq_grids: dict[tuple, dict[float, float]] = {}
        self._mark: float | None = None
        self._readouts: tuple[tuple, list[dict[str, Any]]] | None = None
        self.best_leverage = math.nan
        self.ready = False
        self.busy = False
        self._armed: tuple[tuple, float] | None = None
        self.status = ""
        self.status_kind = "info"
        self.last_preview: Any = None
        self.last_result: pd.DataFrame | None = None
        self.load()

    # -- observers ---------------------------------------------------------------------
    def observe(self, callback: Callable[[str], Any]) -> Callable[[], None]:
        """Call ``callback(what)`` after every change; returns a function that unsubscribes.

        ``what`` is ``"load"``, ``"leverage"``, ``"balance"``, ``"status"``, ``"busy"``,
        ``"in_force"`` or ``"preview"``.
        """
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback) if callback in self._listeners else None

    def _notify(self, what: str) -> None:
        for callback in list(self._listeners):
            try:
                callback(what)
            except Exception:  # noqa: BLE001 - a broken view must not break the state
                log.exception("levkit control: a listener failed on %r", what)

    def _set_status(self, text: str, kind: str = "info") -> None:
        self.status, self.status_kind = self._scrub(text), kind
        self._notify("status")

    def _scrub(self, text: str) -> str:
        creds = getattr(getattr(self.client, "transport", None), "credentials", None)
        for secret in (getattr(creds, "secret", None), getattr(creds, "passphrase", None)):
            if secret:
                text = text.replace(secret, "<secret>")
        return text

    def _fail(self, what: str, exc: BaseException) -> None:
        if isinstance(exc, LevkitError):
            detail = str(exc)
        else:
            import requests

            kind = "network error: " if isinstance(exc, requests.RequestException) else ""
            detail = f"{kind}{type(exc).__name__}: {exc}"
        log.warning("levkit control: %s failed: %s", what, self._scrub(detail))
        log.debug("levkit control: %s failed", what, exc_info=exc)
        self._set_status(f"error: {what} failed: {detail}", "error")

    # -- reading the exchange ------------------------------------------------------------
    @property
    def read_only(self) -> str:
        """Why this control cannot set leverage (``""`` when it can)."""
        if self.venue.capabilities.set_leverage:
            return ""
        return (
            f"read-only: levkit does not set leverage on {self.venue.title} "
            "(its orders are wallet-signed); set it in the exchange's own app"
        )

    def load(self) -> bool:
        """(Re)read the ladder, the slider bounds, the position mode, the leverage in force
        and the open position.  Returns True on success; on failure the status says why."""
        if self.busy:
            self._set_status("busy: wait for the running request to finish", "warning")
            return False
        self.busy = True
        self._notify("busy")
        try:
            given = self._given
            if self._probed is not None:
                tiers = self._probed
                src = ladder.describe(tiers, "probe", self.exchange, io.unit_of(tiers))
            else:
                tiers, src = ladder.read_ladder(self.client, self.symbol, given["tiers"])
            ex = io.read_exchange(self.client, self.symbol, self.side)
            high, step, limits = io.read_limits(
                self.client, self.symbol, tiers, ex.frame,
                step=given["step"], top=given["max_leverage"],
            )  # fmt: skip
            if not math.isfinite(high):
                raise LevkitError(
                    f"no maximum leverage known for {self.symbol}: {src.note or 'no ladder'}"
                )
            positions, note = io.read_positions(self.client, self.symbol)
            self.tiers, self.source, self.leverage_frame = tiers, src, ex.frame
            self.margin_tiers = ladder.with_margins(self.client, self.symbol, tiers)
            self.unit = io.unit_of(tiers, self.exchange)
            self.caps = ladder.Caps(tiers, {ex.in_force[s]: ex.caps[s] for s in ex.sides})
            self.max_leverage, self.step, self.limits = high, step, limits
            self.position_mode, self.sides, self.in_force = ex.mode, ex.sides, ex.in_force
            self.positions, self.position_note = positions, note
            self._liq, self._liq_grids, self._mark = {}, {}, None
            self.caps.prepare(step, high)
            old = self._targets
            self._targets = {
                s: old.get(s, self._clamp(ex.in_force.get(s, self.min_leverage))) for s in ex.sides
            }
            self._armed = None
            self.ready = True
            self._update_best()
            extra = f"; {self.read_only}" if self.read_only else ""
            self._set_status(f"ready: {io.leverages_text(self.in_force)} in force{extra}", "info")
            return True
        except Exception as exc:  # noqa: BLE001 - every error goes to the status line
            self._fail("reading the exchange", exc)
            return False
        finally:
            self.busy = False
            self._notify("load")

    def refresh(self, *, quiet: bool = False) -> bool:
        """Re-read the leverage in force and the position (not the ladder); True on
        success.  A change of position mode reloads everything.  ``quiet``: log a
        failure, keep the status."""
        try:
            ex = io.read_exchange(self.client, self.symbol, self.side)
            positions, note = io.read_positions(self.client, self.symbol)
        except Exception as exc:  # noqa: BLE001 - every error goes to the status line
            if quiet:
                log.warning("levkit control: could not re-read the leverage in force: %s", exc)
            else:
                self._fail("reading the leverage in force", exc)
            return False
        if ex.sides != self.sides:
            return quiet or self.load()
        self.position_mode, self.in_force, self.leverage_frame = ex.mode, ex.in_force, ex.frame
        self.caps = ladder.Caps(self.tiers, {ex.in_force[s]: ex.caps[s] for s in ex.sides})
        self.caps.prepare(self.step, self.max_leverage)
        self.positions, self.position_note = positions, note
        self._liq, self._liq_grids, self._mark = {}, {}, None
        self._notify("in_force")
        return True

    # -- the chosen leverage -------------------------------------------------------------
    def _clamp(self, value: float) -> float:
        if not math.isfinite(value):
            return self.min_leverage
        high = self.max_leverage if math.isfinite(self.max_leverage) else value
        value = min(max(value, self.min_leverage), high)
        return round(round(value / self.step) * self.step, 10)

    @property
    def leverages(self) -> dict[str, float]:
        """The chosen leverage per slider (``{"both": L}`` or ``{"long": L, "short": L}``)."""
        return dict(self._targets)

    @property
    def leverage(self) -> float | dict[str, float]:
        """The chosen leverage: a float with one slider, ``{"long": .., "short": ..}`` with
        two.  Set a number (every slider) or a mapping ``{side: leverage}``."""
        if len(self._targets) > 1:
            return self.leverages
        return next(iter(self._targets.values()), math.nan)

    @leverage.setter
    def leverage(self, value: float | Mapping[str, float]) -> None:
        if isinstance(value, Mapping):
            for side, lev in value.items():
                self.set_leverage(lev, side=side)
        else:
            self.set_leverage(value)

    def set_leverage(self, value: float, side: str | None = None) -> None:
        """Move the slider of ``side`` (every slider when None) to ``value``.

        Any number is accepted and shown; an invalid one (see :meth:`validity`) disables
        Apply and says why on the status line.
        """
        if not self.ready:
            self._set_status("not ready: the exchange could not be read; press Refresh", "error")
            return
        side = None if side is None else check_side(side)
        targets = self.sides if side in (None, "both") else (side,)
        unknown = [s for s in targets if s not in self.sides]
        if unknown:
            self._set_status(
                f"error: no {unknown[0]!r} slider here (sliders: {', '.join(self.sides)})", "error"
            )
            return
        try:
            lev = float(value)
        except (TypeError, ValueError):
            self._set_status(f"error: leverage must be a number, not {value!r}", "error")
            return
        for s in targets:
            self._targets[s] = round(lev, 10) if math.isfinite(lev) else lev
        self._armed = None
        self._notify("leverage")
        problems = self.problems
        if problems:
            self._set_status("invalid: " + "; ".join(problems.values()), "error")
        else:
            chosen, held = io.leverages_text(self._targets), io.leverages_text(self.in_force)
            self._set_status(f"selected {chosen}; {held} in force", "info")

    def set_balance(self, balance: float | None) -> None:
        """Change the balance (None removes the capacity readouts)."""
        try:
            self.balance = None if balance is None else model.check_balance(balance)
        except ValueError as exc:
            self._set_status(f"error: {exc}", "error")
            return
        self._update_best()
        self._notify("balance")

    def _update_best(self) -> None:
        self.best_leverage = math.nan
        if self.balance is not None and self.tiers is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                best = float(model.best_leverage(self.tiers, self.balance, step=self.step))
            self.best_leverage = min(best, self.max_leverage)

    def __repr__(self) -> str:
        chosen = ", ".join(f"{s}={format_leverage(v)}" for s, v in self._targets.items())
        return (
            f"{type(self).__name__}({self.exchange} {self.symbol}, {chosen or 'not ready'}, "
            f"source={self.source.kind}, status={self.status!r})"
        )
