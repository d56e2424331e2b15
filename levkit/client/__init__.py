"""The client every venue builds on: the base (calls by endpoint role), the one
``set_leverage`` sequence (``setting``), the caps of leverage frames, clients by name."""

from .base import POSITION_COLUMNS, Client, fill_caps, positions_frame

__all__ = ["Client", "POSITION_COLUMNS", "fill_caps", "positions_frame"]
