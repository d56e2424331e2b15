"""Which part of a ladder is known, and how old it is.

A ladder is **complete** when it runs from the symbol's highest leverage down to 1x with
every tier present and its top cap known.  The rule levkit applies, per (exchange, symbol):

1. a ``complete`` column in the frame (snapshot frames carry one: the shipped and saved
   files state completeness per ladder, from what their sources say);
2. else ``attrs["complete"]`` (a bool for the whole frame);
3. else the frame's ``attrs["source"]``: ``"api"`` answers are complete (the exchange
   gave the whole ladder);
4. else (the simulator, which serves the shipped snapshot's ladders; a probe; a hand-made
   frame): complete when the ladder reaches 1x, or its top tier has no cap
   (``max_notional = inf``, Hyperliquid: every position is covered).

The **unknown part** of an incomplete ladder is the leverages below its lowest known
``max_leverage`` (and the notionals above its top known cap).  There the model's answer is
only a lower bound: the answer warns :class:`~levkit.errors.LadderWarning` naming the symbol
and the range, ``tradeoff``/``capacity`` flag the rows (``lower_bound``), and the plots draw
that part dashed.

Figures saved or shipped more than 30 days before today warn
:class:`~levkit.errors.StaleDataWarning` (a ``LadderWarning``) with their ``as_of``
whenever the model uses them (:func:`check_staleness`).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.typing import NaTType

from ..errors import LadderWarning, ParseError, StaleDataWarning
from ..numbers import show
from ._ladder import Ladders, prepare

__all__ = ["MAX_AGE", "check_staleness", "ladders", "lower_bound_note", "as_of_dates"]

#: Figures older than this warn :class:`~levkit.errors.StaleDataWarning`.
MAX_AGE = pd.Timedelta(days=30)


def _as_timestamp(value: Any) -> pd.Timestamp | NaTType:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return pd.NaT
    ts = pd.Timestamp(value)
    if pd.isna(ts):
        return pd.NaT
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def as_of_dates(tiers: pd.DataFrame, lad: Ladders | None = None) -> pd.Series:
    """The date of each ladder's figures (``datetime64[ns, UTC]``, NaT when unknown), on
    (exchange, symbol): the ``as_of`` column, else ``attrs["as_of"]``, else
    ``attrs["fetched_at"]`` for API answers."""
    lad = lad if lad is not None else prepare(tiers, need_leverage=False)
    if "as_of" in tiers.columns:
        firsts = tiers.drop_duplicates(["exchange", "symbol"]).set_index(["exchange", "symbol"])
        dates = [_as_timestamp(firsts["as_of"].get((e, s))) for e, s in lad.index()]
    else:
        when = tiers.attrs.get("as_of")
        if when is None and tiers.attrs.get("source") in ("api", "simulator", "probe"):
            when = tiers.attrs.get("fetched_at")
        dates = [_as_timestamp(when)] * lad.n
    return pd.Series(pd.DatetimeIndex(dates, tz="UTC"), index=lad.index(), name="as_of")


def ladders(tiers: pd.DataFrame) -> pd.DataFrame:
    """One row per (exchange, symbol): what the frame knows of each ladder.

    Returns
    -------
    DataFrame
        ``exchange``, ``symbol``, ``tiers`` (int64), ``max_leverage`` (the top),
        ``min_leverage`` (the lowest known), ``top_notional`` (the top known cap),
        ``complete`` (bool, see the module docs), ``lower_bound_below`` (answers at
        leverages below this are lower bounds; NaN when none are), ``source`` (the
        ``source`` column's text where the frame has one, else ``attrs["source"]``),
        ``as_of`` (``datetime64[ns, UTC]``) and ``file`` (the snapshot file it was read
        from, else empty).

    Examples
    --------
    >>> from levkit.frames import tiers_frame
    >>> t = tiers_frame({"exchange": "bybit", "symbol": "BTCUSDT", "complete": False,
    ...                  "max_notional": [3e5, 2e6, 2.6e6], "max_leverage": [150, 100, 90]},
    ...                 source="snapshot")
    >>> row = ladders(t).iloc[0]
    >>> bool(row["complete"]), float(row["lower_bound_below"]), int(row["tiers"])
    (False, 90.0, 3)
    """
    lad = prepare(tiers, need_leverage=False)
    edge = lad.unknown_below
    attrs_source = str(tiers.attrs.get("source", ""))
    if "source" in tiers.columns:
        firsts = tiers.drop_duplicates(["exchange", "symbol"]).set_index(["exchange", "symbol"])
        source = [str(firsts["source"].get(k, attrs_source)) for k in lad.index()]
    else:
        source = [attrs_source] * lad.n
    files = tiers.attrs.get("snapshot_files") or {}
    with np.errstate(invalid="ignore"):
        top = np.where(lad.top >= 1, lad.top, np.nan)
        low = np.where(lad.low >= 1, lad.low, np.nan)
    out = pd.DataFrame(
        {
            "exchange": pd.array(lad.exchange, dtype="str"),
            "symbol": pd.array(lad.symbol, dtype="str"),
            "tiers": (lad.stop - lad.start).astype("int64"),
            "max_leverage": top,
            "min_leverage": low,
            "top_notional": lad.top_cap,
            "complete": lad.complete.astype(bool),
            "lower_bound_below": np.where(edge > 1, edge, np.nan),
            "source": pd.array(source, dtype="str"),
            "as_of": as_of_dates(tiers, lad).to_numpy(),
            "file": pd.array([str(files.get(k, "")) for k in lad.index()], dtype="str"),
        }
    )
    out["as_of"] = pd.to_datetime(out["as_of"], utc=True).astype("datetime64[ns, UTC]")
    return out


def lower_bound_note(tiers: pd.DataFrame, *, unit: str = "") -> str:
    """One line per incomplete ladder saying where its answers are only lower bounds
    (``""`` when every ladder in ``tiers`` is complete); for the CLI and reports.

    Examples
    --------
    >>> from levkit.frames import tiers_frame
    >>> t = tiers_frame({"exchange": "bybit", "symbol": "BTCUSDT", "complete": False,
    ...                  "max_notional": [3e5, 2.6e6], "max_leverage": [150, 90]},
    ...                 source="snapshot")
    >>> print(lower_bound_note(t, unit="USDT"))
    bybit BTCUSDT: incomplete ladder (2 tiers known, 90x to 150x, up to 2,600,000 USDT): below 90x the max position value is only a lower bound (at least 2,600,000 USDT)
    """
    lad = prepare(tiers, need_leverage=False)
    lines = []
    for g in np.flatnonzero(~lad.complete):
        cap = f"{lad.top_cap[g]:,.0f}" + (f" {unit}" if unit else "")
        known = f"{lad.stop[g] - lad.start[g]} tiers known"
        if np.isfinite(lad.top[g]) and lad.top[g] >= 1:
            known += f", {show(lad.low[g])}x to {show(lad.top[g])}x"
        line = f"{lad.label(int(g))}: incomplete ladder ({known}, up to {cap})"
        if lad.unknown_below[g] > 1:
            line += (
                f": below {show(lad.unknown_below[g])}x the max position value is only a "
                f"lower bound (at least {cap})"
            )
        else:
            line += f": notionals above {cap} are beyond the known tiers"
        lines.append(line)
    return "\n".join(lines)


def warn_lower_bound(
    lad: Ladders, g: np.ndarray, hit: np.ndarray, what: str, *, by: str = "leverage"
) -> None:
    """Warn :class:`LadderWarning` naming each group in ``g[hit]`` and its unknown range
    (of leverages, or with ``by="notional"`` of notionals)."""
    if not np.any(hit):
        return
    parts = []
    for k in np.unique(g[hit])[:10]:
        edge = lad.unknown_below[k]
        if by == "leverage" and edge > 1:
            span = f"1x to {show(edge)}x (known from {show(edge)}x up)"
        else:
            span = f"notionals above {lad.top_cap[k]:,.0f}"
        parts.append(f"{lad.label(k)}: {span}")
    warnings.warn(
        f"{what} rests on the unknown part of an incomplete ladder, so it is only a lower "
        f"bound or unknown there; " + "; ".join(parts) + " (lk.ladders(tiers) shows what is "
        "known; fetch the full ladder with lk.fetch_risk_limits)",
        LadderWarning,
        stacklevel=4,
    )


def check_one_version(tiers: pd.DataFrame, lad: Ladders) -> None:
    """Raise ``ValueError`` (a :class:`~levkit.errors.ParseError`) when a ladder of
    ``tiers`` holds rows of several ``as_of`` dates (a :func:`levkit.ladder_history`
    frame): its versions would be read as one ladder that never existed."""
    if "as_of" not in tiers.columns:
        return
    codes = pd.factorize(tiers["as_of"], use_na_sentinel=True)[0][lad.order]
    differ = codes != codes[lad.start][lad.group]
    if not differ.any():
        return
    many = np.unique(lad.group[differ])
    shown = "; ".join(
        f"{len(np.unique(codes[lad.start[g] : lad.stop[g]]))} versions of {lad.label(g)}"
        for g in many[:5].tolist()
    ) + (f" and {len(many) - 5} more ladders" if len(many) > 5 else "")
    raise ParseError(
        f"the frame holds {shown} (several as_of dates: a lk.ladder_history frame); the model "
        "reads one version of each ladder: pick one, e.g. history[history['as_of'] == "
        "history['as_of'].max()], or loop over history.groupby('as_of')"
    )


def use(tiers: pd.DataFrame, *, need_leverage: bool = True) -> Ladders:
    """:func:`prepare` for a public model function, warning once if the figures are stale
    (refusing a frame of several versions of one ladder, :func:`check_one_version`)."""
    lad = prepare(tiers, need_leverage=need_leverage)
    check_one_version(tiers, lad)
    if "as_of" in tiers.columns or tiers.attrs.get("as_of") is not None:
        check_staleness(tiers, _stacklevel=5)
    return lad


def check_staleness(
    frame: pd.DataFrame, *, max_age: pd.Timedelta = MAX_AGE, now: Any = None, _stacklevel: int = 2
) -> pd.DataFrame:
    """Warn :class:`~levkit.errors.StaleDataWarning` for ladders older than ``max_age``.

    Looks at the ``as_of`` column (snapshot frames), else ``attrs["as_of"]``; frames
    without either (fresh API answers) are never stale.  The model calls this on every
    frame it is given; the control should too.

    Returns
    -------
    DataFrame
        The stale ladders: ``exchange``, ``symbol``, ``as_of``, ``age`` (Timedelta); empty
        when none are.

    Examples
    --------
    >>> import warnings
    >>> from levkit.frames import tiers_frame
    >>> t = tiers_frame({"exchange": "bybit", "symbol": "BTCUSDT", "as_of": "2026-01-02",
    ...                  "max_notional": [3e5], "max_leverage": [150]}, source="snapshot")
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     stale = check_staleness(t, now="2026-03-01")
    >>> stale["age"].dt.days.tolist(), str(caught[0].message).split(":")[0]
    ([58], 'bybit BTCUSDT')
    """
    columns = ["exchange", "symbol", "as_of", "age"]
    if "as_of" not in frame.columns and frame.attrs.get("as_of") is None:
        return pd.DataFrame({c: [] for c in columns})
    dates = as_of_dates(frame)
    today = _as_timestamp(now if now is not None else pd.Timestamp.now(tz="UTC"))
    if not isinstance(today, pd.Timestamp):
        raise ValueError(f"now must be a date or a time, not {now!r}")
    age = today - dates
    stale = age > max_age
    out = pd.DataFrame(
        {
            "exchange": [e for e, _ in dates.index[stale]],
            "symbol": [s for _, s in dates.index[stale]],
            "as_of": dates[stale].to_numpy(),
            "age": age[stale].to_numpy(),
        }
    )
    if len(out):
        shown = "; ".join(
            f"{e} {s}: as of {d:%Y-%m-%d}, {a.days} days old"
            for e, s, d, a in out.head(10).itertuples(index=False)
        )
        more = f" and {len(out) - 10} more" if len(out) > 10 else ""
        warnings.warn(
            f"{shown}{more}: figures older than {max_age.days} days may no longer be the "
            "exchange's; refresh with `levkit snapshot` or "
            "lk.save_snapshot(lk.fetch_risk_limits(exchange, symbol))",
            StaleDataWarning,
            stacklevel=_stacklevel,
        )
    return out
