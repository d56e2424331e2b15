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

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd

from ...errors import ParseError
from ...frames import LadderRules, LadderWarning, leverage_frame, tiers_frame
from .._parse import column, columns, numbers, rows_of, without_empty_bands
from .._resolve import units_of

__all__ = [
    "brackets_of",
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
#: Relative tolerance of the cum check (the figures are floats in the answer).
CUM_RTOL = 1e-9

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


def brackets_of(payload: Any) -> list[dict]:
    """The list of ``{symbol, notionalCoef?, brackets}`` objects of a leverageBracket answer
    (one object with ``symbol``, a list without it)."""
    if isinstance(payload, dict):
        return [payload]
    return rows_of(payload, _WHAT)


def cum_mismatches(
    floors: np.ndarray, rates: np.ndarray, cums: np.ndarray, *, rtol: float = CUM_RTOL
) -> list[int]:
    """0-based indices of brackets whose ``cum`` breaks the published recursion.

    Arrays are one symbol's brackets sorted by cap.

    >>> cum_mismatches(np.array([0, 50_000.0]), np.array([0.004, 0.005]), np.array([0, 50.0]))
    []
    >>> cum_mismatches(np.array([0, 50_000.0]), np.array([0.004, 0.005]), np.array([0, 49.0]))
    [1]
    """
    bad = []
    expected = 0.0
    for i in range(len(rates)):
        if i:
            expected = floors[i] * (rates[i] - rates[i - 1]) + cums[i - 1]
        if not math.isclose(cums[i], expected, rel_tol=rtol, abs_tol=1e-6):
            bad.append(i)
    return bad


def _cum_mismatch_tiers(frame: pd.DataFrame, *, rtol: float = CUM_RTOL) -> dict[str, list[int]]:
    """``{symbol: [tier, ...]}`` whose ``cum`` breaks the recursion (:func:`cum_mismatches`
    on every ladder of the sorted frame at once)."""
    floor = frame["notional_floor"].to_numpy(float)
    rate = frame["maintenance_margin_rate"].to_numpy(float)
    cum = frame["mm_deduction"].to_numpy(float)
    tier = frame["tier"].to_numpy()
    expected = np.zeros(len(cum))
    expected[1:] = floor[1:] * (rate[1:] - rate[:-1]) + cum[:-1]
    expected[tier == 1] = 0.0
    with np.errstate(invalid="ignore"):  # math.isclose's test, NaN never close
        close = np.abs(cum - expected) <= np.maximum(
            rtol * np.maximum(np.abs(cum), np.abs(expected)), 1e-6
        )
    out: dict[str, list[int]] = {}
    for i in np.flatnonzero(~close):
        out.setdefault(str(frame["symbol"].iat[int(i)]), []).append(int(tier[i]))
    return out


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
    items = brackets_of(payload)
    rows: list[dict] = []
    for item in items:
        if not isinstance(item, dict):
            raise ParseError(f"{_WHAT}: expected objects, got {type(item).__name__}")
        symbol = item.get("symbol")
        if not isinstance(symbol, str) or not symbol:
            raise ParseError(f"{_WHAT}: an entry has no symbol")
        coef = item.get("notionalCoef", 1.0)
        brackets = rows_of(item.get("brackets"), f"{_WHAT} {symbol}.brackets")
        if not brackets:
            raise ParseError(f"{_WHAT}: {symbol} has no brackets")
        for b in brackets:
            if not isinstance(b, dict):
                raise ParseError(f"{_WHAT}: {symbol}: a bracket is not an object")
            rows.append({**b, "symbol": symbol, "notionalCoef": coef})
    if not rows:
        raise ParseError(f"{_WHAT}: no symbols in the answer")
    keys = ["initialLeverage", "notionalCap", "notionalFloor", "maintMarginRatio", "cum"]
    cols = columns(rows, ["symbol", "bracket", *keys, "notionalCoef"], _WHAT, {"bracket": ""})
    lev = numbers(rows, "initialLeverage", _WHAT)
    symbols = np.asarray(cols["symbol"], dtype=object)
    codes, distinct = pd.factorize(symbols)
    with np.errstate(divide="ignore", invalid="ignore"):
        initial = 1.0 / lev  # a leverage of 0 gives inf: the ladder check names it
    data = {
        "symbol": symbols,
        "max_notional": numbers(rows, "notionalCap", _WHAT),
        "max_leverage": lev,
        "maintenance_margin_rate": numbers(rows, "maintMarginRatio", _WHAT),
        "initial_margin_rate": initial,
        "mm_deduction": numbers(rows, "cum", _WHAT, empty=0.0),
        "bracket": numbers(rows, "bracket", _WHAT),
        "notional_floor": numbers(rows, "notionalFloor", _WHAT),
        "notional_coef": numbers(rows, "notionalCoef", _WHAT, empty=1.0),
        # USDⓈ-M notionals are in the contract's quote (= margin) coin: USDT, USDC for
        # BTCUSDC, BTC for ETHBTC, USDT for the quarterly BTCUSDT_260626 (levkit.venues.resolve)
        "notional_unit": units_of(distinct, "binance")[codes],
    }
    data, empty = without_empty_bands(data, data["notional_floor"], data["bracket"])
    frame = tiers_frame(
        {"exchange": "binance", **data, "category": "linear"},
        source=source,
        rules=RULES,
        empty_bands=empty or None,
    )
    mismatch = _cum_mismatch_tiers(frame)
    if mismatch:
        shown = ", ".join(f"{s} tiers {t}" for s, t in list(mismatch.items())[:5])
        warnings.warn(
            f"binance: 'cum' differs from floor*(mmr - previous mmr) + previous cum for {shown}; "
            "the exchange's figure is kept",
            LadderWarning,
            stacklevel=2,
        )
    frame.attrs["cum_mismatch"] = mismatch
    frame.attrs["notional_coef"] = (
        "bounds as the account's answer states them; notional_coef shown, not applied"
    )
    return frame


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


def parse_set_leverage(payload: Any) -> dict[str, Any]:
    """POST /fapi/v1/leverage's answer: the leverage set and ``maxNotionalValue``, the cap
    at that leverage [B2].  ``leverage`` may come as a number or a string.

    >>> parse_set_leverage({"leverage": 21, "maxNotionalValue": "1000000", "symbol": "BTCUSDT"})
    {'symbol': 'BTCUSDT', 'leverage': 21.0, 'max_notional': 1000000.0}
    """
    what = "binance /fapi/v1/leverage"
    if not isinstance(payload, dict):
        raise ParseError(f"{what}: expected an object")
    lev = numbers([payload], "leverage", what)[0]
    cap = numbers([payload], "maxNotionalValue", what, default=None)[0]
    return {"symbol": payload.get("symbol"), "leverage": float(lev), "max_notional": float(cap)}


def parse_position_risk(payload: Any, *, source: str = "api") -> Any:
    """GET /fapi/v2/positionRisk's answer -> one row per ``positionSide`` (flat rows kept;
    :func:`levkit.client.positions_frame` drops them).

    Fields ("Position Information V2 (USER_DATA)", USDⓈ-M docs [B2]; weight 5): every
    number a string; ``positionAmt`` signed coins, ``notional`` signed quote value,
    ``positionSide`` BOTH (one-way) or LONG/SHORT (hedge mode).  ``size`` is
    ``|positionAmt|`` and ``direction`` its sign (LONG/SHORT rows: the side);
    ``position_value`` is ``|notional|``.  Extra columns: ``leverage``, ``max_notional``
    (``maxNotionalValue``, the cap at that leverage), ``margin_type``, ``position_side``.

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
    what = "binance /fapi/v2/positionRisk"
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
            "exchange": "binance",
            "symbol": [str(s) for s in column(rows, "symbol", what)],
            "side": side,
            "direction": direction,
            "size": np.abs(amount),
            "position_value": np.abs(numbers(rows, "notional", what)),
            "entry_price": numbers(rows, "entryPrice", what, default=""),
            "mark_price": numbers(rows, "markPrice", what, default=""),
            "leverage": numbers(rows, "leverage", what, default=""),
            "max_notional": numbers(rows, "maxNotionalValue", what, default=""),
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
    **extra: Any,
) -> Any:
    """The leverage frame of one symbol: one row (``both``) in one-way mode, ``long`` and
    ``short`` with the one value in hedge mode (Binance keeps one leverage per symbol)."""
    sides = ["long", "short"] if hedge else ["both"]
    n = len(sides)
    data = {
        "exchange": ["binance"] * n,
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
