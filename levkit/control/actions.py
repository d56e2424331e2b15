"""The leverage control's actions: Preview, Apply (with the mainnet confirmation) and
Discover (probing the ladder where the venue allows it).

:class:`Actions` is handed the :class:`~levkit.control.state.ControlState` (what it reads
and re-reads) and its :class:`~levkit.control.readouts.Readouts` (the validity); it owns
only the armed confirmation.  Every error is caught and put on the status line; ``busy``
is always cleared afterwards.  No ipywidgets here.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from . import ladder
from .readouts import Readouts
from .state import ControlState
from .text import leverages_text, result_text

__all__ = ["Actions", "Previews", "merge_results", "plan_calls"]


class Actions:
    """Preview / Apply / Discover for a :class:`ControlState`.

    Examples
    --------
    >>> import levkit as lk
    >>> from levkit.sim import Simulator, DEMO_KEY, DEMO_SECRET
    >>> sim = Simulator()
    >>> client = lk.Bybit(DEMO_KEY, DEMO_SECRET, session=sim.session(), testnet=True)
    >>> state = ControlState(client, "BTCUSDT")
    >>> actions = Actions(state, Readouts(state))
    >>> state.choose(20), actions.plan()
    (True, [('both', 20.0)])
    >>> actions.apply()["changed"].tolist(), sim.leverage("bybit", "BTCUSDT")
    ([True], 20.0)
    >>> state.status
    'changed: BTCUSDT 10x → 20x'
    """

    def __init__(self, state: ControlState, readouts: Readouts) -> None:
        self.state = state
        self.readouts = readouts
        #: (plan, when, state.reads, state.moves) of a first Apply on mainnet.
        self._armed: tuple[tuple[tuple[str, float], ...], float, int, int] | None = None

    # -- what Apply would send -----------------------------------------------------------
    def plan(self) -> list[tuple[str, float]]:
        """The ``(side, leverage)`` calls Apply would make (empty when nothing differs
        from the leverage in force).  Two sliders holding one value make one
        ``side="both"`` call."""
        return plan_calls(self.state.targets, self.state.in_force)

    @property
    def confirm_required(self) -> bool:
        """True on a live mainnet host (``client.is_live_mainnet``; never on a simulator):
        Apply then needs a second, confirming click."""
        return bool(getattr(self.state.client, "is_live_mainnet", False))

    @property
    def armed(self) -> bool:
        """True after a first Apply on mainnet, until the confirmation window closes, the
        exchange is read again or another leverage is chosen."""
        st = self.state
        if self._armed is None:
            return False
        plan, when, reads, moves = self._armed
        return (
            st.clock() - when <= st.confirm_seconds
            and (reads, moves) == (st.reads, st.moves)
            and plan == tuple(self.plan())
        )

    def apply_blocker(self) -> str | None:
        """Why Apply is disabled now, or None when it is enabled."""
        st = self.state
        if not st.ready:
            return "not ready: the exchange could not be read; press Refresh"
        if st.read_only:
            return st.read_only
        if st.busy:
            return "busy: wait for the running request to finish"
        problems = self.readouts.problems()
        if problems:
            return "invalid: " + "; ".join(problems.values())
        if not self.plan():
            return f"nothing to apply: {leverages_text(st.in_force)} is already in force"
        return None

    @property
    def can_apply(self) -> bool:
        """Whether Apply is enabled (see :meth:`apply_blocker` for why not)."""
        return self.apply_blocker() is None

    @property
    def can_preview(self) -> bool:
        """Whether Preview is enabled: ready, settable, not busy, every value valid."""
        st = self.state
        return st.ready and not st.read_only and not st.busy and not self.readouts.problems()

    # -- actions -------------------------------------------------------------------------
    def preview(self) -> Any:
        """The dry-run request(s) Apply would send (``set_leverage(..., dry_run=True)``):
        a :class:`~levkit.http.wire.RequestPreview`, or :class:`Previews` when Apply makes
        several calls.  Nothing is sent; the key is masked and the secret absent.  Returns
        None (and says why on the status line) when Preview is disabled or failed."""
        st = self.state
        if not self.can_preview:
            blocker = self.apply_blocker() or "not ready"
            st.set_status(blocker, "error" if self.readouts.problems() else "warning")
            return None
        calls = self.plan() or plan_calls(st.targets, None)
        try:
            with st.working():
                shown = [
                    st.client.set_leverage(st.symbol, self._wire(lev), side=s, dry_run=True)
                    for s, lev in calls
                ]
        except Exception as exc:  # noqa: BLE001
            st.fail("Preview", exc)
            return None
        flat = [p for item in shown for p in (item if isinstance(item, list) else [item])]
        st.last_preview = flat[0] if len(flat) == 1 else Previews(flat)
        st.notify("preview")
        n = len(flat)
        what = "the request below" if n == 1 else f"the {n} requests below"
        st.set_status(f"preview: {what} would be sent by Apply (nothing was sent)", "info")
        return st.last_preview

    def _wire(self, lev: float) -> float | int:
        return int(round(lev)) if self.state.step.is_integer() else lev

    def apply(self) -> pd.DataFrame | None:
        """What the Apply button does: ``set_leverage`` for the chosen value(s), then
        re-read the leverage in force.

        Returns the ``set_leverage`` frame (``changed``, ``previous_leverage``), or None
        when Apply is disabled (invalid, read-only...), is waiting for the mainnet
        confirmation, or failed (the status line says which).  Nothing is sent unless
        every value is valid.
        """
        st = self.state
        blocker = self.apply_blocker()
        if blocker:
            st.set_status(blocker, "error" if blocker.startswith("invalid") else "warning")
            return None
        plan = self.plan()
        if self.confirm_required and not self.armed:
            self._armed = (tuple(plan), st.clock(), st.reads, st.moves)
            st.set_status(
                f"LIVE mainnet ({st.client.base_url}): click Apply again within "
                f"{st.confirm_seconds:g} s to set {st.symbol} to "
                f"{leverages_text(dict(plan))}",
                "warning",
            )
            return None
        self._armed = None
        try:
            with st.working():
                frames = [
                    st.client.set_leverage(st.symbol, self._wire(lev), side=s) for s, lev in plan
                ]
                result = merge_results(frames)
                st.last_result = result
                st.take_in_force(result)
                st.set_status(result_text(st.symbol, st.sides, result, st.in_force), "ok")
        except Exception as exc:  # noqa: BLE001 - every error goes to the status line
            st.fail("Apply", exc)
            st.refresh(quiet=True)
            return None
        if not st.refresh(quiet=True):
            st.set_status(st.status + " (could not re-read the leverage in force)", "warning")
        return result

    # -- discovery -----------------------------------------------------------------------
    @property
    def discovery(self) -> str | None:
        """What discovery would do here (calls, the restore promise), or None where the
        venue cannot probe its ladder (``capabilities.discover_tiers``)."""
        return ladder.discovery_offer(self.state.client)

    def discover(self, **kwargs: Any) -> pd.DataFrame | None:
        """Probe the ladder with ``client.discover_tiers`` (the Discover button): it sets
        leverages on the account and puts the one in force back.  On success the ladder's
        source becomes ``"probe"``.  Returns the tiers, or None (status says why)."""
        st = self.state
        if self.discovery is None:
            st.set_status(f"discovery: {st.client.venue.title} cannot probe its ladder", "warning")
            return None
        try:
            with st.working():
                kwargs.setdefault("progress", False)
                tiers = st.client.discover_tiers(st.symbol, **kwargs)
        except Exception as exc:  # noqa: BLE001
            st.fail("Discover", exc)
            return None
        calls = tiers.attrs.get("calls", "?")
        st.use_ladder(tiers)
        st.set_status(
            f"discovered: {len(tiers)} tiers in {calls} calls; leverage put back "
            f"({leverages_text(st.in_force)} in force)",
            "ok",
        )
        return tiers


class Previews(list):
    """Several dry-run requests that Apply sends one after the other."""

    def __repr__(self) -> str:
        n = len(self)
        return "\n\n".join(f"# request {i} of {n}\n{p!r}" for i, p in enumerate(self, 1))

    def to_dict(self) -> list[dict[str, Any]]:
        return [p.to_dict() for p in self]


def merge_results(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """One leverage frame from several ``set_leverage`` answers: the last one's rows, with
    ``previous_leverage`` from the first and ``changed`` true where any call changed it."""
    if len(frames) == 1:
        return frames[0]
    out = frames[-1].copy()
    first = frames[0].drop_duplicates("side").set_index("side")
    if "previous_leverage" in first.columns:
        out["previous_leverage"] = out["side"].map(first["previous_leverage"])
    changed = pd.concat([f[["side", "changed"]] for f in frames]).groupby("side")["changed"].any()
    out["changed"] = out["side"].map(changed).fillna(False).astype(bool)
    return out


def _same(a: float, b: float) -> bool:
    return math.isfinite(a) and math.isfinite(b) and abs(a - b) <= 1e-9 * max(1.0, abs(b))


def plan_calls(
    targets: dict[str, float], in_force: dict[str, float] | None
) -> list[tuple[str, float]]:
    """The ``(side, leverage)`` ``set_leverage`` calls that reach ``targets``: only the
    sides that differ from ``in_force`` (every side when it is None); two sides holding one
    value are a single ``side="both"`` call.

    Examples
    --------
    >>> plan_calls({"long": 20.0, "short": 10.0}, {"long": 10.0, "short": 10.0})
    [('long', 20.0)]
    >>> plan_calls({"long": 20.0, "short": 20.0}, {"long": 10.0, "short": 20.0})
    [('both', 20.0)]
    """
    wanted = dict(targets)
    if in_force is not None:
        wanted = {s: v for s, v in targets.items() if not _same(v, in_force.get(s, math.nan))}
        if not wanted:
            return []
    values = list(targets.values())
    if len(values) == 2 and _same(values[0], values[1]):
        return [("both", values[0])]
    return list(wanted.items())
