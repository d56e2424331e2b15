"""BingX perpetual swap (USDT-M) answers -> frames.  Pure functions; tests call them with
inline payloads.

Where things come from:

- leverage frame (GET and POST ``/openApi/swap/v2/trade/leverage``), per side long/short:
  ``leverage`` <- ``longLeverage``/``shortLeverage`` (POST: ``leverage``),
  ``max_leverage`` <- the larger of ``maxLongLeverage``/``maxShortLeverage`` (the symbol's
  top; each side's own figure, lower while a large position is open, is
  ``side_max_leverage``),
  ``max_position_value`` <- ``maxPositionLongVal``/``maxPositionShortVal``,
  ``available_value`` <- ``availableLongVal``/``availableShortVal``,
  ``available_volume`` <- ``availableLongVol``/``availableShortVol``.
  Absent fields (the doc example shows only the first four) become NaN.
- tiers frame (GET ``/openApi/swap/v1/maintMarginRatio``): ``max_notional`` <- ``maxPositionVal``,
  ``maintenance_margin_rate`` <- ``maintMarginRatio``, ``mm_deduction`` <- ``maintAmount``,
  ``tier_label`` <- ``tier``; ``max_leverage`` and ``initial_margin_rate`` are NaN: BingX does
  not publish them there.

Numbers may arrive as JSON strings or JSON numbers; both are read.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ...errors import LadderWarning, ParseError
from ...frames import LadderRules, leverage_frame, numeric, stamp, tiers_frame
from .._parse import column, finite_values, numbers, rows_of
from .._resolve import units_of

__all__ = [
    "MARGIN_NOTE",
    "POSITION_SIDES",
    "SIDE_FIELDS",
    "side_numbers",
    "parse_leverage",
    "parse_set_leverage",
    "apply_set_answers",
    "wire_sides",
    "parse_position_mode",
    "parse_margin_ratio",
    "parse_positions",
    "parse_open_orders",
    "RULES",
]

#: BingX ``positionSide`` / ``side`` word -> levkit side
POSITION_SIDES = {"LONG": "long", "SHORT": "short", "BOTH": "both"}

#: leverage-frame column -> BingX field per side (``{s}``: long/short, ``{S}``: Long/Short)
SIDE_FIELDS = {
    "leverage": "{s}Leverage",
    "max_leverage": "max{S}Leverage",
    "max_position_value": "maxPosition{S}Val",
    "available_value": "available{S}Val",
    "available_volume": "available{S}Vol",
}

#: The ladder check's declaration (``levkit.frames``): margin bands carry no leverage;
#: BingX's names in messages; a bad symbol of a many-symbol answer dropped.
RULES = LadderRules(
    fields={
        "max_notional": "maxPositionVal",
        "maintenance_margin_rate": "maintMarginRatio",
        "mm_deduction": "maintAmount",
    },
    drop_bad=True,
)

MARGIN_NOTE = (
    "BingX's maintMarginRatio gives notional bands and maintenance rates but no max "
    "leverage, so max_leverage and initial_margin_rate are NaN. For the leverage ladder use "
    "lk.load_snapshot('bingx', symbol) or BingX(...).discover_tiers(symbol)."
)


def _object(value: Any, what: str) -> dict:
    if not isinstance(value, dict):
        raise ParseError(f"{what}: expected an object, got {type(value).__name__}")
    return value


def _number(value: Any, field: str) -> float:
    return float(numeric([value], field=field)[0])


def side_numbers(data: Mapping[str, Any], *, what: str = "trade/leverage") -> dict[str, dict]:
    """The per-side figures of a ``trade/leverage`` answer: ``{"long": {...}, "short": {...}}``
    with the keys of :data:`SIDE_FIELDS` (NaN where the answer leaves a field out).

    Examples
    --------
    >>> side_numbers({"longLeverage": "5", "maxShortLeverage": 150})["short"]["max_leverage"]
    150.0
    """
    out: dict[str, dict] = {}
    for side in ("long", "short"):
        word = side.capitalize()
        out[side] = {
            col: _number(
                data.get(tpl.format(s=side, S=word)), f"{what}.{tpl.format(s=side, S=word)}"
            )
            for col, tpl in SIDE_FIELDS.items()
        }
    return out


def _frame(symbol: str, nums: dict[str, dict], source: str, **attrs: Any) -> pd.DataFrame:
    frame: dict[str, Any] = {
        "exchange": ["bingx", "bingx"],
        "symbol": [symbol, symbol],
        "side": ["long", "short"],
    }
    for col in SIDE_FIELDS:
        frame[col] = np.array([nums["long"][col], nums["short"][col]], dtype="float64")
    # BingX's maxLong/ShortLeverage is what the side allows now: lower while a large position
    # is open.  The frame's max_leverage is the symbol's top (PUBLIC_API), the larger of the
    # two (a flat side shows the top); the per-side figure stays as side_max_leverage.
    side_max = frame["max_leverage"]
    frame["side_max_leverage"] = side_max.copy()
    top = np.nanmax(side_max) if not np.isnan(side_max).all() else np.nan
    frame["max_leverage"] = np.full(2, top)
    return leverage_frame(frame, source=source, **attrs)


def parse_leverage(data: Any, *, symbol: str, source: str = "api", **attrs: Any) -> pd.DataFrame:
    """``data`` of ``GET /openApi/swap/v2/trade/leverage`` -> leverage frame, rows long and short.

    Extra columns ``available_value`` (USDT) and ``available_volume`` (base coin).

    Examples
    --------
    >>> df = parse_leverage({"longLeverage": 50, "shortLeverage": "20",
    ...                      "maxLongLeverage": 75, "maxShortLeverage": 75}, symbol="BCH-USDT")
    >>> df[["side", "leverage", "max_leverage"]].values.tolist()
    [['long', 50.0, 75.0], ['short', 20.0, 75.0]]
    """
    what = "trade/leverage"
    data = _object(data, what)
    nums = side_numbers(data, what=what)
    if np.isnan(nums["long"]["leverage"]) and np.isnan(nums["short"]["leverage"]):
        raise ParseError(f"{what}: the answer has neither longLeverage nor shortLeverage")
    return _frame(str(data.get("symbol") or symbol), nums, source, **attrs)


def parse_set_leverage(data: Any, *, wire_side: str) -> dict[str, dict]:
    """``data`` of ``POST /openApi/swap/v2/trade/leverage`` -> per-side figures like
    :func:`side_numbers`; the answer's ``leverage`` goes to the side(s) just set
    (``wire_side`` ``LONG``, ``SHORT`` or ``BOTH``), NaN elsewhere unless the answer says.

    Examples
    --------
    >>> nums = parse_set_leverage({"leverage": 8, "symbol": "ETH-USDT",
    ...                            "maxPositionShortVal": "12000000"}, wire_side="SHORT")
    >>> nums["short"]["leverage"], nums["short"]["max_position_value"], nums["long"]["leverage"]
    (8.0, 12000000.0, nan)

    A figure that cannot be (a leverage of 0, a negative cap) is read as unknown, warned.
    """
    what = "trade/leverage (set)"
    data = _object(data, what)
    if wire_side not in POSITION_SIDES:
        raise ValueError(f"wire_side must be LONG, SHORT or BOTH, not {wire_side!r}")
    nums = side_numbers(data, what=what)
    lev = _number(data.get("leverage"), f"{what}.leverage")
    targets = ("long", "short") if wire_side == "BOTH" else (POSITION_SIDES[wire_side],)
    for side in targets:
        if not np.isnan(lev):
            nums[side]["leverage"] = lev
    return _usable(nums, what)


def _usable(nums: dict[str, dict], what: str) -> dict[str, dict]:
    """The leverage was set whatever the answer's figures say: a figure that cannot be
    (a leverage not above 0, a negative cap) is read as unknown (NaN), with a warning."""
    odd = []
    for side, figures in nums.items():
        for col, value in figures.items():
            floor_ok = value > 0 if col in ("leverage", "max_leverage") else value >= 0
            if not np.isnan(value) and not floor_ok:
                odd.append(f"{side} {col} {value:g}")
                figures[col] = np.nan
    if odd:
        warnings.warn(
            f"{what}: figures that cannot be read as unknown: {', '.join(odd)}",
            LadderWarning,
            stacklevel=3,
        )
    return nums


def wire_sides(wire_side: str) -> tuple[str, ...]:
    """The levkit sides a BingX ``side`` word sets: ``BOTH`` -> long and short.

    Examples
    --------
    >>> wire_sides("BOTH"), wire_sides("SHORT")
    (('long', 'short'), ('short',))
    """
    side = POSITION_SIDES[wire_side]
    return ("long", "short") if side == "both" else (side,)


def apply_set_answers(
    before: pd.DataFrame, answers: Sequence[tuple[str, Any]], leverage: float
) -> pd.DataFrame:
    """The leverage frame after set-leverage calls, from the frame read before them and the
    POST answers in the order sent (``(wire_side, data)`` pairs).

    Sides set get ``leverage`` (or the answer's value), ``previous_leverage`` and
    ``changed`` (set and different from before); caps and available figures come from the
    answers, an answer counting for a side only if it came at or after that side was set.
    What no answer says stays NaN for sides set (the old figures belong to the old leverage).
    """
    after = before.copy()
    after["previous_leverage"] = after["leverage"]
    targets = {s for w, _ in answers for s in wire_sides(w)}
    hit = after["side"].isin(targets).to_numpy()
    after.loc[hit, "leverage"] = float(leverage)
    refreshed = ["max_position_value", "available_value", "available_volume"]
    after.loc[hit, refreshed] = np.nan
    set_at = {s: i for i, (w, _) in enumerate(answers) for s in wire_sides(w)}
    for i, (wire_side, data) in enumerate(answers):
        nums = parse_set_leverage(data, wire_side=wire_side)
        for row, side in zip(after.index, after["side"], strict=True):
            if i < set_at.get(side, -1):
                continue  # this answer came before that side was set
            for col in ["leverage", "max_leverage", *refreshed]:
                value = nums[side][col]
                if not np.isnan(value) and (col != "leverage" or side in wire_sides(wire_side)):
                    # the answer's per-side maximum is what that side allows now
                    target = "side_max_leverage" if col == "max_leverage" else col
                    after.loc[row, target if target in after.columns else col] = value
    if "side_max_leverage" in after.columns and after["side_max_leverage"].notna().any():
        after["max_leverage"] = float(np.nanmax(after["side_max_leverage"].to_numpy(float)))
    prev = after["previous_leverage"].to_numpy(dtype=float)
    after["changed"] = hit & ~np.isclose(prev, after["leverage"].to_numpy(dtype=float))
    return after


def parse_position_mode(data: Any) -> str:
    """``data`` of ``GET /openApi/swap/v1/positionSide/dual`` -> ``"hedge"`` or ``"one-way"``.

    ``dualSidePosition`` is ``"true"``/``"false"`` in the docs; a JSON bool is read too.

    Examples
    --------
    >>> parse_position_mode({"dualSidePosition": "false"}), parse_position_mode({"dualSidePosition": True})
    ('one-way', 'hedge')
    """
    value = _object(data, "positionSide/dual").get("dualSidePosition")
    if isinstance(value, bool):
        return "hedge" if value else "one-way"
    text = str(value).strip().lower()
    if text in ("true", "1"):
        return "hedge"
    if text in ("false", "0"):
        return "one-way"
    raise ParseError(f"positionSide/dual: dualSidePosition must be true or false, not {value!r}")


def parse_margin_ratio(
    rows: Any, *, symbol: str | None = None, source: str = "api", **attrs: Any
) -> pd.DataFrame:
    """``data`` of ``GET /openApi/swap/v1/maintMarginRatio`` -> tiers frame (no leverage).

    Extra column ``tier_label`` (BingX's ``"Tier 1"``...).  ``attrs["note"]`` says where the
    leverage ladder is to be had instead.  With ``symbol``, rows of other symbols are left
    out (an answer without any of its rows raises); rows naming none are taken as its.

    Examples
    --------
    >>> rows = [{"tier": "Tier 2", "symbol": "BTC-USDT", "minPositionVal": "150000",
    ...          "maxPositionVal": "900000", "maintMarginRatio": "0.004000", "maintAmount": "30"},
    ...         {"tier": "Tier 1", "symbol": "BTC-USDT", "minPositionVal": "0",
    ...          "maxPositionVal": 150000, "maintMarginRatio": 0.0038, "maintAmount": "0"}]
    >>> parse_margin_ratio(rows)[["tier", "max_notional", "mm_deduction"]].values.tolist()
    [[1.0, 150000.0, 0.0], [2.0, 900000.0, 30.0]]
    """
    what = "maintMarginRatio"
    rows = rows_of(rows, what)
    if not rows:
        raise ParseError(f"{what}: the answer holds no bands")
    symbols = [str(s) if s else "" for s in column(rows, "symbol", what, default=symbol)]
    if not all(symbols):
        raise ParseError(f"{what}: a band has no symbol")
    if symbol is not None and any(s != symbol for s in symbols):
        keep = [i for i, s in enumerate(symbols) if s == symbol]
        if not keep:
            listed = ", ".join(sorted(set(symbols))[:5])
            raise ParseError(f"{what}: asked for {symbol}, the answer lists only {listed}")
        rows, symbols = [rows[i] for i in keep], [symbols[i] for i in keep]
    n = len(rows)
    frame = {
        "exchange": ["bingx"] * n,
        "symbol": symbols,
        "max_notional": numbers(rows, "maxPositionVal", what),
        "max_leverage": np.full(n, np.nan),
        "maintenance_margin_rate": numbers(rows, "maintMarginRatio", what, default=""),
        "initial_margin_rate": np.full(n, np.nan),
        "mm_deduction": numbers(rows, "maintAmount", what, empty=0.0, default=""),
        "tier_label": [str(v) for v in column(rows, "tier", what, default="")],
        "notional_unit": units_of(symbols, "bingx"),  # the settle coin (USDT)
    }
    attrs.setdefault("note", MARGIN_NOTE)
    return tiers_frame(frame, source=source, rules=RULES, **attrs)


_POSITION_COLUMNS = {
    "position_id": ("positionId", "text"),
    "size": ("positionAmt", "number"),
    "available_size": ("availableAmt", "number"),
    "avg_price": ("avgPrice", "number"),
    "mark_price": ("markPrice", "number"),
    "position_value": ("positionValue", "number"),
    "leverage": ("leverage", "number"),
    "initial_margin": ("initialMargin", "number"),
    "unrealized_profit": ("unrealizedProfit", "number"),
}


def parse_positions(rows: Any, *, source: str = "api") -> pd.DataFrame:
    """``data`` of ``GET /openApi/swap/v2/user/positions`` -> one row per open position.

    Columns ``exchange``, ``symbol``, ``side`` (long/short/both), ``isolated`` and the keys of
    ``_POSITION_COLUMNS``.  No positions -> an empty frame with these columns.  Where the
    answer has no ``positionValue`` (the docs' example has none) it is ``|positionAmt|`` x
    ``markPrice`` (else ``avgPrice``), flagged in ``position_value_derived``.

    >>> row = {"symbol": "BNB-USDT", "positionAmt": "0.20", "positionSide": "SHORT",
    ...        "avgPrice": "246.43", "leverage": 5}
    >>> parse_positions([row])[["side", "position_value", "position_value_derived"]].values.tolist()
    [['short', 49.286, True]]
    """
    what = "user/positions"
    rows = rows_of(rows if rows is not None else [], what)
    sides = [str(v).upper() for v in column(rows, "positionSide", what, default="BOTH")]
    if any(s not in POSITION_SIDES for s in sides):
        raise ParseError(f"{what}: positionSide must be LONG, SHORT or BOTH, got {sides}")
    frame: dict[str, Any] = {
        "exchange": pd.Series(["bingx"] * len(rows), dtype=str),
        "symbol": pd.Series([str(v) for v in column(rows, "symbol", what)], dtype=str),
        "side": pd.Series([POSITION_SIDES[s] for s in sides], dtype=str),
        "isolated": [_flag(v) for v in column(rows, "isolated", what, default=False)],
    }
    for col, (key, kind) in _POSITION_COLUMNS.items():
        if kind == "text":
            frame[col] = pd.Series([str(v) for v in column(rows, key, what, "")], dtype=str)
        else:
            frame[col] = numbers(rows, key, what, default="")
    frame["isolated"] = pd.Series(frame["isolated"], dtype=bool)
    # The docs' own example has no positionValue (their field list has): an open position
    # must not read as flat, so its value is |positionAmt| x markPrice (else x avgPrice).
    size = np.abs(frame["size"])
    price = np.where(np.isnan(frame["mark_price"]), frame["avg_price"], frame["mark_price"])
    missing = np.isnan(frame["position_value"]) & (size > 0)
    with np.errstate(over="ignore"):
        value = np.where(missing, size * price, frame["position_value"])
    frame["position_value"] = finite_values(value, frame["symbol"], f"{what}.positionValue")
    frame["position_value_derived"] = missing
    return stamp(pd.DataFrame(frame), source)


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def parse_open_orders(data: Any, *, source: str = "api") -> pd.DataFrame:
    """``data`` of ``GET /openApi/swap/v2/trade/openOrders`` (``{"orders": [...]}``) -> one row
    per open order: ``exchange``, ``symbol``, ``order_id``, ``side`` (BUY/SELL),
    ``position_side`` (long/short/both), ``type``, ``price``, ``quantity``, ``status``."""
    what = "trade/openOrders"
    if isinstance(data, dict):
        data = data.get("orders") or []
    rows = rows_of(data if data is not None else [], what)
    sides = [str(v).upper() for v in column(rows, "positionSide", what, default="BOTH")]
    frame = {
        "exchange": pd.Series(["bingx"] * len(rows), dtype=str),
        "symbol": pd.Series([str(v) for v in column(rows, "symbol", what)], dtype=str),
        "order_id": pd.Series([str(v) for v in column(rows, "orderId", what, "")], dtype=str),
        "side": pd.Series([str(v) for v in column(rows, "side", what, "")], dtype=str),
        "position_side": pd.Series([POSITION_SIDES.get(s, s.lower()) for s in sides], dtype=str),
        "type": pd.Series([str(v) for v in column(rows, "type", what, "")], dtype=str),
        "price": numbers(rows, "price", what, default=""),
        "quantity": numbers(rows, "origQty", what, default=""),
        "status": pd.Series([str(v) for v in column(rows, "status", what, "")], dtype=str),
    }
    return stamp(pd.DataFrame(frame), source)
