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
from ...frames import LadderRules, leverage_frame, numeric, tiers_frame
from .._parse import deduction_recursion, whole_numbers
from .spec import VENUE

__all__ = [
    "FLAT_TABLES_BELOW",
    "RULES",
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

#: The ladder check's declaration (``levkit.frames``): the top tier has no cap (``inf``),
#: a leverage on every tier, a bad coin of the universe dropped.
RULES = LadderRules(
    fields={"max_notional": "next marginTiers.lowerBound", "max_leverage": "maxLeverage"},
    need_leverage=True,
    open_top=True,
    drop_bad=True,
)


def _number(value: Any, field: str) -> float:
    return float(numeric([value], field=field)[0])


def _whole(value: Any, field: str) -> int:
    """A table id: a whole number (``ParseError`` for blank, fractions, huge numbers)."""
    number = whole_numbers(np.array([_number(value, field)]), field=field)[0]
    if number is pd.NA:
        raise ParseError(f"hyperliquid meta: {field} is empty")
    return int(number)


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
        table_id = _whole(entry[0], "marginTables.id")
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
            if math.isnan(floor) or floor < 0:  # the table's shape: the coins' checks judge lev
                raise ParseError(
                    f"hyperliquid meta: margin table {table_id} has a tier with lowerBound {floor:g}"
                )
            rows.append((floor, lev))
        rows.sort()
        if rows[0][0] != 0.0:
            raise ParseError(
                f"hyperliquid meta: margin table {table_id} starts at {rows[0][0]:g}, not 0"
            )
        out[table_id] = rows
    return out


def _tiers_of(
    coin: dict, tables: dict[int, list[tuple[float, float]]]
) -> tuple[list, str, int | None]:
    """(``[(floor, maxLeverage)]``, how it was found, the table id) for one universe entry.

    Leverages are passed on as found (NaN, 0 or negative included): the ladder check
    judges them coin by coin, so one bad coin does not sink the universe."""
    top = _number(coin.get("maxLeverage"), f"universe[{coin['name']}].maxLeverage")
    table_id = coin.get("marginTableId")
    if table_id is None:
        return [(0.0, top)], "maxLeverage", None
    tid = _whole(table_id, f"universe[{coin['name']}].marginTableId")
    if tid in tables:
        return [(f, _lower(lev, top)) for f, lev in tables[tid]], "table", tid
    if tid < FLAT_TABLES_BELOW:
        return [(0.0, _lower(float(tid), top))], "flat", tid
    log.warning(
        "hyperliquid: %s names margin table %d, which meta does not list; using one tier at "
        "its maxLeverage %g",
        coin["name"],
        tid,
        top,
    )
    return [(0.0, top)], "missing", tid


def _lower(lev: float, top: float) -> float:
    """A tier's leverage capped at the coin's top; NaN if either is unknown."""
    return math.nan if math.isnan(top) else min(lev, top)


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
    symbols: list[str] = []
    floors: list[float] = []
    levs: list[float] = []
    caps: list[float] = []
    table_ids: list[Any] = []
    isolated: list[bool] = []
    assets: list[int] = []
    found: dict[str, int] = {}
    for coin in chosen:
        tiers, how, tid = _tiers_of(coin, tables)
        found[how] = found.get(how, 0) + 1
        n = len(tiers)
        symbols += [coin["name"]] * n
        floors += [f for f, _ in tiers]
        levs += [lev for _, lev in tiers]
        caps += [f for f, _ in tiers[1:]] + [math.inf]
        table_ids += [pd.NA if tid is None else tid] * n
        isolated += [bool(coin.get("onlyIsolated", False))] * n
        assets += [coin["_index"]] * n
    n_rows = len(symbols)
    lev = np.asarray(levs, dtype="float64")
    start = np.asarray([True] + [a != b for a, b in zip(symbols[1:], symbols, strict=False)])
    with np.errstate(divide="ignore", invalid="ignore"):  # leverage 0: the check names it
        mmr = 1.0 / (2.0 * lev)
        imr = 1.0 / lev
    frame = {
        "exchange": np.full(n_rows, _EX, dtype=object),
        "symbol": np.asarray(symbols, dtype=object),
        "max_notional": np.asarray(caps, dtype="float64"),
        "max_leverage": lev,
        "maintenance_margin_rate": mmr,
        "initial_margin_rate": imr,
        "mm_deduction": deduction_recursion(start, np.asarray(floors, dtype="float64"), mmr),
        "category": np.full(n_rows, "linear", dtype=object),
        "notional_unit": np.full(n_rows, VENUE.quote, dtype=object),
        "margin_table_id": pd.array(table_ids, dtype="Int64"),
        "only_isolated": np.asarray(isolated, dtype=bool),
        "asset": np.asarray(assets, dtype="int64"),
    }
    attrs.setdefault("tables", found)
    return tiers_frame(frame, source=source, rules=RULES, **attrs)


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
