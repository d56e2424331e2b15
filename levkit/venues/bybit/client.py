"""Bybit v5: risk limits (public), leverage in force and setting it (signed).

>>> import levkit as lk
>>> client = lk.Bybit()                      # public data needs no keys
>>> client                                   # doctest: +SKIP
Bybit(host='https://api.bybit.com', api_key='<none>')
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from ...client import Client, fill_caps, positions_frame
from ...errors import ExchangeError, LevkitError, ParseError, PositionModeError
from ...numbers import to_wire
from ...validate import check_leverage, check_side
from .dialect import BybitDialect, bybit_error
from .parse import decode_risk_limit_page, parse_instruments, parse_positions, parse_risk_limits
from .spec import VENUE

__all__ = ["Bybit", "BybitDialect", "bybit_error"]

log = logging.getLogger("levkit")

CATEGORIES = ("linear", "inverse")
NOT_MODIFIED = 110043


def _fmt(value: float) -> str:
    """Leverage as Bybit's string, to its 0.01 step: ``6``, ``12.5``, ``14.29``."""
    return to_wire(value, places=2)


class Bybit(Client):
    """Bybit v5 (USDT/USDC linear and inverse perpetuals).

    See :class:`levkit.client.Client` for the constructor.  Hosts: mainnet
    ``https://api.bybit.com``, testnet ``https://api-testnet.bybit.com``.
    """

    venue = VENUE

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
        sym = self.symbol(symbol) if symbol is not None else None
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
            resp = self._call("ladder", params, decoder=decode_risk_limit_page)
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
        sym = self.symbol(symbol) if symbol is not None else None

        def fetch() -> pd.DataFrame:
            rows: list[dict] = []

            def page(cursor: str | None):
                params: dict[str, Any] = {"category": category, "limit": 1000}
                if sym:
                    params["symbol"] = sym
                if cursor:
                    params["cursor"] = cursor
                resp = self._call("instruments", params)
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
        sym = self.symbol(symbol) if symbol is not None else None
        frame = self._positions(sym, category, settle_coin)
        symbols = sorted(set(frame["symbol"]))
        tiers = self._ladder_for(symbols, category)
        out = fill_caps(frame, tiers)
        return out

    def positions(self, symbol: str, *, category: str = "linear") -> pd.DataFrame:
        """Open positions on ``symbol`` (``GET /v5/position/list``): ``side``, ``size``,
        ``position_value``, ``entry_price`` (``avgPrice``), ``mark_price``; empty when flat.

        Examples
        --------
        >>> import levkit as lk
        >>> from levkit.sim import Simulator, DEMO_KEY, DEMO_SECRET
        >>> sim = Simulator()
        >>> _ = sim.open_position("bybit", "BTCUSDT", "long", 1_000_000)
        >>> client = lk.Bybit(DEMO_KEY, DEMO_SECRET, session=sim.session())
        >>> client.positions("BTCUSDT")[["side", "position_value"]].values.tolist()
        [['both', 1000000.0]]
        """
        self._require_keys("Bybit.positions")
        frame = self._positions(self.symbol(symbol), _category(category), "USDT")
        return positions_frame(frame)

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
            resp = self._call("positions", params)
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
        sym = self.symbol(symbol)
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
        path = self.venue.endpoint("set_leverage").path
        if dry_run:
            return self.transport.preview(
                "POST", path, body, note=f"dry run: {sym} {side} -> {lev:g}x, not sent"
            )
        try:
            resp = self._call("set_leverage", body, accept={NOT_MODIFIED})
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
