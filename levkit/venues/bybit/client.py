"""Bybit v5: risk limits (public), leverage in force and setting it (signed).

>>> import levkit as lk
>>> client = lk.Bybit()                      # public data needs no keys
>>> client                                   # doctest: +SKIP
Bybit(host='https://api.bybit.com', api_key='<none>')
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from ...client import Client, positions_frame
from ...client.setting import LeverageChange, SetAnswer, SetRequest
from ...errors import InvalidSymbolError, LevkitError, ParseError, PositionModeError
from ...http.wire import Response
from ...numbers import to_wire
from .._resolve import listed_instrument
from .dialect import BybitDialect, bybit_error
from .parse import (
    decode_risk_limit_page,
    parse_instruments,
    parse_positions,
    parse_risk_limits,
)
from .spec import VENUE

__all__ = ["Bybit", "BybitDialect", "bybit_error"]

log = logging.getLogger("levkit")

CATEGORIES = ("linear", "inverse")
NOT_MODIFIED = 110043


def _instrument_kind(symbol: str) -> str:
    """``"inverse"`` for Bybit's coin-margined ids (``BTCUSD``, ``BTCUSDH26``), else
    ``"linear"``: the ``category`` every v5 call on ``symbol`` takes, as the instrument
    :func:`levkit.venues.resolve` reads from the id declares it.

    >>> _instrument_kind("BTCUSD"), _instrument_kind("BTCUSDH26"), _instrument_kind("BTCUSDT")
    ('inverse', 'inverse', 'linear')
    """
    return listed_instrument(symbol, "bybit").category


def _category_for(symbol: str | None, category: str | None) -> str:
    """The category of a call: the symbol's kind, checked against ``category`` when both
    are given; ``"linear"`` for a call on no symbol without one."""
    if category is not None:
        category = _category(category)
    if symbol is None:
        return category or "linear"
    kind = _instrument_kind(symbol)
    if category is not None and category != kind:
        raise InvalidSymbolError(
            f"{symbol} is a Bybit {kind} contract, not {category}: leave category out "
            "(levkit reads it from the symbol)"
        )
    return kind


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
        self, symbol: str | None = None, *, category: str | None = None, refresh: bool = False
    ) -> pd.DataFrame:
        """The risk-limit ladder: one row per tier (PUBLIC_API's tiers frame).

        ``category`` (``linear`` or ``inverse``) comes from the symbol: ``BTCUSD`` and
        ``BTCUSDH26`` are coin-margined (``inverse``: caps in the coin, ``notional_unit``
        ``BTC``), every other symbol linear; a ``category`` that contradicts the symbol
        raises :class:`~levkit.errors.InvalidSymbolError`.  Without ``symbol`` every page of
        ``category`` (default ``linear``) is followed (a progress bar from the second page).
        Cached on this client for ``cache_ttl`` seconds; ``refresh=True`` fetches anew.

        Examples
        --------
        >>> import levkit as lk
        >>> from levkit.sim import Simulator
        >>> from levkit.frames import tiers_frame
        >>> inverse = tiers_frame({"exchange": "bybit", "symbol": "BTCUSD", "category": "inverse",
        ...     "max_notional": [150.0], "max_leverage": [100.0]}, source="snapshot")
        >>> t = lk.Bybit(session=Simulator(inverse).session()).risk_limits("BTCUSD")
        >>> t[["max_notional", "category", "notional_unit"]].values.tolist()
        [[150.0, 'inverse', 'BTC']]
        """
        sym = self.symbol(symbol) if symbol is not None else None
        category = _category_for(sym, category)
        frame = self._cached(
            ("risk", category, sym), refresh, lambda: self._fetch_risk_limits(sym, category)
        )
        return frame.copy()

    def _fetch_risk_limits(self, symbol: str | None, category: str) -> pd.DataFrame:
        params = {"category": category, **({"symbol": symbol} if symbol else {})}
        rows, last = self._cursor_rows(
            "ladder", params, f"bybit {category} risk limits", decoder=decode_risk_limit_page
        )
        if not rows:
            what = symbol or f"any {category} symbol"
            raise LevkitError(f"Bybit returned no risk limits for {what}")
        frame = parse_risk_limits(rows, category=category, source=last.source)
        return self._stamp(frame, last)

    def _cursor_rows(
        self, role: str, params: dict[str, Any], desc: str, **kw: Any
    ) -> tuple[list[dict], Response]:
        """Every ``result.list`` row of a v5 endpoint, following ``nextPageCursor``
        (:meth:`Client._pages`), and the last answer."""
        rows: list[dict] = []
        last: list[Response] = []

        def page(cursor: str | None):
            resp = self._call(role, {**params, **({"cursor": cursor} if cursor else {})}, **kw)
            last[:] = [resp]
            result = _result_dict(resp.result, self.venue.endpoint(role).path)
            return result.get("list") or [], result.get("nextPageCursor") or None

        for chunk in self._pages(page, desc):
            rows.extend(chunk)
        return rows, last[0]

    def instruments(
        self, symbol: str | None = None, *, category: str | None = None, refresh: bool = False
    ) -> pd.DataFrame:
        """Leverage filters (min, max, step) per symbol from ``/v5/market/instruments-info``
        (the category read from the symbol, as in :meth:`risk_limits`)."""
        sym = self.symbol(symbol) if symbol is not None else None
        category = _category_for(sym, category)

        def fetch() -> pd.DataFrame:
            params = {"category": category, "limit": 1000, **({"symbol": sym} if sym else {})}
            rows, _ = self._cursor_rows("instruments", params, f"bybit {category} instruments")
            if not rows:
                raise LevkitError(f"Bybit has no {category} instrument {sym or ''}".strip())
            return parse_instruments(rows)

        return self._cached(("instruments", category, sym), refresh, fetch).copy()

    # -- private data ----------------------------------------------------------------
    def leverage(
        self,
        symbol: str | None = None,
        *,
        category: str | None = None,
        settle_coin: str = "USDT",
    ) -> pd.DataFrame:
        """Leverage in force per symbol and side, with the cap it allows.

        With ``symbol`` a row comes back even when flat (its category read from the
        symbol, as in :meth:`risk_limits`); without it Bybit lists only open positions:
        linear ones settled in ``settle_coin``, or every inverse one with
        ``category="inverse"``.  ``max_leverage`` and ``max_position_value`` come from the
        risk-limit ladder (coin-margined: in the coin).
        """
        self._require_keys("Bybit.leverage")
        sym = self.symbol(symbol) if symbol is not None else None
        category = _category_for(sym, category)
        frame = self._positions(sym, category, settle_coin)
        return self._with_caps(frame, {"category": category})

    def positions(self, symbol: str, *, category: str | None = None) -> pd.DataFrame:
        """Open positions on ``symbol`` (``GET /v5/position/list``): ``side``, ``size``,
        ``position_value``, ``entry_price`` (``avgPrice``), ``mark_price``; empty when flat.
        Coin-margined symbols (``BTCUSD``): ``size`` in USD contracts, ``position_value``
        in the coin (Bybit's "Position Value = Contract Quantity ÷ Mark Price"), the unit
        of their ladder.

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
        sym = self.symbol(symbol)
        frame = self._positions(sym, _category_for(sym, category), "USDT")
        return positions_frame(frame)

    def _positions(self, symbol: str | None, category: str, settle_coin: str) -> pd.DataFrame:
        # inverse: "/v5/position/list?category=inverse" lists every open position (BY5)
        which = {"symbol": symbol} if symbol else {"settleCoin": settle_coin}
        if not symbol and category == "inverse":
            which = {}
        params = {"category": category, **which, "limit": 200}
        rows, last = self._cursor_rows("positions", params, "bybit positions")
        if not rows:
            if symbol:
                raise LevkitError(f"Bybit returned no position row for {symbol} ({category})")
            raise LevkitError(
                f"no open {category} positions settled in {settle_coin}: Bybit lists flat "
                "symbols only when asked by name, so pass symbol=... to read its leverage"
            )
        frame = parse_positions(rows, category=category, source=last.source)
        return self._stamp(frame, last)

    # -- setting: the one sequence of levkit.client.setting, with Bybit's hooks ----------------
    def set_leverage(
        self,
        symbol: str,
        leverage: float,
        *,
        side: str = "both",
        category: str | None = None,
        dry_run: bool = False,
    ) -> SetAnswer:
        """Set the leverage of ``symbol``; validated before anything is sent (against the
        instrument's ``leverageFilter``: its maximum and 0.01 step).

        Parameters
        ----------
        side : {"both", "long", "short"}
            ``"both"`` sets buy and sell alike (one-way mode needs that); in hedge mode
            ``"long"``/``"short"`` change one side and keep the other as it is.
        category : {"linear", "inverse"}, optional
            Read from the symbol (``BTCUSD``: inverse); given, it must agree.
        dry_run : bool
            Send nothing and return the :class:`~levkit.http.transport.RequestPreview`
            (method, URL, body; key masked).  The current leverage is still read.

        Returns
        -------
        DataFrame
            The leverage frame after the change, with ``changed`` (False when Bybit
            answered 110043 "leverage not modified") and ``previous_leverage``.

        Examples
        --------
        >>> import levkit as lk
        >>> from levkit.sim import Simulator, DEMO_KEY, DEMO_SECRET
        >>> bybit = lk.Bybit(DEMO_KEY, DEMO_SECRET, session=Simulator().session())
        >>> print(bybit.set_leverage("BTCUSDT", 25, dry_run=True).note)
        dry run: BTCUSDT both -> 25x, not sent
        """
        category = _category_for(self.symbol(symbol), category)
        return self._set_leverage(symbol, leverage, side=side, dry_run=dry_run, category=category)

    not_modified = frozenset({NOT_MODIFIED})

    def _set_options(self, *, category: str = "linear") -> dict[str, Any]:
        return {"category": _category(category)}

    def _leverage_limits(self, change: LeverageChange) -> tuple[float, float | None]:
        limits = self.instruments(change.symbol, category=change.options["category"]).iloc[0]
        return float(limits["max_leverage"]), float(limits["leverage_step"]) or None

    def _read_state(self, sym: str, opts: dict, *, refresh: bool = False) -> pd.DataFrame:
        return self._positions(sym, opts["category"], "USDT")

    def _set_requests(self, change: LeverageChange) -> list[SetRequest]:
        """One request with ``buyLeverage`` and ``sellLeverage``; in hedge mode the side
        not asked keeps the value it holds."""
        current = dict(zip(change.held["side"], change.held["leverage"], strict=False))
        hedge = "both" not in current
        change.mode = "hedge" if hedge else "one-way"
        side, lev = change.side, change.value
        if not hedge and side != "both":
            raise PositionModeError(
                f"{change.symbol} is in one-way mode: buy and sell leverage are one value, so "
                f"side={side!r} cannot be set alone; use side='both'",
                exchange="bybit",
                endpoint=self.venue.endpoint("set_leverage").path,
            )
        sides = tuple(s for s in ("long", "short") if side in ("both", s)) if hedge else ("both",)
        buy = current.get("long", lev) if hedge and "long" not in sides else lev
        sell = current.get("short", lev) if hedge and "short" not in sides else lev
        body = {
            "category": change.options["category"],
            "symbol": change.symbol,
            "buyLeverage": _fmt(buy),
            "sellLeverage": _fmt(sell),
        }
        return [SetRequest("set_leverage", body, sides, accept=self.not_modified)]

    def _set_error(self, exc: LevkitError, change: LeverageChange, req: SetRequest):
        said = getattr(exc, "message", str(exc))
        if change.mode == "hedge" and change.side != "both" and getattr(exc, "code", 0) == 10001:
            return PositionModeError(
                f"{said}; in hedge mode under cross margin both sides must be "
                "equal: use side='both' or switch the symbol to isolated margin",
                exchange="bybit",
                code=10001,
                endpoint=self.venue.endpoint("set_leverage").path,
            )
        return exc


def _category(category: str) -> str:
    if category not in CATEGORIES:
        raise ValueError(f"category must be 'linear' or 'inverse', not {category!r}")
    return category


def _result_dict(result: Any, endpoint: str) -> dict:
    if not isinstance(result, dict):
        raise ParseError(f"bybit {endpoint}: result is not an object")
    return result
