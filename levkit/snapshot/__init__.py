"""Snapshots: risk-limit ladders that work offline, shipped with levkit or saved by the user.

Layout (the same in the shipped ``data/`` folder, in the user folder and in any folder
given as ``path``)::

    <root>/<exchange>/tiers.csv           leverage ladders      (kind="leverage")
    <root>/<exchange>/margin_bands.csv    margin bands, no leverage (kind="margin")

Venues are found by listing ``<root>``; no list of exchanges is kept in code.  Columns:
the tiers-frame columns (:data:`levkit.frames.TIERS_COLUMNS`) then ``category``,
``notional_unit``, ``complete`` (``true``/``false``, the same on every row of a ladder:
whether its source gives the whole ladder), ``source`` (where the figures came from) and
``as_of`` (their date, ``YYYY-MM-DD``, or ``YYYY-MM``/``YYYY`` when that is all that is
known).  ``data/README.md`` names every shipped source.

:func:`load_snapshot` reads the user folder (``$LEVKIT_DATA_DIR``, else
``platformdirs.user_data_dir("levkit")``) first, then the shipped data; a ladder found in
both comes from the user folder.  :func:`save_snapshot` writes into the user folder.
An installed wheel carries the shipped data at ``levkit/_data/``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..model.completeness import check_staleness
from ..venues import normalize_symbol
from ._files import (
    ENV_VAR,
    SNAPSHOT_COLUMNS,
    SNAPSHOT_FILES,
    SnapshotError,
    as_of_timestamp,
    data_dir,
    read,
    user_data_dir,
    venue_files,
)
from ._write import save_snapshot, write_snapshot

__all__ = [
    "ENV_VAR",
    "SnapshotError",
    "SNAPSHOT_COLUMNS",
    "SNAPSHOT_FILES",
    "check_staleness",
    "data_dir",
    "load_snapshot",
    "save_snapshot",
    "snapshot_index",
    "user_data_dir",
    "write_snapshot",
]


def _snapshot_files(kind: str, path: str | os.PathLike[str] | None) -> list[Path]:
    """Snapshot files of ``kind`` in priority order (a ladder is taken from the first)."""
    if kind not in SNAPSHOT_FILES:
        raise SnapshotError(f"kind must be one of {sorted(SNAPSHOT_FILES)}, not {kind!r}")
    if path is not None:
        p = Path(path)
        if p.is_file():
            return [p]
        files = venue_files(p, kind)
        if not files and not any(venue_files(p, k) for k in SNAPSHOT_FILES):
            raise SnapshotError(f"no snapshot file at {p}")
        return files
    return venue_files(user_data_dir(), kind) + venue_files(data_dir(), kind)


def _read_all(kind: str, path: Any) -> tuple[pd.DataFrame, dict[tuple[str, str], str]]:
    """Every ladder of ``kind``, each from the first file holding it, and those files."""
    frames, origin = [], {}
    for file in _snapshot_files(kind, path):
        frame = read(file)
        keys = list(zip(frame["exchange"], frame["symbol"], strict=True))
        keep = np.array([k not in origin for k in keys], dtype=bool)
        for k in dict.fromkeys(k for k, new in zip(keys, keep, strict=True) if new):
            origin[k] = str(file)
        if keep.any():
            frames.append(frame.loc[keep])
    if not frames:
        empty = pd.DataFrame({c: [] for c in SNAPSHOT_COLUMNS})
        return empty, origin
    full = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return full.sort_values(["exchange", "symbol", "max_notional"], kind="stable"), origin


def load_snapshot(
    exchange: str | None = None,
    symbol: str | Iterable[str] | None = None,
    *,
    kind: str = "leverage",
    path: str | os.PathLike[str] | None = None,
) -> pd.DataFrame:
    """Risk-limit tiers from the user's saved snapshot, then levkit's shipped one, offline.

    Parameters
    ----------
    exchange : str, optional
        Only this exchange (any venue with a folder in the snapshot).  ``None``: all.
    symbol : str or list of str, optional
        Any spelling (``"BTCUSDT"``, ``"BTC-USDT"``, ``"btc/usdt:usdt"``).  With
        ``exchange=None`` a symbol matches on every exchange that has it.
    kind : {"leverage", "margin"}
        ``"leverage"``: ladders with max leverage per band (``tiers.csv``).
        ``"margin"``: maintenance-margin bands without leverage (``margin_bands.csv``).
    path : path, optional
        Read only this snapshot folder (same layout) or file, not the user/shipped ones.

    Returns
    -------
    DataFrame
        A tiers frame plus ``category``, ``notional_unit``, ``complete`` (bool),
        ``source`` and ``as_of`` (the file's date text).  ``attrs``: ``source`` is
        ``"snapshot"``; ``as_of`` and ``fetched_at`` the oldest figures' date as a UTC
        Timestamp (the start of it when only a month or year is known);
        ``snapshot_files`` maps each (exchange, symbol) to the file it came from
        (``snapshot_file`` when that is one file).  ``lk.ladders(frame)`` gives the dates
        per ladder as ``datetime64``.

    Raises
    ------
    SnapshotError
        An exchange or symbol with no data; the message lists what is available.
        Never an empty frame.

    Examples
    --------
    >>> tiers = load_snapshot("bingx", "BTCUSDT")
    >>> tiers[["tier", "max_notional", "max_leverage"]].head(2).values.tolist()
    [[1.0, 300000.0, 150.0], [2.0, 800000.0, 100.0]]
    >>> tiers.attrs["source"], tiers.attrs["as_of"], bool(tiers["complete"].all())
    ('snapshot', Timestamp('2025-12-02 00:00:00+0000', tz='UTC'), True)
    """
    full, origin = _read_all(kind, path)
    if len(full) == 0:
        raise SnapshotError(f"no {_what(kind)} in the snapshot ({_where(path)})")
    mask = np.ones(len(full), dtype=bool)
    exchanges = sorted(full["exchange"].unique().tolist())
    if exchange is not None:
        ex = str(exchange).strip().lower()
        if ex not in exchanges:
            msg = f"no {ex!r} {_what(kind)} in the snapshot ({_where(path)}); available: "
            msg += _listing(full)
            if kind == "margin" and _rates_in_ladder(ex):
                msg += f" ({ex}'s margin rates are in its leverage ladders: kind='leverage')"
            raise SnapshotError(msg)
        mask &= (full["exchange"] == ex).to_numpy()
    if symbol is not None:
        mask = _match_symbols(full, mask, symbol, exchange, kind)
    out = full.loc[mask].reset_index(drop=True)
    oldest = min(as_of_timestamp(d) for d in out["as_of"].unique())
    files = {
        k: v
        for k, v in origin.items()
        if k in set(zip(out["exchange"], out["symbol"], strict=True))
    }
    out.attrs = {
        "source": "snapshot",
        "fetched_at": oldest,
        "as_of": oldest,
        "snapshot_kind": kind,
        "snapshot_files": files,
    }
    if len(set(files.values())) == 1:
        out.attrs["snapshot_file"] = next(iter(files.values()))
    return out


def _match_symbols(full: pd.DataFrame, mask: np.ndarray, symbol: Any, exchange: Any, kind: str):
    wanted = [symbol] if isinstance(symbol, str) else list(symbol)
    if not wanted:
        raise SnapshotError("no symbol given (pass None for every symbol)")
    pool = full.loc[mask, ["exchange", "symbol"]].drop_duplicates()
    ex_col, sym_col = full["exchange"].to_numpy(), full["symbol"].to_numpy()
    hit = np.zeros(len(full), dtype=bool)
    for sym in wanted:
        found = False
        for ex in sorted(pool["exchange"].unique()):
            rows = mask & (ex_col == ex) & (sym_col == normalize_symbol(sym, ex))
            if rows.any():
                hit |= rows
                found = True
        if not found:
            where = f"{str(exchange).lower()} " if exchange is not None else ""
            what = "leverage ladder" if kind == "leverage" else "margin bands"
            raise SnapshotError(
                f"no {where}{what} for {sym!r} in the snapshot; available: " + _listing(pool)
            )
    return hit


def _rates_in_ladder(exchange: str) -> bool:
    """A registry venue whose maintenance rates come with its ladder (no separate bands)."""
    from ..venues import venue

    try:
        return not venue(exchange).capabilities.margin_bands
    except ValueError:
        return False


def _what(kind: str) -> str:
    return "leverage ladders" if kind == "leverage" else "margin bands"


def _where(path: Any) -> str:
    if path is not None:
        return str(path)
    return f"{user_data_dir()} then {data_dir()}"


def _listing(pool: pd.DataFrame) -> str:
    parts = []
    for ex, grp in pool.groupby("exchange", sort=True):
        parts.append(f"{ex}: " + ", ".join(sorted(grp["symbol"].unique())))
    return "; ".join(parts)


def snapshot_index(*, path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """What the snapshot holds: one row per kind, exchange and symbol.

    Columns ``kind``, ``exchange``, ``symbol``, ``tiers``, ``max_leverage`` (the top one,
    NaN for margin bands), ``top_notional``, ``as_of``, ``source``, ``complete``, ``file``.

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
            full, origin = _read_all(kind, path)
        except SnapshotError:
            continue
        if len(full) == 0:
            continue
        agg = full.groupby(["exchange", "symbol"], sort=True).agg(
            tiers=("tier", "size"),
            max_leverage=("max_leverage", "max"),
            top_notional=("max_notional", "max"),
            as_of=("as_of", "first"),
            source=("source", "first"),
            complete=("complete", "first"),
        )
        agg["file"] = [origin.get(k, "") for k in agg.index]
        rows.append(agg.reset_index().assign(kind=kind))
    if not rows:
        raise SnapshotError(f"no snapshot files at {_where(path)}")
    out = pd.concat(rows, ignore_index=True)
    cols = ["kind", "exchange", "symbol", "tiers", "max_leverage", "top_notional", "as_of"]
    return out[[*cols, "source", "complete", "file"]]
