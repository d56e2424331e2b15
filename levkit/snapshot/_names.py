"""Names the store accepts: exchanges (registry names and aliases, or a plain ccxt id) and
symbols (plain text, never a path), and the dates a version is filed under.

An exchange name becomes a folder name in a CSV export (:func:`levkit.snapshot.write_snapshot`)
and a key in the store, so it must be a plain name: ``../../x``, ``/etc`` or a name with a
separator is refused (issue 23).  A symbol is only ever data, but a symbol holding a path
separator, a control character or surrounding blanks is refused as well: no exchange spells
one like that, and such a value in a file name or a table would surprise whoever reads it.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

import pandas as pd

from ..errors import InvalidSymbolError, LevkitError

__all__ = [
    "SnapshotError",
    "as_of_ns",
    "as_of_text",
    "canonical_exchange",
    "check_exchange",
    "check_symbol",
    "match_symbol",
    "match_symbols",
    "to_timestamp",
]

#: A plain exchange name: letters, digits, ``.``, ``_``, ``-``; no separators, not ``.``/``..``.
_EXCHANGE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
#: Characters a symbol never holds (path separators, control characters).
_BAD_SYMBOL = re.compile(r"[\\\x00-\x1f\x7f]")


class SnapshotError(LevkitError, ValueError):
    """The snapshot has no such exchange, symbol or kind (the message lists what it has),
    or a value cannot be stored (the message names it)."""


def check_exchange(name: Any) -> str:
    """``name`` lower-cased if it is a plain exchange name, else :class:`SnapshotError`.

    >>> check_exchange("Binance")
    'binance'
    >>> check_exchange("../../x")
    Traceback (most recent call last):
    ...
    levkit.snapshot._names.SnapshotError: exchange '../../x' is not a plain name (letters, digits, '.', '_', '-'): it is never used as a path
    """
    text = str(name).strip().lower() if isinstance(name, str) else ""
    if not _EXCHANGE.match(text) or ".." in text:
        raise SnapshotError(
            f"exchange {name!r} is not a plain name (letters, digits, '.', '_', '-'): "
            "it is never used as a path"
        )
    return text


def canonical_exchange(name: Any) -> str:
    """The registry name for a registry name or alias (``"gateio"`` -> ``"gate"``,
    ``"hl"`` -> ``"hyperliquid"``); any other plain name (a ccxt id) unchanged.

    >>> canonical_exchange("gateio"), canonical_exchange("HL"), canonical_exchange("kraken")
    ('gate', 'hyperliquid', 'kraken')
    """
    text = check_exchange(name)
    from ..venues import venue

    try:
        return venue(text).name
    except ValueError:
        return text


def check_symbol(symbol: Any, exchange: str = "") -> str:
    """``symbol`` if it is plain text (no path separator ``\\``, no control character, no
    leading ``/`` or ``..``, no surrounding blanks, 1 to 100 characters)."""
    where = f"{exchange} " if exchange else ""
    ok = (
        isinstance(symbol, str)
        and 0 < len(symbol) <= 100
        and symbol == symbol.strip()
        and not _BAD_SYMBOL.search(symbol)
        and not symbol.startswith("/")
        and ".." not in symbol
    )
    if not ok:
        raise SnapshotError(f"{where}symbol {symbol!r} is not a plain symbol: not stored")
    return symbol


def match_symbol(symbol: str, exchange: str, listed: Any = None) -> str:
    """The exchange's own id of exactly the instrument ``symbol`` names where levkit knows
    the exchange (:func:`levkit.venues.resolve`: a dated id stays dated; a symbol the venue
    does not carry raises :class:`~levkit.InvalidSymbolError`), else ``symbol`` as given (a
    ccxt-only venue).  ``listed`` (the ids the store holds for it) settles the case of a
    case-sensitive venue's id (Hyperliquid ``kPEPE``).

    >>> match_symbol("BTC/USDT:USDT-260626", "binance"), match_symbol("BTC", "kraken")
    ('BTCUSDT_260626', 'BTC')
    """
    from ..venues import find, resolve

    v = find(exchange)
    if v is None:
        return str(symbol).strip()
    found = resolve(symbol, v).symbol
    if listed is not None and found not in listed:
        try:
            return resolve(symbol, v, listed=listed).symbol
        except InvalidSymbolError:
            pass
    return found


def match_symbols(wanted: list[Any], exchange: str, listed: Any, *, strict: bool) -> set[str]:
    """:func:`match_symbol` of each of ``wanted``; a symbol naming no instrument of the
    exchange raises where ``strict`` (one exchange asked for), else is skipped (a symbol
    asked of every exchange: ``BTCUSDT`` names nothing on Hyperliquid)."""
    out = set()
    for sym in wanted:
        try:
            out.add(match_symbol(sym, exchange, listed))
        except InvalidSymbolError:
            if strict:
                raise
    return out


def to_timestamp(value: Any, what: str = "as_of") -> pd.Timestamp:
    """Anything ``pd.Timestamp`` reads (a date, a datetime, ``"2026-05-18"``, ``"2026"``,
    an ISO timestamp) as a UTC Timestamp; naive values are UTC.

    >>> to_timestamp("2026-05"), to_timestamp("2026-03-12T04:12:41+01:00")
    (Timestamp('2026-05-01 00:00:00+0000', tz='UTC'), Timestamp('2026-03-12 03:12:41+0000', tz='UTC'))
    """
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise SnapshotError(f"{what} must be a date, a datetime or text such as "
                         f"'2026-05-18', not {value!r} ({exc})") from None  # fmt: skip
    if pd.isna(ts):
        raise SnapshotError(f"{what} must be a date, not {value!r}")
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def as_of_text(value: Any) -> str:
    """How a version's date is written: text as given (once checked), a date as
    ``YYYY-MM-DD``, a datetime as an ISO UTC timestamp.

    >>> as_of_text("2026-05-18"), as_of_text(_dt.date(2026, 5, 18))
    ('2026-05-18', '2026-05-18')
    >>> as_of_text(pd.Timestamp("2026-05-18 09:20:40", tz="UTC"))
    '2026-05-18T09:20:40+00:00'
    """
    if isinstance(value, str):
        to_timestamp(value)
        return value.strip()
    if isinstance(value, _dt.datetime | pd.Timestamp):
        return to_timestamp(value).isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    return to_timestamp(value).isoformat()


def as_of_ns(value: Any) -> int:
    """Nanoseconds since the epoch (UTC) of a version's date (the start of a day, month
    or year given as text)."""
    return int(to_timestamp(value).value)
