"""Gate API v4 futures answers -> frames.  Pure functions; tests call them with inline
payloads written from the docs' examples.

Where things come from ([T1] gateapi-python ``FuturesLimitRiskTiers.md``, ``Position.md``):

- ``max_notional`` <- ``risk_limit`` (the tier's CAP in the settle currency, USDT; the
  floor is implicit: the previous tier's cap, 0 for tier 1)
- ``max_leverage`` <- ``leverage_max``; ``initial_margin_rate`` <- ``initial_rate``;
  ``maintenance_margin_rate`` <- ``maintenance_rate`` (fractions)
- ``mm_deduction`` <- ``deduction`` ("maintenance margin quick calculation deduction").
  Answers of January 2024 had no ``deduction`` (and no ``contract``): ccxt PR #20879.
  Where it is absent it is derived by the recursion the docs' own example obeys
  (``d_1 = 0``, ``d_n = d_{n-1} + cap_{n-1} * (mmr_n - mmr_{n-1})``), the column
  ``mm_deduction_derived`` (the marker :mod:`levkit.model.maintenance` reads) says on
  which rows, and ``attrs["mm_deduction_derived"]`` counts them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ...errors import ParseError
from ...frames import LadderRules, leverage_frame, numeric, tiers_frame
from .._parse import (
    column,
    columns,
    deduction_recursion,
    ladder_columns,
    ladder_starts,
    numbers,
    positive_or_unknown,
    rows_of,
    whole_numbers,
)

__all__ = [
    "MODES",
    "derive_deductions",
    "parse_contract",
    "parse_positions",
    "parse_risk_limits",
    "RULES",
]

#: Position ``mode`` -> levkit side ([T1] Position.md: single, dual_long, dual_short).
MODES = {"single": "both", "dual_long": "long", "dual_short": "short"}

#: The ladder check's declaration (``levkit.frames``): Gate's names in messages, a leverage
#: on every tier, Gate's ``tier`` rising with the cap [T1], a bad contract of an
#: all-contracts answer dropped.
RULES = LadderRules(
    fields={
        "max_notional": "risk_limit",
        "max_leverage": "leverage_max",
        "maintenance_margin_rate": "maintenance_rate",
        "initial_margin_rate": "initial_rate",
        "mm_deduction": "deduction",
    },
    need_leverage=True,
    numbered_by="risk_tier",
    drop_bad=True,
)


def derive_deductions(caps: np.ndarray, mmr: np.ndarray) -> np.ndarray:
    """Maintenance deductions of one ladder sorted by cap, from caps and rates alone.

    ``d_1 = 0``; ``d_n = d_{n-1} + cap_{n-1} * (mmr_n - mmr_{n-1})`` (Binance's ``cum``
    with the previous cap as floor; Gate's documented example obeys it).

    Examples
    --------
    >>> derive_deductions(np.array([20000.0, 30000.0, 50000.0]),
    ...                   np.array([0.01, 0.013, 0.015])).round(6).tolist()
    [0.0, 60.0, 120.0]
    """
    out = np.zeros(len(caps))
    for i in range(1, len(caps)):
        out[i] = out[i - 1] + caps[i - 1] * (mmr[i] - mmr[i - 1])
    return out


def parse_risk_limits(
    rows: Any, *, contract: str | None = None, source: str = "api", **attrs: Any
) -> pd.DataFrame:
    """A list of ``FuturesLimitRiskTiers`` from ``GET /futures/usdt/risk_limit_tiers``
    -> tiers frame.

    ``contract`` names the symbol when the rows do not (an answer for one contract, or
    the 2024 rows without ``contract``).  Extra columns: ``category`` (linear),
    ``notional_unit`` (USDT), ``risk_tier`` (Gate's ``tier``), ``mm_deduction_derived``.

    Examples
    --------
    The docs' example (first two rows):

    >>> rows = [{"maintenance_rate": "0.01", "tier": 1, "initial_rate": "0.02",
    ...          "leverage_max": "50", "risk_limit": "20000", "contract": "ZTX_USDT",
    ...          "deduction": "0"},
    ...         {"maintenance_rate": "0.013", "tier": 2, "initial_rate": "0.025",
    ...          "leverage_max": "40", "risk_limit": "30000", "contract": "ZTX_USDT",
    ...          "deduction": "60"}]
    >>> df = parse_risk_limits(rows)
    >>> df[["tier", "min_notional", "max_notional", "max_leverage", "mm_deduction"]].values.tolist()
    [[1.0, 0.0, 20000.0, 50.0, 0.0], [2.0, 20000.0, 30000.0, 40.0, 60.0]]
    """
    what = "risk_limit_tiers"
    rows = rows_of(rows, what)
    if not rows:
        raise ParseError(f"{what}: the answer holds no tiers")
    optional = {"contract": contract or "", "deduction": None, "tier": None, "initial_rate": ""}
    keys = ["risk_limit", "leverage_max", "maintenance_rate", *optional]
    cols = columns(rows, keys, what, optional)
    symbols = [str(c or contract or "") for c in cols["contract"]]
    if not all(symbols):
        raise ParseError(f"{what}: a row names no contract (pass contract=...)")
    cap = numeric(cols["risk_limit"], field=f"{what}.risk_limit")
    lev = numeric(cols["leverage_max"], field=f"{what}.leverage_max")
    mm = numeric(cols["maintenance_rate"], field=f"{what}.maintenance_rate")
    im = numeric(cols["initial_rate"], field=f"{what}.initial_rate")
    raw_ded = cols["deduction"]
    absent = np.array([d is None or d == "" for d in raw_ded], dtype=bool)
    ded = numeric([np.nan if a else d for a, d in zip(absent, raw_ded, strict=True)],
                  field=f"{what}.deduction")  # fmt: skip
    if absent.any():
        # derive_deductions on every ladder at once: the floor is the previous tier's cap
        order, start = ladder_starts(symbols, cap)
        floor = np.concatenate([[0.0], cap[order][:-1]])
        derived = np.empty(len(cap))
        derived[order] = deduction_recursion(start, floor, mm[order])
        ded = np.where(absent, derived, ded)
        attrs.setdefault("mm_deduction_derived", int(absent.sum()))
    tier = whole_numbers(numeric(cols["tier"], field=f"{what}.tier"), field=f"{what}.tier")
    frame = ladder_columns("gate", symbols, cap, lev, mm, im, ded, category="linear", unit="USDT")
    frame["risk_tier"] = tier
    frame["mm_deduction_derived"] = absent
    return tiers_frame(frame, source=source, rules=RULES, **attrs)


def parse_contract(obj: Any) -> dict[str, Any]:
    """``GET /futures/usdt/contracts/{contract}`` -> ``{"symbol", "max_leverage",
    "min_leverage", "status", "quanto_multiplier"}``.

    Examples
    --------
    >>> parse_contract({"name": "BTC_USDT", "leverage_min": "1", "leverage_max": "100",
    ...                 "quanto_multiplier": "0.0001", "status": "trading"})["max_leverage"]
    100.0
    """
    if not isinstance(obj, dict) or not obj.get("name"):
        raise ParseError("contracts: expected a Contract object with a name")
    nums = numeric(
        [
            obj.get("leverage_max", ""),
            obj.get("leverage_min", ""),
            obj.get("quanto_multiplier", ""),
        ],
        field="contracts.leverage",
    )
    name = str(obj["name"])
    top, low = (
        positive_or_unknown(nums[i : i + 1], [name], "contracts.leverage")[0] for i in (0, 1)
    )
    return {
        "symbol": name,
        "max_leverage": float(top),
        "min_leverage": float(low),
        "quanto_multiplier": float(nums[2]),
        "status": str(obj.get("status", "")),
    }


def parse_positions(rows: Any, *, source: str = "api", **attrs: Any) -> pd.DataFrame:
    """Position objects (one from ``/positions/{contract}``, two from
    ``/dual_comp/positions/{contract}``) -> leverage frame (caps not yet filled).

    ``leverage`` ``"0"`` means cross margin, whose effective leverage is
    ``cross_leverage_limit`` ([T1] Position.md: "Cross margin leverage (valid only when
    leverage is 0)"); a cross position with ``cross_leverage_limit`` 0 has no stated
    leverage and reads NaN.  ``mode`` single/dual_long/dual_short becomes side
    both/long/short.  Extra columns: ``margin_mode`` (cross/isolated), ``leverage_setting``
    (Gate's raw ``leverage``), ``cross_leverage_limit``, ``mode``, ``size`` (contracts),
    ``value`` (USDT), ``risk_limit`` and ``tier_max_leverage`` (Gate's ``leverage_max``:
    the maximum at the position's current risk limit, not the symbol's top).

    Examples
    --------
    >>> row = {"contract": "BTC_USDT", "size": "0", "leverage": "0",
    ...        "cross_leverage_limit": "25", "mode": "single", "leverage_max": "100",
    ...        "risk_limit": "1000000", "value": "0"}
    >>> parse_positions([row])[["side", "leverage", "margin_mode"]].values.tolist()
    [['both', 25.0, 'cross']]
    """
    what = "positions"
    if isinstance(rows, dict):
        rows = [rows]
    rows = rows_of(rows, what)
    if not rows:
        raise ParseError(f"{what}: no positions in the answer")
    modes = [str(m) for m in column(rows, "mode", what, "single")]
    if any(m not in MODES for m in modes):
        raise ParseError(f"{what}: mode must be single, dual_long or dual_short, got {modes}")
    setting = numbers(rows, "leverage", what)
    if np.isnan(setting).any():
        raise ParseError(f"{what}: a position has no leverage")
    limit = numbers(rows, "cross_leverage_limit", what, default="")
    cross = setting == 0
    with np.errstate(invalid="ignore"):
        effective = np.where(cross, np.where(limit > 0, limit, np.nan), setting)
    frame = {
        "exchange": ["gate"] * len(rows),
        "symbol": [str(c) for c in column(rows, "contract", what)],
        "side": [MODES[m] for m in modes],
        "leverage": effective,
        "max_leverage": np.full(len(rows), np.nan),
        "max_position_value": np.full(len(rows), np.nan),
        "margin_mode": np.where(cross, "cross", "isolated").astype(object),
        "leverage_setting": setting,
        "cross_leverage_limit": limit,
        "mode": modes,
        "size": numbers(rows, "size", what, default=""),
        "value": numbers(rows, "value", what, default=""),
        "risk_limit": numbers(rows, "risk_limit", what, default=""),
        "tier_max_leverage": numbers(rows, "leverage_max", what, default=""),
        "entry_price": numbers(rows, "entry_price", what, default=""),
        "mark_price": numbers(rows, "mark_price", what, default=""),
    }
    return leverage_frame(frame, source=source, **attrs)
