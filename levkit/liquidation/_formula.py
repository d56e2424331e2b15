"""The one formula every venue's liquidation rule feeds.

Each venue's liquidation price is the **common form** (derivation and sources in
:mod:`levkit.liquidation`)::

    LP = (s·V − M − D) / (Q·(s − r − f_den))      M = V/L + X / (1 − s·f_extra)
       = (c − V/L) / d      c = s·V − X/(1 − s·f_extra) − D,   d = Q·(s − r − f_den)

where ``f_den`` is the fee rate where the venue puts it in the denominator and ``f_extra``
the fee rate where it divides the extra margin (Bybit); both are 0 otherwise.  Venues
differ only in the :class:`~levkit.venues.LiquidationRule` of their ``spec.py`` (one per
contract kind) and in their maintenance-margin rule (:mod:`levkit.model.maintenance`):
no code branches on an exchange's name, and no table of venues lives here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["constants", "formula"]


def constants(v: Any, q: Any, extra: Any, fee: Any, mmr: Any, ded: Any, fee_den: Any,
              fee_extra: Any, s: Any) -> tuple[Any, Any]:  # fmt: skip
    """The common form's parts that do not depend on leverage: ``LP = (c − V/L) / d`` with
    ``c = s·V − X/(1 − s·f_extra·f) − D`` and ``d = Q·(s − r − f_den·f)``.

    ``mmr``, ``ded``, ``fee_den``, ``fee_extra`` are the tier's (per row), the rest the
    position's; arrays broadcast.  With one position value for many leverages, ``c`` and
    ``d`` are one number per (symbol, tier): the leverage only enters through ``V/L``.

    >>> c, d = constants(1e6, 20.0, 0.0, 0.0, 0.005, 510.0, 0.0, 1.0, 1.0)  # Bybit tier 2
    >>> float((c - 1e6 / 50) / d)  # (1e6 − 20,000 − 510) / (20·0.995)
    49220.60301507538
    """
    c = s * v - ded
    if np.any(extra):  # 0 otherwise, whatever the fee
        c = c - extra / (1.0 - (s * fee_extra) * fee)
    return c, q * (s - mmr - fee_den * fee)


def formula(c: Any, d: Any, v: Any, lev: Any) -> np.ndarray:
    """``LP = (c − V/L) / d`` (see :func:`constants`); arrays broadcast, one new array."""
    with np.errstate(divide="ignore", invalid="ignore"):
        lp = np.subtract(c, v / lev)
        if lp.shape == np.broadcast_shapes(lp.shape, np.shape(d)):
            return np.divide(lp, d, out=lp)
        return lp / d
