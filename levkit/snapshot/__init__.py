"""Snapshots: risk-limit ladders that work offline, with their history.

The **store** keeps every saved version of every ladder: an SQLite database in the user
snapshot folder (``$LEVKIT_DATA_DIR``, else ``platformdirs.user_data_dir("levkit")``),
``<folder>/ladders.sqlite``.  :func:`save_snapshot` appends; nothing is overwritten.
levkit ships the first versions (real recorded ladders, ``data/ladders.sqlite.gz``, and
the hand-typed 0.2 figures, ``data/<venue>/tiers.csv``); a user folder in the 0.2 layout
(``<venue>/tiers.csv``, ``<venue>/margin_bands.csv``) is read in place, never changed.
``docs/store.md`` documents the layout.

- :func:`load_snapshot`: the newest version of each ladder (on equal dates the user's).
- :func:`ladder_history`: every stored version, dated.
- :func:`diff_ladders`, :func:`changes`: what changed between two frames, or between
  consecutive stored versions.
- :func:`write_snapshot`: export a frame as 0.2-layout CSV files.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from ..model.completeness import check_staleness
from . import _read
from ._files import (
    ENV_VAR,
    SNAPSHOT_COLUMNS,
    SNAPSHOT_FILES,
    as_of_timestamp,
    data_dir,
    user_data_dir,
)
from ._names import SnapshotError, canonical_exchange, match_symbols, to_timestamp
from ._read import SnapshotFileWarning
from ._save import save_snapshot
from ._store import STORE_FILE
from ._write import write_snapshot
from .diff import diff_ladders
from .history import changes, ladder_history

__all__ = [
    "ENV_VAR",
    "STORE_FILE",
    "SnapshotError",
    "SnapshotFileWarning",
    "SNAPSHOT_COLUMNS",
    "SNAPSHOT_FILES",
    "changes",
    "check_staleness",
    "data_dir",
    "diff_ladders",
    "fixture_tiers",
    "ladder_history",
    "load_snapshot",
    "save_snapshot",
    "snapshot_index",
    "user_data_dir",
    "write_snapshot",
]


def _kind(kind: str) -> str:
    if kind not in SNAPSHOT_FILES:
        raise SnapshotError(f"kind must be one of {sorted(SNAPSHOT_FILES)}, not {kind!r}")
    return kind


def load_snapshot(
    exchange: str | None = None,
    symbol: str | Iterable[str] | None = None,
    *,
    kind: str = "leverage",
    path: str | os.PathLike[str] | None = None,
    as_of: Any = None,
) -> pd.DataFrame:
    """Risk-limit tiers from the snapshot store, offline: the newest version of each ladder.

    Parameters
    ----------
    exchange : str, optional
        Only this exchange: a registry name or alias (``"gateio"``, ``"hl"``), or any
        other exchange saved in the store.  ``None``: all.
    symbol : str or list of str, optional
        Any spelling (``"BTCUSDT"``, ``"BTC-USDT"``, ``"btc/usdt:usdt"``, a base asset
        ``"BTC"``).  With ``exchange=None`` a symbol matches on every exchange that has it.
    kind : {"leverage", "margin"}
        ``"leverage"``: ladders with max leverage per band.  ``"margin"``:
        maintenance-margin bands without leverage.
    path : path, optional
        Read only this data folder (its store and 0.2 CSV files) or this one file.
    as_of : date, datetime or text, optional
        The newest version at or before this date (default: the newest of all).

    Returns
    -------
    DataFrame
        A tiers frame with the saved frame's own columns, plus ``category``,
        ``notional_unit``, ``complete`` (bool), ``source`` and ``as_of`` (the version's
        date as saved: ``"2026-05-18"``, an ISO timestamp, or ``"2026"`` when only the
        year is known).  The newest version wins; on equal dates the user's store, then
        the user's 0.2 files, then the shipped history, then the shipped 0.2 files.
        ``attrs``: ``source`` is ``"snapshot"``; ``as_of`` and ``fetched_at`` the oldest
        figures' date (UTC); ``snapshot_files`` maps each (exchange, symbol) to the store
        or file it came from (``snapshot_file`` when that is one); attrs kept with the
        save (``errors``, ``ccxt_missing``...) and ``saved_source``.

    Raises
    ------
    SnapshotError
        An exchange or symbol with no data (the message lists what is available, and
        says when a ladder was removed from its exchange's listing).  Never an empty frame.

    Examples
    --------
    >>> tiers = load_snapshot("bingx", "BTCUSDT")
    >>> tiers[["tier", "max_notional", "max_leverage"]].head(2).values.tolist()
    [[1.0, 300000.0, 150.0], [2.0, 800000.0, 100.0]]
    >>> tiers.attrs["source"], tiers.attrs["as_of"], bool(tiers["complete"].all())
    ('snapshot', Timestamp('2025-12-02 00:00:00+0000', tz='UTC'), True)
    >>> len(load_snapshot("binance", "BTCUSDT", as_of="2022-06-30")), load_snapshot("binance", "BTC")["as_of"][0]
    (10, '2026-05-01T04:57:36+00:00')
    """
    kind = _kind(kind)
    until = to_timestamp(as_of).value if as_of is not None else None
    with _read.opened(path) as srcs:
        newest = _read.latest(_read.versions(srcs, kind=kind, until=until))
        newest = _read.with_labels(newest, srcs)
        return _load(newest, srcs, exchange, symbol, kind, path, as_of)


def _load(newest, srcs, exchange, symbol, kind, path, as_of) -> pd.DataFrame:
    where = _where(path, as_of)
    if len(newest) == 0:
        raise SnapshotError(f"no {_what(kind)} in the snapshot ({where})")
    mask = np.ones(len(newest), dtype=bool)
    listed = newest[newest["content_id"].notna()]
    if exchange is not None:
        ex = canonical_exchange(exchange)
        if ex not in set(newest["exchange"]):
            msg = f"no {ex!r} {_what(kind)} in the snapshot ({where}); available: "
            msg += _listing(listed)
            if kind == "margin" and _rates_in_ladder(ex):
                msg += f" ({ex}'s margin rates are in its leverage ladders: kind='leverage')"
            raise SnapshotError(msg)
        mask &= (newest["exchange"] == ex).to_numpy()
    if symbol is not None:
        mask = _match_symbols(newest, mask, symbol, exchange, kind)
    chosen = newest.loc[mask & newest["content_id"].notna().to_numpy()]
    if len(chosen) == 0:
        raise SnapshotError(
            f"every {_what(kind)} asked for was removed from its exchange's listing ("
            + _removed(newest.loc[mask])
            + "); ladder_history() holds the earlier versions"
        )
    out, saved = _read.build(chosen.reset_index(drop=True), srcs)
    oldest = min(to_timestamp(t) for t in chosen["as_of_text"].unique())
    files = {
        (e, sy): srcs[int(i)].label
        for e, sy, i in zip(chosen["exchange"], chosen["symbol"], chosen["src"], strict=True)
    }
    out.attrs = {
        **saved,
        "source": "snapshot",
        "fetched_at": oldest,
        "as_of": oldest,
        "snapshot_kind": kind,
        "snapshot_files": files,
    }
    if len(set(files.values())) == 1:
        out.attrs["snapshot_file"] = next(iter(files.values()))
    return out


def fixture_tiers(kind: str = "leverage") -> pd.DataFrame:
    """The small, stable set of ladders in the shipped 0.2-layout files
    (``data/<venue>/tiers.csv``, ``margin_bands.csv``): what the simulator serves by
    default.  Not the newest figures (:func:`load_snapshot` gives those); never the user's.

    Examples
    --------
    >>> t = fixture_tiers()
    >>> int(t.loc[(t.exchange == "bybit") & (t.symbol == "BTCUSDT"), "tier"].max())
    3
    """
    kind = _kind(kind)
    srcs = _read.shipped_files()
    newest = _read.with_labels(_read.latest(_read.versions(srcs, kind=kind)), srcs)
    newest = newest[newest["content_id"].notna()].reset_index(drop=True)
    if len(newest) == 0:
        raise SnapshotError(f"no shipped {_what(kind)} files in {data_dir()}")
    out, _ = _read.build(newest, srcs)
    oldest = min(to_timestamp(t) for t in newest["as_of_text"].unique())
    out.attrs = {"source": "snapshot", "fetched_at": oldest, "as_of": oldest,
                 "snapshot_kind": kind}  # fmt: skip
    return out


def _match_symbols(rows: pd.DataFrame, mask: np.ndarray, symbol: Any, exchange: Any, kind: str):
    wanted = [symbol] if isinstance(symbol, str) else list(symbol)
    if not wanted:
        raise SnapshotError("no symbol given (pass None for every symbol)")
    ex_col, sym_col = rows["exchange"].to_numpy(object), rows["symbol"].to_numpy(object)
    pool = sorted(set(ex_col[mask]))
    listed = rows["content_id"].notna().to_numpy()
    hit = np.zeros(len(rows), dtype=bool)
    held = {ex: set(sym_col[ex_col == ex]) for ex in pool}
    for sym in wanted:
        found = np.zeros(len(rows), dtype=bool)
        for ex in pool:  # exactly the instrument sym names there (a dated id stays dated)
            names = match_symbols([sym], ex, held[ex], strict=exchange is not None)
            found |= mask & (ex_col == ex) & np.isin(sym_col, list(names))
        if not found.any():
            where = f"{canonical_exchange(exchange)} " if exchange is not None else ""
            what = "leverage ladder" if kind == "leverage" else "margin bands"
            raise SnapshotError(
                f"no {where}{what} for {sym!r} in the snapshot; available: "
                + _listing(rows.loc[mask & listed])
            )
        if exchange is not None and not (found & listed).any():
            raise SnapshotError(
                f"{sym!r} was removed from the listing (" + _removed(rows.loc[found]) + "); "
                "ladder_history() holds its earlier versions"
            )
        hit |= found
    return hit


def _removed(rows: pd.DataFrame) -> str:
    gone = rows[rows["content_id"].isna()]
    return ", ".join(f"{e} {s} as of {t}" for e, s, t in
                     zip(gone["exchange"], gone["symbol"], gone["as_of_text"], strict=True))  # fmt: skip


def _rates_in_ladder(exchange: str) -> bool:
    """A registry venue whose maintenance rates come with its ladder (no separate bands)."""
    from ..venues import venue

    try:
        return not venue(exchange).capabilities.margin_bands
    except ValueError:
        return False


def _what(kind: str) -> str:
    return "leverage ladders" if kind == "leverage" else "margin bands"


def _where(path: Any, as_of: Any = None) -> str:
    at = f" as of {as_of}" if as_of is not None else ""
    if path is not None:
        return f"{path}{at}"
    return f"{user_data_dir()} then {data_dir()}{at}"


def _listing(pool: pd.DataFrame, limit: int = 40) -> str:
    parts = []
    for ex, grp in pool.groupby("exchange", sort=True):
        names = sorted(grp["symbol"].unique())
        more = f" ... ({len(names)} symbols)" if len(names) > limit else ""
        parts.append(f"{ex}: " + ", ".join(names[:limit]) + more)
    return "; ".join(parts)


def snapshot_index(*, path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """What the snapshot holds: one row per kind, exchange and symbol (its newest version).

    Columns ``kind``, ``exchange``, ``symbol``, ``tiers``, ``max_leverage`` (the top one,
    NaN for margin bands), ``top_notional``, ``as_of``, ``source``, ``complete``,
    ``file`` (the store or file it came from) and ``versions`` (how many versions the
    store holds, removals included).

    Examples
    --------
    >>> idx = snapshot_index()
    >>> int(idx.loc[(idx.exchange == "bingx") & (idx.symbol == "BTC-USDT")
    ...             & (idx.kind == "leverage"), "tiers"].iloc[0])
    12
    """
    with _read.opened(path) as srcs:
        return _index(srcs, path)


def _index(srcs: list, path: Any) -> pd.DataFrame:
    rows = []
    for kind in SNAPSHOT_FILES:
        every = _read.versions(srcs, kind=kind)
        newest = _read.latest(every)
        newest = newest[newest["content_id"].notna()].reset_index(drop=True)
        if len(newest) == 0:
            continue
        frame, _ = _read.build(newest, srcs)
        agg = frame.groupby(["exchange", "symbol"], sort=True).agg(
            tiers=("tier", "size"),
            max_leverage=("max_leverage", "max"),
            top_notional=("max_notional", "max"),
            as_of=("as_of", "first"),
            source=("source", "first"),
            complete=("complete", "first"),
        )
        keys = list(zip(newest["exchange"], newest["symbol"], strict=True))
        labels = dict(zip(keys, [srcs[int(i)].label for i in newest["src"]], strict=True))
        counts = every.groupby(["exchange", "symbol"]).size()
        agg["file"] = [labels.get(k, "") for k in agg.index]
        agg["versions"] = [int(counts.get(k, 0)) for k in agg.index]
        rows.append(agg.reset_index().assign(kind=kind))
    if not rows:
        raise SnapshotError(f"no snapshot data at {_where(path)}")
    out = pd.concat(rows, ignore_index=True)
    cols = ["kind", "exchange", "symbol", "tiers", "max_leverage", "top_notional", "as_of"]
    return out[[*cols, "source", "complete", "file", "versions"]]


_ = as_of_timestamp  # re-exported: levkit.snapshot.as_of_timestamp
