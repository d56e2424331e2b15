"""Small helpers the parse modules share."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import ParseError
from ..frames import numeric

__all__ = ["rows_of", "column", "numbers", "code_of"]


def rows_of(value: Any, what: str) -> list[dict]:
    """``value`` must be a list of JSON objects."""
    if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
        raise ParseError(f"{what}: expected a list of objects, got {type(value).__name__}")
    return value


def column(rows: Sequence[dict], key: str, what: str, default: Any = ...) -> list:
    """The values of ``key`` in every row (``default`` where absent, else ParseError)."""
    try:
        if default is ...:
            return [r[key] for r in rows]
        return [r.get(key, default) for r in rows]
    except KeyError:
        raise ParseError(f"{what}: a row has no {key!r}") from None


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
    values = column(rows, key, what)
    if not all(isinstance(v, str) and v for v in values):
        raise ParseError(f"{what}: {key!r} must be a non-empty string in every row")
    return values
