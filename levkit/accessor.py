"""``DataFrame.lev``: the model and the plots as methods on a tiers frame.

>>> import levkit  # registers the accessor
>>> from levkit.frames import tiers_frame
>>> t = tiers_frame({"exchange": ["bybit"] * 2, "symbol": ["BTCUSDT"] * 2,
...                  "max_notional": [3e5, 2e6], "max_leverage": [150, 100]}, source="api")
>>> t.lev.max_position_value(100)
2000000.0

This module is imported by ``import levkit``, so it imports pandas only; the model and
the plots (matplotlib) load the first time a method needs them.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["LevAccessor"]


@pd.api.extensions.register_dataframe_accessor("lev")
class LevAccessor:
    """Model and plot methods on a tiers frame (one or many symbols).

    Each method is the :mod:`levkit.model` or :mod:`levkit.plots` function of the same
    name with the frame as first argument; see those for shapes and errors.
    """

    def __init__(self, tiers: pd.DataFrame) -> None:
        self._tiers = tiers

    def max_position_value(self, leverage: Any) -> Any:
        """Largest position allowed at ``leverage`` (:func:`levkit.model.max_position_value`)."""
        from .model import max_position_value

        return max_position_value(self._tiers, leverage)

    def max_leverage(self, notional: Any) -> Any:
        """Highest leverage for a position of ``notional`` (:func:`levkit.model.max_leverage`)."""
        from .model import max_leverage

        return max_leverage(self._tiers, notional)

    def margin(self, notional: Any, leverage: Any) -> Any:
        """Initial and maintenance margin (:func:`levkit.model.margin`)."""
        from .model import margin

        return margin(self._tiers, notional, leverage)

    def tradeoff(self, leverages: Any = None) -> pd.DataFrame:
        """The leverage / max-position curve as a long frame (:func:`levkit.model.tradeoff`)."""
        from .model import tradeoff

        return tradeoff(self._tiers, leverages)

    def capacity(self, balance: float, leverages: Any = None) -> pd.DataFrame:
        """min(balance x L, max position value) per leverage (:func:`levkit.model.capacity`)."""
        from .model import capacity

        return capacity(self._tiers, balance, leverages)

    def best_leverage(self, balance: float, step: float = 1.0) -> Any:
        """Smallest leverage with the largest capacity (:func:`levkit.model.best_leverage`)."""
        from .model import best_leverage

        return best_leverage(self._tiers, balance, step=step)

    def plot(self, **kwargs: Any) -> Any:
        """Draw the risk-limit curves (:func:`levkit.plots.plot_risk_limits`); returns the Axes."""
        from .plots.curves import plot_risk_limits

        return plot_risk_limits(self._tiers, **kwargs)

    def plot_capacity(self, balance: float, **kwargs: Any) -> Any:
        """Draw balance x L, the cap and the best leverage (:func:`levkit.plots.plot_capacity`)."""
        from .plots.curves import plot_capacity

        return plot_capacity(self._tiers, balance, **kwargs)
