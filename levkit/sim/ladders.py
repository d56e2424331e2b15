"""Risk-limit ladders as the simulator holds them: one immutable :class:`Ladder` per symbol.

Built from a tiers frame (the shipped snapshot by default, or any frame a test passes in).
Where a ladder does not say a rate, the simulator uses a clearly synthetic one:

- initial margin rate = ``1 / max_leverage``;
- maintenance margin rate = ``0.5 / max_leverage`` (:data:`SYNTHETIC_MMR_FACTOR`);
- deduction chosen so that maintenance margin ``V * rate - deduction`` is continuous in
  ``V`` across band edges, the continuity recursion
  (:func:`levkit.model.maintenance.continuity_deductions`).
"""

from __future__ import annotations

import bisect
import logging
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InvalidSymbolError
from ..model.maintenance import continuity_deductions
from ..numbers import to_wire
from ..venues import listed_instrument, resolve

__all__ = [
    "Ladder",
    "Bands",
    "ladders_from_frame",
    "bands_from_frame",
    "builtin_tiers",
    "SYNTHETIC_MMR_FACTOR",
    "fmt",
]

log = logging.getLogger("levkit")

#: Synthetic maintenance margin rate = SYNTHETIC_MMR_FACTOR / max_leverage.
SYNTHETIC_MMR_FACTOR = 0.5


def fmt(value: float, places: int | None = None) -> str:
    """A number as the exchanges write it in JSON strings: no exponent, no trailing zeros.

    ``places`` fixes the number of decimals (``fmt(100, 2) == "100.00"``).  NaN gives ``""``.

    Examples
    --------
    >>> fmt(0.0066), fmt(2000000.0), fmt(100, 2), fmt(float("nan"))
    ('0.0066', '2000000', '100.00', '')
    """
    return to_wire(value, places=places, fixed=places is not None)


@dataclass(frozen=True)
class Bands:
    """Maintenance-margin bands of one symbol (what BingX's ``maintMarginRatio`` returns).

    Attributes
    ----------
    mins, maxs, rates, deductions : tuple of float
        Band edges, maintenance margin rates (fractions) and cumulative deductions.
    synthetic : bool
        True when the rates were made up (``0.5 / max_leverage``) for want of real ones.
    """

    mins: tuple[float, ...]
    maxs: tuple[float, ...]
    rates: tuple[float, ...]
    deductions: tuple[float, ...]
    synthetic: bool = False


@dataclass(frozen=True)
class Ladder:
    """One symbol's leverage ladder, sorted by notional cap.

    Attributes
    ----------
    exchange, symbol : str
        ``"bybit"`` / ``"bingx"`` and the exchange's own spelling.
    caps, max_leverage, mmr, imr, deduction : tuple of float
        Per tier: notional cap, highest leverage, maintenance and initial margin rates,
        maintenance deduction.  Rates are real where the source had them, else synthetic.
    synthetic_mmr : bool
        True when the maintenance rates were made up.

    Examples
    --------
    >>> lad = Ladder("bingx", "X-USDT", (100.0, 500.0), (50.0, 20.0), (0.01, 0.025),
    ...              (0.02, 0.05), (0.0, 1.5))
    >>> lad.cap_at(20), lad.cap_at(21), lad.max_leverage_at(300.0)
    (500.0, 100.0, 20.0)
    """

    exchange: str
    symbol: str
    caps: tuple[float, ...]
    max_leverage: tuple[float, ...]
    mmr: tuple[float, ...]
    imr: tuple[float, ...]
    deduction: tuple[float, ...]
    synthetic_mmr: bool = False

    @property
    def top_leverage(self) -> float:
        """The symbol's highest leverage (tier 1's)."""
        return max(self.max_leverage)

    def cap_at(self, leverage: float) -> float:
        """Max position value at ``leverage``: the largest cap among tiers whose
        ``max_leverage >= leverage`` (NaN below 1 or above the top leverage)."""
        if leverage < 1 or leverage > self.top_leverage + 1e-9:
            return math.nan
        ok = [
            c for c, lev in zip(self.caps, self.max_leverage, strict=True) if lev >= leverage - 1e-9
        ]
        return max(ok) if ok else math.nan

    def tier_index(self, value: float) -> int:
        """0-based index of the tier holding a position of notional ``value``
        (the first cap ``>= value``; the top tier beyond the last cap)."""
        return min(bisect.bisect_left(self.caps, value), len(self.caps) - 1)

    def max_leverage_at(self, value: float) -> float:
        """Highest leverage allowed for a position of notional ``value``."""
        return self.max_leverage[self.tier_index(value)]

    def bands(self) -> Bands:
        """These tiers as maintenance bands (for symbols with no separate margin data)."""
        mins = (0.0,) + self.caps[:-1]
        return Bands(mins, self.caps, self.mmr, self.deduction, self.synthetic_mmr)


def native_id(symbol: str, exchange: str) -> str:
    """A frame's symbol as the venue spells it (any spelling of exactly that instrument);
    an id levkit cannot read is taken as the venue's own (a listing holds it)."""
    try:
        return resolve(symbol, exchange).symbol
    except InvalidSymbolError:
        return listed_instrument(symbol, exchange).symbol


def _rows(frame: pd.DataFrame, exchange: str) -> dict[str, pd.DataFrame]:
    sub = frame[frame["exchange"].astype(str) == exchange]
    sub.attrs = {}  # pandas deep-copies attrs on every slice below: a snapshot's are large
    out: dict[str, pd.DataFrame] = {}
    for symbol, rows in sub.groupby("symbol", sort=True):
        name = native_id(str(symbol), exchange)
        out[name] = rows.sort_values("max_notional", kind="stable")
    return out


def _col(rows: pd.DataFrame, name: str) -> list[float]:
    if name not in rows:
        return [math.nan] * len(rows)
    return [float(x) for x in pd.to_numeric(rows[name], errors="coerce").tolist()]


def ladders_from_frame(frame: pd.DataFrame, exchange: str) -> dict[str, Ladder]:
    """Build the :class:`Ladder` of every ``exchange`` symbol in a tiers frame.

    Tiers without ``max_leverage`` are dropped; a symbol left with none is skipped.
    """
    out: dict[str, Ladder] = {}
    for symbol, rows in _rows(frame, exchange).items():
        caps, levs = _col(rows, "max_notional"), _col(rows, "max_leverage")
        keep = [i for i, lev in enumerate(levs) if not math.isnan(lev) and lev > 0]
        if not keep:
            log.debug("sim: %s %s has no max_leverage; skipped", exchange, symbol)
            continue
        caps = [caps[i] for i in keep]
        levs = [levs[i] for i in keep]
        mmr_all, imr_all = _col(rows, "maintenance_margin_rate"), _col(rows, "initial_margin_rate")
        ded_all = _col(rows, "mm_deduction")
        mmr, imr, ded = ([col[i] for i in keep] for col in (mmr_all, imr_all, ded_all))
        imr = [1.0 / lev if math.isnan(r) else r for r, lev in zip(imr, levs, strict=True)]
        synthetic = any(math.isnan(r) for r in mmr)
        if synthetic:
            mmr = [SYNTHETIC_MMR_FACTOR / lev for lev in levs]
            ded = continuity_deductions(np.r_[0.0, caps[:-1]], np.asarray(mmr)).tolist()
        else:
            ded = [0.0 if math.isnan(d) else d for d in ded]
        out[symbol] = Ladder(
            exchange,
            symbol,
            tuple(caps),
            tuple(levs),
            tuple(mmr),
            tuple(imr),
            tuple(ded),
            synthetic,
        )
    return out


def bands_from_frame(frame: pd.DataFrame | None, exchange: str) -> dict[str, Bands]:
    """Maintenance bands per symbol from a margin tiers frame (rows without a rate skipped)."""
    if frame is None or len(frame) == 0:
        return {}
    out: dict[str, Bands] = {}
    for symbol, rows in _rows(frame, exchange).items():
        caps, rates = _col(rows, "max_notional"), _col(rows, "maintenance_margin_rate")
        ded = _col(rows, "mm_deduction")
        keep = [i for i, r in enumerate(rates) if not math.isnan(r)]
        if not keep:
            continue
        maxs = [caps[i] for i in keep]
        out[symbol] = Bands(
            tuple([0.0] + maxs[:-1]),
            tuple(maxs),
            tuple(rates[i] for i in keep),
            tuple(0.0 if math.isnan(ded[i]) else ded[i] for i in keep),
        )
    return out


def builtin_tiers() -> pd.DataFrame:
    """A small ladder set used only when the snapshot cannot be loaded: every venue sim's
    ``BUILTIN_TIERS`` (rows of ``symbol``, ``max_notional``, ``max_leverage`` and the rates
    and deduction its source quotes; rates not quoted are synthetic)."""
    import importlib

    from .. import venues as registry

    rows = []
    for v in registry.venues():
        module = importlib.import_module(v.sim) if v.sim else None
        for row in getattr(module, "BUILTIN_TIERS", ()):
            rows.append({"exchange": v.account, **row})
    columns = ["exchange", "symbol", "max_notional", "max_leverage", "maintenance_margin_rate",
               "initial_margin_rate", "mm_deduction"]  # fmt: skip
    return pd.DataFrame(rows).reindex(columns=columns)
