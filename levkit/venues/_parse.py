"""Small helpers the parse modules share."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from operator import attrgetter
from typing import Any

import msgspec
import numpy as np
import pandas as pd

from ..errors import LadderWarning, ParseError
from ..frames import numeric

__all__ = [
    "rows_of",
    "column",
    "columns",
    "numbers",
    "read_numbers",
    "whole_numbers",
    "ladder_starts",
    "positive_or_unknown",
    "finite_values",
    "without_empty_bands",
    "deduction_recursion",
    "code_of",
    "texts",
    "check_texts",
    "ladder_columns",
]


def rows_of(value: Any, what: str) -> list[dict]:
    """``value`` must be a list (its rows are checked as they are read)."""
    if not isinstance(value, list):
        raise ParseError(f"{what}: expected a list of objects, got {type(value).__name__}")
    return value


def columns(
    rows: Sequence[dict], keys: Sequence[str], what: str, defaults: dict[str, Any] | None = None
) -> dict[str, list]:
    """Several columns in one pass over ``rows`` (``defaults`` fill absent optional keys).

    Missing required keys or rows that are not objects raise :class:`ParseError`.
    """
    defaults = defaults or {}
    out: dict[str, list] = {}
    if rows and isinstance(rows[0], msgspec.Struct):  # typed rows: fields already checked
        for key in keys:
            out[key] = list(map(attrgetter(key), rows))
        return out
    for key in keys:
        try:
            out[key] = [r[key] for r in rows]
        except (KeyError, TypeError, IndexError):
            for r in rows:
                if not isinstance(r, dict):
                    raise ParseError(f"{what}: expected objects, got {type(r).__name__}") from None
            if key not in defaults:
                raise ParseError(f"{what}: a row has no {key!r}") from None
            default = defaults[key]
            out[key] = [r.get(key, default) for r in rows]
    return out


def column(rows: Sequence[dict], key: str, what: str, default: Any = ...) -> list:
    """The values of ``key`` in every row (``default`` where absent, else ParseError)."""
    if default is ...:
        return columns(rows, [key], what)[key]
    return columns(rows, [key], what, {key: default})[key]


def numbers(
    rows: Sequence[dict], key: str, what: str, *, empty: float = np.nan, default: Any = ...
) -> np.ndarray:
    return numeric(column(rows, key, what, default), field=f"{what}.{key}", empty=empty)


def read_numbers(values: Sequence[Any], *, field: str, empty: float = np.nan) -> np.ndarray:
    """Numbers a typed msgspec decoder already read (floats, ``""`` where blank) ->
    float64: the fast twin of :func:`levkit.frames.numeric` for such rows.  ``"nan"`` and
    ``"inf"`` text, which msgspec reads as floats, raise :class:`ParseError`.

    >>> read_numbers([1.5, "", 2.0], field="x", empty=0.0).tolist()
    [1.5, 0.0, 2.0]
    """
    blank = None
    try:
        out = np.array(values, dtype=np.float64)
    except ValueError:  # a blank among them
        arr = np.array(values, dtype=object)
        blank = arr == ""
        arr[blank] = empty
        out = arr.astype(np.float64)
    odd = ~np.isfinite(out)
    if blank is not None:
        odd &= ~blank
    if odd.any():
        raise ParseError(f"{field}: expected a finite number, got {out[odd][0]!r}")
    return out


def whole_numbers(values: np.ndarray, *, field: str) -> pd.api.extensions.ExtensionArray:
    """float64 tier numbers or ids -> nullable ``Int64`` (NaN -> ``<NA>``); a fraction, an
    infinity or a number beyond 2**53 (not an exact integer) raises :class:`ParseError`.

    >>> whole_numbers(np.array([1.0, np.nan]), field="tier").tolist()
    [1, <NA>]
    """
    values = np.asarray(values, dtype=np.float64)
    missing = np.isnan(values)
    with np.errstate(invalid="ignore"):
        odd = ~missing & ((values != np.round(values)) | ~(np.abs(values) <= 2**53))
    if odd.any():
        raise ParseError(f"{field}: expected a whole number, got {values[odd][0]:g}")
    return pd.arrays.IntegerArray(np.where(missing, 0, values).astype("int64"), missing)


def finite_values(values: np.ndarray, names: Sequence[Any], field: str) -> np.ndarray:
    """A figure levkit computes from an answer (a position's value: size x contract value x
    price) must come out finite: an overflow means the answer's numbers are not real
    (``1e308`` contracts), and :class:`ParseError` names the row.

    >>> finite_values(np.array([5.0, np.nan]), ["A", "B"], "value").tolist()
    [5.0, nan]
    """
    bad = np.isinf(values)
    if bad.any():
        name = np.asarray(names, dtype=object)[bad][0]
        raise ParseError(f"{field} of {name} is not a finite number: the answer's figures overflow")
    return values


def positive_or_unknown(values: np.ndarray, names: Sequence[Any], field: str) -> np.ndarray:
    """A figure of an instruments list that must be positive (a leverage bound, a step):
    NaN (unknown) where it is not, naming the instruments in a :class:`LadderWarning`, so
    one bad row does not sink the list.

    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     positive_or_unknown(np.array([100.0, 0.0]), ["A", "B"], "lever").tolist()
    [100.0, nan]
    >>> str(w[0].message)
    'lever 0 is not a positive number for B: read as unknown'
    """
    with np.errstate(invalid="ignore"):
        bad = ~np.isnan(values) & ~(values > 0)
    if not bad.any():
        return values
    shown = ", ".join(str(n) for n in np.asarray(names, dtype=object)[bad][:5])
    warnings.warn(
        f"{field} {values[bad][0]:g} is not a positive number for {shown}: read as unknown",
        LadderWarning,
        stacklevel=3,
    )
    return np.where(bad, np.nan, values)


def without_empty_bands(
    data: dict[str, Any], floor: np.ndarray, number: Any
) -> tuple[dict[str, Any], dict[str, list[int | None]]]:
    """Columns without the tiers whose band is empty: the venue's own floor equals the cap
    (Binance answered BEAMXUSDT's 3x bracket as 500,000 to 500,000 on 2025-12-25).  Such a
    tier holds no position: the caps of the others stay strictly increasing and no model
    answer changes.  Returns the columns and ``{symbol: [the venue's tier number, ...]}``.

    >>> data = {"symbol": np.array(["A", "A", "A"], dtype=object),
    ...         "max_notional": np.array([5.0, 5.0, 9.0])}
    >>> kept, empty = without_empty_bands(data, np.array([0.0, 5.0, 5.0]), [1, 2, 3])
    >>> kept["max_notional"].tolist(), empty
    ([5.0, 9.0], {'A': [2]})
    """
    with np.errstate(invalid="ignore"):
        hollow = (floor == data["max_notional"]) & (floor > 0)
    if not hollow.any():
        return data, {}
    empty: dict[str, list[int | None]] = {}
    numbers = np.asarray(number, dtype=object)
    for symbol, n in zip(data["symbol"][hollow], numbers[hollow], strict=True):
        empty.setdefault(str(symbol), []).append(_tier_number(n))
    return {k: v[~hollow] for k, v in data.items()}, empty


def _tier_number(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):  # NaN, <NA>: the answer numbers none
        return None


def ladder_starts(symbols: Any, cap: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(order, start)``: the row order by symbol then cap, and in that order the mask of
    each symbol's first row (one sort for all symbols, no per-symbol Python).

    >>> order, start = ladder_starts(["B", "A", "B"], np.array([2.0, 5.0, 1.0]))
    >>> order.tolist(), start.tolist()
    ([1, 2, 0], [True, True, False])
    """
    codes, _ = pd.factorize(np.asarray(symbols, dtype=object), sort=True)
    order = np.lexsort((cap, codes))
    sorted_codes = codes[order]
    start = np.ones(len(order), dtype=bool)
    start[1:] = sorted_codes[1:] != sorted_codes[:-1]
    return order, start


def deduction_recursion(start: np.ndarray, floor: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """Maintenance deductions that keep ``notional x rate - deduction`` continuous:
    ``D_1 = 0``, ``D_n = D_(n-1) + floor_n x (rate_n - rate_(n-1))`` per ladder, for rows
    sorted by ladder then cap (``start`` marks each ladder's first row; a NaN step adds 0).
    Added tier by tier across all ladders at once, in the order a loop would add them.

    >>> deduction_recursion(np.array([True, False, True, False]),
    ...                     np.array([0.0, 50_000.0, 0.0, 10.0]),
    ...                     np.array([0.004, 0.005, 0.01, 0.02])).round(9).tolist()
    [0.0, 50.0, 0.0, 0.1]
    """
    n = len(rate)
    step = np.zeros(n)
    with np.errstate(invalid="ignore"):
        step[1:] = floor[1:] * (rate[1:] - rate[:-1])
    step[np.isnan(step)] = 0.0
    first = np.maximum.accumulate(np.where(start, np.arange(n), 0))
    position = np.arange(n) - first
    out = np.zeros(n)
    for k in range(1, int(position.max(initial=0)) + 1):
        rows = np.flatnonzero(position == k)
        out[rows] = out[rows - 1] + step[rows]
    return out


def code_of(value: Any, what: str) -> int:
    """An envelope code given as a number or a numeric string."""
    if isinstance(value, bool):
        raise ParseError(f"{what}: code is not a number: {value!r}")
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        raise ParseError(f"{what}: code is not a number: {value!r}") from None


def texts(rows: Sequence[dict], key: str, what: str) -> list[str]:
    return check_texts(column(rows, key, what), key, what)


def check_texts(values: list, key: str, what: str) -> list[str]:
    """Every value a non-empty string (checked on the distinct values: fast)."""
    try:
        distinct = set(values)
    except TypeError:
        raise ParseError(f"{what}: {key!r} must be a string in every row") from None
    if not all(isinstance(v, str) and v for v in distinct):
        raise ParseError(f"{what}: {key!r} must be a non-empty string in every row")
    return values


def ladder_columns(
    exchange: str,
    symbols: list[str],
    *rates: Any,
    category: str,
    unit: Any,
) -> dict[str, Any]:
    """The common columns of a tiers frame, in order: ``rates`` are ``max_notional``,
    ``max_leverage``, ``maintenance_margin_rate``, ``initial_margin_rate`` and
    ``mm_deduction``; ``category`` and a text ``unit`` fill every row (an array ``unit``
    is used as it is).  The venue adds its own columns after these.

    >>> cols = ladder_columns("x", ["A", "B"], [1, 2], [10, 5], [0.1, 0.2], [0.1, 0.2], [0, 1],
    ...                       category="linear", unit="USDT")
    >>> list(cols)[:3], cols["notional_unit"].tolist()
    (['exchange', 'symbol', 'max_notional'], ['USDT', 'USDT'])
    """
    n = len(symbols)
    names: tuple[str, ...] = ("max_notional", "max_leverage", "maintenance_margin_rate")
    names += ("initial_margin_rate", "mm_deduction")
    return {
        "exchange": exchange,  # one name: tiers_frame spreads it
        "symbol": symbols,
        **dict(zip(names, rates, strict=True)),
        "category": np.full(n, category, dtype=object),
        "notional_unit": np.full(n, unit, dtype=object) if isinstance(unit, str) else unit,
    }
