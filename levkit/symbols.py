"""Reading a symbol: ``BTCUSDT``, ``btcusdt``, ``BTC-USDT``, ``BTC/USDT:USDT`` and the base
asset ``BTC`` all name the same USDT-settled perpetual; ``BTC/USDT:USDT-251226`` a dated
future, ``BTC/USD:BTC`` a coin-margined perpetual.

:class:`Instrument` is what a symbol names on one venue.  Which instruments a venue lists
and how it spells each is declared in its spec (:class:`levkit.venues.SymbolRule`), and
:func:`levkit.venues.resolve` maps a symbol to exactly one of them or raises
:class:`~levkit.InvalidSymbolError` (the venues package reads this module, never the other
way round); :func:`levkit.venues.normalize_symbol` gives the resolved id.  The functions here read a
spelling without a venue (:func:`parse_symbol`, :func:`notional_currency`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from .errors import InvalidSymbolError

__all__ = [
    "Instrument",
    "Market",
    "parse_symbol",
    "notional_currency",
    "notional_currencies",
    "QUOTES",
]

#: Quote currencies recognised at the end of an unseparated symbol, longest first so
#: that ``BTCUSDT`` splits as BTC/USDT and not BTCU/SDT or BTCUSD/T.
QUOTES: tuple[str, ...] = ("FDUSD", "USDT", "USDC", "USDE", "BUSD", "USD", "EUR", "BTC", "ETH")

_PART = re.compile(r"[A-Z0-9]{1,30}")
#: A settle coin, and a dated ccxt symbol's ``-YYMMDD`` after it.
_SETTLE = re.compile(r"([A-Z0-9]{1,30})(?:-\d{6})?")
#: What follows a market in an id: OKX's ``SWAP``, Binance COIN-M's ``PERP``, an expiry
#: (``251226``, ``20251226``, Bybit's ``26DEC25``).
_TAIL = re.compile(r"SWAP|PERP|\d{6}|\d{8}|\d{1,2}[A-Z]{3}\d{2}")
#: A symbol written as base and quote run together, nothing to strip or split (``BTCUSDT``).
_PLAIN = re.compile(r"[A-Z0-9]{2,60}")


@dataclass(frozen=True)
class Instrument:
    """The one instrument a symbol names on one venue (:func:`levkit.venues.resolve`).

    Attributes
    ----------
    symbol : str
        The venue's own id (``BTCUSDT_260626``, ``BTC-USD-SWAP``, ``BTCUSDH26``).
    exchange : str
        The registry name (``"binance"``).
    base, quote, settle : str
        As ccxt reads them: ``BTC/USDT:USDT`` is base BTC, quote USDT, settle USDT.
    kind : {"linear", "inverse"}
        Linear: settled in the quote; inverse (coin-margined): settled in the base coin.
    expiry : str or None
        ``"YYMMDD"`` (UTC) of a dated future, None for a perpetual.  Where the venue's id
        names only the month (Bybit ``BTCUSDH26``), the day is the venue's usual delivery
        day (the month's last Friday), which the venue may move: see ``docs/instruments.md``.
    unit : str
        The ``notional_unit`` of its ladder: the quote for linear contracts, the coin or
        ``USD`` for coin-margined ones, as the venue states them.
    category : str
        The venue's own word for the kind where it has one (Bybit ``linear``/``inverse``,
        OKX ``SWAP``/``FUTURES``), else ``""``.

    Examples
    --------
    >>> i = Instrument("BTCUSDT_260626", "binance", "BTC", "USDT", "USDT", "linear",
    ...                "260626", "USDT")
    >>> i.ccxt, i.perpetual
    ('BTC/USDT:USDT-260626', False)
    """

    symbol: str
    exchange: str
    base: str
    quote: str
    settle: str
    kind: str = "linear"
    expiry: str | None = None
    unit: str = ""
    category: str = ""

    @property
    def ccxt(self) -> str:
        """ccxt's unified spelling: ``BASE/QUOTE:SETTLE``, ``-YYMMDD`` for a dated future."""
        tail = f"-{self.expiry}" if self.expiry else ""
        return f"{self.base}/{self.quote}:{self.settle}{tail}"

    @property
    def perpetual(self) -> bool:
        """No expiry."""
        return self.expiry is None

    @property
    def inverse(self) -> bool:
        """Coin-margined (settled in the base coin)."""
        return self.kind == "inverse"


class Market(NamedTuple):
    """A market as levkit understands it: base and quote, and the settle coin if given."""

    base: str
    quote: str
    settle: str | None = None


def parse_symbol(symbol: str, *, default_quote: str | None = None) -> Market:
    """Read any accepted spelling into a :class:`Market`.

    Examples
    --------
    >>> parse_symbol("btc/usdt:usdt")
    Market(base='BTC', quote='USDT', settle='USDT')
    >>> parse_symbol("1000PEPEUSDT")
    Market(base='1000PEPE', quote='USDT', settle=None)
    >>> parse_symbol("btc", default_quote="USDT")
    Market(base='BTC', quote='USDT', settle=None)
    >>> parse_symbol("BTC_USDT"), parse_symbol("BTC-USDT-SWAP")
    (Market(base='BTC', quote='USDT', settle=None), Market(base='BTC', quote='USDT', settle=None))

    A dated contract reads as its market (:func:`levkit.venues.resolve` keeps the expiry):

    >>> parse_symbol("BTCUSDT_260626"), parse_symbol("BTC/USDT:USDT-260626")
    (Market(base='BTC', quote='USDT', settle=None), Market(base='BTC', quote='USDT', settle='USDT'))
    """
    if not isinstance(symbol, str):
        raise InvalidSymbolError(
            f"a symbol is a string such as 'BTCUSDT', not {type(symbol).__name__}"
        )
    text = symbol.strip()
    if not text.isascii():
        # str.upper() would turn "ß" into "SS" and "ı" into "I": another market's letters
        raise InvalidSymbolError(f"cannot read symbol {symbol!r}: ASCII letters and digits only")
    text = text.upper()
    settle = None
    if ":" in text:
        text, settle = text.split(":", 1)
        read = _SETTLE.fullmatch(settle)
        if read is None:
            raise InvalidSymbolError(f"cannot read settle coin in symbol {symbol!r}")
        settle = read.group(1)  # a dated BTC/USDT:USDT-251226: the market
    if "/" in text or "-" in text or "_" in text:
        parts = re.split(r"[/_-]", text)
        if len(parts) > 1 and _TAIL.fullmatch(parts[-1]):
            parts = parts[:-1]  # OKX's BTC-USDT-SWAP, a dated BTC-USDT-251226: the market
        if len(parts) == 1 and "/" not in text:
            base, quote = _split_plain(parts[0], symbol, None)  # Binance's BTCUSDT_260626
        elif len(parts) != 2:
            raise InvalidSymbolError(f"cannot read symbol {symbol!r}: expected BASE-QUOTE")
        else:
            base, quote = parts
    else:
        base, quote = _split_plain(text, symbol, default_quote)
    if not (_PART.fullmatch(base) and _PART.fullmatch(quote)):
        raise InvalidSymbolError(f"cannot read symbol {symbol!r}: letters and digits only")
    return Market(base, quote, settle)


def _split_plain(text: str, symbol: str, default_quote: str | None) -> tuple[str, str]:
    """Base and quote of a run-together market (``BTCUSDT``), by the longest known quote."""
    for q in QUOTES:
        if text.endswith(q) and len(text) > len(q):
            return text[: -len(q)], q
    if default_quote is None or not _PART.fullmatch(text):
        raise InvalidSymbolError(
            f"cannot read symbol {symbol!r}: write it as BASE-QUOTE (e.g. 'BTC-USDT')"
        )
    return text, default_quote


def notional_currency(symbol: str, category: str | None = None) -> str:
    """The currency a market's notionals are stated in: the base coin for an inverse
    (coin-margined) contract, else the settle coin, else the quote; ``""`` when the
    symbol cannot be read.  A ``USD``-quoted perpetual is inverse unless ``category``
    says otherwise (Bybit ``BTCUSD``, OKX ``BTC-USD-SWAP``, Binance COIN-M).

    >>> notional_currency("BTCUSDT"), notional_currency("BTCUSD"), notional_currency("BTC-USDC")
    ('USDT', 'BTC', 'USDC')
    >>> notional_currency("BTCUSD", "linear"), notional_currency("???")
    ('USD', '')
    """
    try:
        m = parse_symbol(symbol)
    except InvalidSymbolError:
        return ""
    inverse = category == "inverse" or (category is None and m.quote == "USD")
    return m.base if inverse else (m.settle or m.quote)


def notional_currencies(symbols: Any, category: str | None = None) -> np.ndarray:
    """:func:`notional_currency` of many symbols at once, as an object array.

    The common spelling (base and quote run together, upper case: ``BTCUSDT``) is read
    here without building a :class:`Market` each time (an all-symbols ladder has hundreds);
    any other spelling goes through :func:`notional_currency`.

    >>> notional_currencies(["BTCUSDT", "BTCUSD", "ETH-USDC", "???"]).tolist()
    ['USDT', 'BTC', 'USDC', '']
    """
    out = []
    for symbol in symbols:
        known = _UNITS.get((symbol, category)) if isinstance(symbol, str) else None
        if known is not None:
            out.append(known)
        elif isinstance(symbol, str) and _PLAIN.fullmatch(symbol):
            quote = next((q for q in QUOTES if symbol.endswith(q) and len(symbol) > len(q)), "")
            base = symbol[: len(symbol) - len(quote)]
            if not quote or len(base) > 30:
                out.append("")
                continue
            inverse = category == "inverse" or (category is None and quote == "USD")
            out.append(base if inverse else quote)
        else:
            out.append(notional_currency(symbol, category))
        if isinstance(symbol, str) and len(_UNITS) < _UNITS_KEPT:
            _UNITS[(symbol, category)] = out[-1]
    return np.asarray(out, dtype=object)


#: ``(symbol, category) -> unit`` of the symbols read so far (a venue lists a few
#: thousand; the answer of a pure function, so re-reading a ladder skips the work).
_UNITS: dict[tuple[str, str | None], str] = {}
_UNITS_KEPT = 50_000
