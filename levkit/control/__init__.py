"""The leverage control (``lk.LeverageControl``): its state, readouts and actions with no
ipywidgets, and the thin ipywidgets view with its curve (widgets load when displayed)."""

from .widget import LeverageControl

__all__ = ["LeverageControl"]
