"""Public helpers to read and arrange the simulator's account state (tests and demos).

Mixed into :class:`levkit.sim.Simulator`.  ``exchange`` is any registry name or alias
(two APIs of one exchange share the account their specs name: ``"bybit-legacy"`` acts on
``"bybit"``); symbols may be written any way :func:`levkit.venues.resolve` reads, and name
exactly that instrument (a dated id never reaches the perpetual).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import InvalidSymbolError
from ..symbols import parse_symbol
from ..venues import normalize_symbol, resolve, venue, venues
from .ladders import Ladder
from .state import Account, Order, Position, side_name

__all__ = ["AccountHelpers", "account_name"]


def account_name(exchange: str) -> str:
    """The simulated account an exchange name acts on (its spec's ``account``).

    >>> account_name("bybit_legacy"), account_name("BingX")
    ('bybit', 'bingx')
    """
    return venue(exchange).account


def _base(symbol: str) -> str:
    """The base coin of any venue's id (``BTC`` of Hyperliquid's ``BTC``, of Bybit's
    ``BTCUSDH26``); ``""`` when no venue reads it."""
    try:  # a suffix after "_" (BTCUSD_PERP, BTCUSDT_260626) never holds the base
        return parse_symbol(symbol.split("_")[0] if "_" in symbol[1:] else symbol).base
    except ValueError:
        pass
    for v in venues():  # "BTC" alone (Hyperliquid's coin) is the BTC market too
        try:
            return resolve(symbol, v).base
        except InvalidSymbolError:
            continue
    return ""


class AccountHelpers:
    """State helpers of the simulator (see :class:`~levkit.sim.Simulator`)."""

    accounts: dict[str, Account]
    ladders: dict[str, dict[str, Ladder]]
    prices: dict[str, float]
    default_leverage: float
    now: Callable[[], float]

    # ------------------------------------------------------------ lookups
    def account(self, exchange: str) -> Account:
        """The :class:`~levkit.sim.state.Account` object (live, mutable) of ``exchange``."""
        return self.accounts[account_name(exchange)]

    def symbols(self, exchange: str) -> list[str]:
        """Symbols the simulator lists on ``exchange``, sorted."""
        return sorted(self.ladders[account_name(exchange)])

    def ladder(self, exchange: str, symbol: str) -> Ladder:
        """The :class:`~levkit.sim.ladders.Ladder` of a symbol (``KeyError`` if unknown)."""
        ex = account_name(exchange)
        return self.ladders[ex][normalize_symbol(symbol, ex)]

    def find_ladder(self, exchange: str, symbol: str) -> Ladder | None:
        """Like :meth:`ladder` but None for unknown or unreadable symbols (exact spelling)."""
        return self.ladders[account_name(exchange)].get(symbol)

    def price(self, symbol: str) -> float:
        """Mark price of ``symbol`` (by base coin; 100 when not configured)."""
        return float(self.prices.get(_base(symbol), 100.0))

    def lev_state(self, exchange: str, symbol: str) -> dict[str, float]:
        """``{"long": L, "short": L}`` for a symbol, created at the default leverage."""
        ex = account_name(exchange)
        acct = self.accounts[ex]
        if symbol not in acct.leverage:
            top = self.ladders[ex][symbol].top_leverage
            start = min(self.default_leverage, top)
            acct.leverage[symbol] = {"long": start, "short": start}
        return acct.leverage[symbol]

    def leverage(self, exchange: str, symbol: str, side: str = "long") -> float:
        """Leverage in force on ``symbol`` for ``side`` (``"long"``, ``"short"``, or
        ``"both"`` when the two are equal).

        Examples
        --------
        >>> from levkit.sim import Simulator
        >>> Simulator().leverage("bybit", "BTC/USDT:USDT")
        10.0
        """
        ex = account_name(exchange)
        state = self.lev_state(ex, normalize_symbol(symbol, ex))
        if side == "both":
            if state["long"] != state["short"]:
                raise ValueError(f"long and short leverage differ: {state}")
            return state["long"]
        return state[side_name(side)]

    # ------------------------------------------------------------ arranging
    def set_leverage(self, exchange: str, symbol: str, leverage: float, side: str = "both") -> None:
        """Set leverage directly (no exchange rules applied)."""
        ex = account_name(exchange)
        state = self.lev_state(ex, normalize_symbol(symbol, ex))
        for s in ("long", "short") if side == "both" else (side_name(side),):
            state[s] = float(leverage)

    def set_account(
        self,
        exchange: str,
        *,
        hedge: bool | None = None,
        margin_mode: str | None = None,
        balance: float | None = None,
    ) -> Account:
        """Change position mode, margin mode (``"cross"``/``"isolated"``) or balance."""
        acct = self.account(exchange)
        if hedge is not None:
            acct.hedge = bool(hedge)
        if margin_mode is not None:
            if margin_mode not in ("cross", "isolated"):
                raise ValueError("margin_mode must be 'cross' or 'isolated'")
            acct.margin_mode = margin_mode
        if balance is not None:
            acct.balance = float(balance)
        return acct

    def set_position_mode(self, exchange: str, hedge: bool) -> None:
        """Hedge (``True``) or one-way (``False``) mode, regardless of open positions."""
        self.set_account(exchange, hedge=hedge)

    def set_margin_mode(self, exchange: str, mode: str) -> None:
        """``"cross"`` or ``"isolated"`` (matters for Bybit hedge-mode leverage rules)."""
        self.set_account(exchange, margin_mode=mode)

    def set_balance(self, exchange: str, balance: float) -> None:
        """Wallet balance in USDT."""
        self.set_account(exchange, balance=balance)

    def open_position(
        self, exchange: str, symbol: str, side: str, value: float, *, price: float | None = None
    ) -> Position:
        """Open (or replace) a position of notional ``value`` on ``side`` (long/short).

        In one-way mode the other side's position is closed.
        """
        ex = account_name(exchange)
        sym = normalize_symbol(symbol, ex)
        self.ladder(ex, sym)
        acct = self.accounts[ex]
        s = side_name(side)
        if not acct.hedge:
            acct.positions.pop((sym, "short" if s == "long" else "long"), None)
        pos = Position(
            sym, s, float(value), float(price or self.price(sym)), int(self.now() * 1000)
        )
        acct.positions[(sym, s)] = pos
        return pos

    def close_position(
        self, exchange: str, symbol: str | None = None, side: str | None = None
    ) -> None:
        """Close positions (on one symbol/side, or all)."""
        ex = account_name(exchange)
        sym = normalize_symbol(symbol, ex) if symbol else None
        acct = self.accounts[ex]
        for key in list(acct.positions):
            if (sym is None or key[0] == sym) and (side is None or key[1] == side_name(side)):
                del acct.positions[key]

    def open_order(
        self,
        exchange: str,
        symbol: str,
        side: str = "long",
        qty: float = 1.0,
        price: float | None = None,
    ) -> Order:
        """Place a resting order (blocks position-mode switches and tier discovery)."""
        ex = account_name(exchange)
        sym = normalize_symbol(symbol, ex)
        self.ladder(ex, sym)
        order = Order(
            sym,
            side_name(side),
            float(qty),
            float(price or self.price(sym) * 0.9),
            int(self.now() * 1000),
        )
        self.accounts[ex].orders.append(order)
        return order

    def cancel_orders(self, exchange: str, symbol: str | None = None) -> None:
        """Cancel resting orders (on one symbol, or all)."""
        ex = account_name(exchange)
        sym = normalize_symbol(symbol, ex) if symbol else None
        acct = self.accounts[ex]
        acct.orders = [o for o in acct.orders if sym is not None and o.symbol != sym]

    def snapshot_state(self, exchange: str) -> dict[str, Any]:
        """A plain-dict copy of an account (mode, balance, leverage, positions, orders)."""
        acct = self.account(exchange)
        return {
            "hedge": acct.hedge,
            "margin_mode": acct.margin_mode,
            "balance": acct.balance,
            "leverage": {k: dict(v) for k, v in acct.leverage.items()},
            "positions": {f"{s}:{d}": p.value for (s, d), p in acct.positions.items()},
            "orders": len(acct.orders),
        }
