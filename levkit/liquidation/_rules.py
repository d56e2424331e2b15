"""The per-exchange rule table and the one formula every rule feeds.

Each venue's liquidation price is the **common form** (derivation and sources in
:mod:`levkit.liquidation`)::

    LP = (s·V − M − D) / (Q·(s − r − f_den))      M = V/L + X / (1 − s·f_extra)
       = (c − V/L) / d      c = s·V − X/(1 − s·f_extra) − D,   d = Q·(s − r − f_den)

where ``f_den`` is the fee rate where the exchange puts it in the denominator and
``f_extra`` the fee rate where it divides the extra margin (Bybit); both are 0 otherwise.
Venues differ only in a :class:`Rule` (data, no code branch on an exchange's name).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

__all__ = ["RULES", "Rule", "constants", "formula"]


@dataclass(frozen=True)
class Rule:
    """How one exchange computes an isolated liquidation price (see :mod:`levkit.liquidation`).

    ``fee``: ``"denominator"`` (``f`` next to ``r``), ``"extra_margin"`` (``X/(1 − s·f)``,
    Bybit) or ``"ignored"``.  ``deduction``: ``"column"`` (``mm_deduction``, derived where
    absent), ``"derived"`` (always the recursion) or ``"none"`` (0).  ``tier``: ``"entry"``
    (tier of ``V``) or ``"liquidation"`` (tier of ``Q·LP``, iterated).  ``mmr_from_leverage``:
    a missing rate is ``1/(2·max_leverage)``.

    Examples
    --------
    >>> RULES["binance"].tier, RULES["okx"].deduction, RULES["bybit"].fee
    ('liquidation', 'none', 'extra_margin')
    """

    fee: str
    deduction: str
    tier: str
    mmr_from_leverage: bool = False
    source: str = ""

    @property
    def fee_in_denominator(self) -> float:
        """1.0 where the fee rate sits next to the maintenance rate, else 0.0."""
        return 1.0 if self.fee == "denominator" else 0.0

    @property
    def fee_on_extra_margin(self) -> float:
        """1.0 where the fee rate divides the extra margin (``X/(1 − s·f)``), else 0.0."""
        return 1.0 if self.fee == "extra_margin" else 0.0


_BYBIT = Rule("extra_margin", "column", "entry",
              source="bybit.com/en/help-center/article/UTA-Trading-Rules-Liquidation-Process")  # fmt: skip

#: exchange name -> its rule.  Add a venue here, not in code.
RULES: Mapping[str, Rule] = MappingProxyType(
    {
        "bybit": _BYBIT,
        "bybit-legacy": _BYBIT,
        "binance": Rule("ignored", "column", "liquidation",
                        source="binance.com/en/support/faq/b3c689c1f50a44cabb3a84e663b81d93"),
        "okx": Rule("denominator", "none", "entry", source="OKX help 合约盈亏计算"),
        "gate": Rule("denominator", "column", "entry",
                     source="gate.io/help/futures/futures/27724 (deduction derived)"),
        "bitget": Rule("denominator", "derived", "entry",
                       source="bitget.com/support/articles/12560603808759"),
        "bingx": Rule("denominator", "column", "entry",
                      source="support.bingx.com/hc/en-001/articles/10689309996185 (derived)"),
        "hyperliquid": Rule("ignored", "derived", "liquidation", mmr_from_leverage=True,
                            source="hyperliquid.gitbook.io/hyperliquid-docs/trading/liquidations"),
    }
)  # fmt: skip


def constants(v: Any, q: Any, extra: Any, fee: Any, mmr: Any, ded: Any, fee_den: Any,
              fee_extra: Any, s: float) -> tuple[Any, Any]:  # fmt: skip
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
