"""The loopback HTTP transport: the same :class:`~levkit.sim.Simulator` behind a
``ThreadingHTTPServer`` on 127.0.0.1 (or ``::1``); other hosts are refused.

A dropped-connection fault closes the socket without an answer, a partial-answer fault
after half of the body; latency faults wait (through the simulator's ``sleep``) before
answering.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import re
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from .core import Simulator

__all__ = ["SimServer", "check_loopback", "make_server"]

log = logging.getLogger("levkit")


def check_loopback(host: str) -> str:
    """Return ``host`` if it is a loopback address, else raise ``ValueError``.

    Examples
    --------
    >>> check_loopback("127.0.0.1")
    '127.0.0.1'
    """
    name = "127.0.0.1" if host == "localhost" else host.strip("[]")
    try:
        loopback = ipaddress.ip_address(name).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"the simulator only listens on loopback (127.0.0.1 or ::1), not {host!r}")
    return name


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "levkit-sim/1"
    timeout = 30
    sim: Simulator

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes: without this, Nagle + delayed ACK add ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _serve(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        reply = self.sim.handle(self.command, url.path, url.query, dict(self.headers), body)
        if reply.dropped:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        if reply.delay > 0:
            self.sim.sleep(reply.delay)
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if reply.cut:  # half the promised body, then close: the client reads too little
            self.wfile.write(reply.body[: len(reply.body) // 2])
            self.wfile.flush()
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(reply.body)

    do_GET = do_POST = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        # The request line holds the query string: Bybit v2 puts api_key (and every
        # exchange a signature) there.  Log the path only.
        args = tuple(_path_only(a) if isinstance(a, str) else a for a in args)
        log.debug("sim server: " + format, *args)


def _path_only(text: str) -> str:
    """``GET /path?query HTTP/1.1`` -> ``GET /path?... HTTP/1.1``."""
    return re.sub(r"\?\S*", "?...", text) if "?" in text else text


def _handle_error(self: ThreadingHTTPServer, request: Any, client_address: Any) -> None:
    """A client that gave up (its timeout, a dropped-connection test) is routine: log it at
    DEBUG instead of printing a traceback; anything else is logged with its traceback."""
    exc = sys.exc_info()[1]
    if isinstance(exc, ConnectionError | TimeoutError):
        log.debug("sim server: client %s went away (%s)", client_address, type(exc).__name__)
    else:
        log.exception("sim server: error while answering %s", client_address)


def make_server(sim: Simulator, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """A ``ThreadingHTTPServer`` answering from ``sim`` (not started)."""
    name = check_loopback(host)
    handler = type("SimHandler", (_Handler,), {"sim": sim})
    family = socket.AF_INET6 if ":" in name else socket.AF_INET
    server_cls = type(
        "SimHTTPServer",
        (ThreadingHTTPServer,),
        {
            "address_family": family,
            "daemon_threads": True,
            "block_on_close": False,
            "handle_error": _handle_error,
        },
    )
    return server_cls((name, int(port)), handler)


class SimServer:
    """The loopback server running on a background thread.

    Parameters
    ----------
    sim : Simulator
    host : str
        ``"127.0.0.1"`` (default), ``"localhost"`` or ``"::1"``.
    port : int
        0 picks a free port.

    Attributes
    ----------
    url : str
        Base URL to hand to a client as ``base_url`` (``"http://127.0.0.1:PORT"``).

    Examples
    --------
    >>> import requests
    >>> from levkit.sim import Simulator
    >>> with Simulator().serve() as url:
    ...     requests.get(url + "/v5/market/time", timeout=5).json()["retCode"]
    0
    """

    def __init__(self, sim: Simulator, host: str = "127.0.0.1", port: int = 0) -> None:
        self.sim = sim
        self.httpd = make_server(sim, host, port)
        address, self.port = self.httpd.server_address[:2]
        self.host = address if isinstance(address, str) else bytes(address).decode()
        shown = f"[{self.host}]" if ":" in str(self.host) else self.host
        self.url = f"http://{shown}:{self.port}"
        self._thread = threading.Thread(
            target=self.httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"levkit-sim:{self.port}",
            daemon=True,
        )
        self._thread.start()

    def close(self) -> None:
        """Stop serving and release the port."""
        if self._thread.is_alive():
            self.httpd.shutdown()
            self._thread.join(timeout=5)
        self.httpd.server_close()

    def __enter__(self) -> str:
        return self.url

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SimServer({self.url})"
