"""Bybit v5 answers -> frames.  Pure functions; tests call them with inline payloads.

Where things come from:
- ``max_notional`` <- ``riskLimitValue`` (the position notional cap of the tier)
- ``max_leverage`` <- ``maxLeverage``
- ``maintenance_margin_rate`` <- ``maintenanceMargin``; ``initial_margin_rate`` <- ``initialMargin``
  (fractions; percent-style answers are detected by ``maxLeverage x initialMargin`` being ~100
  instead of ~1, and divided by 100)
- ``mm_deduction`` <- ``mmDeduction`` (``""`` on the lowest tier -> 0)
"""

from __future__ import annotations

import re
from typing import Any, Literal

import msgspec
import numpy as np
import pandas as pd

from ...errors import ParseError
from ...frames import LadderRules, leverage_frame, numeric, tiers_frame
from .._parse import (
    check_texts,
    column,
    columns,
    ladder_columns,
    numbers,
    positive_or_unknown,
    read_numbers,
    rows_of,
    texts,
    whole_numbers,
)
from .._resolve import units_of

__all__ = [
    "INVERSE_ID",
    "inverse_base",
    "parse_risk_limits",
    "parse_positions",
    "parse_instruments",
    "percent_rows",
    "decode_risk_limit_page",
    "RiskLimitRow",
    "POSITION_SIDES",
    "RULES",
]

#: The ladder check's declaration for ``/v5/market/risk-limit`` (``levkit.frames``):
#: Bybit's own names in messages; leverage required; a bad symbol in an all-symbols answer
#: is dropped.  ``id`` is a risk id (SOLUSDT's start at 281, BTCPERP's at 10001 in answers
#: quoted in public code), not a tier number, so its order is not checked.
RULES = LadderRules(
    fields={
        "max_notional": "riskLimitValue",
        "max_leverage": "maxLeverage",
        "maintenance_margin_rate": "maintenanceMargin",
        "initial_margin_rate": "initialMargin",
        "mm_deduction": "mmDeduction",
    },
    need_leverage=True,
    drop_bad=True,
)

_Num = str | float | int | None
_Blank = float | Literal[""]


_ROW_FIELDS = ("maintenanceMargin", "initialMargin", "maxLeverage", "mmDeduction", "id")


def _envelope(name: str, cap: Any, value: Any, doc: str) -> tuple[type, type]:
    """The row and envelope structs of one reading of a risk-limit page: ``cap`` the type
    of ``riskLimitValue``, ``value`` of the other numbers (unknown fields are ignored)."""
    row = msgspec.defstruct(
        name,
        [("symbol", str), ("riskLimitValue", cap), *((f, value, "") for f in _ROW_FIELDS)],
        gc=False,
        module=__name__,
    )
    row.__doc__ = doc
    result = msgspec.defstruct(
        f"_{name}Result",
        [
            ("rows", list[row], msgspec.field(default_factory=list, name="list")),  # type: ignore[valid-type]
            ("nextPageCursor", str | None, ""),
            ("category", str, ""),
        ],
        gc=False,
        module=__name__,
    )
    envelope = msgspec.defstruct(
        f"_{name}Envelope",
        [("retCode", int | str), ("retMsg", str, ""), ("result", result | None, None),
         ("time", int | str | None, None)],
        module=__name__,
    )  # fmt: skip
    return row, envelope


#: One ``result.list`` row of ``/v5/market/risk-limit``, every value as sent (numbers as
#: text or numbers; :func:`levkit.frames.numeric` judges them).
RiskLimitRow, _RiskLimitEnvelope = _envelope(
    "RiskLimitRow", _Num, _Num,
    "One ``result.list`` row of ``/v5/market/risk-limit`` (unknown fields are ignored).",
)  # fmt: skip
#: A row as Bybit documents it, numbers read to float by msgspec in C (``strict=False``
#: reads ``"0.005"`` as 0.005; ``""`` stays blank).  Anything else (null, a bool,
#: ``" 5 "``, ``"1e400"``) fails to decode here and the page is read again as
#: :class:`RiskLimitRow`.
_NumberRow, _NumberEnvelope = _envelope(
    "_NumberRow", float, _Blank, "A risk-limit row whose numbers msgspec read to float."
)


_risk_limit_decoder: msgspec.json.Decoder[Any] = msgspec.json.Decoder(_RiskLimitEnvelope)
_number_decoder: msgspec.json.Decoder[Any] = msgspec.json.Decoder(_NumberEnvelope, strict=False)


def decode_risk_limit_page(raw: bytes) -> dict[str, Any]:
    """Bytes of a risk-limit answer -> the envelope as a dict whose ``result.list`` holds
    typed rows decoded straight from JSON (several times faster than decoding to dicts):
    numbers already floats where the answer is as documented, else :class:`RiskLimitRow`
    with the values as sent.  Shape errors raise ``msgspec.ValidationError``.

    >>> page = decode_risk_limit_page(b'{"retCode": 0, "result": {"list": [{"symbol":'
    ...     b' "BTCUSDT", "riskLimitValue": "300000", "maxLeverage": "150.00"}]}}')
    >>> row = page["result"]["list"][0]
    >>> row.riskLimitValue, row.maxLeverage, row.mmDeduction
    (300000.0, 150.0, '')
    """
    env: Any
    try:
        env = _number_decoder.decode(raw)
    except msgspec.ValidationError:  # not as documented: read the values as sent
        env = _risk_limit_decoder.decode(raw)
    result = env.result
    return {
        "retCode": env.retCode,
        "retMsg": env.retMsg,
        "time": env.time,
        "result": None
        if result is None
        else {
            "list": result.rows,
            "nextPageCursor": result.nextPageCursor or "",
            "category": result.category,
        },
    }


#: positionIdx -> levkit side
POSITION_SIDES = {0: "both", 1: "long", 2: "short"}


def percent_rows(
    max_leverage: np.ndarray, initial: np.ndarray, maintenance: np.ndarray
) -> np.ndarray:
    """Rows whose rates read as percent: ``maxLeverage x initialMargin`` near 100 (not 1),
    or a rate above 1 (a fraction never is)."""
    with np.errstate(invalid="ignore"):
        product = max_leverage * initial
        as_fraction = np.abs(product - 1.0) < 0.25
        as_percent = np.abs(product / 100.0 - 1.0) < 0.25
        too_big = (initial > 1.0) | (maintenance > 1.0)
    return (as_percent & ~as_fraction) | (too_big & ~as_fraction)


#: Bybit's inverse (coin-margined) ids and their base coin: ``BTCUSD`` (perpetual),
#: ``BTCUSDH26`` (future: CME month code and year; Bybit's enum page lists
#: ``BTCUSDH23/M23/U23/Z23``).  Every other id levkit reads on v5 is linear (``BTCUSDT``,
#: ``BTCUSDC``, ``BTCPERP``, ``BTCUSDT-26DEC25``, ``BTC-27DEC24``).  docs/instruments.md
#: §2.2, §3.1.
INVERSE_ID = re.compile(r"([A-Z0-9]+?)USD(?:[FGHJKMNQUVXZ]\d{2})?")


def inverse_base(symbol: str) -> str:
    """The base coin of a Bybit inverse id, ``""`` for any other id.

    >>> inverse_base("BTCUSD"), inverse_base("ETHUSDH26"), inverse_base("BTCUSDT")
    ('BTC', 'ETH', '')
    """
    found = INVERSE_ID.fullmatch(symbol) if isinstance(symbol, str) else None
    return found.group(1) if found else ""


def _unit(symbols: list[str], category: str) -> np.ndarray:
    """Each row's ``notional_unit``, from the instrument its id names (the settle coin of
    a linear contract, the coin of an inverse one): ``category`` is the request's, the
    instrument's own kind decides."""
    codes, distinct = pd.factorize(np.asarray(symbols, dtype=object))
    return units_of(distinct, "bybit")[codes]


def parse_risk_limits(
    rows: Any, *, category: str = "linear", source: str = "api", **attrs: Any
) -> pd.DataFrame:
    """``result.list`` of ``GET /v5/market/risk-limit`` (one or many pages joined) -> tiers frame.

    Rows may be dicts (plain JSON) or the typed rows of :func:`decode_risk_limit_page`.
    Every ladder is checked (:data:`RULES`): a bad symbol in a many-symbol answer is left
    out (``attrs["dropped"]``, a ``LadderWarning``), a bad single ladder raises.

    Extra columns: ``category``, ``notional_unit`` (settle coin for linear, base coin for
    inverse) and ``risk_id`` (``isLowestRisk`` is ``tier == 1``).

    Examples
    --------
    >>> rows = [{"id": 1, "symbol": "BTCUSDT", "riskLimitValue": "300000",
    ...          "maintenanceMargin": "0.0033", "initialMargin": "0.0066",
    ...          "isLowestRisk": 1, "maxLeverage": "150.00", "mmDeduction": ""}]
    >>> parse_risk_limits(rows)[["tier", "max_notional", "max_leverage"]].values.tolist()
    [[1.0, 300000.0, 150.0]]

    The docs' ``category=inverse`` example (bybit-exchange.github.io/docs/v5/market/risk-limit):
    rates in percent (``"0.5"``, ``"1"`` at ``"100.00"``x) are read as fractions, the cap
    in BTC:

    >>> inverse = [{"id": 1, "symbol": "BTCUSD", "riskLimitValue": "150",
    ...             "maintenanceMargin": "0.5", "initialMargin": "1", "isLowestRisk": 1,
    ...             "maxLeverage": "100.00", "mmDeduction": ""}]
    >>> t = parse_risk_limits(inverse, category="inverse")
    >>> t[["max_notional", "maintenance_margin_rate", "initial_margin_rate", "notional_unit"]].values.tolist()
    [[150.0, 0.005, 0.01, 'BTC']]
    """
    what = "risk-limit"
    rows = rows_of(rows, what)
    if not rows:
        raise ParseError("risk-limit: the answer holds no tiers")
    optional = {
        "maxLeverage": "",
        "initialMargin": "",
        "maintenanceMargin": "",
        "mmDeduction": "",
        "id": "",
    }
    cols = columns(rows, ["symbol", "riskLimitValue", *optional], what, optional)
    symbols = check_texts(cols["symbol"], "symbol", what)
    read = read_numbers if set(map(type, rows)) == {_NumberRow} else numeric
    cap = read(cols["riskLimitValue"], field="risk-limit.riskLimitValue")
    lev = read(cols["maxLeverage"], field="risk-limit.maxLeverage")
    im = read(cols["initialMargin"], field="risk-limit.initialMargin")
    mm = read(cols["maintenanceMargin"], field="risk-limit.maintenanceMargin")
    ded = read(cols["mmDeduction"], field="risk-limit.mmDeduction", empty=0.0)
    pct = percent_rows(lev, im, mm)
    if pct.any():
        im = np.where(pct, im / 100.0, im)
        mm = np.where(pct, mm / 100.0, mm)
    risk_id = whole_numbers(read(cols["id"], field="risk-limit.id"), field="risk-limit.id")
    unit = _unit(symbols, category)
    frame = ladder_columns("bybit", symbols, cap, lev, mm, im, ded, category=category, unit=unit)
    frame["risk_id"] = risk_id
    if pct.any():
        attrs.setdefault("percent_rates_converted", int(pct.sum()))
    return tiers_frame(frame, source=source, rules=RULES, **attrs)


def parse_positions(
    rows: Any, *, category: str = "linear", source: str = "api", **attrs: Any
) -> pd.DataFrame:
    """``result.list`` of ``GET /v5/position/list`` -> leverage frame (caps not yet filled).

    ``positionIdx`` 0/1/2 becomes side both/long/short; ``leverage`` ``""`` (portfolio margin)
    becomes NaN.  Extra columns: ``position_idx``, ``size``, ``position_value``, ``risk_id``,
    ``risk_limit_value``, ``category``, ``entry_price`` (``avgPrice``), ``mark_price``.
    """
    what = "position/list"
    rows = rows_of(rows, what)
    if not rows:
        raise ParseError("position/list: no positions in the answer")
    idx = numbers(rows, "positionIdx", what, default=0)
    if np.isnan(idx).any() or not np.isin(idx, list(POSITION_SIDES)).all():
        raise ParseError(f"position/list: positionIdx must be 0, 1 or 2, got {idx.tolist()}")
    frame = {
        "exchange": ["bybit"] * len(rows),
        "symbol": texts(rows, "symbol", what),
        "side": [POSITION_SIDES[int(i)] for i in idx],
        "leverage": numbers(rows, "leverage", what, default=""),
        "max_leverage": np.full(len(rows), np.nan),
        "max_position_value": np.full(len(rows), np.nan),
        "position_idx": idx.astype("int64"),
        "size": numbers(rows, "size", what, default=""),
        "position_value": numbers(rows, "positionValue", what, default=""),
        "risk_id": numbers(rows, "riskId", what, default=""),
        "risk_limit_value": numbers(rows, "riskLimitValue", what, default=""),
        "category": [category] * len(rows),
        "entry_price": numbers(rows, "avgPrice", what, default=""),
        "mark_price": numbers(rows, "markPrice", what, default=""),
        "direction": [{"Buy": "long", "Sell": "short"}.get(str(r.get("side")), "") for r in rows],
    }
    return leverage_frame(frame, source=source, **attrs)


def parse_instruments(rows: Any) -> pd.DataFrame:
    """``result.list`` of ``GET /v5/market/instruments-info`` -> one row per symbol with
    ``min_leverage``, ``max_leverage``, ``leverage_step``, ``settle_coin``, ``status``
    (a leverage figure that is not positive: NaN and a ``LadderWarning``)."""
    what = "instruments-info"
    rows = rows_of(rows, what)
    filters = column(rows, "leverageFilter", what, default={})
    if not all(isinstance(f, dict) for f in filters):
        raise ParseError("instruments-info: leverageFilter must be an object")
    symbols = texts(rows, "symbol", what)
    limits = {
        key: positive_or_unknown(
            numbers(filters, key, what, default=""), symbols, f"{what}.leverageFilter.{key}"
        )
        for key in ("minLeverage", "maxLeverage", "leverageStep")
    }
    return pd.DataFrame(
        {
            "symbol": pd.Series(symbols, dtype=str),
            "min_leverage": limits["minLeverage"],
            "max_leverage": limits["maxLeverage"],
            "leverage_step": limits["leverageStep"],
            "settle_coin": pd.Series(
                [str(v) for v in column(rows, "settleCoin", what, "")], dtype=str
            ),
            "status": pd.Series([str(v) for v in column(rows, "status", what, "")], dtype=str),
        }
    )
