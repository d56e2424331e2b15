"""Why the exchange would refuse a leverage, said before anything is sent.

:func:`reason` checks one side's leverage against, in order: being a finite number, 1x,
the API's own maximum (``capabilities.max_api_leverage``: Bybit v2 stops at 100x), the
symbol's maximum (ladder, the exchange's answer, the instrument filter), the leverage step,
and the cap the open position needs ("your 1,000,000 USDT position needs <= 100x").
No ipywidgets here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ..numbers import leverage_at_most, on_step, show
from .text import format_amount

__all__ = ["reason"]

_WHAT = {
    "ladder": "the top of its ladder",
    "exchange": "the exchange's answer",
    "instrument": "the instrument filter",
    "given": "max_leverage=",
}


def reason(
    value: Any,
    *,
    limits: dict[str, float],
    step: float,
    symbol: str,
    api_name: str = "the API",
    position_value: float = 0.0,
    unit: str = "",
    cap: Callable[[float], float] | None = None,
    needs: Callable[[float], float] | None = None,
) -> str:
    """Why ``value`` would be refused, or ``""`` when it is valid.

    Examples
    --------
    >>> reason(120, limits={"ladder": 150.0, "api": 100.0}, step=0.01, symbol="BTCUSD",
    ...        api_name="Bybit v2")
    "above Bybit v2's maximum 100x (the API's own cap, whatever the symbol)"
    >>> reason(12.5, limits={"ladder": 150.0}, step=1.0, symbol="BTC-USDT")
    'off the leverage step: whole numbers only (12x or 13x)'
    >>> caps = {120.0: 3e5, 100.0: 2e6}
    >>> reason(120, limits={"ladder": 150.0}, step=0.01, symbol="BTCUSDT",
    ...        position_value=1e6, unit="USDT", cap=caps.get, needs=lambda v: 100.0)
    'your 1,000,000 USDT position needs <= 100x (the cap at 120x is 300,000 USDT)'
    """
    if isinstance(value, bool):
        return f"not a number: {value!r}"
    try:
        lev = float(value)
    except (TypeError, ValueError):
        return f"not a number: {value!r}"
    if not math.isfinite(lev):
        return f"not a finite number: {show(lev)}"
    if lev < 1 and not leverage_at_most(1.0, lev):
        return f"below the minimum 1x: {show(lev)}x"
    api = limits.get("api", math.inf)
    if math.isfinite(api) and not leverage_at_most(lev, api):
        return f"above {api_name}'s maximum {show(api)}x (the API's own cap, whatever the symbol)"
    others = {k: v for k, v in limits.items() if k != "api"}
    if others:
        which = min(others, key=lambda k: others[k])
        top = others[which]
        if not leverage_at_most(lev, top):
            return f"above the maximum {show(top)}x for {symbol} ({_WHAT.get(which, which)})"
    if not on_step(lev, step):
        low = math.floor(lev / step) * step
        grid = "whole numbers" if step == 1 else f"whole multiples of {show(step)}x"
        return (
            f"off the leverage step: {grid} only "
            f"({show(round(low, 10))}x or {show(round(low + step, 10))}x)"
        )
    if position_value > 0 and cap is not None:
        at = cap(lev)
        if math.isfinite(at) and at < position_value:
            need = needs(position_value) if needs is not None else math.nan
            held = format_amount(position_value, unit)
            limit = f"<= {show(need)}x" if math.isfinite(need) else "a lower leverage"
            return f"your {held} position needs {limit} (the cap at {show(lev)}x is {format_amount(at, unit)})"
    return ""
