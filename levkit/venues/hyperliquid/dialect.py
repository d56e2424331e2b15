"""Hyperliquid's wire rules: every call is ``POST`` with a JSON body, no auth, bare JSON back.

- No envelope: ``/info`` answers the object itself ([H1]).  Errors are an HTTP status and a
  text body (422 "Failed to deserialize the JSON body into the target type"), so the client
  passes :func:`decode` to the transport: it keeps a non-JSON body as :class:`HttpText`
  and :meth:`HyperliquidDialect.check` turns it into the spec's error for the status.
- ``/exchange`` answers ``{"status": "ok" | "err", "response": ...}`` (python SDK [H4]);
  ``"err"`` raises; a message about leverage raises
  :class:`~levkit.errors.ExchangeLeverageError` (levkit never sends actions: this is for
  answers relayed by a proxy or the simulator).
- No signing: reads need no key, and actions are EIP-712 signed by a wallet, which levkit
  does not do.  So no timestamps, no clock skew: Hyperliquid has no server-time endpoint
  (none in [H1]), ``server_time_path`` is empty and ``skew_codes`` is empty.
- Rate limits: no rate-limit headers are documented ([H3]); ``Retry-After`` is honoured if
  one ever comes.
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from typing import Any

import msgspec

from ...errors import ExchangeError, ExchangeLeverageError, ParseError, TransportError
from ...http.wire import Credentials, Prepared, retry_after_header
from .spec import VENUE

__all__ = ["HttpText", "HyperliquidDialect", "decode", "hyperliquid_error"]

_decode = msgspec.json.Decoder().decode


class HttpText(str):
    """A body that is not JSON (Hyperliquid's error texts)."""


def decode(raw: bytes) -> Any:
    """JSON, or the body as :class:`HttpText` when it is not JSON."""
    try:
        return _decode(raw)
    except msgspec.DecodeError:
        return HttpText(raw.decode("utf-8", "replace").strip()[:500])


def hyperliquid_error(code: Any, message: str, endpoint: str, **extra: Any) -> ExchangeError:
    """The levkit exception for an HTTP status (or ``"err"``), from the spec's table.

    An ``"err"`` about leverage is an :class:`~levkit.errors.ExchangeLeverageError`
    (the wording is not documented: matched on the word, the safe reading).

    >>> type(hyperliquid_error("err", "Invalid leverage value", "/exchange")).__name__
    'ExchangeLeverageError'
    >>> hyperliquid_error(429, "", "/info").retryable
    True
    """
    if code == "err" and "leverage" in message.lower():
        return ExchangeLeverageError(message, exchange=VENUE.name, code=code, endpoint=endpoint)
    return VENUE.error(code, message, endpoint, **extra)


class HyperliquidDialect:
    """Wire rules of Hyperliquid's REST API (see the module docstring)."""

    exchange = VENUE.name
    server_time_path = ""  # Hyperliquid publishes no server-time endpoint
    skew_codes: frozenset[int] = frozenset()

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
        # Every call is a JSON body; nothing is signed (credentials are never given).
        body = msgspec.json.encode(dict(params)).decode()
        return "", body, {"Content-Type": "application/json"}

    def check(
        self, payload: Any, *, endpoint: str, status: int, accept: Container[int]
    ) -> tuple[Any, dict[str, Any], int]:
        if isinstance(payload, HttpText) and status < 400:
            # A 2xx whose body is not JSON: cut short or garbled on the way.  Retried, as the
            # transport retries every venue's malformed answers.
            raise TransportError(
                f"{endpoint}: HTTP {status} answer is not JSON",
                exchange=VENUE.name,
                endpoint=endpoint,
                status=status,
            )
        if isinstance(payload, HttpText) or status >= 400:
            text = (
                str(payload) if isinstance(payload, str) else msgspec.json.encode(payload).decode()
            )
            raise hyperliquid_error(status, text or f"HTTP {status}", endpoint, status=status)
        if isinstance(payload, dict) and payload.get("status") == "err":
            raise hyperliquid_error("err", str(payload.get("response", "")), endpoint)
        return payload, {}, 0

    def rate_limit(self, headers: Mapping[str, str]) -> dict[str, Any]:
        return {}

    def retry_after(self, headers: Mapping[str, str], now_ms: int) -> float | None:
        return retry_after_header(headers)

    def server_time(self, payload: Any) -> int:
        raise ParseError("Hyperliquid has no server-time endpoint")

    def preview(self, prepared: Prepared) -> tuple[str, dict[str, str], str | None]:
        return prepared.url, dict(prepared.headers), prepared.body
