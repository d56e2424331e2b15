"""The request on the wire: credentials, the base-URL rule, a signed request, its
dry-run preview, a checked response, and what each exchange's :class:`Dialect` supplies.

Pure data and small helpers; :mod:`levkit.http.transport` sends and retries.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from ..errors import AuthenticationError
from .masking import (
    Hidden,
    MaskedKey,
    SecretHeaders,
    hide,
    hide_args,
    mask,
    masked_body,
    masked_key,
    masked_url,
    reveal,
    scrub_request,
    shown_value,
)

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


class Credentials:
    """An API key, secret and (OKX, Bitget) passphrase.  The secret and the passphrase are
    never shown: not in ``repr``, ``str`` or errors, nor in the locals of a traceback
    through this constructor (they are :func:`hide`-n first)."""

    __slots__ = ("api_key", "_secret", "_passphrase")

    def __init__(self, api_key: str, api_secret: str | None, passphrase: str | None = None):
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
    return host is not None and bool(host) and _is_loopback(host)


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

    # Read-only members: a dialect may declare them as plain class attributes.
    @property
    def exchange(self) -> str: ...
    @property
    def server_time_path(self) -> str: ...
    @property
    def skew_codes(self) -> Container[int | str]: ...

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
