"""What tier discovery raises, whichever venue it probes."""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import LevkitError

__all__ = ["DiscoveryError", "RestoreError"]


class DiscoveryError(LevkitError):
    """Tier discovery refused to start (position or order open, bad range) or found
    something it cannot trust.  Nothing was changed when it is raised before probing."""


class RestoreError(DiscoveryError):
    """The leverage could not be put back after probing.  ``original`` holds what it was
    (``{"long": L, "short": S}``) and ``symbol`` where; set it back by hand."""

    def __init__(self, message: str, *, symbol: str, original: Mapping[str, float]):
        super().__init__(message)
        self.symbol = symbol
        self.original = dict(original)
