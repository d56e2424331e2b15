"""Margin from whatever rates a frame holds, and joining a ladder with margin bands."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidLeverageError, InvalidNotionalError
from ..frames import TIERS_COLUMNS, tiers_frame
from ..numbers import leverage_at_most, show
from ._ladder import (
    check_leverage,
    check_notional,
    cross,
    long_index,
    prepare,
    stamp,
    take,
    tier_numbers,
)
from .completeness import use, warn_lower_bound
from .maintenance import DERIVED_COLUMN
from .units import say_unit

__all__ = ["margin", "merge_tiers", "with_maintenance"]

_LABELS = ("category", "notional_unit", "source", "as_of")
MARGIN_LABELS = (
    "notional",
    "leverage",
    "tier",
    "initial_margin",
    "maintenance_margin",
    "maintenance_margin_rate",
    "mm_deduction",
    "mm_deduction_derived",
)


def _broadcast(notional: Any, leverage: Any) -> tuple[np.ndarray, np.ndarray, pd.Index | None]:
    index = next((a.index for a in (notional, leverage) if isinstance(a, pd.Series)), None)
    lev_in = np.nan if leverage is None else leverage
    try:
        v, lev = np.broadcast_arrays(
            np.asarray(notional, dtype="float64"), np.asarray(lev_in, dtype="float64")
        )
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"notional and leverage must be numbers that broadcast together: {exc}"
        ) from exc
    if v.ndim > 1:
        raise ValueError(f"notional and leverage must be numbers or 1-D arrays, got {v.shape}")
    if index is not None and len(index) != v.size:
        index = None
    return v, lev, index


def margin(tiers: pd.DataFrame, notional: Any, leverage: Any = None) -> pd.Series | pd.DataFrame:
    """Initial and maintenance margin of a position of ``notional`` (at ``leverage``), in
    the ladder's ``notional_unit`` (the coin for a coin-margined ladder; the answer's
    ``attrs["notional_unit"]`` says it).

    maintenance = notional x rate - deduction of the tier holding the notional, from any
    frame with rates (a leverage ladder or margin bands such as BingX's
    ``maintMarginRatio``); NaN where the frame has no rate.  The deduction follows the
    venue's rule whatever road the frame came by (:mod:`levkit.model.maintenance`): the
    published one where the frame has it, else the continuity recursion (OKX: none), and
    ``mm_deduction_derived`` says where levkit derived it.  initial = notional / leverage,
    valid only for 1 <= leverage <= ``max_leverage(notional)`` (up to float rounding), NaN
    without a leverage.  ``notional`` and ``leverage`` broadcast like numpy arrays.

    Returns
    -------
    Series or DataFrame
        One symbol and scalars: a Series labelled ``notional``, ``leverage``, ``tier``
        (an int), ``initial_margin``, ``maintenance_margin``, ``maintenance_margin_rate``,
        ``mm_deduction`` and ``mm_deduction_derived`` (a bool) (invalid input raises
        ``ValueError``).  Otherwise a long frame with ``exchange``,
        ``symbol`` and those columns (``tier`` int64, 0 where the notional is above the top
        band), one row per symbol and input pair, NaN where invalid; a Series input's index
        is kept.

    Examples
    --------
    >>> from levkit.frames import tiers_frame
    >>> t = tiers_frame({"exchange": ["bybit"] * 2, "symbol": ["BTCUSDT"] * 2,
    ...                  "max_notional": [3e5, 2e6], "max_leverage": [150, 100],
    ...                  "maintenance_margin_rate": [0.0033, 0.005],
    ...                  "mm_deduction": [0, 510]}, source="api")
    >>> margin(t, 1_000_000, 50)[["initial_margin", "maintenance_margin"]].tolist()
    [20000.0, 4490.0]
    >>> margin(t, 1_000_000)[["initial_margin", "maintenance_margin"]].tolist()
    [nan, 4490.0]

    The same ladder without its deductions (a ccxt or hand-made frame) gives the same
    answer, the deduction marked as derived:

    >>> bare = t.assign(mm_deduction=0.0)
    >>> margin(bare, 1_000_000)[["maintenance_margin", "mm_deduction_derived"]].tolist()
    [4490.0, True]
    """
    lad = use(tiers, need_leverage=False)
    v, lev, index = _broadcast(notional, leverage)
    scalar = v.ndim == 0
    v, lev = v.reshape(-1), lev.reshape(-1)
    g, _ = cross(lad.n, v)
    v, lev = np.tile(v, lad.n), np.tile(lev, lad.n)
    row = lad.band_row(g, v)
    cap_lev = take(lad.lev, row)
    with np.errstate(invalid="ignore", divide="ignore"):
        ok = (
            np.isfinite(lev)
            & leverage_at_most(1.0, lev)
            & (leverage_at_most(lev, cap_lev) | ~(lad.top[g] >= 1))  # bands: no limit known
            & (row >= 0)
        )
        initial = np.where(ok, v / np.where(ok, lev, 1.0), np.nan)
    rate, ded, derived = lad.maintenance.at(row)
    maintenance = v * rate - ded
    warn_lower_bound(lad, g, lad.on_unknown_notional(g, v), "margin", by="notional")
    if scalar and lad.n == 1:
        _check_one(lad, float(v[0]), float(lev[0]), int(row[0]), float(cap_lev[0]), leverage)
        tier = int(lad.tier[row[0]])
        labels = [
            float(v[0]),
            float(lev[0]),
            tier,
            *map(float, (initial[0], maintenance[0], rate[0], ded[0])),
            bool(derived[0]),
        ]
        one = pd.Series(
            labels, index=list(MARGIN_LABELS), dtype=object, name=(lad.exchange[0], lad.symbol[0])
        )
        return say_unit(one, tiers, lad)
    exchange, symbol = lad.labels(g)
    out = pd.DataFrame(
        {
            "exchange": exchange,
            "symbol": symbol,
            "notional": v,
            "leverage": lev,
            "tier": tier_numbers(lad, row),
            "initial_margin": initial,
            "maintenance_margin": maintenance,
            "maintenance_margin_rate": rate,
            "mm_deduction": ded,
            "mm_deduction_derived": derived,
        },
        index=long_index(index, lad.n),
    )
    return say_unit(stamp(out, tiers), tiers, lad)


def _check_one(lad: Any, val: float, lv: float, row: int, cap_lev: float, given: Any) -> None:
    check_notional(val)
    if row < 0:
        raise InvalidNotionalError(
            f"{lad.label(0)}: notional {val:,.0f} is above the top band ({lad.cap[-1]:,.0f})"
        )
    if given is None:
        return
    check_leverage(lad, 0, lv)
    if lad.top[0] >= 1 and not leverage_at_most(lv, cap_lev):
        raise InvalidLeverageError(
            f"{lad.label(0)}: leverage {show(lv)}x is above {show(cap_lev)}x, the max leverage "
            f"for a {val:,.0f} position (tier {lad.tier[row]})"
        )


def merge_tiers(ladder: pd.DataFrame, bands: pd.DataFrame) -> pd.DataFrame:
    """One tiers frame with the ladder's ``max_leverage`` and the bands' margin rates.

    The rows are cut at the union of both frames' caps, per (exchange, symbol): each row
    takes ``max_leverage`` (and ``initial_margin_rate``) from the ladder tier holding it
    and ``maintenance_margin_rate`` and ``mm_deduction`` from the band holding it; NaN
    beyond either frame's top cap.  Symbols in only one frame keep their own rows.  For
    BingX: the probed or shipped ladder plus ``BingX.margin_bands``.

    Returns
    -------
    DataFrame
        A tiers frame (``source`` and ``as_of`` of the ladder; a ``complete`` column from
        the ladder's completeness, so the model still knows which part is a lower bound).

    Examples
    --------
    >>> from levkit.frames import tiers_frame
    >>> lad = tiers_frame({"exchange": "bingx", "symbol": "BTC-USDT",
    ...                    "max_notional": [3e5, 8e5], "max_leverage": [150, 100]}, source="api")
    >>> bands = tiers_frame({"exchange": "bingx", "symbol": "BTC-USDT",
    ...                      "max_notional": [1.5e5, 9e5], "maintenance_margin_rate": [0.0038, 0.004],
    ...                      "mm_deduction": [0, 30]}, source="api")
    >>> m = merge_tiers(lad, bands)
    >>> m[["max_notional", "max_leverage", "maintenance_margin_rate"]].values.tolist()
    [[150000.0, 150.0, 0.0038], [300000.0, 150.0, 0.004], [800000.0, 100.0, 0.004], [900000.0, nan, 0.004]]
    """
    from .completeness import ladders

    complete = ladders(ladder).set_index(["exchange", "symbol"])["complete"]
    keys = ["exchange", "symbol"]
    rows = []
    lg = dict(tuple(ladder.groupby(keys, sort=True)))
    bg = dict(tuple(bands.groupby(keys, sort=True)))
    for key in sorted(set(lg) | set(bg)):
        lt, bt = lg.get(key), bg.get(key)
        labels: dict[str, Any] = {
            c: lt[c].iloc[0] for c in _LABELS if lt is not None and c in lt.columns
        }
        labels["complete"] = bool(complete.get(key, False))
        if lt is None or bt is None:
            (given,) = [f for f in (lt, bt) if f is not None]
            only = given[[c for c in TIERS_COLUMNS if c != "tier"]]
            rows.append(only.assign(**labels))
            continue
        caps = np.unique(np.r_[lt["max_notional"].to_numpy(), bt["max_notional"].to_numpy()])
        lrow = np.searchsorted(lt["max_notional"].to_numpy(), caps, side="left")
        brow = np.searchsorted(bt["max_notional"].to_numpy(), caps, side="left")

        def pick(frame: pd.DataFrame, col: str, at: np.ndarray) -> np.ndarray:
            vals = frame[col].to_numpy(dtype="float64", na_value=np.nan)
            return np.where(at < len(vals), vals[np.minimum(at, len(vals) - 1)], np.nan)

        rows.append(
            pd.DataFrame(
                {
                    "exchange": key[0],
                    "symbol": key[1],
                    "max_notional": caps,
                    "max_leverage": pick(lt, "max_leverage", lrow),
                    "initial_margin_rate": pick(lt, "initial_margin_rate", lrow),
                    "maintenance_margin_rate": pick(bt, "maintenance_margin_rate", brow),
                    "mm_deduction": pick(bt, "mm_deduction", brow),
                    **labels,
                }
            )
        )
    merged = pd.concat(rows, ignore_index=True)
    attrs = {str(k): v for k, v in ladder.attrs.items() if k not in ("source", "fetched_at")}
    out = tiers_frame(
        merged,
        source=ladder.attrs.get("source", "snapshot"),
        fetched_at=ladder.attrs.get("fetched_at"),
        check=False,
        **attrs,
    )
    out["complete"] = out["complete"].astype(bool)
    out.attrs["bands_source"] = bands.attrs.get("source")
    return out


def with_maintenance(tiers: pd.DataFrame) -> pd.DataFrame:
    """``tiers`` with the maintenance rule applied: ``maintenance_margin_rate`` and
    ``mm_deduction`` as levkit uses them (a rate filled where the venue's rule fills it, a
    missing deduction by the recursion) and a bool column ``mm_deduction_derived`` marking
    the deductions levkit computed.  Rows, order, index and attrs are the caller's.

    Examples
    --------
    An OKX ladder keeps no deduction; a Binance one with ``cum`` missing on its last row
    continues from the last stated one (50 + 600,000 x 0.0015 = 950):

    >>> from levkit.frames import tiers_frame
    >>> t = tiers_frame({"exchange": "binance", "symbol": "BTCUSDT",
    ...                  "max_notional": [5e4, 6e5, 3e6], "max_leverage": [125, 100, 75],
    ...                  "maintenance_margin_rate": [0.004, 0.005, 0.0065],
    ...                  "mm_deduction": [0.0, 50.0, float("nan")]}, source="api")
    >>> m = with_maintenance(t)
    >>> m["mm_deduction"].round(6).tolist(), m["mm_deduction_derived"].tolist()
    ([0.0, 50.0, 950.0], [False, False, True])
    """
    lad = prepare(tiers, need_leverage=False)
    m = lad.maintenance
    out = tiers.copy()
    rows = np.empty(len(tiers), dtype=np.intp)
    rows[np.arange(len(tiers))[lad.order]] = np.arange(len(tiers))  # caller's row -> lad row
    out["maintenance_margin_rate"] = m.mmr[rows]
    out["mm_deduction"] = m.ded[rows]
    out[DERIVED_COLUMN] = m.derived[rows]
    return out
