"""Binance USDⓈ-M signing and errors (see ``API_NOTES_VENUES.md``, Binance).

Signing [B3] and the futures docs' "SIGNED Endpoint Examples for POST /fapi/v1/order"
(developers.binance.com/docs/derivatives/usds-margined-futures/general-info): the
parameters are url-encoded in the order given, ``timestamp`` (ms) and ``recvWindow`` are
added, and ``signature`` = hex HMAC-SHA256(secret, that exact text) is appended last.  The
key goes in the ``X-MBX-APIKEY`` header.  Like binance-connector-python, POST sends its
parameters in the query string with an empty body, so what is signed is exactly the query
sent.

There is no envelope: a success is the bare answer (an object or a list), an error is
``{"code": -1121, "msg": "Invalid symbol."}`` with HTTP 4xx [B5].
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from typing import Any, ClassVar
from urllib.parse import urlencode

from ...errors import ExchangeError, ParseError
from ...http.signing import format_value, hmac_sha256_hex
from ...http.wire import Credentials, Prepared, retry_after_header
from .._dialect import ELIDED, preview_headers, rate_headers
from .._parse import code_of
from .._spec import Venue
from .spec import VENUE

__all__ = ["BinanceDialect", "binance_error", "binance_signature", "param_string"]

USED_WEIGHT = "X-MBX-USED-WEIGHT-1M"
_SIG = "signature="


def param_string(params: Mapping[str, Any]) -> str:
    """The url-encoded parameters in the order given (bools lower case, whole floats
    without ``.0``).

    >>> param_string({"symbol": "BTCUSDT", "leverage": 20.0})
    'symbol=BTCUSDT&leverage=20'
    """
    return urlencode([(k, format_value(v)) for k, v in params.items()])


def binance_signature(secret: str, payload: str) -> str:
    """``signature`` for Binance: hex HMAC-SHA256 of the exact parameter text sent."""
    return hmac_sha256_hex(secret, payload)


def binance_error(code: int, message: str, endpoint: str) -> ExchangeError:
    """The levkit exception for a Binance error ``code``, from the spec's error table."""
    return VENUE.error(code, message, endpoint)


class BinanceDialect:
    """Signing and error rules of Binance USDⓈ-M futures.

    Server time: ``GET /fapi/v1/time`` -> ``{"serverTime": ms}``; a -1021 answer makes the
    transport resync with it once and retry.  Binance COIN-M (``dapi``) signs, errs and
    counts weight the same way: its dialect is this class with its own ``venue``
    (:mod:`levkit.venues.binance_coinm.dialect`).
    """

    venue: ClassVar[Venue] = VENUE
    exchange = VENUE.name
    server_time_path = VENUE.endpoint("time").path
    skew_codes = frozenset({-1021})

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        spec = cls.__dict__.get("venue")
        if spec is not None:  # a venue of the same family: its name, its time endpoint
            cls.exchange = spec.name
            cls.server_time_path = spec.endpoint("time").path

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
        clean = {k: v for k, v in params.items() if k not in ("timestamp", "signature")}
        if credentials is None:
            return param_string(clean), None, {}
        clean.setdefault("recvWindow", recv_window)
        clean["timestamp"] = timestamp_ms
        payload = param_string(clean)
        query = f"{payload}&{_SIG}{binance_signature(credentials.secret, payload)}"
        return query, None, {"X-MBX-APIKEY": credentials.api_key}

    def check(
        self, payload: Any, *, endpoint: str, status: int, accept: Container[int]
    ) -> tuple[Any, dict[str, Any], int]:
        if isinstance(payload, dict) and "code" in payload and "msg" in payload:
            code = code_of(payload["code"], f"{self.exchange} {endpoint}")
            # Some Binance writes answer {"code": 200, "msg": "success"}: not an error.
            if code < 0 or status >= 400:
                if code in accept:
                    return payload, {}, code
                raise self.venue.error(code, str(payload.get("msg", "")), endpoint)
            return payload, {}, 0
        if status >= 400:
            raise ParseError(
                f"{self.exchange} {endpoint}: HTTP {status} answer without an error code"
            )
        return payload, {}, 0

    def rate_limit(self, headers: Mapping[str, str]) -> dict[str, Any]:
        out: dict[str, Any] = rate_headers(headers, {"used_weight_1m": USED_WEIGHT})
        if not out:
            return out
        used = out["used_weight_1m"]
        limit = self.venue.endpoint("ladder").limit
        if limit is not None:
            out["limit"] = limit.requests
            out["remaining"] = max(limit.requests - used, 0)
        return out

    def retry_after(self, headers: Mapping[str, str], now_ms: int) -> float | None:
        return retry_after_header(headers)

    def server_time(self, payload: Any) -> int:
        if isinstance(payload, dict):
            for obj in (payload, payload.get("result")):
                if isinstance(obj, dict) and "serverTime" in obj:
                    value = obj["serverTime"]
                    if not isinstance(value, bool):
                        try:
                            return int(value)
                        except (TypeError, ValueError):
                            break
        raise ParseError(f"{self.exchange} {self.server_time_path}: no serverTime in the answer")

    def preview(self, prepared: Prepared) -> tuple[str, dict[str, str], str | None]:
        url, headers, body = preview_headers(prepared, "X-MBX-APIKEY")
        if "X-MBX-APIKEY" in prepared.headers:
            cut = url.rfind("&" + _SIG)
            if cut >= 0:
                url = url[: cut + 1 + len(_SIG)] + ELIDED
        return url, headers, body
