"""Binance USDⓈ-M answers -> frames.  Pure functions; tests call them with inline payloads.

Where things come from (GET /fapi/v1/leverageBracket [B1]):

- ``max_notional`` <- ``notionalCap``; the floor is kept as ``notional_floor`` (tiers are
  contiguous: floor n+1 = cap n; ``min_notional`` is derived from the sorted caps)
- ``max_leverage`` <- ``initialLeverage`` (the highest initial leverage of the bracket)
- ``maintenance_margin_rate`` <- ``maintMarginRatio`` (a fraction)
- ``initial_margin_rate`` = ``1 / initialLeverage`` (Binance publishes no per-bracket
  initial rate; initial margin is notional / leverage)
- ``mm_deduction`` <- ``cum`` (the "maintenance amount"), checked against the published
  recursion ``cum_n = floor_n * (mmr_n - mmr_{n-1}) + cum_{n-1}`` (Binance FAQ
  "leverage and margin of USDⓈ-M futures" [B6]); disagreements are listed in
  ``attrs["cum_mismatch"]`` and warned about, the exchange's figure is kept
- ``notional_coef`` <- ``notionalCoef``: "the user's bracket as a multiple of the default
  bracket, only shown when it differs" [B1]; 1.0 where absent.  The docs do not say whether
  ``notionalCap``/``notionalFloor`` already include it (searched: not found).  levkit keeps
  the bounds exactly as the account's answer states them and shows the coefficient next to
  them, so nothing is multiplied twice; ``attrs["notional_coef"]`` says so.

With ``symbol`` the answer is one object, without it a list [B1]: both are accepted.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ...errors import ParseError
from ...frames import LadderRules, leverage_frame
from .._parse import column, numbers, rows_of
from .._resolve import units_of
from .brackets import Brackets, brackets_of, cum_mismatches, read_brackets

__all__ = [
    "Brackets",
    "USDM",
    "brackets_of",
    "read_brackets",
    "cum_mismatches",
    "parse_brackets",
    "parse_symbol_config",
    "parse_dual_side",
    "parse_set_leverage",
    "parse_position_risk",
    "leverage_rows",
    "POSITION_SIDES",
    "RULES",
]

#: ``positionSide`` of GET /fapi/v2/positionRisk -> levkit side (BOTH: one-way mode).
POSITION_SIDES = {"BOTH": "both", "LONG": "long", "SHORT": "short"}

_WHAT = "binance /fapi/v1/leverageBracket"

#: The ladder check's declaration (``levkit.frames``): Binance's names in messages, a
#: leverage on every bracket, ``bracket`` numbers rising with the cap [B1], a bad symbol
#: of an all-symbols answer dropped.
RULES = LadderRules(
    fields={
        "max_notional": "notionalCap",
        "max_leverage": "initialLeverage",
        "maintenance_margin_rate": "maintMarginRatio",
        "mm_deduction": "cum",
    },
    need_leverage=True,
    numbered_by="bracket",
    drop_bad=True,
)


def _quote_units(symbols: np.ndarray) -> np.ndarray:
    """USDⓈ-M notionals are in the contract's quote (= margin) coin: USDT, USDC for
    BTCUSDC, BTC for ETHBTC, USDT for the quarterly BTCUSDT_260626 (levkit.venues.resolve)."""
    return units_of(symbols, "binance")


#: Binance USDⓈ-M: ``notionalCap``/``notionalFloor`` in the quote coin [B1].
USDM = Brackets(
    exchange="binance",
    what=_WHAT,
    cap="notionalCap",
    floors=("notionalFloor",),
    floor_column="notional_floor",
    category="linear",
    unit=_quote_units,
    rules=RULES,
)


def parse_brackets(payload: Any, *, source: str = "api") -> Any:
    """A leverageBracket answer -> tiers frame (``exchange`` ``"binance"``).

    Extra columns: ``bracket``, ``notional_floor``, ``notional_coef``.  A bracket whose
    floor equals its cap (an empty band: BEAMXUSDT's 3x bracket from 500,000 to 500,000 in
    an answer of 2025-12-25) holds no position and is left out, listed in
    ``attrs["empty_bands"]`` (``{symbol: [bracket, ...]}``).

    Examples
    --------
    The docs' own example (ETHUSDT, an adjusted account: ``notionalCoef`` 1.50):

    >>> payload = [{"symbol": "ETHUSDT", "notionalCoef": 1.50, "brackets": [
    ...     {"bracket": 1, "initialLeverage": 75, "notionalCap": 10000, "notionalFloor": 0,
    ...      "maintMarginRatio": 0.0065, "cum": 0.0}]}]
    >>> df = parse_brackets(payload)
    >>> df[["symbol", "max_notional", "max_leverage", "mm_deduction", "notional_coef"]].values.tolist()
    [['ETHUSDT', 10000.0, 75.0, 0.0, 1.5]]
    >>> parse_brackets(payload[0]).equals(df)       # with ``symbol``: one object
    True
    """
    return read_brackets(payload, USDM, source=source)


def parse_symbol_config(payload: Any, symbol: str) -> dict[str, Any]:
    """The ``symbol`` entry of GET /fapi/v1/symbolConfig: ``leverage`` (float) and
    ``max_notional`` (the cap at that leverage, ``maxNotionalValue``) and ``margin_type``.

    >>> parse_symbol_config([{"symbol": "BTCUSDT", "marginType": "CROSSED",
    ...     "isAutoAddMargin": "false", "leverage": 21, "maxNotionalValue": "1000000"}], "BTCUSDT")
    {'leverage': 21.0, 'max_notional': 1000000.0, 'margin_type': 'CROSSED'}
    """
    what = "binance /fapi/v1/symbolConfig"
    rows = brackets_of(payload) if isinstance(payload, dict) else rows_of(payload, what)
    row = next((r for r in rows if isinstance(r, dict) and r.get("symbol") == symbol), None)
    if row is None:
        raise ParseError(f"{what}: no entry for {symbol}")
    lev = numbers([row], "leverage", what)[0]
    cap = numbers([row], "maxNotionalValue", what, default=None)[0]
    if not lev >= 1:
        raise ParseError(f"{what}: {symbol}: leverage {row.get('leverage')!r} is not a leverage")
    return {
        "leverage": float(lev),
        "max_notional": float(cap),
        "margin_type": row.get("marginType"),
    }


def parse_dual_side(payload: Any) -> bool:
    """``dualSidePosition`` of GET /fapi/v1/positionSide/dual (True = hedge mode).

    >>> parse_dual_side({"dualSidePosition": True}), parse_dual_side({"dualSidePosition": "false"})
    (True, False)
    """
    value = payload.get("dualSidePosition") if isinstance(payload, dict) else None
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if isinstance(value, bool):
        return value
    raise ParseError(f"binance /fapi/v1/positionSide/dual: dualSidePosition is {value!r}")


def parse_set_leverage(
    payload: Any, *, cap_key: str = "maxNotionalValue", what: str = "binance /fapi/v1/leverage"
) -> dict[str, Any]:
    """POST /fapi/v1/leverage's answer: the leverage set and ``maxNotionalValue``, the cap
    at that leverage [B2] (COIN-M: ``cap_key="maxQty"``, coins).  ``leverage`` may come as
    a number or a string.

    >>> parse_set_leverage({"leverage": 21, "maxNotionalValue": "1000000", "symbol": "BTCUSDT"})
    {'symbol': 'BTCUSDT', 'leverage': 21.0, 'max_notional': 1000000.0}
    """
    if not isinstance(payload, dict):
        raise ParseError(f"{what}: expected an object")
    lev = numbers([payload], "leverage", what)[0]
    cap = numbers([payload], cap_key, what, default=None)[0]
    return {"symbol": payload.get("symbol"), "leverage": float(lev), "max_notional": float(cap)}


def parse_position_risk(
    payload: Any,
    *,
    source: str = "api",
    exchange: str = "binance",
    what: str = "binance /fapi/v2/positionRisk",
    cap_key: str = "maxNotionalValue",
    value_key: str | None = "notional",
) -> Any:
    """GET /fapi/v2/positionRisk's answer -> one row per ``positionSide`` (flat rows kept;
    :func:`levkit.client.positions_frame` drops them).

    Fields ("Position Information V2 (USER_DATA)", USDⓈ-M docs [B2]; weight 5): every
    number a string; ``positionAmt`` signed coins, ``notional`` signed quote value,
    ``positionSide`` BOTH (one-way) or LONG/SHORT (hedge mode).  ``size`` is
    ``|positionAmt|`` and ``direction`` its sign (LONG/SHORT rows: the side);
    ``position_value`` is ``|notional|``.  Extra columns: ``leverage``, ``max_notional``
    (``maxNotionalValue``, the cap at that leverage), ``margin_type``, ``position_side``.
    COIN-M's answer is read with its own ``exchange``, ``what``, ``cap_key`` (``maxQty``)
    and no ``value_key`` (its rows state no value: ``position_value`` NaN here).

    Examples
    --------
    >>> row = {"symbol": "BTCUSDT", "positionAmt": "-0.500", "entryPrice": "60000.0",
    ...        "markPrice": "61000.00000000", "unRealizedProfit": "-500.0",
    ...        "liquidationPrice": "0", "leverage": "20", "maxNotionalValue": "3000000",
    ...        "marginType": "cross", "isolatedMargin": "0.00000000",
    ...        "isAutoAddMargin": "false", "positionSide": "BOTH", "notional": "-30500.0",
    ...        "isolatedWallet": "0", "updateTime": 1720000000000}
    >>> parse_position_risk([row])[["side", "direction", "size", "position_value"]].values.tolist()
    [['both', 'short', 0.5, 30500.0]]
    """
    rows = [payload] if isinstance(payload, dict) else rows_of(payload, what)
    sides = [str(s).upper() for s in column(rows, "positionSide", what, "BOTH")]
    if any(s not in POSITION_SIDES for s in sides):
        raise ParseError(f"{what}: positionSide must be BOTH, LONG or SHORT, got {sides}")
    amount = numbers(rows, "positionAmt", what)
    side = [POSITION_SIDES[s] for s in sides]
    direction = [
        s if s != "both" else ("short" if a < 0 else "long")
        for s, a in zip(side, amount, strict=True)
    ]
    frame = pd.DataFrame(
        {
            "exchange": exchange,
            "symbol": [str(s) for s in column(rows, "symbol", what)],
            "side": side,
            "direction": direction,
            "size": np.abs(amount),
            "position_value": np.abs(numbers(rows, value_key, what))
            if value_key
            else np.full(len(rows), np.nan),
            "entry_price": numbers(rows, "entryPrice", what, default=""),
            "mark_price": numbers(rows, "markPrice", what, default=""),
            "leverage": numbers(rows, "leverage", what, default=""),
            "max_notional": numbers(rows, cap_key, what, default=""),
            "margin_type": [str(m) for m in column(rows, "marginType", what, "")],
            "position_side": sides,
        }
    )
    frame.attrs["source"] = source
    return frame


def leverage_rows(
    symbol: str,
    leverage: float,
    *,
    hedge: bool,
    max_leverage: float,
    cap: float,
    source: str,
    exchange: str = "binance",
    **extra: Any,
) -> Any:
    """The leverage frame of one symbol: one row (``both``) in one-way mode, ``long`` and
    ``short`` with the one value in hedge mode (Binance keeps one leverage per symbol)."""
    sides = ["long", "short"] if hedge else ["both"]
    n = len(sides)
    data = {
        "exchange": [exchange] * n,
        "symbol": [symbol] * n,
        "side": sides,
        "leverage": [float(leverage)] * n,
        "max_leverage": [float(max_leverage)] * n,
        "max_position_value": [float(cap)] * n,
        "position_mode": ["hedge" if hedge else "one-way"] * n,
    }
    for key, value in extra.items():
        data[key] = [value] * n
    return leverage_frame(data, source=source)
