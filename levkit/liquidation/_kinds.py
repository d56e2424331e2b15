"""Coin-margined (inverse) positions in the common form.

A coin-margined contract is worth a fixed ``F`` USD (``F`` = contracts x contract value:
Binance ``contractSize`` 100 USD for BTCUSD, OKX ``ctVal``, Bybit 1 USD per contract);
margin, PnL and maintenance margin are in the coin.  At price ``P`` the position is worth
``F/P`` coins; isolated margin ``M = F/(EP·L) + X`` (coins); PnL ``s·F·(1/EP − 1/P)``;
maintenance margin ``(F/P)·(r + f) − D`` (``D`` the coin deduction, Binance ``cum``, Bybit
``mmDeduction``).  Equity equals maintenance margin at::

    LP = F·(s + r + f) / (M + D + s·F/EP)

(``docs/instruments.md`` §4.1: Binance COIN-M's variables, Bybit's 2026 inverse text and
OKX's coin-margined formula all reduce to it).  With ``u = 1/P`` (the USD priced in coin)
the position is a linear one of size ``F`` on the other side: value ``F·u`` coins, PnL
``−s·F·(u − 1/EP)``, maintenance margin ``F·u·(r + f) − D``.  So levkit solves it with the
one common form of :mod:`levkit.liquidation._formula`, fed ``Q = F``, ``V = F/EP``,
``s → −s``, and answers ``LP = 1/u``; the tier at the liquidation price is the tier of
``F·u`` = the coin value at ``LP``, exactly Binance's rule.  A short whose ``u`` would be
``<= 0`` (margin and deduction at least its coin value: its loss in coin is bounded by
``F/EP``) has no liquidation price: ``inf``.

Amounts: ``notional`` is in the ladder's ``notional_unit`` (coin value at entry for a coin
ladder, USD face value for an OKX one); ``size`` is in coins at the entry price
(``F/EP``); ``extra_margin`` in the coin.  An inverse ladder stated in USD keeps its tier
whatever the price (``F`` is fixed): its tier is the entry tier.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InvalidPositionError
from ._book import Book

__all__ = ["Sized", "check_units", "sized", "to_price"]


@dataclass(frozen=True)
class Sized:
    """A position as the common form sees it, per (ladder, input): ``q`` the size
    (coins, or USD face for inverse), ``v`` the value at entry (quote, or coins for
    inverse), ``look`` the value to find its tier by (the ladder's unit) and ``s`` the
    side's sign (flipped for inverse)."""

    q: Any
    v: Any
    look: Any
    s: Any


def check_units(book: Book, *, by_size: bool) -> None:
    """``notional=`` is in each ladder's unit: refuse it across coin-margined and other
    ladders whose units differ (``size=``, in coins, means the same on every ladder)."""
    if by_size or not book.inverse.any():
        return
    units = sorted(set(book.units.tolist()))
    if len(units) > 1:
        raise InvalidPositionError(
            f"notional= is in each ladder's notional_unit, and these ladders state theirs in "
            f"{', '.join(units)} (coin-margined ladders among them): give size= (coins) or "
            "ask one unit at a time"
        )


def sized(book: Book, g: Any, entry_price: Any, q: Any, v: Any, *, by_size: bool,
          s: float) -> Sized:  # fmt: skip
    """The common form's inputs for groups ``g`` (broadcasting with the position arrays):
    unchanged for linear ladders, the reciprocal-price position for inverse ones.

    ``q``, ``v`` are :func:`~levkit.liquidation._validate.position`'s (``size`` and
    ``size·EP``, or ``notional/EP`` and ``notional``).
    """
    if not book.inverse.any():
        return Sized(q, v, v, s)
    inv, face = book.inverse[g], book.face[g]
    if by_size:  # coins at entry, and their USD face value
        coins, usd = np.asarray(q), np.asarray(v)
    else:  # notional in the ladder's unit: coins, or USD face (OKX)
        coins = np.where(face, q, v)
        usd = np.where(face, v, np.multiply(v, entry_price))
    q2 = np.where(inv, usd, q)
    v2 = np.where(inv, coins, v)
    return Sized(q2, v2, np.where(face, usd, v2), np.where(inv, -s, s))


def to_price(book: Book, g: Any, lp: np.ndarray) -> np.ndarray:
    """Prices from the common form's answers: ``1/u`` for inverse ladders (``u = 0``, no
    liquidation: ``inf``), as they are for linear ones.  NaN stays NaN."""
    if not book.inverse.any():
        return lp
    inv = np.broadcast_to(book.inverse[g], lp.shape)
    with np.errstate(divide="ignore"):
        return np.where(inv, 1.0 / lp, lp)
