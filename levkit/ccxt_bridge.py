"""``lk.from_ccxt``: leverage tiers from any ccxt exchange, as a levkit tiers frame.

ccxt is an optional extra (``pip install 'levkit[ccxt]'``) and is imported here only, and
only when an exchange is given by name; ``import levkit`` never imports it.  ccxt's
leverage-tier structure gives ``tier``, ``minNotional``, ``maxNotional``,
``maintenanceMarginRate`` and ``maxLeverage``; the maintenance deduction and the initial
margin rate are read from the exchange's raw row (``info``) where it has them
(:data:`INFO_FIELDS`), else they are stated missing in ``attrs["ccxt_missing"]``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from .errors import LevkitError

__all__ = ["CcxtMissingError", "from_ccxt", "INFO_FIELDS", "UNIFIED_FIELDS"]

#: levkit column <- ccxt's unified leverage-tier field.
UNIFIED_FIELDS = {
    "tier": "tier",
    "min_notional": "minNotional",
    "max_notional": "maxNotional",
    "maintenance_margin_rate": "maintenanceMarginRate",
    "max_leverage": "maxLeverage",
}

#: levkit column <- keys of the raw row (``info``) that hold it, per exchange family:
#: Binance ``cum``, Bybit v5 ``mmDeduction``/``initialMargin``, Gate ``deduction``/
#: ``initial_rate``, OKX ``imr``, Bitget ``keepMarginRate`` is already unified.
INFO_FIELDS = {
    "mm_deduction": ("cum", "mmDeduction", "deduction", "maintenance_deduction", "maintAmount"),
    "initial_margin_rate": ("imr", "initialMargin", "initial_rate", "initialMarginRate"),
}


class CcxtMissingError(LevkitError, ImportError):
    """ccxt is needed (``pip install 'levkit[ccxt]'``) and is not installed."""


def _exchange(exchange: Any) -> Any:
    if not isinstance(exchange, str):
        return exchange
    try:
        import ccxt
    except ImportError:
        raise CcxtMissingError(
            f"lk.from_ccxt({exchange!r}) needs ccxt, which is not installed: "
            "pip install 'levkit[ccxt]' (or pip install ccxt), or pass a ccxt exchange object"
        ) from None
    cls = getattr(ccxt, exchange, None)
    if cls is None:
        raise ValueError(f"ccxt has no exchange {exchange!r} (see ccxt.exchanges)")
    return cls()


def _method(ex: Any, snake: str) -> Any:
    camel = snake.split("_")[0] + "".join(w.title() for w in snake.split("_")[1:])
    has = getattr(ex, "has", {}) or {}
    fn = getattr(ex, snake, None) or getattr(ex, camel, None)
    return fn if callable(fn) and has.get(camel, True) not in (False, None) else None


def _fetch(ex: Any, symbols: list[str] | None) -> dict[str, list]:
    every = _method(ex, "fetch_leverage_tiers")
    one = _method(ex, "fetch_market_leverage_tiers")
    name = getattr(ex, "id", type(ex).__name__)
    if every is not None and (symbols is None or one is None):
        got = every(symbols) if symbols is not None else every()
        return {k: v for k, v in got.items() if symbols is None or k in symbols}
    if one is not None:
        if symbols is None:
            raise ValueError(f"ccxt {name} has only fetchMarketLeverageTiers: pass symbols=[...]")
        return {s: one(s) for s in symbols}
    raise LevkitError(f"ccxt {name} has neither fetchLeverageTiers nor fetchMarketLeverageTiers")


def _names(ex: Any) -> tuple[str, Any]:
    """levkit's registry name for the ccxt exchange where there is one (else ccxt's id),
    and its venue (or None)."""
    from .venues import venue

    ident = str(getattr(ex, "id", "") or type(ex).__name__)
    for candidate in (ident, ident.removesuffix("usdm"), ident.removesuffix("futures")):
        try:
            v = venue(candidate)
            return v.name, v
        except ValueError:
            continue
    return ident, None


def _native(ex: Any, unified: str, v: Any) -> str:
    """The exchange's own symbol: ccxt's market id, else levkit's spelling, else as is."""
    markets = getattr(ex, "markets", None) or {}
    market = markets.get(unified) if isinstance(markets, Mapping) else None
    if isinstance(market, Mapping) and market.get("id"):
        return str(market["id"])
    if v is not None:
        from .venues import normalize_symbol

        try:
            return normalize_symbol(unified, v)
        except LevkitError:
            pass
    return unified


def _from_info(info: Any, keys: Iterable[str]) -> float:
    if not isinstance(info, Mapping):
        return np.nan
    for key in keys:
        value = info.get(key)
        if value not in (None, ""):
            try:
                return float(value)
            except (TypeError, ValueError):
                continue
    return np.nan


def from_ccxt(exchange: Any, symbols: str | Iterable[str] | None = None) -> pd.DataFrame:
    """Leverage tiers of a ccxt exchange as a levkit tiers frame.

    Parameters
    ----------
    exchange : ccxt exchange object, or str
        Any object with ``fetch_leverage_tiers`` / ``fetch_market_leverage_tiers`` (or the
        camel-case names) as ccxt's exchanges have; a name (``"binanceusdm"``) builds the
        ccxt exchange (needs ccxt: :class:`CcxtMissingError` otherwise).
    symbols : str or list of str, optional
        ccxt unified symbols (``"BTC/USDT:USDT"``); ``None``: all the exchange returns.

    Returns
    -------
    DataFrame
        A tiers frame (``exchange``: levkit's registry name where ccxt's id maps to one,
        else ccxt's id; ``symbol``: the exchange's own spelling), plus ``ccxt_symbol``.
        ccxt supplies ``tier``, ``min_notional``, ``max_notional``,
        ``maintenance_margin_rate`` and ``max_leverage``; it cannot supply
        ``mm_deduction`` or ``initial_margin_rate``, which are read from each row's raw
        ``info`` (:data:`INFO_FIELDS`) where the exchange has them.  ``attrs``:
        ``source`` ``"api"``, ``ccxt_id``, ``ccxt_missing`` (the columns neither ccxt nor
        ``info`` supplied: ``mm_deduction`` is then 0 and ``initial_margin_rate`` NaN),
        ``ccxt_from_info`` (the columns read from ``info``).

    Examples
    --------
    >>> class FakeExchange:          # duck-typed: what ccxt's exchanges look like
    ...     id = "gate"
    ...     has = {"fetchLeverageTiers": True}
    ...     def fetch_leverage_tiers(self, symbols=None):
    ...         return {"BTC/USDT:USDT": [
    ...             {"tier": 1, "minNotional": 0, "maxNotional": 1e6,
    ...              "maintenanceMarginRate": 0.004, "maxLeverage": 100,
    ...              "info": {"deduction": "0"}},
    ...             {"tier": 2, "minNotional": 1e6, "maxNotional": 5e6,
    ...              "maintenanceMarginRate": 0.01, "maxLeverage": 50,
    ...              "info": {"deduction": "6000"}}]}
    >>> t = from_ccxt(FakeExchange())
    >>> t[["exchange", "symbol", "max_notional", "max_leverage", "mm_deduction"]].values.tolist()
    [['gate', 'BTC_USDT', 1000000.0, 100.0, 0.0], ['gate', 'BTC_USDT', 5000000.0, 50.0, 6000.0]]
    >>> t.attrs["ccxt_missing"]
    ['initial_margin_rate']
    """
    from .frames import tiers_frame

    ex = _exchange(exchange)
    wanted = [symbols] if isinstance(symbols, str) else (list(symbols) if symbols else None)
    got = _fetch(ex, wanted)
    name, v = _names(ex)
    rows = []
    for unified, tiers in got.items():
        for t in tiers or []:
            row = {col: t.get(key) for col, key in UNIFIED_FIELDS.items()}
            for col, keys in INFO_FIELDS.items():
                row[col] = _from_info(t.get("info"), keys)
            row.update(exchange=name, symbol=_native(ex, unified, v), ccxt_symbol=unified)
            rows.append(row)
    if not rows:
        raise LevkitError(f"ccxt {getattr(ex, 'id', name)} returned no leverage tiers")
    raw = pd.DataFrame(rows)
    for col in UNIFIED_FIELDS:
        raw[col] = pd.to_numeric(raw[col], errors="coerce")
    missing = [c for c in INFO_FIELDS if raw[c].isna().all()]
    read = [c for c in INFO_FIELDS if c not in missing]
    raw["mm_deduction"] = raw["mm_deduction"].fillna(0.0)
    raw = raw.sort_values(["exchange", "symbol", "max_notional"], kind="stable")
    raw["tier"] = raw.groupby("symbol").cumcount() + 1 if raw["tier"].isna().any() else raw["tier"]
    frame = tiers_frame(raw.reset_index(drop=True), source="api")
    frame.attrs.update(ccxt_id=str(getattr(ex, "id", "")), ccxt_missing=missing,
                       ccxt_from_info=read)  # fmt: skip
    return frame
