"""``lk.from_ccxt``: leverage tiers from any ccxt exchange, as a levkit tiers frame.

ccxt is an optional extra (``pip install 'levkit[ccxt]'``) and is imported here only, and
only when an exchange is given by name; ``import levkit`` never imports it.

The same ladder gives the same numbers whatever the road (issue 20): for a venue levkit
reads natively, ccxt's raw rows (each tier's ``info``) go through levkit's own parser, so
``from_ccxt`` and the native client agree number for number; elsewhere ccxt's unified
fields are read, and tiers stated in contracts are converted to quote notional with the
market's ``contractSize`` and a mark price (:mod:`levkit.fetch.ccxt_roads`).  Answers that are
not what ccxt documents, and symbols asked for that come back without tiers, are said,
never dropped.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import LadderWarning, LevkitError, ParseError
from ..frames import FLOAT_TIER_COLUMNS
from ..venues import listed_instrument, normalize_symbol, venue
from .ccxt_roads import ROADS, UNIFIED_FIELDS, ccxt_method, mark_prices, needs_price, unified_rows

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
        try:
            return normalize_symbol(unified, v)
        except LevkitError:
            pass
    return unified


def _unit(native: str, v: Any, market: Mapping) -> str | None:
    """The ``notional_unit`` of a unified-road ladder: its instrument's on a registry venue
    (a dated or coin-quoted id included), else the market's settle coin, else its quote
    (the unified road reads linear markets only)."""
    if v is not None:
        try:
            return listed_instrument(native, v.name).unit
        except LevkitError:
            pass
    unit = market.get("settle") or market.get("quote")
    return str(unit) if unit else None


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


def _readable(road: Any, tiers: list, market: Mapping) -> bool:
    """Whether levkit's road can read this symbol's raw rows: a market ccxt knows, of a
    kind the road reads, and one raw row (``info``) per tier (ccxt's emulated tiers share
    one object, which is not the exchange's tier row)."""
    infos = [t.get("info") for t in tiers]
    return bool(
        road is not None
        and market.get("id")
        and (road.inverse or not market.get("inverse"))
        and all(isinstance(i, dict) for i in infos)
        and len({id(i) for i in infos}) == len(infos)
    )


def _parse_road(name: str, items: dict[str, tuple]) -> tuple[list[pd.DataFrame], dict[str, str]]:
    """levkit's parser of ``name`` over every symbol at once; where that fails, symbol by
    symbol, and those it cannot read go back to ccxt's fields (``{symbol: why}``)."""
    road = ROADS[name]

    def parse(batch: list[str]) -> pd.DataFrame:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LadderWarning)  # checked once, on the whole frame
            frame = road.parse([items[s] for s in batch])
        ids = {items[s][1]["id"]: s for s in batch}
        return frame.assign(ccxt_symbol=frame["symbol"].map(ids))

    try:
        return [parse(list(items))], {}
    except ParseError:
        pass
    frames, failed = [], {}
    for sym in items:
        try:
            frames.append(parse([sym]))
        except ParseError as exc:
            failed[sym] = str(exc)
    return frames, failed


def _unified_frame(ex: Any, name: str, v: Any, plan: dict, priced: dict) -> pd.DataFrame:
    """Every symbol of ``plan`` by ccxt's unified fields (contracts converted), deduction
    and initial rate from ``info`` where it has them (:data:`INFO_FIELDS`)."""
    rows = []
    for sym, (tiers, market) in plan.items():
        native = _native(ex, sym, v)
        unit = _unit(native, v, market)
        for row, t in zip(unified_rows(tiers, market, priced.get(sym)), tiers, strict=True):
            row.update({col: _from_info(t.get("info"), keys) for col, keys in INFO_FIELDS.items()})
            row.update(exchange=name, symbol=native, ccxt_symbol=sym)
            if unit:
                row["notional_unit"] = str(unit)
            rows.append(row)
    raw = pd.DataFrame(rows)
    for col in ("tier", *FLOAT_TIER_COLUMNS[1:]):
        if col in raw:
            raw[col] = pd.to_numeric(raw[col], errors="coerce")
    return raw


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
        road (:mod:`levkit.fetch.ccxt_roads`): for a registry venue, levkit's own parser reads
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
    from ..frames import tiers_frame

    ex = _exchange(exchange)
    wanted = [symbols] if isinstance(symbols, str) else (list(symbols) if symbols else None)
    got, failed = _fetch(ex, wanted)
    name, v = _names(ex)
    ident = str(getattr(ex, "id", name))
    road = ROADS.get(name)
    plan: dict[str, tuple[list, Mapping]] = {}
    on_road: dict[str, bool] = {}
    for sym, tiers in got.items():
        if not tiers:
            failed[sym] = "no tiers in the answer"
            continue
        for t in tiers:
            if not isinstance(t, Mapping):
                raise _odd(ex, f"tiers of {sym!r}", t, "a tier (dict)")
        plan[sym] = (tiers, _market(ex, sym))
        on_road[sym] = _readable(road, tiers, plan[sym][1])
    pricing = {s: m for s, (_, m) in plan.items()
               if needs_price(ident, s, m, road if on_road[s] else None)}  # fmt: skip
    priced = mark_prices(ex, pricing, prices) if pricing else {}
    frames, roads = [], {}
    if any(on_road.values()):
        items = {
            s: ([dict(t["info"]) for t in tiers], m, priced.get(s, (np.nan,))[0])
            for s, (tiers, m) in plan.items() if on_road[s]
        }  # fmt: skip
        parsed, unread = _parse_road(name, items)
        frames += parsed
        roads.update({s: f"levkit's {name} parser" for s in items if s not in unread})
        for sym, why in unread.items():
            on_road[sym] = False
            needs_price(ident, sym, plan[sym][1], None)  # ccxt's fields: contract size known?
            warnings.warn(
                f"from_ccxt: levkit's {name} parser cannot read ccxt's raw rows of {sym} "
                f"({why}); ccxt's unified fields are used for it",
                UserWarning,
                stacklevel=2,
            )
    unified = {s: p for s, p in plan.items() if not on_road[s]}
    if unified:
        frames.append(_unified_frame(ex, name, v, unified, priced))
        roads.update({s: "ccxt's unified fields" for s in unified})
    failed = {s: failed[s] for s in [*(wanted or []), *failed] if s in failed}  # asked order
    if not frames:
        why = "; ".join(f"{s}: {m}" for s, m in failed.items())
        raise LevkitError(f"ccxt {ident} returned no leverage tiers{': ' + why if why else ''}")
    raw = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    missing = [c for c in INFO_FIELDS if unified and frames[-1][c].isna().all()]
    read = [c for c in INFO_FIELDS if unified and c not in missing]
    raw["mm_deduction"] = pd.to_numeric(raw["mm_deduction"], errors="coerce").fillna(0.0)
    frame = tiers_frame(raw, source="api")
    frame.attrs.update(
        ccxt_id=ident, ccxt_missing=missing, ccxt_from_info=read, ccxt_roads=roads,
        ccxt_prices={s: {"price": p, "source": w} for s, (p, w) in priced.items()},
        missing=list(failed.items()),
    )  # fmt: skip
    if failed:
        from ..errors import FetchWarning

        shown = "; ".join(f"{s} ({m})" for s, m in failed.items())
        warnings.warn(f"from_ccxt: no tiers for {shown}", FetchWarning, stacklevel=2)
    return frame
