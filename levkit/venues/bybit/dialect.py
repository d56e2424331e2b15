"""Bybit v5 signing and envelope (see ``API_NOTES.md``): what the transport asks."""

from __future__ import annotations

from collections.abc import Container, Mapping
from typing import Any
from urllib.parse import urlencode

import msgspec

from ...errors import ExchangeError, ParseError
from ...signing import bybit_v5_signature
from ...wire import Credentials, Prepared, mask, retry_after_header
from .._parse import code_of
from .spec import VENUE

__all__ = ["BybitDialect", "bybit_error"]


def bybit_error(code: int, message: str, endpoint: str) -> ExchangeError:
    """The levkit exception for a Bybit v5 ``retCode``, from the spec's error table."""
    return VENUE.error(code, message, endpoint)


class BybitDialect:
    """Signing and envelope rules of Bybit v5 (see API_NOTES.md)."""

    exchange = VENUE.name
    server_time_path = VENUE.endpoint("time").path
    skew_codes = frozenset({10002})

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
        headers: dict[str, str] = {}
        if method == "GET":
            query, body = urlencode(params), None
            payload = query
        else:
            query, body = "", msgspec.json.encode(dict(params)).decode()
            payload = body
            headers["Content-Type"] = "application/json"
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

    def check(
        self, payload: Any, *, endpoint: str, status: int, accept: Container[int]
    ) -> tuple[Any, dict[str, Any], int]:
        if not isinstance(payload, dict) or "retCode" not in payload:
            raise ParseError(f"bybit {endpoint}: HTTP {status} answer has no retCode envelope")
        code = code_of(payload["retCode"], f"bybit {endpoint}")
        meta = {"time": payload.get("time"), "retMsg": payload.get("retMsg", "")}
        if code == 0 or code in accept:
            return payload.get("result"), meta, code
        raise bybit_error(code, str(payload.get("retMsg", "")), endpoint)

    def rate_limit(self, headers: Mapping[str, str]) -> dict[str, Any]:
        out = {}
        for name, key in (
            ("X-Bapi-Limit", "limit"),
            ("X-Bapi-Limit-Status", "remaining"),
            ("X-Bapi-Limit-Reset-Timestamp", "reset_ms"),
        ):
            value = headers.get(name)
            if value not in (None, ""):
                try:
                    out[key] = int(float(value))
                except (ValueError, OverflowError):  # text, "inf", "nan"
                    continue
        return out

    def retry_after(self, headers: Mapping[str, str], now_ms: int) -> float | None:
        after = retry_after_header(headers)
        if after is not None:
            return after
        rate = self.rate_limit(headers)
        if "reset_ms" in rate and rate.get("remaining", 1) <= 0:
            return max(0.0, (rate["reset_ms"] - now_ms) / 1000.0)
        return None

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
        headers = dict(prepared.headers)
        if "X-BAPI-API-KEY" in headers:
            headers["X-BAPI-API-KEY"] = mask(headers["X-BAPI-API-KEY"])
            headers["X-BAPI-SIGN"] = "<signed when sent>"
        return prepared.url, headers, prepared.body
