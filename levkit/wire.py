"""The request on the wire: credentials, the base-URL rule, a signed request, its
dry-run preview, a checked response, and what each exchange's :class:`Dialect` supplies.

Pure data and small helpers; :mod:`levkit.transport` sends and retries.
"""

from __future__ import annotations

import ipaddress
import json
import math
from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

from .errors import AuthenticationError

__all__ = [
    "SIMULATOR_HEADER",
    "Credentials",
    "Dialect",
    "Hidden",
    "MaskedKey",
    "Prepared",
    "RequestPreview",
    "RequestSequence",
    "Response",
    "SecretHeaders",
    "check_base_url",
    "hide",
    "hide_args",
    "is_loopback_url",
    "mask",
    "masked_key",
    "masked_url",
    "retry_after_header",
    "reveal",
    "scrub_request",
    "shown_value",
]

SIMULATOR_HEADER = "X-Levkit-Simulator"


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


class Credentials:
    """An API key, secret and (OKX, Bitget) passphrase.  The secret and the passphrase are
    never shown: not in ``repr``, ``str`` or errors, nor in the locals of a traceback
    through this constructor (they are :func:`hide`-n first)."""

    __slots__ = ("api_key", "_secret", "_passphrase")

    def __init__(self, api_key: str, api_secret: str, passphrase: str | None = None):
        api_secret, passphrase = hide(api_secret), hide(passphrase)  # before anything raises
        if not api_key or not api_secret:
            raise AuthenticationError("both api_key and api_secret are needed")
        self.api_key = str.__str__(api_key) if isinstance(api_key, str) else str(api_key)
        self._secret = reveal(api_secret)
        self._passphrase = None if passphrase is None else reveal(passphrase)

    @property
    def secret(self) -> str:
        return self._secret

    @property
    def passphrase(self) -> str | None:
        return self._passphrase

    def __repr__(self) -> str:
        return f"Credentials(api_key={mask(getattr(self, 'api_key', None))!r})"  # half-built too

    __str__ = __repr__

    def __reduce__(self):  # never pickle a secret by accident
        raise TypeError("Credentials cannot be pickled")


def _is_loopback(host: str) -> bool:
    """``localhost`` or a loopback IP literal (127.0.0.0/8, ``::1``).  A name such as
    ``127.0.0.1.example.com`` is not: DNS may send it anywhere."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_loopback_url(url: str) -> bool:
    """Whether ``url`` points at this machine (a local simulator).

    >>> is_loopback_url("http://127.0.0.1:8765"), is_loopback_url("https://api.bybit.com")
    (True, False)
    """
    host = urlsplit(url).hostname
    return bool(host) and _is_loopback(host)


def check_base_url(url: str) -> str:
    """Accept ``https://`` anywhere and ``http://`` only for loopback hosts."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"base_url must look like https://host, not {url!r}")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ValueError(
            f"refusing plain http:// to {parts.hostname}: API keys would travel unencrypted; "
            "use https:// (http:// is only allowed for loopback hosts such as a local simulator)"
        )
    return url.rstrip("/")


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


@dataclass(repr=False)
class Prepared:
    """A signed request, exactly as it will go on the wire.

    Its ``repr`` hides the signature and the passphrase and masks the key (headers, query
    and body alike), so a traceback that shows locals (``pytest --showlocals``, error
    reporters) shows no secret; ``headers`` is a :class:`SecretHeaders`.

    >>> Prepared("GET", "https://h/x?a=1&signature=f00d", {"X-MBX-APIKEY": "abcdef"}, None, "/x")
    Prepared(GET https://h/x?a=1&signature=<hidden>, headers={'X-MBX-APIKEY': 'abcd...'})
    """

    method: str
    url: str
    headers: dict[str, str]
    body: str | None
    endpoint: str

    def __post_init__(self) -> None:
        if not isinstance(self.headers, SecretHeaders):
            self.headers = SecretHeaders(self.headers or {})

    def __repr__(self) -> str:
        body = masked_body(self.body)
        tail = f", body={body}" if body is not None else ""
        return f"Prepared({self.method} {masked_url(self.url)}, headers={self.headers!r}{tail})"

    __str__ = __repr__


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


@dataclass
class RequestPreview:
    """What ``set_leverage(..., dry_run=True)`` returns: the request that would be sent.

    The API key is masked and signatures are elided, so a preview can be shown, logged or
    shared.  Nothing was sent.
    """

    exchange: str
    method: str
    url: str
    headers: dict[str, str]
    body: str | None
    params: dict[str, Any] = field(default_factory=dict)
    note: str = ""

    def __repr__(self) -> str:
        lines = [f"{self.method} {self.url}"]
        lines += [f"{k}: {v}" for k, v in self.headers.items()]
        if self.body:
            lines += ["", self.body]
        if self.note:
            lines += ["", f"# {self.note}"]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        return "<b>dry run</b> (nothing sent)<pre>" + html.escape(repr(self)) + "</pre>"

    def to_dict(self) -> dict[str, Any]:
        return {
            "exchange": self.exchange,
            "method": self.method,
            "url": self.url,
            "headers": dict(self.headers),
            "body": self.body,
            "params": dict(self.params),
        }


class RequestSequence(list):
    """Dry-run previews of requests that are sent one after the other (hedge mode with
    ``side="both"`` on a venue that sets one side per call: LONG, then SHORT; or the
    control's Apply over several sides).  A list of :class:`RequestPreview`, shown
    readably in a notebook."""

    def __repr__(self) -> str:
        n = len(self)
        return "\n\n".join(f"# request {i} of {n}\n{p!r}" for i, p in enumerate(self, 1))

    def _repr_html_(self) -> str:
        import html

        return (
            f"<b>dry run</b> (nothing sent): {len(self)} requests, in this order"
            f"<pre>{html.escape(repr(self))}</pre>"
        )

    def to_dict(self) -> list[dict[str, Any]]:
        return [p.to_dict() for p in self]


@dataclass
class Response:
    """An exchange answer that passed the envelope check."""

    result: Any
    meta: dict[str, Any]
    rate_limit: dict[str, Any]
    simulated: bool
    status: int
    code: int = 0

    @property
    def source(self) -> str:
        return "simulator" if self.simulated else "api"


class Dialect(Protocol):
    """What an exchange API must tell the transport.  One small class per API."""

    exchange: str
    server_time_path: str
    skew_codes: Container[int]

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
        """Return (query string, body, headers), signed when credentials are given."""

    def check(
        self, payload: Any, *, endpoint: str, status: int, accept: Container[int]
    ) -> tuple[Any, dict[str, Any], int]:
        """Return (result, meta, code) or raise an ExchangeError subclass."""

    def rate_limit(self, headers: Mapping[str, str]) -> dict[str, Any]:
        """The rate-limit headers, as a small dict (empty when absent)."""

    def retry_after(self, headers: Mapping[str, str], now_ms: int) -> float | None:
        """Seconds until the exchange's limit resets, when it says."""

    def server_time(self, payload: Any) -> int:
        """Server time in ms from the server-time endpoint's answer."""

    def preview(self, prepared: Prepared) -> tuple[str, dict[str, str], str | None]:
        """(url, headers, body) of a prepared request with key masked, signature elided."""


def _header_float(headers: Mapping[str, str], name: str) -> float | None:
    """A header as a finite, non-negative number of seconds; None when it is absent or is
    not one (text, an HTTP date, ``inf``, ``nan``, a negative number)."""
    value = headers.get(name)
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) and number >= 0 else None


def retry_after_header(headers: Mapping[str, str]) -> float | None:
    """The standard ``Retry-After`` header in seconds (HTTP dates are not used by these
    APIs); a value that is not a finite, non-negative number counts as absent.

    >>> [retry_after_header({"Retry-After": v}) for v in ("2", "inf", "-1", "soon")]
    [2.0, None, None, None]
    """
    return _header_float(headers, "Retry-After")
