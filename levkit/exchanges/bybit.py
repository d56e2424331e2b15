"""Bybit v5: risk limits (public), leverage in force and setting it (signed).

>>> import levkit as lk
>>> client = lk.Bybit()                      # public data needs no keys
>>> client                                   # doctest: +SKIP
Bybit(host='https://api.bybit.com', api_key='<none>')
"""

from __future__ import annotations

import logging
from collections.abc import Container, Mapping
from typing import Any
from urllib.parse import urlencode

import msgspec
import numpy as np
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
from ..parse.bybit import (
    decode_risk_limit_page,
    parse_instruments,
    parse_positions,
    parse_risk_limits,
)
from ..signing import bybit_v5_signature
from ..symbols import to_bybit
from ..wire import Credentials, Prepared, mask, retry_after_header
from .base import Client, check_leverage, check_side, fill_caps

__all__ = ["Bybit", "BybitDialect", "bybit_error"]

log = logging.getLogger("levkit")

CATEGORIES = ("linear", "inverse")
NOT_MODIFIED = 110043

_AUTH_HINTS = {
    10002: "request timestamp outside the recv window",
    10003: "invalid API key (check BYBIT_API_KEY, and testnet vs mainnet keys)",
    10004: "signature error: the API secret does not match the key",
    10005: "permission denied: the key needs the Contract/Position permission",
    10010: "this IP is not on the key's whitelist",
    33004: "the API key has expired",
}
_HINTS = {
    10001: "parameter error",
    10016: "Bybit server error",
    10017: "route not found (is this host a Bybit v5 host?)",
    110012: "insufficient available balance",
    110013: "cannot set this leverage at the current risk limit level (position too large)",
    110090: "leverage must be lowered first",
}


def bybit_error(code: int, message: str, endpoint: str) -> ExchangeError:
    """The levkit exception for a Bybit v5 ``retCode``."""
    kw = {"exchange": "bybit", "code": code, "endpoint": endpoint}
    if code in _AUTH_HINTS:
        return AuthenticationError(f"{message} ({_AUTH_HINTS[code]})", **kw)
    if code in (10006, 10018):
        return RateLimitError(f"{message} (too many requests)", **kw)
    hint = _HINTS.get(code)
    err = ExchangeError(f"{message} ({hint})" if hint else message, **kw)
    err.retryable = code == 10016  # type: ignore[attr-defined]
    return err


class BybitDialect:
    """Signing and envelope rules of Bybit v5 (see API_NOTES.md)."""

    exchange = "bybit"
    server_time_path = "/v5/market/time"
    skew_codes = frozenset({10002})

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
        headers: dict[str, str] = {}
        if method == "GET":
            query, body = urlencode(params), None
            payload = query
        else:
            query, body = "", msgspec.json.encode(dict(params)).decode()
            payload = body
            headers["Content-Type"] = "application/json"
        if credentials is not None:
            headers.update(
                {
                    "X-BAPI-API-KEY": credentials.api_key,
                    "X-BAPI-TIMESTAMP": str(timestamp_ms),
                    "X-BAPI-RECV-WINDOW": str(recv_window),
                    "X-BAPI-SIGN": bybit_v5_signature(
                        credentials.secret, timestamp_ms, credentials.api_key, recv_window, payload
                    ),
                    "X-BAPI-SIGN-TYPE": "2",
                }
            )
        return query, body, headers

    def check(
        self, payload: Any, *, endpoint: str, status: int, accept: Container[int]
    ) -> tuple[Any, dict[str, Any], int]:
        if not isinstance(payload, dict) or "retCode" not in payload:
            raise ParseError(f"bybit {endpoint}: HTTP {status} answer has no retCode envelope")
        code = code_of(payload["retCode"], f"bybit {endpoint}")
        meta = {"time": payload.get("time"), "retMsg": payload.get("retMsg", "")}
        if code == 0 or code in accept:
            return payload.get("result"), meta, code
        raise bybit_error(code, str(payload.get("retMsg", "")), endpoint)

    def rate_limit(self, headers: Mapping[str, str]) -> dict[str, Any]:
        out = {}
        for name, key in (
            ("X-Bapi-Limit", "limit"),
            ("X-Bapi-Limit-Status", "remaining"),
            ("X-Bapi-Limit-Reset-Timestamp", "reset_ms"),
        ):
            value = headers.get(name)
            if value not in (None, ""):
                try:
                    out[key] = int(float(value))
                except (ValueError, OverflowError):  # text, "inf", "nan"
                    continue
        return out

    def retry_after(self, headers: Mapping[str, str], now_ms: int) -> float | None:
        after = retry_after_header(headers)
        if after is not None:
            return after
        rate = self.rate_limit(headers)
        if "reset_ms" in rate and rate.get("remaining", 1) <= 0:
            return max(0.0, (rate["reset_ms"] - now_ms) / 1000.0)
        return None

    def server_time(self, payload: Any) -> int:
        result = payload.get("result") or {}
        result = result if isinstance(result, dict) else {}
        for value, per_ms in (
            (result.get("timeNano"), 1_000_000),
            (payload.get("time"), 1),
            (result.get("timeSecond"), 0.001),
        ):
            if value in (None, "") or isinstance(value, bool):
                continue
            try:
                return int(int(value) // per_ms) if per_ms >= 1 else int(value) * 1000
            except (TypeError, ValueError, OverflowError):
                continue
        raise ParseError("bybit /v5/market/time: no server time in the answer")

    def preview(self, prepared: Prepared) -> tuple[str, dict[str, str], str | None]:
        headers = dict(prepared.headers)
        if "X-BAPI-API-KEY" in headers:
            headers["X-BAPI-API-KEY"] = mask(headers["X-BAPI-API-KEY"])
            headers["X-BAPI-SIGN"] = "<signed when sent>"
        return prepared.url, headers, prepared.body


def _fmt(value: float) -> str:
    """Leverage as Bybit's string: ``6``, ``12.5``."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


class Bybit(Client):
    """Bybit v5 (USDT/USDC linear and inverse perpetuals).

    See :class:`levkit.exchanges.base.Client` for the constructor.  Hosts: mainnet
    ``https://api.bybit.com``, testnet ``https://api-testnet.bybit.com``.
    """

    exchange = "bybit"
    hosts = {
        "mainnet": "https://api.bybit.com",
        "testnet": "https://api-testnet.bybit.com",
        "demo": "https://api-demo.bybit.com",
    }
    env_prefix = "BYBIT"

    def _dialect(self) -> BybitDialect:
        return BybitDialect()

    # -- public data -----------------------------------------------------------------
    def risk_limits(
        self, symbol: str | None = None, *, category: str = "linear", refresh: bool = False
    ) -> pd.DataFrame:
        """The risk-limit ladder: one row per tier (PUBLIC_API's tiers frame).

        Without ``symbol`` every page is followed (a progress bar from the second page).
        Cached on this client for ``cache_ttl`` seconds; ``refresh=True`` fetches anew.

        Examples
        --------
        >>> lk.Bybit().risk_limits("BTCUSDT")  # doctest: +SKIP
        """
        category = _category(category)
        sym = to_bybit(symbol) if symbol is not None else None
        frame = self._cached(
            ("risk", category, sym), refresh, lambda: self._fetch_risk_limits(sym, category)
        )
        return frame.copy()

    def _fetch_risk_limits(self, symbol: str | None, category: str) -> pd.DataFrame:
        rows: list[dict] = []
        last = []

        def page(cursor: str | None):
            params = {"category": category}
            if symbol:
                params["symbol"] = symbol
            if cursor:
                params["cursor"] = cursor
            resp = self.transport.request(
                "GET", "/v5/market/risk-limit", params, decoder=decode_risk_limit_page
            )
            last[:] = [resp]
            result = _result_dict(resp.result, "/v5/market/risk-limit")
            return result.get("list") or [], result.get("nextPageCursor") or None

        for chunk in self._pages(page, f"bybit {category} risk limits"):
            rows.extend(chunk)
        if not rows:
            what = symbol or f"any {category} symbol"
            raise LevkitError(f"Bybit returned no risk limits for {what}")
        frame = parse_risk_limits(rows, category=category, source=last[0].source)
        return self._stamp(frame, last[0])

    def instruments(
        self, symbol: str | None = None, *, category: str = "linear", refresh: bool = False
    ) -> pd.DataFrame:
        """Leverage filters (min, max, step) per symbol from ``/v5/market/instruments-info``."""
        category = _category(category)
        sym = to_bybit(symbol) if symbol is not None else None

        def fetch() -> pd.DataFrame:
            rows: list[dict] = []

            def page(cursor: str | None):
                params: dict[str, Any] = {"category": category, "limit": 1000}
                if sym:
                    params["symbol"] = sym
                if cursor:
                    params["cursor"] = cursor
                resp = self.transport.request("GET", "/v5/market/instruments-info", params)
                result = _result_dict(resp.result, "/v5/market/instruments-info")
                return result.get("list") or [], result.get("nextPageCursor") or None

            for chunk in self._pages(page, f"bybit {category} instruments"):
                rows.extend(chunk)
            if not rows:
                raise LevkitError(f"Bybit has no {category} instrument {sym or ''}".strip())
            return parse_instruments(rows)

        return self._cached(("instruments", category, sym), refresh, fetch).copy()

    # -- private data ----------------------------------------------------------------
    def leverage(
        self, symbol: str | None = None, *, category: str = "linear", settle_coin: str = "USDT"
    ) -> pd.DataFrame:
        """Leverage in force per symbol and side, with the cap it allows.

        With ``symbol`` a row comes back even when flat; without it Bybit lists only open
        positions settled in ``settle_coin``.  ``max_leverage`` and ``max_position_value``
        come from the risk-limit ladder.
        """
        self._require_keys("Bybit.leverage")
        category = _category(category)
        sym = to_bybit(symbol) if symbol is not None else None
        frame = self._positions(sym, category, settle_coin)
        symbols = sorted(set(frame["symbol"]))
        tiers = self._ladder_for(symbols, category)
        out = fill_caps(frame, tiers)
        return out

    def _positions(self, symbol: str | None, category: str, settle_coin: str) -> pd.DataFrame:
        rows: list[dict] = []
        last = []

        def page(cursor: str | None):
            params: dict[str, Any] = {"category": category}
            if symbol:
                params["symbol"] = symbol
            else:
                params["settleCoin"] = settle_coin
            params["limit"] = 200
            if cursor:
                params["cursor"] = cursor
            resp = self.transport.request("GET", "/v5/position/list", params, signed=True)
            last[:] = [resp]
            result = _result_dict(resp.result, "/v5/position/list")
            return result.get("list") or [], result.get("nextPageCursor") or None

        for chunk in self._pages(page, "bybit positions"):
            rows.extend(chunk)
        if not rows:
            if symbol:
                raise LevkitError(f"Bybit returned no position row for {symbol} ({category})")
            raise LevkitError(
                f"no open {category} positions settled in {settle_coin}: Bybit lists flat "
                "symbols only when asked by name, so pass symbol=... to read its leverage"
            )
        frame = parse_positions(rows, category=category, source=last[0].source)
        return self._stamp(frame, last[0])

    def _ladder_for(self, symbols: list[str], category: str) -> pd.DataFrame:
        try:
            if len(symbols) <= 3:
                return pd.concat(
                    [self.risk_limits(s, category=category) for s in symbols], ignore_index=True
                )
            return self.risk_limits(category=category)
        except LevkitError as exc:  # caps stay NaN; say why in the log
            log.warning("bybit: could not read risk limits to fill caps: %s", exc)
            return pd.DataFrame(columns=["exchange", "symbol", "max_leverage", "max_notional"])

    # -- setting -----------------------------------------------------------------------
    def set_leverage(
        self,
        symbol: str,
        leverage: float,
        *,
        side: str = "both",
        category: str = "linear",
        dry_run: bool = False,
    ):
        """Set the leverage of ``symbol``; validated before anything is sent.

        Parameters
        ----------
        side : {"both", "long", "short"}
            ``"both"`` sets buy and sell alike (one-way mode needs that); in hedge mode
            ``"long"``/``"short"`` change one side and keep the other as it is.
        dry_run : bool
            Send nothing and return the :class:`~levkit.transport.RequestPreview`
            (method, URL, body; key masked).  The current leverage is still read.

        Returns
        -------
        DataFrame
            The leverage frame after the change, with ``changed`` (False when Bybit
            answered 110043 "leverage not modified") and ``previous_leverage``.
        """
        side = check_side(side)
        category = _category(category)
        sym = to_bybit(symbol)
        check_leverage(leverage, max_leverage=float("inf"), symbol=sym)  # before any request
        self._require_keys("Bybit.set_leverage")
        limits = self.instruments(sym, category=category).iloc[0]
        lev = check_leverage(
            leverage,
            max_leverage=float(limits["max_leverage"]),
            step=float(limits["leverage_step"]) or None,
            symbol=sym,
        )
        before = self._positions(sym, category, "USDT")
        current = dict(zip(before["side"], before["leverage"], strict=False))
        hedge = "both" not in current
        if not hedge and side != "both":
            raise PositionModeError(
                f"{sym} is in one-way mode: buy and sell leverage are one value, so "
                f"side={side!r} cannot be set alone; use side='both'",
                exchange="bybit",
                endpoint="/v5/position/set-leverage",
            )
        if hedge:
            buy = lev if side in ("both", "long") else current.get("long", lev)
            sell = lev if side in ("both", "short") else current.get("short", lev)
        else:
            buy = sell = lev
        body = {
            "category": category,
            "symbol": sym,
            "buyLeverage": _fmt(buy),
            "sellLeverage": _fmt(sell),
        }
        path = "/v5/position/set-leverage"
        if dry_run:
            return self.transport.preview(
                "POST", path, body, note=f"dry run: {sym} {side} -> {lev:g}x, not sent"
            )
        try:
            resp = self.transport.request(
                "POST",
                path,
                body,
                signed=True,
                accept={NOT_MODIFIED},
                limiter=self._limiter("set-leverage", 10),
            )
        except ExchangeError as exc:
            if hedge and side != "both" and exc.code == 10001:
                raise PositionModeError(
                    f"{exc.message}; in hedge mode under cross margin both sides must be "
                    "equal: use side='both' or switch the symbol to isolated margin",
                    exchange="bybit",
                    code=exc.code,
                    endpoint=path,
                ) from None
            raise
        after = before.copy()
        after["previous_leverage"] = after["leverage"]
        new = {"both": buy, "long": buy, "short": sell}
        after["leverage"] = after["side"].map(new).astype("float64")
        targets = ["both"] if not hedge else [s for s in ("long", "short") if side in ("both", s)]
        prev = after["previous_leverage"].to_numpy(dtype=float)
        differs = ~np.isclose(prev, after["leverage"].to_numpy(dtype=float))
        if resp.code == NOT_MODIFIED:
            # The exchange already held these values.  If we saw other values just before
            # (a retry after an answer was lost), the change did happen.
            differs &= ~np.isnan(prev)
        after["changed"] = after["side"].isin(targets).to_numpy() & differs
        after["max_position_value"] = np.nan
        after["max_leverage"] = np.nan
        out = fill_caps(after, self._ladder_for([sym], category))
        return self._stamp(
            out,
            resp,
            code=resp.code,
            message="leverage not modified" if resp.code == NOT_MODIFIED else "leverage changed",
        )


def _category(category: str) -> str:
    if category not in CATEGORIES:
        raise ValueError(f"category must be 'linear' or 'inverse', not {category!r}")
    return category


def _result_dict(result: Any, endpoint: str) -> dict:
    if not isinstance(result, dict):
        raise ParseError(f"bybit {endpoint}: result is not an object")
    return result
