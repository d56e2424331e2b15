"""Appending one save to a store's tables: interned ladders and labels, content by digest,
one version row per ladder (the write half that both saving and reading 0.2 files use)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

import pandas as pd

from ._codec import Ladder, encode
from ._store import TIER_VALUES, transaction

__all__ = ["write_frame"]


def _content_id(con: sqlite3.Connection, lad: Ladder) -> int:
    row = con.execute("SELECT content_id FROM contents WHERE digest = ?", (lad.digest,)).fetchone()
    if row is not None:
        return int(row[0])
    cur = con.execute(
        "INSERT INTO contents (digest, ladder, tiers, extras) VALUES (?, ?, ?, ?)",
        (lad.digest, lad.ladder, len(lad.tiers), lad.extras),
    )
    cid = _rowid(cur)
    marks = ", ".join("?" * (2 + len(TIER_VALUES)))
    con.executemany(
        f"INSERT INTO tiers (content_id, tier, {', '.join(TIER_VALUES)}) VALUES ({marks})",
        [
            (cid, int(t), *(None if v != v else float(v) for v in row))
            for t, row in zip(lad.tiers, lad.values, strict=True)
        ],  # fmt: skip
    )
    return cid


def write_frame(
    con: sqlite3.Connection,
    frame: pd.DataFrame,
    *,
    as_of: Any,
    source_text: str | None,
    kind: str | None,
    note: str,
    complete: bool | None = None,
    gone: Iterable[tuple[str, str]] | None = None,
    saved_at: int | None = None,
    encoded: tuple | None = None,
) -> int:
    """Append one save of ``frame`` to the store ``con`` in one transaction; returns the
    number of ladders written.  ``gone``: (exchange, symbol) pairs to record as removed
    from their exchange's listing at this save's date.  ``saved_at`` (ns): when the save
    was made (default: now).  ``encoded``: :func:`~levkit.snapshot._codec.encode` of the
    frame, when done already."""
    from .. import __version__

    ladders, columns, attrs = encoded or encode(
        frame, as_of=as_of, source_text=source_text, kind=kind, complete=complete
    )
    now = saved_at if saved_at is not None else pd.Timestamp.now(tz="UTC").value
    with transaction(con):
        save_id = _rowid(
            con.execute(
                "INSERT INTO saves (saved_at, levkit_version, note, columns, attrs) "
                "VALUES (?, ?, ?, ?, ?)",
                (now, __version__, note, columns, attrs),
            )
        )
        rows: list[tuple[int, int, Any, int | None, int]] = []
        for lad in ladders:
            label = (lad.as_of_text, int(lad.complete), lad.category, lad.notional_unit, lad.source)
            rows.append((save_id, _id(con, "ladders", (lad.kind, lad.exchange, lad.symbol)),
                         lad.as_of, _content_id(con, lad), _id(con, "labels", label)))  # fmt: skip
        first = ladders[0]
        for ex, sym in sorted(set(gone or ())):
            label = (
                first.as_of_text,
                0,
                None,
                None,
                f"removed from {ex}'s listing ({first.source})",
            )
            rows.append((save_id, _id(con, "ladders", (first.kind, ex, sym)), first.as_of, None,
                         _id(con, "labels", label)))  # fmt: skip
        con.executemany(
            "INSERT INTO versions (save_id, ladder_id, as_of, content_id, label_id) "
            "VALUES (?, ?, ?, ?, ?)",
            rows,
        )
    return len(ladders)


#: The columns of the tables :func:`_id` interns rows in.
_INTERNED = {
    "ladders": ("ladder_id", ("kind", "exchange", "symbol")),
    "labels": ("label_id", ("as_of_text", "complete", "category", "notional_unit", "source")),
}


def _id(con: sqlite3.Connection, table: str, values: tuple) -> int:
    """The id of the row of ``table`` holding ``values`` (added when there is none)."""
    key, cols = _INTERNED[table]
    where = " AND ".join(f"{c} IS ?" for c in cols)
    row = con.execute(f"SELECT {key} FROM {table} WHERE {where}", values).fetchone()
    if row is not None:
        return int(row[0])
    marks = ", ".join("?" * len(cols))
    return _rowid(con.execute(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", values))


def _rowid(cur: sqlite3.Cursor) -> int:
    """The id of the row an INSERT just added (sqlite3 always sets it after an INSERT)."""
    if cur.lastrowid is None:  # pragma: no cover - not after a successful INSERT
        raise RuntimeError("sqlite3 gave no row id after an INSERT")
    return int(cur.lastrowid)
