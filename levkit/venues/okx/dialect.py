"""OKX API v5 signing and envelope (see ``API_NOTES_VENUES.md``, OKX): what the transport asks.

Signing [O2: python-okx ``okx/utils.py``; OKX docs "REST Authentication"]:
``OK-ACCESS-SIGN = base64(HMAC-SHA256(secret, timestamp + METHOD + requestPath + body))``,
where ``requestPath`` carries the query string of a GET (``/api/v5/account/balance?ccy=BTC``)
and ``body`` is the JSON body of a POST (``""`` for a GET); ``timestamp`` is ISO-8601 UTC
with milliseconds (``2020-12-08T09:08:57.715Z``), the same text as ``OK-ACCESS-TIMESTAMP``.
OKX publishes the recipe and example inputs, not an example signature.

``recv_window`` is not sent: OKX has no such parameter; a timestamp more than 30 s off the
server's is rejected with 50102 (third-party copies of the error table only), which the
transport answers by syncing with ``GET /api/v5/public/time`` once and retrying.
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from datetime import UTC, datetime
from typing import Any

from ...errors import ExchangeError, ParseError
from ...http.signing import hmac_b64
from ...http.wire import Credentials, Prepared, retry_after_header
from .._dialect import ELIDED, Envelope, EnvelopeCheck, preview_headers, query_or_json
from .spec import VENUE

__all__ = ["OKXDialect", "okx_error", "okx_signature", "okx_timestamp", "DEMO_HEADER"]

#: Demo trading: same host, this header set to "1" [O2: python-okx ``flag``].
DEMO_HEADER = "x-simulated-trading"
#: What a preview shows in place of the signature and the passphrase.
_HIDDEN = {"OK-ACCESS-SIGN": ELIDED, "OK-ACCESS-PASSPHRASE": "<passphrase, not shown>"}


def okx_timestamp(timestamp_ms: int) -> str:
    """``OK-ACCESS-TIMESTAMP``: ISO-8601 UTC with milliseconds.

    >>> okx_timestamp(1607418537715)
    '2020-12-08T09:08:57.715Z'
    """
    dt = datetime.fromtimestamp(timestamp_ms // 1000, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + f".{timestamp_ms % 1000:03d}Z"


def okx_prehash(timestamp: str, method: str, request_path: str, body: str = "") -> str:
    """``timestamp + METHOD + requestPath + body``: the text OKX signs."""
    return f"{timestamp}{method.upper()}{request_path}{body}"


def okx_signature(
    secret: str, timestamp: str, method: str, request_path: str, body: str = ""
) -> str:
    """``OK-ACCESS-SIGN``: base64 of the HMAC-SHA256 of :func:`okx_prehash` under ``secret``."""
    return hmac_b64(secret, okx_prehash(timestamp, method, request_path, body))


def okx_error(code: int, message: str, endpoint: str) -> ExchangeError:
    """The levkit exception for an OKX ``code``, from the spec's error table."""
    return VENUE.error(code, message, endpoint)


def _message(payload: Mapping[str, Any]) -> str:
    """An error answer's ``msg``, else the first item's ``sMsg`` (batch answers)."""
    message = str(payload.get("msg", ""))
    data = payload.get("data")
    if not message and isinstance(data, list) and data and isinstance(data[0], dict):
        message = str(data[0].get("sMsg", ""))  # per-item errors of batch answers
    return message


class OKXDialect(EnvelopeCheck):
    """Signing and envelope rules of OKX API v5.  ``demo=True`` adds the demo-trading
    header to every request (public ones too, as python-okx does)."""

    exchange = VENUE.name
    server_time_path = VENUE.endpoint("time").path
    skew_codes = frozenset({50102})
    envelope = Envelope(
        "code",
        "data",
        {"msg": ""},
        lambda code, p, endpoint: okx_error(code, _message(p), endpoint),
    )

    def __init__(self, demo: bool = False) -> None:
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
        query, body, headers = query_or_json(method, params)
        request_path = path + (f"?{query}" if query else "")
        if self.demo:
            headers[DEMO_HEADER] = "1"
        if credentials is not None:
            ts = okx_timestamp(timestamp_ms)
            headers.update(
                {
                    "OK-ACCESS-KEY": credentials.api_key,
                    "OK-ACCESS-SIGN": okx_signature(
                        credentials.secret, ts, method, request_path, body or ""
                    ),
                    "OK-ACCESS-TIMESTAMP": ts,
                    "OK-ACCESS-PASSPHRASE": credentials.passphrase or "",
                }
            )
        return query, body, headers

    def check(
        self, payload: Any, *, endpoint: str, status: int, accept: Container[int]
    ) -> tuple[Any, dict[str, Any], int]:
        data, meta, code = super().check(payload, endpoint=endpoint, status=status, accept=accept)
        if data is None:
            data = []
        if not isinstance(data, list):
            raise ParseError(f"okx {endpoint}: data is not a list")
        return data, meta, code

    def rate_limit(self, headers: Mapping[str, str]) -> dict[str, Any]:
        # OKX sends no rate-limit headers (none documented [O1]).
        return {}

    def retry_after(self, headers: Mapping[str, str], now_ms: int) -> float | None:
        # Retry-After: not documented by OKX; honoured if a proxy or OKX sends one.
        return retry_after_header(headers)

    def server_time(self, payload: Any) -> int:
        """``{"code":"0","data":[{"ts":"1597026383085"}]}`` (or the transport's
        ``{"result": data, ...}``) -> epoch milliseconds."""
        if not isinstance(payload, dict):
            raise ParseError("okx /api/v5/public/time: answer is not an object")
        data = payload.get("data", payload.get("result"))
        if isinstance(data, list) and data and isinstance(data[0], dict):
            value = data[0].get("ts")
            if isinstance(value, str | int) and not isinstance(value, bool):
                try:
                    return int(value)
                except ValueError:
                    pass
        raise ParseError("okx /api/v5/public/time: no server time in the answer")

    def preview(self, prepared: Prepared) -> tuple[str, dict[str, str], str | None]:
        return preview_headers(prepared, "OK-ACCESS-KEY", _HIDDEN)
