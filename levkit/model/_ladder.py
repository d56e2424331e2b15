"""The vectorised tier lookup every model function stands on.

A tiers frame is turned into :class:`Ladders`: rows sorted by (group, max_notional) plus,
per row, its *reach*, the highest leverage at which that row's cap is still allowed (a
reverse cumulative max of ``max_leverage`` inside each group).  ``reach`` never rises along
a ladder, so "the tiers allowed at leverage L" are a prefix of each group.  Queries are
answered for every (symbol, value) pair at once with one ``np.searchsorted`` over integer
composite keys ``group * (n_distinct + 1) + rank``: no Python loop per symbol or value.

Leverage comparisons go through :mod:`levkit.numbers` (one tolerance): a leverage equal to
a tier's ``max_leverage`` up to float rounding is that tier's leverage.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidLeverageError, InvalidNotionalError, ParseError
from ..frames import validate_tiers
from ..numbers import leverage_at_most, leverage_ceiling, show
from .maintenance import Maintenance, marked_rows, resolve

__all__ = ["Ladders", "prepare"]

#: Sources whose ladders are complete unless a frame says otherwise.
#: Sources whose ladders are complete by nature: an exchange's own answer.  A simulator's
#: ladders are the shipped snapshot's, so they are as complete as those (rule 4 decides:
#: a ladder that reaches 1x), not complete by fiat.
COMPLETE_SOURCES = ("api",)


@dataclass(frozen=True, eq=False)
class Ladders:
    """A tiers frame prepared for vectorised queries (rows sorted by group, then cap).

    Per group: ``exchange``, ``symbol``, ``start``/``stop`` (row range), ``complete``.
    Per row: ``group``, ``cap``, ``lev``, ``reach``, ``tier``, ``mmr`` and ``ded`` (the
    frame's rate and deduction, NaN where absent), ``marked`` (the frame's
    ``mm_deduction_derived``).  :attr:`maintenance` holds the rate and deduction as the
    venue's maintenance-margin rule gives them (:mod:`levkit.model.maintenance`).
    """

    exchange: np.ndarray  # per group
    symbol: np.ndarray
    start: np.ndarray  # first row of each group
    stop: np.ndarray  # one past the last row
    complete: np.ndarray  # per group: bool
    group: np.ndarray  # per row
    cap: np.ndarray
    lev: np.ndarray
    reach: np.ndarray  # highest leverage at which the row's cap is allowed; falls in a group
    tier: np.ndarray
    mmr: np.ndarray
    ded: np.ndarray
    marked: np.ndarray
    str_labels: tuple[Any, Any]  # exchange and symbol per group as pandas str arrays
    order: Any  # the caller's rows in this order (a slice when already sorted)

    @property
    def n(self) -> int:
        return len(self.start)

    @cached_property
    def maintenance(self) -> Maintenance:
        """Per row: rate, deduction and derived marker by each venue's rule (one place for
        every road; see :mod:`levkit.model.maintenance`)."""
        return resolve(self)

    @property
    def top(self) -> np.ndarray:
        """Each group's highest leverage."""
        return self.reach[self.start]

    @property
    def low(self) -> np.ndarray:
        """Each group's lowest known leverage (its last tier's reach)."""
        return self.reach[self.stop - 1]

    @property
    def top_cap(self) -> np.ndarray:
        """Each group's largest known cap."""
        return self.cap[self.stop - 1]

    @property
    def unknown_below(self) -> np.ndarray:
        """Per group: leverages below this are on the unknown part of the ladder (a lower
        bound); 1.0 (nothing unknown) for a complete ladder or one that reaches 1x."""
        with np.errstate(invalid="ignore"):
            low = np.where(np.isfinite(self.low) & (self.low > 1), self.low, 1.0)
        return np.where(self.complete, 1.0, low)

    def index(self) -> pd.MultiIndex:
        return pd.MultiIndex.from_arrays([self.exchange, self.symbol], names=["exchange", "symbol"])

    def label(self, g: int) -> str:
        return f"{self.exchange[g]} {self.symbol[g]}"

    def labels(self, g: np.ndarray) -> tuple[Any, Any]:
        """``exchange`` and ``symbol`` columns (str dtype) for the groups ``g``."""
        return self.str_labels[0].take(g), self.str_labels[1].take(g)

    @cached_property
    def _reach_keys(self) -> tuple[np.ndarray, np.ndarray]:
        """Distinct reaches (ascending) and keys ``group * (u + 1) + descending rank``."""
        vals, rank = np.unique(self.reach, return_inverse=True)
        return vals, self.group * (len(vals) + 1) + (len(vals) - 1 - rank)

    @cached_property
    def _cap_keys(self) -> tuple[np.ndarray, np.ndarray]:
        """Distinct caps (ascending) and keys ``group * (u + 1) + rank``."""
        vals, rank = np.unique(self.cap, return_inverse=True)
        return vals, self.group * (len(vals) + 1) + rank

    def cap_row(self, g: np.ndarray, lev: np.ndarray) -> np.ndarray:
        """Row whose cap is ``max_position_value`` at ``lev`` in group ``g``; -1 if none.

        A row is allowed at ``lev`` when ``leverage_at_most(lev, reach)``; the ceilings of
        the sorted distinct reaches are sorted too, so one search finds the first allowed.
        """
        vals, keys = self._reach_keys
        u = len(vals)
        first_ok = np.searchsorted(leverage_ceiling(vals), lev, side="left")
        pos = np.searchsorted(keys, g * (u + 1) + (u - 1 - first_ok), side="right") - 1
        with np.errstate(invalid="ignore"):
            ok = (pos >= self.start[g]) & np.isfinite(lev) & leverage_at_most(1.0, lev)
        return np.where(ok, pos, -1)

    def band_row(self, g: np.ndarray, notional: np.ndarray) -> np.ndarray:
        """Row of the tier holding ``notional`` (first cap >= it) in group ``g``; -1 if none.

        When the queried groups hold fewer rows than twice the frame, their caps below each
        value are counted (a scan); otherwise one search over sorted composite keys.  Caps
        rise within a group, so both give the same row.
        """
        g, notional = np.broadcast_arrays(np.asarray(g), np.asarray(notional, dtype="float64"))
        sizes = (self.stop - self.start)[g]
        if sizes.sum() <= 2 * len(self.cap):
            pos = self._band_row_scan(g, notional, sizes)
        else:
            pos = self._band_row_keyed(g, notional)
        with np.errstate(invalid="ignore"):
            ok = (pos < self.stop[g]) & np.isfinite(notional) & (notional >= 0)
        return np.where(ok, pos, -1)

    def _band_row_keyed(self, g: np.ndarray, notional: np.ndarray) -> np.ndarray:
        vals, keys = self._cap_keys
        query = g * (len(vals) + 1) + np.searchsorted(vals, notional, side="left")
        return np.searchsorted(keys, query, side="left")

    def _band_row_scan(self, g: np.ndarray, notional: np.ndarray, sizes: np.ndarray) -> np.ndarray:
        flat_g, flat_x, sizes = g.reshape(-1), notional.reshape(-1), sizes.reshape(-1)
        if not len(flat_g):
            return np.zeros(g.shape, dtype=np.intp)
        offset = np.cumsum(sizes) - sizes  # each query's first slot
        rows = np.repeat(self.start[flat_g] - offset, sizes) + np.arange(int(sizes.sum()))
        with np.errstate(invalid="ignore"):
            below = (self.cap[rows] < np.repeat(flat_x, sizes)).astype(np.intp)
        return (self.start[flat_g] + np.add.reduceat(below, offset)).reshape(g.shape)

    def band_rows(self, values: np.ndarray) -> np.ndarray:
        """:meth:`band_row` of each of ``values`` in every group: shape ``(n, len(values))``."""
        values = np.asarray(values, dtype="float64").reshape(-1)
        g = np.repeat(np.arange(self.n), len(values))
        return self.band_row(g, np.tile(values, self.n)).reshape(self.n, len(values))

    def on_unknown_leverage(self, g: np.ndarray, lev: np.ndarray) -> np.ndarray:
        """Whether ``lev`` (>= 1) falls below the known part of an incomplete ladder."""
        if self.complete.all():  # the common case (API answers): nothing is unknown
            return np.zeros(np.broadcast(g, lev).shape, dtype=bool)
        edge = self.unknown_below[g]
        with np.errstate(invalid="ignore"):
            return (edge > 1) & (lev >= 1) & ~leverage_at_most(edge, lev)

    def on_unknown_notional(self, g: np.ndarray, notional: np.ndarray) -> np.ndarray:
        """Whether ``notional`` lies above the known caps of an incomplete ladder."""
        with np.errstate(invalid="ignore"):
            return ~self.complete[g] & (notional > self.top_cap[g])


def column(tiers: pd.DataFrame, name: str, default: float) -> np.ndarray:
    if name not in tiers.columns:
        return np.full(len(tiers), default)
    try:
        return tiers[name].to_numpy(dtype="float64", na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise ParseError(f"tiers column {name!r} must be numeric") from exc


def _sorted_groups(ex: np.ndarray, sym: np.ndarray, cap: np.ndarray) -> np.ndarray | None:
    """Group starts if rows are already sorted by (exchange, symbol, cap), as
    :func:`~levkit.frames.tiers_frame` leaves them; ``None`` otherwise."""
    new = np.ones(len(cap), dtype=bool)
    try:
        new[1:] = (ex[1:] != ex[:-1]) | (sym[1:] != sym[:-1])
        start = np.flatnonzero(new)
        e, s = ex[start], sym[start]
        ordered = np.all((e[:-1] < e[1:]) | ((e[:-1] == e[1:]) & (s[:-1] < s[1:])))
    except TypeError:  # labels that are not all strings
        return None
    return start if ordered and np.all((cap[1:] >= cap[:-1]) | new[1:]) else None


def _complete(
    tiers: pd.DataFrame,
    first: np.ndarray,
    reach_low: np.ndarray,
    top_cap: np.ndarray | None = None,
) -> np.ndarray:
    """Per group, whether the ladder is complete (see :mod:`levkit.model.completeness`)."""
    n = len(first)
    stated = np.full(n, np.nan)
    if "complete" in tiers.columns:
        col = tiers["complete"].to_numpy(dtype=object)[first]
        stated = np.array([np.nan if v is None or v != v else float(bool(v)) for v in col])
    attr = tiers.attrs.get("complete")
    if isinstance(attr, bool | np.bool_):
        stated = np.where(np.isnan(stated), float(attr), stated)
    elif tiers.attrs.get("source") in COMPLETE_SOURCES:
        stated = np.where(np.isnan(stated), 1.0, stated)
    with np.errstate(invalid="ignore"):
        reaches_one = leverage_at_most(reach_low, 1.0)
    if top_cap is not None:  # an uncapped top tier (Hyperliquid) covers every position
        reaches_one = reaches_one | np.isposinf(top_cap)
    return np.where(np.isnan(stated), reaches_one, stated == 1.0)


def prepare(tiers: pd.DataFrame, *, need_leverage: bool = True) -> Ladders:
    """A tiers frame as :class:`Ladders`.

    ``need_leverage=False`` accepts margin bands (no ``max_leverage``), for
    :func:`~levkit.model.margin`; every other model function needs a leverage ladder.
    """
    validate_tiers(tiers, need_leverage=need_leverage)
    attrs = dict(tiers.attrs)
    tiers = tiers.copy(deep=False)  # a view without attrs: pandas deep-copies attrs into
    tiers.attrs = {}  # every column it hands out, which costs more than the model itself
    cap = column(tiers, "max_notional", np.nan)
    lev = column(tiers, "max_leverage", np.nan)
    if np.isnan(cap).any():
        raise ParseError("a tier has no max_notional (NaN)")
    ex = tiers["exchange"].to_numpy(dtype=object)
    sym = tiers["symbol"].to_numpy(dtype=object)
    n = len(cap)
    start = _sorted_groups(ex, sym, cap)
    order: np.ndarray | slice = slice(None)
    if start is None:  # sort by composite integer key, then cap
        ex_codes, _ = pd.factorize(ex.astype(str), sort=True)
        sym_codes, sym_labels = pd.factorize(sym.astype(str), sort=True)
        key = ex_codes.astype(np.int64) * len(sym_labels) + sym_codes
        order = np.lexsort((cap, key))
        key, cap, lev = key[order], cap[order], lev[order]
        start = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    stop = np.r_[start[1:], n]
    group = np.repeat(np.arange(len(start)), stop - start)
    exchange = ex[order][start].astype(str).astype(object)
    symbol = sym[order][start].astype(str).astype(object)
    stated_tier = column(tiers, "tier", np.nan)[order]  # one read (a Series op costs 50 us)
    if np.isnan(stated_tier).any():
        tier = np.arange(n) - start[group] + 1
    else:
        tier = stated_tier.astype(np.int64)
    last = np.zeros(n, dtype=bool)
    last[stop - 1] = True
    if not np.isnan(lev).any() and np.all((lev[:-1] >= lev[1:]) | last[:-1]):
        reach = lev  # monotone ladder: each tier's own leverage
    else:  # reverse cumulative max inside each group, on integer ranks (exact)
        vals, rank = np.unique(np.where(np.isnan(lev), -np.inf, lev), return_inverse=True)
        offset = (len(start) - 1 - group) * (len(vals) + 1)  # rises along the reversed rows
        reach = vals[np.maximum.accumulate((rank + offset)[::-1])[::-1] - offset]
    if need_leverage:
        no_lev = ~(reach[start] >= 1)
        if no_lev.any():
            names = ", ".join(f"{exchange[g]} {symbol[g]}" for g in np.flatnonzero(no_lev)[:10])
            raise ParseError(
                f"no leverage of 1x or more in the ladder of {names}: max_leverage is empty "
                "(margin bands such as BingX's maintMarginRatio carry no leverage); use a "
                "leverage ladder (the exchange's tier table, or BingX.discover_tiers), or "
                "join both with lk.merge_tiers(ladder, bands)"
            )
    first = np.arange(n)[order][start]  # each group's first row in the caller's frame
    tiers.attrs = attrs  # read once, for completeness
    complete = _complete(tiers, first, reach[stop - 1], cap[stop - 1])
    tiers.attrs = {}
    return Ladders(
        exchange=exchange, symbol=symbol, start=start, stop=stop, complete=complete,
        group=group, cap=cap, lev=lev, reach=reach, tier=tier,
        mmr=column(tiers, "maintenance_margin_rate", np.nan)[order],
        ded=column(tiers, "mm_deduction", np.nan)[order],  # NaN where absent (not 0)
        marked=marked_rows(tiers)[order],
        str_labels=(_str_label(tiers["exchange"], first, exchange),
                    _str_label(tiers["symbol"], first, symbol)),
        order=order,
    )  # fmt: skip


def _str_label(col: pd.Series, first: np.ndarray, labels: np.ndarray) -> Any:
    """Per-group labels as a pandas str array (taken from a str column without re-checking)."""
    if isinstance(col.dtype, pd.StringDtype) and col.dtype.name == "str":
        return col.array.take(first)
    return pd.array(labels, dtype="str")


# --------------------------------------------------------------------------- inputs, shapes


def values(x: Any, what: str) -> tuple[np.ndarray, bool, pd.Index | None]:
    """``x`` as a 1-D float array, whether it was a scalar, and its index (a Series or an
    Index keeps it; anything else has none)."""
    err = InvalidLeverageError if what == "leverage" else InvalidNotionalError
    index = x.index if isinstance(x, pd.Series) else None
    arr = as_array(x, what, err)
    return arr.reshape(-1), arr.ndim == 0, index


def as_array(x: Any, what: str, err: type[Exception]) -> np.ndarray:
    """``x`` as a float array of at most one dimension, else ``err`` saying why.

    >>> as_array([1, 2], "leverage", ValueError).tolist()
    [1.0, 2.0]
    >>> as_array("x", "leverage", ValueError)
    Traceback (most recent call last):
    ...
    ValueError: leverage must be a number or a 1-D array of numbers, got 'x'
    """
    try:
        arr = np.asarray(x, dtype="float64")
    except (TypeError, ValueError) as exc:
        raise err(f"{what} must be a number or a 1-D array of numbers, got {x!r}") from exc
    if arr.ndim > 1:
        raise err(f"{what} must be a number or a 1-D array, got shape {arr.shape}")
    return arr


def take(arr: np.ndarray, row: np.ndarray) -> np.ndarray:
    return np.where(row >= 0, arr[np.maximum(row, 0)], np.nan)


def tier_numbers(lad: Ladders, row: np.ndarray) -> np.ndarray:
    """Tier numbers (int64), 0 where ``row`` is -1 (no tier: the input is outside it)."""
    return np.where(row >= 0, lad.tier[np.maximum(row, 0)], 0).astype("int64")


def cross(n_groups: int, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.repeat(np.arange(n_groups), len(x)), np.tile(x, n_groups)


def shape(
    lad: Ladders,
    out: np.ndarray,
    x: np.ndarray,
    scalar: bool,
    index: pd.Index | None,
    *,
    axis: str,
    name: str,
) -> float | pd.Series | pd.DataFrame:
    if scalar:
        return float(out[0]) if lad.n == 1 else pd.Series(out, index=lad.index(), name=name)
    idx = index if index is not None else pd.Index(x, name=axis)
    if lad.n == 1:
        return pd.Series(out, index=idx, name=name)
    return pd.DataFrame(out.reshape(lad.n, len(x)).T, index=idx, columns=lad.index())


def long_index(index: pd.Index | None, n_groups: int) -> pd.Index | None:
    """The caller's index repeated once per symbol (long frames), or ``None``."""
    if index is None:
        return None
    return index if n_groups == 1 else index.append([index] * (n_groups - 1))


def check_leverage(lad: Ladders, g: int, lev: float) -> None:
    top = float(lad.top[g])
    if not np.isfinite(lev):
        raise InvalidLeverageError(f"leverage must be a finite number, got {lev!r}")
    if not leverage_at_most(1.0, lev):
        raise InvalidLeverageError(f"{lad.label(g)}: leverage {show(lev)}x is below 1x")
    if np.isfinite(top) and not leverage_at_most(lev, top):
        raise InvalidLeverageError(
            f"{lad.label(g)}: leverage {show(lev)}x is above the symbol's max leverage {show(top)}x"
        )


def check_notional(notional: float) -> None:
    if not np.isfinite(notional) or notional < 0:
        raise InvalidNotionalError(f"notional must be a finite number >= 0, got {notional!r}")


def stamp(out: pd.DataFrame, tiers: pd.DataFrame) -> pd.DataFrame:
    out.attrs.update({k: tiers.attrs[k] for k in ("source", "fetched_at") if k in tiers.attrs})
    return out
