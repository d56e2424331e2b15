"""Thin module-level functions over the clients (cf. ``requests.api``).

``client_for`` and ``client_arguments`` live in :mod:`levkit.client.build` (re-exported).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from typing import Any

import pandas as pd

from .client.build import client_arguments, client_for
from .http.wire import hide_args

__all__ = ["client_arguments", "client_for", "fetch_risk_limits"]


def fetch_risk_limits(
    exchange: str | Iterable[str], symbol: str | Iterable[str] | None = None, **kwargs: Any
) -> pd.DataFrame:
    """The leverage ladder of ``exchange`` (any registry name) as a tiers frame.

    ``exchange`` (or ``symbol``) may be a list: the venues are then fetched concurrently,
    each paced by its published rate limits, into one frame; a venue that fails is named
    in ``attrs["errors"]`` and a warning, the others return (see
    :func:`levkit.fetch.many.fetch_many` for ``clients=``, ``fallback="snapshot"`` and
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
        from .fetch.many import fetch_many  # on use: the thread pool and tqdm

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
