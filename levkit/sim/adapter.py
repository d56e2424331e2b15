"""The in-process transport: a ``requests`` adapter that hands every request to a
:class:`~levkit.sim.Simulator` instead of the network.

Mounted on ``https://`` and ``http://`` by :meth:`Simulator.session`, so clients keep
their default hosts.  A dropped connection raises ``requests.exceptions.ConnectionError``,
an answer cut off mid-way ``requests.exceptions.ChunkedEncodingError`` (as over HTTP);
latency beyond the request's read timeout waits only the timeout (through the simulator's
injectable ``sleep``) and raises ``requests.exceptions.ReadTimeout``.
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

if TYPE_CHECKING:
    from .core import Simulator

__all__ = ["SimAdapter", "SimulatorSession"]


_REASONS = {
    200: "OK",
    403: "Forbidden",
    404: "Not Found",
    418: "I'm a teapot",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


def _read_timeout(timeout: Any) -> float | None:
    if isinstance(timeout, tuple):
        timeout = timeout[1] if len(timeout) > 1 else timeout[0]
    return None if timeout is None else float(timeout)


class SimAdapter(BaseAdapter):
    """``requests`` transport adapter answering from a simulator.

    Parameters
    ----------
    sim : Simulator

    Examples
    --------
    >>> import requests
    >>> from levkit.sim import Simulator
    >>> s = requests.Session()
    >>> s.mount("https://", SimAdapter(Simulator()))
    >>> s.get("https://open-api.bingx.com/openApi/swap/v2/server/time").json()["code"]
    0
    """

    def __init__(self, sim: Simulator) -> None:
        super().__init__()
        self.sim = sim

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        """Answer ``request`` from the simulator (see the module notes for faults)."""
        url = urlsplit(request.url or "")
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        elif not isinstance(body, bytes):  # a file-like or generator body
            body = b"".join(body if not hasattr(body, "read") else [body.read()])
        reply = self.sim.handle(
            request.method or "GET", url.path or "/", url.query, dict(request.headers), body
        )
        if reply.dropped:
            raise requests.exceptions.ConnectionError(
                "('Connection aborted.', RemoteDisconnected('Remote end closed connection "
                "without response'))",
                request=request,
            )
        if reply.cut:  # what requests raises when the connection closes mid-body
            half = len(reply.body) // 2
            raise requests.exceptions.ChunkedEncodingError(
                f"('Connection broken: IncompleteRead({half} bytes read, "
                f"{len(reply.body) - half} more expected)')",
                request=request,
            )
        limit = _read_timeout(timeout)
        if reply.delay > 0:
            if limit is not None and reply.delay > limit:
                self.sim.sleep(limit)
                raise requests.exceptions.ReadTimeout(
                    f"simulator: read timed out (read timeout={limit})", request=request
                )
            self.sim.sleep(reply.delay)
        resp = requests.Response()
        resp.status_code = reply.status
        resp.reason = _REASONS.get(reply.status, "")
        resp.headers = CaseInsensitiveDict(reply.headers)
        resp.encoding = get_encoding_from_headers(resp.headers) or "utf-8"
        resp.raw = io.BytesIO(reply.body)
        resp._content = reply.body
        resp._content_consumed = True  # type: ignore[attr-defined]  # requests' own flag, unstubbed
        resp.url = request.url or ""
        resp.request = request
        # types-requests types it an HTTPAdapter; requests sets whichever adapter sent it.
        resp.connection = self  # type: ignore[assignment]
        resp.elapsed = timedelta(seconds=reply.delay)
        return resp

    def close(self) -> None:
        """Nothing to release."""


class SimulatorSession(requests.Session):
    """A ``requests.Session`` a simulator answers; clients on it read ``levkit_simulator``
    and report the simulator as their host, never mainnet."""

    def __init__(self, sim: Simulator) -> None:
        super().__init__()
        self.levkit_simulator = sim
        adapter = sim.adapter()
        self.mount("https://", adapter)
        self.mount("http://", adapter)
