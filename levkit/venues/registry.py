"""The registry's table: registry name -> the folder declaring that venue, and the look-ups
by name or alias (resolution and the rest of :mod:`levkit.venues` read it).

>>> venue("BYBIT").name, find("kucoinfutures")
('bybit', None)
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any

from ._spec import Venue

__all__ = ["NAMES", "find", "names", "venue", "venues"]

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
    spec = importlib.import_module(f"levkit.venues.{NAMES[name]}.spec").VENUE
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


def venues() -> tuple[Venue, ...]:
    """Every declaration, in registry order."""
    return tuple(_load(n) for n in NAMES)
