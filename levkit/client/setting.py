"""One ``set_leverage`` for every venue: the sequence runs here, once; a venue supplies
small hooks (its request, its reply, its rule for sides) and declared data.

The model is SQLAlchemy's ``DefaultDialect`` (one ``do_execute``, small overridable
steps; STYLE.md).  :meth:`SetsLeverage.set_leverage` runs:

1. **validate** what needs no request: the side, the venue's options, the symbol, the
   sides the venue can set alone (:attr:`~SetsLeverage.one_side`), the leverage as a
   number on the venue's step; then the keys;
2. **limits**: the symbol's top leverage and step (``_leverage_limits``, public and
   cached where the venue allows) and **one** :func:`~levkit.validate.check_leverage`
   with them, before anything that changes anything;
3. **read** the leverage in force (``_read_state``) and plan the requests
   (``_set_requests``: the venue's words, its rule for position modes);
4. **preview** (``dry_run``), or **skip** when the leverage is already in force on a venue
   with no "not modified" answer (:attr:`~SetsLeverage.skip_in_force`);
5. **send** each request through ``Client._call`` (the spec's path, signing, weight and
   limit).  A failure after a request succeeded, whatever its kind, raises with
   ``partial=True`` and ``applied`` and says what was applied;
6. **read back** once: the frame after (``_set_result``: the venue's reply) with
   ``previous_leverage``, ``changed`` and the caps (``_with_caps``), stamped.

A venue client declares ``one_side``, ``skip_in_force``, ``not_modified`` and defines
``_read_state`` and ``_set_requests``; it overrides ``_set_options`` (its keyword options),
``_leverage_limits`` (default: the top of ``risk_limits``, the declared step),
``_set_result`` (default: the sides set at the value asked), ``_set_error``,
``_check_state`` or ``_mode_was_stale`` only where it differs, and keeps a ``set_leverage``
of its own only for its signature and docstring (it passes its options to
``_set_leverage``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..errors import ExchangeError, LevkitError, PositionModeError
from ..http.wire import RequestPreview, RequestSequence, Response
from ..numbers import leverage_equal, show
from ..validate import check_leverage, check_side, leverage_value
from ..venues import Venue

__all__ = ["LeverageChange", "SetAnswer", "SetRequest", "SetsLeverage"]

#: What ``set_leverage`` returns: the frame after, or what a dry run would send.
SetAnswer = pd.DataFrame | RequestPreview | RequestSequence


@dataclass
class SetRequest:
    """One request of a ``set_leverage``: the endpoint role (``Venue.endpoints``), its
    parameters, the levkit sides it sets, and what a dry run's note calls them."""

    role: str
    params: dict[str, Any]
    sides: tuple[str, ...]
    #: The spec's path fields (``{"contract": "BTC_USDT"}`` for Gate's ``{contract}``).
    path: Mapping[str, str] = field(default_factory=dict)
    #: Exchange codes that are answers, not errors ("leverage not modified").
    accept: frozenset = frozenset()

    @property
    def what(self) -> str:
        return " and ".join(self.sides)


@dataclass
class LeverageChange:
    """A ``set_leverage`` in progress: what the venue hooks read and fill in.

    ``before`` (the leverage in force) is read on first use, so a venue whose requests do
    not depend on it (Bybit v2) shows a dry run without reading anything.
    """

    symbol: str
    side: str
    value: float
    options: dict[str, Any]
    read: Callable[[], pd.DataFrame | None] = field(repr=False)
    refresh: bool = False
    requests: list[SetRequest] = field(default_factory=list)
    #: The account's position/margin mode as levkit read it (errors carry it).
    mode: str = ""
    #: Shown in a dry run's note after the leverage (``" isolated"``).
    detail: str = ""
    #: Extra ``attrs`` of the frame returned.
    attrs: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def before(self) -> pd.DataFrame | None:
        return self.read()

    @property
    def held(self) -> pd.DataFrame:
        """:attr:`before`, which every venue reads (all but a Hyperliquid dry run without
        an address, where ``before`` is None)."""
        before = self.before
        if before is None:
            raise LevkitError(f"the leverage in force of {self.symbol} was not read")
        return before

    @property
    def targets(self) -> set[str]:
        """The levkit sides the requests set."""
        return {s for r in self.requests for s in r.sides}


class SetsLeverage:
    """The ``set_leverage`` sequence of :class:`~levkit.client.Client` and its hooks."""

    #: Why this venue sets only ``side="both"`` (empty: the account's mode decides).
    one_side: ClassVar[str] = ""
    one_side_error: ClassVar[type[LevkitError]] = PositionModeError
    #: Send nothing when the leverage asked is already in force (no "not modified" answer).
    skip_in_force: ClassVar[bool] = False
    #: Answer codes meaning "leverage not modified": a success, ``changed`` False.
    not_modified: ClassVar[frozenset] = frozenset()

    # the parts of Client this mixin uses
    venue: ClassVar[Venue]
    exchange: ClassVar[str]
    _call: Callable[..., Response]
    _stamp: Callable[..., pd.DataFrame]
    _require_keys: Callable[[str], None]
    _with_caps: Callable[..., pd.DataFrame]
    symbol: Callable[[str], str]
    transport: Any
    risk_limits: Callable[..., pd.DataFrame]

    def set_leverage(
        self,
        symbol: str,
        leverage: float,
        *,
        side: str = "both",
        dry_run: bool = False,
    ) -> SetAnswer:
        """Set the leverage of ``symbol``, validated before anything is sent.

        Parameters
        ----------
        symbol : str
            Any accepted spelling (``BTCUSDT``, ``BTC/USDT:USDT``, ``BTC``).
        leverage : float
            From 1 to the symbol's top leverage, on the venue's step.
        side : {"both", "long", "short"}
            Which side; venues and position modes that hold one leverage for both sides
            accept only ``"both"`` (``PositionModeError`` or ``InvalidLeverageError``
            before anything is sent).
        dry_run : bool
            Send nothing that changes anything: return the
            :class:`~levkit.http.wire.RequestPreview` (or a :class:`~levkit.http.wire.RequestSequence`
            when the venue needs several requests), key masked, signature elided.

        A venue's own options (OKX and Gate ``margin_mode``, Bybit ``category``) are
        keyword arguments of its client's ``set_leverage``, which passes them to
        :meth:`_set_leverage`.

        Returns
        -------
        DataFrame
            The leverage frame after the change, with ``previous_leverage`` and
            ``changed``, and ``max_position_value`` at the new leverage.

        Raises
        ------
        InvalidLeverageError
            Not a number, below 1, above the top or off the step; nothing is sent.
        ExchangeError, TransportError
            The exchange refused or could not be reached.  When a set needs several
            requests and one fails after another succeeded, ``partial`` is True,
            ``applied`` maps the sides set to their leverage and the message says so.

        Examples
        --------
        >>> import levkit as lk
        >>> from levkit.sim import Simulator, DEMO_KEY, DEMO_SECRET
        >>> bybit = lk.Bybit(DEMO_KEY, DEMO_SECRET, session=Simulator().session())
        >>> out = bybit.set_leverage("BTCUSDT", 25)
        >>> out[["side", "leverage", "previous_leverage", "changed"]].values.tolist()
        [['both', 25.0, 10.0, True]]
        """
        return self._set_leverage(symbol, leverage, side=side, dry_run=dry_run)

    def _set_leverage(
        self, symbol: str, leverage: float, *, side: str, dry_run: bool, **options: Any
    ) -> SetAnswer:
        """The sequence itself, with the venue's own options (see :meth:`_set_options`)."""
        side = check_side(side)
        opts = self._set_options(**options)
        sym = self.symbol(symbol)
        if side != "both" and self.one_side:
            raise self._one_side_error(side)
        value = self._leverage_value(leverage, sym)
        self._set_keys(dry_run)
        try:
            return self._set_once(sym, side, value, opts, dry_run, refresh=False)
        except PositionModeError as exc:
            if not self._mode_was_stale(exc):
                raise
            return self._set_once(sym, side, value, opts, dry_run, refresh=True)

    def _set_once(
        self, sym: str, side: str, value: float, opts: dict, dry_run: bool, *, refresh: bool
    ) -> SetAnswer:
        change = LeverageChange(
            sym, side, value, opts, read=lambda: self._read_state(sym, opts, refresh=refresh),
            refresh=refresh,
        )  # fmt: skip
        top, step = self._leverage_limits(change)
        top = min(top, self.venue.capabilities.max_api_leverage)
        change.value = check_leverage(value, max_leverage=top, step=step, symbol=sym)
        change.requests = self._set_requests(change)
        if dry_run:
            return self._set_preview(change)
        if change.before is None:  # pragma: no cover - every venue reads before sending
            raise LevkitError(f"{self.exchange}: the leverage in force of {sym} was not read")
        self._check_state(change)
        if self.skip_in_force and self._in_force(change):
            return self._set_unchanged(change)
        replies = self._send_set(change)
        return self._set_frame(change, self._set_result(change, replies), replies[-1])

    # -- steps the sequence runs (rarely overridden) ------------------------------------
    def _one_side_error(self, side: str) -> LevkitError:
        text = f"side={side!r}: {self.one_side}, so side must be 'both'"
        if issubclass(self.one_side_error, ExchangeError):
            path = self.venue.endpoint("set_leverage").path
            return self.one_side_error(text, exchange=self.exchange, endpoint=path)
        return self.one_side_error(text)

    def _leverage_value(self, leverage: Any, sym: str) -> float:
        """The leverage as a number on the venue's declared step (no request needed)."""
        return leverage_value(leverage, step=self.venue.capabilities.leverage_step, symbol=sym)

    def _set_keys(self, dry_run: bool) -> None:
        """What a set needs before any request: keys (Hyperliquid: an address)."""
        self._require_keys(f"{type(self).__name__}.set_leverage")

    def _in_force(self, change: LeverageChange) -> bool:
        """Every side the requests set already holds the leverage asked."""
        before = change.before
        if before is None or before.empty:
            return False
        held = before.loc[before["side"].isin(change.targets), "leverage"].to_numpy(float)
        return len(held) > 0 and bool(np.all(leverage_equal(held, change.value)))

    def _set_preview(self, change: LeverageChange) -> RequestPreview | RequestSequence:
        note = "dry run: {sym} {what} -> {lev}x{detail}, not sent"
        if self.skip_in_force and self._in_force(change):
            note += f" ({show(change.value)}x is already in force: set_leverage would send nothing)"
        shown = []
        for req in change.requests:
            ep = self.venue.endpoint(req.role)
            path = ep.path.format(**req.path) if req.path else ep.path
            text = note.format(
                sym=change.symbol, what=req.what, lev=show(change.value), detail=change.detail
            )
            shown.append(self.transport.preview(ep.method, path, req.params, note=text))
        return shown[0] if len(shown) == 1 else RequestSequence(shown)

    def _set_unchanged(self, change: LeverageChange) -> pd.DataFrame:
        before = change.before
        assert before is not None
        out = before.copy()
        out["previous_leverage"] = out["leverage"]
        out["changed"] = False
        out = self._with_caps(out, change.options)
        out.attrs = {**before.attrs, "message": "leverage already in force: nothing sent"}
        return out

    def _send_set(self, change: LeverageChange) -> list[Response]:
        """Send the requests in order; a failure after one succeeded is said to be partial."""
        done: list[SetRequest] = []
        replies: list[Response] = []
        for req in change.requests:
            try:
                resp = self._call(req.role, req.params, accept=req.accept, path=req.path)
            except LevkitError as exc:
                err = self._set_error(exc, change, req)
                if change.mode and not err.mode:
                    err.mode = change.mode
                if done:
                    _say_partial(err, change, done, req)
                if err is exc:
                    raise
                raise err from None
            done.append(req)
            replies.append(resp)
        return replies

    def _set_frame(self, change: LeverageChange, after: pd.DataFrame, last: Response):
        """``previous_leverage``, ``changed``, the caps and the stamp of the frame after."""
        before = change.before
        assert before is not None
        prev = after["side"].map(before.drop_duplicates("side").set_index("side")["leverage"])
        after["previous_leverage"] = prev.astype("float64").to_numpy()
        old = after["previous_leverage"].to_numpy(float)
        differs = ~np.asarray(leverage_equal(old, after["leverage"].to_numpy(float)), bool)
        not_modified = last.code in self.not_modified
        if not_modified:
            # The exchange already held it.  If another value was read just before (a retry
            # after a lost answer), the change did happen.
            differs &= ~np.isnan(old)
        if "previous_margin_mode" in after.columns:
            differs |= (after["previous_margin_mode"] != after["margin_mode"]).to_numpy()
        after["changed"] = after["side"].isin(change.targets).to_numpy() & differs
        out = self._with_caps(after, change.options)
        if not_modified:
            message = "leverage not modified"
        else:
            message = "leverage changed" if out["changed"].any() else "leverage already in force"
        return self._stamp(out, last, code=last.code, message=message, **change.attrs)

    # -- hooks a venue overrides ------------------------------------------------------
    def _set_options(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The venue's own ``set_leverage`` options, checked (none by default).  A venue
        overrides it with its keyword options (``*, category="linear"``)."""
        if args or kwargs:
            raise TypeError(
                f"{type(self).__name__}.set_leverage() got unexpected options {sorted(kwargs)}"
            )
        return {}

    def _mode_was_stale(self, exc: PositionModeError) -> bool:
        """True when the exchange refused a side because the mode levkit held was old
        (then the set runs once more with the mode read anew)."""
        return False

    def _leverage_limits(self, change: LeverageChange) -> tuple[float, float | None]:
        """``(top leverage, step)`` of the symbol.  Default: the top of its ladder."""
        ladder = self.risk_limits(change.symbol)
        return float(ladder["max_leverage"].max()), self.venue.capabilities.leverage_step

    def _read_state(self, sym: str, opts: dict, *, refresh: bool = False) -> pd.DataFrame | None:
        """The leverage frame in force (caps not needed), read before setting."""
        raise NotImplementedError  # pragma: no cover - every settable venue defines it

    def _set_requests(self, change: LeverageChange) -> list[SetRequest]:
        """The requests that set ``change.value``, in order; raises
        :class:`~levkit.errors.PositionModeError` where the side does not fit the mode."""
        raise NotImplementedError  # pragma: no cover - every settable venue defines it

    def _check_state(self, change: LeverageChange) -> None:
        """Refuse, before sending, what the state read forbids (nothing by default)."""

    def _set_error(self, exc: LevkitError, change: LeverageChange, req: SetRequest) -> LevkitError:
        """The error to raise for a failed request (the venue's words; ``exc`` by default)."""
        return exc

    def _set_result(self, change: LeverageChange, replies: list[Response]) -> pd.DataFrame:
        """The leverage frame after the requests (the venue's reply hook).  Default: the
        frame read before, the sides set at the new leverage, their old caps cleared."""
        return after_frame(change)


def after_frame(change: LeverageChange, leverage: Mapping[str, float] | None = None):
    """The frame read before with the sides set at their new leverage (``leverage``: per
    side, default the value asked) and the caps of those sides cleared (they belonged to
    the old leverage; ``_with_caps`` fills them again)."""
    before = change.before
    assert before is not None
    after = before.copy()
    hit = after["side"].isin(change.targets).to_numpy()
    new = [
        (leverage or {}).get(s, change.value) if h else old
        for s, h, old in zip(after["side"], hit, after["leverage"], strict=True)
    ]
    after["leverage"] = np.asarray(new, dtype=float)
    if "max_position_value" in after.columns:
        after.loc[hit, "max_position_value"] = math.nan
    return after


def _say_partial(
    err: LevkitError, change: LeverageChange, done: list[SetRequest], failed: SetRequest
) -> None:
    """Mark ``err`` partial and put what was applied into its message."""
    applied = {s: change.value for r in done for s in r.sides}
    sides = " and ".join(applied)
    lev = show(change.value)
    err.partial = True
    err.applied = applied
    tail = f"; the {sides} side was already set to {lev}x (levkit does not undo it)"
    if isinstance(err, ExchangeError):
        err.message = f"{failed.what} side failed: {err.message}{tail}"
        err.args = (err._text(),)
    else:
        err.args = (f"{failed.what} side failed: {err}{tail}",)
    err.add_note(
        f"{change.symbol}: the {sides} side is at {lev}x and the {failed.what} side may not "
        f"be; read leverage({change.symbol!r}) and set the {failed.what} side again "
        f"(set_leverage(..., side={failed.sides[0]!r})) or put the {sides} side back"
    )
