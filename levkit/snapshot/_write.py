"""Exporting a frame as 0.2-layout CSV files (``<folder>/<exchange>/tiers.csv``): what
``levkit snapshot --out-dir`` wrote in 0.2, and a plain-text form of any ladder.  The store
(:func:`levkit.snapshot.save_snapshot`) is where levkit keeps its history."""

from __future__ import annotations

import datetime as _dt
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from ..frames import TIERS_COLUMNS, tiers_frame
from ._files import SNAPSHOT_COLUMNS, SNAPSHOT_FILES, as_of_timestamp, parse
from ._names import check_exchange

__all__ = ["write_snapshot"]

log = logging.getLogger("levkit")


def _as_of_text(as_of: Any) -> str:
    if isinstance(as_of, str):
        as_of_timestamp(as_of)
        return as_of
    if isinstance(as_of, _dt.datetime | pd.Timestamp):
        ts = pd.Timestamp(as_of)
        if ts.tzinfo is not None:
            ts = ts.tz_convert("UTC")
        return ts.date().isoformat()
    if isinstance(as_of, _dt.date):
        return as_of.isoformat()
    raise ValueError(f"as_of must be a date, a timestamp or 'YYYY-MM-DD', not {as_of!r}")


def _unit(symbol: str, category: str, exchange: str) -> str:
    """The unit of a ladder saved without one: its instrument's (``levkit.venues.unit_of``)."""
    from ..venues import unit_of

    return unit_of(symbol, exchange, category)


def _completeness(frame: pd.DataFrame, df: pd.DataFrame, complete: Any) -> list[bool]:
    """Per row of ``df``: the ``complete`` argument, else the ladder's completeness as the
    model sees it (:func:`levkit.model.ladders`: API answers are complete)."""
    if complete is not None:
        return [bool(complete)] * len(df)
    from ..model.completeness import ladders

    known = ladders(frame).set_index(["exchange", "symbol"])["complete"]
    names = known.index.get_level_values(0).str.lower()
    known.index = pd.MultiIndex.from_arrays([names, known.index.get_level_values(1)])
    return [bool(known.get(k, False)) for k in zip(df["exchange"], df["symbol"], strict=True)]


def write_snapshot(
    frame: pd.DataFrame,
    path_or_dir: str | os.PathLike[str],
    *,
    source_text: str | None,
    as_of: Any,
    kind: str | None = None,
    category: str | None = None,
    notional_unit: str | None = None,
    complete: bool | None = None,
    merge: bool = True,
) -> Path:
    """Write tiers in the snapshot format (what ``levkit snapshot`` and
    :func:`save_snapshot` use).

    Parameters
    ----------
    frame : DataFrame
        A tiers frame (e.g. from :func:`levkit.fetch_risk_limits`).
    path_or_dir : path
        A snapshot folder: each exchange's rows go to ``<folder>/<exchange>/tiers.csv``
        (or ``margin_bands.csv``, following ``kind``).  A path ending in ``.csv`` is
        written as that one file.
    source_text : str or None
        Where the figures came from, written in the ``source`` column.  ``None`` keeps
        the frame's own ``source`` column (a loaded snapshot saved again).
    as_of : date, timestamp, str or None
        The date of the figures (``"2026-05-18"``; ``"2026-05"`` or ``"2026"`` when only
        that much is known).  ``None`` keeps the frame's ``as_of`` column.
    kind : {"leverage", "margin"}, optional
        Default: ``"margin"`` when no row has a max leverage, else ``"leverage"``.
    category, notional_unit : str, optional
        Default: the frame's columns of that name, then ``attrs``; the unit defaults to
        the settle coin (quote for linear, base for inverse).
    complete : bool, optional
        Whether the ladders are whole.  Default: per ladder, as :func:`levkit.ladders`
        says (API answers are complete; a frame with a ``complete`` column keeps it).
    merge : bool
        When a file exists, keep its rows for other exchange/symbol pairs and replace
        only the pairs in ``frame``.  ``False`` overwrites the file.

    Returns
    -------
    Path
        The file written (the last one when the frame holds several exchanges), each
        atomically (a temporary file renamed into place).

    Examples
    --------
    >>> import tempfile
    >>> from levkit.frames import tiers_frame
    >>> from levkit.snapshot import load_snapshot
    >>> t = tiers_frame({"exchange": "bybit", "symbol": "BTCUSDT",
    ...                  "max_notional": [3e5, 2e6], "max_leverage": [150, 100]}, source="api")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = write_snapshot(t, d, source_text="example", as_of="2026-05-18")
    ...     back = load_snapshot(path=d)
    ...     p.relative_to(d).as_posix(), back["max_notional"].tolist(), bool(back["complete"][0])
    ('bybit/tiers.csv', [300000.0, 2000000.0], True)
    """
    if not isinstance(frame, pd.DataFrame) or len(frame) == 0:
        raise ValueError("write_snapshot needs a non-empty tiers frame")
    keep_text = source_text is None and "source" in frame.columns
    if not keep_text and (not isinstance(source_text, str) or not source_text.strip()):
        raise ValueError("source_text must name where the figures came from")
    keep_date = as_of is None and "as_of" in frame.columns
    date = None if keep_date else _as_of_text(as_of)
    labels = [
        c
        for c in ("category", "notional_unit", *(["source"] * keep_text), *(["as_of"] * keep_date))
        if c in frame.columns
    ]
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
        df["notional_unit"] = [_unit(s, c, e) for s, c, e in
                               zip(df["symbol"], cats, df["exchange"], strict=True)]  # fmt: skip
    # A deduction means nothing without a maintenance rate: leave it blank there.
    df["mm_deduction"] = df["mm_deduction"].where(df["maintenance_margin_rate"].notna())
    df["complete"] = _completeness(frame, df, complete)
    if not keep_text:
        df["source"] = " ".join(str(source_text).split())
    if not keep_date:
        df["as_of"] = date
    df = df[list(SNAPSHOT_COLUMNS)]

    target = Path(path_or_dir)
    if target.suffix.lower() == ".csv":
        return _write_file(df, target, merge)
    written = target
    for ex, rows in df.groupby("exchange", sort=True):
        folder = check_exchange(ex)  # a plain name, never a path (issue 23)
        written = _write_file(rows, target / folder / SNAPSHOT_FILES[kind], merge)
    return written


def _write_file(df: pd.DataFrame, target: Path, merge: bool) -> Path:
    if merge and target.is_file():
        old = parse(target, str(target))
        keys = set(zip(df["exchange"], df["symbol"], strict=True))
        keep = [k not in keys for k in zip(old["exchange"], old["symbol"], strict=True)]
        df = pd.concat([old.loc[keep], df], ignore_index=True)
    df = df.sort_values(["exchange", "symbol", "max_notional"], kind="stable", ignore_index=True)
    out = df.copy()
    out["complete"] = out["complete"].map({True: "true", False: "false"})
    _write_csv(out, target)
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
