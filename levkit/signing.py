"""HMAC helpers and Bybit's and BingX's signature schemes, as pure functions of
bytes-to-be-sent.

Each scheme returns the lowercase hex HMAC-SHA256 of exactly what goes on the wire; the
transport builds the query string or body once, signs it, and sends that same text.
The simulator verifies with these same functions.  The other venues build their
signatures from :func:`hmac_hex` / :func:`hmac_b64` in their ``dialect.py``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Mapping
from typing import Any

__all__ = [
    "hmac_b64",
    "hmac_hex",
    "hmac_sha256_hex",
    "bybit_v5_string_to_sign",
    "bybit_v5_signature",
    "bybit_v2_param_string",
    "bybit_v2_signature",
    "bingx_param_string",
    "bingx_signature",
    "format_value",
]


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


def bybit_v5_string_to_sign(
    timestamp: int | str, api_key: str, recv_window: int | str, payload: str
) -> str:
    """``timestamp + api_key + recv_window + payload`` (payload: query string or JSON body)."""
    return f"{timestamp}{api_key}{recv_window}{payload}"


def bybit_v5_signature(
    secret: str, timestamp: int | str, api_key: str, recv_window: int | str, payload: str
) -> str:
    """``X-BAPI-SIGN`` for Bybit v5."""
    return hmac_sha256_hex(
        secret, bybit_v5_string_to_sign(timestamp, api_key, recv_window, payload)
    )


def bybit_v2_param_string(params: Mapping[str, Any]) -> str:
    """Bybit v2: all parameters (including ``api_key`` and ``timestamp``) sorted by name,
    joined ``k=v&k=v``; ``sign`` itself is left out."""
    return "&".join(f"{k}={format_value(params[k])}" for k in sorted(params) if k != "sign")


def bybit_v2_signature(secret: str, params: Mapping[str, Any]) -> str:
    """The ``sign`` parameter for Bybit's v2 endpoints."""
    return hmac_sha256_hex(secret, bybit_v2_param_string(params))


def bingx_param_string(params: Mapping[str, Any]) -> str:
    """BingX: parameters in the order given, joined ``k=v&k=v`` (no sorting, no encoding:
    levkit only sends symbols, numbers and words, which need none)."""
    return "&".join(f"{k}={format_value(v)}" for k, v in params.items() if k != "signature")


def bingx_signature(secret: str, param_string: str) -> str:
    """The ``signature`` parameter for BingX: HMAC of the parameter string as sent."""
    return hmac_sha256_hex(secret, param_string)
