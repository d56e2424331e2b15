"""Saving: every save appends a dated version of each ladder to a store; nothing is
overwritten."""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from ._codec import Ladder, encode
from ._files import user_data_dir
from ._names import SnapshotError
from ._store import STORE_FILE, TIER_VALUES, open_write, transaction

log = logging.getLogger("levkit")

__all__ = ["save_snapshot", "write_frame"]


def _content_id(con: sqlite3.Connection, lad: Ladder) -> int:
    row = con.execute("SELECT content_id FROM contents WHERE digest = ?", (lad.digest,)).fetchone()
    if row is not None:
        return int(row[0])
    cur = con.execute(
        "INSERT INTO contents (digest, ladder, tiers, extras) VALUES (?, ?, ?, ?)",
        (lad.digest, lad.ladder, len(lad.tiers), lad.extras),
    )
    cid = int(cur.lastrowid)
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
        save_id = con.execute(
            "INSERT INTO saves (saved_at, levkit_version, note, columns, attrs) "
            "VALUES (?, ?, ?, ?, ?)",
            (now, __version__, note, columns, attrs),
        ).lastrowid
        rows = []
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
    return int(
        con.execute(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", values).lastrowid
    )


def _gone(frame: pd.DataFrame, target: Path, kind: str | None, as_of: Any, user: bool) -> set:
    """Ladders listed before this save (in the target store, and the shipped data when the
    target is the user folder) that the frame, an exchange's whole listing, lacks."""
    from . import _read
    from ._codec import _frame

    df = _frame(frame)
    kind = kind or ("margin" if df["max_leverage"].isna().all() else "leverage")
    exchanges = sorted(df["exchange"].unique())
    dates = df["as_of"] if as_of is None and "as_of" in df.columns else [as_of]
    until = max(pd.Timestamp(_stamp(d)).value for d in dates)
    try:
        with _read.opened(None if user else target) as srcs:
            rows = _read.latest(_read.versions(srcs, kind=kind, exchanges=exchanges, until=until))
    except SnapshotError:  # an empty folder: nothing listed before
        return set()
    if len(rows) == 0:
        return set()
    alive = rows[rows["content_id"].notna()]
    have = set(zip(df["exchange"], df["symbol"], strict=True))
    return {k for k in zip(alive["exchange"], alive["symbol"], strict=True) if k not in have}


def _stamp(value: Any) -> Any:
    from ._names import to_timestamp

    return to_timestamp(value if value is not None else pd.Timestamp.now(tz="UTC"))


def save_snapshot(
    tiers: pd.DataFrame,
    path: str | os.PathLike[str] | None = None,
    *,
    as_of: Any = None,
    source_text: str | None = None,
    kind: str | None = None,
    listing: bool = False,
    note: str = "lk.save_snapshot",
) -> Path:
    """Append a dated version of each ladder in ``tiers`` to the store; nothing is
    overwritten.

    Parameters
    ----------
    tiers : DataFrame
        Any tiers frame levkit returns (one venue or many, ``from_ccxt``, a probe,
        ``merge_tiers``, margin bands): it loads back with the same columns, dtypes and
        values (plus the store's own ``category``, ``notional_unit``, ``complete``,
        ``source`` and ``as_of`` where it had none).
    path : path, optional
        Another data folder (its store is ``<path>/ladders.sqlite``).  Default:
        ``$LEVKIT_DATA_DIR``, else ``platformdirs.user_data_dir("levkit")``.
    as_of : date, datetime or text, optional
        The date of the figures, for every ladder (historical data keeps its own date).
        Default: the frame's ``as_of`` column, else ``attrs["as_of"]`` /
        ``attrs["fetched_at"]``, else now (UTC).
    source_text : str, optional
        Where the figures came from.  Default: the frame's ``source`` column, else
        ``"<attrs source> (<exchange>) via lk.save_snapshot"``.
    kind : {"leverage", "margin"}, optional
        Default: ``"margin"`` when no row has a max leverage, else ``"leverage"``.
    listing : bool
        The frame holds every ladder its exchanges list: ladders the store knew and the
        frame lacks are recorded as removed (``lk.changes`` reports them).
    note : str
        What made the save (kept with it).

    Returns
    -------
    Path
        The store file written (``<folder>/ladders.sqlite``).

    Raises
    ------
    SnapshotError
        An exchange or symbol that is not a plain name (never written as a path), a
        label that differs between the tiers of one ladder, a store file that is not
        levkit's (left untouched), or ``LEVKIT_DATA_DIR`` naming a file.

    Examples
    --------
    >>> import os, tempfile
    >>> from levkit.frames import tiers_frame
    >>> from levkit.snapshot import load_snapshot
    >>> t = tiers_frame({"exchange": "bybit", "symbol": "ETHUSDT",
    ...                  "max_notional": [1e6, 5e6], "max_leverage": [100, 50]}, source="api")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     os.environ["LEVKIT_DATA_DIR"] = d
    ...     p = save_snapshot(t, as_of="2026-05-18")
    ...     back = load_snapshot("bybit", "ETHUSDT")
    ...     del os.environ["LEVKIT_DATA_DIR"]
    >>> p.name, back.attrs["snapshot_file"] == str(p), back["as_of"][0], back["source"][0]
    ('ladders.sqlite', True, '2026-05-18', 'api (bybit) via lk.save_snapshot')
    """
    user = path is None
    target = user_data_dir() if user else Path(path)
    if target.exists() and not target.is_dir():
        raise SnapshotError(f"{target} is a file: save_snapshot writes into a folder")
    encoded = encode(tiers, as_of=as_of, source_text=source_text, kind=kind)  # checks first
    gone = _gone(tiers, target, kind, as_of, user) if listing else set()
    con = open_write(target)
    try:
        n = write_frame(con, tiers, as_of=as_of, source_text=source_text, kind=kind, note=note,
                        gone=gone, encoded=encoded)  # fmt: skip
    finally:
        con.close()
    log.info("saved %d ladders (%d removed) in %s", n, len(gone), target / STORE_FILE)
    return target / STORE_FILE
