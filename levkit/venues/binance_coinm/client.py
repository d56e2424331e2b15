"""Binance COIN-M futures: coin-margined brackets, the leverage in force and setting it
(all signed), on the USDⓈ-M client's sequence with COIN-M's endpoints and answers.

>>> import levkit as lk
>>> from levkit.venues.binance_coinm.sim import demo_client
>>> c = demo_client()
>>> c.risk_limits("BTCUSD_PERP")[["tier", "max_notional", "max_leverage", "notional_unit"]].values.tolist()
[[1, 50.0, 125.0, 'BTC']]
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ...client import positions_frame
from ...errors import InvalidSymbolError, LevkitError
from ..binance.client import Binance
from .dialect import BinanceCoinMDialect
from .parse import parse_brackets, parse_exchange_info, parse_leverage, parse_position_risk
from .spec import VENUE

__all__ = ["BinanceCoinM"]


def _pair(symbol: str) -> str:
    """``BTCUSD_PERP``, ``BTCUSD_251226`` -> ``BTCUSD`` (positionRisk takes a pair [C2])."""
    return symbol.rsplit("_", 1)[0]


class BinanceCoinM(Binance):
    """Binance COIN-M futures: coin-margined perpetuals (``BTCUSD_PERP``) and quarterlies
    (``BTCUSD_251226``), margined and settled in the coin.

    See :class:`levkit.client.Client` for the constructor.  Hosts: mainnet
    ``https://dapi.binance.com``, testnet ``https://testnet.binancefuture.com``.  Every
    call but the instrument list is signed; keys from ``BINANCE_API_KEY`` /
    ``BINANCE_API_SECRET`` with :meth:`from_env` (one Binance key serves USDⓈ-M and
    COIN-M).  Ladders are in the symbol's coin (``notional_unit`` ``BTC``), and so are
    ``max_position_value`` and positions' values.

    Examples
    --------
    >>> import levkit as lk
    >>> lk.BinanceCoinM().exchange, lk.BinanceCoinM().base_url
    ('binance-coinm', 'https://dapi.binance.com')
    """

    venue = VENUE
    one_side = (
        "Binance COIN-M keeps one leverage per symbol for both sides ('For Hedge Mode, LONG "
        "and SHORT positions of one symbol use the same initial leverage')"
    )
    set_cap_key = "maxQty"

    def _dialect(self) -> BinanceCoinMDialect:
        return BinanceCoinMDialect()

    # -- the ladder --------------------------------------------------------------------
    def risk_limits(self, symbol: str | None = None, *, refresh: bool = False) -> pd.DataFrame:
        """The leverage ladder (COIN-M's brackets) as a tiers frame, in the symbol's coin.

        One signed ``GET /dapi/v2/leverageBracket`` (weight 1) answers every symbol, or one
        with ``symbol``.  ``max_notional`` is ``qtyCap`` ("upper edge of base asset
        quantity": the position's coin value), ``notional_unit`` the base coin,
        ``category`` ``inverse``; extra columns ``bracket``, ``qty_floor``,
        ``notional_coef``.  Cached for ``cache_ttl`` seconds; ``refresh=True`` fetches anew.

        Raises
        ------
        AuthenticationError
            Without keys, before anything is sent (the endpoint is signed).

        Examples
        --------
        >>> from levkit.venues.binance_coinm.sim import demo_client
        >>> t = demo_client().risk_limits()
        >>> sorted(set(t["symbol"])), sorted(set(t["notional_unit"]))
        (['BTCUSD_PERP', 'ETHUSD_PERP'], ['BTC', 'ETH'])
        """
        return super().risk_limits(symbol, refresh=refresh)

    def _fetch_brackets(self, symbol: str | None) -> pd.DataFrame:
        resp = self._call("ladder", {"symbol": symbol} if symbol else {})
        frame = parse_brackets(resp.result, source=resp.source)
        if symbol is not None:
            if symbol not in set(frame["symbol"]):
                raise LevkitError(f"{self.exchange}: the brackets answer holds no {symbol}")
            frame = frame[frame["symbol"] == symbol].reset_index(drop=True)
        return self._stamp(frame, resp)

    def instruments(self, symbol: str | None = None, *, refresh: bool = False) -> pd.DataFrame:
        """COIN-M symbols (every one, or ``symbol``'s row) with their ``contract_size``
        (USD per contract), ``pair``, ``contract_type``, ``margin_asset`` and ``status``,
        from the public ``GET /dapi/v1/exchangeInfo`` (one call for all; cached like the
        ladder).  An unlisted ``symbol`` raises :class:`~levkit.errors.InvalidSymbolError`.

        >>> from levkit.venues.binance_coinm.sim import demo_client
        >>> demo_client().instruments().set_index("symbol")["contract_size"].to_dict()
        {'BTCUSD_PERP': 100.0, 'ETHUSD_PERP': 10.0}
        """
        every = self._cached(
            ("instruments",),
            refresh,
            lambda: parse_exchange_info(self._call("instruments", {}).result),
        )
        if symbol is None:
            return every.copy()
        sym = self.symbol(symbol)
        rows = every[every["symbol"] == sym].reset_index(drop=True)
        if rows.empty:
            raise InvalidSymbolError(f"{self.exchange} lists no {sym} (GET /dapi/v1/exchangeInfo)")
        return rows

    # -- the leverage in force -----------------------------------------------------------
    def leverage(self, symbol: str) -> pd.DataFrame:
        """The leverage in force on ``symbol`` and the coin cap it allows.

        Reads ``GET /dapi/v1/positionRisk`` for the symbol's pair (weight 1; COIN-M takes
        no ``symbol`` there): ``leverage``, and ``maxQty`` ("maximum quantity of base
        asset", the cap at that leverage) as ``max_position_value`` in the coin;
        ``max_leverage`` is the top of the symbol's brackets.  Hedge-mode accounts answer
        LONG and SHORT rows: the frame then has a ``long`` and a ``short`` row with the
        one value, one-way accounts a ``both`` row.

        Examples
        --------
        >>> from levkit.venues.binance_coinm.sim import demo_client
        >>> demo_client().leverage("BTCUSD_PERP")[
        ...     ["side", "leverage", "max_leverage", "max_position_value"]].values.tolist()
        [['both', 10.0, 125.0, 50.0]]
        """
        return super().leverage(symbol)

    def _read_leverage(self, sym: str) -> pd.DataFrame:
        top = self._top(sym)
        resp = self._call("leverage", {"pair": _pair(sym)})
        frame = parse_leverage(resp.result, sym, max_leverage=top, source=resp.source)
        return self._stamp(frame, resp)

    def positions(self, symbol: str) -> pd.DataFrame:
        """Open positions on ``symbol`` (``GET /dapi/v1/positionRisk`` of its pair):
        ``side``, ``direction``, ``size`` (contracts), ``position_value`` (coins:
        contracts x contract size / mark, the ladder's unit), ``entry_price``,
        ``mark_price``; empty when flat.  The contract size comes from
        :meth:`instruments`.

        Examples
        --------
        >>> import levkit as lk
        >>> from levkit.sim import Simulator, DEMO_KEY, DEMO_SECRET
        >>> from levkit.venues.binance_coinm.sim import demo_ladder
        >>> sim = Simulator(demo_ladder(), prices={"BTC": 60_000.0})
        >>> _ = sim.open_position("binance-coinm", "BTCUSD_PERP", "long", 0.5)  # 0.5 BTC
        >>> c = lk.BinanceCoinM(DEMO_KEY, DEMO_SECRET, session=sim.session())
        >>> c.positions("BTCUSD_PERP")[["side", "size", "position_value"]].values.tolist()
        [['both', 300.0, 0.5]]
        """
        self._require_keys("BinanceCoinM.positions")
        sym = self.symbol(symbol)
        resp = self._call("positions", {"pair": _pair(sym)})
        listed = self.instruments()
        sizes = dict(
            zip(listed["symbol"].astype(str), listed["contract_size"].astype(float), strict=True)
        )
        rows = resp.result if isinstance(resp.result, list) else [resp.result]
        mine = [r for r in rows if isinstance(r, dict) and r.get("symbol") == sym]
        frame = parse_position_risk(mine, sizes, source=resp.source)
        return positions_frame(self._stamp(frame, resp))

    # -- setting -------------------------------------------------------------------------
    def set_leverage(
        self, symbol: str, leverage: float, *, side: str = "both", dry_run: bool = False
    ) -> Any:
        """Set the leverage of ``symbol`` (``POST /dapi/v1/leverage``), validated first.

        A whole number from 1 to the symbol's top bracket leverage, checked before
        anything is sent; nothing is sent when it is already in force (``changed``
        False).  ``max_position_value`` of the answer is COIN-M's ``maxQty`` (coins).

        Parameters
        ----------
        symbol : str
        leverage : int or float
        side : {"both"}
            COIN-M keeps one leverage per symbol: ``"long"``/``"short"`` raise.
        dry_run : bool
            Send nothing; return the preview (key masked, signature elided).

        Examples
        --------
        >>> from levkit.venues.binance_coinm.sim import demo_client
        >>> out = demo_client().set_leverage("BTCUSD_PERP", 100)
        >>> out[["leverage", "previous_leverage", "changed", "max_position_value"]].values.tolist()
        [[100.0, 10.0, True, 50.0]]
        """
        return super().set_leverage(symbol, leverage, side=side, dry_run=dry_run)
