"""The leverage control's state: plain Python, no ipywidgets, so tests drive it directly.

:class:`ControlState` holds what the control shows and does: the leverage chosen on each
slider, the readouts computed locally with :mod:`levkit.model` (no request per move), the
leverage in force on the exchange, the status line, and the Preview / Apply actions.  The
view (:mod:`levkit.widget`) only mirrors it: it calls :meth:`ControlState.observe` and
redraws when told.

Every error raised while reading, previewing or applying (levkit errors, network errors,
anything else) is caught and put on the status line; ``busy`` is always cleared afterwards.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from . import model
from . import widget_io as io
from .errors import InvalidLeverageError, LevkitError
from .validate import check_leverage, check_side
from .widget_io import format_leverage

__all__ = ["ControlState"]

log = logging.getLogger("levkit")

_TOL = 1e-9


class ControlState:
    """State and actions of :class:`levkit.LeverageControl`, with no user interface.

    Parameters
    ----------
    client : lk.Bybit, lk.BingX or lk.BybitLegacy
        The exchange client (keys needed: the leverage in force is private data).
    symbol : str
        Any spelling; normalised to the exchange's form.
    side : {"both", "long", "short"}
        ``"both"`` in one-way mode is one slider; in hedge mode it is one slider per side.
    balance : float, optional
        Margin available: adds the capacity readout and the best leverage.
    tiers : DataFrame, optional
        The symbol's leverage ladder.  Default: ``client.risk_limits(symbol)``; for BingX,
        whose API gives no leverage ladder, the shipped snapshot ``lk.load_snapshot``.
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
    >>> state.max_position_value
    2600000.0
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
        step: float | None = None,
        max_leverage: float | None = None,
        confirm_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.exchange = str(getattr(client, "exchange", "") or "")
        self.symbol = io.normalize(symbol, self.exchange)
        self.side = check_side(side)
        self.balance = None if balance is None else model.check_balance(balance)
        self.confirm_seconds = float(confirm_seconds)
        self._given = {"tiers": tiers, "step": step, "max_leverage": max_leverage}
        self._clock = clock
        self._listeners: list[Callable[[str], Any]] = []
        self.tiers: pd.DataFrame | None = None
        self.unit = "USDT"
        self.min_leverage = 1.0  # every exchange here starts at 1x
        self.max_leverage = float("nan")
        self.step = 1.0
        self.position_mode: str | None = None
        self.sides: tuple[str, ...] = ()
        self.in_force: dict[str, float] = {}
        self._targets: dict[str, float] = {}
        self.best_leverage = float("nan")
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
        secret = getattr(creds, "secret", None)
        return text.replace(secret, "<secret>") if secret else text

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
    def load(self) -> bool:
        """(Re)read the ladder, the slider bounds, the position mode and the leverage in
        force.  Returns True on success; on failure the status line says why."""
        if self.busy:
            self._set_status("busy: wait for the running request to finish", "warning")
            return False
        self.busy = True
        self._notify("busy")
        try:
            given = self._given
            tiers = io.read_tiers(self.client, self.symbol, given["tiers"])
            high, step = io.read_limits(
                self.client, self.symbol, tiers, step=given["step"], top=given["max_leverage"]
            )
            mode, sides, in_force = self._read_in_force()
            self.tiers, self.max_leverage, self.step = tiers, high, step
            self.unit = io.unit_of(tiers)
            self.position_mode, self.sides, self.in_force = mode, sides, in_force
            old = self._targets
            self._targets = {
                s: old.get(s, self._clamp(in_force.get(s, self.min_leverage))) for s in sides
            }
            self._armed = None
            self.ready = True
            self._update_best()
            self._set_status(f"ready: {io.leverages_text(self.in_force)} in force", "info")
            return True
        except Exception as exc:  # noqa: BLE001 - every error goes to the status line
            self._fail("reading the exchange", exc)
            return False
        finally:
            self.busy = False
            self._notify("load")

    def _read_in_force(self) -> tuple[str, tuple[str, ...], dict[str, float]]:
        return io.read_in_force(self.client, self.symbol, self.side)

    def refresh(self, *, quiet: bool = False) -> bool:
        """Re-read the leverage in force (not the ladder); True on success.  A change of
        position mode reloads everything.  ``quiet``: log a failure, keep the status."""
        try:
            mode, sides, in_force = self._read_in_force()
        except Exception as exc:  # noqa: BLE001 - every error goes to the status line
            if quiet:
                log.warning("levkit control: could not re-read the leverage in force: %s", exc)
            else:
                self._fail("reading the leverage in force", exc)
            return False
        if sides != self.sides:
            return quiet or self.load()
        self.position_mode, self.in_force = mode, in_force
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

        Any number is accepted and shown; an invalid one (below 1, above the max, off the
        step) disables Apply and says why on the status line.
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
            self._set_status(
                f"selected {io.leverages_text(self._targets)}; {io.leverages_text(self.in_force)} in force",
                "info",
            )

    def _problem(self, side: str) -> str | None:
        try:
            check_leverage(
                self._targets[side],
                max_leverage=self.max_leverage,
                step=self.step,
                symbol=self.symbol,
                integer=self.step.is_integer(),
            )
        except InvalidLeverageError as exc:
            return f"{side}: {exc}" if len(self.sides) > 1 else str(exc)
        return None

    @property
    def problems(self) -> dict[str, str]:
        """Why each invalid slider value is invalid (empty when all are valid)."""
        if not self.ready:
            return {}
        found = {s: self._problem(s) for s in self.sides}
        return {s: p for s, p in found.items() if p}

    # -- readouts ------------------------------------------------------------------------
    def _cap(self, lev: float) -> float:
        try:
            return float(model.max_position_value(self.tiers, lev))
        except (ValueError, TypeError):
            return math.nan

    def _row(self, side: str) -> dict[str, Any]:
        lev = self._targets[side]
        ok = self._problem(side) is None
        cap = self._cap(lev) if ok else math.nan
        bal = self.balance
        return {
            "side": side,
            "leverage": lev,
            "valid": ok,
            "max_position_value": cap,
            "initial_margin": cap / lev if ok else math.nan,
            "capacity": min(bal * lev, cap) if ok and bal is not None else math.nan,
            "in_force": self.in_force.get(side, math.nan),
        }

    def _pick(self, key: str) -> float | dict[str, float]:
        values = {s: self._row(s)[key] for s in self._targets}
        if len(values) > 1:
            return values
        return next(iter(values.values()), math.nan)

    @property
    def max_position_value(self) -> float | dict[str, float]:
        """``lk.max_position_value(tiers, leverage)`` at the chosen leverage (NaN when the
        value is invalid); a ``{side: value}`` dict with two sliders."""
        return self._pick("max_position_value")

    @property
    def initial_margin(self) -> float | dict[str, float]:
        """Initial margin that holds the cap: max position value / leverage."""
        return self._pick("initial_margin")

    @property
    def capacity(self) -> float | dict[str, float]:
        """min(balance x leverage, max position value); NaN without a balance."""
        return self._pick("capacity")

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
            best = float(model.best_leverage(self.tiers, self.balance, step=self.step))
            self.best_leverage = min(best, self.max_leverage)

    def readouts(self) -> pd.DataFrame:
        """One row per slider: ``side``, ``leverage``, ``valid``, ``max_position_value``,
        ``initial_margin``, ``capacity``, ``in_force``."""
        return pd.DataFrame([self._row(s) for s in self._targets])

    # -- what Apply would send -----------------------------------------------------------
    def plan(self) -> list[tuple[str, float]]:
        """The ``(side, leverage)`` calls Apply would make (empty when nothing differs
        from the leverage in force).  Two sliders holding one value make one
        ``side="both"`` call."""
        return io.plan_calls(self._targets, self.in_force)

    @property
    def confirm_required(self) -> bool:
        """True on a live mainnet host: Apply then needs a second, confirming click."""
        return bool(getattr(self.client, "is_live_mainnet", False))

    @property
    def armed(self) -> bool:
        """True after a first Apply on mainnet, until the confirmation window closes."""
        return self._armed is not None and (
            self._clock() - self._armed[1] <= self.confirm_seconds
            and self._armed[0] == tuple(self.plan())
        )

    def apply_blocker(self) -> str | None:
        """Why Apply is disabled now, or None when it is enabled."""
        if not self.ready:
            return "not ready: the exchange could not be read; press Refresh"
        if self.busy:
            return "busy: wait for the running request to finish"
        problems = self.problems
        if problems:
            return "invalid: " + "; ".join(problems.values())
        if not self.plan():
            return f"nothing to apply: {io.leverages_text(self.in_force)} is already in force"
        return None

    @property
    def can_apply(self) -> bool:
        """Whether Apply is enabled (see :meth:`apply_blocker` for why not)."""
        return self.apply_blocker() is None

    @property
    def can_preview(self) -> bool:
        """Whether Preview is enabled: ready, not busy, every value valid."""
        return self.ready and not self.busy and not self.problems

    # -- actions -------------------------------------------------------------------------
    def preview(self) -> Any:
        """The dry-run request(s) Apply would send (``set_leverage(..., dry_run=True)``):
        a :class:`~levkit.transport.RequestPreview`, or a list of them when Apply makes
        several calls.  Nothing is sent; the key is masked and the secret absent.  Returns
        None (and says why on the status line) on error."""
        if not self.can_preview:
            self._set_status(
                self.apply_blocker() or "not ready", "error" if self.problems else "warning"
            )
            return None
        calls = self.plan() or io.plan_calls(self._targets, None)
        self.busy = True
        self._notify("busy")
        try:
            shown = [
                self.client.set_leverage(self.symbol, self._wire(lev), side=s, dry_run=True)
                for s, lev in calls
            ]
            flat = [p for item in shown for p in (item if isinstance(item, list) else [item])]
            self.last_preview = flat[0] if len(flat) == 1 else io.Previews(flat)
            self._notify("preview")
            n = len(flat)
            what = "the request below" if n == 1 else f"the {n} requests below"
            self._set_status(f"preview: {what} would be sent by Apply (nothing was sent)", "info")
            return self.last_preview
        except Exception as exc:  # noqa: BLE001
            self._fail("Preview", exc)
            return None
        finally:
            self.busy = False
            self._notify("busy")

    def _wire(self, lev: float) -> float | int:
        return int(round(lev)) if self.step.is_integer() else lev

    def apply(self) -> pd.DataFrame | None:
        """What the Apply button does: ``set_leverage`` for the chosen value(s), then
        re-read the leverage in force.

        Returns the ``set_leverage`` frame (``changed``, ``previous_leverage``), or None
        when Apply is disabled, is waiting for the mainnet confirmation, or failed (the
        status line says which).
        """
        blocker = self.apply_blocker()
        if blocker:
            self._set_status(blocker, "error" if blocker.startswith("invalid") else "warning")
            return None
        plan = self.plan()
        if self.confirm_required and not self.armed:
            self._armed = (tuple(plan), self._clock())
            self._set_status(
                f"LIVE mainnet ({self.client.base_url}): click Apply again within "
                f"{self.confirm_seconds:g} s to set {f'{self.symbol} to {io.leverages_text(dict(plan))}'}",
                "warning",
            )
            return None
        self._armed = None
        self.busy = True
        self._notify("busy")
        try:
            frames = [
                self.client.set_leverage(self.symbol, self._wire(lev), side=s) for s, lev in plan
            ]
            result = io.merge_results(frames)
            self.last_result = result
            self._take_in_force(result)
            self._set_status(io.result_text(self.symbol, self.sides, result, self.in_force), "ok")
        except Exception as exc:  # noqa: BLE001 - every error goes to the status line
            self._fail("Apply", exc)
            self.refresh(quiet=True)
            return None
        finally:
            self.busy = False
            self._notify("busy")
        if not self.refresh(quiet=True):
            self._set_status(self.status + " (could not re-read the leverage in force)", "warning")
        return result

    def _take_in_force(self, frame: pd.DataFrame) -> None:
        by_side = dict(zip(frame["side"], frame["leverage"].astype(float), strict=False))
        for s in self.sides:
            value = by_side.get(s, by_side.get("long") if s == "both" else None)
            if value is not None:
                self.in_force[s] = float(value)
        self._notify("in_force")

    def __repr__(self) -> str:
        chosen = ", ".join(f"{s}={format_leverage(v)}" for s, v in self._targets.items())
        return (
            f"{type(self).__name__}({self.exchange} {self.symbol}, {chosen or 'not ready'}, "
            f"status={self.status!r})"
        )
