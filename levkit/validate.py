"""Checks made before anything is sent: the side and the leverage.

Neutral ground: clients, the control and the CLI all validate here, with the one
leverage tolerance of :mod:`levkit.numbers` and numbers shown as given.
"""

from __future__ import annotations

import math
from typing import Any

from .errors import InvalidLeverageError
from .numbers import leverage_at_most, on_step, show

__all__ = ["SIDES", "check_side", "check_leverage", "leverage_value"]

#: levkit's words for the sides of a position; each venue maps them to its own.
SIDES = ("both", "long", "short")


def check_side(side: str) -> str:
    """``"both"``, ``"long"`` or ``"short"`` (case-insensitive), else ``ValueError``.

    >>> check_side("LONG")
    'long'
    """
    if not isinstance(side, str) or side.lower() not in SIDES:
        raise InvalidLeverageError(f"side must be 'both', 'long' or 'short', not {side!r}")
    return side.lower()


def check_leverage(
    leverage: Any,
    *,
    max_leverage: float,
    step: float | None = None,
    symbol: str = "",
    integer: bool = False,
) -> float:
    """Validate a leverage before anything is sent; return it as a float.

    Raises :class:`~levkit.errors.InvalidLeverageError` (a ``ValueError``) when it is not a
    finite number, below 1, above ``max_leverage`` (beyond float rounding), off ``step`` or
    (``integer=True``) not whole.

    Examples
    --------
    >>> check_leverage("20", max_leverage=100, step=0.01)
    20.0
    >>> check_leverage(1429 * 0.01, max_leverage=14.29, step=0.01)   # float rounding: fine
    14.290000000000001
    >>> check_leverage(150.0001, max_leverage=150)
    Traceback (most recent call last):
    ...
    levkit.errors.InvalidLeverageError: leverage 150.0001 is above the maximum 150
    """
    value = leverage_value(leverage)
    where = f" for {symbol}" if symbol else ""
    if math.isfinite(max_leverage) and not leverage_at_most(value, max_leverage):
        raise InvalidLeverageError(
            f"leverage {show(value)} is above the maximum {show(max_leverage)}{where}"
        )
    if integer and not on_step(value, 1.0):
        raise InvalidLeverageError(f"leverage must be a whole number{where}, not {show(value)}")
    if step and not on_step(value, step):
        raise InvalidLeverageError(f"leverage {show(value)} is not on the step {show(step)}{where}")
    return value


def leverage_value(leverage: Any, *, step: float | None = None, symbol: str = "") -> float:
    """The checks of :func:`check_leverage` that need no ladder: a finite number, at least
    1 and (``step``) on the venue's declared step, whole numbers said as such.

    ``set_leverage`` runs it before any request, so a NaN or a 2.5 on a whole-number venue
    costs no call; the cap is checked once, by :func:`check_leverage`, when it is known.

    Examples
    --------
    >>> leverage_value("12.5")
    12.5
    >>> leverage_value(2.5, step=1.0, symbol="BTCUSDT")
    Traceback (most recent call last):
    ...
    levkit.errors.InvalidLeverageError: leverage 2.5 is not a whole number (the step is 1) for BTCUSDT
    """
    if isinstance(leverage, bool):
        raise InvalidLeverageError(f"leverage must be a number, not {leverage!r}")
    try:
        value = float(leverage)
    except (TypeError, ValueError):
        raise InvalidLeverageError(f"leverage must be a number, not {leverage!r}") from None
    if not math.isfinite(value):
        raise InvalidLeverageError(f"leverage must be a finite number, not {leverage!r}")
    if value < 1 and not leverage_at_most(1.0, value):
        raise InvalidLeverageError(f"leverage must be at least 1, not {show(value)}")
    where = f" for {symbol}" if symbol else ""
    if step == 1.0 and not on_step(value, 1.0):
        raise InvalidLeverageError(
            f"leverage {show(value)} is not a whole number (the step is 1){where}"
        )
    if step and not on_step(value, step):
        raise InvalidLeverageError(f"leverage {show(value)} is not on the step {show(step)}{where}")
    return value
