"""The SQLite store: its tables, opening it safely, one transaction per save, and the
queries every reader shares.

One database file per folder, ``<folder>/ladders.sqlite`` (``docs/store.md`` documents the
layout).  Writes: WAL journal, ``BEGIN IMMEDIATE`` per save (one writer at a time; others
wait up to :data:`BUSY_TIMEOUT` seconds), ``synchronous=FULL``: a save is all there or not
there, whatever happens to the process.  Nothing is ever updated or deleted: a save
appends one ``saves`` row, one ``versions`` row per ladder, and the ``contents``/``tiers``
rows of ladders the store has not seen before (a ladder is stored once, however many
versions point at it).

The shipped history (``data/ladders.sqlite.gz``) is the same database, gzipped, opened in
memory (``sqlite3.Connection.deserialize``).
"""

from __future__ import annotations

import contextlib
import gzip
import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._names import SnapshotError

log = logging.getLogger("levkit")

__all__ = [
    "BUSY_TIMEOUT",
    "SCHEMA_VERSION",
    "STORE_FILE",
    "TIER_VALUES",
    "open_memory",
    "open_read",
    "open_shipped",
    "open_write",
    "read_contents",
    "read_labels",
    "read_saves",
    "read_tiers",
    "read_versions",
    "transaction",
]

#: The store's file name inside a data folder.
STORE_FILE = "ladders.sqlite"
#: Layout version, in ``meta``; a newer one is refused rather than misread.
SCHEMA_VERSION = 1
#: Seconds a save waits for another process's save to finish.
BUSY_TIMEOUT = 30.0
#: The per-tier numbers of a stored ladder, in order.
TIER_VALUES = (
    "min_notional",
    "max_notional",
    "max_leverage",
    "maintenance_margin_rate",
    "initial_margin_rate",
    "mm_deduction",
)

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS saves (
    save_id INTEGER PRIMARY KEY,
    saved_at INTEGER NOT NULL,
    levkit_version TEXT NOT NULL,
    note TEXT NOT NULL,
    columns TEXT NOT NULL,
    attrs TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS contents (
    content_id INTEGER PRIMARY KEY,
    digest TEXT NOT NULL UNIQUE,
    ladder TEXT NOT NULL,
    tiers INTEGER NOT NULL,
    extras TEXT
);
CREATE TABLE IF NOT EXISTS tiers (
    content_id INTEGER NOT NULL REFERENCES contents (content_id),
    tier INTEGER NOT NULL,
    {", ".join(f"{c} REAL" for c in TIER_VALUES)},
    PRIMARY KEY (content_id, tier)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ladders (
    ladder_id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    exchange TEXT NOT NULL,
    symbol TEXT NOT NULL,
    UNIQUE (exchange, symbol, kind)
);
CREATE TABLE IF NOT EXISTS labels (
    label_id INTEGER PRIMARY KEY,
    as_of_text TEXT NOT NULL,
    complete INTEGER NOT NULL,
    category TEXT,
    notional_unit TEXT,
    source TEXT NOT NULL,
    UNIQUE (as_of_text, complete, category, notional_unit, source)
);
CREATE TABLE IF NOT EXISTS versions (
    version_id INTEGER PRIMARY KEY,
    save_id INTEGER NOT NULL REFERENCES saves (save_id),
    ladder_id INTEGER NOT NULL REFERENCES ladders (ladder_id),
    as_of INTEGER NOT NULL,
    content_id INTEGER REFERENCES contents (content_id),
    label_id INTEGER NOT NULL REFERENCES labels (label_id)
);
CREATE INDEX IF NOT EXISTS versions_by_ladder ON versions (ladder_id, as_of);
"""


def _damaged(path: Any, exc: Exception) -> SnapshotError:
    return SnapshotError(
        f"{path} is not a readable levkit store ({exc}); move it away to start a new one "
        "(nothing in it is changed)"
    )


def _check_schema(con: sqlite3.Connection, path: Any) -> None:
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        con.execute("SELECT version_id FROM versions LIMIT 1").fetchone()
    except sqlite3.DatabaseError as exc:
        raise _damaged(path, exc) from None
    if row is None or not str(row[0]).isdigit():
        raise _damaged(path, ValueError("no levkit schema version"))
    if int(row[0]) > SCHEMA_VERSION:
        raise SnapshotError(
            f"{path} was written by a newer levkit (store layout {row[0]}, this levkit "
            f"reads up to {SCHEMA_VERSION}): upgrade levkit to read it"
        )


def open_write(folder: Path) -> sqlite3.Connection:
    """The store in ``folder`` (created with its folder when missing), ready for
    :func:`transaction`.  A file there that is not a levkit store is never touched."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / STORE_FILE
    try:
        con = sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=FULL")
        con.execute("PRAGMA foreign_keys=ON")
        has_meta = con.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
        ).fetchone()
        tables = con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise _damaged(path, exc) from None
    if has_meta is None and tables:
        con.close()
        raise _damaged(path, ValueError("a SQLite database, but not levkit's"))
    if has_meta is None:
        with transaction(con):
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    con.execute(statement)
            con.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
    _check_schema(con, path)
    return con


def open_read(path: Path) -> sqlite3.Connection:
    """An existing store, read only (:class:`SnapshotError` when it is not one)."""
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT)
    except sqlite3.DatabaseError as exc:
        raise _damaged(path, exc) from None
    _check_schema(con, path)
    return con


def open_memory() -> sqlite3.Connection:
    """An empty store in memory (0.2 CSV files are read into one)."""
    con = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    for statement in SCHEMA.split(";"):
        if statement.strip():
            con.execute(statement)
    con.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
    return con


def open_shipped(path: Path) -> sqlite3.Connection:
    """The shipped history (a gzipped store file) opened in memory."""
    data = bytearray(gzip.decompress(path.read_bytes()))
    if data[:16] == b"SQLite format 3\x00" and data[18:20] == b"\x02\x02":
        data[18:20] = b"\x01\x01"  # WAL -> rollback journal: memory databases have no WAL
    con = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    con.deserialize(bytes(data))
    _check_schema(con, path)
    return con


@contextlib.contextmanager
def transaction(con: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` on any error): all or nothing."""
    con.execute("BEGIN IMMEDIATE")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


# --------------------------------------------------------------------------- reading


def _where(**filters: Any) -> tuple[str, list[Any]]:
    clauses, params = [], []
    for col, value in filters.items():
        if value is None:
            continue
        if isinstance(value, tuple):  # (low, high) bounds, either may be None
            low, high = value
            if low is not None:
                clauses.append(f"{col} >= ?")
                params.append(low)
            if high is not None:
                clauses.append(f"{col} <= ?")
                params.append(high)
            continue
        values = sorted(set(value))
        clauses.append(f"{col} IN (SELECT value FROM json_each(?))")
        params.append(json.dumps(values))
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


#: The columns of a version row that say which ladder and when (the rest: :data:`LABELS`).
KEYS = ("version_id", "save_id", "exchange", "symbol", "as_of", "content_id")
#: The per-ladder labels of a version row.
LABELS = ("as_of_text", "complete", "category", "notional_unit", "source")


def read_versions(
    con: sqlite3.Connection,
    *,
    kind: str | None = None,
    exchanges: Iterable[str] | None = None,
    symbols: Iterable[str] | None = None,
    until: int | None = None,
) -> pd.DataFrame:
    """The :data:`KEYS` of ``versions`` rows, and each one's ``ladder`` digest (what makes
    two versions different; None for a removal), optionally filtered; ``as_of`` in ns."""
    where, params = _where(kind=[kind] if kind else None, exchange=exchanges, symbol=symbols)
    names = pd.DataFrame.from_records(
        con.execute(f"SELECT ladder_id, exchange, symbol FROM ladders{where}", params).fetchall(),
        columns=["ladder_id", "exchange", "symbol"],
    )
    where, params = _where(
        ladder_id=names["ladder_id"].tolist(),
        as_of=(None, until) if until is not None else None,
    )
    rows = con.execute(
        "SELECT version_id, save_id, ladder_id, as_of, IFNULL(content_id, -1) "
        f"FROM versions{where}",
        params,
    ).fetchall()
    ints = np.array(rows, dtype=np.int64).reshape(-1, 5)  # one array: far faster than a frame
    at = pd.Index(names["ladder_id"]).get_indexer(ints[:, 2])
    out = pd.DataFrame(
        {
            "version_id": ints[:, 0],
            "save_id": ints[:, 1],
            "exchange": names["exchange"].to_numpy(object)[at],
            "symbol": names["symbol"].to_numpy(object)[at],
            "as_of": ints[:, 3],
            "content_id": np.where(ints[:, 4] < 0, np.nan, ints[:, 4].astype("float64")),
        }
    )
    ids = out["content_id"].dropna().astype("int64").unique().tolist()
    where, params = _where(content_id=ids)
    digests = dict(con.execute(f"SELECT content_id, ladder FROM contents{where}", params))
    out["ladder"] = out["content_id"].map(digests)
    return out


def read_labels(con: sqlite3.Connection, version_ids: Iterable[int]) -> pd.DataFrame:
    """The :data:`LABELS` of these versions, with ``version_id``."""
    where, params = _where(version_id=[int(v) for v in version_ids])
    cols = ", ".join(f"l.{c}" for c in LABELS)
    rows = con.execute(
        f"SELECT v.version_id, {cols} FROM versions v JOIN labels l USING (label_id){where}",
        params,
    )
    return pd.DataFrame.from_records(rows.fetchall(), columns=["version_id", *LABELS])


def read_tiers(con: sqlite3.Connection, content_ids: Iterable[int]) -> pd.DataFrame:
    """``tiers`` rows of these contents, sorted by content and tier."""
    where, params = _where(content_id=[int(c) for c in content_ids])
    values = ", ".join(f"IFNULL({c}, 'nan')" for c in TIER_VALUES)  # SQLite keeps NaN as NULL
    sql = f"SELECT content_id, tier, {values} FROM tiers{where} ORDER BY content_id, tier"
    rows = con.execute(sql, params).fetchall()
    nums = np.array(rows, dtype=np.float64).reshape(-1, 2 + len(TIER_VALUES))
    out = pd.DataFrame({c: nums[:, i + 2] for i, c in enumerate(TIER_VALUES)})
    out.insert(0, "tier", nums[:, 1].astype("int64"))
    out.insert(0, "content_id", nums[:, 0].astype("int64"))
    return out


def read_contents(con: sqlite3.Connection, content_ids: Iterable[int]) -> dict[int, dict]:
    """``{content_id: extras}`` for contents that have extra columns."""
    where, params = _where(content_id=[int(c) for c in content_ids])
    where += (" AND" if where else " WHERE") + " extras IS NOT NULL"
    rows = con.execute(f"SELECT content_id, extras FROM contents{where}", params).fetchall()
    return {
        int(cid): json.loads(text, object_hook=_timestamps)
        if "__ts__" in text
        else json.loads(text)
        for cid, text in rows
    }


def _timestamps(obj: dict) -> Any:
    """JSON objects ``{"__ts__": iso}`` (how timestamps are stored) back to Timestamps."""
    return pd.Timestamp(obj["__ts__"]) if set(obj) == {"__ts__"} else obj


def read_saves(con: sqlite3.Connection, save_ids: Iterable[int]) -> dict[int, tuple[list, dict]]:
    """``{save_id: (columns [[name, dtype], ...], attrs)}``."""
    where, params = _where(save_id=[int(s) for s in save_ids])
    rows = con.execute(f"SELECT save_id, columns, attrs FROM saves{where}", params).fetchall()
    return {int(sid): (json.loads(cols), json.loads(attrs)) for sid, cols, attrs in rows}
