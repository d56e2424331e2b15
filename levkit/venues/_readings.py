"""Reading the unified spellings of a symbol, and the dates in ids, for
:mod:`levkit.venues._resolve`: ccxt's ``BASE/QUOTE:SETTLE[-YYMMDD]``, a pair written with a
separator or run together (``BTC-USDT``, ``BTCUSDT_251226``, ``BTC_USDT_20251226``), and the
expiry encodings venues use (``260626``, ``20260626``, ``26JUN26``, Bybit's month codes).

>>> read_ccxt("BTC/USDT:USDT-251226", "BTC/USDT:USDT-251226", "binance")
Request(base='BTC', quote='USDT', settle='USDT', expiry=datetime.date(2025, 12, 26), written='')
>>> last_friday(2026, 3), date_fields(last_friday(2026, 3))["mcode"]
(datetime.date(2026, 3, 27), 'H26')
"""

from __future__ import annotations

import calendar
import datetime as _dt
import re
from typing import Any, NamedTuple

from ..errors import InvalidSymbolError
from ..symbols import Instrument

__all__ = [
    "COIN_QUOTES", "PAIR", "PLAIN", "Request", "date_fields", "group_date", "last_friday", "legacy_instrument",
    "read_ccxt", "tail_date", "upper_ascii", "yymmdd",
]  # fmt: skip

MONTHS = tuple(calendar.month_abbr[m].upper() for m in range(1, 13))
#: Futures month codes (CME convention; Bybit's inverse futures use H, M, U, Z).
MCODES = "FGHJKMNQUVXZ"
DATE = r"\d{6}|\d{8}|\d{1,2}(?:" + "|".join(MONTHS) + r")\d{2}"
#: A base coin in a unified spelling: ASCII capitals and digits, or letters outside ASCII.
_B = r"[^\W_a-z]"
CCXT = re.compile(
    rf"(?P<base>{_B}{{1,30}})/(?P<quote>[A-Z0-9]{{1,30}})"
    rf"(?::(?P<settle>{_B}{{1,30}})(?:-(?P<yymmdd>\d{{6}}))?)?"
)
OPTION = re.compile(r"[A-Z0-9]+/[A-Z0-9]+:[A-Z0-9]+-\d{6}-[0-9.]+-[CP]")
PLAIN = re.compile(rf"(?P<pair>{_B}{{1,60}}?)(?:[-_](?P<tail>{DATE}))?")
PAIR = re.compile(
    rf"(?P<base>{_B}{{1,30}})[-_](?P<quote>[A-Z0-9]{{1,30}})(?:[-_](?P<tail>SWAP|PERP|{DATE}))?"
)
#: Quotes that are coins: ``WBTC`` is a base asset where the venue lists no BTC-quoted pair.
COIN_QUOTES = ("BTC", "ETH")


class Request(NamedTuple):
    """What a unified spelling asks for: a pair, maybe a settle coin, maybe an expiry, and
    the base as written (a case-sensitive venue's coin: Hyperliquid ``kPEPE``)."""

    base: str
    quote: str
    settle: str | None
    expiry: _dt.date | None
    written: str = ""


def upper_ascii(text: str) -> str:
    """ASCII letters in upper case, every other character as written (``str.upper`` would
    turn ``ß`` into ``SS``: another market's letters)."""
    return "".join(c.upper() if c.isascii() else c for c in text)


def read_ccxt(upper: str, given: str, name: str) -> Request:
    if OPTION.fullmatch(upper):
        raise InvalidSymbolError(
            f"{name}: {given!r} is an option; levkit reads futures ladders only"
        )
    m = CCXT.fullmatch(upper)
    if m is None:
        raise InvalidSymbolError(
            f"{name}: cannot read {given!r}: ccxt's form is BASE/QUOTE:SETTLE, a dated future "
            "BASE/QUOTE:SETTLE-YYMMDD (e.g. 'BTC/USDT:USDT-251226')"
        )
    expiry = tail_date(m["yymmdd"], given) if m["yymmdd"] else None
    return Request(m["base"], m["quote"], m["settle"], expiry)


def tail_date(tail: str, given: str) -> _dt.date:
    if len(tail) == 6 and tail.isdigit():
        return as_date(2000 + int(tail[:2]), int(tail[2:4]), int(tail[4:]), given)
    if len(tail) == 8 and tail.isdigit():
        return as_date(int(tail[:4]), int(tail[4:6]), int(tail[6:]), given)
    m = re.fullmatch(r"(\d{1,2})([A-Z]{3})(\d{2})", tail)
    if m is None or m[2] not in MONTHS:
        raise InvalidSymbolError(f"{given!r}: cannot read the expiry {tail!r}")
    return as_date(2000 + int(m[3]), MONTHS.index(m[2]) + 1, int(m[1]), given)


def group_date(groups: dict[str, Any], given: str) -> _dt.date | None:
    for key in ("yymmdd", "yyyymmdd", "ddmonyy"):
        if groups.get(key):
            return tail_date(groups[key], given)
    code = groups.get("mcode")
    if not code:
        return None
    month, year = MCODES.index(code[0]) + 1, 2000 + int(code[1:])
    return last_friday(year, month)


def last_friday(year: int, month: int) -> _dt.date:
    """Bybit's usual delivery day of an inverse future named by its month (Bybit help
    centre "Bybit Futures Contracts": BTCUSD0326 settled 2021-03-26, 0625 2021-06-25, 0924
    2021-09-24, last Fridays; 1224 settled 2021-12-24, not the 31st: the venue may move it)."""
    last = _dt.date(year, month, calendar.monthrange(year, month)[1])
    return last - _dt.timedelta(days=(last.weekday() - calendar.FRIDAY) % 7)


def as_date(year: int, month: int, day: int, given: str) -> _dt.date:
    try:
        return _dt.date(year, month, day)
    except ValueError:
        raise InvalidSymbolError(f"{given!r}: {year}-{month:02d}-{day:02d} is not a date") from None


def yymmdd(d: _dt.date | None) -> str:
    return "" if d is None else d.strftime("%y%m%d")


def date_fields(d: _dt.date) -> dict[str, str]:
    return {
        "yymmdd": d.strftime("%y%m%d"),
        "yyyymmdd": d.strftime("%Y%m%d"),
        "ddmonyy": f"{d.day:02d}{MONTHS[d.month - 1]}{d:%y}",
        "mcode": f"{MCODES[d.month - 1]}{d:%y}",
    }


def legacy_instrument(text: str, v: Any) -> Instrument:
    """A venue declaring its symbols in the 0.2 form (template and native pattern, no
    kinds): the 0.2 spelling, read as a linear contract, or inverse where quoted in USD."""
    from ..symbols import parse_symbol

    rule = v.symbols
    if rule.is_native(text):
        symbol = text
    elif text.isascii() and rule.is_native(text.upper()):
        symbol = text.upper()
    else:
        market = parse_symbol(text, default_quote=rule.default_quote)
        symbol = market.base if rule.base_only else rule.spell(market.base, market.quote)
    try:
        market = parse_symbol(symbol, default_quote=rule.default_quote)
    except InvalidSymbolError:
        market = parse_symbol(symbol.split("_")[0], default_quote=rule.default_quote)
    inverse = market.quote == "USD"
    expiry = re.search(r"_(\d{6})$", symbol)
    return Instrument(
        symbol, v.name, market.base, market.quote, market.base if inverse else market.quote,
        "inverse" if inverse else "linear", expiry.group(1) if expiry else None,
        market.base if inverse else market.quote, "",
    )  # fmt: skip
