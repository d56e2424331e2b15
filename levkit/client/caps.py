"""The caps of a leverage frame: ``max_leverage`` (the symbol's top) and
``max_position_value`` (the cap at the leverage in force), from the ladder levkit reads.

One rule for every venue whose ladder is public (``Capabilities.public_ladder``):
``client.leverage`` and ``client.set_leverage`` read the symbol's ladder when this client
does not hold it yet (cached on the client like every ladder) and fill what the
exchange's answer leaves out.  Venues whose answer states the cap (Binance
``maxNotionalValue``, BingX ``maxPosition*Val``) keep the exchange's figure.
"""

from __future__ import annotations

import inspect
import logging
import warnings
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..errors import LadderWarning, LevkitError, caller_stacklevel, say_missing
from ..numbers import leverage_at_most
from ..venues import Venue

__all__ = ["CapsFromLadder", "fill_caps"]

log = logging.getLogger("levkit")

#: The symbols above which one ladder of every symbol is read instead of one per symbol.
PER_SYMBOL = 3


def fill_caps(frame: pd.DataFrame, tiers: pd.DataFrame) -> pd.DataFrame:
    """Fill ``max_leverage`` (the symbol's top) and ``max_position_value`` (at the leverage
    in force) of a leverage frame from a tiers frame, following PUBLIC_API's model meaning:
    the cap is the largest ``max_notional`` among tiers with ``max_leverage >= leverage``."""
    if frame.empty or tiers.empty:
        return frame
    key = ["exchange", "symbol"]
    top = tiers.groupby(key, sort=False)["max_leverage"].max().rename("_top")
    rows = frame.reset_index(drop=True).reset_index(names="_row")
    pairs = rows[["_row", *key, "leverage"]].merge(
        tiers[[*key, "max_leverage", "max_notional"]], on=key, how="inner"
    )
    ok = leverage_at_most(pairs["leverage"].to_numpy(float), pairs["max_leverage"].to_numpy(float))
    caps = pairs[ok].groupby("_row")["max_notional"].max()
    rows = rows.join(top, on=key)
    rows["max_leverage"] = rows["max_leverage"].where(rows["max_leverage"].notna(), rows["_top"])
    known = rows["max_position_value"].notna()
    rows["max_position_value"] = rows["max_position_value"].where(
        known, rows["_row"].map(caps).astype("float64")
    )
    out = rows.drop(columns=["_row", "_top"])
    out.attrs = dict(frame.attrs)
    _mark_lower_bounds(out, ~known.to_numpy(), tiers)
    return out


def _mark_lower_bounds(out: pd.DataFrame, filled: Any, tiers: pd.DataFrame) -> None:
    """Where a cap filled from an incomplete ladder rests on its unknown part, say so: a
    ``lower_bound`` column and a :class:`~levkit.LadderWarning` (never a bound as a fact)."""
    from ..model import ladders

    summary = ladders(tiers).set_index(["exchange", "symbol"])["lower_bound_below"]
    edge = [
        summary.get((e, s), float("nan"))
        for e, s in zip(out["exchange"], out["symbol"], strict=True)
    ]
    edge_arr = pd.to_numeric(pd.Series(edge), errors="coerce").to_numpy(float)
    with np.errstate(invalid="ignore"):
        lower = (
            filled & (edge_arr > 1) & ~leverage_at_most(edge_arr, out["leverage"].to_numpy(float))
        )
    if lower.any():
        out["lower_bound"] = lower
        names = sorted(
            {
                f"{e} {s}"
                for e, s, low in zip(out["exchange"], out["symbol"], lower, strict=True)
                if low
            }
        )
        warnings.warn(
            f"max_position_value of {', '.join(names)} at the leverage in force is only a "
            "lower bound: it comes from an incomplete ladder (lk.ladders shows what is known)",
            LadderWarning,
            stacklevel=caller_stacklevel(),
        )


class CapsFromLadder:
    """The caps step shared by ``leverage`` and ``set_leverage`` (a :class:`Client` part)."""

    venue: ClassVar[Venue]
    exchange: ClassVar[str]
    risk_limits: Callable[..., pd.DataFrame]  # the Client's contract method

    def _with_caps(self, frame: pd.DataFrame, options: dict[str, Any] | None = None):
        """``frame`` with the caps it lacks filled from the ladder (public ladders only);
        where no ladder can be read, ``max_leverage`` from :meth:`_top_fallback`."""
        if frame.empty or not self.venue.capabilities.public_ladder:
            return frame
        symbols = list(dict.fromkeys(frame["symbol"]))
        ladder = self._caps_ladder(symbols, options or {})
        out = fill_caps(frame, ladder) if ladder is not None else frame
        missing = out["max_leverage"].isna()
        if missing.any():
            attrs = dict(out.attrs)
            tops = {s: self._top_fallback(s) for s in set(out.loc[missing, "symbol"])}
            out = out.copy()
            out.loc[missing, "max_leverage"] = out.loc[missing, "symbol"].map(tops).astype(float)
            out.attrs = attrs
        return out

    def _caps_ladder(self, symbols: list[str], options: dict[str, Any]) -> pd.DataFrame | None:
        """The ladder of ``symbols`` (one read per symbol, or one of every symbol beyond
        :data:`PER_SYMBOL`, then any symbol it lacks by name); None, said in the log,
        when it cannot be read (the caps then stay NaN), warned (:class:`~levkit.errors.FetchWarning`)."""
        read = self.risk_limits
        accepted = inspect.signature(read).parameters
        kw = {k: v for k, v in options.items() if k in accepted}
        try:
            if len(symbols) <= PER_SYMBOL:
                frames = [read(s, **kw) for s in symbols]
            else:
                every = read(**kw)
                frames = [every] + [read(s, **kw) for s in set(symbols) - set(every["symbol"])]
            return pd.concat(frames, ignore_index=True)
        except LevkitError as exc:
            say_missing(
                f"{self.exchange}: max_position_value of {', '.join(symbols)} left unknown: "
                f"could not read the ladder to fill the caps ({exc})"
            )
            return None

    def _top_fallback(self, symbol: str) -> float:
        """The symbol's top leverage when its ladder cannot be read (NaN: unknown)."""
        return float("nan")
