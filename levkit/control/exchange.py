"""What the leverage control reads from an exchange client.

Small functions used by :class:`levkit.control.state.ControlState`: the slider's bounds
(:func:`read_limits`), the position mode, the leverage in force and the exchange's own caps
(:func:`read_exchange`), the open positions (:func:`read_positions`) and a mark price the
client read (:func:`mark_price`).  What each venue can do
comes from the registry (:func:`levkit.venues.venue`), never from its name.  The ladder
and its source: :mod:`levkit.control.ladder`.  No ipywidgets here.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .. import model
from ..errors import InvalidLeverageError, LevkitError, PositionModeError
from ..venues import venue

log = logging.getLogger("levkit")

__all__ = [
    "Exchange",
    "mark_price",
    "normalize",
    "read_exchange",
    "read_limits",
    "read_positions",
    "unit_of",
]

#: How the position-mode columns of the venues' leverage frames spell the two modes.
_MODES = {
    "one-way": "one-way", "hedge": "hedge", "net_mode": "one-way", "long_short_mode": "hedge",
    "single": "one-way", "dual": "hedge", "oneway": "one-way", "hedge_mode": "hedge",
}  # fmt: skip
_MODE_COLUMNS = ("position_mode", "pos_mode", "mode")


def normalize(symbol: str, exchange: str) -> str:
    """``symbol`` in the exchange's own form (unchanged when it cannot be read)."""
    from ..venues import normalize_symbol

    try:
        return normalize_symbol(symbol, exchange)
    except (ValueError, KeyError):
        return str(symbol)


def unit_of(tiers: pd.DataFrame | None, exchange: str = "") -> str:
    """The notional's currency of a ladder (``USDT``...), else the venue's quote."""
    if tiers is not None:
        return model.notional_unit(tiers)
    return venue(exchange).quote if exchange else ""


def _instrument(client: Any, symbol: str) -> dict[str, float]:
    """The instrument filter (``max_leverage``, ``leverage_step``) where the venue has an
    instruments endpoint; ``{}`` elsewhere or when it cannot be read."""
    if "instruments" not in venue(client.exchange).endpoints:
        return {}
    try:
        row = client.instruments(symbol).iloc[0]
    except (LevkitError, IndexError, KeyError) as exc:
        log.warning("levkit control: no instrument filter for %s: %s", symbol, exc)
        return {}
    return {k: float(row[k]) for k in ("max_leverage", "leverage_step") if k in row.index}


def read_limits(
    client: Any,
    symbol: str,
    tiers: pd.DataFrame | None,
    frame: pd.DataFrame | None = None,
    *,
    step: float | None = None,
    top: float | None = None,
) -> tuple[float, float, dict[str, float]]:
    """``(max leverage, step, {what: limit})`` of the slider.

    The max is the lowest of: the ladder's top, the exchange's answer (the leverage frame's
    ``max_leverage``), the instrument filter, the API's own cap
    (``capabilities.max_api_leverage``: legacy v2 stops at 100) and ``top``; on the step
    grid.  The step: ``step``, else the instrument filter, else
    ``capabilities.leverage_step``.  ``limits`` names each bound (for the reasons shown).
    """
    caps = venue(client.exchange).capabilities
    limits: dict[str, float] = {}
    if tiers is not None:
        limits["ladder"] = float(tiers["max_leverage"].max())
    if frame is not None and "max_leverage" in frame.columns:
        limits["exchange"] = float(frame["max_leverage"].max())
    inst = _instrument(client, symbol)
    if "max_leverage" in inst:
        limits["instrument"] = inst["max_leverage"]
    if math.isfinite(caps.max_api_leverage):
        limits["api"] = float(caps.max_api_leverage)
    if top is not None:
        limits["given"] = float(top)
    if step is None:
        step = inst.get("leverage_step") or caps.leverage_step
    step = float(step)
    if not math.isfinite(step) or step <= 0:
        raise InvalidLeverageError(f"step must be a number > 0, not {step!r}")
    limits = {k: v for k, v in limits.items() if math.isfinite(v) and v > 0}
    high = min(limits.values(), default=math.nan)
    if math.isfinite(high):
        high = round(math.floor(high / step + 1e-6) * step, 10)
    return high, step, limits


@dataclass
class Exchange:
    """What the control read from the exchange for one symbol.

    ``mode`` is ``"one-way"`` or ``"hedge"``; ``sides`` the sliders (``("both",)`` or
    ``("long", "short")`` or one side); ``in_force`` and ``caps`` (the exchange's own
    ``max_position_value`` at the leverage in force) by side; ``frame`` the leverage frame.
    """

    mode: str
    sides: tuple[str, ...]
    in_force: dict[str, float]
    caps: dict[str, float]
    frame: pd.DataFrame


def _mode_of(client: Any, frame: pd.DataFrame, by_side: dict[str, float]) -> str:
    v = venue(client.exchange)
    if not v.capabilities.hedge_mode:
        return "one-way"  # one leverage per symbol whatever the side (Binance)
    for col in _MODE_COLUMNS:
        if col in frame.columns and frame[col].notna().any():
            found = _MODES.get(str(frame[col].dropna().iloc[0]).strip().lower())
            if found:
                return found
    if "mode" in v.endpoints:  # a venue that reads its mode apart (BingX positionSide/dual)
        return _MODES.get(str(client.position_mode(refresh=True)), "hedge")
    return "one-way" if "both" in by_side else "hedge"


def read_exchange(client: Any, symbol: str, side: str) -> Exchange:
    """The leverage frame of ``symbol``, read as the control needs it.

    One-way mode (or a venue with one leverage per symbol): one side ``"both"`` (``side``
    must be ``"both"``).  Hedge mode: ``("long", "short")`` for ``side="both"``, else just
    that side.  The mode comes from the frame's mode column where the venue gives one
    (``position_mode``, ``pos_mode``, ``mode``), else from ``client.position_mode()`` where
    the venue declares a ``mode`` endpoint, else from its rows.
    """
    frame = client.leverage(symbol)
    if "symbol" in frame.columns and (frame["symbol"] == symbol).any():
        frame = frame[frame["symbol"] == symbol]
    by_side = {str(s): float(v) for s, v in zip(frame["side"], frame["leverage"], strict=False)}
    caps_by = (
        {str(s): float(v) for s, v in zip(frame["side"], frame["max_position_value"], strict=False)}
        if "max_position_value" in frame.columns
        else {}
    )
    mode = _mode_of(client, frame, by_side)
    if mode == "one-way":
        if side != "both":
            raise PositionModeError(
                f"{symbol} is in one-way mode: long and short share one leverage, "
                f"so side={side!r} cannot be set alone; use side='both'",
                exchange=client.exchange,
            )
        first = next(iter(by_side.values()), math.nan)
        value = by_side.get("both", by_side.get("long", first))
        cap = caps_by.get("both", caps_by.get("long", next(iter(caps_by.values()), math.nan)))
        return Exchange(mode, ("both",), {"both": value}, {"both": cap}, frame)
    sides = ("long", "short") if side == "both" else (side,)
    return Exchange(
        mode,
        sides,
        {s: by_side.get(s, math.nan) for s in sides},
        {s: caps_by.get(s, math.nan) for s in sides},
        frame,
    )


def read_positions(client: Any, symbol: str) -> tuple[dict[str, dict[str, float]], str]:
    """``({side: {"value", "entry_price", "mark_price"}}, note)`` of the open positions on
    ``symbol`` from ``client.positions(symbol)``; ``({}, why)`` when the venue does not
    report them (the control then cannot check the position's cap)."""
    try:
        frame = client.positions(symbol)
    except LevkitError as exc:
        return {}, str(exc)
    out: dict[str, dict[str, float]] = {}
    for row in frame.itertuples(index=False):
        value = float(getattr(row, "position_value", math.nan))
        if not value > 0:
            continue
        out[str(row.side)] = {
            "direction": 0.0 if getattr(row, "direction", "long") == "long" else 1.0,
            "value": value,
            "entry_price": float(getattr(row, "entry_price", math.nan)),
            "mark_price": float(getattr(row, "mark_price", math.nan)),
        }
    return out, ""


def mark_price(frame: pd.DataFrame | None, positions: dict[str, dict[str, float]]) -> float:
    """A mark price the client read (positions, else the leverage frame); NaN if none."""
    for pos in positions.values():
        if math.isfinite(pos.get("mark_price", math.nan)):
            return pos["mark_price"]
    if frame is not None and "mark_price" in frame.columns:
        values = frame["mark_price"].astype(float)
        values = values[values > 0]
        if len(values):
            return float(values.iloc[0])
    return math.nan
