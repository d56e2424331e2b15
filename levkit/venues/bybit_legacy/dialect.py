"""Bybit v2 signing and envelope (see ``API_NOTES.md``, Bybit legacy v2).

v2 signs sorted parameters (``api_key``, ``timestamp`` and ``recv_window`` among them,
``sign`` added) instead of headers, and wraps answers in the ``ret_code`` envelope.  The
codes v2 shares with v5 (10002, 10003, 10004, 10006...) are in this venue's error table.
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

import msgspec

from ...errors import ExchangeError, RateLimitError
from ...http.signing import format_value, hmac_sha256_hex
from ...http.wire import Credentials, Prepared, mask
from .._dialect import ELIDED
from .._parse import code_of
from ..bybit.dialect import BybitDialect
from .parse import parse_envelope, retry_after_of, time_now_ms
from .spec import VENUE

__all__ = [
    "BybitLegacyDialect",
    "bybit_v2_param_string",
    "bybit_v2_signature",
    "legacy_error",
    "wire_value",
]


def bybit_v2_param_string(params: Mapping[str, Any]) -> str:
    """Bybit v2: all parameters (``api_key`` and ``timestamp`` among them) sorted by name,
    joined ``k=v&k=v``; ``sign`` itself is left out.

    >>> bybit_v2_param_string({"symbol": "BTCUSD", "api_key": "k", "sign": "x"})
    'api_key=k&symbol=BTCUSD'
    """
    return "&".join(f"{k}={format_value(params[k])}" for k in sorted(params) if k != "sign")


def bybit_v2_signature(secret: str, params: Mapping[str, Any]) -> str:
    """The ``sign`` parameter of v2's endpoints: hex HMAC-SHA256 of the sorted parameters."""
    return hmac_sha256_hex(secret, bybit_v2_param_string(params))


def legacy_error(code: int, message: str, endpoint: str) -> ExchangeError:
    """The levkit exception for a v2 ``ret_code`` (or HTTP 404 / v5 10017 on a v2 path)."""
    if code in (404, 10017):
        return ExchangeError(
            f"{message} (Bybit no longer serves {endpoint}: the v2 API was taken offline after "
            "the endpoint was abandoned in late 2020; use lk.Bybit, whose leverage() reads "
            "/v5/position/list and set_leverage() posts /v5/position/set-leverage)",
            exchange=VENUE.name,
            code=code,
            endpoint=endpoint,
        )
    return VENUE.error(code, message, endpoint)


def wire_value(value: Any) -> Any:
    """Whole floats go as integers, so the JSON body and the signed string agree (5, not 5.0)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _is_v5(payload: Any) -> bool:
    return isinstance(payload, dict) and "retCode" in payload and "ret_code" not in payload


class BybitLegacyDialect:
    """Signing and envelope rules of Bybit's v2 API (see API_NOTES.md)."""

    exchange = VENUE.name
    # v2's own envelope carries time_now on every public v2 path, but v2 is offline: the
    # server time comes from the v5 endpoint on the same host (its answer is read below).
    server_time_path = VENUE.endpoint("time").path
    skew_codes = frozenset({10002})

    def __init__(self) -> None:
        self._v5 = BybitDialect()

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
        sent = {k: wire_value(v) for k, v in params.items()}
        sign = None
        if credentials is not None:
            sent.update(
                api_key=credentials.api_key, timestamp=timestamp_ms, recv_window=recv_window
            )
            sent = dict(sorted(sent.items()))
            sign = bybit_v2_signature(credentials.secret, sent)
        if method == "GET":
            if sign is None:
                return urlencode(sent), None, {}
            # The signed string itself is the query (keys, numbers and symbols need no escaping).
            return f"{bybit_v2_param_string(sent)}&sign={sign}", None, {}
        if sign is not None:
            sent["sign"] = sign
        return "", msgspec.json.encode(sent).decode(), {"Content-Type": "application/json"}

    def check(
        self, payload: Any, *, endpoint: str, status: int, accept: Container[int]
    ) -> tuple[Any, dict[str, Any], int]:
        if _is_v5(payload):  # /v5/market/time, or the host's v5-style answer on a v2 path
            code = code_of(payload["retCode"], f"bybit {endpoint}")
            if code == 0 or code in accept:
                return self._v5.check(payload, endpoint=endpoint, status=status, accept=accept)
            raise legacy_error(code, str(payload.get("retMsg", "")), endpoint)
        if status == 404 and not (isinstance(payload, dict) and "ret_code" in payload):
            raise legacy_error(404, "HTTP 404", endpoint)
        code, result, envelope = parse_envelope(payload, endpoint)
        if code == 0 or code in accept:
            return result, envelope, code
        err = legacy_error(code, envelope["ret_msg"], endpoint)
        if isinstance(err, RateLimitError) and err.retry_after is None:
            err.retry_after = retry_after_of(envelope)
        raise err

    def rate_limit(self, headers: Mapping[str, str]) -> dict[str, Any]:
        """v2 reports its limits in the envelope (see :func:`rate_limit_of`), not in headers."""
        return {}

    def retry_after(self, headers: Mapping[str, str], now_ms: int) -> float | None:
        """``Retry-After``, or v5's reset headers (the server-time call is a v5 endpoint)."""
        return self._v5.retry_after(headers, now_ms)

    def server_time(self, payload: Any) -> int:
        ms = time_now_ms(payload) if "time_now" in payload else None
        return ms if ms is not None else self._v5.server_time(payload)

    def preview(self, prepared: Prepared) -> tuple[str, dict[str, str], str | None]:
        """The v2 key travels among the parameters: mask it there; elide ``sign``."""

        def hide(key: str, value: Any) -> Any:
            if key == "api_key":
                return mask(str(value))
            return ELIDED if key == "sign" else value

        url = prepared.url
        if "?" in url:
            base, query = url.split("?", 1)
            pairs = parse_qsl(query, keep_blank_values=True)
            url = base + "?" + "&".join(f"{k}={hide(k, v)}" for k, v in pairs)
        body = prepared.body
        if body:
            data = msgspec.json.decode(body)
            if isinstance(data, dict):
                body = msgspec.json.encode({k: hide(k, v) for k, v in data.items()}).decode()
        return url, dict(prepared.headers), body
