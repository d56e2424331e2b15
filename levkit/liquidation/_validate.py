"""Validation of a position's arguments, the scalar errors, and the incomplete-ladder warning.

Every error is a :class:`~levkit.errors.LevkitError` (a ``ValueError``) naming the argument.
Arrays and many-symbol answers hold NaN where one symbol with scalar inputs raises (a
leverage above the tier's, a position above the top band), as in the model.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidLeverageError, InvalidNotionalError, InvalidPositionError
from ..model.completeness import warn_lower_bound
from ..numbers import leverage_at_most, show
from ..symbols import parse_symbol
from ._book import Book
from ._inputs import Inputs, broadcast
from ._solve import margin_and_trigger, past_maintenance

__all__ = ["SIDES", "check_one", "check_past", "position", "side_sign", "warn_if_incomplete"]

SIDES = {"long": 1.0, "short": -1.0}


def side_sign(side: Any) -> float:
    """+1.0 for ``"long"``, -1.0 for ``"short"``; anything else raises."""
    if not isinstance(side, str) or side not in SIDES:
        raise InvalidPositionError(f"side must be 'long' or 'short', got {side!r}")
    return SIDES[side]


def position(*, entry_price: Any, leverage: Any, side: Any, notional: Any, size: Any,
             extra_margin: Any, fee_rate: Any) -> tuple[float, Inputs, np.ndarray, np.ndarray]:  # fmt: skip
    """Validate and broadcast the arguments of :func:`~levkit.liquidation.liquidation_price`:
    the side's sign, the broadcast inputs, the size in coins ``Q`` and the position value
    ``V`` (the notional as given, not ``Q·EP`` rounded back: a position exactly at a cap is
    in that cap's tier)."""
    s = side_sign(side)
    if (notional is None) == (size is None):
        raise InvalidPositionError("give exactly one of notional= (quote) and size= (coins)")
    amount_name = "notional" if size is None else "size"
    errors = {"leverage": InvalidLeverageError, "notional": InvalidNotionalError}
    inputs = broadcast(
        {"entry_price": entry_price, "leverage": leverage,
         amount_name: notional if size is None else size,
         "extra_margin": extra_margin, "fee_rate": fee_rate}, errors,
    )  # fmt: skip
    x = inputs.values
    checks = [
        ("entry_price", ~(x["entry_price"] > 0) | np.isinf(x["entry_price"]),
         InvalidPositionError, "a finite price > 0"),
        ("leverage", ~(x["leverage"] >= 1) | np.isinf(x["leverage"]), InvalidLeverageError,
         "a finite leverage >= 1"),
        (amount_name, ~(x[amount_name] > 0) | np.isinf(x[amount_name]),
         errors.get(amount_name, InvalidPositionError), "a finite amount > 0"),
        ("extra_margin", ~np.isfinite(x["extra_margin"]), InvalidPositionError, "a finite number"),
        ("fee_rate", ~((x["fee_rate"] >= 0) & (x["fee_rate"] < 1)), InvalidPositionError,
         "a rate in [0, 1)"),
    ]  # fmt: skip
    for name, bad, exc, want in checks:
        if bad.any():
            raise exc(f"{name} must be {want}, got {show(x[name][np.argmax(bad)])}")
    if size is not None:
        return s, inputs, x["size"], x["size"] * x["entry_price"]
    return s, inputs, x["notional"] / x["entry_price"], x["notional"]


def check_one(book: Book, entry: int, value: float, lev: float) -> None:
    """Raise for one symbol and scalar inputs where an array answer would be NaN."""
    lad = book.lad
    if entry < 0:
        raise InvalidNotionalError(
            f"{book.label(0)}: notional {show(value)} is above the top band "
            f"({show(lad.cap[lad.stop[0] - 1])})"
        )
    cap_lev = lad.lev[entry]
    if not np.isnan(cap_lev) and not leverage_at_most(lev, cap_lev):
        raise InvalidLeverageError(
            f"{book.label(0)}: leverage {show(lev)}x is above {show(cap_lev)}x, the max "
            f"leverage for a {show(value)} position (tier {lad.tier[entry]})"
        )


def _amount(x: float) -> str:
    """An amount for a message: thousands separated, at most two decimals (eight below 1:
    coin amounts such as 0.006 BTC)."""
    text = f"{x:,.2f}" if abs(x) >= 1 else f"{x:,.8f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def check_past(book: Book, entry: np.ndarray, v: np.ndarray, lev: np.ndarray,
               extra: np.ndarray, fee: np.ndarray, s: Any, side: str) -> np.ndarray:  # fmt: skip
    """Raise :class:`~levkit.errors.InvalidPositionError` where a position the ladder
    allows is already past its maintenance margin at entry (its margin after
    ``extra_margin`` at or below it): the first such position is named.  Returns the
    (all False) mask, for :func:`~levkit.liquidation._solve.solve`."""
    past = past_maintenance(book, entry, v, lev, extra, fee, s)
    if not past.any():
        return past
    past = past & ~(lev > book.ceiling(entry))
    if not past.any():
        return past
    shape = past.shape
    where = np.unravel_index(int(np.argmax(past)), shape)
    pick = [np.broadcast_to(a, shape)[where] for a in (entry, v, lev, extra, fee, s)]
    row, value, leverage, added, rate, sign = pick
    margin, limit = margin_and_trigger(book, int(row), value, leverage, added, rate, sign)
    g = int(book.lad.group[int(row)])
    closing = " plus the closing fee" if rate > 0 and book.fee_den[int(row)] else ""
    extra_text = f" (extra_margin {_amount(added)})" if added else ""
    coins = f" (coin-margined: amounts in {_coin(book, g)})" if book.inverse[g] else ""
    raise InvalidPositionError(
        f"{book.label(g)}: a {side} of {_amount(value)} at {show(leverage)}x has margin "
        f"{_amount(margin)}{extra_text} at or below its maintenance margin at entry"
        f"{closing} {_amount(limit)} (tier {book.lad.tier[int(row)]}): it is already past "
        f"liquidation{coins}"
    )


def _coin(book: Book, g: int) -> str:
    """The margin coin of an inverse ladder: its unit, or (a USD ladder) the symbol's base."""
    unit = str(book.units[g])
    if unit != "USD":
        return unit
    try:
        return parse_symbol(str(book.lad.symbol[g])).base
    except ValueError:
        return "the coin"


def warn_if_incomplete(book: Book, notional: np.ndarray | pd.Series) -> None:
    """Warn :class:`~levkit.LadderWarning` where a position is larger than the largest cap
    an incomplete ladder knows: its tier, and so its rates and deduction, are unknown there
    (the answer is NaN or an error, for want of data rather than by the exchange's rule)."""
    lad = book.lad
    values = np.asarray(notional, dtype=float)
    if values.size == 0 or bool(lad.complete.all()):
        return
    biggest: Any
    if values.ndim == 2:  # one row of values per ladder (each in its own unit)
        per = np.where(np.isfinite(values), values, -np.inf).max(axis=1)
        biggest = np.broadcast_to(np.where(np.isneginf(per), np.nan, per), (lad.n,))
    else:
        biggest = float(np.nanmax(values)) if np.isfinite(values).any() else np.nan
    hit = ~lad.complete & (biggest > lad.top_cap)
    warn_lower_bound(lad, np.arange(lad.n), hit, "this position", by="notional")
