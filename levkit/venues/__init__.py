"""The registry: every exchange API levkit speaks, each declared once in its own folder.

``levkit/venues/<name>/spec.py`` holds a :class:`~levkit.venues._spec.Venue` (data only);
the folder's ``client.py``, ``dialect.py``, ``parse.py`` and ``sim.py`` implement it.
This module maps names (and aliases) to those declarations, loading each spec on first
use, and answers the questions the rest of levkit asks: which client, which symbol
spelling, which simulator handler, what the venue can do.

Adding a venue: ``docs/adding-an-exchange.md``; its one line is :data:`NAMES` in
:mod:`levkit.venues.registry` (which resolution reads too, so it lives apart).

Examples
--------
>>> venue("BYBIT").name, venue("bybit_legacy").name
('bybit', 'bybit-legacy')
>>> "bingx" in names()
True
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ..symbols import Instrument
from ._resolve import listed_instrument, resolve, unit_of, units_of
from ._spec import (
    CONTRACT_KINDS,
    Capabilities,
    Endpoint,
    ErrorRule,
    LiquidationRule,
    MarginRule,
    RateLimit,
    Refusal,
    Spelling,
    SymbolRule,
    Venue,
)
from .registry import NAMES, find, names, venue, venues

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..client import Client

__all__ = [
    "CONTRACT_KINDS",
    "GENERIC_MAINTENANCE",
    "NAMES",
    "Capabilities",
    "Endpoint",
    "ErrorRule",
    "Instrument",
    "LiquidationRule",
    "MarginRule",
    "RateLimit",
    "Refusal",
    "Spelling",
    "SymbolRule",
    "Venue",
    "client_class",
    "exchanges",
    "find",
    "listed_instrument",
    "maintenance_rule",
    "names",
    "normalize_symbol",
    "resolve",
    "unit_of",
    "units_of",
    "venue",
    "venues",
]

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


def client_class(name: Any) -> type[Client]:
    """The client class of ``name`` (imported on first use)."""
    module, _, cls = venue(name).client.partition(":")
    return getattr(importlib.import_module(module), cls)


def normalize_symbol(symbol: str, exchange: Any) -> str:
    """``symbol`` in the exchange's own spelling: ``resolve(symbol, exchange).symbol``.

    The exchange's own id passes unchanged (USDC perpetuals, dated futures, coin-margined
    contracts where the venue lists them); ccxt's form, lower case, another separator, or
    a bare base asset (``"BTC"``: its USDT-margined perpetual) are rewritten.  A symbol
    naming an instrument the venue does not carry raises :class:`~levkit.InvalidSymbolError`
    (:func:`resolve` says why); whether the venue lists it today is for the venue to say.

    Examples
    --------
    >>> normalize_symbol("BTC/USDT:USDT", "bingx"), normalize_symbol("btc-usdt", "bybit")
    ('BTC-USDT', 'BTCUSDT')
    >>> normalize_symbol("BTCPERP", "bybit"), normalize_symbol("BTCUSDT-26DEC25", "bybit")
    ('BTCPERP', 'BTCUSDT-26DEC25')
    >>> normalize_symbol("BTC", "bybit"), normalize_symbol("BTC/USDT:USDT-251226", "bybit")
    ('BTCUSDT', 'BTCUSDT-26DEC25')
    """
    return resolve(symbol, exchange).symbol


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
