"""Thin module-level functions over the clients (cf. ``requests.api``)."""

from __future__ import annotations

import inspect
from typing import Any

import pandas as pd

from .errors import AuthenticationError

__all__ = ["fetch_risk_limits", "client_for"]

_CLIENT_ARGS = {
    "api_key",
    "api_secret",
    "testnet",
    "base_url",
    "session",
    "recv_window",
    "timeout",
    "max_retries",
    "clock",
    "sleep",
    "cache_ttl",
    "progress",
}


def client_for(exchange: str, **kwargs: Any):
    """A client for ``"bybit"``, ``"bybit-legacy"`` or ``"bingx"``; keys from the
    environment unless given."""
    name = str(exchange).lower()
    if name == "bybit":
        from .exchanges.bybit import Bybit as cls
    elif name == "bingx":
        from .exchanges.bingx import BingX as cls
    elif name in ("bybit-legacy", "bybit_legacy", "bybitlegacy"):
        from .exchanges.bybit_legacy import BybitLegacy as cls
    else:
        raise ValueError(f"unknown exchange {exchange!r}: expected 'bybit' or 'bingx'")
    if "api_key" in kwargs or "api_secret" in kwargs:
        return cls(**kwargs)
    return cls.from_env(**kwargs)


def fetch_risk_limits(exchange: str, symbol: str | None = None, **kwargs: Any) -> pd.DataFrame:
    """Risk-limit tiers of ``exchange`` (``"bybit"`` or ``"bingx"``) as a tiers frame.

    Client arguments (``testnet``, ``base_url``, ``session``, ``timeout``...) and method
    arguments (``category``, ``refresh``) may both be passed.  Bybit needs no keys.  BingX
    publishes its margin bands only to signed calls: keys come from ``BINGX_API_KEY`` /
    ``BINGX_API_SECRET`` (or ``api_key=``/``api_secret=``).

    Examples
    --------
    >>> lk.fetch_risk_limits("bybit", "BTCUSDT")  # doctest: +SKIP
    """
    client_kw = {k: kwargs.pop(k) for k in list(kwargs) if k in _CLIENT_ARGS}
    client = client_for(exchange, **client_kw)
    if client.exchange == "bingx":
        if not client.has_keys:
            raise AuthenticationError(
                "BingX serves its risk-limit bands only to signed calls: set BINGX_API_KEY and "
                "BINGX_API_SECRET. Without keys use lk.load_snapshot('bingx', symbol) for the "
                "shipped ladder, or lk.BingX(key, secret).discover_tiers(symbol) to probe it",
                exchange="bingx",
            )
        if symbol is None:
            raise ValueError("BingX needs a symbol, e.g. fetch_risk_limits('bingx', 'BTC-USDT')")
    method = client.risk_limits
    unknown = set(kwargs) - set(inspect.signature(method).parameters)
    if unknown:
        raise TypeError(f"fetch_risk_limits got unexpected arguments {sorted(unknown)}")
    return method(symbol, **kwargs)
