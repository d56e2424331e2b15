"""Broadcasting the arguments and shaping the answer ("return types follow the arguments").

All inputs scalar -> ``float`` for one (exchange, symbol), a Series on (exchange, symbol)
for many.  Any input an array or Series (they broadcast together, 1-D) -> a Series for one
symbol, a DataFrame (inputs x (exchange, symbol)) for many; its index is the index of the
first Series argument, else the values of the only array argument (named after it), else
a RangeIndex.  Answers are computed as a ``(groups, inputs)`` grid.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidPositionError
from ..model._ladder import as_array
from ._book import Book

__all__ = ["Inputs", "broadcast", "shape"]


@dataclass(frozen=True)
class Inputs:
    """Broadcast 1-D inputs and how to shape the answer."""

    values: dict[str, np.ndarray]
    scalar: bool
    index: pd.Index | None


def broadcast(args: dict[str, Any], error: dict[str, type[Exception]]) -> Inputs:
    """Broadcast named numeric arguments to 1-D; remember the index of the answer.

    >>> x = broadcast({"a": 2.0, "b": [1, 2, 3]}, {})
    >>> x.values["a"].tolist(), x.scalar, x.index.name
    ([2.0, 2.0, 2.0], False, 'b')
    """
    arrays, index, arrays_given = {}, None, []
    for name, value in args.items():
        arr = as_array(value, name, error.get(name, InvalidPositionError))
        if isinstance(value, pd.Series) and index is None:
            index = value.index
        if arr.ndim == 1:
            arrays_given.append((name, arr))
        arrays[name] = arr
    try:
        out = np.broadcast_arrays(*arrays.values())
    except ValueError as err:
        sizes = {k: v.shape for k, v in arrays.items() if v.ndim}
        raise InvalidPositionError(f"arguments do not broadcast together: {sizes}") from err
    scalar = out[0].ndim == 0
    if not scalar and index is None:
        if len(arrays_given) == 1:
            index = pd.Index(arrays_given[0][1], name=arrays_given[0][0])
        else:
            index = pd.RangeIndex(out[0].size)
    values = {k: v.reshape(-1) for k, v in zip(arrays, out, strict=True)}
    return Inputs(values=values, scalar=scalar, index=index)


def _columns(book: Book) -> pd.MultiIndex:
    """(exchange, symbol) as a MultiIndex built from codes: the groups are sorted, so the
    exchange level is read off where the name changes and nothing else is re-factorised."""
    ex, sym = book.lad.exchange, book.lad.symbol
    new = np.r_[True, ex[1:] != ex[:-1]]
    symbols, sym_codes = np.unique(sym.astype(str), return_inverse=True)
    levels = [pd.Index(ex[new], dtype="str"), pd.Index(symbols.astype(object), dtype="str")]
    return pd.MultiIndex(levels=levels, codes=[np.cumsum(new) - 1, sym_codes.reshape(-1)],
                         names=["exchange", "symbol"], verify_integrity=False)  # fmt: skip


def shape(book: Book, out: np.ndarray, inputs: Inputs, name: str) -> Any:
    """Shape a ``(groups, inputs)`` answer by the rule "return types follow the arguments"."""
    out = out.reshape(book.n, -1)
    if inputs.scalar:
        if book.n == 1:
            return float(out[0, 0])
        return pd.Series(out[:, 0], index=book.lad.index(), name=name)
    if book.n == 1:
        return pd.Series(out[0], index=inputs.index, name=name)
    return pd.DataFrame(out.T, index=inputs.index, columns=_columns(book), copy=False)
