"""Exchange numbers -> float64: :func:`numeric`, the one reader every parser uses
(re-exported by :mod:`levkit.frames`)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .errors import ParseError

__all__ = ["numeric"]


def numeric(values: Any, *, field: str, empty: float = np.nan) -> np.ndarray:
    """Turn exchange numbers (JSON strings, numbers, ``""``, ``None``) into float64.

    ``""``, ``None`` and NaN become ``empty``.  Anything else that is not a finite number
    (text, ``true``/``false``, lists, ``"inf"``, ``"NaN"``, ``"1e400"``) raises
    :class:`~levkit.errors.ParseError` naming ``field``.

    Examples
    --------
    >>> numeric(["1.5", 2, "", None], field="x", empty=0.0).tolist()
    [1.5, 2.0, 0.0, 0.0]
    """
    arr = np.asarray(values, dtype=object)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    elif arr.ndim > 1:
        if not (isinstance(values, np.ndarray) and values.dtype != object):
            # numpy made a grid of lists given as values ([[]] -> shape (1, 0)): not numbers
            raise ParseError(f"{field}: expected a number, got a list")
        arr = arr.ravel()
    try:
        # Exchange ladders repeat the same few strings thousands of times: convert each
        # distinct value once (hashing is C-fast), then spread them back by code.
        codes, uniques = pd.factorize(arr, use_na_sentinel=True)
    except TypeError:  # unhashable values (dicts, lists): not numbers
        codes, uniques = np.arange(arr.size), arr
    uniques = np.asarray(uniques, dtype=object)
    try:
        try:  # numbers and numeric strings convert in C
            converted = uniques.astype(np.float64)
        except (ValueError, TypeError):
            blank = np.array(
                [v is None or (isinstance(v, str) and not v.strip()) for v in uniques], dtype=bool
            )
            filled = uniques.copy()
            filled[blank] = np.nan
            try:
                converted = filled.astype(np.float64)
            except (ValueError, TypeError):
                bad = next((v for v in uniques.tolist() if not _is_number_like(v)), None)
                raise ParseError(f"{field}: expected a number, got {bad!r}") from None
        _check_finite(uniques, converted, field)
        _check_no_bools(arr, codes, uniques, field)
        out = converted[codes] if len(converted) else np.full(arr.size, np.nan)
        if (codes < 0).any():
            out[codes < 0] = np.nan
    except OverflowError:
        raise ParseError(f"{field}: number out of range") from None
    if not np.isnan(empty):
        out[np.isnan(out)] = empty
    return out


def _check_finite(uniques: np.ndarray, converted: np.ndarray, field: str) -> None:
    """Blank text became NaN on purpose; any other NaN or infinity was written as one
    (``"NaN"``, ``"inf"``, ``"1e400"``): not an exchange number."""
    odd = ~np.isfinite(converted)
    if not odd.any():
        return
    for value in uniques[odd].tolist():
        if not (isinstance(value, str) and not value.strip()):
            raise ParseError(f"{field}: expected a finite number, got {value!r}")


def _check_no_bools(arr: np.ndarray, codes: np.ndarray, uniques: np.ndarray, field: str) -> None:
    """JSON ``true``/``false`` are not numbers, though numpy reads them as 1 and 0.  They
    hash like 1 and 0, so they may hide behind those values among the distinct ones: only
    the rows holding a distinct 0 or 1 are looked at (few, so this stays fast)."""
    for k, value in enumerate(uniques.tolist()):
        if isinstance(value, bool | np.bool_):
            raise ParseError(f"{field}: expected a number, got {value!r}")
        if isinstance(value, int | float | np.number) and value in (0, 1):
            rows = arr[codes == k].tolist()
            if any(isinstance(v, bool | np.bool_) for v in rows):
                raise ParseError(f"{field}: expected a number, got a boolean")


def _is_number_like(v: Any) -> bool:
    if v is None or v == "":
        return True
    if isinstance(v, bool):
        return False
    if isinstance(v, int | float):
        return True
    if isinstance(v, str):
        try:
            float(v)
        except ValueError:
            return False
        return True
    return False
