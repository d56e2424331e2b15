"""How often and how long the transport retries (:class:`RetryPolicy`), and what went
wrong on the wire, in words (:func:`failure_text`).  Re-exported by :mod:`levkit.http.transport`."""

from __future__ import annotations

from dataclasses import dataclass

import requests

__all__ = ["RetryPolicy", "failure_text"]


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry.  Data, not code (see tenacity's stop/wait).

    The n-th retry waits ``min(backoff * factor**n, max_backoff)`` seconds, or the
    exchange's own reset time when it sends one.  A reset further away than ``max_wait``
    is not waited for: the call raises :class:`~levkit.errors.RateLimitError` at once.
    """

    max_retries: int = 3
    backoff: float = 0.5
    factor: float = 2.0
    max_backoff: float = 8.0
    max_wait: float = 30.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        base = min(self.backoff * self.factor**attempt, self.max_backoff)
        if retry_after is not None and retry_after > 0:
            return max(retry_after, 0.0)
        return base


def failure_text(exc: requests.RequestException, timeout: float) -> str:
    """What went wrong on the wire, in words (no URL: it may hold a signature)."""
    if isinstance(exc, requests.Timeout):  # before ConnectionError: ConnectTimeout is both
        return f"no answer within {timeout:g}s"
    if isinstance(
        exc, requests.exceptions.ChunkedEncodingError | requests.exceptions.ContentDecodingError
    ):
        return "answer cut off before its end (connection closed mid-answer)"
    if isinstance(exc, requests.ConnectionError):
        return "connection failed or dropped"
    return type(exc).__name__
