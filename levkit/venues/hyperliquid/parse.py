"""Hyperliquid answers -> frames.  Pure functions; tests call them with inline payloads.

Where things come from ([H1], [H2] in ``spec.py``):

- ``meta.universe[i]``: ``name`` (the coin, the frame's ``symbol``), ``maxLeverage`` (the
  coin's top), ``marginTableId``, ``onlyIsolated``, ``isDelisted``, ``szDecimals``.
- ``meta.marginTables``: ``[[id, {description, marginTiers: [{lowerBound, maxLeverage}]}]]``.
  ``lowerBound`` is the tier's FLOOR in USDC; tier n's ``max_notional`` is tier n+1's floor
  and the last tier has no cap (``max_notional = inf``).
- A ``marginTableId`` under 50 that is not listed is one tier at leverage = id [H2].  A coin
  with no ``marginTableId`` (the docs' own example) is one tier at its ``maxLeverage``.
- ``maintenance_margin_rate = 1 / (2 maxLeverage)``, ``initial_margin_rate = 1 / maxLeverage``,
  ``mm_deduction``: ``D_1 = 0``, ``D_n = D_(n-1) + floor_n (mmr_n - mmr_(n-1))`` [H2].
- A tier whose ``maxLeverage`` is above the coin's ``maxLeverage`` is capped at the coin's
  (the exchange does not let a position exceed the coin's maximum; the docs are silent on
  tables shared by coins with a lower maximum, so this is the safe reading).
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np
import pandas as pd

from ...errors import InvalidSymbolError, ParseError
from ...frames import leverage_frame, numeric, tiers_frame
from .spec import VENUE

__all__ = [
    "FLAT_TABLES_BELOW",
    "margin_tables",
    "parse_active_asset_data",
    "parse_clearinghouse_state",
    "parse_meta",
    "universe",
]

log = logging.getLogger("levkit")

#: "For IDs less than 50, there is a single tier with max leverage equal to the ID." [H2]
FLAT_TABLES_BELOW = 50

_EX = VENUE.name


def _number(value: Any, field: str) -> float:
    return float(numeric([value], field=field)[0])


def _meta_dict(meta: Any) -> dict:
    if not isinstance(meta, dict):
        raise ParseError(f"hyperliquid meta: expected an object, got {type(meta).__name__}")
    return meta


def universe(meta: Any) -> list[dict]:
    """``meta.universe`` with each entry's index in it (the asset id of actions) as
    ``_index``."""
    items = _meta_dict(meta).get("universe")
    if not isinstance(items, list):
        raise ParseError("hyperliquid meta: no 'universe' list")
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
            raise ParseError(f"hyperliquid meta: universe[{i}] has no coin name")
        out.append({**item, "_index": i})
    return out


def margin_tables(meta: Any) -> dict[int, list[tuple[float, float]]]:
    """``{table id: [(lowerBound, maxLeverage), ...]}`` sorted by floor."""
    raw = _meta_dict(meta).get("marginTables") or []
    if not isinstance(raw, list):
        raise ParseError("hyperliquid meta: 'marginTables' is not a list")
    out: dict[int, list[tuple[float, float]]] = {}
    for entry in raw:
        if not (isinstance(entry, list | tuple) and len(entry) == 2 and isinstance(entry[1], dict)):
            raise ParseError(f"hyperliquid meta: a margin table is not [id, {{...}}]: {entry!r}")
        table_id = int(_number(entry[0], "marginTables.id"))
        tiers = entry[1].get("marginTiers")
        if not isinstance(tiers, list) or not tiers:
            raise ParseError(f"hyperliquid meta: margin table {table_id} has no marginTiers")
        rows = []
        for t in tiers:
            if not isinstance(t, dict):
                raise ParseError(
                    f"hyperliquid meta: margin table {table_id}: a tier is not an object"
                )
            floor = _number(t.get("lowerBound"), "marginTiers.lowerBound")
            lev = _number(t.get("maxLeverage"), "marginTiers.maxLeverage")
            if math.isnan(floor) or math.isnan(lev) or lev <= 0 or floor < 0:
                raise ParseError(f"hyperliquid meta: margin table {table_id} has a bad tier {t!r}")
            rows.append((floor, lev))
        rows.sort()
        if rows[0][0] != 0.0:
            raise ParseError(
                f"hyperliquid meta: margin table {table_id} starts at {rows[0][0]:g}, not 0"
            )
        out[table_id] = rows
    return out


def _tiers_of(coin: dict, tables: dict[int, list[tuple[float, float]]]) -> tuple[list, str]:
    """(``[(floor, maxLeverage)]``, how it was found) for one universe entry."""
    top = _number(coin.get("maxLeverage"), f"universe[{coin['name']}].maxLeverage")
    if math.isnan(top) or top < 1:
        raise ParseError(f"hyperliquid meta: {coin['name']} has no maxLeverage")
    table_id = coin.get("marginTableId")
    if table_id is None:
        return [(0.0, top)], "maxLeverage"
    tid = int(_number(table_id, f"universe[{coin['name']}].marginTableId"))
    if tid in tables:
        return [(f, min(lev, top)) for f, lev in tables[tid]], "table"
    if tid < FLAT_TABLES_BELOW:
        return [(0.0, min(float(tid), top))], "flat"
    log.warning(
        "hyperliquid: %s names margin table %d, which meta does not list; using one tier at "
        "its maxLeverage %g",
        coin["name"],
        tid,
        top,
    )
    return [(0.0, top)], "missing"


def parse_meta(
    meta: Any, symbol: str | None = None, *, source: str = "api", **attrs: Any
) -> pd.DataFrame:
    """``POST /info {"type": "meta"}`` -> tiers frame (the leverage ladder of every perp).

    Delisted coins are left out unless ``symbol`` names one.  ``symbol`` not listed raises
    :class:`~levkit.errors.InvalidSymbolError`.  Extra columns: ``category`` (linear),
    ``notional_unit`` (USDC), ``margin_table_id``, ``only_isolated``, ``asset`` (the
    coin's index in the universe: the asset id of actions).

    Examples
    --------
    The docs' example [H1] (no ``marginTableId`` on its coins: one tier each):

    >>> meta = {"universe": [{"name": "BTC", "szDecimals": 5, "maxLeverage": 50},
    ...                      {"name": "HPOS", "szDecimals": 0, "maxLeverage": 3,
    ...                       "onlyIsolated": True},
    ...                      {"name": "LOOM", "szDecimals": 1, "maxLeverage": 3,
    ...                       "onlyIsolated": True, "isDelisted": True}],
    ...         "marginTables": [[50, {"description": "", "marginTiers":
    ...                                [{"lowerBound": "0.0", "maxLeverage": 50}]}]]}
    >>> parse_meta(meta)[["symbol", "max_notional", "max_leverage"]].values.tolist()
    [['BTC', inf, 50.0], ['HPOS', inf, 3.0]]

    The BTC table of the margin-tiers page [H2] (40x to 150M USDC, then 20x):

    >>> meta = {"universe": [{"name": "BTC", "maxLeverage": 40, "marginTableId": 56}],
    ...         "marginTables": [[56, {"description": "tiered 40x", "marginTiers": [
    ...             {"lowerBound": "0.0", "maxLeverage": 40},
    ...             {"lowerBound": "150000000.0", "maxLeverage": 20}]}]]}
    >>> df = parse_meta(meta)
    >>> df[["min_notional", "max_notional", "max_leverage", "mm_deduction"]].values.tolist()
    [[0.0, 150000000.0, 40.0, 0.0], [150000000.0, inf, 20.0, 1875000.0]]
    """
    coins = universe(meta)
    tables = margin_tables(meta)
    if symbol is not None:
        chosen = [c for c in coins if c["name"] == symbol]
        if not chosen:
            raise InvalidSymbolError(
                f"Hyperliquid lists no perp {symbol!r} (coins are named like 'BTC', 'kPEPE')"
            )
    else:
        chosen = [c for c in coins if not c.get("isDelisted")]
        if not chosen:
            raise ParseError("hyperliquid meta: no listed perps in the universe")
    cols: dict[str, list] = {
        k: []
        for k in (
            "symbol",
            "max_notional",
            "max_leverage",
            "maintenance_margin_rate",
            "initial_margin_rate",
            "mm_deduction",
            "margin_table_id",
            "only_isolated",
            "asset",
        )
    }
    found: dict[str, int] = {}
    for coin in chosen:
        tiers, how = _tiers_of(coin, tables)
        found[how] = found.get(how, 0) + 1
        deduction, prev_mmr = 0.0, None
        for n, (floor, lev) in enumerate(tiers):
            mmr = 1.0 / (2.0 * lev)
            if prev_mmr is not None:
                deduction += floor * (mmr - prev_mmr)
            prev_mmr = mmr
            cap = tiers[n + 1][0] if n + 1 < len(tiers) else math.inf
            cols["symbol"].append(coin["name"])
            cols["max_notional"].append(cap)
            cols["max_leverage"].append(lev)
            cols["maintenance_margin_rate"].append(mmr)
            cols["initial_margin_rate"].append(1.0 / lev)
            cols["mm_deduction"].append(deduction)
            table_id = coin.get("marginTableId")
            cols["margin_table_id"].append(pd.NA if table_id is None else int(table_id))
            cols["only_isolated"].append(bool(coin.get("onlyIsolated", False)))
            cols["asset"].append(coin["_index"])
    n_rows = len(cols["symbol"])
    frame = {
        "exchange": np.full(n_rows, _EX, dtype=object),
        "symbol": np.asarray(cols["symbol"], dtype=object),
        **{
            k: np.asarray(cols[k], dtype="float64")
            for k in (
                "max_notional",
                "max_leverage",
                "maintenance_margin_rate",
                "initial_margin_rate",
                "mm_deduction",
            )
        },
        "category": np.full(n_rows, "linear", dtype=object),
        "notional_unit": np.full(n_rows, VENUE.quote, dtype=object),
        "margin_table_id": pd.array(cols["margin_table_id"], dtype="Int64"),
        "only_isolated": np.asarray(cols["only_isolated"], dtype=bool),
        "asset": np.asarray(cols["asset"], dtype="int64"),
    }
    attrs.setdefault("tables", found)
    return tiers_frame(frame, source=source, **attrs)


def _leverage_of(value: Any, what: str) -> tuple[float, str]:
    if not isinstance(value, dict):
        raise ParseError(f"hyperliquid {what}: 'leverage' is not an object")
    mode = value.get("type")
    if mode not in ("cross", "isolated"):
        raise ParseError(f"hyperliquid {what}: leverage type {mode!r} is not cross or isolated")
    lev = _number(value.get("value"), f"{what}.leverage.value")
    if math.isnan(lev):
        raise ParseError(f"hyperliquid {what}: no leverage value")
    return lev, mode


def _pair(value: Any, what: str) -> tuple[float, float]:
    if isinstance(value, list) and len(value) == 2:
        a, b = numeric(value, field=what)
        return float(a), float(b)
    return math.nan, math.nan


def parse_active_asset_data(
    data: Any, *, symbol: str | None = None, source: str = "api", **attrs: Any
) -> pd.DataFrame:
    """``POST /info {"type": "activeAssetData", "user", "coin"}`` -> leverage frame (one row,
    side ``both``: Hyperliquid keeps one leverage per coin).  Caps are not filled here.

    Extra columns: ``margin_mode`` (cross/isolated), ``max_trade_size_buy`` and
    ``max_trade_size_sell`` (``maxTradeSzs``, in coins), ``mark_price``.

    Examples
    --------
    The docs' example [H1]:

    >>> data = {"user": "0xb65822a30bbaaa68942d6f4c43d78704faeabbbb", "coin": "APT",
    ...         "leverage": {"type": "cross", "value": 3},
    ...         "maxTradeSzs": ["24836370.4400000013", "24836370.4400000013"],
    ...         "availableToTrade": ["37019438.0284740031", "37019438.0284740031"],
    ...         "markPx": "4.4716"}
    >>> parse_active_asset_data(data)[["symbol", "side", "leverage", "margin_mode"]].values.tolist()
    [['APT', 'both', 3.0, 'cross']]
    """
    if not isinstance(data, dict):
        raise ParseError("hyperliquid activeAssetData: the answer is not an object (unknown coin?)")
    coin = data.get("coin") or symbol
    if not isinstance(coin, str) or not coin:
        raise ParseError("hyperliquid activeAssetData: no coin in the answer")
    lev, mode = _leverage_of(data.get("leverage"), "activeAssetData")
    buy, sell = _pair(data.get("maxTradeSzs"), "activeAssetData.maxTradeSzs")
    mark = _number(data.get("markPx", ""), "activeAssetData.markPx")
    frame = {
        "exchange": [_EX],
        "symbol": [coin],
        "side": ["both"],
        "leverage": np.array([lev]),
        "max_leverage": np.array([np.nan]),
        "max_position_value": np.array([np.nan]),
        "margin_mode": [mode],
        "max_trade_size_buy": np.array([buy]),
        "max_trade_size_sell": np.array([sell]),
        "mark_price": np.array([mark]),
    }
    return leverage_frame(frame, source=source, **attrs)


def parse_clearinghouse_state(state: Any, *, source: str = "api", **attrs: Any) -> pd.DataFrame:
    """``POST /info {"type": "clearinghouseState", "user"}`` -> leverage frame, one row per
    open position (side ``both``), or an empty list's error.

    ``positionValue`` (USDC) and ``szi`` (signed size) become ``position_value`` and
    ``size``; ``maxLeverage`` (absent in 2023 answers) fills ``max_leverage`` where given.

    Examples
    --------
    >>> state = {"assetPositions": [{"type": "oneWay", "position": {
    ...     "coin": "BTC", "entryPx": "26951.0", "leverage": {"type": "cross", "value": 20},
    ...     "positionValue": "211.64542", "szi": "-0.00785"}}]}
    >>> parse_clearinghouse_state(state)[["symbol", "leverage", "size"]].values.tolist()
    [['BTC', 20.0, -0.00785]]
    """
    if not isinstance(state, dict) or not isinstance(state.get("assetPositions"), list):
        raise ParseError("hyperliquid clearinghouseState: no 'assetPositions' list")
    rows = []
    for item in state["assetPositions"]:
        pos = item.get("position") if isinstance(item, dict) else None
        if not isinstance(pos, dict) or not isinstance(pos.get("coin"), str):
            raise ParseError("hyperliquid clearinghouseState: a position has no coin")
        lev, mode = _leverage_of(pos.get("leverage"), "clearinghouseState")
        rows.append(
            {
                "exchange": _EX,
                "symbol": pos["coin"],
                "side": "both",
                "leverage": lev,
                "max_leverage": _number(pos.get("maxLeverage", ""), "position.maxLeverage"),
                "max_position_value": math.nan,
                "margin_mode": mode,
                "size": _number(pos.get("szi", ""), "position.szi"),
                "position_value": _number(pos.get("positionValue", ""), "position.positionValue"),
                "entry_price": _number(pos.get("entryPx", ""), "position.entryPx"),
            }
        )
    if not rows:
        raise ParseError("hyperliquid clearinghouseState: no open positions")
    return leverage_frame(pd.DataFrame(rows), source=source, **attrs)
