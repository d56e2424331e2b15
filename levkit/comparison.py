"""One table across venues: the cap at a few leverages, per base asset and exchange.

:func:`compare` reads a tiers frame holding several venues (``lk.fetch_risk_limits([...])``
or ``lk.load_snapshot()``) and answers, for each base asset (BTC, ETH...) and venue, the
largest position allowed at each leverage, and the venue's highest leverage.  Answers that
rest on the unknown part of an incomplete ladder are lower bounds: they are listed in
``attrs["lower_bound"]``, the ``(exchange, "complete")`` column says which ladders are
incomplete, :func:`lower_bound_mask` gives the boolean frame and :func:`styled` a display
that writes them ``>= 2.6M`` in italics and greys every figure of an incomplete ladder
(one whose middle tiers are missing can be low even above its lowest known leverage).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from .model.completeness import use, warn_lower_bound
from .model.units import DOLLARS, ladder_units

__all__ = ["base_asset", "compare", "lower_bound_mask", "styled"]


def _row_units(units: dict[tuple[str, str], str]) -> dict[tuple[str, str], str] | None:
    """The row label's unit of each (base, exchange) when the table holds a coin-stated
    ladder (None otherwise: rows stay one per base, as they always were): the coin for a
    coin ladder, and for the dollar ladders of a base the dollar units joined."""
    if all(u in DOLLARS for u in units.values()):
        return None
    dollars: dict[str, set[str]] = {}
    for (base, _), unit in units.items():
        if unit in DOLLARS:
            dollars.setdefault(base, set()).add(unit)
    return {
        (base, ex): unit if unit not in DOLLARS else "/".join(sorted(dollars[base]))
        for (base, ex), unit in units.items()
    }


def base_asset(symbol: str, exchange: str) -> str:
    """The base asset ``symbol`` trades on ``exchange`` (the symbol itself where the venue
    names a perp by its coin, or where levkit cannot split it: ``BTCPERP``).

    >>> base_asset("BTC-USDT-SWAP", "okx"), base_asset("ETH", "hyperliquid")
    ('BTC', 'ETH')
    """
    from .symbols import parse_symbol
    from .venues import venue

    try:
        if venue(exchange).symbols.base_only:
            return symbol
    except ValueError:  # not a registry name: read the symbol alone
        pass
    # a contract suffix holds no base: BTCUSD_PERP, BTCUSDT_260626 (Binance)
    symbol = re.sub(r"_(PERP|\d{6})$", "", symbol)
    try:
        return parse_symbol(symbol).base
    except Exception:  # noqa: BLE001 - a native spelling levkit cannot split (BTCPERP)
        return symbol


def _preferred(exchange: str, base: str, symbols: list[str]) -> str:
    """The venue's USDT (or default) perpetual on ``base`` when the frame has several."""
    from .venues import normalize_symbol

    try:
        main = normalize_symbol(base, exchange)
    except Exception:  # noqa: BLE001 - unknown exchange or base: first in order
        main = None
    return main if main in symbols else sorted(symbols)[0]


def _order(exchanges: Iterable[str]) -> list[str]:
    from .venues import names

    known = list(names())
    return sorted(set(exchanges), key=lambda e: (known.index(e) if e in known else 99, e))


def _leverages(leverages: Any) -> list[float]:
    """``leverages`` as floats, read like the CLI reads them (``20``, ``"20x"``); a
    leverage that is not positive, or none at all, raises ``ValueError``."""
    from .numbers import read_leverage

    items = [leverages] if np.ndim(leverages) == 0 else list(leverages)
    if not items:
        raise ValueError("compare needs at least one leverage, e.g. leverages=(10, 20, 50)")
    return [read_leverage(x, "compare: each leverage") for x in items]


def compare(tiers: pd.DataFrame, leverages: Iterable[float | str] = (10, 20, 50)) -> pd.DataFrame:
    """Max position value at ``leverages`` per base asset (rows) and venue (columns).

    Parameters
    ----------
    tiers : DataFrame
        A tiers frame with one or more venues and symbols.  Where a venue has several
        symbols on one base (``BTCUSDT`` and ``BTCUSDC``), its USDT-margined perpetual
        (the one ``lk.normalize_symbol(base, exchange)`` names) is used.
    leverages : iterable of float or str
        The leverages to compare at, as numbers or as the CLI reads them (``"20x"``).
        A leverage that is not a positive number raises ``ValueError``; one below a
        venue's 1x or above its top is NaN in that venue's column.

    Returns
    -------
    DataFrame
        Index ``base`` (``BTC``, ``ETH``...), or, when a ladder stated in a coin takes part
        (coin-margined: Binance COIN-M ``BTCUSD_PERP``, Bybit ``BTCUSD``), a MultiIndex
        ``(base, unit)``: a coin figure never sits in a row of dollar figures (the
        ``unit`` of dollar rows names their units, ``USDC/USDT``); columns a MultiIndex ``(exchange, leverage)``
        holding ``max_position_value`` (NaN where the leverage is above the venue's top),
        then ``(exchange, "max_leverage")`` and ``(exchange, "complete")`` (False: an
        incomplete ladder, some figures are lower bounds).  Venues in registry order.
        ``attrs``: ``lower_bound`` (list of ``(base, exchange, leverage)`` whose figure is
        only a lower bound; see :func:`lower_bound_mask`), ``symbols`` (``{(base,
        exchange): symbol}``), ``notional_unit`` (``{(base, exchange): unit}``, the unit
        of each figure), ``leverages``, ``as_of`` (``{exchange: oldest date}``).
        Warns ``lk.LadderWarning`` when some figures are lower bounds.

    Examples
    --------
    >>> import levkit as lk
    >>> from levkit.frames import tiers_frame
    >>> t = tiers_frame({"exchange": ["okx"] * 2 + ["gate"] * 2,
    ...                  "symbol": ["BTC-USDT-SWAP"] * 2 + ["BTC_USDT"] * 2,
    ...                  "max_notional": [1e6, 5e6, 2e6, 8e6],
    ...                  "max_leverage": [100, 20, 50, 10]}, source="api")
    >>> table = lk.compare(t, leverages=(10, 20, 50))
    >>> float(table.loc["BTC", ("okx", 20)]), float(table.loc["BTC", ("gate", 50)])
    (5000000.0, 2000000.0)
    >>> list(lk.compare(t, leverages=("20x", 50)).columns[:2])
    [('okx', 20), ('okx', 50)]
    >>> list(table.columns[:5])
    [('okx', 10), ('okx', 20), ('okx', 50), ('okx', 'max_leverage'), ('okx', 'complete')]

    A coin-margined ladder (caps in BTC) gets its own row:

    >>> coin = tiers_frame({"exchange": "binance-coinm", "symbol": "BTCUSD_PERP",
    ...     "category": "inverse", "notional_unit": "BTC", "max_notional": [50.0, 100.0],
    ...     "max_leverage": [125, 1]}, source="api")
    >>> both = lk.compare(pd.concat([t, coin]), leverages=(20,))
    >>> both.index.tolist()
    [('BTC', 'BTC'), ('BTC', 'USDT')]
    >>> float(both.loc[("BTC", "BTC"), ("binance-coinm", 20)]), float(both.loc[("BTC", "USDT"), ("okx", 20)])
    (50.0, 5000000.0)
    """
    from .model.completeness import as_of_dates

    levs = _leverages(leverages)
    labels = [int(x) if float(x).is_integer() else x for x in levs]
    lad = use(tiers)
    bases = np.array([base_asset(s, e) for e, s in zip(lad.exchange, lad.symbol, strict=True)])
    keep: dict[tuple[str, str], int] = {}
    for base, exchange in dict.fromkeys(zip(bases, lad.exchange, strict=True)):
        groups = np.flatnonzero((bases == base) & (lad.exchange == exchange))
        symbols = [str(lad.symbol[g]) for g in groups]
        chosen = _preferred(str(exchange), str(base), symbols)
        keep[(str(base), str(exchange))] = int(groups[symbols.index(chosen)])

    unit_of = ladder_units(tiers, lad)
    units = {key: str(unit_of[g]) for key, g in keep.items()}
    rows_by = _row_units(units)
    row: dict[tuple[str, str], Any] = {
        key: key[0] if rows_by is None else (key[0], rows_by[key]) for key in keep
    }
    exchanges = _order(e for _, e in keep)
    if rows_by is None:
        index = pd.Index(sorted({b for b, _ in keep}), name="base")
    else:
        pairs: list[tuple[str, str]] = sorted(set(row.values()))
        index = pd.MultiIndex.from_tuples(pairs, names=["base", "unit"])
    columns = pd.MultiIndex.from_tuples(
        [(e, c) for e in exchanges for c in [*labels, "max_leverage", "complete"]],
        names=["exchange", "leverage"],
    )
    out = pd.DataFrame(index=index, columns=columns, dtype=object)
    g = np.array(list(keep.values()), dtype=int)
    gg = np.repeat(g, len(levs))
    ll = np.tile(np.array(levs), len(g))
    rows = lad.cap_row(gg, ll)
    caps = np.where(rows >= 0, lad.cap[np.maximum(rows, 0)], np.nan)
    lower = (rows >= 0) & lad.on_unknown_leverage(gg, ll)
    warn_lower_bound(lad, gg, lower, "compare")
    flagged = []
    for k, key in enumerate(keep):
        at, exchange = row[key], key[1]
        for j, label in enumerate(labels):
            out.loc[at, (exchange, label)] = caps[k * len(levs) + j]
            if lower[k * len(levs) + j]:
                flagged.append((at, exchange, label))
        out.loc[at, (exchange, "max_leverage")] = float(lad.top[g[k]])
        out.loc[at, (exchange, "complete")] = bool(lad.complete[g[k]])
    for col in out.columns:
        if col[1] == "complete":
            out[col] = out[col].astype("boolean")
        else:
            out[col] = out[col].astype("float64")
    dates = as_of_dates(tiers, lad)
    out.attrs = {
        "lower_bound": flagged,
        "symbols": {key: str(lad.symbol[grp]) for key, grp in keep.items()},
        "notional_unit": units,
        "leverages": labels,
        "as_of": {
            e: str(dates.xs(e, level=0).min().date()) if dates.xs(e, level=0).notna().any()
            else None
            for e in exchanges
        },
    }  # fmt: skip
    return out


def lower_bound_mask(table: pd.DataFrame) -> pd.DataFrame:
    """A boolean frame shaped like ``table`` (from :func:`compare`): True where the figure
    is only a lower bound (it rests on the unknown part of an incomplete ladder).

    Examples
    --------
    >>> from levkit.frames import tiers_frame
    >>> t = tiers_frame({"exchange": "gate", "symbol": "BTC_USDT", "complete": False,
    ...                  "max_notional": [1e6, 2e6], "max_leverage": [125, 83.33]},
    ...                 source="snapshot")
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     table = compare(t, leverages=(10, 100))
    >>> lower_bound_mask(table).loc["BTC", "gate"].tolist()
    [True, False, False, False]
    """
    mask = pd.DataFrame(False, index=table.index, columns=table.columns)
    for base, exchange, lev in table.attrs.get("lower_bound", []):
        mask.loc[base, (exchange, lev)] = True
    return mask


def styled(table: pd.DataFrame) -> Any:
    """A pandas ``Styler`` of a :func:`compare` table for notebooks: notionals as ``12M``,
    lower bounds as ``>= 2.6M`` in grey italics, every figure of an incomplete ladder grey
    and its ``complete`` in red.

    Examples
    --------
    >>> from levkit.frames import tiers_frame
    >>> t = tiers_frame({"exchange": "gate", "symbol": "BTC_USDT",
    ...                  "max_notional": [2e6, 8e6], "max_leverage": [50, 10]}, source="api")
    >>> html = styled(compare(t)).to_html()
    >>> "8M" in html and "2M" in html
    True
    """
    from .numbers import format_notional, show

    mask = lower_bound_mask(table)

    def fmt(col: Any) -> Any:
        if col[1] == "complete":
            return lambda v: "" if pd.isna(v) else ("yes" if v else "no")
        if col[1] == "max_leverage":
            return lambda v: "" if pd.isna(v) else f"{show(v)}x"
        return lambda v: "" if pd.isna(v) else ("no cap" if v == np.inf else format_notional(v))

    styler = table.style
    for col in table.columns:
        styler = styler.format(fmt(col), subset=[col])
    for col in table.columns:
        if col[1] in ("complete", "max_leverage"):
            continue
        for base in table.index[mask[col]]:
            shown = f">= {format_notional(table.loc[base, col])}"
            styler = styler.format(_constant(shown), subset=pd.IndexSlice[[base], [col]])
    bad = pd.DataFrame("", index=table.index, columns=table.columns)
    for exchange in table.columns.get_level_values(0).unique():
        incomplete = table[(exchange, "complete")].astype(object).eq(False).to_numpy()
        for col in table[exchange].columns:
            if col != "complete":  # an incomplete ladder's figures: grey, not facts
                bad.loc[incomplete, (exchange, col)] = "color: #777"
    bad[mask] = "font-style: italic; color: #777"
    for col in table.columns:
        if col[1] == "complete":
            bad[col] = ["color: #b00" if v is False else "" for v in table[col].astype(object)]
    return styler.apply(lambda _: bad, axis=None)


def _constant(text: str) -> Callable[[Any], str]:
    """A Styler formatter that shows ``text`` whatever the value."""
    return lambda _value: text
