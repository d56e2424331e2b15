"""Which instrument a symbol names on a venue: :func:`resolve` (issue 22).

A symbol resolves to exactly the instrument it names on that venue, or raises
:class:`~levkit.InvalidSymbolError` saying why (not listed, a kind levkit does not read
there, ambiguous, a settle coin that is neither base nor quote).  It never substitutes: a
dated id is never read as the perpetual, a coin-margined symbol never as a USDT one, a
USDC contract never as a USDT one.  The rules (``docs/instruments.md`` section 2):

1. the venue's own id (its :class:`~levkit.venues._kinds.Spelling` regexes, as given,
   then in upper case), or an id the venue refuses (its ``Refusal`` regexes);
2. ccxt's unified form ``BASE/QUOTE:SETTLE[-YYMMDD]``: linear where settle == quote,
   inverse where settle == base (ccxt ``parse_market``); ``BASE/QUOTE`` without a settle
   coin is the perpetual of that pair (levkit's reading since 0.1: ccxt would call it spot);
3. other spellings of a pair: ``BTC-USDT``, ``btc_usdt``, ``BTCUSDT``, with an expiry
   (``BTC-USDT-251226``, ``BTCUSDT_251226``, ``BTC_USDT_20251226``, ``BTCUSDT-26DEC25``);
4. a bare base asset (``"BTC"``): the venue's shorthand kind, its USDT perpetual
   (Hyperliquid: its USDC perp).

This module is the home of resolution: ``levkit.symbols`` holds :class:`Instrument` and
never imports the venues; the declarations live in each venue's ``spec.py``.

Examples
--------
>>> resolve("BTC/USDT:USDT-260626", "binance").symbol
'BTCUSDT_260626'
>>> i = resolve("BTCUSDH26", "bybit")
>>> i.kind, i.category, i.unit, i.ccxt
('inverse', 'inverse', 'BTC', 'BTC/USD:BTC-260327')
>>> resolve("BTC", "okx").symbol, resolve("BTC/USD:BTC-251226", "okx").unit
('BTC-USDT-SWAP', 'USD')
"""

from __future__ import annotations

import datetime as _dt
import logging
import re
from collections.abc import Iterable
from dataclasses import replace
from functools import lru_cache
from typing import Any

import numpy as np

from ..errors import InvalidSymbolError
from ..symbols import QUOTES, Instrument
from ._kinds import Refusal, Spelling
from ._readings import (
    COIN_QUOTES,
    PAIR,
    PLAIN,
    Request,
    date_fields,
    group_date,
    last_friday,
    legacy_instrument,
    read_ccxt,
    tail_date,
    upper_ascii,
    yymmdd,
)
from ._spec import Venue
from .registry import find, venue

__all__ = ["listed_instrument", "resolve", "unit_of", "units_of"]

log = logging.getLogger("levkit")


def resolve(symbol: Any, exchange: Any, *, listed: Iterable[str] | None = None) -> Instrument:
    """The instrument ``symbol`` names on ``exchange``, or :class:`~levkit.InvalidSymbolError`.

    Parameters
    ----------
    symbol : str
        The venue's own id, ccxt's form (``BTC/USDT:USDT``, ``BTC/USDT:USDT-251226``,
        ``BTC/USD:BTC``, ``BTC/USD:BTC-251226``), another spelling of a pair
        (``btc-usdt``) or a base asset (``"BTC"``: the venue's USDT perpetual).
    exchange : str
        A registry name or alias.
    listed : iterable of str, optional
        The venue's native ids (its listing, a ladder answer or a snapshot): an id outside
        it raises "not listed"; an id inside it is accepted as given, even one levkit's
        declarations do not spell (a listed id that is not ASCII, for instance).

    Returns
    -------
    Instrument

    Examples
    --------
    >>> resolve("BTCUSDT_260626", "binance").ccxt
    'BTC/USDT:USDT-260626'
    >>> resolve("ETH/BTC:BTC", "binance").unit
    'BTC'
    >>> resolve("BTC/USD:BTC", "binance")
    Traceback (most recent call last):
    ...
    levkit.errors.InvalidSymbolError: binance: 'BTC/USD:BTC' is a coin-margined perpetual (BTC/USD:BTC): Binance USDⓈ-M lists no coin-margined contracts; they are on the binance-coinm venue (lk.BinanceCoinM)
    >>> resolve("BTCUSDT_260925", "binance", listed=["BTCUSDT", "BTCUSDT_260626"])
    Traceback (most recent call last):
    ...
    levkit.errors.InvalidSymbolError: binance: BTCUSDT_260925 (BTC/USDT:USDT-260925) is not listed; listed with base BTC: BTCUSDT, BTCUSDT_260626
    """
    v = venue(exchange)
    if not isinstance(symbol, str):
        raise InvalidSymbolError(
            f"a symbol is a string such as {v.symbol_example!r}, not {type(symbol).__name__}"
        )
    text = symbol.strip()
    if not text:
        raise InvalidSymbolError(f"{v.name}: a symbol cannot be empty")
    pool = None if listed is None else _as_set(listed)
    if not v.symbols.kinds:
        found = legacy_instrument(text, v)
    elif pool is not None and text in pool:
        found = _listed(text, v)
    else:
        found = _resolve_text(text, symbol, v, pool)
    if pool is not None and found.symbol not in pool:
        found = _not_listed(found, v, pool)
    return found


def listed_instrument(symbol: str, exchange: str) -> Instrument:
    """The instrument of an id a venue listed (in its own answer): :func:`resolve` with
    ``listed=[symbol]``, cached (a ladder answer repeats a few thousand ids).

    >>> listed_instrument("币安人生USDT", "binance").unit
    'USDT'
    """
    return _listed_cached(str(symbol), str(exchange))


@lru_cache(maxsize=65536)
def _listed_cached(symbol: str, exchange: str) -> Instrument:
    return resolve(symbol, exchange, listed=(symbol,))


def units_of(symbols: Any, exchange: str) -> np.ndarray:
    """The ``notional_unit`` of each id of a venue's answer, as an object array (each
    distinct id resolved once: pass ``pd.factorize``'s uniques and index with its codes).

    >>> units_of(["BTCUSDT", "BTCUSDT_260626", "BTCUSDC", "ETHBTC"], "binance").tolist()
    ['USDT', 'USDT', 'USDC', 'BTC']
    """
    return np.asarray([listed_instrument(s, exchange).unit for s in symbols], dtype=object)


def unit_of(symbol: str, exchange: str, category: str | None = None) -> str:
    """The ``notional_unit`` of ``exchange``'s id ``symbol``: its instrument's on a
    registry venue, else read from the spelling (:func:`levkit.symbols.notional_currency`
    with ``category``; ``""`` when it cannot be read).

    >>> unit_of("BTCUSDT_260626", "binance"), unit_of("BTC/USD:BTC", "deribit", "inverse")
    ('USDT', 'BTC')
    """

    v = find(exchange)
    if v is None:
        from ..symbols import notional_currency

        return notional_currency(symbol, category)
    return listed_instrument(symbol, v.name).unit


# -- reading ----------------------------------------------------------------------------
def _as_set(listed: Iterable[str]) -> set[str] | frozenset[str]:
    if isinstance(listed, set | frozenset):
        return listed
    if isinstance(listed, str):
        return {listed}
    return {str(s) for s in listed}


def _resolve_text(text: str, given: str, v: Venue, pool: Any) -> Instrument:
    upper = upper_ascii(text)
    for candidate in dict.fromkeys((text, upper)):
        found = _native(candidate, given, v)
        if found is not None:
            return found
    if "/" in upper:
        req = read_ccxt(upper, given, v.name)
        written = text.split("/", 1)[0]
        return _from_request(req._replace(written=written), given, v, pool)
    plain = PLAIN.fullmatch(upper)
    if plain is not None:
        return _from_plain(plain, given, v, pool)
    pair = PAIR.fullmatch(upper)
    if pair is not None:
        expiry = (
            tail_date(pair["tail"], given) if pair["tail"] not in (None, "SWAP", "PERP") else None
        )
        return _from_request(Request(pair["base"], pair["quote"], None, expiry), given, v, pool)
    raise InvalidSymbolError(
        f"{v.name}: cannot read {given!r} as a symbol: write the venue's own id "
        f"(e.g. {_examples(v)}), ccxt's BASE/QUOTE:SETTLE or a base asset such as 'BTC'"
    )


def _native(text: str, given: str, v: Venue) -> Instrument | None:
    """The instrument of a venue id (None if ``text`` is not one); a refused id raises."""
    rule = v.symbols
    found: dict[str, Instrument] = {}
    for sp, pattern in _patterns(rule):
        m = pattern.fullmatch(text)
        if m is not None:
            groups = m.groupdict()
            quote = groups.get("quote") or sp.quotes[0]
            inst = _instrument(v, sp, groups["base"], quote, group_date(groups, given))
            found.setdefault(inst.symbol, inst)
    if len(found) > 1:
        raise _ambiguous(given, v, list(found.values()))
    if found:
        return next(iter(found.values()))
    for refusal in rule.refused:
        if refusal.native and re.fullmatch(refusal.native, text):
            raise InvalidSymbolError(f"{v.name}: {given!r} is not read there: {refusal.reason}")
    return None


_COMPILED: dict[int, tuple[Any, list[tuple[Spelling, re.Pattern]]]] = {}


def _patterns(rule: Any) -> list[tuple[Spelling, re.Pattern]]:
    """Each kind's compiled ``native`` pattern (compiled once per declaration)."""
    held = _COMPILED.get(id(rule))
    if held is None or held[0] is not rule:
        held = (rule, [(sp, re.compile(sp.native)) for sp in rule.kinds])
        _COMPILED[id(rule)] = held
    return held[1]


def _from_plain(m: re.Match, given: str, v: Venue, pool: Any) -> Instrument:
    pair, tail = m["pair"], m["tail"]
    quote = next((q for q in QUOTES if pair.endswith(q) and len(pair) > len(q)), None)
    expiry = tail_date(tail, given) if tail else None
    bare = Request(pair, "", None, None)
    if quote is None or (quote in COIN_QUOTES and not _lists_quote(v, quote) and not tail):
        if tail:
            raise InvalidSymbolError(
                f"{v.name}: cannot tell the quote currency of {given!r}: write it in ccxt's "
                f"form, e.g. '{pair}/USDT:USDT-{yymmdd(expiry)}'"
            )
        return _shorthand(bare, given, v)
    return _from_request(Request(pair[: -len(quote)], quote, None, expiry), given, v, pool)


def _lists_quote(v: Venue, quote: str) -> bool:
    return any(quote in sp.quotes for sp in v.symbols.kinds)


def _shorthand(req: Request, given: str, v: Venue) -> Instrument:
    sp = v.symbols.shorthand
    if sp is None:
        raise InvalidSymbolError(
            f"{v.name}: a bare base asset ({given!r}) names the venue's USDT perpetual, and "
            f"{v.name} lists none: write its id (e.g. {_examples(v)}) or ccxt's form"
        )
    return _instrument(v, sp, req.base, sp.quotes[0], None)


# -- a request to one kind --------------------------------------------------------------
def _from_request(req: Request, given: str, v: Venue, pool: Any) -> Instrument:
    if req.settle is None:
        kinds = ["linear", "inverse"]
    elif req.settle == req.quote:
        kinds = ["linear"]
    elif req.settle == req.base:
        kinds = ["inverse"]
    else:
        raise InvalidSymbolError(
            f"{v.name}: {given!r}: the settle coin {req.settle} is neither the base {req.base} nor the "
            f"quote {req.quote} (linear contracts settle in the quote, coin-margined in the base)"
        )
    dated = req.expiry is not None
    by_kind: dict[str, list[Instrument]] = {}
    for sp in v.symbols.kinds:
        if sp.kind in kinds and sp.dated == dated and req.quote in sp.quotes:
            base = req.base
            if sp.case_sensitive and req.written and re.fullmatch(sp.native, req.written):
                base = req.written  # the coin as written: kPEPE/USDC:USDC is kPEPE
            inst = _instrument(v, sp, base, req.quote, req.expiry)
            by_kind.setdefault(sp.kind, []).append(inst)
    if len(by_kind) > 1:
        raise _ambiguous(given, v, [i for found in by_kind.values() for i in found])
    if by_kind:
        return _choose(next(iter(by_kind.values())), given, v, pool)
    for kind in kinds:
        refusal = _refusal(v, kind, dated, req.quote)
        if refusal is not None:
            what = _describe(kind, req.quote, dated)
            shown = _ccxt_text(req, kind)
            raise InvalidSymbolError(f"{v.name}: {given!r} is {what} ({shown}): {refusal.reason}")
    if req.settle is None:  # a pair without a settle coin: USD-quoted reads as inverse
        kinds = ["inverse" if req.quote == "USD" else "linear"]
    what = _describe(kinds[0], req.quote, dated)
    raise InvalidSymbolError(
        f"{v.name}: {given!r} names {what} ({_ccxt_text(req, kinds[0])}); levkit reads "
        f"none on {v.name}, only: {_offer(v)}"
    )


def _choose(found: list[Instrument], given: str, v: Venue, pool: Any) -> Instrument:
    """One kind spelled more than one way (Bybit ``BTCPERP``): the first spelling, or the
    one the listing holds."""
    if pool is None or len(found) == 1:
        return found[0]
    held = [i for i in found if i.symbol in pool]
    if len(held) > 1:
        raise _ambiguous(given, v, held)
    return held[0] if held else found[0]


def _refusal(v: Venue, kind: str, dated: bool, quote: str) -> Refusal | None:
    return next((r for r in v.symbols.refused if r.covers(kind, dated, quote)), None)


def _instrument(
    v: Venue, sp: Spelling, base: str, quote: str, expiry: _dt.date | None
) -> Instrument:
    fields = date_fields(expiry) if expiry is not None else {}
    symbol = sp.template.format(base=base, quote=quote, **fields)
    if expiry is not None and "{mcode}" in sp.template:  # the id names the month only
        expiry = last_friday(expiry.year, expiry.month)
    return Instrument(
        symbol=symbol,
        exchange=v.name,
        base=base,
        quote=quote,
        settle=sp.settle_of(base, quote),
        kind=sp.kind,
        expiry=yymmdd(expiry) if expiry is not None else None,
        unit=sp.unit_of(base, quote),
        category=sp.category,
    )


def _listed(text: str, v: Venue) -> Instrument:
    """An id the venue itself listed: its spelling where levkit knows it, else read as the
    venue's shorthand kind, said in the log.  An id of a kind levkit refuses there raises
    (its unit would be a guess)."""
    found = _native(text, text, v)
    if found is not None:  # the venue's own spelling of it, kept as listed
        return found if found.symbol == text else replace(found, symbol=text)
    sp = v.symbols.shorthand or v.symbols.kinds[0]
    log.warning(
        "%s: listed id %r has no spelling levkit knows; read as a %s (unit %s)",
        v.name, text, sp.title, sp.unit_of(text, sp.quotes[0]),
    )  # fmt: skip
    return Instrument(
        text, v.name, text, sp.quotes[0], sp.settle_of(text, sp.quotes[0]), sp.kind, None,
        sp.unit_of(text, sp.quotes[0]), sp.category,
    )  # fmt: skip


def _not_listed(found: Instrument, v: Venue, pool: Any) -> Instrument:
    if any(sp.case_sensitive for sp in v.symbols.kinds):
        same = [s for s in pool if isinstance(s, str) and s.upper() == found.symbol.upper()]
        if len(same) == 1:
            return resolve(same[0], v, listed=pool)
    near = sorted(
        s for s in pool if isinstance(s, str) and s.upper().startswith(found.base.upper())
    )
    hint = f"; listed with base {found.base}: {', '.join(near[:8])}" if near else ""
    raise InvalidSymbolError(f"{v.name}: {found.symbol} ({found.ccxt}) is not listed{hint}")


# -- words ------------------------------------------------------------------------------
def _describe(kind: str, quote: str, dated: bool) -> str:
    what = "dated future" if dated else "perpetual"
    return f"a {'coin' if kind == 'inverse' else quote}-margined {what}"


def _ccxt_text(req: Request, kind: str) -> str:
    settle = req.settle or (req.quote if kind == "linear" else req.base)
    tail = f"-{yymmdd(req.expiry)}" if req.expiry is not None else ""
    return f"{req.base}/{req.quote}:{settle}{tail}"


def _offer(v: Venue) -> str:
    return "; ".join(f"{sp.title} ({sp.example})" if sp.example else sp.title
                     for sp in v.symbols.kinds)  # fmt: skip


def _examples(v: Venue) -> str:
    shown = [sp.example for sp in v.symbols.kinds if sp.example][:3]
    return ", ".join(repr(s) for s in shown) or repr(v.symbol_example)


def _ambiguous(given: str, v: Venue, found: list[Instrument]) -> InvalidSymbolError:
    names = " or ".join(f"{i.symbol} ({i.ccxt})" for i in found)
    forms = " or ".join(repr(i.ccxt) for i in found)
    return InvalidSymbolError(f"{v.name}: {given!r} is ambiguous: {names}; say {forms}")
