"""Bybit legacy v2: ``GET /user/leverage`` and ``POST /user/leverage/save``.

Bybit abandoned both endpoints in late 2020 and has since taken the v2 API offline.
levkit keeps them for compatibility (old scripts, simulators, archived hosts) and says so:
creating :class:`BybitLegacy` emits a ``DeprecationWarning``.  Use :class:`~levkit.Bybit`
(v5: ``/v5/position/list``, ``/v5/position/set-leverage``) for real accounts.

What differs from v5 lives here, as data and small functions: v2 signs sorted parameters
(``api_key``, ``timestamp`` and ``recv_window`` among them, ``sign`` added) instead of
headers, and wraps answers in the ``ret_code`` envelope.  The shared error codes (10002,
10003, 10004, 10006...) map through :func:`levkit.exchanges.bybit.bybit_error`.

>>> import levkit as lk
>>> client = lk.BybitLegacy("test-key-0000", "test-secret-not-real")  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import math
import os
import sys
import warnings
from collections.abc import Container, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

import msgspec
import pandas as pd

from ..errors import (
    ExchangeError,
    ExchangeLeverageError,
    InvalidLeverageError,
    LevkitError,
    PositionModeError,
    RateLimitError,
)
from ..frames import leverage_frame, stamp
from ..parse._util import code_of
from ..parse.bybit_legacy import (
    parse_envelope,
    parse_leverage_save,
    parse_user_leverage,
    rate_limit_of,
    retry_after_of,
    time_now_ms,
)
from ..signing import bybit_v2_param_string, bybit_v2_signature
from ..symbols import to_bybit
from ..wire import Credentials, Prepared, Response, mask
from .base import Client, check_leverage, check_side
from .bybit import Bybit, BybitDialect, bybit_error

__all__ = ["BybitLegacy", "BybitLegacyDialect", "ExchangeLeverageError", "legacy_error"]

log = logging.getLogger("levkit")

USER_LEVERAGE = "/user/leverage"
SAVE = "/user/leverage/save"
#: "leverage not modified" (34036) and "new leverage equals the old" (34015, 34020).
NOT_MODIFIED = frozenset({34036, 34015, 34020})
ABOVE_MAX = 34019
#: The highest leverage any v2 inverse perpetual allowed (BTCUSD, 100x).  Checked before
#: sending; a symbol with a lower maximum answers 34019 (-> ExchangeLeverageError).
MAX_LEVERAGE = 100.0
LEVERAGE_STEP = 0.01

DEPRECATION = (
    "lk.BybitLegacy calls GET /user/leverage and POST /user/leverage/save, which Bybit "
    "abandoned in late 2020; the v2 API has since been taken offline. lk.Bybit replaces "
    "them (v5: GET /v5/position/list and POST /v5/position/set-leverage)."
)
CAPS_NOTE = (
    "max_leverage and max_position_value are NaN: v2 /user/leverage does not report them. "
    "levkit does not fill them from the v5 inverse risk-limit ladder, which would take extra "
    "calls to another API; lk.Bybit().risk_limits(symbol, category='inverse') has it."
)
_LEVKIT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def legacy_error(code: int, message: str, endpoint: str) -> ExchangeError:
    """The levkit exception for a v2 ``ret_code`` (or HTTP 404 / v5 10017 on a v2 path)."""
    kw: dict[str, Any] = {"exchange": "bybit-legacy", "code": code, "endpoint": endpoint}
    if code in (404, 10017):
        return ExchangeError(
            f"{message} (Bybit no longer serves {endpoint}: the v2 API was taken offline after "
            "the endpoint was abandoned in late 2020; use lk.Bybit, whose leverage() reads "
            "/v5/position/list and set_leverage() posts /v5/position/set-leverage)",
            **kw,
        )
    if code == ABOVE_MAX:
        return ExchangeLeverageError(
            f"{message} (leverage above this symbol's maximum; choose a lower leverage)", **kw
        )
    if code in NOT_MODIFIED:
        return ExchangeError(f"{message} (leverage not modified)", **kw)
    v5 = bybit_error(code, message, endpoint)  # the codes v2 shares with v5
    err = type(v5)(v5.message, **kw)
    err.retryable = getattr(v5, "retryable", False)  # type: ignore[attr-defined]
    return err


def _wire(value: Any) -> Any:
    """Whole floats go as integers, so the JSON body and the signed string agree (5, not 5.0)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _is_v5(payload: Any) -> bool:
    return isinstance(payload, dict) and "retCode" in payload and "ret_code" not in payload


class BybitLegacyDialect:
    """Signing and envelope rules of Bybit's v2 API (see API_NOTES.md)."""

    exchange = "bybit-legacy"
    # v2's own envelope carries time_now on every public v2 path, but v2 is offline: the
    # server time comes from the v5 endpoint on the same host (its answer is read below).
    server_time_path = "/v5/market/time"
    skew_codes = frozenset({10002})

    def __init__(self) -> None:
        self._v5 = BybitDialect()

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
        sent = {k: _wire(v) for k, v in params.items()}
        sign = None
        if credentials is not None:
            sent.update(
                api_key=credentials.api_key, timestamp=timestamp_ms, recv_window=recv_window
            )
            sent = dict(sorted(sent.items()))
            sign = bybit_v2_signature(credentials.secret, sent)
        if method == "GET":
            if sign is None:
                return urlencode(sent), None, {}
            # The signed string itself is the query (keys, numbers and symbols need no escaping).
            return f"{bybit_v2_param_string(sent)}&sign={sign}", None, {}
        if sign is not None:
            sent["sign"] = sign
        return "", msgspec.json.encode(sent).decode(), {"Content-Type": "application/json"}

    def check(
        self, payload: Any, *, endpoint: str, status: int, accept: Container[int]
    ) -> tuple[Any, dict[str, Any], int]:
        if _is_v5(payload):  # /v5/market/time, or the host's v5-style answer on a v2 path
            code = code_of(payload["retCode"], f"bybit {endpoint}")
            if code == 0 or code in accept:
                return self._v5.check(payload, endpoint=endpoint, status=status, accept=accept)
            raise legacy_error(code, str(payload.get("retMsg", "")), endpoint)
        if status == 404 and not (isinstance(payload, dict) and "ret_code" in payload):
            raise legacy_error(404, "HTTP 404", endpoint)
        code, result, envelope = parse_envelope(payload, endpoint)
        if code == 0 or code in accept:
            return result, envelope, code
        err = legacy_error(code, envelope["ret_msg"], endpoint)
        if isinstance(err, RateLimitError) and err.retry_after is None:
            err.retry_after = retry_after_of(envelope)
        raise err

    def rate_limit(self, headers: Mapping[str, str]) -> dict[str, Any]:
        """v2 reports its limits in the envelope (see :func:`rate_limit_of`), not in headers."""
        return {}

    def retry_after(self, headers: Mapping[str, str], now_ms: int) -> float | None:
        """``Retry-After``, or v5's reset headers (the server-time call is a v5 endpoint)."""
        return self._v5.retry_after(headers, now_ms)

    def server_time(self, payload: Any) -> int:
        ms = time_now_ms(payload) if "time_now" in payload else None
        return ms if ms is not None else self._v5.server_time(payload)

    def preview(self, prepared: Prepared) -> tuple[str, dict[str, str], str | None]:
        """The v2 key travels among the parameters: mask it there; elide ``sign``."""

        def hide(key: str, value: Any) -> Any:
            if key == "api_key":
                return mask(str(value))
            return "<signed when sent>" if key == "sign" else value

        url = prepared.url
        if "?" in url:
            base, query = url.split("?", 1)
            pairs = parse_qsl(query, keep_blank_values=True)
            url = base + "?" + "&".join(f"{k}={hide(k, v)}" for k, v in pairs)
        body = prepared.body
        if body:
            data = msgspec.json.decode(body)
            if isinstance(data, dict):
                body = msgspec.json.encode({k: hide(k, v) for k, v in data.items()}).decode()
        return url, dict(prepared.headers), body


def check_v2_leverage(leverage: Any, symbol: str = "") -> float:
    """Validate a v2 leverage before sending: finite, 1..100, on a 0.01 step; 0 refused.

    >>> check_v2_leverage(25, "BTCUSD")
    25.0
    """
    if not isinstance(leverage, bool):
        try:
            zero = float(leverage) == 0
        except (TypeError, ValueError):
            zero = False
        if zero:
            raise InvalidLeverageError(
                "leverage 0 meant 'cross margin' on Bybit v2, a margin-mode switch; levkit does "
                "not switch margin mode, so it sets only leverages of at least 1"
            )
    return check_leverage(leverage, max_leverage=MAX_LEVERAGE, step=LEVERAGE_STEP, symbol=symbol)


def _caller_stacklevel() -> int:
    """``stacklevel`` that points a warning at the first frame outside levkit."""
    level, frame = 1, sys._getframe(1)
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

    exchange = "bybit-legacy"
    hosts = Bybit.hosts
    env_prefix = "BYBIT"

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        warnings.warn(DEPRECATION, DeprecationWarning, stacklevel=_caller_stacklevel())

    def _dialect(self) -> BybitLegacyDialect:
        return BybitLegacyDialect()

    def _call(self, method: str, path: str, params: Any = None, **kw: Any) -> Response:
        try:
            return self.transport.request(method, path, params, signed=True, **kw)
        except ExchangeError as exc:
            if exc.code == 404 and exc.status == 404:  # a non-JSON 404: the route is gone
                raise legacy_error(404, "HTTP 404", path) from None
            raise

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
        sym = to_bybit(symbol) if symbol is not None else None
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
        resp = self._call("GET", USER_LEVERAGE)
        if isinstance(resp.result, dict) and not resp.result:
            raise LevkitError(
                f"Bybit v2 {USER_LEVERAGE} answered with no symbols: nothing to report "
                "(v2 listed inverse perpetuals such as BTCUSD; use lk.Bybit for v5 accounts)"
            )
        frame = parse_user_leverage(resp.result, source=resp.source)
        return self._stamp(frame, resp)

    def set_leverage(
        self, symbol: str, leverage: float, *, side: str = "both", dry_run: bool = False
    ):
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
            Send nothing and return the :class:`~levkit.transport.RequestPreview` (the JSON
            body with ``api_key`` masked and ``sign`` elided).

        Returns
        -------
        DataFrame
            One row (side ``both``) with ``changed`` (False on 34036/34015/34020) and
            ``previous_leverage``.
        """
        side = check_side(side)
        if side != "both":
            raise PositionModeError(
                f"side={side!r}: Bybit v2 kept one leverage per symbol, so only side='both' "
                "can be set (lk.Bybit sets long and short separately in hedge mode)",
                exchange=self.exchange,
                endpoint=SAVE,
            )
        sym = to_bybit(symbol)
        lev = check_v2_leverage(leverage, sym)
        self._require_keys("BybitLegacy.set_leverage")
        body = {"symbol": sym, "leverage": _wire(lev)}
        if dry_run:
            return self.transport.preview(
                "POST", SAVE, body, note=f"dry run: {sym} -> {lev:g}x, not sent"
            )
        before = self._user_leverage()
        row = before[before["symbol"] == sym]
        if len(row) and row["margin_mode"].iloc[0] == "cross":
            raise PositionModeError(
                f"{sym} is in cross margin (v2 leverage 0); saving a leverage would switch it to "
                "isolated margin, and levkit does not switch margin mode",
                exchange=self.exchange,
                endpoint=SAVE,
            )
        previous = float(row["leverage"].iloc[0]) if len(row) else math.nan
        resp = self._call(
            "POST", SAVE, body, accept=NOT_MODIFIED, limiter=self._limiter("set-leverage", 10)
        )
        not_modified = resp.code in NOT_MODIFIED
        answered = math.nan if not_modified else parse_leverage_save(resp.result)
        if math.isfinite(answered) and not math.isclose(answered, lev):
            log.warning("bybit v2 %s: asked for %gx, the answer says %gx", SAVE, lev, answered)
        new = answered if math.isfinite(answered) else lev
        same = math.isfinite(previous) and math.isclose(previous, new)
        # Not modified after a lost answer: we saw another value just before, so it changed.
        changed = (math.isfinite(previous) and not same) if not_modified else not same
        frame = leverage_frame(
            {
                "exchange": ["bybit"],
                "symbol": [sym],
                "side": ["both"],
                "leverage": [new],
                "changed": [changed],
                "previous_leverage": [previous],
                "margin_mode": ["isolated"],
            },
            source=resp.source,
        )
        return self._stamp(
            frame,
            resp,
            code=resp.code,
            message="leverage not modified" if not_modified else "leverage changed",
        )
