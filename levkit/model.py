"""The leverage / max-position model: pure numpy over a tiers frame, no IO.

Every function takes a tiers frame (:mod:`levkit.frames`) holding one or many
(exchange, symbol) ladders.  The frame is first turned into a :class:`_Ladders`: rows
sorted by (group, max_notional) plus, per row, its *reach*, the highest leverage at which
that row's cap is still allowed (a reverse cumulative max of ``max_leverage`` inside each
group).  ``reach`` never rises along a ladder, so "the tiers allowed at leverage L" are a
prefix of each group.  Queries are answered for every (symbol, value) pair at once with one
``np.searchsorted`` over integer composite keys ``group * (n_distinct + 1) + rank``:
no Python loop per symbol or per leverage.

Return shapes (scalar input = a Python number or 0-d array; array = anything 1-D):

========================  ==========================  ======================================
input                     one (exchange, symbol)      many
========================  ==========================  ======================================
scalar                    ``float``                   ``Series`` on (exchange, symbol)
array                     ``Series`` on the values    ``DataFrame``: values x (exchange, symbol)
========================  ==========================  ======================================
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from .errors import InvalidLeverageError, InvalidNotionalError, ParseError
from .frames import validate_tiers

__all__ = [
    "InvalidNotionalError",
    "max_position_value",
    "max_leverage",
    "margin",
    "tradeoff",
    "capacity",
    "best_leverage",
]

_TOL = 1e-9
_MARGIN_COLUMNS = (
    "notional",
    "leverage",
    "tier",
    "initial_margin",
    "maintenance_margin",
    "maintenance_margin_rate",
)


@dataclass(frozen=True, eq=False)
class _Ladders:
    """A tiers frame prepared for vectorised queries (rows sorted by group, then cap)."""

    exchange: np.ndarray  # per group
    symbol: np.ndarray
    start: np.ndarray  # first row of each group
    stop: np.ndarray  # one past the last row
    group: np.ndarray  # per row
    cap: np.ndarray
    lev: np.ndarray
    reach: np.ndarray  # highest leverage at which the row's cap is allowed; falls in a group
    tier: np.ndarray
    mmr: np.ndarray
    ded: np.ndarray
    str_labels: tuple[Any, Any]  # exchange and symbol per group as pandas str arrays

    @property
    def n(self) -> int:
        return len(self.start)

    @property
    def top(self) -> np.ndarray:
        """Each group's highest leverage."""
        return self.reach[self.start]

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
        """Row whose cap is ``max_position_value`` at ``lev`` in group ``g``; -1 if none."""
        vals, keys = self._reach_keys
        u = len(vals)
        first_ok = np.searchsorted(vals, lev, side="left")  # reach >= lev from here on
        pos = np.searchsorted(keys, g * (u + 1) + (u - 1 - first_ok), side="right") - 1
        with np.errstate(invalid="ignore"):
            ok = (pos >= self.start[g]) & np.isfinite(lev) & (lev >= 1)
        return np.where(ok, pos, -1)

    def band_row(self, g: np.ndarray, notional: np.ndarray) -> np.ndarray:
        """Row of the tier holding ``notional`` (first cap >= it) in group ``g``; -1 if none."""
        vals, keys = self._cap_keys
        query = g * (len(vals) + 1) + np.searchsorted(vals, notional, side="left")
        pos = np.searchsorted(keys, query, side="left")
        with np.errstate(invalid="ignore"):
            ok = (pos < self.stop[g]) & np.isfinite(notional) & (notional >= 0)
        return np.where(ok, pos, -1)


def _column(tiers: pd.DataFrame, name: str, default: float) -> np.ndarray:
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


def _prepare(tiers: pd.DataFrame) -> _Ladders:
    validate_tiers(tiers)
    tiers = tiers.copy(deep=False)  # a view without attrs: pandas deep-copies attrs into
    tiers.attrs = {}  # every column it hands out, which costs more than the model itself
    cap = _column(tiers, "max_notional", np.nan)
    lev = _column(tiers, "max_leverage", np.nan)
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
    if "tier" in tiers.columns and not tiers["tier"].isna().any():
        tier = tiers["tier"].to_numpy(dtype="int64")[order]
    else:
        tier = np.arange(n) - start[group] + 1
    last = np.zeros(n, dtype=bool)
    last[stop - 1] = True
    if not np.isnan(lev).any() and np.all((lev[:-1] >= lev[1:]) | last[:-1]):
        reach = lev  # monotone ladder: each tier's own leverage
    else:  # reverse cumulative max inside each group, on integer ranks (exact)
        vals, rank = np.unique(np.where(np.isnan(lev), -np.inf, lev), return_inverse=True)
        offset = (len(start) - 1 - group) * (len(vals) + 1)  # rises along the reversed rows
        reach = vals[np.maximum.accumulate((rank + offset)[::-1])[::-1] - offset]
    no_lev = ~(reach[start] >= 1)
    if no_lev.any():
        names = ", ".join(f"{exchange[g]} {symbol[g]}" for g in np.flatnonzero(no_lev)[:10])
        raise ParseError(
            f"no leverage of 1x or more in the ladder of {names}: max_leverage is empty "
            "(margin bands such as BingX's maintMarginRatio carry no leverage); use a "
            "leverage ladder (the exchange's tier table, or BingX.discover_tiers)"
        )
    first = np.arange(n)[order][start]  # each group's first row in the caller's frame
    return _Ladders(
        exchange=exchange, symbol=symbol, start=start, stop=stop, group=group, cap=cap, lev=lev,
        reach=reach, tier=tier, mmr=_column(tiers, "maintenance_margin_rate", np.nan)[order],
        ded=np.nan_to_num(_column(tiers, "mm_deduction", 0.0)[order], nan=0.0),
        str_labels=(_str_label(tiers["exchange"], first, exchange),
                    _str_label(tiers["symbol"], first, symbol)),
    )  # fmt: skip


def _str_label(column: pd.Series, first: np.ndarray, labels: np.ndarray) -> Any:
    """Per-group labels as a pandas str array (taken from a str column without re-checking)."""
    if isinstance(column.dtype, pd.StringDtype) and column.dtype == "str":
        return column.array.take(first)
    return pd.array(labels, dtype="str")


def _values(x: Any, what: str) -> tuple[np.ndarray, bool]:
    """``x`` as a 1-D float array, and whether it was a scalar."""
    err = InvalidLeverageError if what == "leverage" else InvalidNotionalError
    try:
        arr = np.asarray(x, dtype="float64")
    except (TypeError, ValueError) as exc:
        raise err(f"{what} must be a number or a 1-D array of numbers, got {x!r}") from exc
    if arr.ndim > 1:
        raise err(f"{what} must be a number or a 1-D array, got shape {arr.shape}")
    return arr.reshape(-1), arr.ndim == 0


def _take(arr: np.ndarray, row: np.ndarray) -> np.ndarray:
    return np.where(row >= 0, arr[np.maximum(row, 0)], np.nan)


def _tier(lad: _Ladders, row: np.ndarray) -> Any:
    """Tier numbers as a nullable Int64 array, ``<NA>`` where ``row`` is -1."""
    out = pd.array(lad.tier[np.maximum(row, 0)], dtype="Int64")
    out[row < 0] = pd.NA
    return out


def _cross(n_groups: int, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.repeat(np.arange(n_groups), len(x)), np.tile(x, n_groups)


def _shape(
    lad: _Ladders, values: np.ndarray, x: np.ndarray, scalar: bool, *, axis: str, name: str
) -> float | pd.Series | pd.DataFrame:
    if scalar:
        return float(values[0]) if lad.n == 1 else pd.Series(values, index=lad.index(), name=name)
    index = pd.Index(x, name=axis)
    if lad.n == 1:
        return pd.Series(values, index=index, name=name)
    return pd.DataFrame(values.reshape(lad.n, len(x)).T, index=index, columns=lad.index())


def _check_leverage(lad: _Ladders, g: int, lev: float) -> None:
    top = float(lad.top[g])
    if not np.isfinite(lev):
        raise InvalidLeverageError(f"leverage must be a finite number, got {lev!r}")
    if lev < 1:
        raise InvalidLeverageError(f"{lad.label(g)}: leverage {lev:g}x is below 1x")
    if lev > top:
        raise InvalidLeverageError(
            f"{lad.label(g)}: leverage {lev:g}x is above the symbol's max leverage {top:g}x"
        )


def _check_notional(notional: float) -> None:
    if not np.isfinite(notional) or notional < 0:
        raise InvalidNotionalError(f"notional must be a finite number >= 0, got {notional!r}")


def _stamp(out: pd.DataFrame, tiers: pd.DataFrame) -> pd.DataFrame:
    out.attrs.update({k: tiers.attrs[k] for k in ("source", "fetched_at") if k in tiers.attrs})
    return out


def max_position_value(tiers: pd.DataFrame, leverage: Any) -> float | pd.Series | pd.DataFrame:
    """Largest position notional allowed at ``leverage``.

    The largest ``max_notional`` among the symbol's tiers with ``max_leverage >= leverage``.
    A leverage below 1, above the symbol's highest leverage or not finite has no answer:
    NaN in arrays and many-symbol results, :class:`~levkit.errors.InvalidLeverageError`
    (a ``ValueError``) for one symbol and a scalar.

    Returns
    -------
    float, Series or DataFrame
        One symbol: ``float`` (scalar) or a Series indexed by ``leverage``.  Many symbols:
        a Series on (exchange, symbol) (scalar) or a DataFrame indexed by ``leverage`` with
        (exchange, symbol) columns.

    Examples
    --------
    >>> from levkit.frames import tiers_frame
    >>> t = tiers_frame({"exchange": ["bybit"] * 2, "symbol": ["BTCUSDT"] * 2,
    ...                  "max_notional": [3e5, 2e6], "max_leverage": [150, 100]}, source="api")
    >>> max_position_value(t, 100)
    2000000.0
    >>> max_position_value(t, [50, 120, 200]).tolist()
    [2000000.0, 300000.0, nan]
    """
    lad = _prepare(tiers)
    x, scalar = _values(leverage, "leverage")
    if scalar and lad.n == 1:
        _check_leverage(lad, 0, float(x[0]))
    g, lev = _cross(lad.n, x)
    out = _take(lad.cap, lad.cap_row(g, lev))
    return _shape(lad, out, x, scalar, axis="leverage", name="max_position_value")


def max_leverage(tiers: pd.DataFrame, notional: Any) -> float | pd.Series | pd.DataFrame:
    """Highest leverage allowed for a position of ``notional``.

    ``max_leverage`` of the first tier with ``max_notional >= notional``; NaN above the top
    band.  A negative or non-finite notional is NaN in arrays and raises
    :class:`InvalidNotionalError` (a ``ValueError``) for one symbol and a scalar.  Shapes as
    :func:`max_position_value`, with the index named ``notional``.

    Examples
    --------
    >>> from levkit.frames import tiers_frame
    >>> t = tiers_frame({"exchange": ["bybit"] * 2, "symbol": ["BTCUSDT"] * 2,
    ...                  "max_notional": [3e5, 2e6], "max_leverage": [150, 100]}, source="api")
    >>> max_leverage(t, 1_000_000)
    100.0
    >>> max_leverage(t, [300_000, 3e6]).tolist()
    [150.0, nan]
    """
    lad = _prepare(tiers)
    x, scalar = _values(notional, "notional")
    if scalar and lad.n == 1:
        _check_notional(float(x[0]))
    g, v = _cross(lad.n, x)
    out = _take(lad.lev, lad.band_row(g, v))
    return _shape(lad, out, x, scalar, axis="notional", name="max_leverage")


def margin(tiers: pd.DataFrame, notional: Any, leverage: Any) -> pd.Series | pd.DataFrame:
    """Initial and maintenance margin of a position of ``notional`` at ``leverage``.

    initial = notional / leverage, valid only for 1 <= leverage <= ``max_leverage(notional)``;
    maintenance = notional x rate - deduction of the tier holding the notional (it does not
    depend on leverage).  ``notional`` and ``leverage`` broadcast together like numpy arrays.

    Returns
    -------
    Series or DataFrame
        One symbol and two scalars: a float Series with ``notional``, ``leverage``, ``tier``,
        ``initial_margin``, ``maintenance_margin``, ``maintenance_margin_rate`` (invalid
        input raises ``ValueError``).  Otherwise a long frame with ``exchange``, ``symbol``
        and those columns, one row per symbol and input pair, NaN where invalid.

    Examples
    --------
    >>> from levkit.frames import tiers_frame
    >>> t = tiers_frame({"exchange": ["bybit"] * 2, "symbol": ["BTCUSDT"] * 2,
    ...                  "max_notional": [3e5, 2e6], "max_leverage": [150, 100], "maintenance_margin_rate": [0.0033, 0.005],
    ...                  "mm_deduction": [0, 510]}, source="api")
    >>> margin(t, 1_000_000, 50)[["initial_margin", "maintenance_margin"]].tolist()
    [20000.0, 4490.0]
    """
    lad = _prepare(tiers)
    try:
        v, lev = np.broadcast_arrays(
            np.asarray(notional, dtype="float64"), np.asarray(leverage, dtype="float64")
        )
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"notional and leverage must be numbers that broadcast together: {exc}"
        ) from exc
    scalar = v.ndim == 0
    v, lev = v.reshape(-1), lev.reshape(-1)
    g, _ = _cross(lad.n, v)
    v, lev = np.tile(v, lad.n), np.tile(lev, lad.n)
    row = lad.band_row(g, v)
    cap_lev = _take(lad.lev, row)
    with np.errstate(invalid="ignore", divide="ignore"):
        ok = np.isfinite(lev) & (lev >= 1) & (lev <= cap_lev)
        initial = np.where(ok, v / np.where(ok, lev, 1.0), np.nan)
    rate = _take(lad.mmr, row)
    maintenance = v * rate - _take(lad.ded, row)
    if scalar and lad.n == 1:
        val, lv = float(v[0]), float(lev[0])
        _check_notional(val)
        if row[0] < 0:
            raise InvalidNotionalError(
                f"{lad.label(0)}: notional {val:,.0f} is above the top band ({lad.cap[-1]:,.0f})"
            )
        _check_leverage(lad, 0, lv)
        if not ok[0]:
            raise InvalidLeverageError(
                f"{lad.label(0)}: leverage {lv:g}x is above {cap_lev[0]:g}x, the max leverage "
                f"for a {val:,.0f} position (tier {lad.tier[row[0]]})"
            )
        values = [val, lv, float(lad.tier[row[0]]), initial[0], maintenance[0], rate[0]]
        return pd.Series(
            values,
            index=list(_MARGIN_COLUMNS),
            dtype="float64",
            name=(lad.exchange[0], lad.symbol[0]),
        )
    exchange, symbol = lad.labels(g)
    out = pd.DataFrame(
        {
            "exchange": exchange,
            "symbol": symbol,
            "notional": v,
            "leverage": lev,
            "tier": _tier(lad, row),
            "initial_margin": initial,
            "maintenance_margin": maintenance,
            "maintenance_margin_rate": rate,
        }
    )
    return _stamp(out, tiers)


def _default_grid(lad: _Ladders) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every integer 1..max per group plus its non-integer tier leverages.

    Returns (rows per group, leverage, row).  Row i answers the integers in
    (reach[i+1], reach[i]], so the curve is the rows, reversed inside each group, each
    repeated that many times: no search, and few temporaries (large ones cost page faults).
    """
    n = len(lad.cap)
    whole = np.floor(np.maximum(lad.reach, 0.0))
    below = np.zeros(n)
    below[:-1] = whole[1:]
    below[lad.stop - 1] = 0.0
    rev = lad.start[lad.group] + lad.stop[lad.group] - 1 - np.arange(n)  # reversed in group
    row = np.repeat(rev, (whole - below).astype(np.int64)[rev])
    count = whole[lad.start].astype(np.int64)
    offset = np.cumsum(count) - count
    lev = np.ones(len(row))
    lev[offset[1:]] -= count[:-1]  # restart the count at 1 in each group
    np.cumsum(lev, out=lev)
    with np.errstate(invalid="ignore"):
        odd = np.flatnonzero(np.isfinite(lad.lev) & (lad.lev >= 1) & (lad.lev % 1 != 0))
    if len(odd):  # insert each non-integer tier leverage after its integer part
        odd = odd[np.lexsort((lad.lev[odd], lad.group[odd]))]
        og, ol = lad.group[odd], lad.lev[odd]
        keep = np.r_[True, (og[1:] != og[:-1]) | (ol[1:] != ol[:-1])]
        og, ol = og[keep], ol[keep]
        at = offset[og] + np.floor(ol).astype(np.int64)
        row = np.insert(row, at, lad.cap_row(og, ol))
        lev = np.insert(lev, at, ol)
        count = count + np.bincount(og, minlength=lad.n)
    return count, lev, row


def _tradeoff(lad: _Ladders, leverages: Any) -> pd.DataFrame:
    if leverages is None:  # every row valid
        count, lev, row = _default_grid(lad)
        exchange, symbol = lad.str_labels[0].repeat(count), lad.str_labels[1].repeat(count)
        tier = pd.arrays.IntegerArray(lad.tier[row], np.zeros(len(row), dtype=bool))
        cap = lad.cap[row]
    else:
        g, lev = _cross(lad.n, _values(leverages, "leverage")[0])
        exchange, symbol = lad.labels(g)
        row = lad.cap_row(g, lev)
        tier = _tier(lad, row)
        cap = _take(lad.cap, row)
    with np.errstate(invalid="ignore", divide="ignore"):
        initial = cap / lev
    return pd.DataFrame(
        {
            "exchange": exchange,
            "symbol": symbol,
            "leverage": lev,
            "max_position_value": cap,
            "tier": tier,
            "initial_margin": initial,
        },
        copy=False,  # every array here is new
    )


def tradeoff(tiers: pd.DataFrame, leverages: Any = None) -> pd.DataFrame:
    """The leverage / max-position curve of every symbol, as a long frame.

    Parameters
    ----------
    tiers : DataFrame
        A tiers frame, one or many symbols.
    leverages : array-like, optional
        Leverages to evaluate for every symbol (rows with NaN where a leverage is invalid
        for a symbol).  By default every integer leverage from 1 to each symbol's max, plus
        the symbol's own non-integer tier leverages.

    Returns
    -------
    DataFrame
        ``exchange``, ``symbol``, ``leverage``, ``max_position_value``, ``tier`` (the tier
        whose cap it is, nullable Int64) and ``initial_margin`` (= max_position_value /
        leverage, the margin that holds the cap), sorted by symbol then leverage.

    Examples
    --------
    >>> from levkit.frames import tiers_frame
    >>> t = tiers_frame({"exchange": ["bybit"] * 2, "symbol": ["BTCUSDT"] * 2,
    ...                  "max_notional": [3e5, 2e6], "max_leverage": [150, 100]}, source="api")
    >>> tradeoff(t, [100, 150])[["max_position_value", "tier", "initial_margin"]].values.tolist()
    [[2000000.0, 2, 20000.0], [300000.0, 1, 2000.0]]
    """
    return _stamp(_tradeoff(_prepare(tiers), leverages), tiers)


def check_balance(balance: Any) -> float:
    """``balance`` as a float > 0, else ``ValueError`` saying why."""
    try:
        value = float(balance)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"balance must be a number, got {balance!r}") from exc
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"balance must be a finite number > 0, got {balance!r}")
    return value


def capacity(tiers: pd.DataFrame, balance: float, leverages: Any = None) -> pd.DataFrame:
    """How large a position ``balance`` can open at each leverage.

    capacity = min(balance x leverage, max_position_value(leverage)).

    Returns
    -------
    DataFrame
        The :func:`tradeoff` frame plus ``balance``, ``notional_at_balance``
        (= balance x leverage) and ``capacity``.

    Examples
    --------
    >>> from levkit.frames import tiers_frame
    >>> t = tiers_frame({"exchange": ["bybit"] * 2, "symbol": ["BTCUSDT"] * 2,
    ...                  "max_notional": [3e5, 2e6], "max_leverage": [150, 100]}, source="api")
    >>> capacity(t, 10_000, [50, 100, 150])["capacity"].tolist()
    [500000.0, 1000000.0, 300000.0]
    """
    value = check_balance(balance)
    out = _tradeoff(_prepare(tiers), leverages)
    out["balance"] = value
    out["notional_at_balance"] = value * out["leverage"].to_numpy()
    out["capacity"] = np.minimum(
        out["notional_at_balance"].to_numpy(), out["max_position_value"].to_numpy()
    )
    return _stamp(out, tiers)


def best_leverage(tiers: pd.DataFrame, balance: float, step: float = 1.0) -> float | pd.Series:
    """Smallest leverage on the step grid (1, 1+step, ... up to the max) with the largest capacity.

    Capacity rises with leverage as balance x L until it meets the cap, which only falls,
    so only a few grid points per tier can be the answer (around ``cap / balance`` and
    around each tier's leverage); those are evaluated exactly and the best kept.

    Returns
    -------
    float or Series
        One symbol: a ``float``.  Many symbols: a Series on (exchange, symbol).

    Examples
    --------
    >>> from levkit.frames import tiers_frame
    >>> t = tiers_frame({"exchange": ["bingx"] * 3, "symbol": ["BTC-USDT"] * 3,
    ...                  "max_notional": [3e5, 8e5, 3e6], "max_leverage": [150, 100, 75]}, source="api")
    >>> best_leverage(t, 10_000)
    80.0
    """
    value = check_balance(balance)
    try:
        step = float(step)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"step must be a number, got {step!r}") from exc
    if not np.isfinite(step) or step <= 0:
        raise ValueError(f"step must be a finite number > 0, got {step!r}")
    lad = _prepare(tiers)
    k_top = np.floor((lad.top - 1) / step + _TOL)
    with np.errstate(invalid="ignore", over="ignore"):
        k_cap = np.ceil((lad.cap / value - 1) / step - _TOL)
        k_reach = np.floor(np.where(lad.reach >= 1, (lad.reach - 1) / step, 0.0) + _TOL)
    k = np.concatenate([k_cap[:, None] + [-1, 0, 1], k_reach[:, None] + [-1, 0, 1]], axis=1)
    g = np.r_[np.repeat(lad.group, k.shape[1]), np.arange(lad.n), np.arange(lad.n)]
    k = np.clip(np.r_[k.reshape(-1), np.zeros(lad.n), k_top], 0, k_top[g])
    lev = np.round(1 + k * step, 10)
    cap = np.minimum(value * lev, _take(lad.cap, lad.cap_row(g, lev)))
    order = np.lexsort((lev, -np.nan_to_num(cap, nan=-np.inf), g))
    first = order[np.searchsorted(g[order], np.arange(lad.n))]
    best = lev[first]
    return (
        float(best[0]) if lad.n == 1 else pd.Series(best, index=lad.index(), name="best_leverage")
    )
