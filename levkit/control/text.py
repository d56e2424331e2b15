"""How the leverage control words things: leverages, amounts, prices, and the status line
after Apply.  No ipywidgets here.
"""

from __future__ import annotations

import math

import pandas as pd

__all__ = ["format_amount", "format_leverage", "format_price", "leverages_text", "result_text"]


def format_leverage(value: float | None) -> str:
    """``25.5x``; an em dash for NaN.

    Examples
    --------
    >>> format_leverage(25.5), format_leverage(10.0), format_leverage(float("nan"))
    ('25.5x', '10x', '—')
    """
    return "—" if value is None or not math.isfinite(value) else f"{value:g}x"


def format_amount(value: float | None, unit: str = "") -> str:
    """An amount with thousands separators (cents only when there are any) and its unit.

    Examples
    --------
    >>> format_amount(2_000_000, "USDT"), format_amount(13333.333, "USDT")
    ('2,000,000 USDT', '13,333.33 USDT')
    """
    if value is None or not math.isfinite(value):
        return "—"
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
    return f"{text} {unit}".strip()


def format_price(value: float | None) -> str:
    """A price with 5 significant figures at least and separators.

    Examples
    --------
    >>> format_price(57_172.4567), format_price(0.012345), format_price(float("nan"))
    ('57,172.46', '0.012345', '—')
    """
    if value is None or not math.isfinite(value):
        return "—"
    if abs(value) >= 1000:
        return f"{value:,.2f}"
    return f"{value:.5g}"


def leverages_text(by_side: dict[str, float]) -> str:
    """``10x`` (one side ``both``) or ``long 10x, short 12x``.

    Examples
    --------
    >>> leverages_text({"both": 10.0}), leverages_text({"long": 10.0, "short": 12.5})
    ('10x', 'long 10x, short 12.5x')
    """
    return ", ".join(
        format_leverage(v) if s == "both" else f"{s} {format_leverage(v)}"
        for s, v in by_side.items()
    )


def result_text(
    symbol: str, sides: tuple[str, ...], frame: pd.DataFrame, in_force: dict[str, float]
) -> str:
    """The status line after Apply: ``changed: BTCUSDT 10x → 20x`` or ``not modified: ...``."""
    changed = frame["changed"].astype(bool) if "changed" in frame.columns else None
    if changed is None or not changed.any():
        return f"not modified: {symbol} already at {leverages_text(in_force)} on the exchange"
    rows = frame[changed]
    prev = rows["previous_leverage"] if "previous_leverage" in rows else rows["leverage"] * math.nan
    moves = [
        (s, f"{format_leverage(p)} → {format_leverage(v)}")
        for s, p, v in zip(rows["side"], prev, rows["leverage"], strict=False)
    ]
    if sides == ("both",):
        return f"changed: {symbol} {moves[0][1]}"
    return f"changed: {symbol} " + ", ".join(f"{s} {m}" for s, m in moves)
