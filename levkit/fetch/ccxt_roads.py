"""How one symbol's ccxt leverage tiers become levkit rows: the venue's own road or ccxt's.

Two roads, chosen per symbol by :func:`levkit.fetch.ccxt_bridge.from_ccxt`:

**levkit's parser** (:data:`ROADS`).  ccxt keeps each exchange row in the tier's ``info``.
Where levkit reads that venue natively, those rows go through levkit's own parse function,
so a ladder is the same number for number whichever road it took (deductions, percent
rates, contract sizes included).  OKX's rows are in contracts: its parser converts them
with the instrument (ccxt's ``market["info"]`` is OKX's instruments row) and a mark price.

**ccxt's unified fields** (every other exchange, or a registry venue whose ``info`` levkit
cannot read).  ``minNotional``/``maxNotional`` are taken as quote notional, except for the
exchanges in :data:`CONTRACT_TIERS`, whose ccxt tiers are numbers of contracts: those are
converted with the market's ``contractSize`` and a mark price, and the bounds in contracts
and the price are kept in ``min_size``/``max_size``/``contract_size``/``price``.

Sources (ccxt 4.5, ``python/ccxt/<id>.py``, ``parse_market_leverage_tiers``):
``okx`` ``maxNotional <- maxSz`` (contracts; OKX v5 "Get position tiers": ``maxSz`` is in
contracts for SWAP); ``mexc`` ``maxVol``/``riskIncrVol`` (contracts, "vol" in MEXC's
contract API); ``htx`` ``min_size``/``max_size`` of the ladder (contracts, "ladder volume").
Binance (``notionalCap``), Bybit (``riskLimitValue``), Gate (``risk_limit``), Bitget
(``endUnit``), BingX (``maxPositionVal``) and KuCoin (``maxRiskLimit``) state quote value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import LevkitError
from ..numbers import parse_number

__all__ = [
    "CONTRACT_TIERS", "ROADS", "Road", "UNIFIED_FIELDS", "ccxt_method", "mark_prices",
    "needs_price", "unified_rows",
]  # fmt: skip

#: ccxt ids whose unified tier bounds are numbers of contracts (module text for sources).
CONTRACT_TIERS = frozenset({"okx", "mexc", "htx", "huobi"})

#: levkit column <- ccxt's unified leverage-tier field (``minNotional`` is not kept: levkit
#: derives each floor from the previous cap).
UNIFIED_FIELDS = {
    "tier": "tier",
    "max_notional": "maxNotional",
    "maintenance_margin_rate": "maintenanceMarginRate",
    "max_leverage": "maxLeverage",
}


def ccxt_method(ex: Any, snake: str) -> Any:
    """``ex.<snake>`` (or its camel-case name) when callable and not declared absent in
    ``ex.has``; else None."""
    camel = snake.split("_")[0] + "".join(w.title() for w in snake.split("_")[1:])
    has = getattr(ex, "has", {}) or {}
    fn = getattr(ex, snake, None) or getattr(ex, camel, None)
    return fn if callable(fn) and has.get(camel, True) not in (False, None) else None


#: One symbol on a road: its raw rows (ccxt's ``info``), its ccxt market, its mark price.
Item = tuple[list[dict], Mapping, float]


@dataclass(frozen=True)
class Road:
    """levkit's parser for one registry venue's raw rows.

    ``parse(items)`` -> one tiers frame for every symbol at once (a parser call per symbol
    would cost ~10 ms each); ``inverse``: it reads coin-margined markets too; ``price``: it
    needs a mark price (linear markets).
    """

    parse: Callable[[list[Item]], pd.DataFrame]
    inverse: bool = False
    price: bool = False


def _with_symbol(items: list[Item], key: str = "symbol") -> list[dict]:
    """Every item's rows, each naming its market id under ``key``."""
    return [{**r, key: market["id"]} for rows, market, _ in items for r in rows]


def _binance(items: list[Item]) -> pd.DataFrame:
    from ..venues.binance.parse import parse_brackets

    return parse_brackets([{"symbol": m["id"], "brackets": rows} for rows, m, _ in items])


def _bybit(items: list[Item]) -> pd.DataFrame:
    from ..venues.bybit.parse import parse_risk_limits

    frames = []
    for category in ("linear", "inverse"):
        some = [it for it in items if bool(it[1].get("inverse")) == (category == "inverse")]
        if some:
            frames.append(parse_risk_limits(_with_symbol(some), category=category))
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def _gate(items: list[Item]) -> pd.DataFrame:
    from ..venues.gate.parse import parse_risk_limits

    return parse_risk_limits(_with_symbol(items, "contract"))


def _bitget(items: list[Item]) -> pd.DataFrame:
    from ..venues.bitget.parse import parse_position_lever

    return parse_position_lever(_with_symbol(items))


def _bingx(items: list[Item]) -> pd.DataFrame:
    from ..venues.bingx.parse import parse_margin_ratio

    return parse_margin_ratio(_with_symbol(items))


def _okx(items: list[Item]) -> pd.DataFrame:
    """One parse per symbol: OKX keys tiers by family, which a swap and a dated future
    share; ccxt asks OKX one request per symbol anyway."""
    from ..venues.okx.parse import parse_instruments, parse_position_tiers

    frames = []
    for rows, market, price in items:
        info = dict(market.get("info") or {})
        info.setdefault("instId", market["id"])
        if not info.get("ctVal"):  # a market built without OKX's row: ccxt's contract size
            info.update(ctVal=str(market.get("contractSize") or ""), ctMult="1")
        info.setdefault("ctType", "inverse" if market.get("inverse") else "linear")
        inst = parse_instruments([info])
        frames.append(parse_position_tiers(rows, inst, {market["id"]: price}))
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


#: levkit registry name -> its road.  A venue not here (Hyperliquid: ccxt has no leverage
#: tiers for it) or a row levkit cannot read goes by ccxt's unified fields.
ROADS: dict[str, Road] = {
    "binance": Road(_binance),
    "bybit": Road(_bybit, inverse=True),
    "gate": Road(_gate),
    "bitget": Road(_bitget),
    "bingx": Road(_bingx),
    "okx": Road(_okx, inverse=True, price=True),
}


def _price_of(ticker: Any) -> tuple[float, str] | None:
    """A ccxt ticker's ``markPrice``, else its ``last`` (> 0), with the field's name."""
    for field in ("markPrice", "last"):
        value = parse_number(ticker.get(field)) if isinstance(ticker, Mapping) else None
        if value is not None and value > 0:
            return value, field
    return None


def _given(symbol: str, market: Mapping, prices: Mapping | None) -> float | None:
    for key in (symbol, market.get("id")):
        if prices and key in prices:
            value = parse_number(prices[key])
            if value is None or value <= 0:
                raise ValueError(f"prices[{key!r}] must be a finite price > 0, got {prices[key]!r}")
            return value
    return None


def mark_prices(
    ex: Any, markets: Mapping[str, Mapping], prices: Mapping | None
) -> dict[str, tuple[float, str]]:
    """``{symbol: (price, where)}`` for contract-sized ladders: ``prices`` first (by ccxt
    symbol or market id), then the exchange object's ``fetch_mark_prices``/``fetch_tickers``
    for several symbols at once, then ``fetch_mark_price``/``fetch_ticker`` one by one;
    ``markPrice``, else ``last``.  A symbol with no price: :class:`LevkitError` saying so."""
    out: dict[str, tuple[float, str]] = {}
    for sym, market in markets.items():
        value = _given(sym, market, prices)
        if value is not None:
            out[sym] = (value, "given")
    need = [s for s in markets if s not in out]
    tried: list[str] = []
    for name in ("fetch_mark_prices", "fetch_tickers") if len(need) > 1 else ():
        fetch = ccxt_method(ex, name)
        if fetch is None:
            continue
        try:
            answer = fetch(need)
        except Exception as exc:  # noqa: BLE001 - any ccxt error: said below, not raised raw
            tried.append(f"{name}: {type(exc).__name__}: {exc}")
            continue
        for sym in need:
            got = _price_of(answer.get(sym)) if isinstance(answer, Mapping) else None
            if got is not None:
                out[sym] = got
        need = [s for s in need if s not in out]
        if not need:
            break
    for sym in need:
        out[sym] = _one_price(ex, sym, markets[sym], list(tried))
    return out


def _one_price(ex: Any, symbol: str, market: Mapping, tried: list[str]) -> tuple[float, str]:
    for name in ("fetch_mark_price", "fetch_ticker"):
        fetch = ccxt_method(ex, name)
        if fetch is None:
            continue
        try:
            got = _price_of(fetch(symbol))
        except Exception as exc:  # noqa: BLE001 - any ccxt error: said below, not raised raw
            tried.append(f"{name}: {type(exc).__name__}: {exc}")
            continue
        if got is not None:
            return got
        tried.append(f"{name}: no markPrice or last in the answer")
    raise LevkitError(
        f"from_ccxt: {getattr(ex, 'id', '?')} {symbol}: its tiers are stated in contracts, so a "
        f"mark price is needed to give them in {market.get('quote') or 'quote currency'}, and "
        f"none was had ({'; '.join(tried) or 'the exchange object fetches no ticker'}); pass "
        f"prices={{{symbol!r}: price}}"
    )


def needs_price(ident: str, symbol: str, market: Mapping, road: Road | None) -> bool:
    """Whether ``symbol``'s ladder must be converted at a price: a road that needs one on a
    linear market, or ccxt's fields of a contract-sized exchange (which needs the market's
    ``contractSize`` too, and refuses a coin-margined market: ccxt does not say its unit)."""
    if road is not None:
        return road.price and not market.get("inverse")
    if market.get("inverse") and market.get("id"):
        raise LevkitError(
            f"from_ccxt: {ident} {symbol} is coin-margined, and ccxt's unified tiers do not "
            "say their unit there; levkit reads coin-margined ladders from ccxt only for OKX "
            "and Bybit (through its own parsers)"
        )
    if ident not in CONTRACT_TIERS:
        return False
    size = parse_number(market.get("contractSize"))
    if size is None or size <= 0:
        raise LevkitError(
            f"from_ccxt: {ident} {symbol}: its tiers are in contracts and the market states no "
            "contractSize (load the markets, or pass an exchange object with them)"
        )
    return True


def unified_rows(
    tiers: list[Mapping], market: Mapping, price: tuple[float, str] | None
) -> list[dict]:
    """Rows of ccxt's unified fields for one symbol; with ``price`` (a contract-sized
    ladder) converted to quote notional with the market's ``contractSize``."""
    rows = [{col: t.get(key) for col, key in UNIFIED_FIELDS.items()} for t in tiers]
    if price is None:
        return rows
    size = parse_number(market.get("contractSize"))
    for row, t in zip(rows, tiers, strict=True):
        contracts = parse_number(t.get("maxNotional"))
        row.update(
            max_notional=(
                np.nan if contracts is None or size is None else contracts * size * price[0]
            ),
            min_size=parse_number(t.get("minNotional")), max_size=contracts,
            contract_size=size, price=price[0], price_source=price[1],
        )  # fmt: skip
    return rows
