"""``levkit.sim``: a simulated Bybit v5 / Bybit legacy v2 / BingX exchange.

Use it in-process as a ``requests`` transport, or over loopback HTTP:

>>> from levkit.sim import Simulator, DEMO_KEY, DEMO_SECRET
>>> sim = Simulator()
>>> session = sim.session()          # lk.BingX(DEMO_KEY, DEMO_SECRET, session=session)
>>> session.get("https://api.bybit.com/v5/market/time").headers["X-Levkit-Simulator"]
'1'

``python -m levkit.sim --port 8765`` serves the same simulator on ``http://127.0.0.1:8765``.
Every answer carries ``X-Levkit-Simulator: 1``.
"""

from __future__ import annotations

from .core import DEFAULT_RATE_LIMITS, DEMO_KEY, DEMO_SECRET, Call, RateInfo, Simulator
from .faults import KINDS as FAULT_KINDS
from .faults import Fault, FaultSet
from .wire import SIM_HEADER, Reply, Request

__all__ = [
    "Simulator",
    "DEMO_KEY",
    "DEMO_SECRET",
    "DEFAULT_RATE_LIMITS",
    "Call",
    "RateInfo",
    "Fault",
    "FaultSet",
    "FAULT_KINDS",
    "Reply",
    "Request",
    "SIM_HEADER",
]
