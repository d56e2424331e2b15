"""The two frames every part of levkit speaks: the tiers frame and the leverage frame.

Parsers build a plain frame with the core columns (any order, any row order, values
already numeric or numeric strings) and hand it to :func:`tiers_frame` or
:func:`leverage_frame`, which sort, derive ``tier`` and ``min_notional``, fix dtypes,
check the values and stamp ``attrs``.  Nothing here does IO.

Every answer is checked before it becomes a frame (:mod:`levkit._ladder_check`): caps
positive and strictly increasing (``inf`` only on an uncapped top tier), rates in range,
leverages positive and finite (NaN only where the frame's contract allows it: margin
bands, sources that do not say).  A bad value raises :class:`~levkit.errors.ParseError`
naming the exchange, symbol and field.  **One choice:** an answer holding many ladders
(every venue's all-symbols read) drops a bad symbol's ladder instead of failing the whole
answer: the symbol is named in a :class:`~levkit.errors.LadderWarning` and in
``attrs["dropped"]`` (``{symbol: reason}``).  A single ladder (a read for one symbol)
raises, and so does an answer whose every ladder is bad: levkit never returns an empty
frame.  A value that is not a number at all (text, a list, a missing required key)
raises for the whole answer: that is the venue changing its API, not one bad instrument.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._ladder_check import HAND_MADE, LadderRules, check_ladders, check_leverages
from ._numeric import numeric
from .errors import LadderWarning, ParseError

__all__ = [
    "TIERS_COLUMNS",
    "LEVERAGE_COLUMNS",
    "FLOAT_TIER_COLUMNS",
    "INTEGER_COLUMNS",
    "SOURCES",
    "LadderWarning",
    "LadderRules",
    "numeric",
    "tiers_frame",
    "leverage_frame",
    "empty_tiers",
    "stamp",
    "validate_tiers",
]

TIERS_COLUMNS: tuple[str, ...] = (
    "exchange",
    "symbol",
    "tier",
    "min_notional",
    "max_notional",
    "max_leverage",
    "maintenance_margin_rate",
    "initial_margin_rate",
    "mm_deduction",
)
LEVERAGE_COLUMNS: tuple[str, ...] = (
    "exchange",
    "symbol",
    "side",
    "leverage",
    "max_leverage",
    "max_position_value",
)
SOURCES = ("api", "snapshot", "probe", "simulator")
SIDES = ("both", "long", "short")

#: Integer columns and their one dtype in every levkit frame (``risk_id`` may be missing on
#: a row, so it is nullable; a tier number never is).
INTEGER_COLUMNS: dict[str, Literal["int64", "Int64"]] = {"tier": "int64", "risk_id": "Int64"}

#: The float columns of :data:`TIERS_COLUMNS` (all but the names and the tier number).
FLOAT_TIER_COLUMNS: tuple[str, ...] = TIERS_COLUMNS[3:]


def stamp(
    df: pd.DataFrame, source: str, *, fetched_at: pd.Timestamp | None = None, **extra: Any
) -> pd.DataFrame:
    """Set ``attrs["source"]``, ``attrs["fetched_at"]`` (UTC) and any extra attrs in place."""
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, not {source!r}")
    df.attrs["source"] = source
    df.attrs["fetched_at"] = fetched_at if fetched_at is not None else pd.Timestamp.now(tz="UTC")
    for key, value in extra.items():
        if value is not None:
            df.attrs[key] = value
    return df


def empty_tiers(extra: Iterable[str] = ()) -> pd.DataFrame:
    """An empty tiers frame with the right dtypes (for internal use: levkit never
    returns an empty frame silently, it raises instead)."""
    data: dict[str, pd.Series] = {}
    for col in TIERS_COLUMNS:
        if col in ("exchange", "symbol"):
            data[col] = pd.Series([], dtype=str)
        elif col == "tier":
            data[col] = pd.Series([], dtype="int64")
        else:
            data[col] = pd.Series([], dtype="float64")
    for col in extra:
        data[col] = pd.Series([], dtype=object)
    return pd.DataFrame(data)


def tiers_frame(
    raw: pd.DataFrame | Mapping[str, Any],
    *,
    source: str,
    fetched_at: pd.Timestamp | None = None,
    check: bool = True,
    rules: LadderRules | None = None,
    **attrs: Any,
) -> pd.DataFrame:
    """Finish a tiers frame: sort, number tiers, derive ``min_notional``, fix dtypes and
    check every value (module docstring).

    Parameters
    ----------
    raw : DataFrame or mapping of columns
        Must hold ``exchange``, ``symbol``, ``max_notional``; the other core columns
        default to NaN (``mm_deduction`` to 0).  Extra columns are kept after the core ones.
        ``min_notional`` and ``tier`` are always recomputed from the sorted caps.
    source : str
        ``"api"``, ``"snapshot"``, ``"probe"`` or ``"simulator"``.
    check : bool
        Warn (:class:`LadderWarning`, naming the symbol) when a ladder's leverage rises or
        its maintenance rate falls with the cap.  The value checks always run.
    rules : LadderRules, optional
        What the answer must satisfy beyond every frame's checks (a venue parser's
        declaration: its field names, whether leverage is required, an open top tier,
        its own tier numbers, dropping bad ladders).  Default: a frame made by hand or
        read from a snapshot (leverage may be NaN, an open top tier is allowed, a bad
        value raises).

    Raises
    ------
    ParseError
        No rows, a missing core column, a value that is not a number, or a ladder that
        fails a check (naming exchange, symbol and field).

    Examples
    --------
    >>> df = tiers_frame({"exchange": ["bybit"] * 2, "symbol": ["BTCUSDT"] * 2,
    ...                   "max_notional": ["2000000", "300000"], "max_leverage": [100, 150]},
    ...                  source="api")
    >>> df[["tier", "min_notional", "max_notional"]].values.tolist()
    [[1.0, 0.0, 300000.0], [2.0, 300000.0, 2000000.0]]
    >>> tiers_frame({"exchange": "bybit", "symbol": "BTCUSDT", "max_notional": [-1.0]},
    ...             source="api")
    Traceback (most recent call last):
    ...
    levkit.errors.ParseError: bybit BTCUSDT: max_notional -1 is not positive
    """
    rules = rules or HAND_MADE
    cols, n = _input_columns(raw)
    for col in FLOAT_TIER_COLUMNS:
        if col != "min_notional":
            cols[col] = _float_column(cols, col, n)
    cols, start = _sort_and_number(cols, n)
    keep, dropped = check_ladders(cols, start, rules)
    if keep is not None:
        cols = {c: v[keep] for c, v in cols.items()}
        _warn_dropped(dropped, str(cols["exchange"][0]))
        attrs.setdefault("dropped", dropped)
    extra = [c for c in cols if c not in TIERS_COLUMNS]
    df = _integers(pd.DataFrame({c: cols[c] for c in (*TIERS_COLUMNS, *extra)}))
    if check:
        _warn_if_not_monotonic(df)
    return stamp(df, source, fetched_at=fetched_at, **attrs)


def _input_columns(raw: pd.DataFrame | Mapping[str, Any]) -> tuple[dict[str, Any], int]:
    """The columns of ``raw`` as arrays (a scalar spread over every row), and the row count."""
    if isinstance(raw, pd.DataFrame):
        cols: dict[str, Any] = {c: raw[c].array for c in raw.columns}
    else:
        raw = dict(raw)
        sized = [len(v) for v in raw.values() if not _is_scalar(v)]
        n_rows = sized[0] if sized else 1
        cols = {c: _as_array(v, n_rows) for c, v in raw.items()}
    n = len(next(iter(cols.values()))) if cols else 0
    if n == 0:
        raise ParseError("no tiers in the answer")
    for col in ("exchange", "symbol", "max_notional"):
        if col not in cols:
            raise ParseError(f"tiers need a {col!r} column")
    return cols, n


def _float_column(cols: dict[str, Any], col: str, n: int) -> np.ndarray:
    """One float tiers column: numbers as they are, text through :func:`numeric`."""
    empty = 0.0 if col == "mm_deduction" else np.nan
    if col not in cols:
        return np.full(n, empty)
    values = cols[col]
    if isinstance(values, pd.arrays.NumpyExtensionArray) and values.dtype.kind == "f":
        # A DataFrame's float column (a snapshot CSV read as float64): numbers already.
        # Keeps an open top tier (max_notional inf, PUBLIC_API 0.2: Hyperliquid) intact,
        # which numeric() would reject as "not a finite number"; the ladder check judges it.
        values = np.asarray(values, dtype=np.float64)
    if not (isinstance(values, np.ndarray) and values.dtype == np.float64):
        return numeric(np.asarray(values, dtype=object), field=col, empty=empty)
    if col == "mm_deduction" and np.isnan(values).any():
        return np.where(np.isnan(values), 0.0, values)
    return values


def _warn_dropped(dropped: dict[str, str], exchange: str) -> None:
    shown = "; ".join(f"{s}: {why}" for s, why in list(dropped.items())[:5])
    more = f" (and {len(dropped) - 5} more)" if len(dropped) > 5 else ""
    warnings.warn(
        f"{exchange}: left out {len(dropped)} ladder(s) whose answer holds values levkit "
        f"cannot trust ({shown}{more}); attrs['dropped'] lists them",
        LadderWarning,
        stacklevel=4,
    )


def _integers(df: pd.DataFrame) -> pd.DataFrame:
    """Give the :data:`INTEGER_COLUMNS` present their one dtype (whole numbers only)."""
    for col, dtype in INTEGER_COLUMNS.items():
        if col in df.columns and df[col].dtype != dtype:
            try:
                df[col] = pd.to_numeric(df[col].astype(object)).astype(dtype)
            except (TypeError, ValueError) as exc:
                raise ParseError(f"{col}: expected whole numbers ({exc})") from None
    return df


def _is_scalar(values: Any) -> bool:
    return (
        isinstance(values, str | bytes | int | float | bool)
        or values is None
        or (isinstance(values, np.ndarray) and values.ndim == 0)
    )


def _as_array(values: Any, n: int) -> Any:
    """Columns as arrays; a scalar is spread over ``n`` rows."""
    if _is_scalar(values):
        return np.full(n, values, dtype=object)
    if isinstance(values, np.ndarray | pd.api.extensions.ExtensionArray):
        return values
    if isinstance(values, pd.Series):
        return values.array
    return np.asarray(values, dtype=object)


def _codes(values: Any) -> tuple[np.ndarray, np.ndarray]:
    """Codes ordered like the sorted distinct names (names as an object array of str)."""
    values = np.asarray(values, dtype=object)
    first = values[0]
    if isinstance(first, str) and _all_equal(values, first):  # one exchange: the usual case
        return np.zeros(len(values), dtype=np.intp), np.array([first], dtype=object)
    codes, names = pd.factorize(values, sort=True)
    if (codes < 0).any():
        raise ParseError("exchange and symbol must be given on every tier")
    names = np.asarray(names, dtype=object)
    if not all(isinstance(v, str) for v in names):
        text = np.array([str(v) for v in names], dtype=object)
        order = np.argsort(text, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        return rank[codes], text[order]
    return codes, names


def _all_equal(values: np.ndarray, first: str) -> bool:
    try:  # the last name first: a column of many names is told apart at once
        return bool(values[-1] == first) and bool((values == first).all())
    except (TypeError, ValueError):  # pd.NA among the names: not one name
        return False


def _sort_and_number(cols: dict[str, Any], n: int) -> tuple[dict[str, Any], np.ndarray]:
    """Sort by exchange, symbol, cap (numpy lexsort) and derive ``tier`` / ``min_notional``;
    also returns the mask of each ladder's first row."""
    ex_codes, ex_names = _codes(cols["exchange"])
    sym_codes, sym_names = _codes(cols["symbol"])
    cap = cols["max_notional"]
    if len(ex_names) == 1:
        order = np.lexsort((cap, sym_codes))
    else:
        order = np.lexsort((cap, sym_codes, ex_codes))
    if (order[1:] > order[:-1]).all():
        order = slice(None)  # type: ignore[assignment]  # already in order: a view, no copy
    out = {c: v[order] for c, v in cols.items() if c not in ("exchange", "symbol")}
    out["exchange"] = pd.array(ex_names[ex_codes[order]], dtype=str)
    out["symbol"] = pd.array(sym_names[sym_codes[order]], dtype=str)
    ex_s, sym_s, cap_s = ex_codes[order], sym_codes[order], cap[order]
    start = np.ones(n, dtype=bool)
    start[1:] = (ex_s[1:] != ex_s[:-1]) | (sym_s[1:] != sym_s[:-1])
    first = np.maximum.accumulate(np.where(start, np.arange(n), 0))
    out["tier"] = (np.arange(n) - first + 1).astype("int64")
    prev = np.empty(n, dtype="float64")
    prev[0] = 0.0
    prev[1:] = cap_s[:-1]
    prev[start] = 0.0
    out["min_notional"] = prev
    return out, start


def _warn_if_not_monotonic(df: pd.DataFrame) -> None:
    """Leverage must not rise and maintenance rate must not fall as the cap grows."""
    if len(df) < 2:
        return
    same = (df["exchange"].to_numpy()[1:] == df["exchange"].to_numpy()[:-1]) & (
        df["symbol"].to_numpy()[1:] == df["symbol"].to_numpy()[:-1]
    )
    cap = df["max_notional"].to_numpy()
    lev = df["max_leverage"].to_numpy()
    mmr = df["maintenance_margin_rate"].to_numpy()
    with np.errstate(invalid="ignore"):
        bad = same & ((cap[1:] == cap[:-1]) | (lev[1:] > lev[:-1]) | (mmr[1:] < mmr[:-1]))
    if bad.any():
        names = sorted(set(df["symbol"].to_numpy()[1:][bad].tolist()))
        shown = ", ".join(names[:10]) + (" ..." if len(names) > 10 else "")
        warnings.warn(
            f"risk-limit ladder not monotonic (repeated cap, leverage rising or maintenance "
            f"rate falling with notional) for: {shown}",
            LadderWarning,
            stacklevel=3,
        )


def validate_tiers(tiers: pd.DataFrame, *, need_leverage: bool = True) -> None:
    """Raise ``ValueError`` (a :class:`ParseError`) when ``tiers`` is not a tiers frame
    (``need_leverage=False``: margin bands without ``max_leverage`` will do)."""
    if not isinstance(tiers, pd.DataFrame):
        raise ParseError(f"expected a tiers DataFrame, got {type(tiers).__name__}")
    needed = ("exchange", "symbol", "max_notional") + (("max_leverage",) if need_leverage else ())
    missing = [c for c in needed if c not in tiers]
    if missing:
        raise ParseError(f"not a tiers frame: missing columns {missing}")
    if len(tiers) == 0:
        raise ParseError("the tiers frame is empty")


def leverage_frame(
    raw: pd.DataFrame | Mapping[str, Any],
    *,
    source: str,
    fetched_at: pd.Timestamp | None = None,
    **attrs: Any,
) -> pd.DataFrame:
    """Finish a leverage frame: one row per symbol and side, numeric dtypes, sorted.

    Missing ``max_leverage`` / ``max_position_value`` become NaN; a ``changed`` column,
    when present, becomes bool.  Extra columns are kept after the core ones.  ``leverage``
    and ``max_leverage`` must be positive and finite, ``max_position_value`` >= 0 (NaN
    where unknown): else :class:`ParseError` naming exchange, symbol, side and column.

    Examples
    --------
    >>> leverage_frame({"exchange": ["gate"], "symbol": ["BTC_USDT"], "side": ["both"],
    ...                 "leverage": ["20"]}, source="api")[["side", "leverage"]].values.tolist()
    [['both', 20.0]]
    """
    df = raw.copy() if isinstance(raw, pd.DataFrame) else pd.DataFrame(dict(raw))
    if len(df) == 0:
        raise ParseError("no leverage rows in the answer")
    for col in ("exchange", "symbol", "side", "leverage"):
        if col not in df.columns:
            raise ParseError(f"leverage rows need a {col!r} column")
    for col in ("leverage", "max_leverage", "max_position_value"):
        if col not in df.columns:
            df[col] = np.nan
        elif df[col].dtype != "float64":
            df[col] = numeric(df[col].to_numpy(dtype=object), field=col)
    bad_side = ~df["side"].isin(SIDES)
    if bad_side.any():
        raise ParseError(f"unknown side {df.loc[bad_side, 'side'].iloc[0]!r}")
    twice = df.duplicated(["exchange", "symbol", "side"])
    if twice.any():
        row = df.loc[twice].iloc[0]
        raise ParseError(f"{row['symbol']} {row['side']}: the answer lists this side twice")
    for col in ("exchange", "symbol", "side"):
        df[col] = df[col].astype(str)
    if "changed" in df.columns:
        df["changed"] = df["changed"].astype(bool)
    order = df["side"].map({s: i for i, s in enumerate(SIDES)})
    df = (
        df.assign(_o=order)
        .sort_values(["exchange", "symbol", "_o"], kind="stable", ignore_index=True)
        .drop(columns="_o")
    )
    extra = [c for c in df.columns if c not in LEVERAGE_COLUMNS]
    df = _integers(df[list(LEVERAGE_COLUMNS) + extra])
    check_leverages(df)
    return stamp(df, source, fetched_at=fetched_at, **attrs)
