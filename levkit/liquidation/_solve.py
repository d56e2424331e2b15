"""The solver: the common form at the entry tier, then the tier at the liquidation price.

Arguments broadcast with numpy's rules, so one call serves a ``(groups, inputs)`` grid
(:func:`~levkit.liquidation.liquidation_price`: per-group arrays of shape ``(n, 1)``
against inputs of shape ``(m,)``) and flat positions
(:func:`~levkit.plots.liquidation.plot_liquidation`: one leverage grid per symbol).

``LP = (c − V/L) / d`` where ``c`` and ``d`` hold everything but the leverage
(:func:`~levkit.liquidation._formula.constants`): they are computed per (symbol, tier) when
the position's value, size, extra margin and fee are one number for every leverage (give
those as length-1 arrays), so a whole grid costs two array operations plus the checks.
Only positions whose rule takes the tier at the liquidation price (Binance, Hyperliquid)
and whose ``Q·LP`` leaves the tier in use (a tier holds ``(floor, cap]``) are iterated.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._book import Book
from ._formula import constants, formula

__all__ = ["margin_and_trigger", "past_maintenance", "solve"]

_MAX_ITERATIONS = 64  # re-evaluations of the tier at LP; a ladder needs at most its length


def _tier_constants(book: Book, row: Any, q: Any, v: Any, extra: Any, fee: Any,
                    s: Any) -> tuple[Any, Any]:  # fmt: skip
    return constants(v, q, extra, fee, book.mmr[row], book.ded[row], book.fee_den[row],
                     book.fee_extra[row], s)  # fmt: skip


def margin_and_trigger(book: Book, row: Any, v: Any, lev: Any, extra: Any, fee: Any,
                       s: Any) -> tuple[Any, Any]:  # fmt: skip
    """The position's margin ``M = V/L + X/(1 − s·f_extra·f)`` and the venue's trigger at
    the tier of ``row``, ``V·(r + f_den·f) − D`` (the maintenance margin, plus the closing
    fee where the venue's trigger counts it)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        m = v / lev + extra / (1.0 - (s * book.fee_extra[row]) * fee)
        trigger = v * (book.mmr[row] + book.fee_den[row] * fee) - book.ded[row]
    return m, trigger


def past_maintenance(book: Book, entry: Any, v: Any, lev: Any, extra: Any, fee: Any,
                     s: Any) -> np.ndarray:  # fmt: skip
    """Where a position is already past its maintenance margin at entry: its margin is at
    or below the venue's trigger at the entry tier (:func:`margin_and_trigger`), exactly
    where the common form's ``LP`` would lie on the wrong side of the entry price (a long's
    above it).  Rows ``-1`` (no tier) are never past.

    ``V/L + X' <= T`` holds for ``L >= V / (T − X')`` when ``T > X'`` and never otherwise,
    so a leverage grid costs one comparison against a limit per (symbol, position).
    """
    row = np.maximum(entry, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        m0, trigger = margin_and_trigger(book, row, v, np.inf, extra, fee, s)  # m0 = X'
        room = trigger - m0
        limit = np.where(room > 0, v / room, np.inf)
        limit = np.where(entry >= 0, limit, np.inf)
        return lev >= limit


def solve(book: Book, g: Any, entry: np.ndarray, q: Any, v: Any, lev: Any, extra: Any, fee: Any,
          s: Any, *, rows: bool = False,
          past: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:  # fmt: skip
    """Liquidation prices (and, with ``rows=True``, the row of the tier used, -1 for none).

    ``g`` group and ``entry`` row (from :meth:`Book.row` of ``V``, -1 above the top band)
    broadcast with the position arrays ``q``, ``v``, ``lev``, ``extra``, ``fee`` and the
    side's sign ``s`` (a number, or an array: inverse ladders solve the other side,
    :mod:`levkit.liquidation._kinds`).  A
    position above the top band, or whose leverage is above its entry tier's
    ``max_leverage`` (the one leverage tolerance, :func:`~levkit.numbers.leverage_at_most`),
    or that is already past its maintenance margin (:func:`past_maintenance`, or ``past``
    where the caller computed it), is NaN;
    ``LP <= 0`` is ``0.0`` (liquidated only at zero).
    """
    c, d = _tier_constants(book, entry, q, v, extra, fee, s)
    lp = formula(c, d, v, lev)
    if past is None:
        past = past_maintenance(book, entry, v, lev, extra, fee, s)
    refused = np.broadcast_to(lev > book.ceiling(entry), lp.shape) | past
    np.copyto(lp, np.nan, where=refused)
    used = np.where(refused, -1, entry) if rows else None
    flag = book.at_lp[g]  # rows (axis 0) with positions whose tier is taken at LP
    sel = np.flatnonzero(flag.any(axis=tuple(range(1, flag.ndim))) if flag.ndim > 1 else flag)
    if len(sel):
        sub = _Rows(sel, lp.ndim)
        part = lp[sel]
        moved = _tier_at_lp(book, part, ~sub(refused), sub(g), sub(entry), sub(q), sub(v),
                            sub(lev), sub(extra), sub(fee), sub(s))  # fmt: skip
        if moved is not None:
            lp[sel] = part
            if used is not None:
                block = used[sel]
                block[moved[0]] = moved[1]
                used[sel] = block
    return np.maximum(lp, 0.0, out=lp), used  # NaN stays NaN


class _Rows:
    """Take rows ``sel`` (axis 0 of the answer) of an array that broadcasts to it."""

    def __init__(self, sel: np.ndarray, ndim: int) -> None:
        self.sel, self.ndim = sel, ndim

    def __call__(self, a: Any) -> Any:
        a = np.asarray(a)
        return a[self.sel] if a.ndim == self.ndim and a.shape[0] > 1 else a


def _at(a: Any, where: tuple[np.ndarray, ...]) -> np.ndarray:
    """``np.broadcast_to(a, shape)[where]`` without broadcasting ``a`` first (1-D)."""
    a = np.asarray(a)
    dims = zip(where[len(where) - a.ndim :], a.shape, strict=True)
    return np.broadcast_to(a[tuple(w if d > 1 else 0 for w, d in dims)], where[0].shape)


def _tier_at_lp(book: Book, lp: np.ndarray, ok: np.ndarray, g: Any, entry: Any, q: Any,
                v: Any, lev: Any, extra: Any, fee: Any, s: Any) -> tuple | None:  # fmt: skip
    """Re-evaluate the tier at ``Q·LP`` until stable for positions of rules that take the
    tier at LP (all of those given; ``ok``: the leverage is allowed), updating ``lp`` in
    place; returns where the tier changed and the rows used there, or None.  Binance:
    "substitute the maintenance margin rate and amount of the position level at the
    liquidation price, to recalculate"."""
    floor, cap = book.holds(entry)
    with np.errstate(invalid="ignore"):
        notional = q * np.maximum(lp, 0.0)
        moved = ~((notional > floor) & (notional <= cap)) & ok
    if not moved.any():
        return None
    where = np.nonzero(moved)
    g, at, q, v, lev, extra, fee, s = (_at(a, where) for a in (g, entry, q, v, lev, extra, fee, s))
    at = at.copy()
    sol = lp[where]
    idx = np.arange(len(sol))
    for _ in range(_MAX_ITERATIONS):
        new = book.row(g[idx], q[idx] * np.maximum(sol[idx], 0.0))
        new = np.where(new < 0, book.lad.stop[g[idx]] - 1, new)  # above the top band: top
        changed = new != at[idx]
        idx, new = idx[changed], new[changed]
        if not len(idx):
            break
        at[idx] = new
        c, d = _tier_constants(book, new, q[idx], v[idx], extra[idx], fee[idx], s[idx])
        sol[idx] = formula(c, d, v[idx], lev[idx])
    lp[where] = sol
    return where, at
