"""Venue-free HMAC helpers and the wire form of a parameter value.

Each venue's signature recipe lives in its own ``levkit/venues/<name>/dialect.py`` (Bybit
v5: ``bybit_v5_signature``; BingX: ``bingx_signature``; ...), built from :func:`hmac_hex`
/ :func:`hmac_b64` over exactly what goes on the wire: the transport builds the query
string or body once, signs it, and sends that same text.  The simulator verifies with the
same functions.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from typing import Any

__all__ = ["format_value", "hmac_b64", "hmac_hex", "hmac_sha256_hex"]


def hmac_hex(secret: str, message: str, digest: Callable[..., Any] = hashlib.sha256) -> str:
    """Lowercase hex HMAC of ``message`` under ``secret`` (SHA-256 unless ``digest`` says).

    >>> hmac_hex("key", "The quick brown fox jumps over the lazy dog")[:16]
    'f7bc83f430538424'
    """
    return hmac.new(secret.encode(), message.encode(), digest).hexdigest()


def hmac_b64(secret: str, message: str, digest: Callable[..., Any] = hashlib.sha256) -> str:
    """base64 of the HMAC of ``message`` under ``secret`` (SHA-256 unless ``digest`` says).

    >>> hmac_b64("key", "The quick brown fox jumps over the lazy dog")
    '97yD9DBThCSxMpjmqm+xQ+9NWaFJRhdZl0edvC0aPNg='
    """
    return base64.b64encode(hmac.new(secret.encode(), message.encode(), digest).digest()).decode()


def hmac_sha256_hex(secret: str, message: str) -> str:
    """Lowercase hex HMAC-SHA256 of ``message`` under ``secret``."""
    return hmac_hex(secret, message)


def format_value(value: Any) -> str:
    """How a parameter value is written on the wire: bools lowercase, floats without
    a trailing ``.0`` when integral, everything else ``str``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
