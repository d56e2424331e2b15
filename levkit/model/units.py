"""The currency of a frame's notionals, and each ladder's contract kind.

A tiers frame states its notionals in one unit per ladder (``notional_unit``, PUBLIC_API
0.3): the quote currency for linear contracts (``USDT``, ``USDC``), the coin for
coin-margined ladders stated in coin (Binance COIN-M ``qtyCap``, Bybit inverse
``riskLimitValue``: ``BTC``), ``USD`` where the venue states them in USD (OKX
``BTC-USD-SWAP``: contracts x 100 USD).  The model answers in that unit; these helpers say
which it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..symbols import notional_currencies, notional_currency

if TYPE_CHECKING:  # pragma: no cover
    from ._ladder import Ladders

__all__ = ["ladder_kinds", "ladder_units", "notional_unit", "units_attr"]


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


def _firsts(tiers: pd.DataFrame, lad: Ladders, column: str) -> np.ndarray | None:
    """``column`` at each ladder's first row (in the prepared ladders' order), or None."""
    if column not in tiers.columns:
        return None
    first = np.arange(len(tiers))[lad.order][lad.start]
    return tiers[column].to_numpy(dtype=object)[first]


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def ladder_kinds(tiers: pd.DataFrame, lad: Ladders) -> np.ndarray:
    """Each prepared ladder's contract kind: its ``category`` (lower case), else ``attrs``'s,
    else ``"linear"`` (every ladder before coin-margined ones).

    >>> from levkit.frames import tiers_frame
    >>> from levkit.model import prepare
    >>> t = tiers_frame({"exchange": ["bybit"] * 2, "symbol": ["BTCUSD", "BTCUSDT"],
    ...     "max_notional": [150.0, 3e5], "max_leverage": [100.0, 150.0],
    ...     "category": ["inverse", "linear"]}, source="api")
    >>> ladder_kinds(t, prepare(t)).tolist()
    ['inverse', 'linear']
    """
    default = str(tiers.attrs.get("category") or "linear").lower()
    cats = _firsts(tiers, lad, "category")
    if cats is None:
        return np.full(lad.n, default, dtype=object)
    return np.array([_text(c).lower() or default for c in cats], dtype=object)


def ladder_units(tiers: pd.DataFrame, lad: Ladders) -> np.ndarray:
    """Each prepared ladder's ``notional_unit``: the frame's column (first row of the
    ladder), else ``attrs["notional_unit"]``, else read from the symbol and its kind
    (:func:`levkit.symbols.notional_currency`: the base coin for an inverse ladder, the
    quote for a linear one), else ``"USDT"``.

    >>> from levkit.frames import tiers_frame
    >>> from levkit.model import prepare
    >>> t = tiers_frame({"exchange": ["okx", "bybit"], "symbol": ["BTC-USD-SWAP", "BTCUSD"],
    ...     "max_notional": [5e5, 150.0], "max_leverage": [100.0, 100.0],
    ...     "category": "inverse", "notional_unit": ["USD", None]}, source="api")
    >>> ladder_units(t, prepare(t)).tolist()
    ['BTC', 'USD']
    """
    out = np.full(lad.n, "", dtype=object)
    given = _firsts(tiers, lad, "notional_unit")
    if given is not None:
        out[:] = [_text(u) for u in given]
    missing = out == ""
    if missing.any():
        attr = _text(tiers.attrs.get("notional_unit"))
        if attr:
            out[missing] = attr
        else:
            kinds = ladder_kinds(tiers, lad)
            for kind in set(kinds[missing]):
                rows = missing & (kinds == kind)
                read = notional_currencies(lad.symbol[rows], kind)
                out[rows] = np.where(read == "", "USDT", read)
    return out


def units_attr(units: np.ndarray, lad: Ladders, groups: Any = None) -> str | dict:
    """What a model answer says about its unit (``attrs["notional_unit"]``): one text when
    every ladder answered shares it, else ``{(exchange, symbol): unit}``.

    >>> from types import SimpleNamespace
    >>> lad = SimpleNamespace(exchange=np.array(["a", "b"]), symbol=np.array(["X", "Y"]))
    >>> units_attr(np.array(["BTC", "BTC"]), lad), units_attr(np.array(["BTC", "USDT"]), lad)
    ('BTC', {('a', 'X'): 'BTC', ('b', 'Y'): 'USDT'})
    """
    picked = np.arange(len(units)) if groups is None else np.unique(groups)
    distinct = set(units[picked].tolist())
    if len(distinct) == 1:
        return str(distinct.pop())
    return {(str(lad.exchange[g]), str(lad.symbol[g])): str(units[g]) for g in picked}
