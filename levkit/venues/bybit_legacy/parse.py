"""Bybit legacy v2 answers -> values and frames.  Pure functions, no IO.

The v2 envelope::

    {"ret_code": 0, "ret_msg": "ok", "ext_code": "", "result": ..., "ext_info": null,
     "time_now": "1577477752.346548", "rate_limit_status": 119,
     "rate_limit_reset_ms": 1577477752355, "rate_limit": 120}

``ret_code`` may arrive as a string; ``time_now`` is seconds (a string with a fraction);
``rate_limit_status`` is the number of calls left, ``rate_limit_reset_ms`` when the count
resets (server clock, ms).

Where things come from:
- ``GET /user/leverage``: ``result`` = ``{"BTCUSD": {"leverage": 5}, ...}`` -> one row per
  symbol, side ``both`` (v2 had one leverage per symbol).  ``leverage`` 0 meant cross margin:
  such rows get ``leverage`` NaN and ``margin_mode`` ``"cross"`` (no single leverage is in
  force); others ``"isolated"``.  ``max_leverage`` / ``max_position_value`` stay NaN: the
  answer does not carry them.
- ``POST /user/leverage/save``: ``result`` = the new leverage as a number.
- ``GET /v2/private/position/list``: see :func:`parse_position_list`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ...errors import ParseError
from ...frames import leverage_frame, numeric
from .._parse import code_of

__all__ = [
    "ENVELOPE_FIELDS",
    "parse_envelope",
    "rate_limit_of",
    "retry_after_of",
    "time_now_ms",
    "parse_user_leverage",
    "parse_leverage_save",
    "parse_position_list",
]

#: The envelope fields kept in ``attrs["envelope"]`` (``result`` itself is left out).
ENVELOPE_FIELDS = (
    "ret_code",
    "ret_msg",
    "ext_code",
    "ext_info",
    "time_now",
    "rate_limit_status",
    "rate_limit_reset_ms",
    "rate_limit",
)


def _number(value: Any) -> float | None:
    """A JSON number or numeric string; ``None`` for anything else (the envelope's rate
    and time fields are informative: a bad one must not fail the call)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        out = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return out if math.isfinite(out) else None


def parse_envelope(payload: Any, endpoint: str = "") -> tuple[int, Any, dict[str, Any]]:
    """Split a v2 answer into ``(code, result, envelope)``.

    Examples
    --------
    >>> code, result, env = parse_envelope({"ret_code": "0", "result": 2, "time_now": "1.5"})
    >>> code, result, env["time_now"]
    (0, 2, '1.5')
    """
    what = f"bybit v2 {endpoint}".strip()
    if not isinstance(payload, dict) or "ret_code" not in payload:
        raise ParseError(f"{what}: the answer has no ret_code envelope")
    code = code_of(payload["ret_code"], what)
    envelope = {k: payload.get(k) for k in ENVELOPE_FIELDS}
    envelope["ret_code"] = code
    envelope["ret_msg"] = str(payload.get("ret_msg") or "")
    return code, payload.get("result"), envelope


def time_now_ms(envelope: dict[str, Any]) -> int | None:
    """The server time of a v2 envelope (``time_now``, seconds) in ms, or None.

    >>> time_now_ms({"time_now": "1577477752.346548"})
    1577477752347
    """
    seconds = _number(envelope.get("time_now"))
    if seconds is None or not math.isfinite(seconds * 1000):  # 1e308 s: no time at all
        return None
    return round(seconds * 1000)


def retry_after_of(envelope: dict[str, Any]) -> float | None:
    """Seconds until the limit resets when no calls are left (``rate_limit_status`` 0).

    Measured on the server's own clock (``rate_limit_reset_ms`` minus ``time_now``), so a
    skewed local clock does not matter.

    >>> retry_after_of({"rate_limit_status": 0, "rate_limit_reset_ms": 1500, "time_now": "1"})
    0.5
    """
    remaining = _number(envelope.get("rate_limit_status"))
    reset_ms = _number(envelope.get("rate_limit_reset_ms"))
    now_ms = time_now_ms(envelope)
    if remaining is None or remaining > 0 or reset_ms is None or now_ms is None:
        return None
    return max(0.0, (reset_ms - now_ms) / 1000.0)


def rate_limit_of(envelope: dict[str, Any]) -> dict[str, Any]:
    """The envelope's rate-limit fields under the keys the v5 dialect uses for its headers
    (``limit``, ``remaining``, ``reset_ms``), plus ``retry_after`` when nothing is left.

    >>> rate_limit_of({"rate_limit": 120, "rate_limit_status": "119"})
    {'limit': 120, 'remaining': 119}
    """
    out: dict[str, Any] = {}
    for key, name in (
        ("rate_limit", "limit"),
        ("rate_limit_status", "remaining"),
        ("rate_limit_reset_ms", "reset_ms"),
    ):
        value = _number(envelope.get(key))
        if value is not None:
            out[name] = int(value)
    after = retry_after_of(envelope)
    if after is not None:
        out["retry_after"] = after
    return out


def parse_user_leverage(result: Any, *, source: str = "api", **attrs: Any) -> pd.DataFrame:
    """``result`` of ``GET /user/leverage`` -> leverage frame, one row per symbol (side both).

    Extra column ``margin_mode``: ``"cross"`` where v2 reported leverage 0 (then
    ``leverage`` is NaN), else ``"isolated"``.

    Examples
    --------
    >>> df = parse_user_leverage({"ETHUSD": {"leverage": "1"}, "BTCUSD": {"leverage": 5}})
    >>> df[["symbol", "side", "leverage"]].values.tolist()
    [['BTCUSD', 'both', 5.0], ['ETHUSD', 'both', 1.0]]
    """
    what = "bybit v2 /user/leverage"
    if not isinstance(result, dict):
        raise ParseError(f"{what}: result must be an object keyed by symbol")
    if not result:
        raise ParseError(f"{what}: the answer lists no symbols")
    symbols, raw = [], []
    for symbol, entry in result.items():
        if not isinstance(symbol, str) or not symbol:
            raise ParseError(f"{what}: symbol keys must be non-empty strings")
        if not isinstance(entry, dict) or "leverage" not in entry:
            raise ParseError(f"{what}: {symbol} has no {{'leverage': ...}} entry")
        symbols.append(symbol)
        raw.append(entry["leverage"])
    lev = numeric(raw, field=f"{what}.leverage")
    if (lev < 0).any():
        raise ParseError(f"{what}: negative leverage {lev[lev < 0][0]:g}")
    cross = lev == 0
    n = len(symbols)
    frame = {
        "exchange": ["bybit-legacy"] * n,
        "symbol": symbols,
        "side": ["both"] * n,
        "leverage": np.where(cross, np.nan, lev),
        "max_leverage": np.full(n, np.nan),
        "max_position_value": np.full(n, np.nan),
        "margin_mode": np.where(cross, "cross", "isolated").tolist(),
    }
    return leverage_frame(frame, source=source, **attrs)


def parse_leverage_save(result: Any) -> float:
    """``result`` of ``POST /user/leverage/save`` (the new leverage) as a float; NaN when
    the answer carries none (not-modified answers may hold ``null`` or ``""``).

    >>> parse_leverage_save("2"), parse_leverage_save(None)
    (2.0, nan)
    """
    if isinstance(result, dict | list):
        raise ParseError("bybit v2 /user/leverage/save: result must be a number")
    return float(numeric([result], field="bybit v2 /user/leverage/save result")[0])


def parse_position_list(result: Any, *, source: str = "api") -> pd.DataFrame:
    """``result`` of ``GET /v2/private/position/list`` -> one row per symbol.

    Source: Bybit's v2 inverse-perpetual docs, "My Position" (bybit-exchange/docs-legacy
    ``source/includes/futuresV2/inverse_perpetual/_account_data.md``): with ``symbol`` the
    result is one position object, without it a list of ``{"is_valid", "data"}``.  Fields:
    ``side`` Buy/Sell/None, ``size`` (contracts: 1 USD each on inverse perpetuals),
    ``position_value`` (in the **coin** for inverse: 5 contracts at 7197 are "0.0006947"),
    ``entry_price``, ``leverage``; no mark price (``mark_price`` NaN).

    ``position_value`` is the answer's, in the unit of the symbol's ladder: for an inverse
    symbol (``...USD``) the coin (its ladder is v5 ``category=inverse``'s, in the coin), the
    USD face value (the ``size``) kept as ``position_value_usd``; for a USDT symbol (served
    on v2 by ``/private/linear/position/list``, where ``size`` is coins and
    ``position_value`` USDT) USDT.  ``side`` is ``both`` (v2 had one leverage per symbol);
    ``direction`` long (Buy) or short (Sell).

    Examples
    --------
    The docs' example (with ``symbol``):

    >>> result = {"id": 27913, "user_id": 1, "risk_id": 1, "symbol": "BTCUSD", "side": "Buy",
    ...           "size": 5, "position_value": "0.0006947", "entry_price": "7197.35137469",
    ...           "is_isolated": True, "leverage": "1", "position_status": "Normal"}
    >>> df = parse_position_list(result)
    >>> df[["side", "direction", "size", "position_value", "position_value_usd"]].values.tolist()
    [['both', 'long', 5.0, 0.0006947, 5.0]]
    """
    what = "bybit v2 /v2/private/position/list"
    items = [result] if isinstance(result, dict) else result
    if not isinstance(items, list):
        raise ParseError(f"{what}: result must be a position object or a list")
    rows = []
    for item in items:
        row = item.get("data", item) if isinstance(item, dict) else None
        if not isinstance(row, dict) or not isinstance(row.get("symbol"), str):
            raise ParseError(f"{what}: a position has no symbol")
        if isinstance(item, dict) and item.get("is_valid") is False:
            continue
        rows.append(row)
    sides = [str(r.get("side") or "None") for r in rows]
    if any(s not in ("Buy", "Sell", "None") for s in sides):
        raise ParseError(f"{what}: side must be Buy, Sell or None, got {sides}")
    symbols = [r["symbol"] for r in rows]
    size = numeric([r.get("size") for r in rows], field=f"{what}.size")
    coin = numeric([r.get("position_value", "") for r in rows], field=f"{what}.position_value")
    inverse = np.array([s.endswith("USD") for s in symbols], dtype=bool)
    flat = np.array([s == "None" for s in sides], dtype=bool)
    frame = pd.DataFrame(
        {
            "exchange": "bybit-legacy",
            "symbol": pd.Series(symbols, dtype=object),
            "side": "both",
            "direction": ["long" if s == "Buy" else "short" if s == "Sell" else "" for s in sides],
            "size": np.where(flat, 0.0, size),
            "position_value": np.where(flat, 0.0, coin),
            "entry_price": numeric([r.get("entry_price", "") for r in rows], field=what),
            "mark_price": np.nan,
            "leverage": numeric([r.get("leverage", "") for r in rows], field=what),
            "position_value_usd": np.where(inverse, size, np.nan),
        }
    )
    frame.attrs["source"] = source
    return frame
