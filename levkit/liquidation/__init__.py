"""Liquidation price of an isolated position, by the formula of the ladder's own exchange.

Symbols: ``Q`` size in coins, ``EP`` entry price, ``V = Q·EP`` the position value, ``L``
leverage, ``X`` extra margin (``extra_margin``), ``s`` +1 long / -1 short, ``r`` the tier's
maintenance margin rate, ``D`` its deduction (``mm_deduction``), ``f`` the taker fee rate
(``fee_rate``).  Isolated margin of a fresh position: ``M = V/L + X``.

Every venue below solves "margin + PnL at P = maintenance margin at P (+ closing fee)"
with maintenance margin ``Q·P·r − D``, which gives the **common form**::

    LP = (s·V − M − D) / (Q·(s − r − f))
    long:  (V − M − D) / (Q·(1 − r − f))        short: (V + M + D) / (Q·(1 + r + f))

The venues differ only in three things, held as data in :data:`RULES` (no code branches
on an exchange's name): how the fee enters, where the deduction comes from, and which
tier is used.  Sources (quoted in ``/work/shared/LIQUIDATION.md``):

``bybit``, ``bybit-legacy``
    Bybit UTA help "Liquidation Process" (isolated, USDT perpetual),
    https://www.bybit.com/en/help-center/article/UTA-Trading-Rules-Liquidation-Process:
    long ``[EP·Q − EP·Q/L − X/(1 − f) − D] / [Q − Q·r]``, short with ``+`` and
    ``X/(1 + f)``.  The fee to close is in both initial and maintenance margin, so it
    cancels: ``f`` only divides ``X`` (``M = V/L + X/(1 − s·f)``, no ``f`` below).
    Tier: the position value at entry.  The older page valued MM at entry with no
    deduction (as freqtrade does); levkit follows the current page.  Read through public
    transcriptions only.
``binance``
    Binance FAQ "How to calculate liquidation price of USDⓈ-M contracts",
    https://www.binance.com/en/support/faq/b3c689c1f50a44cabb3a84e663b81d93 (isolated:
    ``M = WB``, ``D = cum``, no fee term, so ``f = 0``; ``fee_rate`` is ignored).  Tier: the
    bracket holding ``Q·LP``, re-evaluated until stable, as the FAQ says.
``okx``
    OKX help "合约盈亏计算" (verbatim transcription only): long
    ``(M − Q·EP) / (Q·(r + f − 1))``, short ``(M + Q·EP) / (Q·(r + f + 1))``: no
    deduction (``D = 0`` whatever the frame holds), fee in the denominator.  OKX picks
    tiers by size in contracts; levkit's frame holds them converted to notional at the
    price it fetched, and the tier is looked up with ``V`` at the entry price, which is
    the same tier when the entry price is near that price (approximate otherwise).
``gate``
    https://www.gate.io/help/futures/futures/27724/liquidation-price-bankruptcy-price:
    ``(EP ∓ M/Q) / (1 ∓ (r + f))``, ``-`` long ``+`` short.  That page has no deduction;
    since 2025-07-29 MM is per slice and the API gives ``deduction``: the common form with
    ``D`` is derived, not published.  Tier: position value at entry.
``bitget``
    https://www.bitget.com/support/articles/12560603808759:
    ``[M + offset − Q·EP·dir] / [Q·(r + f − dir)]``, dir 1 long / -1 short.  The
    "pre-calculated offset" equals ``D``; Bitget's API publishes no deduction, so levkit
    always derives it by the recursion below.  Tier: position value at entry.
``bingx``
    Only the trigger is published (margin <= MM + taker fee; MM = notional·rate −
    maintenance amount, https://support.bingx.com/hc/en-001/articles/10689309996185): the
    common form with ``D = maintAmount`` and ``f`` in the denominator is derived.
``hyperliquid``
    https://hyperliquid.gitbook.io/hyperliquid-docs/trading/liquidations:
    ``liq = P − s·(M − MM)/Q/(1 − s·r)`` which, with ``MM = Q·P·r − D``, is the common
    form with ``f = 0``.  ``r = 1/(2·max_leverage)`` where the frame has no rate (…/trading/
    margin-tiers), deduction by the recursion, tier at the liquidation price (stated),
    top tier uncapped (``max_notional = inf``).

Deduction where the frame has none: ``D_1 = 0``, ``D_n = D_(n−1) + floor_n·(r_n − r_(n−1))``
(Binance's ``cum`` recursion; MM then equals charging each slice at its own rate).  It is
used for rows whose ``mm_deduction`` is NaN, for a ladder whose deductions are all 0
although its rate rises (:func:`~levkit.frames.tiers_frame` stores an absent deduction as
0, and no venue but OKX lets MM jump at a cap), and always for Bitget and Hyperliquid.

What is approximate, everywhere: funding and fees already paid move the margin; pass them
as a negative ``extra_margin``.  The mark price triggers liquidation, not the last price.
The fee to close uses the taker rate you pass (0 by default).  Bybit, Gate, Bitget, BingX:
the tier of the position value at entry (they say "position value" and are silent about
the tier at LP).

Return shapes ("return types follow the arguments"): all inputs scalar -> ``float`` for
one (exchange, symbol), a Series on (exchange, symbol) for many.  Any input an array or
Series (they broadcast together, 1-D) -> a Series for one symbol, a DataFrame (inputs x
(exchange, symbol)) for many; its index is the index of the first Series argument, else
the values of the only array argument (named after it), else a RangeIndex.

Layout, one concept per module: ``_rules.py`` (the rule table and the common form),
``_book.py`` (rates and deductions per rule, on the model's ladder prep and tier lookup),
``_inputs.py`` (broadcasting and shaping), ``_validate.py`` (arguments, errors, the
incomplete-ladder warning) and ``_solve.py`` (the solver, tier at LP included).

A position above the top known cap of an incomplete ladder (see :func:`levkit.ladders`)
warns :class:`~levkit.LadderWarning`: the tier there is unknown.

``LP <= 0`` (a long at low leverage that no price above zero liquidates) is returned as
``0.0``: "liquidated only at zero".  NaN means "no answer" (a leverage the ladder forbids
in an array or many-symbol call, or no maintenance rate in the frame).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._book import prepare
from ._inputs import shape
from ._rules import RULES, Rule
from ._solve import solve
from ._validate import check_one, position, warn_if_incomplete

__all__ = ["RULES", "Rule", "liquidation_price"]


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
        A tiers frame (one or many (exchange, symbol) ladders) of the exchanges in
        :data:`RULES`.  Rates missing: NaN answers (Hyperliquid: ``1/(2·max_leverage)``).
    entry_price : float or array-like
        Entry price (> 0).
    leverage : float or array-like
        Leverage, 1 to the ``max_leverage`` of the tier holding the position value.
    side : {"long", "short"}
    notional, size : float or array-like
        Exactly one: the position value in quote currency, or its size in coins.
    extra_margin : float or array-like
        Margin added (> 0) or taken by fees and funding (< 0).
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
    """
    s, inputs, q, v = position(
        entry_price=entry_price, leverage=leverage, side=side, notional=notional, size=size,
        extra_margin=extra_margin, fee_rate=fee_rate,
    )  # fmt: skip
    book = prepare(tiers)
    x = inputs.values
    lev = x["leverage"]
    entry = book.entry_rows(v)  # (groups, 1) for one position value, else (groups, inputs)
    warn_if_incomplete(book, v)
    if inputs.scalar and book.n == 1:
        check_one(book, int(entry[0, 0]), float(v[0]), float(lev[0]))
    one = [_one(a) for a in (q, v, x["extra_margin"], x["fee_rate"])]
    lp, _ = solve(book, np.arange(book.n)[:, None], entry, *one[:2], lev, *one[2:], s)
    return shape(book, lp, inputs, "liquidation_price")


def _one(a: np.ndarray) -> np.ndarray:
    """``a[:1]`` when every value is the same (the solver then works per (symbol, tier))."""
    return a[:1] if len(a) and bool((a == a[0]).all()) else a
