"""``lk.from_ccxt``: leverage tiers from any ccxt exchange, as a levkit tiers frame.

ccxt is an optional extra (``pip install 'levkit[ccxt]'``) and is imported here only, and
only when an exchange is given by name; ``import levkit`` never imports it.

The same ladder gives the same numbers whatever the road (issue 20): for a venue levkit
reads natively, ccxt's raw rows (each tier's ``info``) go through levkit's own parser, so
``from_ccxt`` and the native client agree number for number; elsewhere ccxt's unified
fields are read, and tiers stated in contracts are converted to quote notional with the
market's ``contractSize`` and a mark price (:mod:`levkit.ccxt_roads`).  Answers that are
not what ccxt documents, and symbols asked for that come back without tiers, are said,
never dropped.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from .ccxt_roads import ROADS, UNIFIED_FIELDS, ccxt_method, mark_price, unified_rows
from .errors import LadderWarning, LevkitError, ParseError
from .frames import FLOAT_TIER_COLUMNS

__all__ = ["CCXT_NAMES", "CcxtMissingError", "from_ccxt", "INFO_FIELDS", "UNIFIED_FIELDS"]

#: ccxt exchange id -> levkit registry name (PUBLIC_API 0.3); other ids stay as they are.
CCXT_NAMES = {
    "okx": "okx",
    "binanceusdm": "binance",
    "binance": "binance",
    "gate": "gate",
    "gateio": "gate",
    "bybit": "bybit",
    "bitget": "bitget",
    "bingx": "bingx",
    "hyperliquid": "hyperliquid",
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


def _odd(ex: Any, what: str, got: Any, want: str) -> LevkitError:
    return LevkitError(
        f"ccxt {getattr(ex, 'id', type(ex).__name__)} {what} answered "
        f"{type(got).__name__} {str(got)[:60]!r}, not {want}"
    )


def _fetch(ex: Any, symbols: list[str] | None) -> tuple[dict[str, list], dict[str, str]]:
    """``{ccxt symbol: tiers}`` and ``{ccxt symbol: why it has none}``.

    With ``symbols``, an exchange that fetches one market natively is asked per symbol
    (one symbol's failure does not stop the others); otherwise ``fetchLeverageTiers``.
    Answers that are not what ccxt documents raise :class:`LevkitError` naming them.
    """
    every = ccxt_method(ex, "fetch_leverage_tiers")
    one = ccxt_method(ex, "fetch_market_leverage_tiers")
    name = getattr(ex, "id", type(ex).__name__)
    has = getattr(ex, "has", {}) or {}
    native_one = one is not None and has.get("fetchMarketLeverageTiers", True) is True
    if symbols is not None and (native_one or every is None) and one is not None:
        got, failed = {}, {}
        for s in symbols:
            try:
                tiers = one(s)
            except Exception as exc:  # noqa: BLE001 - one symbol's failure is named, not fatal
                failed[s] = f"{type(exc).__name__}: {exc}"
                continue
            if not isinstance(tiers, list):
                raise _odd(ex, f"fetchMarketLeverageTiers({s!r})", tiers, "a list of tiers")
            got[s] = tiers
        return got, failed
    if every is None:
        if one is not None:
            raise ValueError(f"ccxt {name} has only fetchMarketLeverageTiers: pass symbols=[...]")
        raise LevkitError(
            f"ccxt {name} has neither fetchLeverageTiers nor fetchMarketLeverageTiers"
        )
    try:
        answer = every(symbols) if symbols is not None else every()
    except Exception as exc:  # noqa: BLE001 - ccxt's own errors, said as levkit's
        raise LevkitError(
            f"ccxt {name} fetchLeverageTiers failed: {type(exc).__name__}: {exc}"
        ) from exc
    if not isinstance(answer, Mapping):
        raise _odd(ex, "fetchLeverageTiers", answer, "a dict of symbol -> tiers")
    got = {k: v for k, v in answer.items() if symbols is None or k in symbols}
    for k, v in got.items():
        if not isinstance(v, list):
            raise _odd(ex, f"fetchLeverageTiers[{k!r}]", v, "a list of tiers")
    failed = {s: "not in the answer" for s in symbols or [] if s not in got}
    return got, failed


def _names(ex: Any) -> tuple[str, Any]:
    """levkit's registry name for the ccxt exchange where there is one (else ccxt's id),
    and its venue (or None)."""
    from .venues import venue

    ident = str(getattr(ex, "id", "") or type(ex).__name__)
    name = CCXT_NAMES.get(ident.lower())
    return (name, venue(name)) if name else (ident, None)


def _market(ex: Any, unified: str) -> Mapping:
    markets = getattr(ex, "markets", None) or {}
    market = markets.get(unified) if isinstance(markets, Mapping) else None
    return market if isinstance(market, Mapping) else {}


def _native(ex: Any, unified: str, v: Any) -> str:
    """The exchange's own symbol: ccxt's market id, else levkit's spelling, else as is."""
    market = _market(ex, unified)
    if market.get("id"):
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


def _unified_frame(ex: Any, sym: str, tiers: list, market: Mapping, prices: Any) -> pd.DataFrame:
    """One symbol by ccxt's unified fields (contracts converted), deduction and initial
    rate from ``info`` where it has them (:data:`INFO_FIELDS`)."""
    rows = unified_rows(ex, sym, tiers, market, prices)
    for row, t in zip(rows, tiers, strict=True):
        for col, keys in INFO_FIELDS.items():
            row[col] = _from_info(t.get("info"), keys)
    raw = pd.DataFrame(rows)
    for col in ("tier", *FLOAT_TIER_COLUMNS[1:]):
        if col in raw:
            raw[col] = pd.to_numeric(raw[col], errors="coerce")
    if market.get("quote"):
        raw["notional_unit"] = str(market["quote"])
    return raw


def _road_frame(
    ex: Any, name: str, sym: str, tiers: list, market: Mapping, prices: Any, used: dict
) -> pd.DataFrame | None:
    """One symbol by levkit's own parser of ``name`` on ccxt's raw rows (``info``); None
    where there is no such road or the rows are not raw rows levkit can read."""
    road = ROADS.get(name)
    infos = [t.get("info") for t in tiers]
    if road is None or not market.get("id") or (market.get("inverse") and not road.inverse):
        return None
    if not all(isinstance(i, dict) for i in infos) or len({id(i) for i in infos}) < len(infos):
        return None  # one object for every tier (emulated tiers): not the exchange's rows
    price = np.nan
    if road.price and not market.get("inverse"):
        price, where = mark_price(ex, sym, market, prices)
        used[sym] = {"price": price, "source": where}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LadderWarning)  # checked once, on the whole frame
            return road.parse([dict(i) for i in infos], market, price)
    except ParseError as exc:
        warnings.warn(
            f"from_ccxt: levkit's {name} parser cannot read ccxt's raw rows of {sym} ({exc}); "
            "ccxt's unified fields are used for it",
            UserWarning,
            stacklevel=4,
        )
        return None


def from_ccxt(
    exchange: Any,
    symbols: str | Iterable[str] | None = None,
    *,
    prices: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Leverage tiers of a ccxt exchange as a levkit tiers frame, in quote notional.

    Parameters
    ----------
    exchange : ccxt exchange object, or str
        Any object with ``fetch_leverage_tiers`` / ``fetch_market_leverage_tiers`` (or the
        camel-case names) as ccxt's exchanges have; a name (``"binanceusdm"``) builds the
        ccxt exchange (needs ccxt: :class:`CcxtMissingError` otherwise).
    symbols : str or list of str, optional
        ccxt unified symbols (``"BTC/USDT:USDT"``); ``None``: all the exchange returns.
    prices : dict, optional
        ``{ccxt symbol: mark price}`` for ladders stated in contracts (OKX, MEXC, HTX);
        where a symbol has none, the exchange object's ``fetch_mark_price`` or
        ``fetch_ticker`` gives it (``markPrice``, else ``last``).  No price: a
        :class:`~levkit.LevkitError` saying which.

    Returns
    -------
    DataFrame
        A tiers frame (``exchange``: levkit's registry name where ccxt's id maps to one
        (:data:`CCXT_NAMES`), else ccxt's id; ``symbol``: the exchange's own spelling),
        plus ``ccxt_symbol``.  ``min_notional``/``max_notional`` are quote notional on every
        road (:mod:`levkit.ccxt_roads`): for a registry venue, levkit's own parser reads
        ccxt's raw rows (``info``), so the frame equals the native one (OKX: contracts x
        contract value x mark, with ``min_size``/``max_size``/``price`` kept); elsewhere
        ccxt's unified fields, contract-sized ones converted.  ``attrs``: ``source``
        ``"api"``, ``ccxt_id``, ``ccxt_roads`` ({symbol: road}), ``ccxt_prices`` ({symbol:
        {price, source}}), ``ccxt_missing`` (columns neither ccxt nor ``info`` supplied on
        the unified road: ``mm_deduction`` is then 0 and ``initial_margin_rate`` NaN),
        ``ccxt_from_info``, ``missing`` ([(symbol, why)] of symbols asked for without tiers).

    Raises
    ------
    LevkitError
        No tiers at all; an answer that is not what ccxt documents (``None``, a string...);
        contract-sized tiers without a price or contract size; a coin-margined market on
        the unified road.

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
    >>> t.attrs["ccxt_missing"], t.attrs["ccxt_roads"]
    (['initial_margin_rate'], {'BTC/USDT:USDT': "ccxt's unified fields"})
    """
    from .frames import tiers_frame

    ex = _exchange(exchange)
    wanted = [symbols] if isinstance(symbols, str) else (list(symbols) if symbols else None)
    got, failed = _fetch(ex, wanted)
    name, v = _names(ex)
    frames, unified, roads, used = [], [], {}, {}
    for sym, tiers in got.items():
        if not tiers:
            failed[sym] = "no tiers in the answer"
            continue
        for t in tiers:
            if not isinstance(t, Mapping):
                raise _odd(ex, f"tiers of {sym!r}", t, "a tier (dict)")
        native = _native(ex, sym, v)
        market = _market(ex, sym)
        frame = _road_frame(ex, name, sym, tiers, market, prices, used) if market else None
        roads[sym] = f"levkit's {name} parser"
        if frame is None:
            frame = _unified_frame(ex, sym, tiers, market, prices)
            unified.append(frame)
            roads[sym] = "ccxt's unified fields"
        frames.append(frame.assign(exchange=name, symbol=native, ccxt_symbol=sym))
    ident = getattr(ex, "id", name)
    failed = {s: failed[s] for s in [*(wanted or []), *failed] if s in failed}  # asked order
    if not frames:
        why = "; ".join(f"{s}: {m}" for s, m in failed.items())
        raise LevkitError(f"ccxt {ident} returned no leverage tiers{': ' + why if why else ''}")
    raw = pd.concat(frames, ignore_index=True)
    missing = [c for c in INFO_FIELDS if unified and pd.concat(unified)[c].isna().all()]
    read = [c for c in INFO_FIELDS if unified and c not in missing]
    raw["mm_deduction"] = pd.to_numeric(raw["mm_deduction"], errors="coerce").fillna(0.0)
    raw = raw.sort_values(["exchange", "symbol", "max_notional"], kind="stable")
    frame = tiers_frame(raw.reset_index(drop=True), source="api")
    frame.attrs.update(ccxt_id=str(ident), ccxt_missing=missing, ccxt_from_info=read,
                       ccxt_roads=roads, ccxt_prices=used,
                       missing=list(failed.items()))  # fmt: skip
    if failed:
        from .fetch_many import FetchWarning

        shown = "; ".join(f"{s} ({m})" for s, m in failed.items())
        warnings.warn(f"from_ccxt: no tiers for {shown}", FetchWarning, stacklevel=2)
    return frame
