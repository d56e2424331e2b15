"""Small helpers the parse modules share."""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter
from typing import Any

import msgspec
import numpy as np

from ..errors import ParseError
from ..frames import numeric

__all__ = [
    "rows_of",
    "column",
    "columns",
    "numbers",
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
        "exchange": [exchange] * n,
        "symbol": symbols,
        **dict(zip(names, rates, strict=True)),
        "category": np.full(n, category, dtype=object),
        "notional_unit": np.full(n, unit, dtype=object) if isinstance(unit, str) else unit,
    }
