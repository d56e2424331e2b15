"""BingX perpetual swap (USDT-M): leverage per side, setting it, margin bands (all signed).

>>> import levkit as lk
>>> lk.BingX("test-key-0000", "test-secret-not-real", testnet=True)
BingX(host='https://open-api-vst.bingx.com', api_key='test...')
"""

from __future__ import annotations

import contextlib
import html
import logging
import math
from collections.abc import Container, Mapping
from typing import Any

import pandas as pd

from ..errors import (
    AuthenticationError,
    ExchangeError,
    LevkitError,
    ParseError,
    PositionModeError,
    RateLimitError,
)
from ..parse._util import code_of
from ..parse.bingx import (
    apply_set_answers,
    parse_leverage,
    parse_margin_ratio,
    parse_open_orders,
    parse_position_mode,
    parse_positions,
    wire_sides,
)
from ..signing import bingx_param_string, bingx_signature
from ..snapshot import SnapshotError, load_snapshot
from ..symbols import to_bingx
from ..wire import Credentials, Prepared, RequestPreview, Response, mask, retry_after_header
from .base import Client, check_leverage, check_side, fill_caps

__all__ = ["BingX", "BingXDialect", "RequestSequence", "bingx_error", "WIRE_SIDES"]

log = logging.getLogger("levkit")

SERVER_TIME = "/openApi/swap/v2/server/time"
LEVERAGE = "/openApi/swap/v2/trade/leverage"
MODE = "/openApi/swap/v1/positionSide/dual"
MARGIN = "/openApi/swap/v1/maintMarginRatio"
POSITIONS = "/openApi/swap/v2/user/positions"
ORDERS = "/openApi/swap/v2/trade/openOrders"

#: requests per second on trade/leverage, GET and POST together (BingX: 5/s per account)
LEVERAGE_RATE = 5
#: levkit side -> BingX ``side`` words sent, in this order, per position mode
WIRE_SIDES: dict[str, dict[str, tuple[str, ...]]] = {
    "hedge": {"both": ("LONG", "SHORT"), "long": ("LONG",), "short": ("SHORT",)},
    "one-way": {"both": ("BOTH",)},
}
_MODE_RULE = "hedge mode allows side LONG or SHORT, one-way mode only BOTH"

_AUTH_HINTS = {
    100001: "signature check failed: the API secret does not match the key",
    100412: "the request carries no signature",
    100413: "wrong API key (check BINGX_API_KEY, and VST demo vs mainnet keys)",
    100004: "permission denied: the key lacks the permission (perpetual futures trading)",
    100419: "this IP is not on the key's IP whitelist",
    100421: "request timestamp outside the recv window (check this machine's clock)",
}
_RATE_CODES = frozenset({100410, 109429})
_RATE_HEADERS = {
    "remaining": "X-RateLimit-Requests-Remain",
    "expire": "X-RateLimit-Requests-Expire",
}
_HINTS = {
    80012: "BingX service unavailable",
    80014: "invalid parameter",
    100400: "invalid parameter",
    100500: "BingX internal error",
    101414: "leverage above this pair's maximum",
    101209: "position value above the maximum for this leverage: choose a lower leverage "
    "or reduce the position",
    109401: "open positions or orders: the position mode can only be switched when flat",
    109500: "symbol does not exist on BingX perpetual swap (spelled like BTC-USDT?)",
}
_RETRYABLE = frozenset({80012, 100500, 101500})


def bingx_error(code: int, message: str, endpoint: str) -> ExchangeError:
    """The levkit exception for a BingX envelope ``code``."""
    kw = {"exchange": "bingx", "code": code, "endpoint": endpoint}
    if code in _AUTH_HINTS:
        return AuthenticationError(f"{message} ({_AUTH_HINTS[code]})", **kw)
    if code in _RATE_CODES:
        return RateLimitError(f"{message} (too many requests)", **kw)
    if code == 109400 and "margin" not in message.lower():
        return PositionModeError(
            f"{message} (side does not fit the position mode: {_MODE_RULE})", **kw
        )
    if code == 109400:
        return ExchangeError(f"{message} (not enough margin for this leverage)", **kw)
    hint = _HINTS.get(code)
    err = ExchangeError(f"{message} ({hint})" if hint else message, **kw)
    err.retryable = code in _RETRYABLE  # type: ignore[attr-defined]
    return err


class BingXDialect:
    """Signing and envelope rules of BingX perpetual swap v2 (see API_NOTES.md).

    Signed calls put every parameter in the query string in the order given, ``timestamp``
    right after ``symbol`` (as BingX's own samples do) and ``recvWindow`` last, then append
    ``&signature=<hex>`` over exactly that text; the key goes in ``X-BX-APIKEY``.  POST
    sends the same query string and an empty body.
    """

    exchange = "bingx"
    server_time_path = SERVER_TIME
    skew_codes = frozenset({100421})

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
        if credentials is None:
            return bingx_param_string(params), None, {}
        ordered: dict[str, Any] = {}
        for key, value in params.items():
            if key not in ("timestamp", "recvWindow", "signature"):
                ordered[key] = value
            if key == "symbol":
                ordered["timestamp"] = timestamp_ms
        ordered.setdefault("timestamp", timestamp_ms)
        ordered["recvWindow"] = recv_window
        payload = bingx_param_string(ordered)
        query = f"{payload}&signature={bingx_signature(credentials.secret, payload)}"
        return query, None, {"X-BX-APIKEY": credentials.api_key}

    def check(
        self, payload: Any, *, endpoint: str, status: int, accept: Container[int]
    ) -> tuple[Any, dict[str, Any], int]:
        if not isinstance(payload, dict) or "code" not in payload:
            raise ParseError(f"bingx {endpoint}: HTTP {status} answer has no code envelope")
        code = code_of(payload["code"], f"bingx {endpoint}")
        meta = {"msg": payload.get("msg", ""), "timestamp": payload.get("timestamp")}
        if code == 0 or code in accept:
            return payload.get("data"), meta, code
        raise bingx_error(code, str(payload.get("msg") or ""), endpoint)

    def rate_limit(self, headers: Mapping[str, str]) -> dict[str, Any]:
        out = {}
        for key, name in _RATE_HEADERS.items():
            with contextlib.suppress(ValueError, OverflowError):
                out[key] = int(float(headers.get(name) or ""))
        return out

    def retry_after(self, headers: Mapping[str, str], now_ms: int) -> float | None:
        """``Retry-After``, else (when none remain) ``X-RateLimit-Requests-Expire``: read as
        the epoch millisecond the window ends when it looks like one, else as milliseconds."""
        after = retry_after_header(headers)
        if after is not None:
            return after
        rate = self.rate_limit(headers)
        if "expire" in rate and rate.get("remaining", 1) <= 0:
            expire = rate["expire"]
            ms = expire - now_ms if expire >= 100_000_000_000 else expire
            return max(0.0, ms / 1000.0)
        return None

    def server_time(self, payload: Any) -> int:
        data = payload.get("result", payload.get("data"))
        data = data if isinstance(data, dict) else {}
        for value in (data.get("serverTime"), payload.get("timestamp")):
            if value in (None, "") or isinstance(value, bool):
                continue
            try:
                ms = float(value)
            except (TypeError, ValueError):
                continue
            if math.isfinite(ms) and ms >= 1:
                return int(ms)
        raise ParseError(f"bingx {SERVER_TIME}: no serverTime in the answer")

    def preview(self, prepared: Prepared) -> tuple[str, dict[str, str], str | None]:
        headers = dict(prepared.headers)
        url = prepared.url
        if "X-BX-APIKEY" in headers:
            headers["X-BX-APIKEY"] = mask(headers["X-BX-APIKEY"])
            url = url.split("&signature=")[0] + "&signature=<signed when sent>"
        return url, headers, prepared.body


class RequestSequence(list):
    """Dry-run previews of requests that are sent one after the other (BingX hedge mode with
    ``side="both"``: LONG, then SHORT).  A list of
    :class:`~levkit.transport.RequestPreview`, shown readably in a notebook."""

    def __repr__(self) -> str:
        n = len(self)
        return "\n\n".join(f"# request {i} of {n}\n{p!r}" for i, p in enumerate(self, 1))

    def _repr_html_(self) -> str:
        return (
            f"<b>dry run</b> (nothing sent): {len(self)} requests, in this order"
            f"<pre>{html.escape(repr(self))}</pre>"
        )

    def to_dict(self) -> list[dict[str, Any]]:
        return [p.to_dict() for p in self]


class BingX(Client):
    """BingX perpetual swap, USDT-M; every call is signed.  Constructor: see
    :class:`levkit.exchanges.base.Client`; ``testnet=True`` is the VST demo host
    ``https://open-api-vst.bingx.com``; :meth:`from_env` reads ``BINGX_API_KEY``/``_SECRET``.
    """

    exchange = "bingx"
    hosts = {"mainnet": "https://open-api.bingx.com", "testnet": "https://open-api-vst.bingx.com"}
    env_prefix = "BINGX"

    def _dialect(self) -> BingXDialect:
        return BingXDialect()

    def _get(self, path: str, params: Mapping[str, Any] | None = None, **kw: Any) -> Response:
        return self.transport.request("GET", path, params or {}, signed=True, **kw)

    def _leverage_limiter(self):
        return self._limiter("leverage", LEVERAGE_RATE)

    # -- reading -----------------------------------------------------------------------
    def leverage(self, symbol: str | None = None) -> pd.DataFrame:
        """Leverage in force on both sides of ``symbol`` (any spelling), with the caps.

        Returns the leverage frame, rows ``long`` and ``short``, plus ``available_value``
        and ``available_volume``.  ``max_position_value`` comes from BingX's
        ``maxPositionLongVal``/``maxPositionShortVal``; when the answer leaves them out it is
        filled from the shipped snapshot ladder (``attrs["caps_from"]`` says so), else NaN.

        Examples
        --------
        >>> lk.BingX.from_env().leverage("BTCUSDT")  # doctest: +SKIP
        """
        sym = _symbol(symbol, "leverage")
        self._require_keys("BingX.leverage")
        return _fill_from_snapshot(self._read_leverage(sym))

    def _read_leverage(self, sym: str) -> pd.DataFrame:
        resp = self._get(LEVERAGE, {"symbol": sym}, limiter=self._leverage_limiter())
        return self._stamp(parse_leverage(resp.result, symbol=sym, source=resp.source), resp)

    def position_mode(self, refresh: bool = False) -> str:
        """``"hedge"`` (LONG and SHORT apart) or ``"one-way"`` (BOTH), from
        ``positionSide/dual``; cached on this client for ``cache_ttl`` seconds."""
        self._require_keys("BingX.position_mode")

        def fetch() -> str:
            return parse_position_mode(self._get(MODE).result)

        return self._cached(("position_mode",), refresh, fetch)

    def risk_limits(
        self, symbol: str | None = None, *, category: str = "linear", refresh: bool = False
    ) -> pd.DataFrame:
        """Maintenance-margin bands of ``symbol`` from ``maintMarginRatio`` as a tiers frame.

        ``max_leverage`` and ``initial_margin_rate`` are NaN: BingX does not publish them
        there (``attrs["note"]`` says where to get the leverage ladder: ``discover_tiers``
        or ``lk.load_snapshot("bingx", symbol)``).  Extra column ``tier_label``.  Cached for
        ``cache_ttl`` seconds; ``refresh=True`` fetches anew.
        """
        if category != "linear":
            raise ValueError(
                f"BingX perpetual swap here is USDT-M: category 'linear', not {category!r}"
            )
        sym = _symbol(symbol, "risk_limits")
        self._require_keys("BingX.risk_limits")

        def fetch() -> pd.DataFrame:
            resp = self._get(MARGIN, {"symbol": sym})
            if not resp.result:
                raise LevkitError(f"BingX returned no margin bands for {sym}")
            frame = parse_margin_ratio(resp.result, symbol=sym, source=resp.source)
            if frame["symbol"].nunique() > 1:
                frame = frame[frame["symbol"] == sym].reset_index(drop=True)
            return self._stamp(frame, resp)

        return self._cached(("risk", sym), refresh, fetch).copy()

    def open_positions(self, symbol: str | None = None) -> pd.DataFrame:
        """Open positions (all symbols, or ``symbol``): ``symbol``, ``side``, ``size``,
        ``position_value``, ``leverage``...; an empty frame when flat."""
        self._require_keys("BingX.open_positions")
        resp = self._get(POSITIONS, {"symbol": to_bingx(symbol)} if symbol else {})
        frame = parse_positions(resp.result, source=resp.source)
        frame = frame[frame["size"].fillna(1.0) != 0].reset_index(drop=True)
        return self._stamp(frame, resp)

    def open_orders(self, symbol: str | None = None) -> pd.DataFrame:
        """Open orders (all symbols, or ``symbol``); an empty frame when there are none."""
        self._require_keys("BingX.open_orders")
        resp = self._get(ORDERS, {"symbol": to_bingx(symbol)} if symbol else {})
        return self._stamp(parse_open_orders(resp.result, source=resp.source), resp)

    # -- setting -----------------------------------------------------------------------
    def set_leverage(
        self, symbol: str, leverage: int, *, side: str = "both", dry_run: bool = False
    ) -> pd.DataFrame | RequestPreview | RequestSequence:
        """Set the leverage of ``symbol``; validated before anything is sent.

        Parameters
        ----------
        leverage : int
            A whole number from 1 to ``maxLongLeverage``/``maxShortLeverage``.
        side : {"both", "long", "short"}
            One-way accounts send ``BOTH`` (``"long"``/``"short"`` raise
            :class:`~levkit.errors.PositionModeError` before sending).  Hedge accounts send
            ``LONG`` and/or ``SHORT``; ``"both"`` sets LONG, then SHORT.
        dry_run : bool
            Send nothing; return the :class:`~levkit.transport.RequestPreview` (or, for two
            requests, a :class:`RequestSequence` of them), key masked, signature elided.

        Returns
        -------
        DataFrame
            The leverage frame after the change (rows long and short) with
            ``previous_leverage`` and ``changed`` (the side was targeted and its value
            differs; setting the same value is a success with ``changed`` False).
            ``max_position_value`` is BingX's cap at the new leverage.
        """
        side = check_side(side)
        sym = to_bingx(symbol)
        check_leverage(leverage, max_leverage=math.inf, symbol=sym, integer=True)
        self._require_keys("BingX.set_leverage")
        try:
            return self._set_leverage(sym, leverage, side, dry_run, refresh=False)
        except PositionModeError as exc:
            # The mode was read from the cache and BingX refused the side before anything
            # was set: the user may have switched modes on the website.  Read it and retry once.
            if getattr(exc, "partial", True) or self.position_mode(refresh=True) == exc.mode:
                raise
            return self._set_leverage(sym, leverage, side, dry_run, refresh=True)

    def _set_leverage(
        self, sym: str, leverage: int, side: str, dry_run: bool, *, refresh: bool
    ) -> pd.DataFrame | RequestPreview | RequestSequence:
        mode = self.position_mode(refresh=refresh)
        wire = WIRE_SIDES[mode].get(side)
        if wire is None:
            raise PositionModeError(
                f"the BingX account is in one-way mode: long and short share one leverage "
                f"(side BOTH), so side={side!r} cannot be set alone; use side='both'",
                exchange="bingx",
                endpoint=LEVERAGE,
            )
        before = self._read_leverage(sym)
        targets = {s for w in wire for s in wire_sides(w)}
        tops = before.loc[before["side"].isin(targets), "max_leverage"].dropna()
        top = float(tops.min()) if len(tops) else math.inf
        lev = int(check_leverage(leverage, max_leverage=top, symbol=sym, integer=True))
        calls = [{"symbol": sym, "side": w, "leverage": lev} for w in wire]
        if dry_run:
            note = f"dry run: {sym} {{}} -> {lev}x ({mode} mode), not sent"
            shown = [
                self.transport.preview("POST", LEVERAGE, p, note=note.format(p["side"]))
                for p in calls
            ]
            return shown[0] if len(shown) == 1 else RequestSequence(shown)
        answers = self._post_leverage(calls, mode)
        after = apply_set_answers(before, [(w, r.result) for w, r in answers], lev)
        last = answers[-1][1]
        what = "changed" if after["changed"].any() else "unchanged (already set)"
        out = _fill_from_snapshot(after)
        return self._stamp(
            out, last, code=last.code, position_mode=mode, message=f"leverage {what}"
        )

    def _post_leverage(self, calls: list[dict], mode: str) -> list[tuple[str, Response]]:
        answers: list[tuple[str, Response]] = []
        for params in calls:
            try:
                resp = self.transport.request(
                    "POST", LEVERAGE, params, signed=True, limiter=self._leverage_limiter()
                )
            except LevkitError as exc:
                err = exc
                if isinstance(exc, PositionModeError):
                    self._cache.pop(("position_mode",), None)  # read it again next time
                    err = PositionModeError(
                        f"{exc.message}; levkit read this account as {mode} mode and sent "
                        f"side {params['side']} (the mode may have changed since: it is read "
                        "again on the next call)",
                        exchange="bingx",
                        code=exc.code,
                        endpoint=LEVERAGE,
                    )
                err.partial = bool(answers)  # type: ignore[attr-defined]
                err.mode = mode  # type: ignore[attr-defined]
                if answers:
                    done = ", ".join(w for w, _ in answers)
                    err.add_note(
                        f"BingX {params['symbol']}: side {done} was already set to "
                        f"{params['leverage']}x; side {params['side']} was not changed"
                    )
                raise err from None
            answers.append((params["side"], resp))
        return answers

    # -- probing ------------------------------------------------------------------------
    def discover_tiers(
        self,
        symbol: str,
        *,
        min_leverage: int = 1,
        max_leverage: int | None = None,
        progress: bool | None = None,
        strategy: str = "round",
    ) -> pd.DataFrame:
        """The leverage -> max-position ladder of ``symbol``, by setting leverages and
        reading ``maxPositionLongVal`` (BingX publishes no leverage brackets).

        Refuses (:class:`~levkit.discovery.DiscoveryError`, nothing changed) when a position
        or order is open on ``symbol``.  Probes LONG in hedge mode, BOTH in one-way mode,
        only at the ends of each step of the cap (about 20 calls for BTC-USDT's 12 tiers,
        not 150; ``strategy="bisect"`` or ``"exhaustive"`` otherwise), within the client's
        5/s limit, with a tqdm bar unless ``progress=False``.  The long and short leverage
        read first are put back in every case (error, rate limit, ``KeyboardInterrupt``)
        and read back; :class:`~levkit.discovery.RestoreError` says what they were if not.
        ``max_leverage`` defaults to the symbol's maximum.  See :mod:`levkit.discovery`.

        Returns a tiers frame (one row per cap; ``max_leverage`` the largest leverage with
        it) with ``attrs`` ``source="probe"``, ``calls`` (set-leverage calls, restoring
        included), ``probes``, ``restored`` and, when ``maintMarginRatio``'s bands do not
        have the same caps (rates then NaN), ``note`` (bands in ``margin_bands``).

        Examples
        --------
        >>> import levkit as lk
        >>> from levkit.sim import Simulator, DEMO_KEY, DEMO_SECRET
        >>> client = lk.BingX(DEMO_KEY, DEMO_SECRET, session=Simulator().session())
        >>> tiers = client.discover_tiers("BTC-USDT", min_leverage=140, progress=False)
        >>> tiers[["max_notional", "max_leverage"]].values.tolist(), tiers.attrs["restored"]
        ([[300000.0, 150.0]], {'long': 10.0, 'short': 10.0})
        """
        from ..discovery import discover_bingx

        return discover_bingx(
            self,
            symbol,
            min_leverage=min_leverage,
            max_leverage=max_leverage,
            progress=progress,
            strategy=strategy,
        )


def _symbol(symbol: str | None, method: str) -> str:
    if symbol is None:
        raise ValueError(f"BingX needs a symbol: BingX.{method}('BTC-USDT')")
    return to_bingx(symbol)


def _fill_from_snapshot(frame: pd.DataFrame) -> pd.DataFrame:
    """Caps BingX left out, from the shipped snapshot ladder when it has the symbol."""
    if not frame["max_position_value"].isna().any():
        return frame
    sym = str(frame["symbol"].iloc[0])
    try:
        tiers = load_snapshot("bingx", sym)
    except SnapshotError:
        log.debug("bingx: %s is not in the snapshot; max_position_value stays NaN", sym)
        return frame
    out = fill_caps(frame, tiers)
    out.attrs["caps_from"] = f"snapshot {tiers.attrs.get('as_of', '')}".strip()
    return out
