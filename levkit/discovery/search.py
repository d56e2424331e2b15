"""The pure part of tier discovery: every step of a non-increasing step function on the
whole numbers, found through a ``probe`` callable without probing every point.

See :mod:`levkit.discovery` for the method.  No IO here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ParseError

__all__ = ["STRATEGIES", "LadderSearch", "roundness", "steps_of", "join_bands"]

STRATEGIES = ("round", "bisect", "exhaustive")
#: misses beyond the hits after which round-number guessing stops
_GUESS_SLACK = 1


def roundness(leverage: int) -> int:
    """How round a leverage is: 4 for multiples of 50, 3 of 25, 2 of 10, 1 of 5, else 0.

    Examples
    --------
    >>> [roundness(x) for x in (100, 75, 20, 5, 7)]
    [4, 3, 2, 1, 0]
    """
    for score, base in ((4, 50), (3, 25), (2, 10), (1, 5)):
        if leverage % base == 0:
            return score
    return 0


def steps_of(values: Mapping[int, float]) -> list[tuple[int, float]]:
    """``(largest leverage, cap)`` per distinct cap among probed values, by leverage.

    Examples
    --------
    >>> steps_of({1: 9.0, 2: 9.0, 3: 5.0, 4: 5.0, 5: 1.0})
    [(2, 9.0), (4, 5.0), (5, 1.0)]
    """
    top: dict[float, int] = {}
    for lev, cap in values.items():
        top[cap] = max(lev, top.get(cap, lev))
    return sorted(((lev, cap) for cap, lev in top.items()), key=lambda s: s[0])


class LadderSearch:
    """Every step of a non-increasing step function on the whole numbers ``lo..hi``.

    Parameters
    ----------
    probe : callable
        ``probe(leverage) -> cap`` (an int in, a float out).  Called at most once per
        leverage; the answers are kept in :attr:`values`.
    lo, hi : int
        The leverage range, both ends included.
    known : mapping, optional
        Caps already known (e.g. at the leverage in force); never probed again.  Those
        outside ``lo..hi`` are ignored.
    strategy : {"round", "bisect", "exhaustive"}
        How intervals are split (see the module notes).
    on_probe : callable, optional
        ``on_probe(leverage, cap)`` after each probe (progress bars, tests).

    Attributes
    ----------
    values : dict
        ``{leverage: cap}``, probed or known.
    probes : int
        Calls made to ``probe``.
    """

    def __init__(
        self,
        probe: Callable[[int], float],
        lo: int,
        hi: int,
        *,
        known: Mapping[int, float] | None = None,
        strategy: str = "round",
        on_probe: Callable[[int, float], Any] | None = None,
    ):
        if strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {STRATEGIES}, not {strategy!r}")
        if not 1 <= int(lo) <= int(hi):
            raise ValueError(f"need 1 <= lo <= hi, not lo={lo!r}, hi={hi!r}")
        self._probe = probe
        self.lo, self.hi = int(lo), int(hi)
        self.strategy = strategy
        self.on_probe = on_probe
        self.values: dict[int, float] = {
            int(k): float(v)
            for k, v in (known or {}).items()
            if self.lo <= k <= self.hi and not math.isnan(v)
        }
        self.probes = 0
        self._hits = self._misses = 0

    def value(self, leverage: int) -> float:
        """The cap at ``leverage``, probed only the first time."""
        if leverage not in self.values:
            cap = float(self._probe(leverage))
            if math.isnan(cap):
                raise ParseError(f"the probe at {leverage}x gave no cap")
            self.values[leverage] = cap
            self.probes += 1
            if self.on_probe is not None:
                self.on_probe(leverage, cap)
        return self.values[leverage]

    def run(self) -> list[tuple[int, float]]:
        """Search the range; return :meth:`steps`."""
        if self.strategy == "exhaustive":
            for lev in range(self.lo, self.hi + 1):
                self.value(lev)
            return self.steps()
        self.value(self.lo)
        self.value(self.hi)
        points = sorted(self.values)
        stack = list(zip(points[:-1], points[1:], strict=True))[::-1]
        while stack:
            a, b = stack.pop()
            if b - a <= 1 or self.value(a) == self.value(b):
                continue  # adjacent (a breakpoint, exact) or constant inside
            guessing = self.strategy == "round" and self._misses <= self._hits + _GUESS_SLACK
            if guessing and roundness(a) and a + 1 not in self.values:
                # a tier probably ends on the round number a: look just above it first
                if self.value(a + 1) != self.value(a):
                    self._hits += 1
                else:
                    self._misses += 1
                stack.append((a + 1, b))
                continue
            m = self._split(a, b, guessing)
            self.value(m)
            stack += [(m, b), (a, m)]
        return self.steps()

    @staticmethod
    def _split(a: int, b: int, guessing: bool) -> int:
        middle = (a + b) // 2
        if not guessing:
            return middle
        quarter = (b - a) // 4
        lo, hi = max(a + quarter, a + 1), min(b - quarter, b - 1)
        return max(range(lo, hi + 1), key=lambda x: (roundness(x), -abs(2 * x - a - b), -x))

    def steps(self) -> list[tuple[int, float]]:
        """``(largest leverage, cap)`` per distinct cap seen so far, by leverage."""
        return steps_of(self.values)


def join_bands(steps: list[tuple[int, float]], bands: pd.DataFrame | None) -> tuple[dict, str]:
    """Rates and deductions for the probed caps from maintMarginRatio ``bands``, when the
    bands have exactly the same caps; else NaN and a note saying why.

    Returns ``(columns, note)``: ``maintenance_margin_rate`` and ``mm_deduction`` arrays in
    the order of ``steps``, and the note (``""`` when the bands were joined).
    """
    n = len(steps)
    nan = {"maintenance_margin_rate": np.full(n, np.nan), "mm_deduction": np.full(n, np.nan)}
    if bands is None or len(bands) == 0:
        return nan, "no maintMarginRatio bands to join: rates left NaN"
    caps = np.array([cap for _, cap in steps], dtype="float64")
    ordered = bands.sort_values("max_notional", kind="stable")
    edges = ordered["max_notional"].to_numpy(dtype="float64")
    order = np.argsort(caps, kind="stable")
    if len(edges) != n or not np.allclose(edges, caps[order], rtol=1e-9, atol=1e-6):
        shown = ", ".join(f"{x:,.0f}" for x in edges[:6]) + (" ..." if len(edges) > 6 else "")
        return nan, (
            f"the maintMarginRatio bands ({len(edges)} bands, caps {shown}) do not line up "
            f"with the {n} probed tiers: maintenance rates left NaN; the bands are in "
            "attrs['margin_bands'] (or client.risk_limits(symbol))"
        )
    out = {}
    for col in ("maintenance_margin_rate", "mm_deduction"):
        values = np.empty(n)
        values[order] = ordered[col].to_numpy(dtype="float64")
        out[col] = values
    return out, ""
