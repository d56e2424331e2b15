"""What changed between two sets of ladders: :func:`diff_ladders`.

Two ladders are equal when they have the same tiers with equal ``min_notional``,
``max_notional``, ``max_leverage`` and ``maintenance_margin_rate`` (relative tolerance
1e-9; NaN equals NaN), as PUBLIC_API.md (0.3, "The store") fixes it.  The cap at each
leverage is :func:`levkit.max_position_value` (the same model, the same float tolerance on
leverages), NaN where the ladder is absent or the leverage is above its top; on the
unknown part of an incomplete ladder a lower bound, said as such (``>= 2.6M``).
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from ..errors import LadderWarning, caller_stacklevel

__all__ = ["COMPARED", "RTOL", "check_leverages", "diff_ladders", "money"]

#: The tier columns two ladders must agree on to be equal.
COMPARED = ("min_notional", "max_notional", "max_leverage", "maintenance_margin_rate")
#: Relative tolerance of that comparison.
RTOL = 1e-9


def _close(a: float, b: float) -> bool:
    """``a == b`` up to :data:`RTOL`; NaN equals NaN (scalars)."""
    if a != a or b != b:  # NaN
        return a != a and b != b
    return a == b or math.isclose(a, b, rel_tol=RTOL, abs_tol=0.0)


def check_leverages(leverages: Any) -> list[float]:
    """The leverages at which a diff shows caps, as floats (``20``, ``"20x"``); a value
    that is not a positive number raises ``ValueError``."""
    items = [leverages] if isinstance(leverages, str | int | float) else list(leverages)
    out = []
    for item in items:
        text = str(item).strip().lower()
        match = re.fullmatch(r"([0-9.e+-]+)\s*x?", text)
        value = float(match.group(1)) if match else math.nan
        if not (math.isfinite(value) and value > 0):
            raise ValueError(
                f"leverages must be positive numbers such as 20 or '20x', not {item!r}"
            )
        out.append(value)
    return out


def money(value: float, digits: int = 4) -> str:
    """A notional cap in a few characters: ``100M``, ``12.5M``, ``800k``, ``no cap``, ``-``.

    >>> money(1.25e7), money(8e5), money(float("inf")), money(float("nan")), money(2.6e9)
    ('12.5M', '800k', 'no cap', '-', '2.6B')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if math.isinf(value):
        return "no cap"
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.{digits}g}{suffix}"
    return f"{value:.{digits}g}"


def _change(old: float, new: float) -> str:
    """``"1M -> 800k"``, with the digits it takes to show the two differ.

    >>> _change(215_000.0, 214_999.98)
    '215000 -> 214999.98'
    """
    for digits in (4, 6, 8, 12, 17):
        a, b = money(old, digits), money(new, digits)
        if a != b:
            break
    if digits > 4 and a.endswith("k") and b.endswith("k"):  # whole figures read better there
        a, b = f"{old:.{digits}g}", f"{new:.{digits}g}"
    return f"{a} -> {b}"


def _lev(value: float) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.6g}x"


class _Side:
    """One side of a diff: the ladders of a frame, grouped by key, sorted by cap."""

    def __init__(self, frame: pd.DataFrame | None, keys: list[str], levs: list[float]):
        from ..model import cross, prepare, take

        self.keys: list[tuple] = []
        self.lower = np.empty((0, len(levs)), dtype=bool)
        if frame is None or len(frame) == 0:
            self.n = 0
            return
        cols = [frame[k].to_numpy(object) for k in keys]
        symbol = cols[1].astype(str)
        if len(keys) > 2:  # more key columns: one group per distinct combination
            symbol = np.array(
                ["\x1f".join(map(str, t)) for t in zip(*cols[1:], strict=True)], dtype=object
            )
        work = pd.DataFrame(
            {
                **({"complete": frame["complete"].to_numpy(object)} if "complete" in frame else {}),
                "exchange": cols[0].astype(str).astype(object),
                "symbol": symbol.astype(object),
                **{
                    c: pd.to_numeric(frame[c], errors="coerce").to_numpy(float)
                    if c in frame
                    else np.full(len(frame), np.nan)
                    for c in COMPARED
                },  # fmt: skip
            }
        )
        # what the completeness rule reads besides the column (an API answer is complete)
        work.attrs = {k: frame.attrs[k] for k in ("source", "complete") if k in frame.attrs}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LadderWarning)
            lad = prepare(work, need_leverage=False)
            g, lev = cross(lad.n, np.asarray(levs, dtype=float))
            rows = lad.cap_row(g, lev) if levs else np.empty(0, dtype=np.int64)
            caps = take(lad.cap, rows) if levs else np.empty(0)
        # a cap below the lowest known leverage of an incomplete ladder is a lower bound
        lower = (rows >= 0) & lad.on_unknown_leverage(g, lev) if levs else np.empty(0, bool)
        self.lad = lad
        self.lower = lower.reshape(lad.n, len(levs)) if levs else np.empty((lad.n, 0), bool)
        order = lad.order
        self.values = {c: work[c].to_numpy(float)[order] for c in COMPARED}
        self.start, self.stop, self.n = lad.start, lad.stop, lad.n
        with np.errstate(invalid="ignore"):
            self.top = np.where(lad.top >= 1, lad.top, np.nan)
        self.top_cap = lad.top_cap
        self.caps = caps.reshape(lad.n, len(levs)) if levs else np.empty((lad.n, 0))
        first = np.arange(len(work))[order][lad.start]
        self.keys = list(zip(*(c[first].tolist() for c in cols), strict=True))

    def index(self) -> dict[tuple, int]:
        return {k: i for i, k in enumerate(self.keys)}


def _equal(a: _Side, b: _Side, pairs: list[tuple[int, int]]) -> np.ndarray:
    """Per pair (group of ``a``, group of ``b``): the ladders are equal."""
    out = np.zeros(len(pairs), dtype=bool)
    if not pairs:
        return out
    ia = np.array([p[0] for p in pairs])
    ib = np.array([p[1] for p in pairs])
    size_a, size_b = a.stop[ia] - a.start[ia], b.stop[ib] - b.start[ib]
    same = np.flatnonzero(size_a == size_b)
    if len(same) == 0:
        return out
    sizes = size_a[same]
    offsets = np.repeat(np.cumsum(sizes) - sizes, sizes)
    within = np.arange(sizes.sum()) - offsets
    ra = np.repeat(a.start[ia[same]], sizes) + within
    rb = np.repeat(b.start[ib[same]], sizes) + within
    close = np.ones(len(ra), dtype=bool)
    for col in COMPARED:
        close &= np.isclose(a.values[col][ra], b.values[col][rb], rtol=RTOL, atol=0, equal_nan=True)
    bad = np.add.reduceat((~close).astype(np.int64), np.cumsum(sizes) - sizes)
    out[same] = bad == 0
    return out


def _first_difference(a: _Side, i: int, b: _Side, j: int) -> str:
    n = min(a.stop[i] - a.start[i], b.stop[j] - b.start[j])
    for k in range(n):
        ra, rb = a.start[i] + k, b.start[j] + k
        for col, what in (("max_notional", "cap"), ("max_leverage", "leverage"),
                          ("maintenance_margin_rate", "maintenance rate"),
                          ("min_notional", "floor")):  # fmt: skip
            x, y = float(a.values[col][ra]), float(b.values[col][rb])
            if not _close(x, y):
                if col == "maintenance_margin_rate":
                    return f"tier {k + 1} {what} {x:.4%} -> {y:.4%}"
                if col == "max_leverage":
                    return f"tier {k + 1} {what} {_lev(x)} -> {_lev(y)}"
                return f"tier {k + 1} {what} {_change(x, y)}"
    return "tiers changed"


def _at_least(text: str, lower: bool) -> str:
    """A cap as text, ``>= `` in front where it is only a lower bound."""
    return f">= {text}" if lower else text


def _summary(
    change: str, row: dict, levs: list[float], a: _Side, i: int | None, b: _Side, j: int | None
) -> str:
    caps = [(L, row[f"cap_{L:g}x_old"], row[f"cap_{L:g}x_new"]) for L in levs]
    low_a = a.lower[i] if i is not None else np.zeros(len(levs), dtype=bool)
    low_b = b.lower[j] if j is not None else np.zeros(len(levs), dtype=bool)
    if change == "added":
        text = f"added: {row['tiers_new']} tiers, top {_lev(row['max_leverage_new'])}"
        return text + "".join(
            f", cap at {L:g}x {_at_least(money(n), bool(low_b[k]))}"
            for k, (L, _, n) in enumerate(caps)
            if not math.isnan(n)
        )
    if change == "removed":
        return f"removed (was {row['tiers_old']} tiers, top {_lev(row['max_leverage_old'])})"
    assert i is not None and j is not None  # "changed": the ladder is on both sides
    parts = []
    for k, (L, o, n) in enumerate(caps):
        if not _close(o, n):
            before, after = _change(o, n).split(" -> ")
            parts.append(f"cap at {L:g}x {_at_least(before, bool(low_a[k]))} -> "
                         f"{_at_least(after, bool(low_b[k]))}")  # fmt: skip
    lo, ln = row["max_leverage_old"], row["max_leverage_new"]
    if not _close(lo, ln):
        parts.append(f"top {_lev(lo)} -> {_lev(ln)}")
    co, cn = float(a.top_cap[i]), float(b.top_cap[j])
    if not _close(co, cn):
        parts.append(f"top cap {_change(co, cn)}")
    if row["tiers_old"] != row["tiers_new"]:
        parts.append(f"tiers {row['tiers_old']} -> {row['tiers_new']}")
    if not parts:
        parts.append(_first_difference(a, i, b, j))
    return "; ".join(parts)


def diff_core(
    old: pd.DataFrame | None, new: pd.DataFrame | None, leverages: Any, keys: list[str]
) -> pd.DataFrame:
    """:func:`diff_ladders` on any key columns (``exchange``, ``symbol`` first)."""
    levs = check_leverages(leverages)
    a, b = _Side(old, keys, levs), _Side(new, keys, levs)
    ia, ib = a.index(), b.index()
    both = [k for k in ib if k in ia]
    equal = dict(zip(both, _equal(a, b, [(ia[k], ib[k]) for k in both]), strict=True))
    rows = []
    lower: list[tuple] = []  # (key..., column) of each cap that is only a lower bound
    for k in sorted(set(ia) | set(ib), key=lambda t: tuple(str(x) for x in t)):
        i, j = ia.get(k), ib.get(k)
        if i is not None and j is not None and equal[k]:
            continue
        change = "added" if i is None else ("removed" if j is None else "changed")
        row: dict[str, Any] = dict(zip(keys, k, strict=True))
        row["change"] = change
        row["tiers_old"] = int(a.stop[i] - a.start[i]) if i is not None else pd.NA
        row["tiers_new"] = int(b.stop[j] - b.start[j]) if j is not None else pd.NA
        row["max_leverage_old"] = float(a.top[i]) if i is not None else math.nan
        row["max_leverage_new"] = float(b.top[j]) if j is not None else math.nan
        for n, L in enumerate(levs):
            row[f"cap_{L:g}x_old"] = float(a.caps[i, n]) if i is not None else math.nan
            row[f"cap_{L:g}x_new"] = float(b.caps[j, n]) if j is not None else math.nan
        row["summary"] = _summary(change, row, levs, a, i, b, j)
        for side, s_, at in (("old", a, i), ("new", b, j)):
            for n, L in enumerate(levs):
                if at is not None and s_.lower[at, n]:
                    lower.append((*k, f"cap_{L:g}x_{side}"))
        rows.append(row)
    _warn_lower(lower, a, b, ia, ib)
    table = _table(rows, keys, levs)
    table.attrs["lower_bound"] = lower
    return table


def _warn_lower(lower: list[tuple], a: _Side, b: _Side, ia: dict, ib: dict) -> None:
    """One :class:`LadderWarning` naming the ladders whose shown caps are lower bounds
    (``lower``: ``(key..., column)``), with the leverage below which each is unknown."""
    if not lower:
        return
    from ..numbers import show

    named: dict[str, dict[str, None]] = {}
    for *key, col in lower:
        side, at = (a, ia[tuple(key)]) if col.endswith("_old") else (b, ib[tuple(key)])
        edge = show(float(side.lad.unknown_below[at]))
        named.setdefault(f"{key[0]} {key[1]}", {})[f"below {edge}x"] = None
    parts = [f"{k} ({'; '.join(v)})" for k, v in list(named.items())[:10]]
    more = f" and {len(named) - 10} more" if len(named) > 10 else ""
    warnings.warn(
        "diff_ladders: caps on the unknown part of an incomplete ladder are only lower "
        "bounds (written '>= ...' in the summary, listed in attrs['lower_bound']): "
        + ", ".join(parts)
        + more,
        LadderWarning,
        stacklevel=caller_stacklevel(),
    )


def _table(rows: list[dict], keys: list[str], levs: list[float]) -> pd.DataFrame:
    cols = [*keys, "change", "tiers_old", "tiers_new", "max_leverage_old", "max_leverage_new"]
    cols += [f"cap_{L:g}x_{side}" for L in levs for side in ("old", "new")]
    cols.append("summary")
    out = pd.DataFrame(rows, columns=cols)
    for c in ("exchange", "symbol", "change", "summary"):
        out[c] = out[c].astype("str")
    for c in ("tiers_old", "tiers_new"):
        out[c] = out[c].astype("Int64")
    for c in cols[len(keys) + 3 : -1]:
        out[c] = out[c].astype("float64")
    return out.reset_index(drop=True)


def diff_ladders(
    old: pd.DataFrame | None, new: pd.DataFrame | None, leverages: Iterable[Any] = (10, 20, 50)
) -> pd.DataFrame:
    """One row per (exchange, symbol) whose ladder was added, removed or changed between
    two tiers frames.

    Parameters
    ----------
    old, new : DataFrame or None
        Tiers frames (any venues, any symbols; ``None`` or empty: no ladders).
    leverages : numbers or text such as ``"20x"``
        The leverages at which to show each ladder's cap (max position value).

    Returns
    -------
    DataFrame
        ``exchange``, ``symbol``, ``change`` (``"added"``, ``"removed"``, ``"changed"``),
        ``tiers_old``, ``tiers_new`` (Int64, ``<NA>`` where absent), ``max_leverage_old``,
        ``max_leverage_new`` (the top), ``cap_{L:g}x_old``, ``cap_{L:g}x_new`` per leverage
        (NaN where absent or above the top) and ``summary`` (one line).  Unchanged
        ladders are absent; sorted by exchange, symbol.  A cap below the lowest known
        leverage of an incomplete ladder is only a lower bound: the summary writes it
        ``>= 2.6M``, ``attrs["lower_bound"]`` lists it as ``(exchange, symbol, column)``,
        and :class:`~levkit.errors.LadderWarning` names the ladder.

    Examples
    --------
    >>> from levkit.frames import tiers_frame
    >>> def ladder(caps, levs):
    ...     return tiers_frame({"exchange": "binance", "symbol": "1000CATUSDT",
    ...                         "max_notional": caps, "max_leverage": levs}, source="api")
    >>> old = ladder([5e4, 1e6, 12.5e6], [50, 20, 1])
    >>> new = ladder([5e4, 8e5], [20, 1])
    >>> d = diff_ladders(old, new)
    >>> d[["change", "tiers_old", "tiers_new", "cap_20x_old", "cap_20x_new"]].values.tolist()
    [['changed', 3, 2, 1000000.0, 50000.0]]
    >>> print(d["summary"][0])
    cap at 10x 1M -> 50k; cap at 20x 1M -> 50k; cap at 50x 50k -> -; top 50x -> 20x; top cap 12.5M -> 800k; tiers 3 -> 2
    """
    return diff_core(old, new, leverages, ["exchange", "symbol"])
