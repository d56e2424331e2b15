"""Where versions are read from, and turning chosen versions into one frame.

Sources, each an SQLite connection with a rank (on equal ``as_of`` the higher rank wins):

==== ==================================================================== ==============
rank source                                                               on trouble
==== ==================================================================== ==============
3    the user store, ``<user folder>/ladders.sqlite``                     warn, skip
2    0.2 CSV files in the user folder (``<venue>/tiers.csv``...), read in  warn, skip
     place and never changed
1    the shipped history, ``data/ladders.sqlite.gz``                      raise
0    the shipped 0.2 CSV files, ``data/<venue>/tiers.csv``                raise
==== ==================================================================== ==============

With ``path=`` only that folder (its store and CSV files) or that one file is read, and
any trouble raises.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import sqlite3
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import LevkitError
from ._codec import LABELS, decode, restore_attrs
from ._files import SNAPSHOT_FILES, data_dir, parse, user_data_dir, venue_files
from ._names import SnapshotError
from ._rows import write_frame
from ._store import (
    STORE_FILE,
    open_memory,
    open_read,
    open_shipped,
    read_contents,
    read_labels,
    read_saves,
    read_tiers,
    read_versions,
)

log = logging.getLogger("levkit")

__all__ = [
    "SHIPPED_STORE",
    "Source",
    "build",
    "latest",
    "opened",
    "sources",
    "versions",
    "with_labels",
]

#: The shipped history's file name inside the data folder.
SHIPPED_STORE = STORE_FILE + ".gz"


@dataclass
class Source:
    """One place versions come from."""

    con: sqlite3.Connection
    label: str
    rank: int
    owned: bool = False  # opened for one call: closed by :func:`opened`
    lock: threading.Lock = field(default_factory=threading.Lock)


class SnapshotFileWarning(UserWarning):
    """A file in the user snapshot folder cannot be read; it is skipped (named in the message)."""


def _csv_source(path: Path, rank: int) -> Source:
    st = path.stat()
    return _csv_cached(str(path), st.st_mtime_ns, st.st_size, rank)


@functools.lru_cache(maxsize=64)
def _csv_cached(path: str, mtime_ns: int, size: int, rank: int) -> Source:
    # mtime and size are part of the key so a rewritten file is read again.
    log.debug("reading snapshot file %s", path)
    frame = parse(path, path)
    con = open_memory()
    kind = "margin" if Path(path).name == SNAPSHOT_FILES["margin"] else "leverage"
    write_frame(con, frame, as_of=None, source_text=None, kind=kind, note=f"0.2 file {path}")
    return Source(con, path, rank)


@functools.lru_cache(maxsize=8)
def _shipped_store(path: str, mtime_ns: int) -> Source:
    return Source(open_shipped(Path(path)), f"levkit's shipped history ({path})", 1)


def _folder_sources(
    folder: Path, *, store_rank: int, csv_rank: int, strict: bool, stores: bool = True
) -> list[Source]:
    """A folder's store (and a gzipped one, as levkit ships), then its 0.2 files;
    ``stores=False``: the 0.2 files only."""
    out: list[Source] = []
    gz = folder / SHIPPED_STORE
    if stores and gz.is_file():
        out.append(_shipped_store(str(gz), gz.stat().st_mtime_ns))
    db = folder / STORE_FILE
    if stores and db.is_file():
        try:
            out.append(Source(open_read(db), str(db), store_rank, owned=True))
        except SnapshotError as exc:
            if strict:
                raise
            warnings.warn(f"{exc}; skipped", SnapshotFileWarning, stacklevel=5)
    for kind in SNAPSHOT_FILES:
        for path in venue_files(folder, kind):
            try:
                out.append(_csv_source(path, csv_rank))
            except (LevkitError, ValueError, OSError) as exc:
                if strict:
                    raise
                warnings.warn(
                    f"snapshot file {path} cannot be read and is skipped: {exc}",
                    SnapshotFileWarning,
                    stacklevel=5,
                )
    return out


def _shipped() -> list[Source]:
    return _folder_sources(data_dir(), store_rank=1, csv_rank=0, strict=True)


def shipped_files() -> list[Source]:
    """The shipped 0.2 files only (the simulator's default ladders)."""
    return _folder_sources(data_dir(), store_rank=1, csv_rank=0, strict=True, stores=False)


def sources(path: Any = None, *, shipped: bool = True) -> list[Source]:
    """The sources to read (see the module docs); ``path``: only that folder or file."""
    if path is not None:
        p = Path(path)
        if p.is_file():
            if p.name.endswith(".gz"):
                return [_shipped_store(str(p), p.stat().st_mtime_ns)]
            if p.suffix in (".sqlite", ".db"):
                return [Source(open_read(p), str(p), 3, owned=True)]
            return [_csv_source(p, 2)]
        if not p.is_dir():
            raise SnapshotError(f"no snapshot file or folder at {p}")
        found = _folder_sources(p, store_rank=3, csv_rank=2, strict=True)
        if not found:
            raise SnapshotError(f"no snapshot file at {p}")
        return found
    user = user_data_dir()
    found = _folder_sources(user, store_rank=3, csv_rank=2, strict=False) if user.is_dir() else []
    return found + (_shipped() if shipped else [])


@contextlib.contextmanager
def opened(path: Any = None, *, shipped: bool = True) -> Iterator[list[Source]]:
    """:func:`sources`, closing the stores opened for this call afterwards."""
    srcs = sources(path, shipped=shipped)
    try:
        yield srcs
    finally:
        for s in srcs:
            if s.owned:
                s.con.close()


def versions(srcs: list[Source], **filters: Any) -> pd.DataFrame:
    """Every version row of ``srcs`` (``src`` = position in ``srcs``, ``rank``)."""
    frames = []
    for i, s in enumerate(srcs):
        with s.lock:
            rows = read_versions(s.con, **filters)
        frames.append(rows.assign(src=i, rank=s.rank))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if len(out) == 0:
        return out
    return out.sort_values(
        ["exchange", "symbol", "as_of", "rank", "version_id"], kind="stable", ignore_index=True
    )


def with_labels(rows: pd.DataFrame, srcs: list[Source]) -> pd.DataFrame:
    """``rows`` (from :func:`versions`) with their labels (``as_of_text``, ``complete``,
    ``category``, ``notional_unit``, ``source``), read for these rows only."""
    if len(rows) == 0 or "source" in rows.columns:
        return rows
    parts = []
    for i in sorted(rows["src"].unique()):
        s = srcs[int(i)]
        with s.lock:
            found = read_labels(s.con, rows.loc[rows["src"] == i, "version_id"].tolist())
        parts.append(found.assign(src=i))
    labels = pd.concat(parts, ignore_index=True)
    return rows.merge(labels, on=["src", "version_id"], how="left", sort=False)


def latest(rows: pd.DataFrame) -> pd.DataFrame:
    """The newest version of each (exchange, symbol) of sorted ``rows`` (a removal too)."""
    if len(rows) == 0:
        return rows
    return rows.drop_duplicates(["exchange", "symbol"], keep="last").reset_index(drop=True)


def _units(chosen: pd.DataFrame) -> np.ndarray:
    """Each ladder's ``notional_unit``: its instrument's on a registry venue (a store written
    before 0.3 may hold ``""`` for a non-ASCII id or ``"241227"`` for a dated one), else as
    stored."""
    from ..venues import find, listed_instrument

    stored = chosen["notional_unit"].to_numpy(object)
    out = stored.copy()
    for i, (ex, sym) in enumerate(zip(chosen["exchange"], chosen["symbol"], strict=True)):
        v = find(ex)
        if v is not None:
            out[i] = listed_instrument(str(sym), v.name).unit
    return out


def build(
    chosen: pd.DataFrame, srcs: list[Source], *, dates: str = "text", positions: bool = False
) -> tuple[pd.DataFrame, dict]:
    """The tiers frame of ``chosen`` versions (no removals), in their order, and the
    saved attrs of the saves they came from.  ``dates="text"``: ``as_of`` as stored
    (``"2026-05-18"``); ``"timestamp"``: ``datetime64[ns, UTC]``.  ``positions``: a
    ``_ladder`` column gives each row's position in ``chosen``."""
    parts, extras, schemas, attrs = [], {}, [], {}
    chosen = with_labels(chosen, srcs).assign(_ladder=np.arange(len(chosen)))
    for i in sorted(chosen["src"].unique()):
        mine = chosen[chosen["src"] == i]
        ids = mine["content_id"].astype("int64").unique().tolist()
        s = srcs[int(i)]
        with s.lock:
            tiers = read_tiers(s.con, ids)
            found = read_contents(s.con, ids)
            saves = read_saves(s.con, mine["save_id"].unique().tolist())
        extras.update({(int(i), cid): v for cid, v in found.items()})
        for sid in mine["save_id"].unique():  # in the order the ladders come
            cols, saved = saves[int(sid)]
            schemas.append(cols)
            attrs.update(restore_attrs(saved))
        keys = mine[["_ladder", "content_id", "src", "exchange", "symbol"]].astype(
            {"content_id": "int64"}
        )
        parts.append(keys.merge(tiers, on="content_id", how="inner"))
    rows = pd.concat(parts, ignore_index=True).sort_values(["_ladder", "tier"], kind="stable")
    rows = rows.reset_index(drop=True)
    at = rows["_ladder"].to_numpy()
    labels: dict[str, Any] = {}
    for col in LABELS:
        src_col = "as_of_text" if col == "as_of" and dates == "text" else col
        values = chosen[src_col].to_numpy(object)[at]
        if col == "complete":
            values = values.astype(bool)
        elif col == "notional_unit":
            values = _units(chosen)[at]
        elif col == "as_of" and dates != "text":
            values = pd.to_datetime(values.astype("int64"), utc=True).astype("datetime64[ns, UTC]")
        labels[col] = values
    if dates != "text":
        schemas = [[c for c in s if c[0] != "as_of"] for s in schemas]
    frame = decode(rows, extras, schemas, labels=labels)
    if positions:
        frame["_ladder"] = at
    return frame, attrs
