"""The simulator's request and reply objects, shared by the core, the handlers and both
transports (requests adapter, loopback HTTP server)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from ..http.wire import masked_body, masked_url, shown_value
from ..numbers import parse_number as _parse_number

__all__ = ["Request", "Reply", "json_reply", "SIM_HEADER", "parse_number"]

#: Header on every simulator answer; levkit's transport stamps frames "simulator" on it.
SIM_HEADER = "X-Levkit-Simulator"


@dataclass(repr=False)
class Request:
    """One request as the simulator sees it.

    Its ``repr`` masks the key and hides signatures and passphrases (headers, query and
    body), like :class:`levkit.http.wire.Prepared`: the simulator holds real-looking requests.

    Attributes
    ----------
    method, path : str
        ``"GET"``/``"POST"`` and the URL path (no query).
    query : str
        The raw query string exactly as sent (signatures are checked against it).
    headers : dict
        Header names lower-cased.
    body : bytes
        The raw body exactly as sent.
    now : float
        The server clock (seconds, skew included) when the request arrived.
    """

    method: str
    path: str
    query: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    now: float = 0.0

    def __post_init__(self) -> None:
        self.method = self.method.upper()
        self.headers = {str(k).lower(): str(v) for k, v in dict(self.headers).items()}
        if isinstance(self.body, str):
            self.body = self.body.encode()
        self.body = self.body or b""

    def __repr__(self) -> str:
        url = masked_url(self.path + (f"?{self.query}" if self.query else ""))
        body = masked_body(self.body)
        headers = {k: shown_value(k, v) for k, v in dict(self.headers).items()}
        tail = f", body={body}" if body is not None else ""
        return f"Request({self.method} {url}, headers={headers!r}{tail})"

    __str__ = __repr__

    @property
    def now_ms(self) -> int:
        """Server time in milliseconds."""
        return int(self.now * 1000)

    def header(self, name: str) -> str | None:
        """A header's value (case-insensitive name), or None."""
        return self.headers.get(name.lower())

    @property
    def params(self) -> dict[str, str]:
        """Query parameters, decoded (the last one wins on repeats)."""
        return dict(parse_qsl(self.query, keep_blank_values=True))

    def json(self) -> Any:
        """The body parsed as JSON (``ValueError`` when it is not JSON)."""
        return json.loads(self.body.decode("utf-8")) if self.body.strip() else {}


@dataclass
class Reply:
    """What the simulator answers.

    Unpacks as ``status, headers, body``.  ``delay`` (seconds) is how late the answer
    comes; ``dropped`` means the connection closes with no answer at all; ``cut`` that
    it closes after the headers and half of the body (an incomplete read).  ``code`` is
    the exchange's own code, kept for the call log.
    """

    status: int
    headers: dict[str, str]
    body: bytes
    code: int | None = None
    delay: float = 0.0
    dropped: bool = False
    cut: bool = False

    def __iter__(self) -> Iterator[Any]:
        return iter((self.status, self.headers, self.body))

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


def json_reply(
    obj: Any,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    code: int | None = None,
) -> Reply:
    """A JSON :class:`Reply` (compact separators, like the exchanges)."""
    body = json.dumps(obj, separators=(",", ":"), allow_nan=False).encode()
    out = {"Content-Type": "application/json"}
    out.update(headers or {})
    return Reply(status, out, body, code=code)


parse_number = _parse_number  # one parser: levkit.numbers.parse_number
