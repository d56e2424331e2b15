"""The plots (matplotlib, imported when drawing): max position value and capacity by
leverage (``curves``, styled by ``style``), liquidation distance (``liquidation``)."""

from .curves import plot_capacity, plot_risk_limits
from .liquidation import plot_liquidation

__all__ = ["plot_capacity", "plot_liquidation", "plot_risk_limits"]
