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

__all__ = [
    "DOLLARS",
    "axis_unit",
    "ladder_kinds",
    "ladder_units",
    "notional_unit",
    "say_unit",
    "units_attr",
]

#: Units that are all "dollars": figures in them may share a table row or a plot axis
#: (USDT beside USDC, as levkit always showed them); a coin (``BTC``: a coin-margined
#: ladder) never shares one with them.
DOLLARS = frozenset({"USD", "USDT", "USDC", "FDUSD", "BUSD", "USDE", "TUSD", "DAI"})


def notional_unit(tiers: pd.DataFrame, unit: str | None = None) -> str:
    """The notional's currency: ``unit``, else the frame's ``notional_unit`` column or
    attrs / settle column, else the unit of the instrument each symbol names on its
    registry venue (OKX ``BTC-USD-SWAP``: ``USD``), else the symbols' quote (base coin for
    Bybit inverse ``...USD``), else ``"USDT"``; ``""`` when the frame mixes currencies.

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
    exchange = tiers["exchange"].astype(str) if "exchange" in tiers.columns else None
    found = set()
    for symbol in pd.unique(tiers["symbol"].astype(str)):
        cat = None
        rows = tiers["symbol"].astype(str) == symbol
        if category is not None:
            cats = category[rows].dropna().unique()
            cat = str(cats[0]) if len(cats) == 1 else None
        # the instrument the symbol names on its registry venue (as ladder_units reads it),
        # unless the frame states another kind; else the spelling
        names = exchange[rows].unique() if exchange is not None else []
        listed = _listed_unit(names[0], symbol, cat) if len(names) == 1 else ""
        unit = listed or notional_currency(symbol, cat)
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


def _instrument(exchange: Any, symbol: Any) -> Any:
    """The instrument ``symbol`` names on a registry venue (:func:`levkit.venues.
    listed_instrument`, cached), or None (a venue outside the registry, an id it refuses)."""
    from ..venues import find, listed_instrument

    v = find(str(exchange))
    if v is None:
        return None
    try:
        return listed_instrument(str(symbol), v.name)
    except ValueError:  # InvalidSymbolError: not an instrument levkit reads there
        return None


def _listed_unit(exchange: Any, symbol: Any, kind: Any = None) -> str:
    """The unit of the instrument ``symbol`` names on a registry venue, where the frame
    states no other ``kind`` (None or "": any); ``""`` when there is none to read."""
    found = _instrument(exchange, symbol)
    if found is None or not found.unit:
        return ""
    return str(found.unit) if not kind or str(kind).lower() == found.kind else ""


def ladder_kinds(tiers: pd.DataFrame, lad: Ladders) -> np.ndarray:
    """Each prepared ladder's contract kind: its ``category`` (lower case), else ``attrs``'s,
    else the kind of the instrument its symbol names on its registry venue (a Bybit
    ``BTCUSD`` typed by hand is coin-margined, as the venue lists it), else ``"linear"``.

    >>> from levkit.frames import tiers_frame
    >>> from levkit.model import prepare
    >>> t = tiers_frame({"exchange": ["bybit"] * 2, "symbol": ["BTCUSD", "BTCUSDT"],
    ...     "max_notional": [150.0, 3e5], "max_leverage": [100.0, 150.0],
    ...     "category": ["inverse", "linear"]}, source="api")
    >>> ladder_kinds(t, prepare(t)).tolist()
    ['inverse', 'linear']
    """
    default = str(tiers.attrs.get("category") or "").lower()
    cats = _firsts(tiers, lad, "category")
    out = np.array([_text(c).lower() or default for c in cats] if cats is not None
                   else [default] * lad.n, dtype=object)  # fmt: skip
    for g in np.flatnonzero(out == "").tolist():
        found = _instrument(lad.exchange[g], lad.symbol[g])
        out[g] = found.kind if found is not None else "linear"
    return out


def ladder_units(tiers: pd.DataFrame, lad: Ladders) -> np.ndarray:
    """Each prepared ladder's ``notional_unit``: the frame's column (first row of the
    ladder), else ``attrs["notional_unit"]``, else the unit of the instrument its symbol
    names on its registry venue (unless the frame states another kind), else read from the
    symbol and its kind (:func:`levkit.symbols.notional_currency`: the base coin for an
    inverse ladder, the quote for a linear one), else ``"USDT"``.

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
            # the unit of the instrument the symbol names on its registry venue, where the
            # frame states no other kind (as the store fills it: OKX BTC-USD-SWAP is in USD)
            stated = "category" in tiers.columns or tiers.attrs.get("category")
            kinds = ladder_kinds(tiers, lad) if stated else np.full(lad.n, None, dtype=object)
            for g in np.flatnonzero(missing).tolist():
                out[g] = _listed_unit(lad.exchange[g], lad.symbol[g], kinds[g])
            missing = out == ""
            # else the symbols' own reading (a USD-quoted perpetual such as BTCUSD is
            # coin-margined: levkit.symbols.notional_currency)
            for kind in set(kinds[missing].tolist()):
                rows = missing & (kinds == kind) if kind is not None else missing
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


def say_unit(out: Any, tiers: pd.DataFrame, lad: Ladders) -> Any:
    """``out`` (a model answer) with ``attrs["notional_unit"]`` saying the unit of its
    notionals (:func:`units_attr`); numbers (one symbol, a scalar) are returned as they are:
    their unit is the ladder's, :func:`notional_unit`."""
    if isinstance(out, pd.Series | pd.DataFrame):
        out.attrs["notional_unit"] = units_attr(ladder_units(tiers, lad), lad)
    return out


def axis_unit(tiers: pd.DataFrame, lad: Ladders, unit: str | None = None) -> str:
    """The unit to write on a plot's notional axis: ``unit`` when given, else the ladders'
    one unit; dollar units side by side are all named (``"USDC / USDT"``: Hyperliquid beside
    USDT ladders).  Ladders in a coin beside ladders in another unit raise ``ValueError``:
    one axis, one unit.

    >>> from levkit.frames import tiers_frame
    >>> from levkit.model import prepare
    >>> t = tiers_frame({"exchange": ["binance-coinm", "bybit"], "symbol": ["BTCUSD_PERP",
    ...     "BTCUSDT"], "max_notional": [50.0, 3e5], "max_leverage": [125.0, 150.0],
    ...     "notional_unit": ["BTC", "USDT"]}, source="api")
    >>> axis_unit(t, prepare(t))
    Traceback (most recent call last):
    ...
    ValueError: these ladders state their notionals in BTC, USDT: one axis shows one unit; plot them apart, e.g. tiers[tiers["notional_unit"] == "BTC"]
    >>> t = tiers_frame({"exchange": ["hyperliquid", "bybit"], "symbol": ["BTC", "BTCUSDT"],
    ...     "max_notional": [3e5, 3e5], "max_leverage": [40.0, 150.0]}, source="api")
    >>> axis_unit(t, prepare(t))
    'USDC / USDT'
    """
    if unit is not None:
        return unit
    units = set(ladder_units(tiers, lad).tolist())
    if len(units) > 1 and not units <= DOLLARS:
        shown = ", ".join(sorted(units))
        first = sorted(units - DOLLARS)[0]
        raise ValueError(
            f"these ladders state their notionals in {shown}: one axis shows one unit; plot "
            f'them apart, e.g. tiers[tiers["notional_unit"] == "{first}"]'
        )
    return " / ".join(sorted(units))
