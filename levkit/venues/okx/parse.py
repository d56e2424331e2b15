"""OKX API v5 answers -> frames.  Pure functions; tests call them with inline payloads.

Where things come from (``GET /api/v5/public/position-tiers``, instType SWAP [O1]):

- ``max_notional`` <- ``maxSz`` (contracts) x ``ctVal`` x ``ctMult`` x mark price, from
  ``/api/v5/public/instruments`` and ``/api/v5/public/mark-price`` fetched alongside
  (inverse swaps, ``ctType`` "inverse": ``maxSz x ctVal x ctMult``, already in USD);
- ``min_notional`` is the previous tier's ``max_notional`` (OKX's own ``minSz`` is the
  previous ``maxSz`` + 1 contract: the gap is closed; ``min_size`` keeps the raw bound);
- ``max_leverage`` <- ``maxLever``; ``maintenance_margin_rate`` <- ``mmr``;
  ``initial_margin_rate`` <- ``imr`` (fractions); ``mm_deduction`` = 0 (OKX publishes none).

Extra columns: ``okx_tier``, ``min_size``, ``max_size`` (contracts, as OKX states them),
``ct_val``, ``ct_mult``, ``price`` (the mark used), ``inst_family``, ``margin_mode``,
``category``, ``notional_unit``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ...errors import ParseError
from ...frames import LadderRules, leverage_frame, numeric, tiers_frame
from .._parse import column, finite_values, numbers, positive_or_unknown, rows_of, texts
from .._resolve import units_of

__all__ = [
    "parse_instruments",
    "parse_marks",
    "parse_position_tiers",
    "parse_leverage_info",
    "parse_pos_mode",
    "parse_positions",
    "POS_SIDES",
    "RULES",
]

#: OKX ``posSide`` -> levkit side (``net``: one-way mode).
POS_SIDES = {"long": "long", "short": "short", "net": "both", "": "both"}
MARGIN_MODES = ("cross", "isolated")

#: The ladder check's declaration (``levkit.frames``): OKX's names in messages (the cap is
#: ``maxSz`` converted to quote notional), a leverage on every tier, OKX's ``tier`` numbers
#: rising with the cap [O1], a bad instrument of a many-instrument answer dropped.
RULES = LadderRules(
    fields={
        "max_notional": "maxSz x ctVal x ctMult x mark price",
        "max_leverage": "maxLever",
        "maintenance_margin_rate": "mmr",
        "initial_margin_rate": "imr",
    },
    need_leverage=True,
    numbered_by="okx_tier",
    drop_bad=True,
)


def _family(rows: list[dict], what: str) -> list[str]:
    fam = [str(r.get("instFamily") or r.get("uly") or "") for r in rows]
    if not all(fam):
        raise ParseError(
            f"{what}: a row has neither instFamily nor uly: not a SWAP/FUTURES row "
            "(MARGIN rows, like the docs' example, are keyed by instId)"
        )
    return fam


def parse_instruments(rows: Any) -> pd.DataFrame:
    """``data`` of ``GET /api/v5/public/instruments?instType=SWAP`` -> one row per instrument:
    ``symbol``, ``inst_family``, ``inst_type``, ``ct_val``, ``ct_mult``, ``ct_type``,
    ``ct_val_ccy``, ``settle_ccy``, ``max_leverage`` (``lever``; NaN and a warning where
    it is not a positive number), ``state``.

    Examples
    --------
    >>> row = {"instId": "BTC-USDT-SWAP", "instFamily": "BTC-USDT", "instType": "SWAP",
    ...        "ctVal": "0.01", "ctMult": "1", "ctType": "linear", "ctValCcy": "BTC",
    ...        "settleCcy": "USDT", "lever": "100", "state": "live", "uly": "BTC-USDT"}
    >>> parse_instruments([row])[["symbol", "ct_val", "max_leverage"]].values.tolist()
    [['BTC-USDT-SWAP', 0.01, 100.0]]
    """
    what = "instruments"
    rows = rows_of(rows, what)
    if not rows:
        raise ParseError("instruments: the answer holds no instruments")
    ct_val = numbers(rows, "ctVal", what, default="")
    ct_mult = numbers(rows, "ctMult", what, default="", empty=1.0)
    symbols = texts(rows, "instId", what)
    lever = positive_or_unknown(numbers(rows, "lever", what, default=""), symbols, f"{what}.lever")
    return pd.DataFrame(
        {
            "symbol": pd.Series(symbols, dtype=str),
            "inst_family": pd.Series(
                [str(r.get("instFamily") or r.get("uly") or "") for r in rows], dtype=str
            ),
            "inst_type": pd.Series([str(v) for v in column(rows, "instType", what, "")], dtype=str),
            "ct_val": ct_val,
            "ct_mult": ct_mult,
            "ct_type": pd.Series([str(v) for v in column(rows, "ctType", what, "")], dtype=str),
            "ct_val_ccy": pd.Series(
                [str(v) for v in column(rows, "ctValCcy", what, "")], dtype=str
            ),
            "settle_ccy": pd.Series(
                [str(v) for v in column(rows, "settleCcy", what, "")], dtype=str
            ),
            "max_leverage": lever,
            "state": pd.Series([str(v) for v in column(rows, "state", what, "")], dtype=str),
        }
    )


def parse_marks(rows: Any) -> dict[str, float]:
    """``data`` of ``GET /api/v5/public/mark-price`` -> ``{instId: markPx}``.

    >>> parse_marks([{"instType": "SWAP", "instId": "BTC-USDT-SWAP", "markPx": "60000.1",
    ...               "ts": "1597026383085"}])
    {'BTC-USDT-SWAP': 60000.1}
    """
    what = "mark-price"
    rows = rows_of(rows, what)
    prices = numbers(rows, "markPx", what)
    return dict(zip(texts(rows, "instId", what), prices.tolist(), strict=True))


def parse_position_tiers(
    rows: Any,
    instruments: pd.DataFrame,
    marks: Mapping[str, float],
    *,
    margin_mode: str = "cross",
    source: str = "api",
    **attrs: Any,
) -> pd.DataFrame:
    """``data`` of ``GET /api/v5/public/position-tiers`` (instType SWAP, one or many calls
    joined) -> tiers frame, sizes converted to quote notional (module docstring).

    ``instruments`` is :func:`parse_instruments` of the swaps wanted (rows of other
    families are dropped); ``marks`` maps ``instId`` to the mark price used.  Instruments
    without a mark price are left out and listed in ``attrs["no_mark_price"]``.

    Examples
    --------
    The two SWAP rows quoted in ccxt PR #11938 (BTC-USDT, 2022), at a mark of 40000:

    >>> rows = [
    ...   {"uly": "BTC-USDT", "instId": "", "tier": "1", "minSz": "0", "maxSz": "500",
    ...    "mmr": "0.004", "imr": "0.008", "maxLever": "125", "optMgnFactor": "0",
    ...    "quoteMaxLoan": "", "baseMaxLoan": ""},
    ...   {"uly": "BTC-USDT", "instId": "", "tier": "100", "minSz": "972001",
    ...    "maxSz": "982000", "mmr": "0.495", "imr": "0.5", "maxLever": "2",
    ...    "optMgnFactor": "0", "quoteMaxLoan": "", "baseMaxLoan": ""}]
    >>> inst = parse_instruments([{"instId": "BTC-USDT-SWAP", "instFamily": "BTC-USDT",
    ...     "instType": "SWAP", "ctVal": "0.01", "ctMult": "1", "ctType": "linear",
    ...     "settleCcy": "USDT", "lever": "125", "state": "live"}])
    >>> df = parse_position_tiers(rows, inst, {"BTC-USDT-SWAP": 40000.0})
    >>> df[["min_notional", "max_notional", "max_leverage", "min_size"]].values.tolist()
    [[0.0, 200000.0, 125.0, 0.0], [200000.0, 392800000.0, 2.0, 972001.0]]
    """
    what = "position-tiers"
    if margin_mode not in MARGIN_MODES:
        raise ValueError(f"margin_mode must be 'cross' or 'isolated', not {margin_mode!r}")
    rows = rows_of(rows, what)
    if not rows:
        raise ParseError("position-tiers: the answer holds no tiers")
    if not all(isinstance(r, dict) for r in rows):
        raise ParseError("position-tiers: expected objects")
    raw = pd.DataFrame(
        {
            "inst_family": _family(rows, what),
            "okx_tier": numbers(rows, "tier", what, default=""),
            "min_size": numbers(rows, "minSz", what, default="", empty=0.0),
            "max_size": numbers(rows, "maxSz", what),
            "max_leverage": numbers(rows, "maxLever", what),
            "maintenance_margin_rate": numbers(rows, "mmr", what, default=""),
            "initial_margin_rate": numbers(rows, "imr", what, default=""),
        }
    )
    inst = instruments[["symbol", "inst_family", "ct_val", "ct_mult", "ct_type", "settle_ccy"]]
    if inst["ct_val"].isna().any():
        bad = inst.loc[inst["ct_val"].isna(), "symbol"].iloc[0]
        raise ParseError(f"instruments: {bad} has no ctVal (not a contract?)")
    merged = raw.merge(inst, on="inst_family", how="inner")
    if merged.empty:
        raise ParseError("position-tiers: no tier belongs to the instruments asked for")
    price = merged["symbol"].map(lambda s: marks.get(s, np.nan)).astype("float64")
    inverse = (merged["ct_type"] == "inverse").to_numpy()
    missing = sorted(set(merged.loc[price.isna() & ~inverse, "symbol"]))  # inverse: no price
    per_contract = merged["ct_val"].to_numpy(float) * merged["ct_mult"].to_numpy(float)
    per_contract = np.where(inverse, per_contract, per_contract * price.to_numpy(float))
    merged["max_notional"] = merged["max_size"].to_numpy(float) * per_contract
    merged["price"] = price
    merged = merged[~np.isnan(per_contract)]  # no mark price (a blank maxSz stays: it is bad)
    if merged.empty:
        raise ParseError(f"position-tiers: no mark price for {', '.join(missing)}")
    n = len(merged)
    codes, distinct = pd.factorize(merged["symbol"].to_numpy(object))
    unit = units_of(distinct, "okx")[codes]  # quote for linear, USD (x ctVal) for inverse
    frame = {
        "exchange": ["okx"] * n,
        "symbol": merged["symbol"].to_numpy(object),
        "max_notional": merged["max_notional"].to_numpy(float),
        "max_leverage": merged["max_leverage"].to_numpy(float),
        "maintenance_margin_rate": merged["maintenance_margin_rate"].to_numpy(float),
        "initial_margin_rate": merged["initial_margin_rate"].to_numpy(float),
        "mm_deduction": np.zeros(n),
        "okx_tier": merged["okx_tier"].to_numpy(float),
        "min_size": merged["min_size"].to_numpy(float),
        "max_size": merged["max_size"].to_numpy(float),
        "ct_val": merged["ct_val"].to_numpy(float),
        "ct_mult": merged["ct_mult"].to_numpy(float),
        "price": merged["price"].to_numpy(float),
        "inst_family": merged["inst_family"].to_numpy(object),
        "margin_mode": np.full(n, margin_mode, dtype=object),
        "category": np.where(merged["ct_type"] == "inverse", "inverse", "linear").astype(object),
        "notional_unit": np.asarray(unit, dtype=object),
    }
    if missing:
        attrs.setdefault("no_mark_price", missing)
    return tiers_frame(frame, source=source, rules=RULES, **attrs)


def parse_pos_mode(rows: Any) -> str:
    """``posMode`` of ``GET /api/v5/account/config``: ``long_short_mode`` or ``net_mode``.

    >>> parse_pos_mode([{"acctLv": "2", "posMode": "long_short_mode"}])
    'long_short_mode'
    """
    rows = rows_of(rows, "account/config")
    if not rows or not isinstance(rows[0], dict):
        raise ParseError("account/config: no account configuration in the answer")
    mode = rows[0].get("posMode")
    if mode not in ("long_short_mode", "net_mode"):
        raise ParseError(f"account/config: unknown posMode {mode!r}")
    return str(mode)


def parse_leverage_info(
    rows: Any, *, source: str = "api", pos_mode: str = "", **attrs: Any
) -> pd.DataFrame:
    """``data`` of ``GET /api/v5/account/leverage-info`` -> leverage frame (caps not filled).

    ``posSide`` long/short become sides long/short; ``net`` (one-way mode) becomes ``both``.
    Extra columns: ``margin_mode`` (``mgnMode``) and ``pos_mode`` when given.

    Examples
    --------
    The docs' example (cross margin, long/short mode):

    >>> rows = [{"ccy": "", "instId": "BTC-USDT-SWAP", "mgnMode": "cross",
    ...          "posSide": "long", "lever": "10"},
    ...         {"ccy": "", "instId": "BTC-USDT-SWAP", "mgnMode": "cross",
    ...          "posSide": "short", "lever": "10"}]
    >>> parse_leverage_info(rows)[["symbol", "side", "leverage"]].values.tolist()
    [['BTC-USDT-SWAP', 'long', 10.0], ['BTC-USDT-SWAP', 'short', 10.0]]
    """
    what = "leverage-info"
    rows = rows_of(rows, what)
    if not rows:
        raise ParseError("leverage-info: no leverage in the answer")
    pos = [str(v) for v in column(rows, "posSide", what, "")]
    unknown = sorted(set(pos) - set(POS_SIDES))
    if unknown:
        raise ParseError(f"leverage-info: unknown posSide {unknown[0]!r}")
    n = len(rows)
    frame = {
        "exchange": ["okx"] * n,
        "symbol": texts(rows, "instId", what),
        "side": [POS_SIDES[p] for p in pos],
        "leverage": numeric(column(rows, "lever", what), field="leverage-info.lever"),
        "max_leverage": np.full(n, np.nan),
        "max_position_value": np.full(n, np.nan),
        "margin_mode": [str(v) for v in column(rows, "mgnMode", what, "")],
    }
    if pos_mode:
        frame["pos_mode"] = [pos_mode] * n
    return leverage_frame(frame, source=source, **attrs)


def parse_positions(rows: Any, instruments: pd.DataFrame, *, source: str = "api") -> pd.DataFrame:
    """``data`` of ``GET /api/v5/account/positions?instType=SWAP`` -> one row per position.

    Fields ("Get positions", OKX docs v5 [O1]; strings): ``pos`` (contracts, signed in net
    mode), ``posSide`` long/short/net, ``avgPx``, ``markPx``, ``notionalUsd``, ``lever``,
    ``mgnMode``.  ``position_value`` is in the quote currency:
    ``|pos| x ctVal x ctMult x markPx`` with the contract value of ``instruments``
    (inverse swaps: ``|pos| x ctVal x ctMult``, already USD).  OKX's ``notionalUsd`` is in
    USD, not USDT: kept as ``notional_usd`` and used only for an instrument levkit has no
    contract value for.  ``size`` is ``|pos|`` in contracts; ``direction`` is the side, or
    the sign of ``pos`` in net mode.  Extra columns: ``leverage``, ``margin_mode``,
    ``notional_usd``, ``ct_val``.

    Examples
    --------
    >>> inst = pd.DataFrame({"symbol": ["BTC-USDT-SWAP"], "ct_val": [0.01], "ct_mult": [1.0],
    ...                      "ct_type": ["linear"]})
    >>> row = {"instType": "SWAP", "instId": "BTC-USDT-SWAP", "mgnMode": "cross",
    ...        "posSide": "net", "pos": "-50", "avgPx": "60000", "markPx": "61000",
    ...        "notionalUsd": "30490.5", "lever": "20"}
    >>> parse_positions([row], inst)[["side", "direction", "size", "position_value"]].values.tolist()
    [['both', 'short', 50.0, 30500.0]]
    """
    what = "account/positions"
    rows = rows_of(rows, what)
    if not rows:
        return pd.DataFrame({"exchange": [], "symbol": [], "side": [], "position_value": []})
    pos_side = [str(v) for v in column(rows, "posSide", what, "")]
    unknown = sorted(set(pos_side) - set(POS_SIDES))
    if unknown:
        raise ParseError(f"{what}: unknown posSide {unknown[0]!r}")
    symbols = texts(rows, "instId", what)
    pos = numbers(rows, "pos", what)
    mark = numbers(rows, "markPx", what, default="")
    inst = instruments.drop_duplicates("symbol").set_index("symbol")
    ct = inst["ct_val"].reindex(symbols).to_numpy(float) * inst["ct_mult"].reindex(
        symbols
    ).to_numpy(float)
    inverse = (inst["ct_type"].reindex(symbols) == "inverse").to_numpy(bool)
    usd = numbers(rows, "notionalUsd", what, default="")
    with np.errstate(over="ignore", invalid="ignore"):
        value = np.abs(pos) * ct * np.where(inverse, 1.0, mark)
    value = finite_values(np.where(np.isnan(ct), np.abs(usd), value), symbols, f"{what} value")
    side = [POS_SIDES[p] for p in pos_side]
    frame = pd.DataFrame(
        {
            "exchange": "okx",
            "symbol": symbols,
            "side": side,
            "direction": [
                s if s != "both" else ("short" if p < 0 else "long")
                for s, p in zip(side, pos, strict=True)
            ],
            "size": np.abs(pos),
            "position_value": value,
            "entry_price": numbers(rows, "avgPx", what, default=""),
            "mark_price": mark,
            "leverage": numbers(rows, "lever", what, default=""),
            "margin_mode": [str(v) for v in column(rows, "mgnMode", what, "")],
            "notional_usd": usd,
            "ct_val": ct,
        }
    )
    frame.attrs["source"] = source
    return frame
