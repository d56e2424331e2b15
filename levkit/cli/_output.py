"""How the CLI shows ladders: tables, headers, numbers (through :func:`levkit.numbers.show`,
so 14.29x prints as 14.29x), the lower-bound note of incomplete ladders and the mark of
stale figures."""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Mapping
from typing import Any

import pandas as pd

from ..model import check_staleness, lower_bound_note, notional_unit, with_maintenance
from ..model.maintenance import DERIVED_COLUMN
from ..numbers import show

__all__ = ["amount", "format_tiers", "ladder_notes", "leverage_text", "percent", "stale_ladders"]


def amount(value: Any) -> str:
    """A notional with thousands separators, digits as :func:`~levkit.numbers.show` gives
    them; ``-`` for NaN.

    >>> amount(1.8e9), amount(0.5), amount(float("inf")), amount(float("nan"))
    ('1,800,000,000', '0.5', 'inf', '-')
    """
    if pd.isna(value):
        return "-"
    text = show(value)
    if text in ("inf", "-inf"):
        return text
    sign, text = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, dot, frac = text.partition(".")
    return f"{sign}{int(whole):,}{dot}{frac}"


def percent(rate: Any) -> str:
    """A rate (a fraction) in percent, to 6 significant digits (exchanges state rates to
    fewer; a derived ``1/75`` would otherwise print 12 digits).

    >>> percent(0.0033), percent(1 / 75), percent(float("nan"))
    ('0.33%', '1.33333%', '-')
    """
    return "-" if pd.isna(rate) else f"{show(float(f'{float(rate) * 100:.6g}'))}%"


def leverage_text(value: Any) -> str:
    """``14.29x`` (``-`` for NaN)."""
    return "-" if pd.isna(value) else f"{show(value)}x"


#: The note under a table whose deductions levkit derived.
DERIVED_NOTE = "* deduction derived by the continuity recursion (none published for these rows)"


def _deductions(grp: pd.DataFrame, has_rate: pd.Series) -> pd.Series:
    """The deduction column: ``amount`` of the resolved deduction, ``*`` where derived,
    ``-`` where the row has no rate."""
    text = grp["mm_deduction"].where(has_rate).map(amount)
    return text.where(~(grp[DERIVED_COLUMN] & has_rate), text + "*")


def _group(tiers: pd.DataFrame, grp: pd.DataFrame) -> pd.DataFrame:
    out = grp.copy()
    out.attrs = dict(tiers.attrs)
    return out


def stale_ladders(tiers: pd.DataFrame) -> dict[tuple[str, str], str]:
    """``{(exchange, symbol): "as of 2026-01-01, 331 days old"}`` for figures older than
    levkit's limit (:func:`levkit.model.check_staleness`, its warning swallowed: the CLI
    marks them in its output instead)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stale = check_staleness(tiers)
    return {
        (e, s): f"as of {pd.Timestamp(d):%Y-%m-%d}, {a.days} days old"
        for e, s, d, a in stale.itertuples(index=False)
    }


def ladder_notes(tiers: pd.DataFrame) -> list[str]:
    """One line per incomplete ladder (:func:`levkit.model.lower_bound_note`, in each
    ladder's own notional unit); empty when every ladder is complete or has no leverage."""
    lines = []
    for _, grp in tiers.groupby(["exchange", "symbol"], sort=True):
        if not grp["max_leverage"].notna().any():
            continue
        g = _group(tiers, grp)
        note = lower_bound_note(g, unit=notional_unit(g))
        lines += [line for line in note.splitlines() if line]
    return lines


def _header(ex: str, sym: str, grp: pd.DataFrame, attrs: Mapping[Hashable, Any], stale: str) -> str:
    n = len(grp)
    what = "tiers" if grp["max_leverage"].notna().any() else "margin bands (no leverage)"
    if attrs.get("source") == "snapshot" and "as_of" in grp:
        line = f"{ex} {sym}: {n} {what}, snapshot as of {grp['as_of'].iloc[0]}"
        if stale:
            line += f" (STALE: {stale.split(', ', 1)[1]}; refresh: levkit snapshot --exchange {ex})"
        if "source" in grp and grp["source"].notna().any():
            line += f"\nsource: {grp['source'].iloc[0]}"
        return line
    when = attrs.get("fetched_at")
    stamp = f" at {pd.Timestamp(when):%Y-%m-%d %H:%M} UTC" if when is not None else ""
    return f"{ex} {sym}: {n} {what}, fetched from {attrs.get('source', 'api')}{stamp}"


def format_tiers(tiers: pd.DataFrame, *, notes: bool = True) -> str:
    """A readable table per (exchange, symbol): band, max leverage, rates in percent, the
    deduction as the venue's maintenance rule gives it (``*``: derived by the continuity
    recursion where the frame has none, :mod:`levkit.model.maintenance`); a header saying
    where the figures come from (marked STALE past 30 days) and, under an incomplete
    ladder, where its answers are only lower bounds.

    Examples
    --------
    >>> from levkit.frames import tiers_frame
    >>> t = tiers_frame({"exchange": "bybit", "symbol": "BTCUSDT",
    ...                  "max_notional": [3e5, 2e6], "max_leverage": [150, 1429 * 0.01],
    ...                  "maintenance_margin_rate": [0.0033, 0.005]}, source="api")
    >>> lines = format_tiers(t).splitlines()
    >>> lines[-2].split(), lines[-1]
    (['2', '300,000', '2,000,000', '14.29x', '0.5%', '-', '510*'], '* deduction derived by the continuity recursion (none published for these rows)')
    """
    stale = stale_ladders(tiers) if "as_of" in tiers else {}
    blocks = []
    resolved = with_maintenance(tiers)
    for (ex, sym), grp in resolved.groupby(["exchange", "symbol"], sort=True):
        g = _group(tiers, grp)
        unit = notional_unit(g)
        ex, sym = str(ex), str(sym)
        blocks.append(_header(ex, sym, grp, tiers.attrs, stale.get((ex, sym), "")))
        has_rate = grp["maintenance_margin_rate"].notna()
        table = pd.DataFrame(
            {
                "tier": grp["tier"].astype(int).astype(str),
                f"from{f' ({unit})' if unit else ''}": grp["min_notional"].map(amount),
                "to": grp["max_notional"].map(amount),
                "max leverage": grp["max_leverage"].map(leverage_text),
                "maint. margin": grp["maintenance_margin_rate"].map(percent),
                "initial margin": grp["initial_margin_rate"].map(percent),
                "deduction": _deductions(grp, has_rate),
            }
        )
        blocks.append(table.to_string(index=False))
        if notes:
            blocks += [f"note: {line}" for line in ladder_notes(g)]
            if (grp[DERIVED_COLUMN] & has_rate).any():
                blocks.append(DERIVED_NOTE)
        blocks.append("")
    return "\n".join(blocks).rstrip("\n")
