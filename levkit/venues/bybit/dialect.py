"""Bybit v5 signing and envelope (see ``API_NOTES.md``): what the transport asks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...errors import ExchangeError, ParseError
from ...http.signing import hmac_sha256_hex
from ...http.wire import Credentials, Prepared
from .._dialect import (
    ELIDED,
    Envelope,
    EnvelopeCheck,
    preview_headers,
    query_or_json,
    rate_headers,
    reset_retry_after,
)
from .spec import VENUE

__all__ = [
    "BybitDialect",
    "bybit_error",
    "bybit_v5_signature",
    "bybit_v5_string_to_sign",
    "RATE_HEADERS",
]


def bybit_v5_string_to_sign(
    timestamp: int | str, api_key: str, recv_window: int | str, payload: str
) -> str:
    """``timestamp + api_key + recv_window + payload`` (payload: the query string of a GET,
    the JSON body of a POST), docs v5 "Integration guidance" (guide.mdx).

    >>> bybit_v5_string_to_sign(1658384314791, "XXXXXXXXXX", 5000, "category=option")
    '1658384314791XXXXXXXXXX5000category=option'
    """
    return f"{timestamp}{api_key}{recv_window}{payload}"


def bybit_v5_signature(
    secret: str, timestamp: int | str, api_key: str, recv_window: int | str, payload: str
) -> str:
    """``X-BAPI-SIGN``: lowercase hex HMAC-SHA256 of the string to sign."""
    return hmac_sha256_hex(
        secret, bybit_v5_string_to_sign(timestamp, api_key, recv_window, payload)
    )


#: What each rate-limit header of an answer says (v5 "Rate limit" docs).
RATE_HEADERS = {
    "limit": "X-Bapi-Limit",
    "remaining": "X-Bapi-Limit-Status",
    "reset_ms": "X-Bapi-Limit-Reset-Timestamp",
}


def bybit_error(code: int, message: str, endpoint: str) -> ExchangeError:
    """The levkit exception for a Bybit v5 ``retCode``, from the spec's error table."""
    return VENUE.error(code, message, endpoint)


class BybitDialect(EnvelopeCheck):
    """Signing and envelope rules of Bybit v5 (see API_NOTES.md)."""

    exchange = VENUE.name
    server_time_path = VENUE.endpoint("time").path
    skew_codes = frozenset({10002})
    envelope = Envelope(
        "retCode",
        "result",
        {"time": None, "retMsg": ""},
        lambda code, p, endpoint: bybit_error(code, str(p.get("retMsg", "")), endpoint),
    )

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
        query, body, headers = query_or_json(method, params)
        payload = query if body is None else body
        if credentials is not None:
            headers.update(
                {
                    "X-BAPI-API-KEY": credentials.api_key,
                    "X-BAPI-TIMESTAMP": str(timestamp_ms),
                    "X-BAPI-RECV-WINDOW": str(recv_window),
                    "X-BAPI-SIGN": bybit_v5_signature(
                        credentials.secret, timestamp_ms, credentials.api_key, recv_window, payload
                    ),
                    "X-BAPI-SIGN-TYPE": "2",
                }
            )
        return query, body, headers

    def rate_limit(self, headers: Mapping[str, str]) -> dict[str, Any]:
        return rate_headers(headers, RATE_HEADERS)

    def retry_after(self, headers: Mapping[str, str], now_ms: int) -> float | None:
        return reset_retry_after(headers, now_ms, self.rate_limit(headers))

    def server_time(self, payload: Any) -> int:
        result = payload.get("result") or {}
        result = result if isinstance(result, dict) else {}
        for value, per_ms in (
            (result.get("timeNano"), 1_000_000),
            (payload.get("time"), 1),
            (result.get("timeSecond"), 0.001),
        ):
            if value in (None, "") or isinstance(value, bool):
                continue
            try:
                return int(int(value) // per_ms) if per_ms >= 1 else int(value) * 1000
            except (TypeError, ValueError, OverflowError):
                continue
        raise ParseError("bybit /v5/market/time: no server time in the answer")

    def preview(self, prepared: Prepared) -> tuple[str, dict[str, str], str | None]:
        return preview_headers(prepared, "X-BAPI-API-KEY", {"X-BAPI-SIGN": ELIDED})
