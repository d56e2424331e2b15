"""One transport for every exchange call: session, signing, retries, skew, rate limits.

The exchange-specific parts live in a small :class:`Dialect` object per API (how to sign,
how to read the envelope, which codes mean "slow down" or "clock skew"); everything
else (timeouts, retries with backoff, honouring reset headers, the server-time offset,
client-side rate limits, DEBUG logging without secrets) is here, once.

Clock and sleep are injectable: tests pass fakes and never really wait.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Container, Mapping
from typing import Any

import msgspec
import requests

from ..errors import (
    AuthenticationError,
    ExchangeError,
    LevkitError,
    ParseError,
    RateLimitError,
    TransportError,
)
from .masking import guard_http_logs
from .ratelimit import RateLimiter
from .retry import RetryPolicy, failure_text
from .wire import (  # re-exported: the transport's vocabulary
    SIMULATOR_HEADER,
    Credentials,
    Dialect,
    Prepared,
    RequestPreview,
    Response,
    check_base_url,
    mask,
    scrub_request,
)

__all__ = [
    "Credentials",
    "Dialect",
    "Prepared",
    "RequestPreview",
    "Response",
    "RetryPolicy",
    "Transport",
    "check_base_url",
    "mask",
]

log = logging.getLogger("levkit")
guard_http_logs()  # urllib3 logs request URLs: their signatures and keys masked


_decode_json = msgspec.json.Decoder().decode
#: What reading the server's time from an arbitrary answer may raise (then: our clock).
_NO_SERVER_TIME = (msgspec.DecodeError, LevkitError, ArithmeticError, LookupError, TypeError,
                   ValueError, AttributeError)  # fmt: skip


class Transport:
    """Send a call, sign it, retry it when that is safe, and read the envelope.

    Parameters
    ----------
    dialect : Dialect
        The exchange's signing and envelope rules.
    base_url : str
        ``https://host`` (``http://`` only on loopback).
    session : requests.Session, optional
        Used for every call (mount adapters, caches, a simulator, ``responses`` in tests).
    timeout : float
        Seconds, on every call.
    retry : RetryPolicy
        Bounded retries for timeouts, dropped connections, 429/5xx, HTML or malformed
        answers and the exchange's "too many requests" codes.
    clock, sleep : callables
        ``clock()`` returns epoch seconds; ``sleep(s)`` waits.  Injected by tests.
    """

    def __init__(
        self,
        dialect: Dialect,
        base_url: str,
        *,
        session: requests.Session | None = None,
        credentials: Credentials | None = None,
        recv_window: int = 5000,
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.dialect = dialect
        self.base_url = check_base_url(base_url)
        self.session = session if session is not None else requests.Session()
        self.credentials = credentials
        self.recv_window = int(recv_window)
        self.timeout = float(timeout)
        self.retry = retry or RetryPolicy()
        self.clock = clock
        self.sleep = sleep
        self.offset_ms = 0  # server time minus local time, learnt on a skew error
        self.last_rate_limit: dict[str, Any] = {}
        self.calls = 0  # HTTP requests actually sent (retries included)
        self.waited = 0.0  # seconds slept in backoff

    # -- building ------------------------------------------------------------------------
    def now_ms(self) -> int:
        return int(self.clock() * 1000) + self.offset_ms

    def prepare(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        signed: bool = False,
    ) -> Prepared:
        creds = self.credentials if signed else None
        if signed and creds is None:
            raise AuthenticationError(
                f"{path} needs API keys", exchange=self.dialect.exchange, endpoint=path
            )
        query, body, headers = self.dialect.prepare(
            method,
            path,
            dict(params or {}),
            credentials=creds,
            timestamp_ms=self.now_ms(),
            recv_window=self.recv_window,
        )
        url = self.base_url + path + (f"?{query}" if query else "")
        return Prepared(method, url, headers, body, path)

    def preview(
        self, method: str, path: str, params: Mapping[str, Any] | None = None, *, note: str = ""
    ) -> RequestPreview:
        """The request :meth:`request` would send, key masked and signature elided."""
        prepared = self.prepare(method, path, params, signed=True)
        url, headers, body = self.dialect.preview(prepared)
        return RequestPreview(
            self.dialect.exchange, method, url, headers, body, params=dict(params or {}), note=note
        )

    # -- sending -------------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        signed: bool = False,
        limiter: RateLimiter | None = None,
        accept: Container[int] = (),
        decoder: Callable[[bytes], Any] | None = None,
        write: bool | None = None,
    ) -> Response:
        """Send one API call and return its checked :class:`Response`.

        ``accept`` lists exchange codes that are answers, not errors (e.g. Bybit 110043
        "leverage not modified"); the code is then in ``Response.code``.  ``decoder`` turns
        the body bytes into the envelope (default: generic JSON); a typed msgspec decoder
        makes large answers much faster to read.

        ``write`` says whether the call changes something on the exchange (default: any
        method but GET; Hyperliquid's ``POST /info`` is a read and says ``write=False``).
        A write that ends in a :class:`TransportError` (no readable answer on any try)
        may still have been applied by the exchange: the error says so.  A read's error
        never does.

        No exception raised here carries the signed request: the ``requests`` exception
        behind a dropped connection or a timeout is not chained (``__context__`` is
        None), and the answers it keeps have their request scrubbed.
        """
        if write is None:
            write = method.upper() != "GET"
        failed: TransportError | None = None
        try:
            return self._attempts(method, path, params, signed, limiter, accept, decoder)
        except TransportError as exc:
            if not write:
                raise
            failed = exc
        # Raised outside the handler, so the error chains nothing (no hidden request).
        raise TransportError(
            f"{failed} (the exchange may still have applied this {method}: read the state "
            "back, e.g. with leverage(), before trying again)",
            exchange=failed.exchange,
            endpoint=failed.endpoint,
            status=failed.status,
        )

    def _attempts(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        signed: bool,
        limiter: RateLimiter | None,
        accept: Container[int],
        decoder: Callable[[bytes], Any] | None,
    ) -> Response:
        """The retry loop behind :meth:`request`."""
        exchange = self.dialect.exchange
        attempt = 0
        skew_fixed = False
        while True:
            if limiter is not None:
                limiter.acquire()
            prepared = self.prepare(method, path, params, signed=signed)
            try:
                response = self._send(prepared)
            except LevkitError as exc:
                attempt = self._backoff_or_raise(exc, attempt, None)
                continue
            rate = self.dialect.rate_limit(response.headers)
            if rate:
                self.last_rate_limit = rate
            retry_after = self.dialect.retry_after(response.headers, self.now_ms())
            try:
                result, meta, code = self._read(response, path, accept, decoder)
            except ExchangeError as exc:
                if signed and exc.code in self.dialect.skew_codes and not skew_fixed:
                    log.debug(
                        "%s %s: clock skew (code %s), syncing server time", exchange, path, exc.code
                    )
                    attempt = self._sync_time_retrying(attempt)
                    skew_fixed = True
                    continue
                if exc.code in self.dialect.skew_codes:
                    raise AuthenticationError(
                        f"{exc.message} (timestamp rejected even after syncing with the server "
                        "clock; check this machine's clock or raise recv_window)",
                        exchange=exchange,
                        code=exc.code,
                        endpoint=path,
                    ) from None
                attempt = self._backoff_or_raise(exc, attempt, retry_after)
                continue
            except TransportError as exc:  # 5xx, HTML or malformed answers
                attempt = self._backoff_or_raise(exc, attempt, retry_after)
                continue
            simulated = response.headers.get(SIMULATOR_HEADER) == "1"
            return Response(
                result, meta, dict(self.last_rate_limit), simulated, response.status_code, code
            )

    def _send(self, prepared: Prepared) -> requests.Response:
        exchange = self.dialect.exchange
        start = time.perf_counter()
        self.calls += 1
        what = ""
        try:
            response = self.session.request(
                prepared.method,
                prepared.url,
                data=prepared.body,
                headers=prepared.headers,
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            what = failure_text(exc, self.timeout)
        if what:
            log.debug(
                "%s %s %s -> %s after %.3fs",
                exchange,
                prepared.method,
                prepared.endpoint,
                what,
                time.perf_counter() - start,
            )
            # Raised outside the handler: the requests exception (whose ``.request`` holds
            # the signed headers, passphrase included) is not chained as __context__.
            raise TransportError(
                f"{prepared.endpoint}: {what}", exchange=exchange, endpoint=prepared.endpoint
            )
        response.request = scrub_request(response.request)  # no live signature kept
        for earlier in response.history:
            earlier.request = scrub_request(earlier.request)
        log.debug(
            "%s %s %s -> HTTP %s in %.3fs",
            exchange,
            prepared.method,
            prepared.endpoint,
            response.status_code,
            time.perf_counter() - start,
        )
        return response

    def _envelope_code(
        self, response: requests.Response, path: str
    ) -> tuple[int | str | None, str]:
        """The exchange's own code and message when an HTTP error still carries its envelope
        (BingX answers 429 with ``{"code": 100410, ...}``); ``(None, "")`` otherwise."""
        try:
            payload = _decode_json(response.content)
            self.dialect.check(payload, endpoint=path, status=response.status_code, accept=())
        except ExchangeError as exc:
            return exc.code, exc.message
        except (LevkitError, msgspec.DecodeError):
            pass
        return None, ""

    def _read(
        self,
        response: requests.Response,
        path: str,
        accept: Container[int],
        decoder: Callable[[bytes], Any] | None = None,
    ) -> tuple[Any, dict[str, Any], int]:
        exchange = self.dialect.exchange
        status = response.status_code
        if status in (403, 418) or (status == 429):
            retry_after = self._reset_in(response)
            kind = {
                403: "IP rate limit or access denied (HTTP 403)",
                418: "IP banned for ignoring rate limits (HTTP 418)",
                429: "too many requests (HTTP 429)",
            }[status]
            code, said = self._envelope_code(response, path)
            raise RateLimitError(
                f"{said} ({kind})" if said else kind,
                retry_after=retry_after,
                exchange=exchange,
                code=code if code is not None else status,
                endpoint=path,
                status=status,
            )
        try:
            payload = (decoder or _decode_json)(response.content)
        except msgspec.ValidationError as exc:
            if status >= 500:
                raise self._server_error(path, status) from None
            raise ParseError(f"{exchange} {path}: unexpected answer shape: {exc}") from None
        except msgspec.DecodeError:
            ctype = response.headers.get("Content-Type", "?")
            if 400 <= status < 500 and status != 408:
                # A client-error page (e.g. a route the exchange removed): retrying cannot help.
                raise ExchangeError(
                    f"HTTP {status} and no API answer ({ctype}): the path is not served here",
                    exchange=exchange,
                    code=status,
                    endpoint=path,
                    status=status,
                ) from None
            raise TransportError(
                f"{path}: HTTP {status} answer is not JSON ({ctype}, {len(response.content)} bytes)",
                exchange=exchange,
                endpoint=path,
                status=status,
            ) from None
        if status >= 500:
            raise self._server_error(path, status)
        try:
            return self.dialect.check(payload, endpoint=path, status=status, accept=accept)
        except RateLimitError as exc:
            # An exchange code (Bybit 10006, BingX 109429...) says "slow down"; the reset
            # headers say until when: keep it on the error, also when retries run out.
            if exc.retry_after is None:
                exc.retry_after = self._reset_in(response, payload)
            raise

    def _server_error(self, path: str, status: int) -> TransportError:
        """A 5xx answer: retried like a dropped connection."""
        return TransportError(
            f"{path}: server error HTTP {status}",
            exchange=self.dialect.exchange,
            endpoint=path,
            status=status,
        )

    def _reset_in(self, response: requests.Response, payload: Any = None) -> float | None:
        """Seconds until the exchange's rate-limit window resets.

        Reset headers may be absolute timestamps on the server's clock; when the answer
        says the server's time (Bybit ``time``, BingX ``timestamp``, v2 ``time_now`` in the
        body; Gate's ``X-Out-Time`` header, read by the dialect's optional ``header_time``)
        they are measured against it, so a local clock that is off (before any skew sync)
        does not turn a 1 s wait into 121 s, or into none at all.
        """
        now_ms = self.now_ms()
        stamped = getattr(self.dialect, "header_time", None)  # Gate: X-Out-Time on every answer
        said = stamped(response.headers) if stamped is not None else None
        if said is not None:
            return self.dialect.retry_after(response.headers, said)
        try:
            if payload is None:
                payload = _decode_json(response.content)
            now_ms = int(self.dialect.server_time(payload))
        except _NO_SERVER_TIME:
            pass  # no server time in this answer: our own clock (plus any learnt offset)
        return self.dialect.retry_after(response.headers, now_ms)

    def _backoff_or_raise(self, exc: LevkitError, attempt: int, retry_after: float | None) -> int:
        retryable = isinstance(exc, RateLimitError | TransportError) or (
            isinstance(exc, ExchangeError) and exc.retryable
        )
        if isinstance(exc, RateLimitError) and exc.status in (403, 418):
            retryable = False  # an IP ban lasts minutes: say so instead of hammering
        if isinstance(exc, RateLimitError) and exc.retry_after is not None:
            retry_after = exc.retry_after
        if not retryable or attempt >= self.retry.max_retries:
            raise exc
        delay = self.retry.delay(attempt, retry_after)
        if delay > self.retry.max_wait:
            if isinstance(exc, RateLimitError):
                exc.retry_after = delay
                raise exc
            raise exc
        log.debug(
            "%s %s: %s; retry %d/%d in %.2fs",
            self.dialect.exchange,
            getattr(exc, "endpoint", ""),
            type(exc).__name__,
            attempt + 1,
            self.retry.max_retries,
            delay,
        )
        self.sleep(delay)
        self.waited += delay
        return attempt + 1

    def _sync_time_retrying(self, attempt: int) -> int:
        """:meth:`sync_time`, retried like any call (5xx, timeouts, drops, rate limits, with
        their ``Retry-After``) out of the same ``max_retries`` budget as the call that needs
        it; return the attempt count."""
        while True:
            retry_after = None
            try:
                before = self.clock()
                response = self._send(self._time_request())
                after = self.clock()
                retry_after = self.dialect.retry_after(response.headers, self.now_ms())
                self._learn_offset(response, before, after)
                return attempt
            except LevkitError as exc:
                attempt = self._backoff_or_raise(exc, attempt, retry_after)

    def sync_time(self) -> int:
        """Fetch the server time and keep ``offset_ms`` (server minus local), midpoint-corrected."""
        before = self.clock()
        response = self._send(self._time_request())
        return self._learn_offset(response, before, self.clock())

    def _time_request(self) -> Prepared:
        return self.prepare("GET", self.dialect.server_time_path, None, signed=False)

    def _learn_offset(self, response: requests.Response, before: float, after: float) -> int:
        result, meta, _ = self._read(response, self.dialect.server_time_path, ())
        server_ms = self.dialect.server_time({"result": result, **meta})
        local_ms = int((before + after) / 2 * 1000)
        self.offset_ms = server_ms - local_ms
        log.debug("%s: server clock offset %d ms", self.dialect.exchange, self.offset_ms)
        return self.offset_ms
