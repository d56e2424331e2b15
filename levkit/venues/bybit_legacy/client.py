"""Bybit legacy v2: ``GET /user/leverage`` and ``POST /user/leverage/save``.

Bybit abandoned both endpoints in late 2020 and has since taken the v2 API offline.
levkit keeps them for compatibility (old scripts, simulators, archived hosts) and says so:
creating :class:`BybitLegacy` emits a ``DeprecationWarning``.  Use :class:`~levkit.Bybit`
(v5: ``/v5/position/list``, ``/v5/position/set-leverage``) for real accounts.

What differs from v5 lives here, as data and small functions: v2 signs sorted parameters
(``api_key``, ``timestamp`` and ``recv_window`` among them, ``sign`` added) instead of
headers, and wraps answers in the ``ret_code`` envelope.  The shared error codes (10002,
10003, 10004, 10006...) are in this venue's error table (``spec.py``).

>>> import levkit as lk
>>> client = lk.BybitLegacy("test-key-0000", "test-secret-not-real")  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import math
import os
import sys
import warnings
from types import FrameType
from typing import Any

import pandas as pd

from ...client import Client, positions_frame
from ...client.setting import LeverageChange, SetAnswer, SetRequest, after_frame
from ...errors import (
    ExchangeError,
    ExchangeLeverageError,
    InvalidLeverageError,
    LevkitError,
    PositionModeError,
)
from ...frames import leverage_frame, stamp
from ...http.wire import Response, hide, hide_args, masked_key
from ...numbers import leverage_equal
from ...validate import check_leverage
from .dialect import BybitLegacyDialect, legacy_error, wire_value
from .parse import parse_leverage_save, parse_position_list, parse_user_leverage, rate_limit_of
from .spec import VENUE

__all__ = [
    "BybitLegacy",
    "BybitLegacyDialect",
    "ExchangeLeverageError",
    "legacy_error",
    "refuse_zero",
]

log = logging.getLogger("levkit")

USER_LEVERAGE = VENUE.endpoint("leverage").path
SAVE = VENUE.endpoint("set_leverage").path
#: "leverage not modified" (34036) and "new leverage equals the old" (34015, 34020).
NOT_MODIFIED = frozenset({34036, 34015, 34020})
ABOVE_MAX = 34019
#: The highest leverage any v2 inverse perpetual allowed (BTCUSD, 100x).  Checked before
#: sending; a symbol with a lower maximum answers 34019 (-> ExchangeLeverageError).
MAX_LEVERAGE = VENUE.capabilities.max_api_leverage
LEVERAGE_STEP = VENUE.capabilities.leverage_step

DEPRECATION = (
    "lk.BybitLegacy calls GET /user/leverage and POST /user/leverage/save, which Bybit "
    "abandoned in late 2020; the v2 API has since been taken offline. lk.Bybit replaces "
    "them (v5: GET /v5/position/list and POST /v5/position/set-leverage)."
)
CAPS_NOTE = (
    "max_leverage and max_position_value are NaN: v2 /user/leverage does not report them. "
    "levkit does not fill them from the v5 inverse risk-limit ladder, which would take extra "
    "calls to another API; lk.Bybit().risk_limits(symbol) has it (BTCUSD: category=inverse, "
    "caps in BTC)."
)
_LEVKIT_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))) + os.sep


def refuse_zero(leverage: Any) -> None:
    """Bybit v2 read leverage 0 as "cross margin", a margin-mode switch: refuse it with
    that reason (levkit sets leverages of at least 1 only).

    >>> refuse_zero(25)
    """
    if isinstance(leverage, bool):
        return
    try:
        zero = float(leverage) == 0
    except (TypeError, ValueError):
        zero = False
    if zero:
        raise InvalidLeverageError(
            "leverage 0 meant 'cross margin' on Bybit v2, a margin-mode switch; levkit does "
            "not switch margin mode, so it sets only leverages of at least 1"
        )


def check_v2_leverage(leverage: Any, symbol: str = "") -> float:
    """Validate a v2 leverage on its own: finite, 1..100, on a 0.01 step; 0 refused
    (``set_leverage`` runs the same checks in its one sequence).

    >>> check_v2_leverage(25, "BTCUSD")
    25.0
    """
    refuse_zero(leverage)
    return check_leverage(leverage, max_leverage=MAX_LEVERAGE, step=LEVERAGE_STEP, symbol=symbol)


def _caller_stacklevel() -> int:
    """``stacklevel`` that points a warning at the first frame outside levkit."""
    level = 1
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_LEVKIT_DIR):
        frame = frame.f_back
        level += 1
    return level


class BybitLegacy(Client):
    """Bybit's abandoned v2 leverage endpoints (inverse perpetuals such as ``BTCUSD``).

    Same constructor, hosts and environment variables (``BYBIT_*``) as :class:`~levkit.Bybit`.
    Creating one emits a ``DeprecationWarning``: the v2 API is offline; use ``lk.Bybit``.

    Examples
    --------
    >>> import levkit as lk
    >>> old = lk.BybitLegacy.from_env()       # doctest: +SKIP
    >>> old.set_leverage("BTCUSD", 5, dry_run=True)  # doctest: +SKIP
    """

    venue = VENUE

    def __init__(self, api_key: str | None = None, api_secret: str | None = None, **kwargs: Any):
        # Hidden before anything can raise: no plain secret in this frame (tracebacks).
        api_key, api_secret, kwargs = masked_key(api_key), hide(api_secret), hide_args(kwargs)
        super().__init__(api_key, api_secret, **kwargs)
        warnings.warn(DEPRECATION, DeprecationWarning, stacklevel=_caller_stacklevel())

    def _dialect(self) -> BybitLegacyDialect:
        return BybitLegacyDialect()

    def _call_error(self, exc: LevkitError, role: str) -> LevkitError:
        if isinstance(exc, ExchangeError) and exc.code == 404 and exc.status == 404:
            return legacy_error(404, "HTTP 404", self.venue.endpoint(role).path)  # route gone
        return exc

    def _stamp(self, frame: pd.DataFrame, response: Response, **extra: Any) -> pd.DataFrame:
        envelope = dict(response.meta) if "ret_code" in response.meta else {}
        return stamp(
            frame,
            response.source,
            envelope=envelope,
            rate_limit=rate_limit_of(envelope),
            host=self.base_url,
            api="bybit-v2",
            caps_note=CAPS_NOTE,
            **extra,
        )

    def leverage(self, symbol: str | None = None) -> pd.DataFrame:
        """Leverage per symbol from ``GET /user/leverage`` (all symbols; one row each, side
        ``both``).  ``margin_mode`` is ``"cross"`` where v2 reports 0 (``leverage`` NaN).

        ``attrs`` hold ``envelope`` (``ret_code``, ``time_now``, ``rate_limit_status``...)
        and ``rate_limit``.  ``max_leverage``/``max_position_value`` are NaN (see
        ``attrs["caps_note"]``).
        """
        sym = self.symbol(symbol) if symbol is not None else None
        self._require_keys("BybitLegacy.leverage")
        frame = self._user_leverage()
        if sym is not None:
            attrs = frame.attrs
            frame = frame[frame["symbol"] == sym].reset_index(drop=True)
            frame.attrs = attrs
            if frame.empty:
                raise LevkitError(f"Bybit v2 {USER_LEVERAGE} lists no leverage for {sym}")
        return frame

    def _user_leverage(self) -> pd.DataFrame:
        resp = self._call("leverage")
        if isinstance(resp.result, dict) and not resp.result:
            raise LevkitError(
                f"Bybit v2 {USER_LEVERAGE} answered with no symbols: nothing to report "
                "(v2 listed inverse perpetuals such as BTCUSD; use lk.Bybit for v5 accounts)"
            )
        frame = parse_user_leverage(resp.result, source=resp.source)
        return self._stamp(frame, resp)

    def positions(self, symbol: str) -> pd.DataFrame:
        """Open position on ``symbol`` from ``GET /v2/private/position/list`` (signed, v2
        signing): side ``both``, ``direction`` (Buy long, Sell short), ``size``
        (contracts), ``position_value`` in the unit of the symbol's ladder (inverse
        ``...USD``: the coin, v2's own ``position_value``, as the v5 inverse ladder that
        serves these symbols; the USD face value is ``position_value_usd``), ``entry_price``;
        ``mark_price`` NaN (v2 gives none); empty when flat.  See
        :func:`levkit.venues.bybit_legacy.parse.parse_position_list`.
        """
        sym = self.symbol(symbol)
        self._require_keys("BybitLegacy.positions")
        resp = self._call("positions", {"symbol": sym})
        frame = parse_position_list(resp.result, source=resp.source)
        frame = frame[frame["symbol"] == sym].reset_index(drop=True)
        return positions_frame(self._stamp(frame, resp))

    def set_leverage(
        self, symbol: str, leverage: float, *, side: str = "both", dry_run: bool = False
    ) -> SetAnswer:
        """Set the leverage of ``symbol`` with ``POST /user/leverage/save``.

        Validated before anything is sent: ``side`` must be ``"both"`` (v2 had one leverage
        per symbol); the leverage finite, at least 1, at most 100 (the highest any v2
        inverse perpetual allowed; a lower symbol maximum comes back as 34019 and raises
        :class:`ExchangeLeverageError`), on a 0.01 step; 0 (v2's "cross margin") is refused.
        The current leverage is read first (``GET /user/leverage``), so ``changed`` is honest
        even when a retry follows a lost answer; a symbol in cross margin is refused, since
        saving a leverage would switch it to isolated.

        Parameters
        ----------
        dry_run : bool
            Send nothing and return the :class:`~levkit.http.transport.RequestPreview` (the JSON
            body with ``api_key`` masked and ``sign`` elided); nothing is read either.

        Returns
        -------
        DataFrame
            One row (side ``both``) with ``changed`` (False on 34036/34015/34020) and
            ``previous_leverage``.
        """
        return self._set_leverage(symbol, leverage, side=side, dry_run=dry_run)

    one_side = (
        "Bybit v2 kept one leverage per symbol (lk.Bybit sets long and short separately "
        "in hedge mode)"
    )
    not_modified = NOT_MODIFIED

    def _leverage_value(self, leverage: Any, sym: str) -> float:
        refuse_zero(leverage)
        return super()._leverage_value(leverage, sym)

    def _leverage_limits(self, change: LeverageChange) -> tuple[float, float | None]:
        # No per-symbol maximum in v2: the API's own cap (max_api_leverage, 100x) applies;
        # a symbol with a lower maximum answers 34019 (ExchangeLeverageError).
        return math.inf, LEVERAGE_STEP

    def _read_state(self, sym: str, opts: dict, *, refresh: bool = False) -> pd.DataFrame:
        """The symbol's row of ``GET /user/leverage`` (leverage NaN when v2 lists none)."""
        every = self._user_leverage()
        row = every[every["symbol"] == sym].head(1).reset_index(drop=True)
        if row.empty:
            row = leverage_frame(
                {"exchange": [self.exchange], "symbol": [sym], "side": ["both"],
                 "leverage": [math.nan]},
                source=every.attrs.get("source", "api"),
            )  # fmt: skip
        row.attrs = dict(every.attrs)
        return row

    def _set_requests(self, change: LeverageChange) -> list[SetRequest]:
        body = {"symbol": change.symbol, "leverage": wire_value(change.value)}
        return [SetRequest("set_leverage", body, ("both",), accept=NOT_MODIFIED)]

    def _check_state(self, change: LeverageChange) -> None:
        before = change.before
        if (
            before is not None
            and "margin_mode" in before
            and (before["margin_mode"] == "cross").any()
        ):
            raise PositionModeError(
                f"{change.symbol} is in cross margin (v2 leverage 0); saving a leverage would "
                "switch it to isolated margin, and levkit does not switch margin mode",
                exchange=self.exchange,
                endpoint=SAVE,
            )

    def _set_result(self, change: LeverageChange, replies: list[Response]) -> pd.DataFrame:
        resp = replies[-1]
        answered = math.nan if resp.code in NOT_MODIFIED else parse_leverage_save(resp.result)
        lev = change.value
        if math.isfinite(answered) and not leverage_equal(answered, lev):
            log.warning("bybit v2 %s: asked for %gx, the answer says %gx", SAVE, lev, answered)
        after = after_frame(change, {"both": answered if math.isfinite(answered) else lev})
        after["margin_mode"] = "isolated"
        return after
