"""Binance COIN-M answers -> frames.  Pure functions; tests call them with inline payloads.

Where things come from (``GET /dapi/v2/leverageBracket`` [C1], the USDⓈ-M bracket reader
of :mod:`levkit.venues.binance.brackets` with COIN-M's keys):

- ``max_notional`` <- ``qtyCap``, "upper edge of base asset quantity": the position's coin
  value (contracts x contract size / mark, what the COIN-M FAQ calls the position
  notional: "100 * 100 / 25,000 = 0.4 BTC"), so ``notional_unit`` is the base coin
  (``BTC`` for ``BTCUSD_PERP``) and nothing is converted;
- the floor is kept as ``qty_floor``: ``qtyFloor`` (ccxt's recorded answers, the SDKs),
  else ``qtylFloor`` (the docs' own spelling), else the previous cap;
- ``max_leverage`` <- ``initialLeverage``; ``maintenance_margin_rate`` <- ``maintMarginRatio``;
  ``initial_margin_rate`` = ``1 / initialLeverage``; ``mm_deduction`` <- ``cum`` (coin),
  checked against the recursion; ``notional_coef`` <- ``notionalCoef`` (shown, not applied);
- ``category`` ``inverse``.

Positions (``GET /dapi/v1/positionRisk`` [C2]): ``positionAmt`` is in contracts; the
position's coin value is ``|positionAmt| x contractSize / markPrice`` with ``contractSize``
from ``GET /dapi/v1/exchangeInfo`` (100 USD for BTCUSD [C4]; read, never assumed).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from ...errors import ParseError
from ...frames import LadderRules
from .._parse import column, finite_values, numbers, rows_of, texts
from .._resolve import units_of
from ..binance.brackets import Brackets, read_brackets
from ..binance.parse import leverage_rows
from ..binance.parse import parse_position_risk as _position_risk
from .spec import VENUE

__all__ = [
    "COINM",
    "RULES",
    "base_coin",
    "parse_brackets",
    "parse_exchange_info",
    "parse_leverage",
    "parse_position_risk",
]

_WHAT = "binance-coinm /dapi/v2/leverageBracket"
_POSITIONS = "binance-coinm /dapi/v1/positionRisk"
_NATIVE = re.compile(r"([A-Z0-9]+)USD_(?:PERP|\d{6})")

#: The ladder check's declaration (``levkit.frames``): COIN-M's names in messages, a
#: leverage on every bracket, ``bracket`` numbers rising with the cap, a bad symbol of an
#: all-symbols answer dropped.
RULES = LadderRules(
    fields={
        "max_notional": "qtyCap",
        "max_leverage": "initialLeverage",
        "maintenance_margin_rate": "maintMarginRatio",
        "mm_deduction": "cum",
    },
    need_leverage=True,
    numbered_by="bracket",
    drop_bad=True,
)


def base_coin(symbol: str) -> str:
    """The base coin of a COIN-M symbol (its margin and notional coin), ``""`` for a
    symbol that is not spelt like one.

    >>> base_coin("BTCUSD_PERP"), base_coin("ETHUSD_251226"), base_coin("BTCUSDT")
    ('BTC', 'ETH', '')
    """
    found = _NATIVE.fullmatch(symbol) if isinstance(symbol, str) else None
    return found.group(1) if found else ""


def _base_units(symbols: np.ndarray) -> np.ndarray:
    """COIN-M caps are in the base coin of each contract (levkit.venues.resolve)."""
    return units_of(symbols, "binance-coinm")


#: Binance COIN-M: ``qtyCap``/``qtyFloor`` in the base coin [C1].
COINM = Brackets(
    exchange=VENUE.name,
    what=_WHAT,
    cap="qtyCap",
    floors=("qtyFloor", "qtylFloor"),
    floor_column="qty_floor",
    category="inverse",
    unit=_base_units,
    rules=RULES,
    floor_optional=True,
)


def parse_brackets(payload: Any, *, source: str = "api") -> pd.DataFrame:
    """A ``/dapi/v2/leverageBracket`` answer -> tiers frame (``exchange``
    ``"binance-coinm"``, ``category`` ``inverse``, ``notional_unit`` the base coin).

    A list of ``{symbol, notionalCoef?, brackets}`` (one object is accepted too).  Extra
    columns: ``bracket``, ``qty_floor``, ``notional_coef``.

    Examples
    --------
    The docs' example (Notional-Bracket-for-Symbol [C1]) with its comments, the missing
    comma and the trailing commas removed, its ``qtylFloor`` spelling kept:

    >>> payload = [{"symbol": "BTCUSD_PERP", "notionalCoef": 1.50, "brackets": [
    ...     {"bracket": 1, "initialLeverage": 125, "qtyCap": 50, "qtylFloor": 0,
    ...      "maintMarginRatio": 0.004, "cum": 0.0}]}]
    >>> df = parse_brackets(payload)
    >>> df[["symbol", "min_notional", "max_notional", "max_leverage", "notional_unit"]].values.tolist()
    [['BTCUSD_PERP', 0.0, 50.0, 125.0, 'BTC']]
    >>> df[["maintenance_margin_rate", "mm_deduction", "notional_coef", "category"]].values.tolist()
    [[0.004, 0.0, 1.5, 'inverse']]
    """
    return read_brackets(payload, COINM, source=source)


def parse_exchange_info(payload: Any) -> pd.DataFrame:
    """``GET /dapi/v1/exchangeInfo`` -> one row per symbol: ``symbol``, ``pair``,
    ``contract_type``, ``contract_size`` (USD per contract), ``margin_asset``,
    ``status``.

    >>> info = {"symbols": [{"symbol": "BTCUSD_PERP", "pair": "BTCUSD",
    ...     "contractType": "PERPETUAL", "contractSize": 100, "marginAsset": "BTC",
    ...     "contractStatus": "TRADING"}]}
    >>> parse_exchange_info(info)[["symbol", "contract_size", "margin_asset"]].values.tolist()
    [['BTCUSD_PERP', 100.0, 'BTC']]
    """
    what = "binance-coinm /dapi/v1/exchangeInfo"
    if not isinstance(payload, dict):
        raise ParseError(f"{what}: expected an object")
    rows = rows_of(payload.get("symbols"), f"{what}.symbols")
    if not rows:
        raise ParseError(f"{what}: no symbols in the answer")
    symbols = texts(rows, "symbol", what)
    size = numbers(rows, "contractSize", what)
    bad = ~(size > 0)
    if bad.any():
        raise ParseError(f"{what}: {np.asarray(symbols)[bad][0]}: contractSize is not positive")
    return pd.DataFrame(
        {
            "symbol": pd.Series(symbols, dtype=str),
            "pair": pd.Series([str(v) for v in column(rows, "pair", what, "")], dtype=str),
            "contract_type": pd.Series(
                [str(v) for v in column(rows, "contractType", what, "")], dtype=str
            ),
            "contract_size": size,
            "margin_asset": pd.Series(
                [str(v) for v in column(rows, "marginAsset", what, "")], dtype=str
            ),
            "status": pd.Series(
                [str(v) for v in column(rows, "contractStatus", what, "")], dtype=str
            ),
        }
    )


def parse_position_risk(
    payload: Any, contract_sizes: dict[str, float], *, source: str = "api"
) -> pd.DataFrame:
    """``GET /dapi/v1/positionRisk`` -> one row per ``positionSide`` (flat rows kept).

    ``size`` is ``|positionAmt|`` in **contracts**, ``position_value`` the coin value
    ``size x contract size / markPrice`` (the ladder's unit), ``max_notional`` ``maxQty``
    (the cap at the leverage in force, coin), ``contract_size`` the USD per contract
    (from ``contract_sizes``; a symbol without one raises).

    Examples
    --------
    The docs' example row [C2] (a LONG row of a hedge-mode account):

    >>> row = {"symbol": "BTCUSD_201225", "positionAmt": "1", "entryPrice": "11707.70000003",
    ...        "breakEvenPrice": "11707.80000005", "markPrice": "11788.66626667",
    ...        "unRealizedProfit": "0.00005866", "liquidationPrice": "11667.63509587",
    ...        "leverage": "125", "maxQty": "50", "marginType": "cross",
    ...        "isolatedMargin": "0.00000000", "isAutoAddMargin": "false",
    ...        "positionSide": "LONG", "updateTime": 1627026881327}
    >>> df = parse_position_risk([row], {"BTCUSD_201225": 100.0})
    >>> df[["side", "size", "max_notional"]].values.tolist()
    [['long', 1.0, 50.0]]
    >>> round(float(df["position_value"].iloc[0]), 8)  # 1 x 100 / 11,788.67 BTC
    0.00848272
    """
    frame = _position_risk(
        payload,
        source=source,
        exchange=VENUE.name,
        what=_POSITIONS,
        cap_key="maxQty",
        value_key=None,
    )
    symbols = frame["symbol"].tolist()
    missing = sorted({s for s in symbols if s not in contract_sizes})
    if missing:
        raise ParseError(f"{_POSITIONS}: no contract size for {', '.join(missing)}")
    size = np.array([contract_sizes[s] for s in symbols], dtype=float)
    mark = frame["mark_price"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(frame["size"] > 0, frame["size"].to_numpy(float) * size / mark, 0.0)
    frame["position_value"] = finite_values(value, symbols, f"{_POSITIONS} position value")
    frame["contract_size"] = size
    return frame


def parse_leverage(
    payload: Any, symbol: str, *, max_leverage: float, source: str = "api"
) -> pd.DataFrame:
    """The leverage frame of ``symbol`` from ``GET /dapi/v1/positionRisk`` rows of its pair.

    One-way accounts answer ``BOTH`` rows only, hedge-mode ones ``BOTH``, ``LONG`` and
    ``SHORT`` [C2]: hedge mode gives a ``long`` and a ``short`` row with the one leverage
    (COIN-M keeps one per symbol), one-way a ``both`` row.  ``max_position_value`` is
    ``maxQty`` (coin); ``max_leverage`` the top of the symbol's brackets.

    >>> rows = [{"symbol": "BTCUSD_PERP", "positionAmt": "0", "leverage": "20",
    ...          "maxQty": "250", "marginType": "cross", "positionSide": "BOTH",
    ...          "markPrice": "60000"}]
    >>> parse_leverage(rows, "BTCUSD_PERP", max_leverage=125.0)[
    ...     ["side", "leverage", "max_leverage", "max_position_value"]].values.tolist()
    [['both', 20.0, 125.0, 250.0]]
    """
    rows = [payload] if isinstance(payload, dict) else rows_of(payload, _POSITIONS)
    mine = [r for r in rows if isinstance(r, dict) and r.get("symbol") == symbol]
    if not mine:
        raise ParseError(f"{_POSITIONS}: no row for {symbol}")
    sides = {str(r.get("positionSide", "BOTH")).upper() for r in mine}
    hedge = bool(sides & {"LONG", "SHORT"})
    pick = next((r for r in mine if str(r.get("positionSide", "")).upper() != "BOTH"), mine[0])
    lev = numbers([pick], "leverage", _POSITIONS)[0]
    if not lev >= 1:
        raise ParseError(
            f"{_POSITIONS}: {symbol}: leverage {pick.get('leverage')!r} is not a leverage"
        )
    cap = numbers([pick], "maxQty", _POSITIONS, default="")[0]
    return leverage_rows(
        symbol,
        float(lev),
        hedge=hedge,
        max_leverage=max_leverage,
        cap=float(cap),
        source=source,
        exchange=VENUE.name,
        margin_type=pick.get("marginType"),
    )
