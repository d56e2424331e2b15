"""Bitget v2 mix, USDT-FUTURES: the leverage ladder (public), the leverage in force and
setting it (signed, with a passphrase).

>>> import levkit as lk
>>> lk.Bitget("test-key-0000", "test-secret-not-real", passphrase="test-pass-not-real")
Bitget(host='https://api.bitget.com', api_key='test...')
"""

from __future__ import annotations

import functools
import logging

import pandas as pd

from ...client import Client, positions_frame
from ...client.setting import LeverageChange, SetAnswer, SetRequest, after_frame
from ...errors import LevkitError, ParseError, PositionModeError
from ...http.wire import Response
from .dialect import BitgetDialect, bitget_error
from .parse import (
    leverage_in_force,
    parse_account,
    parse_contracts,
    parse_position_lever,
    parse_single_position,
)
from .spec import VENUE

__all__ = ["Bitget", "BitgetDialect", "bitget_error", "PRODUCT_TYPE", "MARGIN_COIN"]

log = logging.getLogger("levkit")

PRODUCT_TYPE = "USDT-FUTURES"
MARGIN_COIN = "USDT"
SET_PATH = VENUE.endpoint("set_leverage").path


class Bitget(Client):
    """Bitget USDT-M futures (v2 mix, ``productType=USDT-FUTURES``).

    See :class:`levkit.client.Client` for the constructor.  Private calls need
    ``api_key``, ``api_secret`` and ``passphrase`` (``BITGET_API_KEY``,
    ``BITGET_API_SECRET``, ``BITGET_PASSPHRASE`` for :meth:`from_env`); the passphrase is a
    secret like the API secret and is never shown.  ``testnet=True`` is Bitget's demo trading:
    a demo key on the same host, every request with the header ``paptrading: 1``.

    Examples
    --------
    >>> import levkit as lk
    >>> from levkit.sim import Simulator, DEMO_KEY, DEMO_PASSPHRASE, DEMO_SECRET
    >>> from levkit.frames import tiers_frame
    >>> ladder = tiers_frame({"exchange": "bitget", "symbol": "BTCUSDT",
    ...                       "max_notional": [50000.0, 200000.0, 1e9],
    ...                       "max_leverage": [125.0, 100.0, 1.0]}, source="snapshot")
    >>> sim = Simulator(tiers=ladder)
    >>> bg = lk.Bitget(DEMO_KEY, DEMO_SECRET, passphrase=DEMO_PASSPHRASE, session=sim.session(),
    ...                progress=False)
    >>> bg.risk_limits("BTCUSDT")["max_leverage"].tolist()
    [125.0, 100.0, 1.0]
    >>> bg.leverage("BTCUSDT")[["side", "leverage", "max_position_value"]].values.tolist()
    [['both', 10.0, 200000.0]]
    """

    venue = VENUE

    def _dialect(self) -> BitgetDialect:
        return BitgetDialect(demo=self.testnet)

    # -- public data -----------------------------------------------------------------
    def risk_limits(self, symbol: str | None = None, *, refresh: bool = False) -> pd.DataFrame:
        """The leverage ladder: one row per tier (PUBLIC_API's tiers frame).

        Bitget answers one symbol per call [G1].  Without ``symbol`` levkit lists the
        USDT-FUTURES contracts (``symbolStatus == "normal"``) and asks for each, paced at the
        published 10 requests per second per IP, with a progress bar (``progress=False``
        hides it): 1 + N requests for N symbols.  Cached for ``cache_ttl`` seconds;
        ``refresh=True`` fetches anew.

        ``initial_margin_rate`` (``1/leverage``) and ``mm_deduction`` are derived, not read
        (see :mod:`levkit.venues.bitget.parse`); ``attrs["derived"]`` says so.

        Examples
        --------
        >>> lk.Bitget().risk_limits("BTCUSDT")  # doctest: +SKIP
        """
        sym = self.symbol(symbol) if symbol is not None else None
        if sym is not None:
            frame = self._cached(("risk", sym), refresh, lambda: self._ladder(sym))
        else:
            frame = self._cached(("risk", None), refresh, lambda: self._all_ladders(refresh))
        return frame.copy()

    def _ladder(self, symbol: str) -> pd.DataFrame:
        resp = self._call("ladder", {"productType": PRODUCT_TYPE, "symbol": symbol})
        rows = resp.result
        if not rows:
            raise LevkitError(f"Bitget returned no leverage tiers for {symbol}")
        frame = parse_position_lever(rows, source=resp.source)
        return self._stamp(frame, resp)

    def _all_ladders(self, refresh: bool) -> pd.DataFrame:
        contracts = self.instruments(refresh=refresh)
        symbols = contracts.loc[contracts["status"] == "normal", "symbol"].tolist()
        if not symbols:
            raise LevkitError("Bitget lists no USDT-FUTURES contract in status 'normal'")
        frames = [
            self._cached(("risk", sym), refresh, functools.partial(self._ladder, sym))
            for sym in self._each(symbols, "bitget leverage tiers", "symbol")
        ]
        out = pd.concat(frames, ignore_index=True)
        out.attrs = dict(frames[-1].attrs)
        return out

    def instruments(self, symbol: str | None = None, *, refresh: bool = False) -> pd.DataFrame:
        """USDT-FUTURES contracts from ``GET /api/v2/mix/market/contracts``: ``symbol``,
        ``status``, ``min_leverage``, ``max_leverage``, ``base``, ``quote``.

        Examples
        --------
        >>> lk.Bitget().instruments("BTCUSDT")  # doctest: +SKIP
        """
        sym = self.symbol(symbol) if symbol is not None else None

        def fetch() -> pd.DataFrame:
            params = {"productType": PRODUCT_TYPE}
            if sym:
                params["symbol"] = sym
            resp = self._call("instruments", params)
            if not resp.result:
                raise LevkitError(f"Bitget lists no USDT-FUTURES contract {sym or ''}".strip())
            return parse_contracts(resp.result)

        return self._cached(("instruments", sym), refresh, fetch).copy()

    # -- private data ----------------------------------------------------------------
    def leverage(self, symbol: str) -> pd.DataFrame:
        """The leverage in force on ``symbol`` for the account's margin mode.

        Cross margin: one leverage (``crossedMarginLeverage``); isolated: one per side
        (``isolatedLongLever``/``isolatedShortLever``).  One-way mode gives a ``both`` row,
        hedge mode ``long`` and ``short``.  Extra columns ``margin_mode`` and
        ``position_mode``.  Bitget's answer carries no cap: ``max_leverage`` and
        ``max_position_value`` come from the symbol's public ladder (NaN if it cannot be read).

        Examples
        --------
        >>> lk.Bitget.from_env().leverage("BTCUSDT")  # doctest: +SKIP
        """
        sym = self.symbol(symbol)
        self._require_keys("Bitget.leverage")
        return self._with_caps(self._read_state(sym, {}))

    def positions(self, symbol: str) -> pd.DataFrame:
        """Open positions on ``symbol`` (``GET /api/v2/mix/position/single-position``,
        signed, 10/s per UID): ``side`` (``both`` in one-way mode), ``direction``
        (``holdSide``), ``size`` (coins, ``total``), ``position_value`` (``total x
        markPrice``, USDT), ``entry_price`` (``openPriceAvg``), ``mark_price``; empty when
        flat.

        Examples
        --------
        >>> import levkit as lk
        >>> from levkit.sim import Simulator, DEMO_KEY, DEMO_PASSPHRASE, DEMO_SECRET
        >>> sim = Simulator()
        >>> _ = sim.open_position("bitget", "BTCUSDT", "long", 1_000_000)
        >>> bg = lk.Bitget(DEMO_KEY, DEMO_SECRET, passphrase=DEMO_PASSPHRASE, session=sim.session())
        >>> bg.positions("BTCUSDT")[["side", "direction", "position_value"]].values.tolist()
        [['both', 'long', 1000000.0]]
        """
        sym = self.symbol(symbol)
        self._require_keys("Bitget.positions")
        resp = self._call(
            "positions", {"symbol": sym, "productType": PRODUCT_TYPE, "marginCoin": MARGIN_COIN}
        )
        frame = parse_single_position(resp.result, source=resp.source)
        return positions_frame(self._stamp(frame, resp))

    def _read_state(self, sym: str, opts: dict, *, refresh: bool = False) -> pd.DataFrame:
        resp = self._call(
            "leverage", {"symbol": sym, "productType": PRODUCT_TYPE, "marginCoin": MARGIN_COIN}
        )
        frame = parse_account(resp.result, symbol=sym, source=resp.source)
        return self._stamp(frame, resp)

    # -- setting -----------------------------------------------------------------------
    def set_leverage(
        self, symbol: str, leverage: float, *, side: str = "both", dry_run: bool = False
    ) -> SetAnswer:
        """Set the leverage of ``symbol``; validated before anything is sent.

        Parameters
        ----------
        symbol : str
            Any accepted spelling (``BTCUSDT``, ``BTC/USDT:USDT``, ``BTC``).
        leverage : float
            A whole number from 1 to the symbol's top leverage (its ladder's first tier).
        side : {"both", "long", "short"}
            Cross margin holds one leverage per symbol, and so does isolated one-way mode:
            only ``"both"``.  Isolated hedge mode sets a side with ``holdSide``; ``"both"``
            there is two requests (long, then short): if the short one fails after the
            long one was set, the error (exchange refusal, 5xx, timeout, drop or rate
            limit alike) has ``partial=True``, ``applied={"long": L}`` and says so.
        dry_run : bool
            Send nothing; return the :class:`~levkit.http.wire.RequestPreview` (or a
            :class:`~levkit.http.wire.RequestSequence` of two) with the key masked and the
            signature and passphrase left out.  The leverage in force is still read.

        Returns
        -------
        DataFrame
            The leverage frame after the change with ``changed`` and ``previous_leverage``.
            Bitget has no "not modified" answer: ``changed`` is False where the leverage
            read first was already the one asked for.

        Examples
        --------
        >>> import levkit as lk
        >>> from levkit.sim import Simulator, DEMO_KEY, DEMO_PASSPHRASE, DEMO_SECRET
        >>> from levkit.frames import tiers_frame
        >>> sim = Simulator(tiers=tiers_frame({"exchange": "bitget", "symbol": "BTCUSDT",
        ...     "max_notional": [50000.0, 1e9], "max_leverage": [125.0, 1.0]}, source="snapshot"))
        >>> bg = lk.Bitget(DEMO_KEY, DEMO_SECRET, passphrase=DEMO_PASSPHRASE, session=sim.session())
        >>> out = bg.set_leverage("BTCUSDT", 20)
        >>> out[["side", "leverage", "previous_leverage", "changed"]].values.tolist()
        [['both', 20.0, 10.0, True]]
        >>> bg.set_leverage("BTCUSDT", 20)["changed"].tolist()
        [False]
        >>> print(bg.set_leverage("BTCUSDT", 25, dry_run=True))  # doctest: +ELLIPSIS
        POST https://api.bitget.com/api/v2/mix/account/set-leverage
        ...
        ACCESS-KEY: sim-...
        ACCESS-SIGN: <signed when sent>
        ...
        ACCESS-PASSPHRASE: <passphrase: not shown>
        ...
        """
        return self._set_leverage(symbol, leverage, side=side, dry_run=dry_run)

    # -- set_leverage hooks (the cap and step: the ladder's top, whole numbers) --------
    def _set_requests(self, change: LeverageChange) -> list[SetRequest]:
        before = change.held
        mode = str(before["margin_mode"].iloc[0])
        pos = str(before["position_mode"].iloc[0])
        change.mode = f"{mode} {pos}"
        base = {
            "symbol": change.symbol,
            "productType": PRODUCT_TYPE,
            "marginCoin": MARGIN_COIN,
            "leverage": str(int(change.value)),
        }
        return [
            SetRequest("set_leverage", base, tuple(before["side"]))
            if h is None
            else SetRequest("set_leverage", {**base, "holdSide": h}, (h,))
            for h in _hold_sides(mode, pos, change.side, change.symbol)
        ]

    def _set_result(self, change: LeverageChange, replies: list[Response]) -> pd.DataFrame:
        """The echo's leverages where it has them [G2], else the value sent."""
        echo = replies[-1].result
        if not isinstance(echo, dict):
            raise ParseError(f"bitget {SET_PATH}: data is not an object")
        mode = change.mode.split()[0]
        try:
            _, _, now = leverage_in_force(
                {
                    "marginMode": echo.get("marginMode")
                    or ("crossed" if mode == "cross" else mode),
                    "posMode": "hedge_mode",
                    "crossedMarginLeverage": echo.get("crossMarginLeverage", change.value),
                    "isolatedLongLever": echo.get("longLeverage", change.value),
                    "isolatedShortLever": echo.get("shortLeverage", change.value),
                }
            )
        except ParseError:
            now = {"long": change.value, "short": change.value}
        return after_frame(change, {"both": now["long"], **now})


def _hold_sides(mode: str, pos: str, side: str, sym: str) -> list[str | None]:
    """``holdSide`` of each request (None: left out) [G2]: ignored under cross margin,
    unneeded in isolated one-way mode, required in isolated hedge mode."""
    if mode == "isolated" and pos == "hedge":
        return ["long", "short"] if side == "both" else [side]
    if side != "both":
        why = "cross margin" if mode == "cross" else "isolated one-way mode"
        raise PositionModeError(
            f"{sym} is in {why}: Bitget holds one leverage for both sides there, so "
            f"side={side!r} cannot be set alone; use side='both'",
            exchange=VENUE.name,
            endpoint=SET_PATH,
        )
    return [None]
