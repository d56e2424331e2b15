"""Bitget v2 mix answers -> frames.  Pure functions; tests call them with inline payloads.

Where things come from (``GET /api/v2/mix/market/query-position-lever`` [G1]):

- ``max_notional`` <- ``endUnit``; the floor ``startUnit`` is kept as ``start_unit``.  The
  docs call them "Minimum/Maximum value" without a unit; they are read as USDT notional
  (inferred: BTCUSDT tier 1 ends at 50000 at 125x, which is a notional, not BTC).
- ``max_leverage`` <- ``leverage``; ``maintenance_margin_rate`` <- ``keepMarginRate``.
- ``initial_margin_rate``: not in the answer; **derived** as ``1 / leverage`` (the margin a
  position at the tier's top leverage posts), so the margin model has a rate.
- ``mm_deduction``: not in the answer; **derived** by the recursion
  ``D_1 = 0, D_n = D_(n-1) + floor_n * (r_n - r_(n-1))`` (floor = ``startUnit``), which keeps
  ``notional * r - D`` continuous.  Bitget's site mentions a pre-calculated offset; this API
  does not return it and whether its engine uses exactly this value was not found.

The frame's ``attrs["derived"]`` names both derived columns.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ...errors import ParseError
from ...frames import LadderRules, leverage_frame, numeric, tiers_frame
from .._parse import (
    check_texts,
    column,
    columns,
    deduction_recursion,
    finite_values,
    ladder_starts,
    numbers,
    positive_or_unknown,
    rows_of,
    texts,
    whole_numbers,
    without_empty_bands,
)
from .._resolve import units_of

__all__ = [
    "DERIVED",
    "MARGIN_MODES",
    "POSITION_MODES",
    "parse_position_lever",
    "parse_contracts",
    "parse_account",
    "parse_single_position",
    "leverage_in_force",
    "RULES",
]

#: What parse_position_lever derives rather than reads.
DERIVED = (
    "initial_margin_rate = 1 / leverage",
    "mm_deduction = D(n-1) + startUnit(n) * (keepMarginRate(n) - keepMarginRate(n-1))",
)
#: Bitget ``marginMode`` -> levkit word (v1 said "fixed" for isolated).
MARGIN_MODES = {"crossed": "cross", "isolated": "isolated", "fixed": "isolated"}
#: Bitget ``posMode`` -> levkit word.
POSITION_MODES = {"one_way_mode": "one-way", "hedge_mode": "hedge"}

#: The ladder check's declaration (``levkit.frames``): Bitget's names in messages, a
#: leverage on every tier, ``level`` rising with the cap [G1], a bad symbol of an
#: all-symbols answer dropped.
RULES = LadderRules(
    fields={
        "max_notional": "endUnit",
        "max_leverage": "leverage",
        "maintenance_margin_rate": "keepMarginRate",
    },
    need_leverage=True,
    numbered_by="level",
    drop_bad=True,
)


def parse_position_lever(rows: Any, *, source: str = "api", **attrs: Any) -> pd.DataFrame:
    """``data`` of ``GET /api/v2/mix/market/query-position-lever`` -> tiers frame.

    Values may be strings or numbers.  Extra columns: ``category`` (``linear``),
    ``notional_unit`` (the quote coin), ``level`` (Bitget's tier number), ``start_unit``.
    A level whose ``startUnit`` equals its ``endUnit`` (an empty band) is left out and
    listed in ``attrs["empty_bands"]``.

    Examples
    --------
    The docs' own example [G1]:

    >>> rows = [
    ...     {"symbol": "BTCUSDT", "level": "1", "startUnit": "0", "endUnit": "50000",
    ...      "leverage": "125", "keepMarginRate": "0.004"},
    ...     {"symbol": "BTCUSDT", "level": "2", "startUnit": "50000", "endUnit": "200000",
    ...      "leverage": "100", "keepMarginRate": "0.005"}]
    >>> df = parse_position_lever(rows)
    >>> df[["tier", "min_notional", "max_notional", "max_leverage"]].values.tolist()
    [[1.0, 0.0, 50000.0, 125.0], [2.0, 50000.0, 200000.0, 100.0]]
    >>> df["initial_margin_rate"].tolist(), df["mm_deduction"].tolist()
    ([0.008, 0.01], [0.0, 50.0])
    """
    what = "query-position-lever"
    rows = rows_of(rows, what)
    if not rows:
        raise ParseError(f"{what}: the answer holds no tiers")
    optional = {"startUnit": "", "level": "", "keepMarginRate": ""}
    cols = columns(rows, ["symbol", "endUnit", "leverage", *optional], what, optional)
    symbols = np.asarray(check_texts(cols["symbol"], "symbol", what), dtype=object)
    cap = numeric(cols["endUnit"], field=f"{what}.endUnit")
    lev = numeric(cols["leverage"], field=f"{what}.leverage")
    floor = numeric(cols["startUnit"], field=f"{what}.startUnit")
    mmr = numeric(cols["keepMarginRate"], field=f"{what}.keepMarginRate")
    level = whole_numbers(numeric(cols["level"], field=f"{what}.level"), field=f"{what}.level")
    data = {"symbol": symbols, "max_notional": cap, "lev": lev, "floor": floor, "mmr": mmr,
            "level": level}  # fmt: skip
    data, empty = without_empty_bands(data, floor, level)
    if empty:
        attrs.setdefault("empty_bands", empty)
    order, first = ladder_starts(np.asarray(data["symbol"]), np.asarray(data["max_notional"]))
    symbols, cap, lev, floor, mmr, level = (
        np.asarray(data[k])[order]
        for k in ("symbol", "max_notional", "lev", "floor", "mmr", "level")
    )
    # startUnit missing: the previous tier's cap is the floor (Bitget's tiers abut).
    prev = np.concatenate([[0.0], cap[:-1]])
    prev[first] = 0.0
    floor = np.where(np.isnan(floor), prev, floor)
    codes, distinct = pd.factorize(symbols)
    with np.errstate(divide="ignore", invalid="ignore"):
        initial = 1.0 / lev  # a leverage of 0 gives inf: the ladder check names it
    frame = {
        "exchange": "bitget",
        "symbol": symbols,
        "max_notional": cap,
        "max_leverage": lev,
        "maintenance_margin_rate": mmr,
        "initial_margin_rate": initial,
        "mm_deduction": deduction_recursion(first, floor, mmr),
        "category": "linear",
        "notional_unit": units_of(distinct, "bitget")[codes],
        "level": level,
        "start_unit": floor,
    }
    attrs.setdefault("derived", DERIVED)
    return tiers_frame(frame, source=source, rules=RULES, **attrs)


def parse_contracts(rows: Any) -> pd.DataFrame:
    """``data`` of ``GET /api/v2/mix/market/contracts`` -> one row per symbol with
    ``status`` (``symbolStatus``), ``min_leverage``, ``max_leverage`` (NaN where the answer
    has ``""``, as in the demo example [G5], or a figure that is not positive: then with a
    ``LadderWarning``), ``base`` and ``quote``.

    >>> parse_contracts([{"symbol": "BTCUSDT", "baseCoin": "BTC", "quoteCoin": "USDT",
    ...                   "symbolStatus": "normal", "minLever": "1", "maxLever": "125"}]
    ...                 ).iloc[0].to_dict()  # doctest: +NORMALIZE_WHITESPACE
    {'symbol': 'BTCUSDT', 'status': 'normal', 'min_leverage': 1.0, 'max_leverage': 125.0,
     'base': 'BTC', 'quote': 'USDT'}
    """
    what = "contracts"
    rows = rows_of(rows, what)
    symbols = texts(rows, "symbol", what)
    low, high = (
        positive_or_unknown(numbers(rows, key, what, default=""), symbols, f"{what}.{key}")
        for key in ("minLever", "maxLever")
    )
    return pd.DataFrame(
        {
            "symbol": pd.Series(symbols, dtype=str),
            "status": pd.Series(
                [str(v) for v in column(rows, "symbolStatus", what, "")], dtype=str
            ),
            "min_leverage": low,
            "max_leverage": high,
            "base": pd.Series([str(v) for v in column(rows, "baseCoin", what, "")], dtype=str),
            "quote": pd.Series([str(v) for v in column(rows, "quoteCoin", what, "")], dtype=str),
        }
    )


def leverage_in_force(data: Any) -> tuple[str, str, dict[str, float]]:
    """``(margin_mode, position_mode, {"long": L, "short": L})`` from an account answer.

    Cross margin has one leverage per symbol (``crossedMarginLeverage``, both sides); isolated
    margin one per side (``isolatedLongLever``/``isolatedShortLever``).  Values may be strings
    or numbers (a 2025 copy of the docs shows numbers).

    >>> leverage_in_force({"marginMode": "crossed", "posMode": "hedge_mode",
    ...                    "crossedMarginLeverage": 14, "isolatedLongLever": "20",
    ...                    "isolatedShortLever": "20"})
    ('cross', 'hedge', {'long': 14.0, 'short': 14.0})
    """
    if not isinstance(data, dict):
        raise ParseError("account: data is not an object")
    mode = MARGIN_MODES.get(str(data.get("marginMode", "")).lower())
    if mode is None:
        raise ParseError(f"account: unknown marginMode {data.get('marginMode')!r}")
    pos = POSITION_MODES.get(str(data.get("posMode", "")).lower())
    if pos is None:
        raise ParseError(f"account: unknown posMode {data.get('posMode')!r}")
    if mode == "cross":
        value = _one(data, "crossedMarginLeverage")
        return mode, pos, {"long": value, "short": value}
    return (
        mode,
        pos,
        {
            "long": _one(data, "isolatedLongLever"),
            "short": _one(data, "isolatedShortLever"),
        },
    )


def _one(data: dict, key: str) -> float:
    if key not in data:
        raise ParseError(f"account: no {key!r} in the answer")
    value = float(numeric([data[key]], field=f"account.{key}")[0])
    if np.isnan(value):
        raise ParseError(f"account: {key} is empty")
    return value


def parse_account(data: Any, *, symbol: str, source: str = "api", **attrs: Any) -> pd.DataFrame:
    """``data`` of ``GET /api/v2/mix/account/account`` -> leverage frame (caps NaN).

    One-way mode with one leverage: a single ``both`` row; hedge mode (or isolated sides
    that differ): ``long`` and ``short`` rows.  Extra columns ``margin_mode``
    (``cross``/``isolated``) and ``position_mode`` (``one-way``/``hedge``).

    Examples
    --------
    The docs' example [G3] (cross margin, hedge mode):

    >>> data = {"marginCoin": "USDT", "crossedMarginLeverage": "20",
    ...         "isolatedLongLever": "20", "isolatedShortLever": "20",
    ...         "marginMode": "crossed", "posMode": "hedge_mode"}
    >>> parse_account(data, symbol="BTCUSDT")[["side", "leverage", "margin_mode"]].values.tolist()
    [['long', 20.0, 'cross'], ['short', 20.0, 'cross']]
    """
    mode, pos, lev = leverage_in_force(data)
    sides = ["both"] if pos == "one-way" and lev["long"] == lev["short"] else ["long", "short"]
    values = [lev["long"]] if sides == ["both"] else [lev["long"], lev["short"]]
    frame = {
        "exchange": ["bitget"] * len(sides),
        "symbol": [symbol] * len(sides),
        "side": sides,
        "leverage": values,
        "margin_mode": [mode] * len(sides),
        "position_mode": [pos] * len(sides),
    }
    return leverage_frame(frame, source=source, **attrs)


def parse_single_position(rows: Any, *, source: str = "api") -> pd.DataFrame:
    """``data`` of ``GET /api/v2/mix/position/single-position`` -> one row per held side.

    Fields ("Get Single Position", www.bitget.com/api-doc/contract/position/
    Get-Single-Position, 10/s per UID; strings): ``holdSide`` long/short, ``total`` (size
    in coins), ``openPriceAvg``, ``markPrice``, ``leverage``, ``marginMode``, ``posMode``
    (``one_way_mode``/``hedge_mode``).  The answer carries no notional:
    ``position_value`` = ``total x markPrice`` (USDT).  ``side`` is the leverage slot:
    ``both`` in one-way mode, the ``holdSide`` in hedge mode; ``direction`` is the
    ``holdSide``.  Extra columns: ``leverage``, ``margin_mode``, ``position_mode``.

    Examples
    --------
    A row as the docs' example gives it (one-way mode, cross margin):

    >>> row = {"marginCoin": "USDT", "symbol": "BTCUSDT", "holdSide": "long",
    ...        "openDelegateSize": "0", "marginSize": "96.0616", "available": "0.01",
    ...        "locked": "0", "total": "0.01", "leverage": "10", "openPriceAvg": "96061.6",
    ...        "marginMode": "crossed", "posMode": "one_way_mode", "markPrice": "97495.4"}
    >>> parse_single_position([row])[["side", "direction", "size", "position_value"]].values.tolist()
    [['both', 'long', 0.01, 974.954]]
    """
    what = "position/single-position"
    rows = rows_of(rows or [], what)
    if not rows:
        return pd.DataFrame({"exchange": [], "symbol": [], "side": [], "position_value": []})
    hold = [str(v).lower() for v in column(rows, "holdSide", what)]
    if any(h not in ("long", "short") for h in hold):
        raise ParseError(f"{what}: holdSide must be long or short, got {hold}")
    pos = [POSITION_MODES.get(str(v).lower()) for v in column(rows, "posMode", what)]
    if None in pos:
        raise ParseError(f"{what}: unknown posMode in {column(rows, 'posMode', what)}")
    size = numbers(rows, "total", what)
    mark = numbers(rows, "markPrice", what)
    margin = [str(v).lower() for v in column(rows, "marginMode", what, "")]
    symbols = texts(rows, "symbol", what)
    with np.errstate(over="ignore", invalid="ignore"):
        value = finite_values(np.round(size * mark, 8), symbols, f"{what} total x markPrice")
    frame = pd.DataFrame(
        {
            "exchange": "bitget",
            "symbol": symbols,
            "side": ["both" if p == "one-way" else h for p, h in zip(pos, hold, strict=True)],
            "direction": hold,
            "size": size,
            "position_value": value,
            "entry_price": numbers(rows, "openPriceAvg", what, default=""),
            "mark_price": mark,
            "leverage": numbers(rows, "leverage", what, default=""),
            "margin_mode": [MARGIN_MODES.get(m, m) for m in margin],
            "position_mode": pos,
        }
    )
    frame.attrs["source"] = source
    return frame
