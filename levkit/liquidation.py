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

``LP <= 0`` (a long at low leverage that no price above zero liquidates) is returned as
``0.0``: "liquidated only at zero".  NaN means "no answer" (a leverage the ladder forbids
in an array or many-symbol call, or no maintenance rate in the frame).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from .errors import InvalidLeverageError, InvalidNotionalError, InvalidPositionError, ParseError
from .numbers import leverage_at_most, show

__all__ = ["RULES", "Rule", "liquidation_price"]

_MAX_ITERATIONS = 64  # re-evaluations of the tier at LP; a ladder needs at most its length


@dataclass(frozen=True)
class Rule:
    """How one exchange computes an isolated liquidation price (see the module text).

    ``fee``: ``"denominator"`` (``f`` next to ``r``), ``"extra_margin"`` (``X/(1 − s·f)``,
    Bybit) or ``"ignored"``.  ``deduction``: ``"column"`` (``mm_deduction``, derived where
    absent), ``"derived"`` (always the recursion) or ``"none"`` (0).  ``tier``: ``"entry"``
    (tier of ``V``) or ``"liquidation"`` (tier of ``Q·LP``, iterated).  ``mmr_from_leverage``:
    a missing rate is ``1/(2·max_leverage)``.
    """

    fee: str
    deduction: str
    tier: str
    mmr_from_leverage: bool = False
    source: str = ""


_BYBIT = Rule("extra_margin", "column", "entry",
              source="bybit.com/en/help-center/article/UTA-Trading-Rules-Liquidation-Process")  # fmt: skip

#: exchange name -> its rule.  Add a venue here, not in code.
RULES: Mapping[str, Rule] = MappingProxyType(
    {
        "bybit": _BYBIT,
        "bybit-legacy": _BYBIT,
        "binance": Rule("ignored", "column", "liquidation",
                        source="binance.com/en/support/faq/b3c689c1f50a44cabb3a84e663b81d93"),
        "okx": Rule("denominator", "none", "entry", source="OKX help 合约盈亏计算"),
        "gate": Rule("denominator", "column", "entry",
                     source="gate.io/help/futures/futures/27724 (deduction derived)"),
        "bitget": Rule("denominator", "derived", "entry",
                       source="bitget.com/support/articles/12560603808759"),
        "bingx": Rule("denominator", "column", "entry",
                      source="support.bingx.com/hc/en-001/articles/10689309996185 (derived)"),
        "hyperliquid": Rule("ignored", "derived", "liquidation", mmr_from_leverage=True,
                            source="hyperliquid.gitbook.io/hyperliquid-docs/trading/liquidations"),
    }
)  # fmt: skip

_FEE_IN_DENOMINATOR = {"denominator": 1.0, "extra_margin": 0.0, "ignored": 0.0}
_FEE_ON_EXTRA = {"denominator": 0.0, "extra_margin": 1.0, "ignored": 0.0}
_DEDUCTION = {"column": 0, "derived": 1, "none": 2}
_SIDES = {"long": 1.0, "short": -1.0}


def _column(tiers: pd.DataFrame, name: str) -> np.ndarray:
    if name not in tiers.columns:
        return np.full(len(tiers), np.nan)
    if tiers[name].dtype == np.float64:
        return tiers[name].to_numpy()
    try:
        return tiers[name].to_numpy(dtype="float64", na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise ParseError(f"tiers column {name!r} must be numeric") from exc


def _group_cumsum(x: np.ndarray, start: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Cumulative sum restarting at each group's first row."""
    cs = np.cumsum(x)
    before = np.r_[0.0, cs][start]  # sum of the earlier groups
    return cs - before[group]


@dataclass(frozen=True, eq=False)
class Book:
    """A tiers frame prepared for liquidation maths: rows sorted by (group, cap), each row
    with its exchange's rule spread out as numbers.  Small and private to this module (the
    model is being split; this keeps its own vectorised tier lookup)."""

    exchange: np.ndarray  # per group
    symbol: np.ndarray
    start: np.ndarray  # per group: first row, one past the last row
    stop: np.ndarray
    group: np.ndarray  # per row
    cap: np.ndarray
    lev: np.ndarray
    tier: np.ndarray
    mmr: np.ndarray
    ded: np.ndarray
    fee_den: np.ndarray  # per row (its group's rule): 1 where f is in the denominator
    fee_extra: np.ndarray  # per row: 1 where f divides the extra margin
    at_lp: np.ndarray  # per row: tier re-evaluated at LP
    top: np.ndarray  # per row: its group's last row
    caps: np.ndarray  # distinct caps, ascending
    keys: np.ndarray  # per row: group * (len(caps) + 1) + rank of its cap

    @property
    def n(self) -> int:
        return len(self.start)

    def index(self) -> pd.MultiIndex:
        return pd.MultiIndex.from_arrays([self.exchange, self.symbol], names=["exchange", "symbol"])

    def label(self, g: int) -> str:
        return f"{self.exchange[g]} {self.symbol[g]}"

    def row(self, g: np.ndarray, notional: np.ndarray) -> np.ndarray:
        """Row of the tier holding ``notional`` in group ``g`` (first cap >= it); -1 above the
        top band or for NaN.  One searchsorted over integer keys: no loop per group."""
        rank = np.searchsorted(self.caps, notional, side="left")
        pos = np.searchsorted(self.keys, g * (len(self.caps) + 1) + rank, side="left")
        return np.where(pos < self.stop[g], pos, -1)


def _order(ex: np.ndarray, sym: np.ndarray, cap: np.ndarray) -> tuple[Any, np.ndarray]:
    """Row order by (exchange, symbol, cap) and the groups' first rows.  Frames from
    :func:`~levkit.frames.tiers_frame` are sorted already: checked, then used as they are."""
    new = np.ones(len(cap), dtype=bool)
    new[1:] = (ex[1:] != ex[:-1]) | (sym[1:] != sym[:-1])
    start = np.flatnonzero(new)
    try:
        e, s = ex[start].astype(str), sym[start].astype(str)
        ordered = bool(np.all((e[:-1] < e[1:]) | ((e[:-1] == e[1:]) & (s[:-1] < s[1:]))))
    except TypeError:
        ordered = False
    if ordered and np.all((cap[1:] >= cap[:-1]) | new[1:]):
        return slice(None), start
    ex_codes, _ = pd.factorize(ex.astype(str), sort=True)
    sym_codes, sym_names = pd.factorize(sym.astype(str), sort=True)
    key = ex_codes.astype(np.int64) * len(sym_names) + sym_codes
    order = np.lexsort((cap, key))
    key = key[order]
    return order, np.flatnonzero(np.r_[True, key[1:] != key[:-1]])


def prepare(tiers: pd.DataFrame) -> Book:
    """Sort the ladders, fill rates and deductions per each row's exchange rule."""
    if not isinstance(tiers, pd.DataFrame):
        raise ParseError(f"expected a tiers DataFrame, got {type(tiers).__name__}")
    missing = [c for c in ("exchange", "symbol", "max_notional") if c not in tiers.columns]
    if missing or len(tiers) == 0:
        raise ParseError(f"not a tiers frame (missing columns {missing} or no rows)")
    tiers = tiers.copy(deep=False)  # without attrs: pandas deep-copies attrs into every
    tiers.attrs = {}  # column it hands out, which costs more than the maths here
    ex = tiers["exchange"].to_numpy(dtype=object)
    sym = tiers["symbol"].to_numpy(dtype=object)
    cap = _column(tiers, "max_notional")
    if np.isnan(cap).any():
        raise ParseError("a tier has no max_notional (NaN)")
    n = len(cap)
    order, start = _order(ex, sym, cap)
    cap = cap[order]
    stop = np.r_[start[1:], n]
    group = np.repeat(np.arange(len(start)), stop - start)
    first = np.zeros(n, dtype=bool)
    first[start] = True
    names = ex[order][start]
    distinct, which = np.unique(names.astype(str), return_inverse=True)
    unknown = sorted(set(distinct.tolist()) - set(RULES))
    if unknown:
        raise InvalidPositionError(
            f"no liquidation formula for exchange {unknown[0]!r}; known: {sorted(RULES)}"
        )
    lev = _column(tiers, "max_leverage")[order]
    rules = [RULES[e] for e in distinct.tolist()]
    per_row = which.reshape(-1)[group]  # index into rules, per row
    mmr = _column(tiers, "maintenance_margin_rate")[order]
    from_lev = np.array([r.mmr_from_leverage for r in rules])[per_row]
    with np.errstate(divide="ignore", invalid="ignore"):
        mmr = np.where(np.isnan(mmr) & from_lev, 0.5 / lev, mmr)
    ded = _column(tiers, "mm_deduction")[order]
    floor = np.where(first, 0.0, np.r_[0.0, cap[:-1]])
    step = np.where(first, 0.0, mmr - np.r_[np.nan, mmr[:-1]])
    unknown_rate = _group_cumsum(np.isnan(step).astype(float), start, group) > 0
    derived = _group_cumsum(np.nan_to_num(floor * step), start, group)
    derived[unknown_rate] = np.nan
    with np.errstate(invalid="ignore"):
        given = np.bincount(group, weights=(np.nan_to_num(ded) != 0), minlength=len(start))
        rising = np.bincount(group, weights=np.nan_to_num(step) > 0, minlength=len(start))
    absent = ((given == 0) & (rising > 0))[group] | np.isnan(ded)
    policy = np.array([_DEDUCTION[r.deduction] for r in rules])[per_row]
    ded = np.select([policy == 2, (policy == 1) | absent], [0.0, derived], ded)
    caps, rank = np.unique(cap, return_inverse=True)
    tier = np.arange(n) - start[group] + 1
    return Book(
        exchange=distinct[which.reshape(-1)].astype(object), symbol=sym[order][start].astype(str).astype(object), start=start, stop=stop,
        group=group, cap=cap, lev=lev, tier=tier, mmr=mmr, ded=ded,
        fee_den=np.array([_FEE_IN_DENOMINATOR[r.fee] for r in rules])[per_row],
        fee_extra=np.array([_FEE_ON_EXTRA[r.fee] for r in rules])[per_row],
        at_lp=np.array([r.tier == "liquidation" for r in rules])[per_row],
        top=(stop - 1)[group],
        caps=caps, keys=group * (len(caps) + 1) + rank.reshape(-1),
    )  # fmt: skip


@dataclass(frozen=True)
class Inputs:
    """Broadcast 1-D inputs and how to shape the answer (see the module text)."""

    values: dict[str, np.ndarray]
    scalar: bool
    index: pd.Index | None


def broadcast(args: dict[str, Any], error: dict[str, type[Exception]]) -> Inputs:
    """Broadcast named numeric arguments to 1-D; remember the index of the answer."""
    arrays, index, arrays_given = {}, None, []
    for name, value in args.items():
        exc = error.get(name, InvalidPositionError)
        try:
            arr = np.asarray(value, dtype="float64")
        except (TypeError, ValueError) as err:
            raise exc(f"{name} must be a number or a 1-D array of numbers, got {value!r}") from err
        if arr.ndim > 1:
            raise exc(f"{name} must be a number or a 1-D array, got shape {arr.shape}")
        if isinstance(value, pd.Series) and index is None:
            index = value.index
        if arr.ndim == 1:
            arrays_given.append((name, arr))
        arrays[name] = arr
    try:
        out = np.broadcast_arrays(*arrays.values())
    except ValueError as err:
        sizes = {k: v.shape for k, v in arrays.items() if v.ndim}
        raise InvalidPositionError(f"arguments do not broadcast together: {sizes}") from err
    scalar = out[0].ndim == 0
    if not scalar and index is None:
        if len(arrays_given) == 1:
            index = pd.Index(arrays_given[0][1], name=arrays_given[0][0])
        else:
            index = pd.RangeIndex(out[0].size)
    values = {k: v.reshape(-1) for k, v in zip(arrays, out, strict=True)}
    return Inputs(values=values, scalar=scalar, index=index)


def cross(book: Book, values: np.ndarray) -> np.ndarray:
    """Inputs repeated once per group (group-major), matching ``np.repeat`` of the groups."""
    return np.tile(values, book.n)


def shape(book: Book, out: np.ndarray, inputs: Inputs, name: str) -> Any:
    """Shape a group-major result by the rule "return types follow the arguments"."""
    if inputs.scalar:
        return float(out[0]) if book.n == 1 else pd.Series(out, index=book.index(), name=name)
    if book.n == 1:
        return pd.Series(out, index=inputs.index, name=name)
    return pd.DataFrame(out.reshape(book.n, -1).T, index=inputs.index, columns=book.index())


def _warn_if_incomplete(tiers: pd.DataFrame, notional: Any) -> None:
    """Warn :class:`~levkit.LadderWarning` where a position is larger than the largest cap
    an incomplete ladder knows: its tier, and so its rates and deduction, are unknown there
    (the answer is NaN or an error, for want of data rather than by the exchange's rule)."""
    from .model._ladder import prepare as prepare_ladders
    from .model.completeness import warn_lower_bound

    lad = prepare_ladders(tiers, need_leverage=False)
    values = np.asarray(notional, dtype=float)
    if values.size == 0 or bool(lad.complete.all()):
        return
    biggest = float(np.nanmax(values)) if np.isfinite(values).any() else np.nan
    groups = np.arange(lad.n)
    hit = ~lad.complete & (biggest > lad.top_cap)
    warn_lower_bound(lad, groups, hit, "this position", by="notional")


def _solve(book: Book, row, q, v, margin, s, f) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return (s * v - margin - book.ded[row]) / (q * (s - book.mmr[row] - f * book.fee_den[row]))


def solve(book: Book, g: np.ndarray, q: np.ndarray, ep: np.ndarray, lev: np.ndarray,
          extra: np.ndarray, fee: np.ndarray, s: float, *,
          tiled: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Liquidation price, the row of the tier used and the entry row, for flat inputs.

    Rows where the position is above the top band or the leverage is above the tier's
    ``max_leverage`` (with the :func:`~levkit.numbers.leverage_at_most` tolerance) are NaN.
    ``tiled=m``: the inputs are ``m`` values repeated once per group (group-major), so the
    entry tier is looked up once per group and distinct position value.
    """
    v = q * ep
    entry = _entry_rows(book, g, v, tiled)
    cap_lev = book.lev[entry]  # entry -1 reads the last row; masked just below
    ok = (entry >= 0) & (np.isnan(cap_lev) | leverage_at_most(lev, cap_lev))
    lp = np.full(len(v), np.nan)
    row = np.full(len(v), -1)
    keep = np.flatnonzero(ok)  # only positions the ladder allows are solved
    g, q, v, lev, extra, fee, at = (a[keep] for a in (g, q, v, lev, extra, fee, entry))
    margin = v / lev + extra / (1.0 - (s * book.fee_extra[at]) * fee)
    sol = _solve(book, at, q, v, margin, s, fee)
    idx = np.flatnonzero(book.at_lp[at])  # the positions whose tier is taken at LP
    for _ in range(_MAX_ITERATIONS):
        if not len(idx):
            break
        new = book.row(g[idx], q[idx] * np.maximum(sol[idx], 0.0))
        new = np.where(new < 0, book.top[at[idx]], new)  # above the top band: the top tier
        changed = new != at[idx]
        idx, new = idx[changed], new[changed]
        at[idx] = new
        sol[idx] = _solve(book, new, q[idx], v[idx], margin[idx], s, fee[idx])
    sol[sol <= 0] = 0.0
    lp[keep], row[keep] = sol, at
    return lp, row, entry


def _entry_rows(book: Book, g: np.ndarray, v: np.ndarray, tiled: int | None) -> np.ndarray:
    """``book.row(g, v)``, looked up once per (group, distinct value) when the inputs are
    tiled per group (a scalar notional is one value for every leverage)."""
    if tiled is None or book.n == 1:
        return book.row(g, v)
    values, inverse = np.unique(v[:tiled], return_inverse=True)
    table = book.row(np.repeat(np.arange(book.n), len(values)), np.tile(values, book.n))
    return table[g * len(values) + np.tile(inverse.reshape(-1), book.n)]


def _side(side: Any) -> float:
    if not isinstance(side, str) or side not in _SIDES:
        raise InvalidPositionError(f"side must be 'long' or 'short', got {side!r}")
    return _SIDES[side]


def position(tiers: pd.DataFrame, *, entry_price: Any, leverage: Any, side: Any,
             notional: Any, size: Any, extra_margin: Any, fee_rate: Any) -> tuple:  # fmt: skip
    """Validate and broadcast the arguments of :func:`liquidation_price`."""
    s = _side(side)
    if (notional is None) == (size is None):
        raise InvalidPositionError("give exactly one of notional= (quote) and size= (coins)")
    amount_name = "notional" if size is None else "size"
    errors = {"leverage": InvalidLeverageError, "notional": InvalidNotionalError}
    inputs = broadcast(
        {"entry_price": entry_price, "leverage": leverage,
         amount_name: notional if size is None else size,
         "extra_margin": extra_margin, "fee_rate": fee_rate}, errors,
    )  # fmt: skip
    x = inputs.values
    checks = [
        ("entry_price", ~(x["entry_price"] > 0), InvalidPositionError, "a price > 0"),
        ("leverage", ~(x["leverage"] >= 1) | np.isinf(x["leverage"]), InvalidLeverageError,
         "a finite leverage >= 1"),
        (amount_name, ~(x[amount_name] > 0) | np.isinf(x[amount_name]),
         errors.get(amount_name, InvalidPositionError), "a finite amount > 0"),
        ("extra_margin", ~np.isfinite(x["extra_margin"]), InvalidPositionError, "a finite number"),
        ("fee_rate", ~((x["fee_rate"] >= 0) & (x["fee_rate"] < 1)), InvalidPositionError,
         "a rate in [0, 1)"),
    ]  # fmt: skip
    for name, bad, exc, want in checks:
        if bad.any():
            raise exc(f"{name} must be {want}, got {show(x[name][np.argmax(bad)])}")
    q = x["size"] if size is not None else x["notional"] / x["entry_price"]
    return s, inputs, q


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
        neither of notional and size, a price <= 0 or NaN, a leverage below 1, and, for one
        symbol and scalar inputs, a leverage above the tier's or a position above the top
        band (NaN in arrays and many-symbol answers, as in the model).

    Examples
    --------
    >>> from levkit.frames import tiers_frame
    >>> t = tiers_frame({"exchange": ["bybit"] * 2, "symbol": ["BTCUSDT"] * 2,
    ...                  "max_notional": [3e5, 2e6], "max_leverage": [150, 100],
    ...                  "maintenance_margin_rate": [0.0033, 0.005],
    ...                  "mm_deduction": [0, 510]}, source="api")
    >>> round(liquidation_price(t, entry_price=50_000, leverage=50, notional=1e6), 2)
    49220.6
    >>> liquidation_price(t, entry_price=50_000, leverage=[1, 50], notional=1e6).round(2).tolist()
    [0.0, 49220.6]
    """
    s, inputs, q = position(
        tiers, entry_price=entry_price, leverage=leverage, side=side, notional=notional,
        size=size, extra_margin=extra_margin, fee_rate=fee_rate,
    )  # fmt: skip
    book = prepare(tiers)
    x = inputs.values
    g = np.repeat(np.arange(book.n), len(q))
    ep, lev = cross(book, x["entry_price"]), cross(book, x["leverage"])
    qq = cross(book, q)
    lp, _, entry = solve(book, g, qq, ep, lev, cross(book, x["extra_margin"]),
                         cross(book, x["fee_rate"]), s, tiled=len(q))  # fmt: skip
    if inputs.scalar and book.n == 1:
        _check_one(book, entry[0], float(qq[0] * ep[0]), float(lev[0]))
    _warn_if_incomplete(tiers, qq * ep)
    return shape(book, lp, inputs, "liquidation_price")


def _check_one(book: Book, entry: int, value: float, lev: float) -> None:
    """Raise for one symbol and scalar inputs where an array answer would be NaN."""
    if entry < 0:
        raise InvalidNotionalError(
            f"{book.label(0)}: notional {show(value)} is above the top band "
            f"({show(book.cap[book.stop[0] - 1])})"
        )
    cap_lev = book.lev[entry]
    if not np.isnan(cap_lev) and not leverage_at_most(lev, cap_lev):
        raise InvalidLeverageError(
            f"{book.label(0)}: leverage {show(lev)}x is above {show(cap_lev)}x, the max "
            f"leverage for a {show(value)} position (tier {book.tier[entry]})"
        )
