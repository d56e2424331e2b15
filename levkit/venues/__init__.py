"""The registry: every exchange API levkit speaks, each declared once in its own folder.

``levkit/venues/<name>/spec.py`` holds a :class:`~levkit.venues._spec.Venue` (data only);
the folder's ``client.py``, ``dialect.py``, ``parse.py`` and ``sim.py`` implement it.
This module maps names (and aliases) to those declarations, loading each spec on first
use, and answers the questions the rest of levkit asks: which client, which symbol
spelling, which simulator handler, what the venue can do.

Adding a venue: ``docs/adding-an-exchange.md``; the one line here is :data:`NAMES`.

Examples
--------
>>> venue("BYBIT").name, venue("bybit_legacy").name
('bybit', 'bybit-legacy')
>>> "bingx" in names()
True
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import TYPE_CHECKING, Any

from ..errors import InvalidSymbolError
from ._spec import (
    CONTRACT_KINDS,
    Capabilities,
    Endpoint,
    ErrorRule,
    LiquidationRule,
    MarginRule,
    RateLimit,
    SymbolRule,
    Venue,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "CONTRACT_KINDS",
    "GENERIC_MAINTENANCE",
    "NAMES",
    "Capabilities",
    "Endpoint",
    "ErrorRule",
    "LiquidationRule",
    "MarginRule",
    "RateLimit",
    "SymbolRule",
    "Venue",
    "client_class",
    "exchanges",
    "find",
    "maintenance_rule",
    "names",
    "normalize_symbol",
    "venue",
    "venues",
]

#: Registry name -> the folder (package under ``levkit.venues``) that declares it.
#: Adding a venue adds one line here.
NAMES: dict[str, str] = {
    "bybit": "bybit",
    "bybit-legacy": "bybit_legacy",
    "bingx": "bingx",
    "binance": "binance",
    "binance-coinm": "binance_coinm",
    "okx": "okx",
    "bitget": "bitget",
    "gate": "gate",
    "hyperliquid": "hyperliquid",
}


@cache
def _load(name: str) -> Venue:
    spec = importlib.import_module(f"{__name__}.{NAMES[name]}.spec").VENUE
    if spec.name != name:  # pragma: no cover - a wrong registry line
        raise RuntimeError(f"levkit.venues.{NAMES[name]}.spec declares {spec.name!r}, not {name!r}")
    return spec


@cache
def _aliases() -> dict[str, str]:
    out: dict[str, str] = {}
    for name in NAMES:
        out[name] = name
        out[NAMES[name]] = name
        for alias in _load(name).aliases:
            out[alias.lower()] = name
    return out


def names() -> tuple[str, ...]:
    """The registry names, in registry order."""
    return tuple(NAMES)


def venue(name: Any) -> Venue:
    """The declaration of ``name`` (any case, or an alias); ``ValueError`` listing the
    known names otherwise."""
    if isinstance(name, Venue):
        return name
    found = find(name)
    if found is None:
        raise ValueError(f"unknown exchange {name!r}: expected one of {', '.join(NAMES)}")
    return found


def find(name: Any) -> Venue | None:
    """The declaration of ``name`` (any case, or an alias), or None for a name outside the
    registry (a ccxt id such as ``kucoinfutures``).

    >>> find("okex").name, find("kucoinfutures")
    ('okx', None)
    """
    key = name.strip().lower() if isinstance(name, str) else None
    found = _aliases().get(key) if key is not None else None
    return None if found is None else _load(found)


#: The maintenance-margin rule of a venue outside the registry: the frame's deduction where
#: it has one, else the continuity recursion (PUBLIC_API 0.3, "One answer whatever the road").
GENERIC_MAINTENANCE = MarginRule(
    "published", source="levkit: venues outside the registry use the continuity recursion"
)


def maintenance_rule(name: Any) -> MarginRule:
    """The maintenance-margin rule of ``name``: its venue's declaration, or
    :data:`GENERIC_MAINTENANCE` outside the registry.

    >>> maintenance_rule("okx").deduction, maintenance_rule("kucoinfutures").deduction
    ('none', 'published')
    """
    found = find(name)
    if found is None or found.maintenance is None:
        return GENERIC_MAINTENANCE
    return found.maintenance


def venues() -> tuple[Venue, ...]:
    """Every declaration, in registry order."""
    return tuple(_load(n) for n in NAMES)


def client_class(name: Any) -> type:
    """The client class of ``name`` (imported on first use)."""
    module, _, cls = venue(name).client.partition(":")
    return getattr(importlib.import_module(module), cls)


def normalize_symbol(symbol: str, exchange: Any) -> str:
    """``symbol`` in the exchange's own spelling.

    A symbol the exchange itself could list (its native pattern: USDC perpetuals, dated
    futures, inverse) passes through unchanged; only unified spellings are rewritten:
    the ccxt form ``BTC/USDT:USDT``, lower case, a dash or slash where the exchange has
    none, or a bare base asset (``"BTC"``: its USDT-margined perpetual).  Whether the
    exchange really lists it is for the exchange to say.

    Examples
    --------
    >>> normalize_symbol("BTC/USDT:USDT", "bingx"), normalize_symbol("btc-usdt", "bybit")
    ('BTC-USDT', 'BTCUSDT')
    >>> normalize_symbol("BTCPERP", "bybit"), normalize_symbol("BTCUSDT-26DEC25", "bybit")
    ('BTCPERP', 'BTCUSDT-26DEC25')
    >>> normalize_symbol("BTC", "bybit")
    'BTCUSDT'
    """
    from ..symbols import parse_symbol

    rule = venue(exchange).symbols
    if not isinstance(symbol, str):
        raise InvalidSymbolError(
            f"a symbol is a string such as {venue(exchange).symbol_example!r}, "
            f"not {type(symbol).__name__}"
        )
    text = symbol.strip()
    if rule.is_native(text):
        return text
    if text.isascii() and text.isalnum() and rule.is_native(text.upper()):
        return text.upper()
    market = parse_symbol(text, default_quote=rule.default_quote)
    if rule.base_only:
        return market.base
    return rule.spell(market.base, market.quote)


def exchanges() -> pd.DataFrame:
    """Every supported API as a frame, one row per venue, indexed by name.

    Columns: ``name``, ``client``, ``title``, ``public_ladder``, ``set_leverage``,
    ``hedge_mode``, ``leverage_step``, ``margin_bands``, ``discover_tiers``,
    ``symbol_example``, ``quote``, ``env_prefix``, ``mainnet``, ``testnet``, ``aliases``.

    Examples
    --------
    >>> import levkit as lk
    >>> row = lk.exchanges().loc["bingx"]
    >>> bool(row.public_ladder), bool(row.set_leverage), float(row.leverage_step)
    (False, True, 1.0)
    """
    import pandas as pd

    rows = []
    for v in venues():
        c = v.capabilities
        rows.append(
            {
                "name": v.name,
                "client": v.client.rpartition(":")[2],
                "title": v.title,
                "public_ladder": c.public_ladder,
                "set_leverage": c.set_leverage,
                "hedge_mode": c.hedge_mode,
                "leverage_step": float(c.leverage_step),
                "margin_bands": c.margin_bands,
                "discover_tiers": c.discover_tiers,
                "symbol_example": v.symbol_example,
                "quote": v.quote,
                "env_prefix": v.env_prefix,
                "mainnet": v.hosts.get("mainnet", ""),
                "testnet": v.hosts.get("testnet", v.hosts.get("demo", "")),
                "aliases": ", ".join(v.aliases),
            }
        )
    return pd.DataFrame(rows).set_index("name", drop=False).rename_axis(None)
