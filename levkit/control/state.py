"""The leverage control's state: plain Python, no ipywidgets, so tests drive it directly.

:class:`ControlState` holds what the control knows, and assigns every attribute it has:
what it read from the exchange (the ladder and where it came from, the slider's bounds,
the position mode, the leverage in force, the open position), the leverage chosen on each
slider, the balance, ``busy`` and the status line.  It reads and changes only itself
(:meth:`~ControlState.load`, :meth:`~ControlState.refresh`, :meth:`~ControlState.choose`)
and tells its observers what changed.  What is computed from it (validity, caps, margins,
liquidation prices) is :class:`levkit.control.readouts.Readouts`; what it sends (Preview,
Apply, Discover) is :class:`levkit.control.actions.Actions`; both are handed the state
explicitly.  The view (:mod:`levkit.control.view`) only mirrors it.

Every error raised while reading (levkit errors, network errors, anything else) is caught
and put on the status line; ``busy`` is always cleared afterwards.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
import warnings
from collections.abc import Callable, Iterator
from typing import Any, cast

import pandas as pd

from .. import model
from ..errors import LevkitError
from ..validate import check_side
from ..venues import venue
from . import exchange as io
from . import ladder
from .text import format_leverage, leverages_text

__all__ = ["ControlState"]

log = logging.getLogger("levkit")


class ControlState:
    """What :class:`levkit.LeverageControl` knows, read and chosen, with no user interface.

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
    >>> state.source.kind, state.sides, state.in_force
    ('simulator', ('both',), {'both': 10.0})
    >>> state.choose(20), state.targets, state.moves
    (True, {'both': 20.0}, 1)
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
        #: Monotonic seconds (the mainnet confirmation window).
        self.clock = clock
        if tiers is not None:  # another venue's or symbol's ladder: refused here, not shown
            tiers = ladder.given_ladder(client, self.symbol, tiers)
        self._given_tiers = tiers
        self._given_step = step
        self._given_top = max_leverage
        self._probed: pd.DataFrame | None = None
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
        #: The chosen leverage per slider (``{"both": L}`` or ``{"long": L, "short": L}``).
        self.targets: dict[str, float] = {}
        self.best_leverage = math.nan
        self.ready = False
        self.busy = False
        self.status = ""
        self.status_kind = "info"
        self.last_preview: Any = None
        self.last_result: pd.DataFrame | None = None
        #: How many times the exchange was read (load, refresh): what was computed from an
        #: earlier read is stale.
        self.reads = 0
        #: How many times a leverage was chosen (a confirmation armed before is void).
        self.moves = 0
        self.load()

    # -- observers and the status line -----------------------------------------------------
    def observe(self, callback: Callable[[str], Any]) -> Callable[[], None]:
        """Call ``callback(what)`` after every change; returns a function that unsubscribes.

        ``what`` is ``"load"``, ``"leverage"``, ``"balance"``, ``"status"``, ``"busy"``,
        ``"in_force"`` or ``"preview"``.
        """
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback) if callback in self._listeners else None

    def notify(self, what: str) -> None:
        """Tell every observer that ``what`` changed."""
        for callback in list(self._listeners):
            try:
                callback(what)
            except Exception:  # noqa: BLE001 - a broken view must not break the state
                log.exception("levkit control: a listener failed on %r", what)

    def set_status(self, text: str, kind: str = "info") -> None:
        """Put ``text`` on the status line (``kind``: info, ok, warning, error), secrets
        scrubbed."""
        self.status, self.status_kind = self.scrub(text), kind
        self.notify("status")

    def scrub(self, text: str) -> str:
        """``text`` with the client's secret and passphrase replaced by ``<secret>``."""
        creds = getattr(getattr(self.client, "transport", None), "credentials", None)
        for secret in (getattr(creds, "secret", None), getattr(creds, "passphrase", None)):
            if secret:
                text = text.replace(secret, "<secret>")
        return text

    def fail(self, what: str, exc: BaseException) -> None:
        """Say on the status line (and in the log) that ``what`` failed, and why."""
        if isinstance(exc, LevkitError):
            detail = str(exc)
        else:
            import requests

            kind = "network error: " if isinstance(exc, requests.RequestException) else ""
            detail = f"{kind}{type(exc).__name__}: {exc}"
        log.warning("levkit control: %s failed: %s", what, self.scrub(detail))
        log.debug("levkit control: %s failed", what, exc_info=exc)
        self.set_status(f"error: {what} failed: {detail}", "error")

    @contextlib.contextmanager
    def working(self) -> Iterator[None]:
        """``busy`` while a request runs (observers told at both ends)."""
        self.busy = True
        self.notify("busy")
        try:
            yield
        finally:
            self.busy = False
            self.notify("busy")

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
            self.set_status("busy: wait for the running request to finish", "warning")
            return False
        self.busy = True
        self.notify("busy")
        try:
            tiers: pd.DataFrame | None
            if self._probed is not None:
                tiers = self._probed
                src = ladder.describe(tiers, "probe", self.exchange, io.unit_of(tiers))
            else:
                tiers, src = ladder.read_ladder(self.client, self.symbol, self._given_tiers)
            ex = io.read_exchange(self.client, self.symbol, self.side)
            high, step, limits = io.read_limits(
                self.client, self.symbol, tiers, ex.frame,
                step=self._given_step, top=self._given_top,
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
            self.reads += 1
            self.caps.prepare(step, high)
            old = self.targets
            self.targets = {
                s: old.get(s, self._clamp(ex.in_force.get(s, self.min_leverage))) for s in ex.sides
            }
            self.ready = True
            self._update_best()
            extra = f"; {self.read_only}" if self.read_only else ""
            self.set_status(f"ready: {leverages_text(self.in_force)} in force{extra}", "info")
            return True
        except Exception as exc:  # noqa: BLE001 - every error goes to the status line
            self.fail("reading the exchange", exc)
            return False
        finally:
            self.busy = False
            self.notify("load")

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
                self.fail("reading the leverage in force", exc)
            return False
        if ex.sides != self.sides:
            return quiet or self.load()
        self.position_mode, self.in_force, self.leverage_frame = ex.mode, ex.in_force, ex.frame
        self.caps = ladder.Caps(self.tiers, {ex.in_force[s]: ex.caps[s] for s in ex.sides})
        self.caps.prepare(self.step, self.max_leverage)
        self.positions, self.position_note = positions, note
        self.reads += 1
        self.notify("in_force")
        return True

    def use_ladder(self, tiers: pd.DataFrame) -> bool:
        """Load again with ``tiers`` (a probed ladder) in place of the one read before."""
        self._given_tiers = None
        self._probed = tiers
        return self.load()

    def take_in_force(self, frame: pd.DataFrame) -> None:
        """The leverage in force from a ``set_leverage`` answer."""
        by_side = dict(zip(frame["side"], frame["leverage"].astype(float), strict=False))
        for s in self.sides:
            value = by_side.get(s, by_side.get("long") if s == "both" else None)
            if value is not None:
                self.in_force[s] = float(value)
        self.notify("in_force")

    # -- the open position ---------------------------------------------------------------
    def position(self, side: str) -> dict[str, float]:
        """The open position a slider governs (one-way: whichever side is open); ``{}``
        when flat."""
        if side != "both":
            return self.positions.get(side, {})
        held = [p for p in self.positions.values() if p["value"] > 0]
        return max(held, key=lambda p: p["value"]) if held else {}

    def direction(self) -> str:
        """``"long"`` or ``"short"``: the open position's direction in one-way mode."""
        return "short" if self.position("both").get("direction") == 1.0 else "long"

    # -- the chosen leverage -------------------------------------------------------------
    def _clamp(self, value: float) -> float:
        if not math.isfinite(value):
            return self.min_leverage
        high = self.max_leverage if math.isfinite(self.max_leverage) else value
        value = min(max(value, self.min_leverage), high)
        return round(round(value / self.step) * self.step, 10)

    @property
    def leverages(self) -> dict[str, float]:
        """The chosen leverage per slider (a copy of :attr:`targets`)."""
        return dict(self.targets)

    def choose(self, value: Any, side: str | None = None) -> bool:
        """Move the slider of ``side`` (every slider when None) to ``value``; any number is
        kept and shown, valid or not.  False (and the status says why) when the control is
        not ready, the side has no slider or ``value`` is not a number."""
        if not self.ready:
            self.set_status("not ready: the exchange could not be read; press Refresh", "error")
            return False
        side = None if side is None else check_side(side)
        chosen = self.sides if side in (None, "both") else (side,)
        unknown = [s for s in chosen if s not in self.sides]
        if unknown:
            self.set_status(
                f"error: no {unknown[0]!r} slider here (sliders: {', '.join(self.sides)})", "error"
            )
            return False
        try:
            lev = float(value)
        except (TypeError, ValueError):
            self.set_status(f"error: leverage must be a number, not {value!r}", "error")
            return False
        for s in chosen:
            self.targets[s] = round(lev, 10) if math.isfinite(lev) else lev
        self.moves += 1
        self.notify("leverage")
        return True

    def set_balance(self, balance: float | None) -> None:
        """Change the balance (None removes the capacity readouts)."""
        try:
            self.balance = None if balance is None else model.check_balance(balance)
        except ValueError as exc:
            self.set_status(f"error: {exc}", "error")
            return
        self._update_best()
        self.notify("balance")

    def _update_best(self) -> None:
        self.best_leverage = math.nan
        if self.balance is not None and self.tiers is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                # one symbol, a scalar balance: a float
                best = float(
                    cast(float, model.best_leverage(self.tiers, self.balance, step=self.step))
                )
            self.best_leverage = min(best, self.max_leverage)

    def __repr__(self) -> str:
        chosen = ", ".join(f"{s}={format_leverage(v)}" for s, v in self.targets.items())
        return (
            f"{type(self).__name__}({self.exchange} {self.symbol}, {chosen or 'not ready'}, "
            f"source={self.source.kind}, status={self.status!r})"
        )
