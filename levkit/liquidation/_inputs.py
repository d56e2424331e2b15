"""Shaping the answer ("return types follow the arguments"); the arguments are broadcast by
:mod:`levkit.model.arguments` (re-exported here for the package's modules).

All inputs scalar -> ``float`` for one (exchange, symbol), a Series on (exchange, symbol)
for many.  Any input an array or Series (they broadcast together, 1-D) -> a Series for one
symbol, a DataFrame (inputs x (exchange, symbol)) for many; its index is the index of the
first Series argument, else the values of the only array argument (named after it), else
a RangeIndex.  Answers are computed as a ``(groups, inputs)`` grid.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..model.arguments import Inputs, broadcast
from ._book import Book

__all__ = ["Inputs", "broadcast", "shape"]


def _columns(book: Book) -> pd.MultiIndex:
    """(exchange, symbol) as a MultiIndex built from codes: the groups are sorted, so the
    exchange level is read off where the name changes and nothing else is re-factorised."""
    ex, sym = book.lad.exchange, book.lad.symbol
    new = np.r_[True, ex[1:] != ex[:-1]]
    symbols, sym_codes = np.unique(sym.astype(str), return_inverse=True)
    levels = [pd.Index(ex[new], dtype="str"), pd.Index(symbols.astype(object), dtype="str")]
    codes = [np.cumsum(new) - 1, sym_codes.reshape(-1)]
    # pandas-stubs types codes as sequences of int; pandas takes integer arrays as they are.
    return pd.MultiIndex(levels=levels, codes=codes,  # type: ignore[arg-type]
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
