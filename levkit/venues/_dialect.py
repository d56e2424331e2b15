"""Pieces every venue's ``dialect.py`` shares: the logic is written once here and each
venue calls it with its own data (header names, envelope fields, hash).

What differs between venues stays in the venue folder: which headers carry the key and
the signature, the envelope's field names, which rate-limit headers exist and what they
mean.  Nothing here names an exchange.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Container, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import msgspec

from ..errors import ParseError
from ..http.signing import hmac_b64, hmac_hex
from ..http.wire import Prepared, mask, retry_after_header
from ._parse import code_of

__all__ = [
    "ELIDED",
    "Envelope",
    "EnvelopeCheck",
    "envelope_code",
    "first_ms",
    "hmac_b64",
    "hmac_hex",
    "preview_headers",
    "query_or_json",
    "rate_headers",
    "reset_retry_after",
]

#: What a preview shows in place of a signature.
ELIDED = "<signed when sent>"


def query_or_json(
    method: str,
    params: Mapping[str, Any],
    encode: Callable[[Mapping[str, Any]], str] = urlencode,
) -> tuple[str, str | None, dict[str, str]]:
    """``(query, body, headers)``: a GET's parameters as a query string (``encode``), any
    other method's as a compact JSON body with ``Content-Type: application/json``.

    >>> query_or_json("GET", {"symbol": "BTCUSDT"})
    ('symbol=BTCUSDT', None, {})
    >>> query_or_json("POST", {"symbol": "BTCUSDT"})
    ('', '{"symbol":"BTCUSDT"}', {'Content-Type': 'application/json'})
    """
    if method == "GET":
        return encode(params), None, {}
    body = msgspec.json.encode(dict(params)).decode()
    return "", body, {"Content-Type": "application/json"}


def envelope_code(payload: Any, field: str, *, exchange: str, endpoint: str, status: int) -> int:
    """The code of an enveloped answer (``payload[field]``, read by
    :func:`~levkit.venues._parse.code_of`); :class:`~levkit.errors.ParseError` when the
    answer is not an object with that field.

    >>> envelope_code({"code": "0"}, "code", exchange="okx", endpoint="/x", status=200)
    0
    >>> envelope_code([], "code", exchange="okx", endpoint="/x", status=502)
    Traceback (most recent call last):
    ...
    levkit.errors.ParseError: okx /x: HTTP 502 answer has no code envelope
    """
    if not isinstance(payload, dict) or field not in payload:
        raise ParseError(f"{exchange} {endpoint}: HTTP {status} answer has no {field} envelope")
    return code_of(payload[field], f"{exchange} {endpoint}")


@dataclass(frozen=True)
class Envelope:
    """A venue's answer envelope, as data: the field of the code, of the payload, the
    fields kept as ``meta`` (name -> default) and ``error(code, payload, endpoint)``, the
    exception of a refused answer."""

    code: str
    data: str
    meta: Mapping[str, Any]
    error: Callable[[int, Mapping[str, Any], str], Exception]


class EnvelopeCheck:
    """The ``check`` of a dialect whose answers come in its class attribute ``envelope``
    (an :class:`Envelope`): ``(payload[data], meta, code)`` when the code is 0 or in
    ``accept``, else ``envelope.error``; no envelope, as :func:`envelope_code`.

    >>> class Demo(EnvelopeCheck):
    ...     exchange = "demo"
    ...     envelope = Envelope("code", "data", {"msg": ""},
    ...                         lambda code, payload, endpoint: ValueError(f"{endpoint}: {code}"))
    >>> Demo().check({"code": "0", "msg": "ok", "data": [1]}, endpoint="/y", status=200, accept=())
    ([1], {'msg': 'ok'}, 0)
    >>> Demo().check({"code": 7}, endpoint="/y", status=400, accept=())
    Traceback (most recent call last):
    ...
    ValueError: /y: 7
    """

    exchange: str
    envelope: Envelope

    def check(
        self, payload: Any, *, endpoint: str, status: int, accept: Container[int]
    ) -> tuple[Any, dict[str, Any], int]:
        env = self.envelope
        code = envelope_code(
            payload, env.code, exchange=self.exchange, endpoint=endpoint, status=status
        )
        if code == 0 or code in accept:
            meta = {name: payload.get(name, default) for name, default in env.meta.items()}
            return payload.get(env.data), meta, code
        raise env.error(code, payload, endpoint)


def rate_headers(headers: Mapping[str, str], names: Mapping[str, str]) -> dict[str, int]:
    """The rate-limit headers named in ``names`` (``{key: header name}``) as whole numbers;
    an absent, empty or non-numeric header (text, ``inf``, ``nan``) is left out.

    >>> rate_headers({"X-Limit": "120", "X-Left": "nan"}, {"limit": "X-Limit", "remaining": "X-Left"})
    {'limit': 120}
    """
    out: dict[str, int] = {}
    for key, name in names.items():
        value = headers.get(name)
        if value in (None, ""):
            continue
        try:
            out[key] = int(float(value))
        except (ValueError, OverflowError):
            continue
    return out


def reset_retry_after(
    headers: Mapping[str, str], now_ms: int, rate: Mapping[str, Any]
) -> float | None:
    """``Retry-After``, else, when no request remains (``rate["remaining"] <= 0``), the
    seconds from ``now_ms`` to ``rate["reset_ms"]`` (an epoch millisecond); else None.

    >>> reset_retry_after({}, 1_000, {"remaining": 0, "reset_ms": 3_500})
    2.5
    >>> reset_retry_after({}, 1_000, {"remaining": 3, "reset_ms": 3_500}) is None
    True
    >>> reset_retry_after({}, 10**400, {"remaining": 0, "reset_ms": 3_500})
    0.0
    """
    after = retry_after_header(headers)
    if after is not None:
        return after
    if "reset_ms" in rate and rate.get("remaining", 1) <= 0:
        wait_ms = rate["reset_ms"] - now_ms
        if wait_ms > 1e15:  # an absurd server time (a fuzzed answer): no known wait
            return None
        return max(0.0, wait_ms / 1000.0) if wait_ms > 0 else 0.0
    return None


def first_ms(values: Iterable[Any]) -> int | None:
    """The first of ``values`` that reads as a finite epoch millisecond (>= 1): numbers
    and numeric text; None, ``""``, booleans, objects and lists are passed over.

    >>> first_ms([None, "", True, "1700000000000.0", 5])
    1700000000000
    >>> first_ms(["later", float("nan")]) is None
    True
    """
    for value in values:
        if value in (None, "") or isinstance(value, bool | dict | list):
            continue
        try:
            ms = float(value)
        except (TypeError, ValueError):
            continue
        if math.isfinite(ms) and ms >= 1:
            return int(ms)
    return None


def preview_headers(
    prepared: Prepared, key: str, hidden: Mapping[str, str] | None = None
) -> tuple[str, dict[str, str], str | None]:
    """``(url, headers, body)`` of a signed request for a preview: the API key in header
    ``key`` masked and each header of ``hidden`` replaced by its text (signature,
    passphrase).  A request without the key header (unsigned) is shown as it is.

    >>> p = Prepared("GET", "https://h/x", {"K": "abcdef123", "S": "f00d"}, None, "/x")
    >>> preview_headers(p, "K", {"S": ELIDED})[1]
    {'K': 'abcd...', 'S': '<signed when sent>'}
    """
    headers = dict(prepared.headers)
    if key in headers:
        headers[key] = mask(headers[key])
        headers.update(hidden or {})
    return prepared.url, headers, prepared.body
