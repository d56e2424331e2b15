"""Every stored version of a ladder, and what changed between consecutive versions:
:func:`ladder_history` and :func:`changes`.

A *version* is a ladder as saved on one date.  Saving the same ladder again (equal as
:func:`levkit.diff_ladders` compares them) adds no version: ``ladder_history`` shows every
different version, with ``as_of`` (the first date it was saved) and ``last_seen`` (the
last date it was saved unchanged).  A save of an exchange's whole listing records the ladders it no
longer lists as *removed* (``save_snapshot(..., listing=True)``).
"""

from __future__ import annotations

import datetime as _dt
import re
import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from ..errors import StaleDataWarning
from . import _read
from ._names import SnapshotError, canonical_exchange, match_symbols, to_timestamp
from .diff import check_leverages, diff_core

__all__ = ["changes", "ladder_history", "window_start"]

_SPAN = re.compile(r"^\s*\d+(\.\d+)?\s*[a-zA-Z]+\s*$")


def window_start(since: Any, now: pd.Timestamp | None = None) -> pd.Timestamp:
    """``since`` as a UTC Timestamp: a span (``"7D"``, ``"7d"``, ``"12h"``, ``"2W"``, a
    Timedelta) counted back from ``now``, or anything ``pd.Timestamp`` reads (naive = UTC).

    >>> now = pd.Timestamp("2026-03-19", tz="UTC")
    >>> window_start("7d", now), window_start("2026-03-12", now)
    (Timestamp('2026-03-12 00:00:00+0000', tz='UTC'), Timestamp('2026-03-12 00:00:00+0000', tz='UTC'))
    """
    now = now if now is not None else pd.Timestamp.now(tz="UTC")
    if isinstance(since, pd.Timedelta | _dt.timedelta):
        return now - pd.Timedelta(since)
    if isinstance(since, str) and _SPAN.match(since):
        text = re.sub(r"([dw])$", lambda m: m.group(1).upper(), since.strip())  # "7d": "7D"
        try:
            return now - pd.Timedelta(text)
        except ValueError:
            raise SnapshotError(f"since={since!r}: not a span such as '7D' or a date") from None
    return to_timestamp(since, "since")


def _rows(exchange: Any, symbol: Any, kind: str, srcs: list) -> pd.DataFrame:
    """Every version row of ``kind`` (one per ladder and date: the winning source), for
    ``exchange`` (alias accepted) and ``symbol`` (any spelling)."""
    exchanges = [canonical_exchange(exchange)] if exchange is not None else None
    rows = _read.versions(srcs, kind=kind, exchanges=exchanges)
    if len(rows) and symbol is not None:
        wanted = [symbol] if isinstance(symbol, str) else list(symbol)
        mask = np.zeros(len(rows), dtype=bool)
        for ex in rows["exchange"].unique():
            here = (rows["exchange"] == ex).to_numpy()
            held = set(rows["symbol"].to_numpy(object)[here])
            names = match_symbols(wanted, ex, held, strict=exchange is not None)
            mask |= here & rows["symbol"].isin(names).to_numpy()
        rows = rows[mask]
    rows = rows.drop_duplicates(["exchange", "symbol", "as_of"], keep="last")
    return rows.reset_index(drop=True)


def _runs(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per run of equal contents (or removals) of a ladder: the first date it was
    saved as ``as_of``, the last as ``last_seen``."""
    if len(rows) == 0:
        return rows.assign(last_seen=pd.Series(dtype="int64"))
    digest = rows["ladder"].fillna("removed").to_numpy(object)
    key = (rows["exchange"] + "\x1f" + rows["symbol"]).to_numpy(object)
    new = np.ones(len(rows), dtype=bool)
    new[1:] = (key[1:] != key[:-1]) | (digest[1:] != digest[:-1])
    run = np.cumsum(new) - 1
    last = pd.Series(rows["as_of"].to_numpy()).groupby(run).max().to_numpy()
    out = rows.loc[new].reset_index(drop=True)
    out["last_seen"] = last
    return out


def _describe(exchange: Any, symbol: Any, kind: str) -> str:
    parts = [str(exchange) if exchange is not None else "any exchange"]
    if symbol is not None:
        parts.append(str(symbol) if isinstance(symbol, str) else ", ".join(map(str, symbol)))
    return " ".join(parts) + ("" if kind == "leverage" else " (margin bands)")


def ladder_history(
    exchange: str | None = None,
    symbol: str | Iterable[str] | None = None,
    since: Any = None,
    until: Any = None,
    *,
    kind: str = "leverage",
    path: Any = None,
) -> pd.DataFrame:
    """Every stored version of the ladders asked for, dated.

    Parameters
    ----------
    exchange : str, optional
        A registry name or alias, or any exchange in the store.  ``None``: all.
    symbol : str or list of str, optional
        Any spelling (``"BTC"`` is each venue's USDT perpetual).
    since, until : optional
        Only versions dated in this window (anything ``pd.Timestamp`` reads; naive = UTC).
    kind : {"leverage", "margin"}
    path : path, optional
        Read only this data folder or file (as :func:`load_snapshot`).

    Returns
    -------
    DataFrame
        A tiers frame of every different version: one ladder per (exchange, symbol,
        ``as_of``), ``as_of`` and ``last_seen`` as ``datetime64[ns, UTC]``, plus
        ``category``, ``notional_unit``, ``complete``, ``source`` and the saved frames'
        own columns; sorted by exchange, symbol, as_of, tier.  Removals (a ladder no
        longer listed) have no tiers: :func:`changes` reports them.

    Raises
    ------
    SnapshotError
        Nothing stored matches (the message says what was asked).

    Examples
    --------
    >>> h = ladder_history("binance", "BTCUSDT")
    >>> tops = h.groupby("as_of")["max_leverage"].max()
    >>> str(tops.index[-1].date()), float(tops.iloc[-2]), float(tops.iloc[-1])
    ('2025-09-25', 125.0, 150.0)
    >>> str(h["as_of"].dtype), str(h["last_seen"].max().date())
    ('datetime64[ns, UTC]', '2026-05-01')
    """
    with _read.opened(path) as srcs:
        return _history(srcs, exchange, symbol, since, until, kind)


def _history(srcs, exchange, symbol, since, until, kind) -> pd.DataFrame:
    runs = _runs(_rows(exchange, symbol, kind, srcs))
    low = to_timestamp(since, "since").value if since is not None else None
    high = to_timestamp(until, "until").value if until is not None else None
    keep = runs["content_id"].notna() if len(runs) else pd.Series(dtype=bool)
    if low is not None:
        keep &= runs["as_of"] >= low
    if high is not None:
        keep &= runs["as_of"] <= high
    chosen = runs[keep].reset_index(drop=True) if len(runs) else runs
    if len(chosen) == 0:
        window = (f" between {since} and {until}" if since is not None and until is not None
                  else f" since {since}" if since is not None
                  else f" until {until}" if until is not None else "")  # fmt: skip
        hint = ""
        stored = runs[runs["content_id"].notna()] if len(runs) else runs
        if len(stored) and low is not None:  # versions dated in the window only: say the
            before = stored[stored["as_of"] < low]  # one in force when it opened
            if len(before):
                newest = pd.Timestamp(int(before["as_of"].max()), tz="UTC")
                hint = (
                    f"; the version in force then is dated {newest:%Y-%m-%d} (ask with "
                    f"since={newest:%Y-%m-%d}, or lk.load_snapshot(..., as_of=...))"
                )
        elif not len(stored) and kind == "leverage":
            other = _rows(exchange, symbol, "margin", srcs)
            if len(other):
                hint = "; margin bands are stored for it: kind='margin'"
        raise SnapshotError(
            f"no stored version of {_describe(exchange, symbol, kind)}{window}{hint}"
        )
    frame, saved = _read.build(chosen, srcs, dates="timestamp", positions=True)
    frame["last_seen"] = pd.to_datetime(
        chosen["last_seen"].to_numpy("int64")[frame.pop("_ladder").to_numpy()], utc=True
    ).astype("datetime64[ns, UTC]")
    frame.attrs = {**saved, "source": "snapshot", "snapshot_kind": kind}
    return frame


def _pairs(
    runs: pd.DataFrame, low: int, high: int, first_seen: pd.Series | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(previous, newer) version rows of each change whose newer version is dated in
    ``[low, high]``; a previous row with no ladder where there was none.  ``first_seen``:
    each exchange's oldest version date over all its ladders (default: over ``runs``; a
    symbol filter must pass it, since ``runs`` then hold only that symbol's versions)."""
    key = (runs["exchange"] + "\x1f" + runs["symbol"]).to_numpy(object)
    same = np.zeros(len(runs), dtype=bool)
    same[1:] = key[1:] == key[:-1]
    if first_seen is None:
        first_seen = runs.groupby("exchange")["as_of"].min()
    inside = ((runs["as_of"] >= low) & (runs["as_of"] <= high)).to_numpy()
    cur = np.flatnonzero(inside)
    prev = np.where(same[cur], cur - 1, -1)
    alive = runs["content_id"].notna().to_numpy()
    had = (prev >= 0) & alive[np.maximum(prev, 0)]
    now = alive[cur]
    # first seen: "added" only when the store held the exchange's other ladders before it
    older = (
        runs["exchange"].iloc[cur].map(first_seen).to_numpy() < runs["as_of"].iloc[cur].to_numpy()
    )
    ok = np.where(prev >= 0, had | now, now & older)
    cur, prev = cur[ok], prev[ok]
    return runs.iloc[prev[prev >= 0]].assign(_pair=np.flatnonzero(prev >= 0)), runs.iloc[
        cur
    ].assign(_pair=np.arange(len(cur)))


def changes(
    since: Any = "7D",
    until: Any = None,
    exchange: str | None = None,
    symbol: str | Iterable[str] | None = None,
    leverages: Iterable[Any] = (10, 20, 50),
    *,
    kind: str = "leverage",
    path: Any = None,
) -> pd.DataFrame:
    """What changed between consecutive stored versions whose newer one is dated in the
    window.

    Parameters
    ----------
    since : span or date
        ``"7D"`` (any ``pd.Timedelta`` text, counted back from now) or a date.
    until : date, optional
        End of the window (default: now).
    exchange, symbol, kind, path :
        As in :func:`ladder_history`.
    leverages :
        As in :func:`levkit.diff_ladders`.

    Returns
    -------
    DataFrame
        The :func:`levkit.diff_ladders` columns plus ``as_of_old`` and ``as_of_new``
        (``datetime64[ns, UTC]``; ``as_of_old`` NaT for ``"added"``), sorted by exchange,
        symbol, as_of_new.  A ladder first seen in the window is ``"added"`` only if the
        store holds older versions of other ladders of its exchange; ``"removed"`` comes
        from saves of a whole listing.  ``attrs["saved"]`` counts the ladders saved in the
        window (changed or not); with none it warns :class:`~levkit.errors.StaleDataWarning`
        (an empty table then means "not checked", not "unchanged").  Caps that are only
        lower bounds (an incomplete version) are ``>= ...`` in the summary and in
        ``attrs["lower_bound"]`` as ``(exchange, symbol, as_of_new, column)``.

    Examples
    --------
    >>> c = changes(since="2026-03-06", until="2026-03-12T23:59", exchange="binance")
    >>> row = c[c["symbol"] == "1000CATUSDT"].iloc[0]
    >>> row["change"], float(row["max_leverage_old"]), float(row["max_leverage_new"])
    ('changed', 50.0, 20.0)
    >>> str(row["as_of_new"].date()), len(c)
    ('2026-03-12', 30)
    """
    low = window_start(since)
    high = to_timestamp(until, "until") if until is not None else pd.Timestamp.now(tz="UTC")
    if low > high:
        raise SnapshotError(f"the window ends before it starts: since {low:%Y-%m-%d %H:%M} is "
                            f"after until {high:%Y-%m-%d %H:%M} UTC")  # fmt: skip
    leverages = check_leverages(leverages)  # checked before anything is read
    with _read.opened(path) as srcs:
        return _changes(srcs, low, high, exchange, symbol, leverages, kind)


def _changes(srcs, low, high, exchange, symbol, leverages, kind) -> pd.DataFrame:
    rows = _rows(exchange, symbol, kind, srcs)
    runs = _runs(rows)
    lo, hi = low.value, high.value
    n_in = int(((rows["as_of"] >= lo) & (rows["as_of"] <= hi)).sum()) if len(rows) else 0
    if n_in == 0:
        newest = (
            f"{pd.Timestamp(int(runs['as_of'].max()), tz='UTC'):%Y-%m-%d %H:%M}"
            if len(runs)
            else "none"
        )
        warnings.warn(
            f"no version of {_describe(exchange, symbol, kind)} was saved between "
            f"{low:%Y-%m-%d %H:%M} and {high:%Y-%m-%d %H:%M} UTC (newest: {newest}): nothing "
            "was compared; refresh with `levkit snapshot`",
            StaleDataWarning,
            stacklevel=4,
        )
    none = runs.iloc[:0].assign(_pair=pd.Series(dtype="int64"))
    first_seen = None
    if symbol is not None and n_in:  # "added" asks about the exchange's other ladders too
        every = _read.versions(srcs, kind=kind, exchanges=sorted(set(runs["exchange"])))
        first_seen = every.groupby("exchange")["as_of"].min()
    prev, cur = _pairs(runs, lo, hi, first_seen) if n_in else (none, none)
    old = _frame(prev, srcs)
    new = _frame(cur, srcs)
    table = diff_core(old, new, leverages, ["exchange", "symbol", "_pair"])
    when_new = dict(zip(cur["_pair"], cur["as_of"], strict=True))
    lower = [(e, s, pd.Timestamp(int(when_new[p]), tz="UTC"), col)
             for e, s, p, col in table.attrs.get("lower_bound", [])]  # fmt: skip
    when_old = dict(zip(prev["_pair"], prev["as_of"], strict=True))
    pair = table.pop("_pair").to_numpy()
    table["as_of_old"] = _dates([when_old.get(p) for p in pair])
    table["as_of_new"] = _dates([when_new.get(p) for p in pair])
    table = table.sort_values(["exchange", "symbol", "as_of_new"], kind="stable", ignore_index=True)
    table.attrs = {"since": low, "until": high, "saved": n_in, "snapshot_kind": kind,
                   "lower_bound": lower}  # fmt: skip
    return table


def _frame(rows: pd.DataFrame, srcs: list) -> pd.DataFrame | None:
    alive = rows[rows["content_id"].notna()].reset_index(drop=True)
    if len(alive) == 0:
        return None
    frame, _ = _read.build(alive, srcs, positions=True)
    frame["_pair"] = alive["_pair"].to_numpy()[frame.pop("_ladder").to_numpy()]
    return frame


def _dates(values: list) -> pd.Series:
    ns = [pd.NaT if v is None else pd.Timestamp(int(v), tz="UTC") for v in values]
    return pd.Series(pd.DatetimeIndex(ns, tz="UTC")).astype("datetime64[ns, UTC]")
