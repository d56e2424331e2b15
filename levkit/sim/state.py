"""Account state of the simulated exchanges, and the sliding-window rate limiter.

One account per exchange (the registry's ``account`` names: ``"bybit"`` is shared by Bybit
v5 and the legacy v2 endpoints).
Sides are always ``"long"`` / ``"short"`` here; each exchange module maps its own words.
"""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass, field

__all__ = ["Account", "Position", "Order", "RateLimiter", "SIDES", "side_name"]

SIDES = ("long", "short")
_SIDE_ALIASES = {"long": "long", "buy": "long", "short": "short", "sell": "short"}
_order_ids = itertools.count(1_700_000_000_000)


def side_name(side: str) -> str:
    """``"long"`` or ``"short"`` from any of long/short/buy/sell (any case)."""
    try:
        return _SIDE_ALIASES[str(side).lower()]
    except KeyError:
        raise ValueError(f"side must be 'long' or 'short', not {side!r}") from None


@dataclass
class Position:
    """An open position: notional ``value`` in the quote coin at mark ``price``."""

    symbol: str
    side: str
    value: float
    price: float
    created_ms: int = 0

    @property
    def size(self) -> float:
        """Quantity in the base coin."""
        return self.value / self.price if self.price else 0.0


@dataclass
class Order:
    """A resting limit order (only its existence matters to leverage rules)."""

    symbol: str
    side: str
    qty: float
    price: float
    created_ms: int = 0
    order_id: str = field(default_factory=lambda: str(next(_order_ids)))


@dataclass
class Account:
    """One exchange account as the simulator keeps it.

    Attributes
    ----------
    exchange : str
        ``"bybit"`` or ``"bingx"``.
    hedge : bool
        Hedge (two-sided) position mode; False = one-way.
    margin_mode : str
        ``"cross"`` or ``"isolated"`` (Bybit's hedge-mode rule depends on it).
    balance : float
        Wallet balance in USDT.
    leverage : dict
        ``{symbol: {"long": L, "short": L}}``.
    positions : dict
        ``{(symbol, side): Position}``.
    orders : list of Order
    """

    exchange: str
    hedge: bool = False
    margin_mode: str = "cross"
    balance: float = 10_000.0
    leverage: dict[str, dict[str, float]] = field(default_factory=dict)
    positions: dict[tuple[str, str], Position] = field(default_factory=dict)
    orders: list[Order] = field(default_factory=list)

    def position_value(self, symbol: str, side: str) -> float:
        """Notional of the open position on ``symbol``/``side`` (0 when flat)."""
        pos = self.positions.get((symbol, side))
        return pos.value if pos else 0.0

    def open_positions(self, symbol: str | None = None) -> list[Position]:
        """Open positions, optionally on one symbol, sorted by symbol then side."""
        return [
            p
            for (s, _), p in sorted(self.positions.items())
            if p.value > 0 and (symbol is None or s == symbol)
        ]

    def open_orders(self, symbol: str | None = None) -> list[Order]:
        """Resting orders, optionally on one symbol."""
        return [o for o in self.orders if symbol is None or o.symbol == symbol]

    def has_exposure(self, symbol: str | None = None) -> bool:
        """True when a position or an order is open (on ``symbol`` or anywhere)."""
        return bool(self.open_positions(symbol) or self.open_orders(symbol))


class RateLimiter:
    """At most ``limit`` requests in any ``window`` seconds (sliding window).

    Rejected requests do not count.  Time comes from the caller (the simulator's clock).

    Examples
    --------
    >>> rl = RateLimiter(2, 1.0)
    >>> [rl.hit(0.0)[0], rl.hit(0.1)[0], rl.hit(0.2)[0], rl.hit(1.05)[0]]
    [True, True, False, True]
    """

    def __init__(self, limit: int, window: float = 1.0):
        self.limit = int(limit)
        self.window = float(window)
        self._hits: deque[float] = deque()

    def _expire(self, now: float) -> None:
        while self._hits and self._hits[0] <= now - self.window:
            self._hits.popleft()

    def hit(self, now: float) -> tuple[bool, int, float]:
        """Count a request at ``now``.

        Returns
        -------
        allowed : bool
        remaining : int
            Requests still allowed in the current window after this one.
        reset_at : float
            When (clock seconds) the oldest counted request leaves the window.
        """
        self._expire(now)
        allowed = len(self._hits) < self.limit
        if allowed:
            self._hits.append(now)
        remaining = max(self.limit - len(self._hits), 0)
        reset_at = (self._hits[0] if self._hits else now) + self.window
        return allowed, remaining, reset_at
