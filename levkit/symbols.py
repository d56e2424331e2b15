"""Reading a symbol: ``BTCUSDT``, ``btcusdt``, ``BTC-USDT``, ``BTC/USDT:USDT`` and the base
asset ``BTC`` all name the same USDT-settled perpetual.

Each exchange's own spelling, and which of its native symbols pass through unchanged, is
declared in its venue spec (:class:`levkit.venues.SymbolRule`) and spelled by
:func:`levkit.venues.normalize_symbol` (the registry reads this module, never the reverse).
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import numpy as np

from .errors import InvalidSymbolError

__all__ = ["Market", "parse_symbol", "notional_currency", "notional_currencies", "QUOTES"]

#: Quote currencies recognised at the end of an unseparated symbol, longest first so
#: that ``BTCUSDT`` splits as BTC/USDT and not BTCU/SDT or BTCUSD/T.
QUOTES: tuple[str, ...] = ("FDUSD", "USDT", "USDC", "USDE", "BUSD", "USD", "EUR", "BTC", "ETH")

_PART = re.compile(r"[A-Z0-9]{1,30}")
#: A symbol written as base and quote run together, nothing to strip or split (``BTCUSDT``).
_PLAIN = re.compile(r"[A-Z0-9]{2,60}")


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
        if not _PART.fullmatch(settle):
            raise InvalidSymbolError(f"cannot read settle coin in symbol {symbol!r}")
    if "/" in text or "-" in text or "_" in text:
        parts = re.split(r"[/_-]", text)
        if len(parts) == 3 and (parts[2] == "SWAP" or parts[2].isdigit()):
            parts = parts[:2]  # OKX's BTC-USDT-SWAP, a dated BTC-USDT-251226: the market
        if len(parts) != 2:
            raise InvalidSymbolError(f"cannot read symbol {symbol!r}: expected BASE-QUOTE")
        base, quote = parts
    else:
        for q in QUOTES:
            if text.endswith(q) and len(text) > len(q):
                base, quote = text[: -len(q)], q
                break
        else:
            if default_quote is None or not _PART.fullmatch(text):
                raise InvalidSymbolError(
                    f"cannot read symbol {symbol!r}: write it as BASE-QUOTE (e.g. 'BTC-USDT')"
                )
            base, quote = text, default_quote
    if not (_PART.fullmatch(base) and _PART.fullmatch(quote)):
        raise InvalidSymbolError(f"cannot read symbol {symbol!r}: letters and digits only")
    return Market(base, quote, settle)


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
