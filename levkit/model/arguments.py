"""Broadcasting the model's numeric arguments, remembering the index of the answer.

Named arguments (scalars, arrays, Series) broadcast together to 1-D; a Series gives the
answer its index, else the values of the only array argument (named after it), else a
RangeIndex.  :func:`levkit.leverage_for` and :func:`levkit.liquidation_price` read their
arguments here ("return types follow the arguments", :mod:`levkit.model`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidPositionError
from ._ladder import as_array

__all__ = ["Inputs", "broadcast"]


@dataclass(frozen=True)
class Inputs:
    """Broadcast 1-D inputs and how to shape the answer."""

    values: dict[str, np.ndarray]
    scalar: bool
    index: pd.Index | None


def broadcast(args: Mapping[str, Any], error: Mapping[str, type[Exception]]) -> Inputs:
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
