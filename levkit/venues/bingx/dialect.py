"""BingX perpetual swap v2 signing and envelope (see ``API_NOTES.md``, BingX)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...errors import ExchangeError, ParseError, PositionModeError
from ...http.signing import format_value, hmac_sha256_hex
from ...http.wire import Credentials, Prepared, retry_after_header
from .._dialect import ELIDED, Envelope, EnvelopeCheck, first_ms, preview_headers, rate_headers
from .spec import VENUE

__all__ = [
    "BingXDialect",
    "bingx_error",
    "bingx_param_string",
    "bingx_signature",
    "MODE_RULE",
    "RATE_HEADERS",
]

SERVER_TIME = VENUE.endpoint("time").path
MODE_RULE = "hedge mode allows side LONG or SHORT, one-way mode only BOTH"
#: What each rate-limit header of an answer says.
RATE_HEADERS = {
    "remaining": "X-RateLimit-Requests-Remain",
    "expire": "X-RateLimit-Requests-Expire",
}


def bingx_param_string(params: Mapping[str, Any]) -> str:
    """BingX: parameters in the order given, joined ``k=v&k=v`` (no sorting, no encoding:
    levkit only sends symbols, numbers and words, which need none).

    >>> bingx_param_string({"symbol": "BTC-USDT", "leverage": 6.0, "signature": "x"})
    'symbol=BTC-USDT&leverage=6'
    """
    return "&".join(f"{k}={format_value(v)}" for k, v in params.items() if k != "signature")


def bingx_signature(secret: str, param_string: str) -> str:
    """The ``signature`` parameter: hex HMAC-SHA256 of the parameter string as sent."""
    return hmac_sha256_hex(secret, param_string)


def bingx_error(code: int, message: str, endpoint: str) -> ExchangeError:
    """The levkit exception for a BingX envelope ``code``, from the spec's error table.

    109400 means two things on BingX: a side that does not fit the position mode
    (:class:`~levkit.errors.PositionModeError`), or not enough margin; the message tells.
    """
    kw: dict[str, Any] = {"exchange": VENUE.name, "code": code, "endpoint": endpoint}
    if code == 109400 and "margin" not in message.lower():
        return PositionModeError(
            f"{message} (side does not fit the position mode: {MODE_RULE})", **kw
        )
    if code == 109400:
        return ExchangeError(f"{message} (not enough margin for this leverage)", **kw)
    return VENUE.error(code, message, endpoint)


class BingXDialect(EnvelopeCheck):
    """Signing and envelope rules of BingX perpetual swap v2 (see API_NOTES.md).

    Signed calls put every parameter in the query string in the order given, ``timestamp``
    right after ``symbol`` (as BingX's own samples do) and ``recvWindow`` last, then append
    ``&signature=<hex>`` over exactly that text; the key goes in ``X-BX-APIKEY``.  POST
    sends the same query string and an empty body.
    """

    exchange = VENUE.name
    server_time_path = SERVER_TIME
    skew_codes = frozenset({100421})
    envelope = Envelope(
        "code",
        "data",
        {"msg": "", "timestamp": None},
        lambda code, p, endpoint: bingx_error(code, str(p.get("msg") or ""), endpoint),
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
        if credentials is None:
            return bingx_param_string(params), None, {}
        ordered: dict[str, Any] = {}
        for key, value in params.items():
            if key not in ("timestamp", "recvWindow", "signature"):
                ordered[key] = value
            if key == "symbol":
                ordered["timestamp"] = timestamp_ms
        ordered.setdefault("timestamp", timestamp_ms)
        ordered["recvWindow"] = recv_window
        payload = bingx_param_string(ordered)
        query = f"{payload}&signature={bingx_signature(credentials.secret, payload)}"
        return query, None, {"X-BX-APIKEY": credentials.api_key}

    def rate_limit(self, headers: Mapping[str, str]) -> dict[str, Any]:
        return rate_headers(headers, RATE_HEADERS)

    def retry_after(self, headers: Mapping[str, str], now_ms: int) -> float | None:
        """``Retry-After``, else (when none remain) ``X-RateLimit-Requests-Expire``: read as
        the epoch millisecond the window ends when it looks like one, else as milliseconds."""
        after = retry_after_header(headers)
        if after is not None:
            return after
        rate = self.rate_limit(headers)
        if "expire" in rate and rate.get("remaining", 1) <= 0:
            expire = rate["expire"]
            ms = expire - now_ms if expire >= 100_000_000_000 else expire
            return max(0.0, ms / 1000.0)
        return None

    def server_time(self, payload: Any) -> int:
        data = payload.get("result", payload.get("data"))
        data = data if isinstance(data, dict) else {}
        ms = first_ms((data.get("serverTime"), payload.get("timestamp")))
        if ms is not None:
            return ms
        raise ParseError(f"bingx {SERVER_TIME}: no serverTime in the answer")

    def preview(self, prepared: Prepared) -> tuple[str, dict[str, str], str | None]:
        url, headers, body = preview_headers(prepared, "X-BX-APIKEY")
        if "X-BX-APIKEY" in prepared.headers:
            url = url.split("&signature=")[0] + "&signature=" + ELIDED
        return url, headers, body
