"""Liquidation price of an isolated position, by the formula of the ladder's own venue.

Symbols: ``Q`` size in coins, ``EP`` entry price, ``V = Q·EP`` the position value, ``L``
leverage, ``X`` extra margin (``extra_margin``), ``s`` +1 long / -1 short, ``r`` the tier's
maintenance margin rate, ``D`` its deduction (``mm_deduction``), ``f`` the taker fee rate
(``fee_rate``).  Isolated margin of a fresh position: ``M = V/L + X``.

Every venue levkit has a formula for solves "margin + PnL at P = maintenance margin at P
(+ closing fee)" with maintenance margin ``Q·P·r − D``, which gives the **common form**::

    LP = (s·V − M − D) / (Q·(s − r − f))
    long:  (V − M − D) / (Q·(1 − r − f))        short: (V + M + D) / (Q·(1 + r + f))

The venues differ only in data each declares in its own ``levkit/venues/<name>/spec.py``,
with the sources quoted there (no code here names an exchange):

- its **maintenance-margin rule** (``Venue.maintenance``): ``r`` and ``D`` come from
  :mod:`levkit.model.maintenance`, the one place that also serves :func:`levkit.margin`,
  :func:`levkit.capacity`, the control and the CLI (published deduction; else the
  continuity recursion ``D_1 = 0``, ``D_k = D_(k−1) + min_notional_k·(r_k − r_(k−1))``;
  OKX: none; Hyperliquid: ``r = 1/(2·max_leverage)`` where the frame has no rate);
- its **liquidation rule per contract kind** (``Venue.liquidation``, e.g.
  ``{"linear": LiquidationRule(...)}``): where the fee enters (next to ``r``, dividing
  ``X`` as on Bybit, or not at all) and which tier counts (the position value at entry,
  or the tier of ``Q·LP`` re-evaluated until stable, as Binance and Hyperliquid state).

A ladder's kind is its ``category`` (``linear`` where the frame names none).
**Coin-margined** (``inverse``) ladders of a venue that publishes an inverse formula
(Binance COIN-M, Bybit v5 and v2, OKX) are solved by the one coin-margined closed form
``LP = F·(s + r + f) / (M + D + s·F/EP)`` (``F`` the USD face value, margin in the coin),
which is the common form on the reciprocal price (:mod:`levkit.liquidation._kinds`).  A
kind the venue declares no formula for (Gate, Bitget, BingX coin-margined), and a venue
outside the registry (a ccxt id such as ``kucoinfutures``), raise
:class:`~levkit.errors.InvalidPositionError`: levkit never borrows another venue's or
kind's formula.  (Their maintenance margin is still known: :func:`levkit.margin`.)

A position whose margin (after ``extra_margin``) is at or below its maintenance margin at
entry (plus the closing fee where the venue's trigger counts it) is already past
liquidation: it raises :class:`~levkit.errors.InvalidPositionError` (the formula would put
a long's liquidation price above its entry).

What is approximate, everywhere: funding and fees already paid move the margin; pass them
as a negative ``extra_margin``.  The mark price triggers liquidation, not the last price.
The fee to close uses the taker rate you pass (0 by default).  Bybit, Gate, Bitget, BingX:
the tier of the position value at entry (they say "position value" and are silent about
the tier at LP).  OKX picks tiers by size in contracts: levkit looks them up by the
notional converted at the price it fetched (the same tier near that price).

Return shapes ("return types follow the arguments"): all inputs scalar -> ``float`` for
one (exchange, symbol), a Series on (exchange, symbol) for many.  Any input an array or
Series (they broadcast together, 1-D) -> a Series for one symbol, a DataFrame (inputs x
(exchange, symbol)) for many; its index is the index of the first Series argument, else
the values of the only array argument (named after it), else a RangeIndex.

Layout, one concept per module: ``_formula.py`` (the common form), ``_book.py`` (each
row's rates, deduction and venue rule, on the model's ladder prep and tier lookup),
``_inputs.py`` (broadcasting and shaping), ``_validate.py`` (arguments, errors, the
incomplete-ladder warning) and ``_solve.py`` (the solver, tier at LP included).

A position above the top known cap of an incomplete ladder (see :func:`levkit.ladders`)
warns :class:`~levkit.LadderWarning`: the tier there is unknown.

``LP <= 0`` (a long at low leverage that no price above zero liquidates) is returned as
``0.0``: "liquidated only at zero"; a coin-margined short that no price liquidates (its
coin loss is bounded) is ``inf``.  NaN means "no answer" (a leverage the ladder forbids
in an array or many-symbol call, or no maintenance rate in the frame).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._book import prepare
from ._inputs import shape
from ._kinds import check_units, sized, to_price
from ._solve import solve
from ._validate import check_one, check_past, position, warn_if_incomplete

__all__ = ["liquidation_price"]


def liquidation_price(
    tiers: pd.DataFrame,
    *,
    entry_price: Any,
    leverage: Any,
    side: str = "long",
    notional: Any = None,
    size: Any = None,
    extra_margin: Any = 0.0,
    fee_rate: Any = 0.0,
) -> float | pd.Series | pd.DataFrame:
    """Liquidation price of a fresh isolated position, by each ladder's exchange formula.

    Parameters
    ----------
    tiers : DataFrame
        A tiers frame (one or many (exchange, symbol) ladders) of venues with a formula for
        their contract kind.  Rates missing: NaN answers (Hyperliquid:
        ``1/(2·max_leverage)``).
    entry_price : float or array-like
        Entry price (> 0).
    leverage : float or array-like
        Leverage, 1 to the ``max_leverage`` of the tier holding the position value.
    side : {"long", "short"}
    notional, size : float or array-like
        Exactly one: the position value in the ladder's ``notional_unit`` (quote currency
        for linear ladders; for coin-margined ones the coin value at entry, or the USD
        face value where the ladder is in USD, OKX), or its size in coins (at the entry
        price for coin-margined contracts: face value / entry price).  ``notional`` across
        ladders of different units including a coin-margined one is refused.
    extra_margin : float or array-like
        Margin added (> 0) or taken by fees and funding (< 0), in the margin currency
        (the quote for linear ladders, the coin for coin-margined ones).
    fee_rate : float or array-like
        Taker fee rate to close, used as each exchange says (see the module text).

    Returns
    -------
    float, Series or DataFrame
        See the module text for shapes.  ``0.0`` where no positive price liquidates.

    Raises
    ------
    ValueError
        A :class:`~levkit.errors.LevkitError` naming the argument: bad side, both or
        neither of notional and size, a price <= 0, NaN or inf, a leverage below 1, and, for one
        symbol and scalar inputs, a leverage above the tier's or a position above the top
        band (NaN in arrays and many-symbol answers, as in the model).
    InvalidPositionError
        A venue outside the registry, a contract kind without a formula, or a position
        already past its maintenance margin at entry (its margin after ``extra_margin`` at
        or below it), for any of the positions asked about; ``notional`` across ladders
        of different units including a coin-margined one.

    Warns
    -----
    LadderWarning
        A position above the top known cap of an incomplete ladder (its tier is unknown).

    Examples
    --------
    >>> from levkit.frames import tiers_frame
    >>> t = tiers_frame({"exchange": ["binance"] * 2, "symbol": ["BTCUSDT"] * 2,
    ...                  "max_notional": [5e4, 2.5e5], "max_leverage": [125, 100],
    ...                  "maintenance_margin_rate": [0.004, 0.005],
    ...                  "mm_deduction": [0, 50]}, source="api")

    Binance, long, 100,000 USDT at 50x (Q = 2 BTC, M = 2,000, tier 2: cum 50, MMR 0.005):
    (100,000 - 2,000 - 50) / (2 x (1 - 0.005)) = 49,221.11; at 1x there is no liquidation.

    >>> round(liquidation_price(t, entry_price=50_000, leverage=50, notional=1e5), 2)
    49221.11
    >>> liquidation_price(t, entry_price=50_000, leverage=[1, 50], notional=1e5).round(2).tolist()
    [0.0, 49221.11]

    Taking 1,600 of the 2,000 margin away leaves 400, below the maintenance margin at entry
    (100,000 x 0.005 - 50 = 450): the position is already past liquidation.

    >>> liquidation_price(t, entry_price=50_000, leverage=50, notional=1e5, extra_margin=-1_600)
    Traceback (most recent call last):
    ...
    levkit.errors.InvalidPositionError: binance BTCUSDT: a long of 100,000 at 50x has margin 400 (extra_margin -1,600) at or below its maintenance margin at entry 450 (tier 2): it is already past liquidation

    Coin-margined: OKX ``BTC-USD-SWAP`` (tiers in USD, contracts x 100 USD), 3 contracts
    long at 100,000 and 20x, maintenance rate 0.4 %: 100,000 x 1.004 / 1.05 (issue 22).

    >>> inv = tiers_frame({"exchange": "okx", "symbol": "BTC-USD-SWAP", "category": "inverse",
    ...                    "notional_unit": "USD", "max_notional": [50_000.0],
    ...                    "max_leverage": [100], "maintenance_margin_rate": [0.004]},
    ...                   source="api")
    >>> round(liquidation_price(inv, entry_price=100_000, leverage=20, notional=300), 2)
    95619.05
    >>> round(liquidation_price(inv, entry_price=100_000, leverage=20, notional=300,
    ...                         side="short"), 2)
    104842.11
    """
    s, inputs, q, v = position(
        entry_price=entry_price, leverage=leverage, side=side, notional=notional, size=size,
        extra_margin=extra_margin, fee_rate=fee_rate,
    )  # fmt: skip
    book = prepare(tiers)
    check_units(book, by_size=size is not None)
    x = inputs.values
    lev = x["leverage"]
    g = np.arange(book.n)[:, None]
    one = [_one(a) for a in (q, v, x["extra_margin"], x["fee_rate"], x["entry_price"])]
    pos = sized(book, g, one[4], one[0], one[1], by_size=size is not None, s=s)
    # linear ladders only: one lookup per distinct value, (groups, 1) or (groups, inputs)
    entry = book.entry_rows(v) if pos.look is one[1] else book.row(g, pos.look)
    warn_if_incomplete(book, pos.look)
    if inputs.scalar and book.n == 1:
        check_one(book, int(entry[0, 0]), float(np.ravel(pos.look)[0]), float(lev[0]))
    past = check_past(book, entry, pos.v, lev, one[2], one[3], pos.s, side)
    lp, _ = solve(book, g, entry, pos.q, pos.v, lev, one[2], one[3], pos.s, past=past)
    return shape(book, to_price(book, g, lp), inputs, "liquidation_price")


def _one(a: np.ndarray) -> np.ndarray:
    """``a[:1]`` when every value is the same (the solver then works per (symbol, tier))."""
    return a[:1] if len(a) and bool((a == a[0]).all()) else a
