"""The shipped snapshot: risk-limit ladders that work offline.

levkit ships CSV files (one row per tier) so that the model, the plots and the CLI work
with no network and no keys:

- ``tiers.csv``: leverage ladders (``kind="leverage"``), Bybit and BingX;
- ``margin_bands.csv``: notional bands with maintenance rates but no leverage
  (``kind="margin"``), e.g. BingX's ``maintMarginRatio``.

Both files use levkit's own format: the tiers-frame columns
(:data:`levkit.frames.TIERS_COLUMNS`) followed by ``category``, ``notional_unit``,
``source`` (where the figures came from) and ``as_of`` (their date). ``data/README.md``
names every source. An installed wheel carries the files at ``levkit/_data/``; a source
checkout reads ``<repo>/data/``.
"""

from __future__ import annotations

import datetime as _dt
import functools
import logging
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import LevkitError, ParseError
from .frames import FLOAT_TIER_COLUMNS, TIERS_COLUMNS, tiers_frame
from .symbols import normalize_symbol, parse_symbol

__all__ = [
    "SnapshotError",
    "SNAPSHOT_COLUMNS",
    "SNAPSHOT_FILES",
    "data_dir",
    "load_snapshot",
    "snapshot_index",
    "write_snapshot",
]

log = logging.getLogger("levkit")

#: Column order of a snapshot file.
SNAPSHOT_COLUMNS: tuple[str, ...] = (*TIERS_COLUMNS, "category", "notional_unit", "source", "as_of")
#: File name of each snapshot kind.
SNAPSHOT_FILES: dict[str, str] = {"leverage": "tiers.csv", "margin": "margin_bands.csv"}

_REQUIRED = ("exchange", "symbol", "max_notional", "source", "as_of")
_TEXT = ("exchange", "symbol", "category", "notional_unit", "source", "as_of")
_FLOAT = FLOAT_TIER_COLUMNS
_DTYPES: dict[str, Any] = {**{c: str for c in _TEXT}, **{c: "float64" for c in _FLOAT}}
_AS_OF = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


class SnapshotError(LevkitError, ValueError):
    """The snapshot has no such exchange, symbol or kind (the message lists what it has)."""


# --------------------------------------------------------------------------- locating


def data_dir() -> Path:
    """The directory holding the shipped snapshot files.

    An installed wheel carries them at ``levkit/_data``; a source checkout or an editable
    install reads ``<repo>/data``.  The first that holds ``tiers.csv`` wins.

    Examples
    --------
    >>> (data_dir() / "tiers.csv").is_file()
    True
    """
    pkg = Path(__file__).resolve().parent
    candidates = (pkg / "_data", pkg.parent / "data")
    for cand in candidates:
        if (cand / SNAPSHOT_FILES["leverage"]).is_file():
            return cand
    looked = ", ".join(str(c) for c in candidates)
    raise SnapshotError(f"levkit's snapshot files are missing (looked in {looked})")


def _resolve(kind: str, path: str | os.PathLike[str] | None) -> Path:
    if kind not in SNAPSHOT_FILES:
        raise SnapshotError(f"kind must be one of {sorted(SNAPSHOT_FILES)}, not {kind!r}")
    if path is None:
        return data_dir() / SNAPSHOT_FILES[kind]
    p = Path(path)
    if p.is_dir():
        p = p / SNAPSHOT_FILES[kind]
    if not p.is_file():
        raise SnapshotError(f"no snapshot file at {p}")
    return p


# --------------------------------------------------------------------------- parsing


def _as_of_timestamp(value: str) -> pd.Timestamp:
    """``"2026-05-18"`` (or ``"2026-05"``, ``"2026"``) -> the start of that day/month/year, UTC."""
    if not isinstance(value, str) or not _AS_OF.match(value):
        raise ParseError(
            f"as_of must be a date such as '2026-05-18' (or '2026-05', '2026'), not {value!r}"
        )
    return pd.Timestamp(value).tz_localize("UTC")


def _parse(text_or_path: Any, name: str) -> pd.DataFrame:
    """Read one snapshot file into a finished tiers frame (all rows, not yet filtered)."""
    df = pd.read_csv(text_or_path, dtype=_DTYPES, keep_default_na=False, na_values=[""])
    missing = [c for c in _REQUIRED if c not in df.columns]
    if missing:
        raise ParseError(f"{name}: not a levkit snapshot file, missing columns {missing}")
    if len(df) == 0:
        raise ParseError(f"{name}: no tiers")
    for col in ("exchange", "symbol", "source", "as_of"):
        if df[col].isna().any():
            row = int(np.flatnonzero(df[col].isna().to_numpy())[0]) + 2
            raise ParseError(f"{name} line {row}: empty {col}")
    for value in df["as_of"].unique():
        _as_of_timestamp(value)
    for col in SNAPSHOT_COLUMNS:
        if col not in df.columns:
            df[col] = np.nan
    # Keep what the file says about tier numbers and bands, to check it below.
    df = df.rename(columns={"tier": "_file_tier", "min_notional": "_file_min"})
    df["exchange"] = df["exchange"].str.lower()
    out = tiers_frame(df, source="snapshot")
    _check_bands(out, name)
    out = out.drop(columns=["_file_tier", "_file_min"])
    return out[list(SNAPSHOT_COLUMNS)]


def _check_bands(df: pd.DataFrame, name: str) -> None:
    """A typo in a hand-written file shows up as a band that does not start at the
    previous tier's cap, or a tier number out of sequence: refuse such files."""
    file_min = df["_file_min"].to_numpy()
    file_tier = pd.to_numeric(df["_file_tier"], errors="coerce").to_numpy(dtype="float64")
    bad = (~np.isnan(file_min) & ~np.isclose(file_min, df["min_notional"].to_numpy())) | (
        ~np.isnan(file_tier) & (file_tier != df["tier"].to_numpy())
    )
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        r = df.iloc[i]
        raise ParseError(
            f"{name}: {r['exchange']} {r['symbol']} band ending at {r['max_notional']:,.0f} "
            f"says tier {r['_file_tier']} from {r['_file_min']:,.0f}, but the sorted caps give "
            f"tier {r['tier']} from {r['min_notional']:,.0f}"
        )


@functools.lru_cache(maxsize=16)
def _load_file(path: str, mtime_ns: int, size: int) -> pd.DataFrame:
    # mtime and size are part of the key so a file rewritten by write_snapshot is re-read.
    log.debug("reading snapshot %s", path)
    return _parse(path, path)


def _read(path: Path) -> pd.DataFrame:
    st = path.stat()
    return _load_file(str(path), st.st_mtime_ns, st.st_size)


# --------------------------------------------------------------------------- loading


def load_snapshot(
    exchange: str | None = None,
    symbol: str | Iterable[str] | None = None,
    *,
    kind: str = "leverage",
    path: str | os.PathLike[str] | None = None,
) -> pd.DataFrame:
    """Risk-limit tiers from levkit's shipped snapshot, offline.

    Parameters
    ----------
    exchange : {"bybit", "bingx"}, optional
        Only this exchange.  ``None`` means every exchange in the snapshot.
    symbol : str or list of str, optional
        Any spelling (``"BTCUSDT"``, ``"BTC-USDT"``, ``"btc/usdt:usdt"``).  With
        ``exchange=None`` a symbol matches on every exchange that has it, so
        ``load_snapshot(symbol="BTCUSDT")`` gives Bybit's BTCUSDT and BingX's BTC-USDT.
    kind : {"leverage", "margin"}
        ``"leverage"``: ladders with max leverage per band (``tiers.csv``).
        ``"margin"``: maintenance-margin bands without leverage (``margin_bands.csv``).
    path : path, optional
        Another snapshot directory or file (e.g. one written by ``levkit snapshot``).

    Returns
    -------
    DataFrame
        A tiers frame plus the columns ``category``, ``notional_unit``, ``source``,
        ``as_of``.  ``attrs["source"]`` is ``"snapshot"``; ``attrs["as_of"]`` is the date
        of the oldest figures in the frame and ``attrs["fetched_at"]`` that date as a UTC
        timestamp (the start of it when only a month or year is known).

    Raises
    ------
    SnapshotError
        Unknown exchange or a symbol not in the snapshot; the message lists what is
        available.  Never an empty frame.

    Examples
    --------
    >>> tiers = load_snapshot("bingx", "BTCUSDT")
    >>> tiers[["tier", "max_notional", "max_leverage"]].head(2).values.tolist()
    [[1.0, 300000.0, 150.0], [2.0, 800000.0, 100.0]]
    >>> tiers.attrs["source"], tiers.attrs["as_of"]
    ('snapshot', '2025-12-02')
    """
    file = _resolve(kind, path)
    full = _read(file)
    mask = np.ones(len(full), dtype=bool)
    exchanges = sorted(full["exchange"].unique().tolist())
    if exchange is not None:
        ex = str(exchange).strip().lower()
        if ex not in exchanges:
            raise SnapshotError(_missing_exchange_message(ex, kind, full, file))
        mask &= (full["exchange"] == ex).to_numpy()
    if symbol is not None:
        wanted = [symbol] if isinstance(symbol, str) else list(symbol)
        if not wanted:
            raise SnapshotError("no symbol given (pass None for every symbol)")
        pool = full.loc[mask, ["exchange", "symbol"]].drop_duplicates()
        hit = np.zeros(len(full), dtype=bool)
        for sym in wanted:
            found = False
            for ex in sorted(pool["exchange"].unique()):
                spelled = normalize_symbol(sym, ex)
                rows = (
                    mask
                    & (full["exchange"] == ex).to_numpy()
                    & (full["symbol"] == spelled).to_numpy()
                )
                if rows.any():
                    hit |= rows
                    found = True
            if not found:
                raise SnapshotError(_missing_symbol_message(sym, exchange, kind, pool, file))
        mask = hit
    out = full.loc[mask].reset_index(drop=True)
    _stamp(out, full.attrs, kind, file)
    return out


def _stamp(out: pd.DataFrame, attrs: dict[str, Any], kind: str, file: Path) -> None:
    dates = out["as_of"].unique().tolist()
    oldest = min(dates, key=_as_of_timestamp)
    out.attrs = dict(attrs)
    out.attrs.update(
        source="snapshot",
        fetched_at=_as_of_timestamp(oldest),
        as_of=oldest,
        snapshot_kind=kind,
        snapshot_file=str(file),
    )


def _listing(pool: pd.DataFrame) -> str:
    parts = []
    for ex, grp in pool.groupby("exchange", sort=True):
        parts.append(f"{ex}: " + ", ".join(sorted(grp["symbol"].unique())))
    return "; ".join(parts)


def _missing_exchange_message(ex: str, kind: str, full: pd.DataFrame, file: Path) -> str:
    what = "leverage ladders" if kind == "leverage" else "margin bands"
    msg = f"no {ex!r} {what} in the snapshot ({file.name}); available: {_listing(full)}"
    if kind == "margin" and ex == "bybit":
        msg += " (Bybit's margin rates are in its leverage ladders: kind='leverage')"
    return msg


def _missing_symbol_message(
    sym: str, exchange: str | None, kind: str, pool: pd.DataFrame, file: Path
) -> str:
    what = "leverage ladder" if kind == "leverage" else "margin bands"
    where = f"{str(exchange).lower()} " if exchange is not None else ""
    return f"no {where}{what} for {sym!r} in the snapshot ({file.name}); available: " + _listing(
        pool
    )


def snapshot_index(*, path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """What the snapshot holds: one row per kind, exchange and symbol.

    Columns ``kind``, ``exchange``, ``symbol``, ``tiers``, ``max_leverage`` (the top one,
    NaN for margin bands), ``top_notional``, ``as_of``, ``source``.

    Examples
    --------
    >>> idx = snapshot_index()
    >>> int(idx.loc[(idx.exchange == "bingx") & (idx.symbol == "BTC-USDT")
    ...             & (idx.kind == "leverage"), "tiers"].iloc[0])
    12
    """
    rows = []
    for kind in SNAPSHOT_FILES:
        try:
            file = _resolve(kind, path)
        except SnapshotError:
            continue
        full = _read(file)
        agg = full.groupby(["exchange", "symbol"], sort=True).agg(
            tiers=("tier", "size"),
            max_leverage=("max_leverage", "max"),
            top_notional=("max_notional", "max"),
            as_of=("as_of", "first"),
            source=("source", "first"),
        )
        rows.append(agg.reset_index().assign(kind=kind))
    if not rows:
        raise SnapshotError(f"no snapshot files at {path}")
    out = pd.concat(rows, ignore_index=True)
    return out[
        ["kind", "exchange", "symbol", "tiers", "max_leverage", "top_notional", "as_of", "source"]
    ]


# --------------------------------------------------------------------------- writing


def _as_of_text(as_of: Any) -> str:
    if isinstance(as_of, str):
        _as_of_timestamp(as_of)
        return as_of
    if isinstance(as_of, _dt.datetime | pd.Timestamp):
        ts = pd.Timestamp(as_of)
        if ts.tzinfo is not None:
            ts = ts.tz_convert("UTC")
        return ts.date().isoformat()
    if isinstance(as_of, _dt.date):
        return as_of.isoformat()
    raise ValueError(f"as_of must be a date, a timestamp or 'YYYY-MM-DD', not {as_of!r}")


def _unit(symbol: str, category: str) -> str:
    try:
        m = parse_symbol(symbol)
    except ValueError:
        return ""
    if category == "inverse":
        return m.base
    return m.settle or m.quote


def write_snapshot(
    frame: pd.DataFrame,
    path_or_dir: str | os.PathLike[str],
    *,
    source_text: str,
    as_of: Any,
    kind: str | None = None,
    category: str | None = None,
    notional_unit: str | None = None,
    merge: bool = True,
) -> Path:
    """Write tiers in the snapshot format (what ``levkit snapshot`` uses).

    Parameters
    ----------
    frame : DataFrame
        A tiers frame (e.g. from :func:`levkit.fetch_risk_limits`).
    path_or_dir : path
        A directory (the file name then follows ``kind``: ``tiers.csv`` or
        ``margin_bands.csv``) or a file path.
    source_text : str
        Where the figures came from, written in the ``source`` column.
    as_of : date, timestamp or str
        The date of the figures (``"2026-05-18"``; ``"2026-05"`` or ``"2026"`` when only
        that much is known).
    kind : {"leverage", "margin"}, optional
        Default: ``"margin"`` when no row has a max leverage, else ``"leverage"``.
    category, notional_unit : str, optional
        Default: the frame's columns of that name, then ``attrs["category"]``; the unit
        defaults to the settle coin (quote for linear, base for inverse).
    merge : bool
        When the file exists, keep its rows for other exchange/symbol pairs and replace
        only the pairs in ``frame``.  ``False`` overwrites the file.

    Returns
    -------
    Path
        The file written (atomically: a temporary file renamed into place).

    Examples
    --------
    >>> import tempfile
    >>> tiers = load_snapshot("bybit", "BTCUSDT")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = write_snapshot(tiers, d, source_text="example", as_of="2026-05-18")
    ...     load_snapshot(path=d)["max_notional"].tolist()
    [300000.0, 2000000.0, 2600000.0]
    """
    if not isinstance(frame, pd.DataFrame) or len(frame) == 0:
        raise ValueError("write_snapshot needs a non-empty tiers frame")
    if not isinstance(source_text, str) or not source_text.strip():
        raise ValueError("source_text must name where the figures came from")
    text = " ".join(source_text.split())
    date = _as_of_text(as_of)
    labels = [c for c in ("category", "notional_unit") if c in frame.columns]
    core = [c for c in TIERS_COLUMNS if c in frame.columns]
    df = tiers_frame(frame[core + labels], source="snapshot", check=False)  # keeps labels aligned
    df["exchange"] = df["exchange"].str.lower()
    if kind is None:
        kind = "margin" if df["max_leverage"].isna().all() else "leverage"
    if kind not in SNAPSHOT_FILES:
        raise ValueError(f"kind must be one of {sorted(SNAPSHOT_FILES)}, not {kind!r}")
    for name, given in (("category", category), ("notional_unit", notional_unit)):
        if given is not None:
            df[name] = given
        elif name not in df.columns:
            value = frame.attrs.get(name)
            df[name] = value if isinstance(value, str) else None
    if df["notional_unit"].isna().all():
        cats = df["category"].fillna("linear")
        df["notional_unit"] = [_unit(s, c) for s, c in zip(df["symbol"], cats, strict=True)]
    # A deduction means nothing without a maintenance rate: leave it blank there.
    df["mm_deduction"] = df["mm_deduction"].where(df["maintenance_margin_rate"].notna())
    df["source"] = text
    df["as_of"] = date
    df = df[list(SNAPSHOT_COLUMNS)]

    target = Path(path_or_dir)
    if target.is_dir() or (not target.suffix and not target.exists()):
        target.mkdir(parents=True, exist_ok=True)
        target = target / SNAPSHOT_FILES[kind]
    if merge and target.is_file():
        old = _parse(target, str(target))
        keys = set(zip(df["exchange"], df["symbol"], strict=True))
        keep = [k not in keys for k in zip(old["exchange"], old["symbol"], strict=True)]
        df = pd.concat([old.loc[keep], df], ignore_index=True)
        df = df.sort_values(
            ["exchange", "symbol", "max_notional"], kind="stable", ignore_index=True
        )
    _write_csv(df, target)
    log.info("wrote %d tiers to %s", len(df), target)
    return target


def _write_csv(df: pd.DataFrame, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    mode = target.stat().st_mode & 0o777 if target.exists() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            df.to_csv(fh, index=False, float_format="%.15g", na_rep="", lineterminator="\n")
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
