"""Leverage-ladder discovery by probing, for venues that publish no leverage brackets
(BingX), venue-free.

Two layers:

- :class:`LadderSearch` (:mod:`.search`) is pure logic over a ``probe(leverage) -> cap``
  callable: it finds every step of the max-position-value curve, which is a non-increasing
  step function of the (whole) leverage, without probing every leverage.
- The safe session around it lives with the venue that needs it
  (:mod:`levkit.venues.bingx.discovery`, which ``BingX.discover_tiers`` calls): refuse
  when not flat, read the leverage in force, probe, and put the leverage back in every
  case (:class:`RestoreError` when it cannot; :mod:`.errors`).

The search: probe both ends of ``[lo, hi]`` (and reuse any cap already known); an interval
whose two ends give the same cap is constant inside (monotonic), so it is skipped; any
other is split and both halves searched, until each change of cap sits between two
adjacent leverages, which makes every breakpoint exact.  With ``strategy="round"`` the
split point of ``(a, b)`` is the roundest leverage in its middle half (a multiple of 50,
25, 10 or 5: exchanges end tiers on such numbers), and when an interval to search starts
on a round leverage, the leverage just above it is probed first (the step is probably
right there).  While those guesses miss more often than they hit (by more than one), the
search uses plain midpoints, which is ``strategy="bisect"`` throughout;
``strategy="exhaustive"`` probes every leverage.  On BingX's BTC-USDT ladder (12 tiers,
150x) ``round`` needs 19 probes (the fewest possible: both sides of each of the 11
breakpoints, shared where they touch), ``bisect`` 36, ``exhaustive`` 150.

>>> ladder = {150: 3e5, 100: 8e5, 75: 3e6, 50: 12e6}
>>> def cap(lev):
...     return max(c for top, c in ladder.items() if top >= lev)
>>> search = LadderSearch(cap, 1, 150)
>>> search.run()
[(50, 12000000.0), (75, 3000000.0), (100, 800000.0), (150, 300000.0)]
>>> search.probes, LadderSearch(cap, 1, 150, strategy="exhaustive").run() == search.steps()
(8, True)
"""

from .errors import DiscoveryError, RestoreError
from .search import STRATEGIES, LadderSearch, join_bands, roundness, steps_of

__all__ = [
    "STRATEGIES",
    "DiscoveryError",
    "RestoreError",
    "LadderSearch",
    "roundness",
    "steps_of",
    "join_bands",
]
