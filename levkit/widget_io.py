"""What the leverage control reads from an exchange client, and how it words things.

Small functions used by :class:`levkit.widget_state.ControlState`: the ladder
(:func:`read_tiers`), the slider's bounds (:func:`read_limits`), the position mode and the
leverage in force (:func:`read_in_force`), merging several ``set_leverage`` answers, and
the number formats of the readouts.  No ipywidgets here.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from . import model
from .errors import InvalidLeverageError, LevkitError, PositionModeError

__all__ = [
    "DEFAULT_STEP",
    "Previews",
    "format_amount",
    "format_leverage",
    "merge_results",
    "leverages_text",
    "normalize",
    "plan_calls",
    "read_in_force",
    "read_limits",
    "read_tiers",
    "result_text",
    "unit_of",
]

#: Leverage step when the exchange does not say (BingX takes whole numbers only).
DEFAULT_STEP = {"bingx": 1.0}
#: Which snapshot ladder serves a client that has no risk-limit endpoint.
_SNAPSHOT_EXCHANGE = {"bybit-legacy": "bybit"}


def format_leverage(value: float | None) -> str:
    """``25.5x``; an em dash for NaN.

    Examples
    --------
    >>> format_leverage(25.5), format_leverage(10.0), format_leverage(float("nan"))
    ('25.5x', '10x', '—')
    """
    return "—" if value is None or not math.isfinite(value) else f"{value:g}x"


def format_amount(value: float | None, unit: str = "") -> str:
    """An amount with thousands separators (cents only when there are any) and its unit.

    Examples
    --------
    >>> format_amount(2_000_000, "USDT"), format_amount(13333.333, "USDT")
    ('2,000,000 USDT', '13,333.33 USDT')
    """
    if value is None or not math.isfinite(value):
        return "—"
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
    return f"{text} {unit}".strip()


def normalize(symbol: str, exchange: str) -> str:
    """``symbol`` in the exchange's own form (unchanged if the exchange is unknown)."""
    from .symbols import normalize_symbol

    try:
        return normalize_symbol(symbol, _SNAPSHOT_EXCHANGE.get(exchange, exchange))
    except (ValueError, KeyError):
        return str(symbol)


def unit_of(tiers: pd.DataFrame) -> str:
    """The notional's currency of a ladder (``USDT``...)."""
    if "notional_unit" in tiers.columns and tiers["notional_unit"].nunique() == 1:
        return str(tiers["notional_unit"].iloc[0])
    from .plot import _unit

    return _unit(tiers, None) or ""


def read_tiers(client: Any, symbol: str, given: pd.DataFrame | None = None) -> pd.DataFrame:
    """The symbol's leverage ladder: ``given`` (its rows for ``symbol``), else
    ``client.risk_limits(symbol)``, else (BingX publishes no leverage ladder; BybitLegacy
    no risk limits) the shipped snapshot.  Raises if the model cannot read it."""
    exchange = str(getattr(client, "exchange", ""))
    if given is not None:
        tiers = given
        if "symbol" in tiers.columns and tiers["symbol"].nunique() > 1:
            tiers = tiers[tiers["symbol"] == symbol]
            if tiers.empty:
                raise LevkitError(f"tiers= holds no rows for {symbol}")
    elif exchange == "bingx" or not hasattr(client, "risk_limits"):
        from .snapshot import load_snapshot

        tiers = load_snapshot(_SNAPSHOT_EXCHANGE.get(exchange, exchange), symbol)
    else:
        tiers = client.risk_limits(symbol)
    tiers = tiers.reset_index(drop=True)
    model.max_position_value(tiers, 1.0)  # one symbol, with leverages the model can read
    return tiers


def read_limits(
    client: Any,
    symbol: str,
    tiers: pd.DataFrame,
    *,
    step: float | None = None,
    top: float | None = None,
) -> tuple[float, float]:
    """``(max leverage, step)`` of the slider: the lowest of the ladder's top, ``top`` and
    the exchange's instrument filter (Bybit), on the step grid; the step from ``step``,
    else the instrument filter, else :data:`DEFAULT_STEP` (0.01 when not listed)."""
    tops = [float(tiers["max_leverage"].max())]
    if top is not None:
        tops.append(float(top))
    if hasattr(client, "instruments"):
        row = client.instruments(symbol).iloc[0]
        tops.append(float(row["max_leverage"]))
        if step is None and float(row.get("leverage_step", 0) or 0) > 0:
            step = float(row["leverage_step"])
    if step is None:
        step = DEFAULT_STEP.get(str(getattr(client, "exchange", "")), 0.01)
    step = float(step)
    if not math.isfinite(step) or step <= 0:
        raise InvalidLeverageError(f"step must be a number > 0, not {step!r}")
    high = min(t for t in tops if math.isfinite(t))
    return round(math.floor(high / step + 1e-6) * step, 10), step


def read_in_force(
    client: Any, symbol: str, side: str
) -> tuple[str, tuple[str, ...], dict[str, float]]:
    """``(position mode, sides the control sets, {side: leverage in force})``.

    One-way mode: one side ``"both"`` (``side`` must be ``"both"``).  Hedge mode:
    ``("long", "short")`` for ``side="both"``, else just that side.  The mode comes from
    ``client.position_mode()`` when the client has it (BingX), else from the rows.
    """
    frame = client.leverage(symbol)
    if "symbol" in frame.columns and (frame["symbol"] == symbol).any():
        frame = frame[frame["symbol"] == symbol]
    by_side = {str(s): float(v) for s, v in zip(frame["side"], frame["leverage"], strict=False)}
    if hasattr(client, "position_mode"):
        try:
            mode = client.position_mode(refresh=True)
        except TypeError:
            mode = client.position_mode()
    else:
        mode = "one-way" if "both" in by_side else "hedge"
    if mode == "one-way":
        if side != "both":
            raise PositionModeError(
                f"{symbol} is in one-way mode: long and short share one leverage, "
                f"so side={side!r} cannot be set alone; use side='both'",
                exchange=str(getattr(client, "exchange", "")),
            )
        value = by_side.get("both", by_side.get("long", by_side.get("short", math.nan)))
        return mode, ("both",), {"both": value}
    sides = ("long", "short") if side == "both" else (side,)
    return mode, sides, {s: by_side.get(s, math.nan) for s in sides}


class Previews(list):
    """Several dry-run requests that Apply sends one after the other."""

    def __repr__(self) -> str:
        n = len(self)
        return "\n\n".join(f"# request {i} of {n}\n{p!r}" for i, p in enumerate(self, 1))

    def to_dict(self) -> list[dict[str, Any]]:
        return [p.to_dict() for p in self]


def merge_results(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """One leverage frame from several ``set_leverage`` answers: the last one's rows, with
    ``previous_leverage`` from the first and ``changed`` true where any call changed it."""
    if len(frames) == 1:
        return frames[0]
    out = frames[-1].copy()
    first = frames[0].drop_duplicates("side").set_index("side")
    if "previous_leverage" in first.columns:
        out["previous_leverage"] = out["side"].map(first["previous_leverage"])
    changed = pd.concat([f[["side", "changed"]] for f in frames]).groupby("side")["changed"].any()
    out["changed"] = out["side"].map(changed).fillna(False).astype(bool)
    return out


def _same(a: float, b: float) -> bool:
    return math.isfinite(a) and math.isfinite(b) and abs(a - b) <= 1e-9 * max(1.0, abs(b))


def plan_calls(
    targets: dict[str, float], in_force: dict[str, float] | None
) -> list[tuple[str, float]]:
    """The ``(side, leverage)`` ``set_leverage`` calls that reach ``targets``: only the
    sides that differ from ``in_force`` (every side when it is None); two sides holding one
    value are a single ``side="both"`` call.

    Examples
    --------
    >>> plan_calls({"long": 20.0, "short": 10.0}, {"long": 10.0, "short": 10.0})
    [('long', 20.0)]
    >>> plan_calls({"long": 20.0, "short": 20.0}, {"long": 10.0, "short": 20.0})
    [('both', 20.0)]
    """
    wanted = dict(targets)
    if in_force is not None:
        wanted = {s: v for s, v in targets.items() if not _same(v, in_force.get(s, math.nan))}
        if not wanted:
            return []
    values = list(targets.values())
    if len(values) == 2 and _same(values[0], values[1]):
        return [("both", values[0])]
    return list(wanted.items())


def leverages_text(by_side: dict[str, float]) -> str:
    """``10x`` (one side ``both``) or ``long 10x, short 12x``.

    Examples
    --------
    >>> leverages_text({"both": 10.0}), leverages_text({"long": 10.0, "short": 12.5})
    ('10x', 'long 10x, short 12.5x')
    """
    return ", ".join(
        format_leverage(v) if s == "both" else f"{s} {format_leverage(v)}"
        for s, v in by_side.items()
    )


def result_text(
    symbol: str, sides: tuple[str, ...], frame: pd.DataFrame, in_force: dict[str, float]
) -> str:
    """The status line after Apply: ``changed: BTCUSDT 10x → 20x`` or ``not modified: ...``."""
    changed = frame["changed"].astype(bool) if "changed" in frame.columns else None
    if changed is None or not changed.any():
        return f"not modified: {symbol} already at {leverages_text(in_force)} on the exchange"
    rows = frame[changed]
    prev = rows["previous_leverage"] if "previous_leverage" in rows else rows["leverage"] * math.nan
    moves = [
        (s, f"{format_leverage(p)} → {format_leverage(v)}")
        for s, p, v in zip(rows["side"], prev, rows["leverage"], strict=False)
    ]
    if sides == ("both",):
        return f"changed: {symbol} {moves[0][1]}"
    return f"changed: {symbol} " + ", ".join(f"{s} {m}" for s, m in moves)
