"""The leverage / max-position model: pure numpy over a tiers frame, no IO.

Every function takes a tiers frame (:mod:`levkit.frames`) holding one or many
(exchange, symbol) ladders and answers for all of them at once (see
:mod:`levkit.model._ladder` for the vectorised lookup).

One tolerance: a leverage equal to a tier's ``max_leverage`` up to float rounding is that
tier's leverage (``1429 * 0.01`` is 14.29x), through :mod:`levkit.numbers`.

Honest edges: an answer on the unknown part of an incomplete ladder (see
:mod:`levkit.model.completeness`) is a lower bound and warns
:class:`~levkit.errors.LadderWarning`; figures older than 30 days warn
:class:`~levkit.errors.StaleDataWarning`.

Return types follow the arguments (scalar = a Python number or 0-d array; array =
anything 1-D; a Series keeps its index, an array becomes the index named ``leverage`` or
``notional``):

========================  ==========================  ======================================
input                     one (exchange, symbol)      many
========================  ==========================  ======================================
scalar                    ``float``                   ``Series`` on (exchange, symbol)
array / Series            ``Series`` on the values    ``DataFrame``: values x (exchange, symbol)
========================  ==========================  ======================================

Long frames (``tradeoff``, ``capacity``, ``margin``) have one row per symbol and value;
a Series input's index is repeated per symbol.  Integer columns stay integers, with one
dtype in every levkit frame: ``tier`` is int64 (0 = no tier: the input is outside the
ladder), ``risk_id`` is nullable Int64 (:data:`levkit.frames.INTEGER_COLUMNS`).
"""

from __future__ import annotations

from ..errors import InvalidNotionalError, LadderWarning, StaleDataWarning
from ._ladder import Ladders, cross, prepare, take
from .capacity import best_leverage, capacity, check_balance
from .completeness import as_of_dates, check_staleness, ladders, lower_bound_note
from .curves import max_leverage, max_position_value, tradeoff
from .margins import margin, merge_tiers, with_maintenance
from .sizing import leverage_for
from .units import notional_unit

__all__ = [
    "InvalidNotionalError",
    "LadderWarning",
    "Ladders",
    "cross",
    "take",
    "StaleDataWarning",
    "as_of_dates",
    "best_leverage",
    "capacity",
    "check_balance",
    "check_staleness",
    "ladders",
    "leverage_for",
    "lower_bound_note",
    "margin",
    "max_leverage",
    "max_position_value",
    "merge_tiers",
    "notional_unit",
    "prepare",
    "tradeoff",
    "with_maintenance",
]
