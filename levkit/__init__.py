"""levkit: how leverage trades off against the largest position you may hold.

>>> import levkit as lk
>>> tiers = lk.load_snapshot("bingx", "BTC-USDT")
>>> lk.max_position_value(tiers, 20)      # USDT: the largest position allowed at 20x
100000000.0
>>> lk.best_leverage(tiers, balance=10_000)
80.0

Heavy modules (the exchange clients, matplotlib, ipywidgets) load on first use.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

from . import accessor as _accessor  # noqa: F401  (registers DataFrame.lev)
from .errors import (
    AuthenticationError,
    ExchangeError,
    ExchangeLeverageError,
    InvalidLeverageError,
    InvalidNotionalError,
    InvalidPositionError,
    InvalidSymbolError,
    LevkitError,
    ParseError,
    PositionModeError,
    RateLimitError,
    TransportError,
)

logging.getLogger("levkit").addHandler(logging.NullHandler())

__version__ = "0.3.0"

_LAZY = {
    "exchanges": "levkit.venues",
    "fetch_risk_limits": "levkit.api",
    "compare": "levkit.comparison",
    "from_ccxt": "levkit.fetch.ccxt_bridge",
    "load_snapshot": "levkit.snapshot",
    "max_position_value": "levkit.model",
    "max_leverage": "levkit.model",
    "margin": "levkit.model",
    "tradeoff": "levkit.model",
    "capacity": "levkit.model",
    "best_leverage": "levkit.model",
    "ladders": "levkit.model",
    "merge_tiers": "levkit.model",
    "LadderWarning": "levkit.errors",
    "StaleDataWarning": "levkit.errors",
    "save_snapshot": "levkit.snapshot",
    "ladder_history": "levkit.snapshot",
    "diff_ladders": "levkit.snapshot",
    "changes": "levkit.snapshot",
    "plot_risk_limits": "levkit.plots",
    "plot_capacity": "levkit.plots",
    "LeverageControl": "levkit.control",
    "normalize_symbol": "levkit.venues",
    "liquidation_price": "levkit.liquidation",
    "leverage_for": "levkit.model",
    "plot_liquidation": "levkit.plots",
}


def _client_names() -> dict[str, str]:
    """Client class name -> registry name, for every venue (``lk.Bybit``, ``lk.OKX``...)."""
    from .venues import venues

    return {v.client.rpartition(":")[2]: v.name for v in venues()}


__all__ = [
    "LevkitError",
    "ExchangeError",
    "AuthenticationError",
    "RateLimitError",
    "InvalidLeverageError",
    "InvalidNotionalError",
    "InvalidPositionError",
    "ExchangeLeverageError",
    "InvalidSymbolError",
    "ParseError",
    "PositionModeError",
    "TransportError",
    *_LAZY,
    *_client_names(),
]

if TYPE_CHECKING:  # pragma: no cover
    # Every lazy name (``_LAZY``) and every client (the registry), so type checkers see
    # ``lk.OKX`` and ``lk.margin``; tests/test_registry.py checks this block against both.
    from .api import fetch_risk_limits
    from .comparison import compare
    from .control import LeverageControl
    from .errors import LadderWarning, StaleDataWarning
    from .fetch.ccxt_bridge import from_ccxt
    from .liquidation import liquidation_price
    from .model import (
        best_leverage,
        capacity,
        ladders,
        leverage_for,
        margin,
        max_leverage,
        max_position_value,
        merge_tiers,
        tradeoff,
    )
    from .plots import plot_capacity, plot_liquidation, plot_risk_limits
    from .snapshot import changes, diff_ladders, ladder_history, load_snapshot, save_snapshot
    from .venues import exchanges, normalize_symbol
    from .venues.binance.client import Binance
    from .venues.binance_coinm.client import BinanceCoinM
    from .venues.bingx.client import BingX
    from .venues.bitget.client import Bitget
    from .venues.bybit.client import Bybit
    from .venues.bybit_legacy.client import BybitLegacy
    from .venues.gate.client import Gate
    from .venues.hyperliquid.client import Hyperliquid
    from .venues.okx.client import OKX


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is not None:
        value = getattr(importlib.import_module(module), name)
    elif name in _client_names():
        from .venues import client_class

        value = client_class(_client_names()[name])
    else:
        raise AttributeError(f"module 'levkit' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | set(_client_names()))
