"""Secrets in transit and in reprs: how levkit keeps a key, secret, passphrase or
signature out of everything it shows (reprs, strs, errors, the locals of a traceback).

- :func:`mask`: at most the first 4 characters of a key.
- :class:`Hidden` / :func:`hide` / :func:`hide_args`: a secret argument on its way into
  :class:`~levkit.http.wire.Credentials`, hidden first thing so a frame never holds it plain.
- :class:`MaskedKey`: a key whose repr is masked.
- :func:`shown_value`, :func:`masked_query`, :func:`masked_url`, :func:`masked_body`,
  :class:`SecretHeaders`, :func:`scrub_request`: a signed request as a repr may show it.
- :class:`QueryLogFilter` / :func:`guard_http_logs`: urllib3's DEBUG lines carry the request
  URL, and with it the query signature (Binance, BingX, Bybit v2) and v2's ``api_key``:
  masked before any handler sees them.

Re-exported by :mod:`levkit.http.wire`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

__all__ = [
    "HIDDEN",
    "SECRET_ARGS",
    "Hidden",
    "MaskedKey",
    "QueryLogFilter",
    "SecretHeaders",
    "guard_http_logs",
    "hide",
    "hide_args",
    "mask",
    "masked_body",
    "masked_key",
    "masked_query",
    "masked_url",
    "reveal",
    "scrub_request",
    "shown_value",
]


def mask(key: str | None) -> str:
    """At most the first 4 characters of an API key, then an ellipsis."""
    if not key:
        return "<none>"
    return key[:4] + "..."


class Hidden(str):
    """A secret on its way in (an ``api_secret`` or ``passphrase`` argument): a ``str``
    whose ``repr``, ``str`` and ``format`` hide it, so a frame that holds it shows no
    secret in a traceback's locals (``--showlocals``, error reporters); :meth:`reveal`
    gives the text.  It refuses to be pickled.

    >>> s = Hidden("hunter2")
    >>> s, str(s), f"{s}", s.reveal(), bool(Hidden(""))
    ('<hidden>', '<hidden>', '<hidden>', 'hunter2', False)
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "'<hidden>'"

    def __str__(self) -> str:
        return "<hidden>"

    def __format__(self, spec: str) -> str:
        return "<hidden>"

    def reveal(self) -> str:
        """The secret itself, as a plain ``str``."""
        return str.__str__(self)

    def __reduce__(self):  # never pickle a secret by accident
        raise TypeError("a hidden secret cannot be pickled")


def hide(value: Any) -> Hidden | None:
    """``value`` as a :class:`Hidden` (``None`` stays ``None``): the first thing a function
    taking a secret does with it, so its own frame no longer holds the plain text.

    >>> hide("s3cret"), hide(None)
    ('<hidden>', None)
    """
    if value is None or isinstance(value, Hidden):
        return value
    return Hidden(value if isinstance(value, str) else str(value))


def reveal(value: Any) -> Any:
    """The plain text of a :class:`Hidden` (anything else as it is)."""
    return value.reveal() if isinstance(value, Hidden) else value


class MaskedKey(str):
    """An API key whose ``repr`` shows only :func:`mask` of it (``'CKEY...'``): what a
    traceback's locals or a container's repr show.  Otherwise a plain ``str`` (it goes
    on the wire as it is).

    >>> k = MaskedKey("abcdef123")
    >>> k, [k], k == "abcdef123", k[:4]
    ('abcd...', ['abcd...'], True, 'abcd')
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return repr(mask(str.__str__(self)))


def masked_key(value: Any) -> Any:
    """``value`` as a :class:`MaskedKey` when it is a non-empty ``str`` (else as it is)."""
    if isinstance(value, str) and value and not isinstance(value, MaskedKey):
        return MaskedKey(value)
    return value


#: Arguments that carry a secret (the key is not one: it is masked, not hidden).
SECRET_ARGS = ("api_secret", "passphrase")


def hide_args(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of keyword arguments with :data:`SECRET_ARGS` values hidden (:func:`hide`)
    and ``api_key`` masked (:func:`masked_key`).

    >>> hide_args({"api_key": "abcdef", "api_secret": "s", "testnet": True})
    {'api_key': 'abcd...', 'api_secret': '<hidden>', 'testnet': True}
    """
    out = {k: hide(v) if k in SECRET_ARGS else v for k, v in kwargs.items()}
    if "api_key" in out:
        out["api_key"] = masked_key(out["api_key"])
    return out


#: Header and parameter names (lower case, any part) whose values are never shown: a
#: signature, a passphrase, a secret, a token.  Names with ``key`` show :func:`mask`.
_HIDDEN_WORDS = ("sign", "secret", "pass", "token", "auth", "cookie")
HIDDEN = "<hidden>"


def shown_value(name: str, value: Any) -> Any:
    """``value`` as a repr may show it: hidden for a signature, passphrase, secret or
    token (by ``name``), masked for an API key, as it is otherwise.

    >>> shown_value("OK-ACCESS-PASSPHRASE", "hunter2"), shown_value("X-MBX-APIKEY", "abcdef")
    ('<hidden>', 'abcd...')
    >>> shown_value("signature", "f00d"), shown_value("symbol", "BTCUSDT")
    ('<hidden>', 'BTCUSDT')
    """
    low = str(name).lower()
    if any(word in low for word in _HIDDEN_WORDS):
        return HIDDEN
    if "key" in low:
        return mask(str(value))
    return value


def masked_query(query: str) -> str:
    """A query string with signatures hidden and keys masked (Binance, BingX and Bybit v2
    sign in the query; v2 sends ``api_key`` there too).

    >>> masked_query("symbol=BTCUSDT&api_key=abcdef&sign=f00d")
    'symbol=BTCUSDT&api_key=abcd...&sign=<hidden>'
    """
    pairs = parse_qsl(query, keep_blank_values=True)
    return "&".join(f"{k}={shown_value(k, v)}" for k, v in pairs)


def masked_url(url: str) -> str:
    """``url`` with its query masked by :func:`masked_query`."""
    base, sep, query = str(url).partition("?")
    return base + (sep + masked_query(query) if sep else "")


def masked_body(body: Any) -> str | None:
    """A request body fit to show: a JSON object with its signature hidden and key masked
    (Bybit v2 signs in the body), anything else as its length only."""
    if body is None or body == b"" or body == "":
        return None
    try:
        payload = json.loads(body)
    except (TypeError, ValueError):
        payload = None
    if isinstance(payload, dict):
        return json.dumps({k: shown_value(k, v) for k, v in payload.items()}, default=str)
    return f"<{len(body)} bytes>"


class SecretHeaders(dict):
    """Request headers that hold a key, a signature or a passphrase: a plain ``dict`` to
    ``requests``, but its ``repr``/``str`` hide the signature and passphrase and mask the
    key (:func:`shown_value`), and it refuses to be pickled.

    >>> SecretHeaders({"OK-ACCESS-KEY": "abcdef", "OK-ACCESS-PASSPHRASE": "hunter2"})
    {'OK-ACCESS-KEY': 'abcd...', 'OK-ACCESS-PASSPHRASE': '<hidden>'}
    """

    def masked(self) -> dict[str, Any]:
        """A plain dict copy with the values a repr may show."""
        return {k: shown_value(k, v) for k, v in self.items()}

    def __repr__(self) -> str:
        return repr(self.masked())

    __str__ = __repr__

    def __reduce__(self):  # never pickle a passphrase or a live signature by accident
        raise TypeError("SecretHeaders cannot be pickled (they hold a key and a signature)")


def scrub_request(request: Any) -> Any:
    """A copy of a ``requests.PreparedRequest`` fit to keep on a response or an error:
    headers, query and body masked (:class:`SecretHeaders`, :func:`masked_url`,
    :func:`masked_body`).  ``None`` stays ``None``."""
    if request is None:
        return None
    import requests

    clean = requests.PreparedRequest()
    clean.method = request.method
    clean.url = masked_url(request.url or "")
    clean.headers = requests.structures.CaseInsensitiveDict(
        {k: shown_value(k, v) for k, v in (request.headers or {}).items()}
    )
    clean.body = masked_body(request.body)
    return clean


class QueryLogFilter(logging.Filter):
    """Masks the query of every URL in a log record's arguments (:func:`masked_url`): what
    urllib3 logs at DEBUG is ``"GET /fapi/v1/...?...&signature=..."``, and for Bybit v2
    ``api_key=...`` too.  Records are changed, never dropped.

    >>> r = logging.LogRecord("urllib3.connectionpool", logging.DEBUG, "", 0,
    ...                       '"%s %s"', ("GET", "/v2/x?api_key=abcdef&sign=f00d"), None)
    >>> _ = QueryLogFilter().filter(r); r.getMessage()
    '"GET /v2/x?api_key=abcd...&sign=<hidden>"'
    """

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and any(_has_query(a) for a in args):
            record.args = tuple(masked_url(str(a)) if _has_query(a) else a for a in args)
        elif isinstance(record.msg, str) and not args and _has_query(record.msg):
            record.msg = " ".join(masked_url(w) if _has_query(w) else w
                                  for w in record.msg.split(" "))  # fmt: skip
        return True


def _has_query(value: Any) -> bool:
    return isinstance(value, str) and "?" in value and "=" in value.partition("?")[2]


#: The loggers of the HTTP stack under ``requests`` that write request URLs.
HTTP_LOGGERS = ("urllib3.connectionpool", "urllib3.util.retry")


def guard_http_logs() -> None:
    """Put :class:`QueryLogFilter` on urllib3's loggers (once; the transport does it on
    import), so ``logging.basicConfig(level=logging.DEBUG)`` in a notebook shows request
    lines without their signature or key."""
    for name in HTTP_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, QueryLogFilter) for f in logger.filters):
            logger.addFilter(QueryLogFilter())
