"""Binance USDⓈ-M futures: leverage brackets, the leverage in force and setting it (all
signed).

>>> import levkit as lk
>>> from levkit.sim import Simulator, DEMO_KEY, DEMO_SECRET
>>> from levkit.venues.binance.sim import demo_ladder
>>> client = lk.Binance(DEMO_KEY, DEMO_SECRET, session=Simulator(demo_ladder()).session())
>>> client.risk_limits("BTCUSDT")[["tier", "max_notional", "max_leverage"]].values.tolist()
[[1.0, 50000.0, 125.0], [2.0, 600000.0, 100.0], [3.0, 3000000.0, 75.0]]
"""

from __future__ import annotations

import logging
import math
from typing import ClassVar

import pandas as pd

from ...client import Client, positions_frame
from ...client.setting import LeverageChange, SetAnswer, SetRequest, after_frame
from ...errors import InvalidLeverageError, LevkitError, RateLimitError
from ...http.wire import Response
from ...numbers import show
from .dialect import BinanceDialect, binance_error, binance_signature
from .parse import (
    leverage_rows,
    parse_brackets,
    parse_dual_side,
    parse_position_risk,
    parse_set_leverage,
    parse_symbol_config,
)
from .spec import VENUE

__all__ = ["Binance", "BinanceDialect", "binance_error", "binance_signature"]

log = logging.getLogger("levkit")

ONE_LEVERAGE = (
    "Binance USDⓈ-M keeps one leverage per symbol for both sides (hedge mode included: "
    "'LONG and SHORT positions of one symbol use the same initial leverage')"
)


class Binance(Client):
    """Binance USDⓈ-M futures (USDT- and USDC-margined perpetuals and quarterlies).

    See :class:`levkit.client.Client` for the constructor.  Hosts: mainnet
    ``https://fapi.binance.com``, testnet ``https://testnet.binancefuture.com``.
    Every call here is signed (``USER_DATA``/``TRADE``): the leverage brackets too, since
    Binance answers them per account.  Keys from ``BINANCE_API_KEY`` /
    ``BINANCE_API_SECRET`` with :meth:`from_env` (``BINANCE_TESTNET=1`` for the testnet).
    """

    venue = VENUE

    def _dialect(self) -> BinanceDialect:
        return BinanceDialect()

    def _call_error(self, exc: LevkitError, role: str) -> LevkitError:
        if isinstance(exc, RateLimitError) and exc.status == 418:
            return _banned(exc, self._clock())  # an IP ban: never retried; say until when
        return exc

    # -- the ladder ------------------------------------------------------------------
    def risk_limits(self, symbol: str | None = None, *, refresh: bool = False) -> pd.DataFrame:
        """The leverage ladder (Binance's notional and leverage brackets) as a tiers frame.

        One signed ``GET /fapi/v1/leverageBracket`` (weight 1) answers every symbol at
        once, or one symbol with ``symbol``.  Cached on this client for ``cache_ttl``
        seconds; ``refresh=True`` fetches anew.

        Extra columns: ``bracket``; ``notional_floor`` (the exchange's lower bound);
        ``notional_coef``, Binance's ``notionalCoef`` (this account's brackets as a multiple
        of the symbol's default, shown only when adjusted; 1.0 otherwise).  The docs do not
        say whether the caps already include that coefficient: levkit keeps ``notionalCap``
        exactly as the account's answer states it and does not multiply it.
        ``mm_deduction`` is Binance's ``cum``; where it breaks the published recursion a
        :class:`~levkit.LadderWarning` names the tiers (``attrs["cum_mismatch"]``).

        Parameters
        ----------
        symbol : str, optional
            ``"BTCUSDT"``, ``"BTC/USDT:USDT"`` or ``"BTC"``; all symbols when omitted.
        refresh : bool
            Ignore the cache.

        Raises
        ------
        AuthenticationError
            Without keys, before anything is sent (the endpoint is signed).

        Examples
        --------
        >>> import levkit as lk
        >>> lk.Binance().risk_limits()
        Traceback (most recent call last):
        ...
        levkit.errors.AuthenticationError: binance: Binance.risk_limits is a private call and needs API keys: pass api_key and api_secret, or set BINANCE_API_KEY and BINANCE_API_SECRET and use lk.Binance.from_env()
        >>> lk.Binance.from_env().risk_limits("BTCUSDT")  # doctest: +SKIP
        """
        self._require_keys(f"{type(self).__name__}.risk_limits")
        sym = self.symbol(symbol) if symbol is not None else None
        return self._cached(("brackets", sym), refresh, lambda: self._fetch_brackets(sym)).copy()

    def _fetch_brackets(self, symbol: str | None) -> pd.DataFrame:
        resp = self._call("ladder", {"symbol": symbol} if symbol else {})
        frame = parse_brackets(resp.result, source=resp.source)
        if symbol is not None and symbol not in set(frame["symbol"]):
            raise LevkitError(f"Binance answered brackets without {symbol}")
        return self._stamp(frame, resp)

    def _top(self, symbol: str) -> float:
        ladder = self.risk_limits(symbol)
        return float(ladder["max_leverage"].max())

    # -- the leverage in force -------------------------------------------------------
    def leverage(self, symbol: str) -> pd.DataFrame:
        """The leverage in force on ``symbol`` and the cap it allows.

        Reads ``GET /fapi/v1/symbolConfig`` (``leverage``, ``maxNotionalValue`` = the cap
        at that leverage, which becomes ``max_position_value``) and the account's position
        mode ``GET /fapi/v1/positionSide/dual``; ``max_leverage`` is the top of the
        symbol's brackets (cached).  In hedge mode the frame has a ``long`` and a ``short``
        row with the one value; in one-way mode a single ``both`` row.

        Examples
        --------
        >>> from levkit.venues.binance.sim import demo_client
        >>> c = demo_client()
        >>> c.leverage("BTCUSDT")[["side", "leverage", "max_leverage", "max_position_value"]].values.tolist()
        [['both', 10.0, 125.0, 3000000.0]]
        """
        self._require_keys(f"{type(self).__name__}.leverage")
        sym = self.symbol(symbol)
        return self._read_leverage(sym)

    def _read_leverage(self, sym: str) -> pd.DataFrame:
        top = self._top(sym)
        resp = self._call("leverage", {"symbol": sym})
        config = parse_symbol_config(resp.result, sym)
        hedge = self._hedge_mode()
        frame = leverage_rows(
            sym,
            config["leverage"],
            hedge=hedge,
            max_leverage=top,
            cap=config["max_notional"],
            source=resp.source,
            margin_type=config["margin_type"],
        )
        return self._stamp(frame, resp)

    def positions(self, symbol: str) -> pd.DataFrame:
        """Open positions on ``symbol`` (``GET /fapi/v2/positionRisk``, signed, weight 5):
        ``side`` (``both`` in one-way mode, ``long``/``short`` in hedge mode), ``direction``,
        ``size`` (coins, ``|positionAmt|``), ``position_value`` (``|notional|``, in the
        quote coin), ``entry_price``, ``mark_price``; empty when flat.

        Examples
        --------
        >>> import levkit as lk
        >>> from levkit.sim import Simulator, DEMO_KEY, DEMO_SECRET
        >>> from levkit.venues.binance.sim import demo_ladder
        >>> sim = Simulator(demo_ladder())
        >>> _ = sim.open_position("binance", "BTCUSDT", "short", 500_000)
        >>> c = lk.Binance(DEMO_KEY, DEMO_SECRET, session=sim.session())
        >>> c.positions("BTCUSDT")[["side", "direction", "position_value"]].values.tolist()
        [['both', 'short', 500000.0]]
        """
        self._require_keys(f"{type(self).__name__}.positions")
        sym = self.symbol(symbol)
        resp = self._call("positions", {"symbol": sym})
        frame = parse_position_risk(resp.result, source=resp.source)
        frame = frame[frame["symbol"] == sym].reset_index(drop=True)
        return positions_frame(self._stamp(frame, resp))

    def _hedge_mode(self) -> bool:
        return parse_dual_side(self._call("mode").result)

    # -- setting: the one sequence of levkit.client.setting, with Binance's hooks --------------
    def set_leverage(
        self, symbol: str, leverage: float, *, side: str = "both", dry_run: bool = False
    ) -> SetAnswer:
        """Set the leverage of ``symbol`` (``POST /fapi/v1/leverage``), validated first.

        The leverage must be a whole number from 1 to the symbol's top bracket leverage;
        that is checked before anything is sent.  The leverage in force is read first: when
        it already equals ``leverage`` nothing is sent (Binance has no "not modified"
        answer) and ``changed`` is False.

        Parameters
        ----------
        symbol : str
        leverage : int or float
            A whole number.
        side : {"both"}
            Binance keeps one leverage per symbol: ``"long"``/``"short"`` raise
            :class:`~levkit.errors.InvalidLeverageError` (a ``ValueError``).
        dry_run : bool
            Send nothing; return the :class:`~levkit.http.wire.RequestPreview` (key masked,
            signature elided).  The brackets and the leverage in force are still read.

        Returns
        -------
        DataFrame
            The leverage frame after the change with ``changed`` and ``previous_leverage``;
            ``max_position_value`` is the cap Binance states for the new leverage.

        Examples
        --------
        >>> from levkit.venues.binance.sim import demo_client
        >>> c = demo_client()
        >>> out = c.set_leverage("BTCUSDT", 120)
        >>> out[["side", "leverage", "previous_leverage", "changed", "max_position_value"]].values.tolist()
        [['both', 120.0, 10.0, True, 50000.0]]
        >>> bool(c.set_leverage("BTCUSDT", 120)["changed"].iloc[0])
        False
        >>> c.set_leverage("BTCUSDT", 20, side="long")
        Traceback (most recent call last):
        ...
        levkit.errors.InvalidLeverageError: side='long': Binance USDⓈ-M keeps one leverage per symbol for both sides (hedge mode included: 'LONG and SHORT positions of one symbol use the same initial leverage'), so side must be 'both'
        """
        return self._set_leverage(symbol, leverage, side=side, dry_run=dry_run)

    one_side = ONE_LEVERAGE
    one_side_error = InvalidLeverageError
    skip_in_force = True

    def _leverage_limits(self, change: LeverageChange) -> tuple[float, float | None]:
        return self._top(change.symbol), self.venue.capabilities.leverage_step

    def _read_state(self, sym: str, opts: dict, *, refresh: bool = False) -> pd.DataFrame:
        return self._read_leverage(sym)

    def _set_requests(self, change: LeverageChange) -> list[SetRequest]:
        body = {"symbol": change.symbol, "leverage": int(change.value)}
        return [SetRequest("set_leverage", body, tuple(change.held["side"]))]

    #: The cap field of the set-leverage answer (COIN-M answers ``maxQty``, coins).
    set_cap_key: ClassVar[str] = "maxNotionalValue"

    def _set_result(self, change: LeverageChange, replies: list[Response]) -> pd.DataFrame:
        """Binance's answer: the leverage set and the cap it allows (``maxNotionalValue``)."""
        what = f"{self.exchange} {self.venue.endpoint('set_leverage').path}"
        answer = parse_set_leverage(replies[-1].result, cap_key=self.set_cap_key, what=what)
        after = after_frame(change, dict.fromkeys(change.targets, answer["leverage"]))
        after["max_position_value"] = answer["max_notional"]
        return after


def _banned(exc: RateLimitError, now: float) -> RateLimitError:
    """The 418 error with the end of the ban as a UTC time in its message."""
    wait = exc.retry_after
    if wait is None or not math.isfinite(wait):
        until = "an unknown time (no Retry-After header)"
    else:
        try:
            end = pd.Timestamp(now + wait, unit="s", tz="UTC").floor("s").isoformat()
        except (OverflowError, ValueError):  # OutOfBoundsDatetime is a ValueError
            end = "a date too far to show"  # an absurd Retry-After: say it, do not crash
        until = f"{end} (in {show(wait)} s)"
    err = RateLimitError(
        f"{exc.message}: Binance banned this IP for ignoring rate limits, until {until}; "
        "levkit does not retry during a ban",
        retry_after=wait,
        exchange=exc.exchange,
        code=exc.code,
        endpoint=exc.endpoint,
        status=exc.status,
    )
    return err
