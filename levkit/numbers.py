"""Numbers said once: the leverage tolerance, how a number is shown in a message or a
label, and how it goes on the wire.

A leverage equal to a tier's ``max_leverage`` up to float rounding is that tier's
leverage (``1429 * 0.01`` is 14.29x), in the model, in validation, in the control and in
the CLI: every comparison goes through :func:`leverage_at_most`.

Examples
--------
>>> leverage_at_most(1429 * 0.01, 14.29)
True
>>> leverage_at_most(14.2901, 14.29)
False
>>> show(150.0001), show(20.0), show(1429 * 0.01)
('150.0001', '20', '14.29')
>>> to_wire(12.5), to_wire(1429 * 0.01, places=2), to_wire(20.0)
('12.5', '14.29', '20')
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = [
    "LEVERAGE_RTOL",
    "format_notional",
    "leverage_at_most",
    "leverage_ceiling",
    "leverage_equal",
    "on_step",
    "parse_number",
    "read_leverage",
    "show",
    "to_wire",
    "json_number",
]

#: Relative tolerance of leverage comparisons: float rounding, never a real difference
#: (exchanges state leverage to at most 2-4 decimals).
LEVERAGE_RTOL = 1e-9


def _slack(limit: Any) -> Any:
    limit = np.asarray(limit, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(limit), LEVERAGE_RTOL * np.maximum(1.0, np.abs(limit)), 0.0)


def leverage_ceiling(limit: Any) -> Any:
    """The largest leverage that still counts as at most ``limit`` (``limit`` plus float
    rounding); rises with ``limit``, so sorted limits give sorted ceilings (for
    ``np.searchsorted``).

    >>> bool(1429 * 0.01 <= leverage_ceiling(14.29))
    True
    """
    limit = np.asarray(limit, dtype=float)
    out = limit + _slack(limit)
    return float(out) if out.ndim == 0 else out


def leverage_at_most(value: Any, limit: Any) -> Any:
    """``value <= limit`` up to float rounding (scalars or arrays, broadcast)."""
    out = np.asarray(value, dtype=float) <= leverage_ceiling(limit)
    return bool(out) if np.ndim(out) == 0 else out


def leverage_equal(a: Any, b: Any) -> Any:
    """``a == b`` up to float rounding (scalars or arrays, broadcast)."""
    out = np.abs(np.asarray(a, dtype=float) - np.asarray(b, dtype=float)) <= _slack(b)
    return bool(out) if np.ndim(out) == 0 else out


def on_step(value: float, step: float) -> bool:
    """Whether ``value`` is a whole number of ``step`` (up to float rounding).

    >>> on_step(12.5, 0.01), on_step(1429 * 0.01, 0.01), on_step(12.345, 0.01)
    (True, True, False)
    >>> on_step(25.239999499320444, 0.01)  # half a millionth of a leverage off: not rounding
    False
    >>> on_step(1.8e306, 0.01)  # no whole number of steps is that large (it overflowed)
    False
    """
    if not step:
        return True
    ratio = value / step
    if not math.isfinite(ratio):
        return False
    # within a millionth of a step: float rounding (1429 * 0.01 is 2e-13 steps off) passes,
    # 25.2399995 on a 0.01 step (5e-5 steps off, a value no exchange would take) does not
    return abs(ratio - round(ratio)) <= 1e-6


def show(value: Any) -> str:
    """A number for a message, as given: the shortest text that reads back as the same
    float, rounded only where float rounding made noise (``1429 * 0.01`` -> ``14.29``),
    never into a contradiction (``150.0001`` stays ``150.0001``).  NaN and inf as words."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return repr(value)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    # 12 significant digits drop float noise (14.290000000000001) but keep what a person
    # typed; if that rounding changed the value beyond the tolerance, print it in full.
    short = float(f"{x:.12g}")
    text = np.format_float_positional(short if leverage_equal(short, x) else x, trim="-")
    return text


def to_wire(value: float, *, places: int | None = None, fixed: bool = False) -> str:
    """A number as exchanges write it in JSON strings and requests: plain decimal, no
    exponent, no trailing zeros; ``places`` rounds first (Bybit takes leverage to 2
    decimals), and with ``fixed`` keeps exactly that many (``"100.00"``).  NaN or None
    (a field the exchange leaves empty) gives ``""``.

    >>> to_wire(0.0066), to_wire(2e6), to_wire(100, places=2, fixed=True), to_wire(None)
    ('0.0066', '2000000', '100.00', '')
    """
    if value is None:
        return ""
    x = float(value)
    if math.isnan(x):
        return ""
    if places is not None:
        x = round(x, places)
        if fixed:
            return f"{x:.{places}f}"
    return show(x)


def json_number(value: float) -> int | float:
    """A float as a JSON number: whole values as integers (``5``, not ``5.0``), so a JSON
    body and a signed parameter string agree.

    >>> json_number(5.0), json_number(2.5)
    (5, 2.5)
    """
    x = float(value)
    return int(x) if x.is_integer() else x


def parse_number(value: Any) -> float | None:
    """A JSON number or numeric string as a finite float; None for ``""``, ``None``,
    booleans, text and non-finite values.

    >>> parse_number("12.5"), parse_number(3), parse_number(""), parse_number("inf")
    (12.5, 3.0, None, None)
    """
    if value is None or isinstance(value, bool) or value == "":
        return None
    try:
        x = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return x if math.isfinite(x) else None


def read_leverage(value: Any, what: str = "leverage") -> float:
    """A leverage as people write it: a number or text such as ``"20"``, ``"20x"``,
    ``"12.5X"``; ``ValueError`` (naming ``what``) for anything else, and for a leverage
    that is not a finite number > 0.  Whether it is >= 1 or on a venue's step is for the
    caller to say.

    >>> read_leverage("20x"), read_leverage(" 12.5X "), read_leverage(50)
    (20.0, 12.5, 50.0)
    >>> read_leverage("0")
    Traceback (most recent call last):
    ...
    ValueError: leverage must be a finite number > 0 (such as 20 or "20x"), got '0'
    """
    text = value.strip().removesuffix("x").removesuffix("X") if isinstance(value, str) else value
    x = None if isinstance(text, str) and not text.strip() else parse_number(text)
    if isinstance(value, str) and text != text.strip():
        x = None  # "20 x" and similar: not how a leverage is written
    if x is None or x <= 0:
        raise ValueError(f'{what} must be a finite number > 0 (such as 20 or "20x"), got {value!r}')
    return x


_SUFFIXES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))


def format_notional(value: float, unit: str | None = None) -> str:
    """A short, readable amount: ``300k``, ``12M``, ``1.2B`` (3 significant digits).

    Examples
    --------
    >>> format_notional(300_000), format_notional(12e6), format_notional(1.2e9, "USDT")
    ('300k', '12M', '1.2B USDT')
    >>> format_notional(999_999), format_notional(750)
    ('1M', '750')
    """
    if value is None or not math.isfinite(value):
        text = "nan"
    else:
        text = f"{value:.3g}"
        for size, suffix in _SUFFIXES:
            if abs(float(f"{value:.3g}")) >= size:
                text = f"{value / size:.3g}{suffix}"
                break
        if "e" in text:  # beyond the largest suffix
            text = f"{value:,.0f}"
    return f"{text} {unit}" if unit else text
