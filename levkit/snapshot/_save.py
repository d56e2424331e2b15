"""Saving: every save appends a dated version of each ladder to a store; nothing is
overwritten."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import pandas as pd

from . import _read
from ._codec import encode
from ._files import user_data_dir
from ._names import SnapshotError
from ._rows import write_frame
from ._store import STORE_FILE, open_write

log = logging.getLogger("levkit")

__all__ = ["save_snapshot", "write_frame"]  # write_frame: ._rows


def _gone(frame: pd.DataFrame, target: Path, kind: str | None, as_of: Any, user: bool) -> set:
    """Ladders listed before this save (in the target store, and the shipped data when the
    target is the user folder) that the frame, an exchange's whole listing, lacks."""
    from ._codec import frame_of

    df = frame_of(frame)
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
    target = user_data_dir() if path is None else Path(path)
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
