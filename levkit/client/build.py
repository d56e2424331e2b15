"""A client for any registry name, and the keyword arguments each client takes (read from
the constructors' signatures, so no list is kept by hand).

Examples
--------
>>> client_for("bybit", testnet=True).host
'https://api-testnet.bybit.com'
"""

from __future__ import annotations

import functools
import inspect
from typing import Any

from ..http.wire import hide_args
from ..venues import client_class, names
from .base import Client

__all__ = ["client_arguments", "client_for"]

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
    if exchange is None:
        return frozenset().union(*(client_arguments(n) for n in names()))
    return _arguments_of(client_class(exchange).venue.name)


@functools.cache
def _arguments_of(name: str) -> frozenset[str]:
    return _signature_arguments(client_class(name))


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


def client_for(exchange: str, **kwargs: Any) -> Client:
    """A client for any registry name (``lk.exchanges().index``); keys from the
    environment unless given."""
    kwargs = hide_args(kwargs)  # no plain secret in this frame's locals (tracebacks)
    cls = client_class(exchange)
    if "api_key" in kwargs or "api_secret" in kwargs:
        return cls(**kwargs)
    return cls.from_env(**kwargs)
