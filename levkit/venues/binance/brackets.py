"""The leverage-bracket reader both Binance futures APIs share (USDⓈ-M ``fapi``, COIN-M
``dapi``): the same answer shape with different bound keys, declared per API as a
:class:`Brackets` (USDⓈ-M in :mod:`levkit.venues.binance.parse`, COIN-M in
:mod:`levkit.venues.binance_coinm.parse`).

``cum`` is checked against the published recursion ``cum_n = floor_n * (mmr_n -
mmr_{n-1}) + cum_{n-1}`` (Binance FAQ "leverage and margin of USDⓈ-M futures"; COIN-M's
FAQ states the same rule: "Maintenance Amount on Level 5 = 50 BTC * (5% - 2.5%) + 0.56
BTC"): disagreements are listed in ``attrs["cum_mismatch"]`` and warned about, the
exchange's figure is kept.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ...errors import ParseError
from ...frames import LadderRules, LadderWarning, tiers_frame
from .._parse import columns, numbers, rows_of, without_empty_bands

__all__ = ["Brackets", "CUM_RTOL", "brackets_of", "cum_mismatches", "read_brackets"]

#: Relative tolerance of the cum check (the figures are floats in the answer).
CUM_RTOL = 1e-9


@dataclass(frozen=True)
class Brackets:
    """How one Binance futures API states its leverage brackets (declared data: USDⓈ-M
    here, COIN-M in :mod:`levkit.venues.binance_coinm.parse`).

    ``cap`` and ``floors`` are the answer's bound keys (the first floor key present is
    read; ``floor_optional``: none present is allowed, the floor is then the previous
    cap), kept as the ``floor_column`` extra column; ``unit`` maps the distinct symbols
    to their ``notional_unit``; ``category`` is the contract kind.
    """

    exchange: str
    what: str
    cap: str
    floors: tuple[str, ...]
    floor_column: str
    category: str
    unit: Callable[[np.ndarray], np.ndarray]
    rules: LadderRules
    floor_optional: bool = False


def brackets_of(payload: Any, what: str = "leverageBracket") -> list[dict]:
    """The list of ``{symbol, notionalCoef?, brackets}`` objects of a leverageBracket answer
    (one object with ``symbol``, a list without it)."""
    if isinstance(payload, dict):
        return [payload]
    return rows_of(payload, what)


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


def _cum_mismatch_tiers(
    frame: pd.DataFrame, floor_column: str = "notional_floor", *, rtol: float = CUM_RTOL
) -> dict[str, list[int]]:
    """``{symbol: [tier, ...]}`` whose ``cum`` breaks the recursion (:func:`cum_mismatches`
    on every ladder of the sorted frame at once)."""
    floor = frame[floor_column].to_numpy(float)
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


def _bracket_rows(items: list, what: str) -> list[dict]:
    rows: list[dict] = []
    for item in items:
        if not isinstance(item, dict):
            raise ParseError(f"{what}: expected objects, got {type(item).__name__}")
        symbol = item.get("symbol")
        if not isinstance(symbol, str) or not symbol:
            raise ParseError(f"{what}: an entry has no symbol")
        coef = item.get("notionalCoef", 1.0)
        brackets = rows_of(item.get("brackets"), f"{what} {symbol}.brackets")
        if not brackets:
            raise ParseError(f"{what}: {symbol} has no brackets")
        for b in brackets:
            if not isinstance(b, dict):
                raise ParseError(f"{what}: {symbol}: a bracket is not an object")
            rows.append({**b, "symbol": symbol, "notionalCoef": coef})
    if not rows:
        raise ParseError(f"{what}: no symbols in the answer")
    return rows


def _floors(rows: list[dict], spec: Brackets) -> np.ndarray:
    """The venue's own floor of every bracket: the first of ``spec.floors`` present (NaN
    where none is and ``spec.floor_optional``)."""
    if not spec.floor_optional:
        return numbers(rows, spec.floors[0], spec.what)
    found = np.full(len(rows), np.nan)
    for key in reversed(spec.floors):  # the first key wins: read last
        values = numbers(rows, key, spec.what, default=None)
        found = np.where(np.isnan(values), found, values)
    return found


def read_brackets(payload: Any, spec: Brackets, *, source: str = "api") -> Any:
    """A leverage-bracket answer of the Binance API ``spec`` declares -> tiers frame.

    One object (``symbol`` given, USDⓈ-M) or a list; ``cum`` is checked against the
    recursion (``attrs["cum_mismatch"]``, a warning), empty bands are left out
    (``attrs["empty_bands"]``), ``notionalCoef`` is shown, not applied.  See
    :func:`parse_brackets` (USDⓈ-M) and
    :func:`levkit.venues.binance_coinm.parse.parse_brackets` (COIN-M).
    """
    what = spec.what
    rows = _bracket_rows(brackets_of(payload, what), what)
    cols = columns(rows, ["symbol"], what)
    lev = numbers(rows, "initialLeverage", what)
    symbols = np.asarray(cols["symbol"], dtype=object)
    codes, distinct = pd.factorize(symbols)
    with np.errstate(divide="ignore", invalid="ignore"):
        initial = 1.0 / lev  # a leverage of 0 gives inf: the ladder check names it
    floor = _floors(rows, spec)
    data = {
        "symbol": symbols,
        "max_notional": numbers(rows, spec.cap, what),
        "max_leverage": lev,
        "maintenance_margin_rate": numbers(rows, "maintMarginRatio", what),
        "initial_margin_rate": initial,
        "mm_deduction": numbers(rows, "cum", what, empty=0.0),
        "bracket": numbers(rows, "bracket", what, default=""),
        spec.floor_column: floor,
        "notional_coef": numbers(rows, "notionalCoef", what, empty=1.0),
        "notional_unit": spec.unit(np.asarray(distinct, dtype=object))[codes],
    }
    data, empty = without_empty_bands(data, floor, data["bracket"])
    frame = tiers_frame(
        {"exchange": spec.exchange, **data, "category": spec.category},
        source=source,
        rules=spec.rules,
        empty_bands=empty or None,
    )
    if spec.floor_optional:  # no floor in the answer: the previous cap, as the frame has it
        frame[spec.floor_column] = frame[spec.floor_column].fillna(frame["min_notional"])
    mismatch = _cum_mismatch_tiers(frame, spec.floor_column)
    if mismatch:
        shown = ", ".join(f"{s} tiers {t}" for s, t in list(mismatch.items())[:5])
        warnings.warn(
            f"{spec.exchange}: 'cum' differs from floor*(mmr - previous mmr) + previous cum "
            f"for {shown}; the exchange's figure is kept",
            LadderWarning,
            stacklevel=3,
        )
    frame.attrs["cum_mismatch"] = mismatch
    frame.attrs["notional_coef"] = (
        "bounds as the account's answer states them; notional_coef shown, not applied"
    )
    return frame
