"""Binance COIN-M signing and errors: USDⓈ-M's, for the ``dapi`` API.

COIN-M's general-info page states the same rules as USDⓈ-M's ([C3] in ``spec.py``): HMAC-SHA256
of the exact parameter text with ``signature`` last, ``X-MBX-APIKEY``, ``timestamp`` and
``recvWindow`` (default 5000; rejected when ``timestamp >= serverTime + 1000`` or older than
the window), errors ``{"code": -1121, "msg": "Invalid symbol."}``, ``X-MBX-USED-WEIGHT-1M``.
The docs' "Example 3" signature (mixed query and body) reproduces with levkit's signer
(``tests/venues/test_binance_coinm.py``).  Server time: ``GET /dapi/v1/time``.

>>> BinanceCoinMDialect.exchange, BinanceCoinMDialect.server_time_path
('binance-coinm', '/dapi/v1/time')
"""

from __future__ import annotations

from ..binance.dialect import BinanceDialect
from .spec import VENUE

__all__ = ["BinanceCoinMDialect"]


class BinanceCoinMDialect(BinanceDialect):
    """:class:`~levkit.venues.binance.dialect.BinanceDialect` for COIN-M's declaration."""

    venue = VENUE
