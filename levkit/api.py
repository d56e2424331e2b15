"""Thin module-level functions over the clients (cf. ``requests.api``)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Iterable
from typing import Any

import pandas as pd

from .wire import hide_args

__all__ = ["client_arguments", "client_for", "fetch_risk_limits"]

_NAMED = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def client_arguments(exchange: Any = None) -> frozenset[str]:
    """The keyword arguments a client takes, read from its constructor's signature (and,
    where it passes ``**kwargs`` on, from its bases'); for ``exchange=None``, those of
    every registered client.

    Examples
    --------
    >>> "address" in client_arguments("hyperliquid"), "address" in client_arguments("bybit")
    (True, False)
    >>> {"passphrase", "session", "timeout"} <= client_arguments()
    True
    """
    from .venues import client_class, names

    if exchange is None:
        return frozenset().union(*(client_arguments(n) for n in names()))
    return _signature_arguments(client_class(exchange))


@functools.cache
def _signature_arguments(cls: type) -> frozenset[str]:
    found: set[str] = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        params = list(inspect.signature(init).parameters.values())[1:]  # without self
        found.update(p.name for p in params if p.kind in _NAMED)
        if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
            break  # nothing more is passed on
    return frozenset(found)


def client_for(exchange: str, **kwargs: Any):
    """A client for any registry name (``lk.exchanges().index``); keys from the
    environment unless given."""
    from .venues import client_class

    kwargs = hide_args(kwargs)  # no plain secret in this frame's locals (tracebacks)
    cls = client_class(exchange)
    if "api_key" in kwargs or "api_secret" in kwargs:
        return cls(**kwargs)
    return cls.from_env(**kwargs)


def fetch_risk_limits(
    exchange: str | Iterable[str], symbol: str | Iterable[str] | None = None, **kwargs: Any
) -> pd.DataFrame:
    """The leverage ladder of ``exchange`` (any registry name) as a tiers frame.

    ``exchange`` (or ``symbol``) may be a list: the venues are then fetched concurrently,
    each paced by its published rate limits, into one frame; a venue that fails is named
    in ``attrs["errors"]`` and a warning, the others return (see
    :func:`levkit.fetch_many.fetch_many` for ``clients=``, ``fallback="snapshot"`` and
    ``progress=``).  A single name and symbol behave as a single client call.

    Client arguments (``testnet``, ``base_url``, ``session``, ``timeout``...) and method
    arguments (``category``, ``refresh``) may both be passed.  Where the ladder is public
    (``lk.exchanges().public_ladder``) no keys are needed; elsewhere keys come from
    ``<PREFIX>_API_KEY`` / ``_API_SECRET`` (or ``api_key=``/``api_secret=``).  A venue
    whose API publishes no ladder (BingX) raises a :class:`~levkit.LevkitError` saying how
    to get one.

    Examples
    --------
    >>> lk.fetch_risk_limits("bybit", "BTCUSDT")  # doctest: +SKIP
    >>> lk.fetch_risk_limits(["bybit", "okx", "hyperliquid"], ["BTC", "ETH"])  # doctest: +SKIP
    """
    kwargs = hide_args(kwargs)  # no plain secret in this frame's locals (tracebacks)
    if not isinstance(exchange, str) or not (symbol is None or isinstance(symbol, str)):
        from .fetch_many import fetch_many

        names = [exchange] if isinstance(exchange, str) else exchange
        return fetch_many(names, symbol, **kwargs)
    takes = client_arguments(exchange)
    client_kw = {k: kwargs.pop(k) for k in list(kwargs) if k in takes}
    client = client_for(exchange, **client_kw)
    method = client.risk_limits
    unknown = set(kwargs) - set(inspect.signature(method).parameters)
    if unknown:
        raise TypeError(f"fetch_risk_limits got unexpected arguments {sorted(unknown)}")
    return method(symbol, **kwargs)
