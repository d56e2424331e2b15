"""The leverage control's actions: Preview, Apply (with the mainnet confirmation) and
Discover (probing the ladder where the venue allows it).  A mixin of
:class:`levkit.control.state.ControlState`; no ipywidgets here.

Every error is caught and put on the status line; ``busy`` is always cleared afterwards.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from . import exchange as io
from . import ladder

__all__ = ["ControlActions"]


class ControlActions:
    """Preview / Apply / Discover for :class:`~levkit.control.state.ControlState`."""

    # -- what Apply would send -----------------------------------------------------------
    def plan(self) -> list[tuple[str, float]]:
        """The ``(side, leverage)`` calls Apply would make (empty when nothing differs
        from the leverage in force).  Two sliders holding one value make one
        ``side="both"`` call."""
        return io.plan_calls(self._targets, self.in_force)

    @property
    def confirm_required(self) -> bool:
        """True on a live mainnet host (``client.is_live_mainnet``; never on a simulator):
        Apply then needs a second, confirming click."""
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
        if self.read_only:
            return self.read_only
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
        """Whether Preview is enabled: ready, settable, not busy, every value valid."""
        return self.ready and not self.read_only and not self.busy and not self.problems

    # -- actions -------------------------------------------------------------------------
    def preview(self) -> Any:
        """The dry-run request(s) Apply would send (``set_leverage(..., dry_run=True)``):
        a :class:`~levkit.http.transport.RequestPreview`, or a list of them when Apply makes
        several calls.  Nothing is sent; the key is masked and the secret absent.  Returns
        None (and says why on the status line) when Preview is disabled or failed."""
        if not self.can_preview:
            blocker = self.apply_blocker() or "not ready"
            self._set_status(blocker, "error" if self.problems else "warning")
            return None
        calls = self.plan() or io.plan_calls(self._targets, None)
        self._begin()
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
            self._end()

    def _wire(self, lev: float) -> float | int:
        return int(round(lev)) if self.step.is_integer() else lev

    def apply(self) -> pd.DataFrame | None:
        """What the Apply button does: ``set_leverage`` for the chosen value(s), then
        re-read the leverage in force.

        Returns the ``set_leverage`` frame (``changed``, ``previous_leverage``), or None
        when Apply is disabled (invalid, read-only...), is waiting for the mainnet
        confirmation, or failed (the status line says which).  Nothing is sent unless
        every value is valid.
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
                f"{self.confirm_seconds:g} s to set {self.symbol} to "
                f"{io.leverages_text(dict(plan))}",
                "warning",
            )
            return None
        self._armed = None
        self._begin()
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
            self._end()
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

    # -- discovery -----------------------------------------------------------------------
    @property
    def discovery(self) -> str | None:
        """What discovery would do here (calls, the restore promise), or None where the
        venue cannot probe its ladder (``capabilities.discover_tiers``)."""
        return ladder.discovery_offer(self.client)

    def discover(self, **kwargs: Any) -> pd.DataFrame | None:
        """Probe the ladder with ``client.discover_tiers`` (the Discover button): it sets
        leverages on the account and puts the one in force back.  On success the ladder's
        source becomes ``"probe"``.  Returns the tiers, or None (status says why)."""
        if self.discovery is None:
            self._set_status(
                f"discovery: {self.client.venue.title} cannot probe its ladder", "warning"
            )
            return None
        self._begin()
        try:
            kwargs.setdefault("progress", False)
            tiers = self.client.discover_tiers(self.symbol, **kwargs)
        except Exception as exc:  # noqa: BLE001
            self._fail("Discover", exc)
            return None
        finally:
            self._end()
        calls = tiers.attrs.get("calls", "?")
        self._given["tiers"] = None
        self._probed = tiers
        self.load()
        self._set_status(
            f"discovered: {len(tiers)} tiers in {calls} calls; leverage put back "
            f"({io.leverages_text(self.in_force)} in force)",
            "ok",
        )
        return tiers

    def _begin(self) -> None:
        self.busy = True
        self._notify("busy")

    def _end(self) -> None:
        self.busy = False
        self._notify("busy")
