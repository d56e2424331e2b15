"""levkit's exception hierarchy, and its warnings.

Every error levkit raises on purpose derives from :class:`LevkitError`.  No message,
``repr`` or attribute of these exceptions ever holds an API secret: the transport only
passes the endpoint path (never the signed query string) into them.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from collections.abc import Mapping
from types import MappingProxyType

__all__ = [
    "FetchWarning",
    "LadderWarning",
    "StaleDataWarning",
    "LevkitError",
    "ExchangeError",
    "AuthenticationError",
    "RateLimitError",
    "InvalidLeverageError",
    "PositionModeError",
    "TransportError",
    "ParseError",
    "InvalidSymbolError",
    "InvalidNotionalError",
    "ExchangeLeverageError",
    "InvalidPositionError",
    "say_missing",
]

log = logging.getLogger("levkit")


class LevkitError(Exception):
    """Base class of every error levkit raises on purpose.

    Attributes
    ----------
    partial : bool
        A multi-request operation (``set_leverage`` of both sides where the venue sets one
        side per request) failed after an earlier request of it was applied.
    applied : mapping
        What that earlier request applied, per side: ``{"long": 25.0}`` (empty otherwise).
    mode : str
        The position mode levkit believed the account was in when it sent the call.
    """

    partial: bool = False
    applied: Mapping[str, float] = MappingProxyType({})
    mode: str = ""


class TransportError(LevkitError):
    """The exchange could not be reached or answered something that is not its API.

    Raised after retries are exhausted for timeouts, dropped connections, HTML error
    pages and malformed JSON.  ``endpoint`` is the path (no query string, no signature).
    """

    def __init__(
        self, message: str, *, exchange: str = "", endpoint: str = "", status: int | None = None
    ):
        super().__init__(message)
        self.exchange = exchange
        self.endpoint = endpoint
        self.status = status


class ExchangeError(LevkitError):
    """The exchange answered with an error code.

    Attributes
    ----------
    exchange : str
        The venue's registry name (``lk.exchanges().index``).
    code : int, str or None
        The exchange's own error code (``retCode``, ``ret_code``, ``code``; Gate's are words
        such as ``CONTRACT_NOT_FOUND``) or the HTTP status.
    message : str
        The exchange's message, possibly with levkit's explanation appended.
    endpoint : str
        The path called, e.g. ``"/v5/position/set-leverage"``.
    retryable : bool
        Whether the transport may try the call again (a server error the venue's error
        table marks as passing).
    partial, applied, mode
        See :class:`LevkitError`.
    """

    retryable: bool = False

    def __init__(
        self,
        message: str = "",
        *,
        exchange: str = "",
        code: int | str | None = None,
        endpoint: str = "",
        status: int | None = None,
    ):
        self.exchange = exchange
        self.code = code
        self.message = message
        self.endpoint = endpoint
        self.status = status
        super().__init__(self._text())

    def _text(self) -> str:
        where = f" {self.endpoint}" if self.endpoint else ""
        code = f" code {self.code}" if self.code is not None else ""
        return f"{self.exchange or 'exchange'}{where}:{code} {self.message}".strip()

    def __reduce__(self):  # keep pickling working with keyword-only args
        return (
            _rebuild,
            (type(self), self.message, self.exchange, self.code, self.endpoint, self.status),
        )


def _rebuild(cls, message, exchange, code, endpoint, status):
    return cls(message, exchange=exchange, code=code, endpoint=endpoint, status=status)


class AuthenticationError(ExchangeError):
    """Missing, wrong, expired or badly signed credentials, or a rejected timestamp."""


class RateLimitError(ExchangeError):
    """The exchange (or levkit's own limiter) refused the call for rate reasons.

    ``retry_after`` is the number of seconds to wait before trying again (``None`` if unknown).
    """

    def __init__(self, message: str = "", *, retry_after: float | None = None, **kwargs):
        self.retry_after = retry_after
        super().__init__(message, **kwargs)

    def __reduce__(self):
        return (
            _rebuild_rl,
            (self.message, self.retry_after, self.exchange, self.code, self.endpoint, self.status),
        )


def _rebuild_rl(message, retry_after, exchange, code, endpoint, status):
    return RateLimitError(
        message,
        retry_after=retry_after,
        exchange=exchange,
        code=code,
        endpoint=endpoint,
        status=status,
    )


class InvalidLeverageError(LevkitError, ValueError):
    """A leverage that is not finite, below 1, above the symbol's maximum or off its step.

    Raised before anything is sent.  It is a ``ValueError`` too.
    """


class PositionModeError(ExchangeError):
    """The side asked for does not fit the account's position mode (one-way vs hedge)."""


class ParseError(LevkitError, ValueError):
    """An exchange answer did not have the shape or values levkit expects."""


class InvalidSymbolError(LevkitError, ValueError):
    """A symbol levkit cannot read as a market (empty, bad characters, unknown quote)."""


class InvalidNotionalError(LevkitError, ValueError):
    """A position notional that is negative, not finite or above the ladder's top band."""


class ExchangeLeverageError(ExchangeError, InvalidLeverageError):
    """The exchange refused a leverage as too high for the symbol (Bybit v2 34019,
    BingX 101414): an :class:`ExchangeError` (with ``code``) and an
    :class:`InvalidLeverageError` (so a ``ValueError``) at once."""


class LadderWarning(UserWarning):
    """A risk-limit ladder the answer cannot fully trust: not monotonic (caps, leverages or
    rates out of order), or incomplete, so that the answer rests on its unknown part (a
    lower bound, not the exchange's figure).  The message names the symbol."""


class StaleDataWarning(LadderWarning):
    """A saved or shipped ladder older than 30 days was used; the message gives its
    ``as_of``.  Refresh it with ``levkit snapshot`` or ``lk.save_snapshot``."""


class FetchWarning(UserWarning):
    """Some ladders asked for could not be fetched (a venue, a (venue, symbol) pair, a page
    of a listing); the others were returned."""


def say_missing(text: str, *, stacklevel: int | None = None) -> None:
    """Log and warn (:class:`FetchWarning`) that something asked for is missing from a
    frame: the one way a client says it, never a log line alone.  The warning points at
    the caller's code (the first frame outside levkit) unless ``stacklevel`` is given."""
    log.warning(text)
    level = stacklevel if stacklevel is not None else caller_stacklevel()
    warnings.warn(text, FetchWarning, stacklevel=level)


_LEVKIT_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def caller_stacklevel() -> int:
    """The ``stacklevel`` that points a warning raised here at the first frame outside
    levkit (the user's line), counted from the function that calls ``warnings.warn``."""
    level = 1
    frame = sys._getframe(1)  # the frame that calls warnings.warn (stacklevel 1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_LEVKIT_DIR):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level


class InvalidPositionError(LevkitError, ValueError):
    """A position levkit cannot price: a side other than long/short, both or neither of
    notional and size, a price that is not a positive number, an unknown exchange.

    Raised by :func:`levkit.liquidation.liquidation_price` and
    :func:`levkit.model.sizing.leverage_for`; the message names the argument.
    """
