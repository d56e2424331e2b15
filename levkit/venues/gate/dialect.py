"""Gate API v4 signing and answers: what the transport asks (``levkit.http.wire.Dialect``).

Signing ([T5] www.gate.io/docs/futures/api/index.html, the v4 docs' "APIv4 signed
request" samples; ``../shared/API_NOTES_VENUES.md``): headers ``KEY``, ``Timestamp``
(epoch SECONDS) and ``SIGN`` = hex HMAC-SHA512(secret, string to sign) with::

    METHOD \\n /api/v4/path \\n query string (as sent, not decoded) \\n
    hex(SHA512(body or "")) \\n Timestamp

No envelope: a success is the resource itself (a list or an object, HTTP 200); an error
is HTTP 4xx/5xx with ``{"label": "...", "message": "..."}`` [T3, T6].  The spec's error
table is keyed by label.  Clock skew (``REQUEST_EXPIRED``) resyncs with
``GET /api/v4/spot/time`` ([T1] SpotApi.md: ``{"server_time": epoch ms}``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Container, Mapping
from typing import Any
from urllib.parse import urlencode

from ...errors import ExchangeError, ParseError
from ...http.signing import format_value, hmac_hex
from ...http.wire import Credentials, Prepared
from .._dialect import ELIDED, preview_headers, rate_headers, reset_retry_after
from .spec import VENUE

__all__ = [
    "GateDialect",
    "gate_error",
    "gate_signature",
    "gate_string_to_sign",
    "EMPTY_SHA512",
    "RATE_HEADERS",
]

#: What each rate-limit header of an answer says [T3].
RATE_HEADERS = {
    "limit": "X-Gate-RateLimit-Limit",
    "remaining": "X-Gate-RateLimit-Requests-Remain",
    "reset_ms": "X-Gate-RateLimit-Reset-Timestamp",
}

#: hex SHA-512 of the empty string: the body hash of every GET (and of Gate's POSTs with
#: query parameters only, such as .../leverage).
EMPTY_SHA512 = hashlib.sha512(b"").hexdigest()


def gate_string_to_sign(method: str, path: str, query: str, body: str | None, ts: str) -> str:
    """The text Gate signs (see the module docstring).

    >>> gate_string_to_sign("GET", "/api/v4/futures/usdt/positions/BTC_USDT", "", None,
    ...                     "1700000000").split("\\n")[3] == EMPTY_SHA512
    True
    """
    digest = hashlib.sha512((body or "").encode("utf-8")).hexdigest()
    return f"{method.upper()}\n{path}\n{query}\n{digest}\n{ts}"


def gate_signature(
    secret: str, method: str, path: str, query: str, body: str | None, ts: str
) -> str:
    """hex HMAC-SHA512 of :func:`gate_string_to_sign` with the API secret."""
    return hmac_hex(secret, gate_string_to_sign(method, path, query, body, ts), hashlib.sha512)


def gate_error(label: str, message: str, endpoint: str, status: int | None = None) -> ExchangeError:
    """The levkit exception for a Gate error label, from the spec's error table."""
    return VENUE.error(label, message, endpoint, status=status)


class GateDialect:
    """Signing and answer rules of Gate API v4."""

    exchange = VENUE.name
    server_time_path = VENUE.endpoint("time").path
    skew_codes = frozenset({"REQUEST_EXPIRED"})

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
        # Every levkit call to Gate carries its parameters in the query string (the
        # leverage POST takes ``leverage``/``cross_leverage_limit`` as QUERY parameters,
        # [T1] FuturesApi.md update_position_leverage); the body stays empty.
        query = urlencode({k: format_value(v) for k, v in params.items() if v is not None})
        headers = {"Accept": "application/json"}
        if credentials is not None:
            ts = str(int(timestamp_ms // 1000))
            headers.update(
                {
                    "KEY": credentials.api_key,
                    "Timestamp": ts,
                    "SIGN": gate_signature(credentials.secret, method, path, query, None, ts),
                }
            )
        return query, None, headers

    def check(
        self, payload: Any, *, endpoint: str, status: int, accept: Container[Any]
    ) -> tuple[Any, dict[str, Any], Any]:
        error_shape = isinstance(payload, dict) and "label" in payload
        if error_shape and (status >= 400 or set(payload) <= {"label", "message", "detail"}):
            label = str(payload.get("label") or "")
            message = str(payload.get("message") or payload.get("detail") or "")
            if label in accept:
                return payload, {"label": label, "message": message}, label
            raise gate_error(label, message, endpoint, status)
        if status >= 400:
            raise ParseError(f"gate {endpoint}: HTTP {status} answer has no error label")
        return payload, {}, 0

    def rate_limit(self, headers: Mapping[str, str]) -> dict[str, Any]:
        """``X-Gate-RateLimit-Limit``, ``-Requests-Remain``, ``-Reset-Timestamp`` [T3]
        (the reset is read as ms when it is that large, else as seconds: the unit is not
        stated in the notes)."""
        out = rate_headers(headers, RATE_HEADERS)
        if "reset_ms" in out and out["reset_ms"] < 10**11:
            out["reset_ms"] *= 1000
        return out

    def retry_after(self, headers: Mapping[str, str], now_ms: int) -> float | None:
        return reset_retry_after(headers, now_ms, self.rate_limit(headers))

    def header_time(self, headers: Mapping[str, str]) -> int | None:
        """The server's clock (epoch ms) from ``X-Out-Time`` (else ``X-In-Time``), which
        "every API request's response header will always include", in microseconds ([T4]
        "API Gateway in/out time"): the reset timestamp of a 429 is measured against it,
        not against a local clock that may be off.  None when absent or not a time.

        >>> GateDialect().header_time({"X-Out-Time": "1695715091551905"})
        1695715091551
        """
        for name in ("X-Out-Time", "X-In-Time"):
            value = headers.get(name)
            if value in (None, ""):
                continue
            try:
                micros = int(str(value).strip())
            except ValueError:
                continue
            if 10**15 <= micros < 10**17:  # 2001..5138 in microseconds: a plausible clock
                return micros // 1000
        return None

    def server_time(self, payload: Any) -> int:
        inner = payload.get("result") if isinstance(payload, dict) else None
        for obj in (inner, payload):
            if isinstance(obj, dict) and obj.get("server_time") not in (None, ""):
                value = obj["server_time"]
                if isinstance(value, bool):
                    break
                try:
                    return int(value)
                except (TypeError, ValueError):
                    break
        raise ParseError("gate /api/v4/spot/time: no server_time in the answer")

    def preview(self, prepared: Prepared) -> tuple[str, dict[str, str], str | None]:
        return preview_headers(prepared, "KEY", {"SIGN": ELIDED})
