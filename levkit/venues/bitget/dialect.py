"""Bitget v2 signing and envelope [G4]: what the transport asks.

``ACCESS-SIGN`` = base64(HMAC-SHA256(secret, timestamp + METHOD + path [+ "?" + query] + body)),
with ``ACCESS-KEY``, ``ACCESS-PASSPHRASE``, ``ACCESS-TIMESTAMP`` (ms) and ``locale``.  One copy
of the signature page wants the query string key-sorted and its example is not; ccxt sorts
[G6]: levkit sends (and signs) the query sorted by key.  POST bodies are compact JSON.

Envelope ``{"code": "00000", "msg": "success", "requestTime": ..., "data": ...}``; errors come
with another ``code`` (HTTP 400 or 429).  Clock skew (40004/40008, "Request timestamp
expired") makes the transport sync with ``GET /api/v2/public/time`` and retry once.
Bitget publishes no rate-limit or ``Retry-After`` headers [G7]: only a standard
``Retry-After``, if ever sent, is honoured.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from ...errors import AuthenticationError, ExchangeError, ParseError
from ...http.signing import format_value, hmac_b64
from ...http.wire import Credentials, Prepared, retry_after_header
from .._dialect import (
    ELIDED,
    Envelope,
    EnvelopeCheck,
    first_ms,
    preview_headers,
    query_or_json,
)
from .spec import VENUE

__all__ = ["BitgetDialect", "bitget_error", "prehash", "sign", "sorted_query"]

SERVER_TIME = VENUE.endpoint("time").path
PASSPHRASE_ELIDED = "<passphrase: not shown>"


def sorted_query(params: Mapping[str, Any]) -> str:
    """The query string as sent: keys sorted, values URL-encoded.

    >>> sorted_query({"symbol": "BTCUSDT", "limit": 20})
    'limit=20&symbol=BTCUSDT'
    """
    return urlencode(sorted((k, format_value(v)) for k, v in params.items()))


def prehash(timestamp: int | str, method: str, path: str, query: str = "", body: str = "") -> str:
    """The string Bitget signs [G4].

    >>> prehash(16273667805456, "GET", "/api/mix/v2/market/depth", "limit=20&symbol=BTCUSDT")
    '16273667805456GET/api/mix/v2/market/depth?limit=20&symbol=BTCUSDT'
    """
    return f"{timestamp}{method.upper()}{path}{'?' + query if query else ''}{body or ''}"


def sign(secret: str, message: str) -> str:
    """base64 HMAC-SHA256 of ``message`` under ``secret`` (``ACCESS-SIGN``)."""
    return hmac_b64(secret, message)


def bitget_error(code: int, message: str, endpoint: str) -> ExchangeError:
    """The levkit exception for a Bitget ``code``, from the spec's error table."""
    return VENUE.error(code, message, endpoint)


class BitgetDialect(EnvelopeCheck):
    """Signing and envelope rules of Bitget v2.

    Parameters
    ----------
    demo : bool
        Demo trading: every request carries ``paptrading: 1`` [G5].
    """

    exchange = VENUE.name
    server_time_path = SERVER_TIME
    skew_codes = frozenset({40004, 40008})
    envelope = Envelope(
        "code",
        "data",
        {"msg": "", "requestTime": None},
        lambda code, p, endpoint: bitget_error(code, str(p.get("msg") or ""), endpoint),
    )

    def __init__(self, demo: bool = False):
        self.demo = bool(demo)

    def prepare(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any],
        *,
        credentials: Credentials | None,
        timestamp_ms: int,
        recv_window: int,
    ) -> tuple[str, str | None, dict[str, str]]:
        headers: dict[str, str] = {"locale": "en-US"}
        if self.demo:
            headers["paptrading"] = "1"
        query, body, content = query_or_json(method, params, sorted_query)
        headers.update(content)
        if credentials is not None:
            if not credentials.passphrase:
                raise AuthenticationError(
                    "Bitget needs a passphrase with the key (set BITGET_PASSPHRASE)",
                    exchange=VENUE.name,
                    endpoint=path,
                )
            headers.update(
                {
                    "ACCESS-KEY": credentials.api_key,
                    "ACCESS-SIGN": sign(
                        credentials.secret, prehash(timestamp_ms, method, path, query, body or "")
                    ),
                    "ACCESS-TIMESTAMP": str(timestamp_ms),
                    "ACCESS-PASSPHRASE": credentials.passphrase,
                    "Content-Type": "application/json",
                }
            )
        return query, body, headers

    def rate_limit(self, headers: Mapping[str, str]) -> dict[str, Any]:
        return {}  # Bitget sends no rate-limit headers [G7]

    def retry_after(self, headers: Mapping[str, str], now_ms: int) -> float | None:
        return retry_after_header(headers)

    def server_time(self, payload: Any) -> int:
        """``data.serverTime`` of ``/api/v2/public/time``, else the envelope's ``requestTime``."""
        data = payload.get("result", payload.get("data"))
        candidates = [data.get("serverTime")] if isinstance(data, dict) else [data]
        candidates.append(payload.get("requestTime"))
        ms = first_ms(candidates)
        if ms is not None:
            return ms
        raise ParseError(f"bitget {SERVER_TIME}: no server time in the answer")

    def preview(self, prepared: Prepared) -> tuple[str, dict[str, str], str | None]:
        return preview_headers(
            prepared, "ACCESS-KEY", {"ACCESS-SIGN": ELIDED, "ACCESS-PASSPHRASE": PASSPHRASE_ELIDED}
        )
