"""Where the leverage control's ladder comes from, and how sure it is.

The exchange's own numbers come first.  The cap at the leverage in force is the one the
exchange reports in its leverage frame (``max_position_value``: BingX
``maxPosition*Val``, Binance ``maxNotionalValue``, a Bybit position's risk limit).  The
ladder for the other leverages comes from, in this order:

1. ``tiers=`` given to the control (``"given"``);
2. the API, ``client.risk_limits(symbol)`` (``"api"``, or ``"simulator"`` on a simulator);
3. discovery, ``client.discover_tiers(symbol)``, on ``capabilities.discover_tiers``
   venues: never automatic (it sets leverages on the account), a button that says how
   many calls it makes and that the leverage is put back (``"probe"``);
4. the user's or the shipped snapshot, ``lk.load_snapshot(ladder_from or name, symbol)``
   (``"snapshot"``, with its ``as_of`` and a staleness warning);
5. none: only the exchange's own cap at the leverage in force is known (``"exchange"``).

:class:`LadderSource` says which, for ``control.source`` and the view.  No ipywidgets here.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

from .. import model
from ..errors import LevkitError
from ..numbers import leverage_at_most
from ..venues import venue

__all__ = [
    "LadderSource", "Caps", "read_ladder", "given_ladder", "discovery_offer", "with_margins",
]  # fmt: skip

log = logging.getLogger("levkit")

#: Rough number of set-leverage calls discovery makes (BingX BTC-USDT: about 20, restoring
#: included; see ``BingX.discover_tiers``).
DISCOVERY_CALLS = 20

#: Sources whose date is when the figures were fetched (others: "as of" a date).
FETCHED = ("api", "simulator", "probe")


@dataclass(frozen=True)
class LadderSource:
    """Where the control's ladder came from.

    Attributes
    ----------
    kind : str
        ``"given"``, ``"api"``, ``"simulator"``, ``"probe"``, ``"snapshot"`` or
        ``"exchange"`` (no ladder: only the exchange's cap at the leverage in force).
    as_of : pandas.Timestamp or None
        When the figures were true (snapshot date, or the time they were fetched).
    stale : bool
        Older than 30 days (:func:`levkit.snapshot.check_staleness`).
    complete : bool
        The ladder runs down to 1x with its top cap known (``lk.ladders``).
    note : str
        Lower-bound note of an incomplete ladder (:func:`levkit.model.lower_bound_note`),
        why there is no ladder, or ``""``.
    origin : str
        The venue whose ladder it is (``ladder_from``; e.g. ``bybit`` for ``bybit-legacy``).
    of : str
        For a ``"given"`` ladder, the frame's own source (``api``, ``snapshot``...).
    lower_bound_below : float
        Leverages below this fall on the unknown part of an incomplete ladder (their caps
        are lower bounds); 1.0 when nothing is unknown.

    Examples
    --------
    >>> s = LadderSource("snapshot", pd.Timestamp("2026-01-01", tz="UTC"), origin="bybit")
    >>> s.text
    'snapshot (bybit, as of 2026-01-01)'
    >>> LadderSource("given", pd.Timestamp("2026-01-01", tz="UTC"), of="snapshot").text
    'given (snapshot, as of 2026-01-01)'
    """

    kind: str
    as_of: pd.Timestamp | None = None
    stale: bool = False
    complete: bool = True
    note: str = ""
    origin: str = ""
    lower_bound_below: float = 1.0
    of: str = ""

    def lower_bound_at(self, leverage: float) -> bool:
        """Whether the cap at ``leverage`` is only a lower bound (the unknown part)."""
        return not self.complete and not leverage_at_most(self.lower_bound_below, leverage)

    @property
    def text(self) -> str:
        """One line for the view: ``api (fetched 2026-11-28 09:36 UTC)``..."""
        parts = [self.origin] if self.origin and self.kind == "snapshot" else []
        if self.kind == "given" and self.of:
            parts.append(self.of)
        if self.as_of is not None and not pd.isna(self.as_of):
            fetched = (self.of if self.kind == "given" else self.kind) in FETCHED
            stamp = self.as_of.strftime("%Y-%m-%d %H:%M UTC" if fetched else "%Y-%m-%d")
            parts.append(f"{'fetched' if fetched else 'as of'} {stamp}")
        if self.stale:
            parts.append("STALE: older than 30 days")
        text = f"{self.kind} ({', '.join(parts)})" if parts else self.kind
        return text

    def __str__(self) -> str:
        return self.text


def _stamp(tiers: pd.DataFrame) -> pd.Timestamp | None:
    for value in (
        tiers["as_of"].iloc[0] if "as_of" in tiers.columns and len(tiers) else None,
        tiers.attrs.get("as_of"),
        tiers.attrs.get("fetched_at"),
    ):
        if value is not None and not (isinstance(value, float) and math.isnan(value)):
            try:
                stamp = pd.Timestamp(value)
            except (TypeError, ValueError):
                continue
            return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp
    return None


def _own_source(tiers: pd.DataFrame) -> str:
    """Where a given frame says its figures come from (``attrs`` or a ``source`` column)."""
    said = tiers.attrs.get("source")
    if not said and "source" in tiers.columns and len(tiers):
        said = tiers["source"].iloc[0]
    return str(said) if isinstance(said, str) and said else ""


def describe(tiers: pd.DataFrame, kind: str, origin: str = "", unit: str = "") -> LadderSource:
    """The :class:`LadderSource` of a ladder read as ``kind``; warns
    :class:`~levkit.StaleDataWarning` once when it is older than 30 days.  A ``"given"``
    ladder keeps the frame's own source in ``of``."""
    from ..snapshot import check_staleness

    stale = not check_staleness(tiers, _stacklevel=4).empty
    summary = model.ladders(tiers)
    complete = bool(summary["complete"].all()) if len(summary) else True
    note = "" if complete else model.lower_bound_note(tiers, unit=unit)
    edge = summary["lower_bound_below"].max() if len(summary) else math.nan
    below = float(edge) if not complete and pd.notna(edge) else 1.0
    of = _own_source(tiers) if kind == "given" else ""
    return LadderSource(kind, _stamp(tiers), stale, complete, note, origin, below, of)


def given_ladder(client: Any, symbol: str, tiers: Any) -> pd.DataFrame:
    """The rows of ``tiers`` (given to the control) for the client's venue and ``symbol``.

    A frame may hold other ladders too (``lk.load_snapshot()``); one that holds none for
    this venue (or the venue serving its ladder, ``ladder_from``) and symbol raises
    ``ValueError`` naming both: another venue's or symbol's caps and rules would be shown
    and applied as this one's.

    Examples
    --------
    >>> from levkit.frames import tiers_frame
    >>> from levkit.venues.bybit.client import Bybit
    >>> t = tiers_frame({"exchange": "binance", "symbol": "BTCUSDT",
    ...                  "max_notional": [5e4], "max_leverage": [125]}, source="api")
    >>> given_ladder(Bybit(), "BTCUSDT", t)
    Traceback (most recent call last):
    ...
    ValueError: tiers= holds the ladder of binance BTCUSDT, not of bybit BTCUSDT (the control's venue and symbol); pass that venue's own ladder, e.g. client.risk_limits('BTCUSDT')
    """
    from .exchange import normalize

    v = venue(client.exchange)
    accepted = {v.name, v.capabilities.ladder_from or v.name}
    if not isinstance(tiers, pd.DataFrame) or not {"exchange", "symbol"} <= set(tiers.columns):
        raise ValueError("tiers= must be a tiers frame with exchange and symbol columns")

    def registry_name(name: str) -> str:
        try:
            return venue(name).name
        except ValueError:
            return name

    pairs = list(zip(tiers["exchange"].astype(str), tiers["symbol"].astype(str), strict=True))
    names = {e: registry_name(e) for e in dict.fromkeys(e for e, _ in pairs)}
    mine = [names[e] in accepted and normalize(s, names[e]) == symbol for e, s in pairs]
    if not any(mine):
        held = sorted(dict.fromkeys(f"{names[e]} {s}" for e, s in pairs))
        shown = ", ".join(held[:5]) + (f" and {len(held) - 5} more" if len(held) > 5 else "")
        raise ValueError(
            f"tiers= holds the ladder of {shown or 'nothing'}, not of {v.name} {symbol} (the "
            f"control's venue and symbol); pass that venue's own ladder, e.g. "
            f"client.risk_limits({symbol!r})"
        )
    out = tiers[np.asarray(mine, dtype=bool)].reset_index(drop=True)
    out.attrs = dict(tiers.attrs)
    return out


def read_ladder(
    client: Any, symbol: str, given: pd.DataFrame | None = None
) -> tuple[pd.DataFrame | None, LadderSource]:
    """The symbol's ladder and where it came from (see the module text for the order).

    Never raises for a missing ladder: returns ``(None, LadderSource("exchange", ...))``
    with the reasons in ``note``.  Discovery is never run here.
    """
    v = venue(client.exchange)
    origin = v.capabilities.ladder_from or v.name
    if given is not None:
        tiers = _checked(given_ladder(client, symbol, given))
        return tiers, describe(tiers, "given", origin)
    why: list[str] = []
    if v.capabilities.ladder:
        try:
            tiers = _checked(client.risk_limits(symbol))
            kind = str(tiers.attrs.get("source", "api"))
            return tiers, describe(tiers, kind if kind in ("api", "simulator") else "api", origin)
        except LevkitError as exc:
            why.append(f"API: {exc}")
    from ..snapshot import load_snapshot

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # describe() warns once, with the control's line
            tiers = _checked(load_snapshot(origin, symbol))
        return tiers, describe(tiers, "snapshot", origin)
    except (LevkitError, KeyError, ValueError) as exc:
        why.append(f"snapshot: {exc}")
    return None, LadderSource("exchange", complete=False, note="; ".join(why), origin=origin)


def _checked(tiers: pd.DataFrame) -> pd.DataFrame:
    tiers = tiers.reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.max_position_value(tiers, 1.0)  # one symbol, with leverages the model can read
    return tiers


def with_margins(client: Any, symbol: str, tiers: pd.DataFrame | None) -> pd.DataFrame | None:
    """The ladder with maintenance rates for the liquidation price: itself when it has
    them, else (``capabilities.margin_bands`` venues: BingX) ``lk.merge_tiers`` of the
    ladder and ``client.margin_bands(symbol)``; None when no rates can be had."""
    if tiers is None:
        return None
    rates = tiers.get("maintenance_margin_rate")
    if rates is not None and rates.notna().all():
        return tiers
    if not venue(client.exchange).capabilities.margin_bands:
        return None
    try:
        return model.merge_tiers(tiers, client.margin_bands(symbol))
    except LevkitError as exc:
        log.warning("levkit control: no margin bands for %s: %s", symbol, exc)
        return None


def discovery_offer(client: Any) -> str | None:
    """What the Discover button says (None where the venue cannot probe its ladder)."""
    if not venue(client.exchange).capabilities.discover_tiers:
        return None
    return (
        f"Discover the ladder: about {DISCOVERY_CALLS} set-leverage calls on this account "
        "(flat symbol only); the leverage in force is put back afterwards"
    )


class Caps:
    """Max position value by leverage: the exchange's own cap at the leverage in force
    first, else the ladder (memoised: a slider move costs a dict look-up).

    Examples
    --------
    >>> from levkit.frames import tiers_frame
    >>> t = tiers_frame({"exchange": "bybit", "symbol": "BTCUSDT",
    ...                  "max_notional": [3e5, 2e6], "max_leverage": [150, 100]}, source="api")
    >>> caps = Caps(t, {10.0: 1_500_000.0})
    >>> caps(10.0), caps(120.0), caps(151.0)
    (1500000.0, 300000.0, nan)
    """

    def __init__(self, tiers: pd.DataFrame | None, exchange: dict[float, float]) -> None:
        self.tiers = tiers
        self.exchange = {k: v for k, v in exchange.items() if math.isfinite(v) and v > 0}
        self._memo: dict[float, float] = {}
        self.grid: np.ndarray = np.array([])

    def prepare(self, step: float, top: float) -> np.ndarray:
        """Compute the ladder's cap at every leverage of the slider's grid at once
        (vectorised), so that a slider move is a look-up; returns the grid."""
        if self.tiers is None or not (math.isfinite(top) and step > 0):
            return self.grid
        n = int(math.floor((top - 1.0) / step + 1e-6))
        self.grid = np.round(1.0 + np.arange(n + 1) * step, 10)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                caps = np.asarray(model.max_position_value(self.tiers, self.grid), dtype=float)
            except (ValueError, TypeError):
                return self.grid
        self._memo.update(zip(self.grid.tolist(), caps.tolist(), strict=True))
        return self.grid

    def from_exchange(self, lev: float) -> bool:
        """Whether the figure at ``lev`` is the exchange's own."""
        return any(abs(lev - k) <= 1e-9 * max(1.0, k) for k in self.exchange)

    def ladder(self, lev: float) -> float:
        """The ladder's cap at ``lev`` (NaN without a ladder or outside it)."""
        if self.tiers is None or not math.isfinite(lev):
            return math.nan
        if lev not in self._memo:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # staleness and lower bounds: said once, above
                try:
                    self._memo[lev] = float(cast(float, model.max_position_value(self.tiers, lev)))
                except (ValueError, TypeError):
                    self._memo[lev] = math.nan
        return self._memo[lev]

    def __call__(self, lev: float) -> float:
        for k, v in self.exchange.items():
            if abs(lev - k) <= 1e-9 * max(1.0, k):
                return v
        return self.ladder(lev)

    def needs(self, position_value: float) -> float:
        """The highest leverage whose cap holds ``position_value`` (NaN when unknown)."""
        if self.tiers is None or not position_value > 0:
            return math.nan
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                return float(cast(float, model.max_leverage(self.tiers, position_value)))
            except (ValueError, TypeError):
                return math.nan
