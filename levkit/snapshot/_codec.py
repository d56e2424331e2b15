"""A tiers frame to the store's rows and back, losing nothing levkit puts in a frame.

A frame becomes one *ladder* per (exchange, symbol): its tier numbers and the six tier
values (``tiers`` rows), the frame's other columns as JSON (``contents.extras``, only
those not all missing on that ladder), and its labels (``category``, ``notional_unit``,
``complete``, ``source``, ``as_of``: one value per ladder, in ``versions``).  The frame's
column names and dtypes and its ``attrs`` are kept with the save, so a loaded frame has
the saved frame's columns, in its order, with its dtypes and values (missing values come
back as the column's own NA), plus the labels it did not have.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import logging
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..frames import TIERS_COLUMNS, tiers_frame
from ._names import SnapshotError, as_of_ns, as_of_text, canonical_exchange, check_symbol
from ._store import TIER_VALUES

log = logging.getLogger("levkit")

__all__ = [
    "LABELS",
    "KINDS",
    "Ladder",
    "decode",
    "encode",
    "ladder_digest",
    "restore_attrs",
    "tier_texts",
]

#: Columns said once per ladder (stored in ``versions``), in the order a loaded frame has them.
LABELS = ("category", "notional_unit", "complete", "source", "as_of")
#: Ladder kinds: leverage ladders and maintenance-margin bands (no leverage).
KINDS = ("leverage", "margin")
#: attrs a loaded frame sets itself (never restored from a save).
_OWN_ATTRS = ("source", "fetched_at", "as_of", "snapshot_kind", "snapshot_files", "snapshot_file")


@dataclass
class Ladder:
    """One ladder of a frame being saved."""

    kind: str
    exchange: str
    symbol: str
    as_of: int  # ns, UTC
    as_of_text: str
    complete: bool
    category: str | None
    notional_unit: str | None
    source: str
    tiers: np.ndarray  # int64 tier numbers
    values: np.ndarray  # float64, one column per TIER_VALUES
    extras: str | None  # JSON, or None
    digest: str  # everything stored: same digest, same rows
    ladder: str  # what diff_ladders compares: same ladder digest, same version


# --------------------------------------------------------------------------- JSON values


def _jsonable(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value)
    if isinstance(value, str):
        return value
    if isinstance(value, _dt.datetime | _dt.date | np.datetime64):
        return {"__ts__": pd.Timestamp(value).isoformat()}
    try:
        json.dumps(value, allow_nan=True)
    except (TypeError, ValueError):
        log.warning("snapshot: a %s value is stored as its text", type(value).__name__)
        return str(value)
    return value


def _from_json(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"__ts__"}:
        return pd.Timestamp(value["__ts__"])
    return value


def _dumps(value: Any) -> str:
    return json.dumps(value, allow_nan=True, sort_keys=True, separators=(",", ":"))


def _attrs_json(attrs: dict) -> str:
    kept = {}
    for key, value in attrs.items():
        if key in _OWN_ATTRS or not isinstance(key, str):
            continue
        try:
            kept[key] = json.loads(_dumps(_deep(value)))
        except (TypeError, ValueError):
            log.debug("snapshot: attrs[%r] cannot be stored", key)
    if "source" in attrs:
        kept["saved_source"] = str(attrs["source"])
    return _dumps(kept)


def _deep(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _deep(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_deep(v) for v in value]
    return _jsonable(value)


def restore_attrs(attrs: dict) -> dict:
    """Saved attrs as they were (timestamps back to ``pd.Timestamp``)."""

    def back(value: Any) -> Any:
        if isinstance(value, dict):
            return (
                _from_json(value)
                if set(value) == {"__ts__"}
                else {k: back(v) for k, v in value.items()}
            )
        if isinstance(value, list):
            return [back(v) for v in value]
        return value

    return {k: back(v) for k, v in attrs.items()}


# --------------------------------------------------------------------------- encode


def _digest(tiers: np.ndarray, values: np.ndarray, extras: str | None) -> str:
    canon = np.where(np.isnan(values), np.nan, values + 0.0)  # one NaN, no -0.0
    h = hashlib.sha256(tiers.astype("<i8").tobytes())
    h.update(np.ascontiguousarray(canon, dtype="<f8").tobytes())
    h.update((extras or "").encode())
    return h.hexdigest()


#: The columns :func:`levkit.diff_ladders` compares, as positions in :data:`TIER_VALUES`.
_COMPARED = [TIER_VALUES.index(c) for c in ("min_notional", "max_notional", "max_leverage",
                                            "maintenance_margin_rate")]  # fmt: skip


def tier_texts(values: np.ndarray) -> np.ndarray:
    """Per tier, its compared values as text to 12 significant digits (C formatting: the
    same on every platform)."""
    cols = np.char.mod("%.12g", values[:, _COMPARED])
    return np.array([",".join(row) for row in cols.tolist()], dtype=object)


def ladder_digest(texts: np.ndarray) -> str:
    """What makes two versions of a ladder different (:func:`levkit.diff_ladders`'s
    equality): its tiers' ``min_notional``, ``max_notional``, ``max_leverage`` and
    ``maintenance_margin_rate``, to 12 significant digits (float noise is not a change);
    ``texts`` are :func:`tier_texts` of the ladder's tiers."""
    return hashlib.sha256(";".join(texts).encode()).hexdigest()


def _per_ladder(df: pd.DataFrame, col: str, starts: np.ndarray, stops: np.ndarray) -> list:
    """One value of ``col`` per ladder; :class:`SnapshotError` when a ladder has two."""
    codes, _ = pd.factorize(df[col].astype(object), use_na_sentinel=True)
    lo, hi = np.minimum.reduceat(codes, starts), np.maximum.reduceat(codes, starts)
    if (lo != hi).any():
        a = int(starts[np.flatnonzero(lo != hi)[0]])
        raise SnapshotError(
            f"{df['exchange'].iat[a]} {df['symbol'].iat[a]}: {col} differs between its "
            "tiers; it is said of a whole ladder"
        )
    values = df[col].to_numpy(object)[starts].tolist()
    return [None if _missing(v) else v for v in values]


def _json_values(col: pd.Series) -> list:
    """A column's values as JSON values (numbers of a numeric dtype as they are)."""
    if col.dtype in ("float64", "int64", "bool"):
        return col.tolist()
    return [_jsonable(v) for v in col.tolist()]


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def frame_of(frame: Any) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame) or len(frame) == 0:
        raise SnapshotError("save_snapshot needs a non-empty tiers frame")
    missing = [c for c in ("exchange", "symbol", "max_notional") if c not in frame.columns]
    if missing:
        raise SnapshotError(f"not a tiers frame: missing columns {missing}")
    df = frame.copy(deep=False)
    # pandas deep-copies attrs into every column it hands out: keep only what the
    # completeness rule reads (a loaded frame's attrs can be large)
    df.attrs = {k: frame.attrs[k] for k in ("source", "complete") if k in frame.attrs}
    names = {v: canonical_exchange(v) for v in pd.unique(df["exchange"])}
    df["exchange"] = pd.array([names[v] for v in df["exchange"]], dtype=str)
    for ex, sym in df[["exchange", "symbol"]].drop_duplicates().itertuples(index=False):
        check_symbol(sym, ex)
    if any(c not in df.columns for c in TIERS_COLUMNS):
        df = tiers_frame(df, source="snapshot", check=False)
    order = np.lexsort((df["max_notional"].to_numpy(float), df["symbol"].to_numpy(str),
                        df["exchange"].to_numpy(str)))  # fmt: skip
    return df.iloc[order].reset_index(drop=True)


def encode(
    frame: pd.DataFrame,
    *,
    as_of: Any,
    source_text: str | None,
    kind: str | None,
    complete: bool | None = None,
) -> tuple[list[Ladder], str, str]:
    """``(ladders, columns JSON, attrs JSON)`` of a tiers frame (see the module docs)."""
    df = frame_of(frame)
    if kind is None:
        kind = "margin" if df["max_leverage"].isna().all() else "leverage"
    if kind not in KINDS:
        raise SnapshotError(f"kind must be one of {list(KINDS)}, not {kind!r}")
    ex, sym = df["exchange"].to_numpy(str), df["symbol"].to_numpy(str)
    new = np.ones(len(df), dtype=bool)
    new[1:] = (ex[1:] != ex[:-1]) | (sym[1:] != sym[:-1])
    starts = np.flatnonzero(new)
    stops = np.append(starts[1:], len(df))
    n = len(starts)
    labels = _labels(frame, df, starts, stops, as_of, source_text, complete)
    extra_cols = [c for c in df.columns if c not in TIERS_COLUMNS and c not in LABELS]
    extra_vals = {c: _json_values(df[c]) for c in extra_cols}
    extra_na = {c: df[c].isna().to_numpy(bool) for c in extra_cols}
    tiers = df["tier"].to_numpy("int64")
    values = df[list(TIER_VALUES)].to_numpy("float64")
    texts = tier_texts(values)
    out = []
    for g in range(n):
        a, b = int(starts[g]), int(stops[g])
        extras = {c: extra_vals[c][a:b] for c in extra_cols if not extra_na[c][a:b].all()}
        text = _dumps(extras) if extras else None
        out.append(
            Ladder(
                kind=kind,
                exchange=str(ex[a]),
                symbol=str(sym[a]),
                tiers=tiers[a:b],
                values=values[a:b],
                extras=text,
                digest=_digest(tiers[a:b], values[a:b], text),
                ladder=ladder_digest(texts[a:b]),
                **{k: v[g] for k, v in labels.items()},
            )
        )
    given = dict(zip(frame.columns, frame.dtypes, strict=True))
    columns = _dumps([[c, str(given.get(c, df.dtypes[c]))] for c in df.columns])
    return out, columns, _attrs_json(dict(frame.attrs))


def _labels(frame, df, starts, stops, as_of, source_text, complete) -> dict[str, list]:
    n = len(starts)
    first = df.iloc[starts]
    cols = set(df.columns)
    category = _per_ladder(df, "category", starts, stops) if "category" in cols else (
        [frame.attrs.get("category") if isinstance(frame.attrs.get("category"), str) else None] * n
    )  # fmt: skip
    if "notional_unit" in cols:
        unit = _per_ladder(df, "notional_unit", starts, stops)
    else:
        given = frame.attrs.get("notional_unit")
        from ..venues import unit_of

        unit = [given if isinstance(given, str) else unit_of(s, e, c or "linear")
                for s, c, e in zip(first["symbol"], category, first["exchange"], strict=True)]  # fmt: skip
    if complete is not None:
        whole = [bool(complete)] * n
    elif "complete" in cols:
        whole = [bool(v) for v in _per_ladder(df, "complete", starts, stops)]
    else:
        from ..model.completeness import ladders

        known = ladders(df).set_index(["exchange", "symbol"])["complete"]
        whole = [bool(known.get(k, False)) for k in zip(first["exchange"], first["symbol"], strict=True)]  # fmt: skip
    if "source" in cols and source_text is None:
        source = [str(s) if s is not None else _default_source(frame, e)
                  for s, e in zip(_per_ladder(df, "source", starts, stops), first["exchange"], strict=True)]  # fmt: skip
    else:
        source = [" ".join(str(source_text).split()) if source_text else _default_source(frame, e)
                  for e in first["exchange"]]  # fmt: skip
    if as_of is not None:
        dates = [as_of] * n
    else:
        fallback = frame.attrs.get("as_of") or frame.attrs.get("fetched_at")
        fallback = fallback if fallback is not None else pd.Timestamp.now(tz="UTC")
        col = _per_ladder(df, "as_of", starts, stops) if "as_of" in cols else [None] * n
        dates = [fallback if d is None else d for d in col]
    texts = [as_of_text(d) for d in dates]
    return {
        "category": category,
        "notional_unit": unit,
        "complete": whole,
        "source": source,
        "as_of_text": texts,
        "as_of": [as_of_ns(t) for t in texts],
    }


def _default_source(frame: pd.DataFrame, exchange: str) -> str:
    return f"{frame.attrs.get('source', 'unknown')} ({exchange}) via lk.save_snapshot"


# --------------------------------------------------------------------------- decode


def _restore(values: np.ndarray, dtype: str) -> Any:
    """An object array of stored values as a column of ``dtype`` (inferred if it cannot be)."""
    try:
        if dtype.startswith("datetime64"):
            moments = pd.to_datetime(pd.Series(values, dtype=object), utc="UTC" in dtype)
            return moments.astype(dtype)  # type: ignore[call-overload]  # any datetime64 unit
        if dtype == "object":
            return values
        if dtype in ("float64", "float32"):
            return np.array([np.nan if v is None else v for v in values], dtype=dtype)
        return (
            pd.array(values, dtype=dtype)  # type: ignore[call-overload]  # a stored dtype name
            if dtype not in ("int64", "bool")
            else values.astype(dtype)
        )
    except (TypeError, ValueError):
        return pd.Series(values, dtype=object).infer_objects().array


def decode(
    rows: pd.DataFrame,
    extras: dict[tuple[int, int], dict],
    schemas: list[list],
    *,
    labels: dict[str, Any],
) -> pd.DataFrame:
    """Rows (one per tier, sorted ladder by ladder; columns ``src``, ``content_id``,
    ``exchange``, ``symbol``, ``tier`` and :data:`TIER_VALUES`) -> a frame.

    ``extras`` maps ``(src, content_id)`` to a ladder's extra columns; ``schemas`` are the
    saved frames' ``[[column, dtype], ...]`` (their union gives the columns and their order);
    ``labels`` the per-row label columns (arrays) to add."""
    n = len(rows)
    dtypes: dict[str, str] = {}
    for schema in schemas:
        for col, dtype in schema:
            dtypes.setdefault(col, dtype)
    order = list(dict.fromkeys([*TIERS_COLUMNS, *dtypes, *labels]))
    out: dict[str, Any] = {
        "exchange": pd.array(rows["exchange"].to_numpy(object), dtype=str),
        "symbol": pd.array(rows["symbol"].to_numpy(object), dtype=str),
        "tier": rows["tier"].to_numpy("int64"),
    }
    for col in TIER_VALUES:
        out[col] = rows[col].to_numpy("float64")
    extra_cols = [c for c in order if c not in out and c not in labels]
    if extra_cols and extras:
        key = rows["src"].to_numpy("int64") * (1 << 40) + rows["content_id"].to_numpy("int64")
        new = np.ones(n, dtype=bool)
        new[1:] = key[1:] != key[:-1]
        new[1:] |= rows["_ladder"].to_numpy()[1:] != rows["_ladder"].to_numpy()[:-1]
        starts = np.flatnonzero(new)
        stops = np.append(starts[1:], n)
        filled = {c: np.full(n, np.nan, dtype=object) for c in extra_cols}
        src, cid = rows["src"].to_numpy("int64"), rows["content_id"].to_numpy("int64")
        for a, b in zip(starts, stops, strict=True):
            found = extras.get((int(src[a]), int(cid[a])))
            for col, vals in (found or {}).items():
                if col in filled and len(vals) == b - a:
                    filled[col][a:b] = vals
        for col in extra_cols:
            out[col] = _restore(filled[col], dtypes.get(col, "object"))
    else:
        for col in extra_cols:
            out[col] = _restore(np.full(n, np.nan, dtype=object), dtypes.get(col, "object"))
    for col, values in labels.items():
        dtype = dtypes.get(col)
        out[col] = _restore(np.asarray(values, dtype=object), dtype) if dtype else values
    return pd.DataFrame({c: out[c] for c in order}, index=pd.RangeIndex(n))


def is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)
