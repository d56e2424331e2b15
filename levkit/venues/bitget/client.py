"""Bitget v2 mix, USDT-FUTURES: the leverage ladder (public), the leverage in force and
setting it (signed, with a passphrase).

>>> import levkit as lk
>>> lk.Bitget("test-key-0000", "test-secret-not-real", passphrase="test-pass-not-real")
Bitget(host='https://api.bitget.com', api_key='test...')
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from ...client import Client, fill_caps, positions_frame
from ...errors import ExchangeError, LevkitError, ParseError, PositionModeError
from ...numbers import leverage_equal
from ...validate import check_leverage, check_side
from ...wire import RequestSequence, Response
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
        bar = None
        if self.progress is not False and len(symbols) > 1:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(symbols), desc="bitget leverage tiers", unit="symbol", leave=False)
        frames = []
        try:
            for sym in symbols:
                frames.append(self._cached(("risk", sym), refresh, lambda s=sym: self._ladder(s)))
                if bar is not None:
                    bar.update(1)
        finally:
            if bar is not None:
                bar.close()
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
        frame, _ = self._read(sym)
        return fill_caps(frame, self._ladder_or_empty(sym))

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

    def _read(self, sym: str) -> tuple[pd.DataFrame, Response]:
        resp = self._call(
            "leverage", {"symbol": sym, "productType": PRODUCT_TYPE, "marginCoin": MARGIN_COIN}
        )
        frame = parse_account(resp.result, symbol=sym, source=resp.source)
        return self._stamp(frame, resp), resp

    def _ladder_or_empty(self, sym: str) -> pd.DataFrame:
        try:
            return self.risk_limits(sym)
        except LevkitError as exc:  # caps stay NaN; say why in the log
            log.warning("bitget: could not read the ladder of %s to fill caps: %s", sym, exc)
            return pd.DataFrame(columns=["exchange", "symbol", "max_leverage", "max_notional"])

    # -- setting -----------------------------------------------------------------------
    def set_leverage(
        self, symbol: str, leverage: float, *, side: str = "both", dry_run: bool = False
    ):
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
            there is two requests (long, then short).
        dry_run : bool
            Send nothing; return the :class:`~levkit.wire.RequestPreview` (or a
            :class:`~levkit.wire.RequestSequence` of two) with the key masked and the
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
        side = check_side(side)
        sym = self.symbol(symbol)
        check_leverage(leverage, max_leverage=float("inf"), symbol=sym)  # before any request
        self._require_keys("Bitget.set_leverage")
        tiers = self.risk_limits(sym)
        lev = check_leverage(
            leverage,
            max_leverage=float(tiers["max_leverage"].max()),
            step=VENUE.capabilities.leverage_step,
            symbol=sym,
        )
        before, _ = self._read(sym)
        mode = str(before["margin_mode"].iloc[0])
        pos = str(before["position_mode"].iloc[0])
        hold_sides = _hold_sides(mode, pos, side, sym)
        base = {
            "symbol": sym,
            "productType": PRODUCT_TYPE,
            "marginCoin": MARGIN_COIN,
            "leverage": str(int(lev)),
        }
        bodies = [base if h is None else {**base, "holdSide": h} for h in hold_sides]
        if dry_run:
            previews = [
                self.transport.preview(
                    "POST", SET_PATH, body, note=f"dry run: {sym} {side} -> {lev:g}x, not sent"
                )
                for body in bodies
            ]
            return previews[0] if len(previews) == 1 else RequestSequence(previews)
        answers: list[dict[str, Any]] = []
        resp = None
        for i, body in enumerate(bodies):
            try:
                resp = self._call("set_leverage", body)
            except ExchangeError as exc:
                if i > 0:
                    exc.partial = True
                    exc.message += f" (the {bodies[0].get('holdSide')} side was already set)"
                    exc.args = (exc._text(),)
                exc.mode = f"{mode} {pos}"
                raise
            if not isinstance(resp.result, dict):
                raise ParseError(f"bitget {SET_PATH}: data is not an object")
            answers.append(resp.result)
        assert resp is not None
        after = _after(before, answers[-1], lev, hold_sides, mode)
        out = fill_caps(after, tiers)
        return self._stamp(out, resp, message="leverage set (Bitget has no 'not modified' code)")


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


def _after(
    before: pd.DataFrame, echo: dict, lev: float, hold: list[str | None], mode: str
) -> pd.DataFrame:
    """The frame after setting: the echo's leverages where it has them, else the value sent."""
    try:
        _, _, now = leverage_in_force(
            {
                "marginMode": echo.get("marginMode") or ("crossed" if mode == "cross" else mode),
                "posMode": "hedge_mode",
                "crossedMarginLeverage": echo.get("crossMarginLeverage", lev),
                "isolatedLongLever": echo.get("longLeverage", lev),
                "isolatedShortLever": echo.get("shortLeverage", lev),
            }
        )
    except ParseError:
        now = {"long": lev, "short": lev}
    targets = {"long", "short"} if None in hold else set(hold)  # type: ignore[arg-type]
    after = before.copy()
    after["previous_leverage"] = after["leverage"]
    new = [
        (now["long"] if s in ("both", "long") else now["short"])
        if (s == "both" or s in targets)
        else prev
        for s, prev in zip(after["side"], after["leverage"], strict=True)
    ]
    after["leverage"] = np.asarray(new, dtype=float)
    targeted = after["side"].map(lambda s: s == "both" or s in targets).to_numpy(bool)
    same = leverage_equal(
        after["previous_leverage"].to_numpy(float), after["leverage"].to_numpy(float)
    )
    after["changed"] = targeted & ~same
    after["max_leverage"] = np.nan
    after["max_position_value"] = np.nan
    return after
