"""The currency of a frame's notionals."""

from __future__ import annotations

import pandas as pd

from ..symbols import notional_currency

__all__ = ["notional_unit"]


def notional_unit(tiers: pd.DataFrame, unit: str | None = None) -> str:
    """The notional's currency: ``unit``, else the frame's ``notional_unit`` column or
    attrs / settle column, else the symbols' quote (base coin for Bybit inverse
    ``...USD``), else ``"USDT"``; ``""`` when the frame mixes currencies.

    Examples
    --------
    >>> from levkit.frames import tiers_frame
    >>> t = tiers_frame({"exchange": "bybit", "symbol": "BTCUSDT", "max_notional": [3e5],
    ...                  "max_leverage": [150]}, source="api")
    >>> notional_unit(t), notional_unit(t, "USD")
    ('USDT', 'USD')
    """
    if unit is not None:
        return unit
    for key in ("notional_unit", "settle_coin", "settleCoin"):
        if tiers.attrs.get(key):
            return str(tiers.attrs[key])
    for col in ("notional_unit", "settle_coin"):
        if col in tiers.columns and tiers[col].notna().all() and tiers[col].nunique() == 1:
            return str(tiers[col].iloc[0])
    category = tiers["category"] if "category" in tiers.columns else None
    found = set()
    for symbol in pd.unique(tiers["symbol"].astype(str)):
        cat = None
        if category is not None:
            cats = category[tiers["symbol"].astype(str) == symbol].dropna().unique()
            cat = str(cats[0]) if len(cats) == 1 else None
        unit = notional_currency(symbol, cat)
        if unit:
            found.add(unit)
    if len(found) > 1:
        return ""
    return found.pop() if found else "USDT"
