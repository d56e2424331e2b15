"""``levkit.sim``: a simulated Bybit v5 / Bybit legacy v2 / BingX exchange.

Use it in-process as a ``requests`` transport, or over loopback HTTP:

>>> from levkit.sim import Simulator, DEMO_KEY, DEMO_SECRET
>>> sim = Simulator()
>>> session = sim.session()          # lk.BingX(DEMO_KEY, DEMO_SECRET, session=session)
>>> session.get("https://api.bybit.com/v5/market/time").headers["X-Levkit-Simulator"]
'1'

``python -m levkit.sim --port 8765`` serves the same simulator on ``http://127.0.0.1:8765``;
``with sim.serve() as url: ...`` does it on a background thread.  Every answer carries
``X-Levkit-Simulator: 1``.

- State: ``sim.leverage(ex, symbol, side)``, ``sim.set_leverage``, ``sim.set_account``,
  ``sim.set_position_mode``, ``sim.set_margin_mode``, ``sim.set_balance``,
  ``sim.open_position``, ``sim.close_position``, ``sim.open_order``, ``sim.cancel_orders``,
  ``sim.ladder``, ``sim.symbols``, ``sim.account``, ``sim.snapshot_state``
  (``ex`` is ``"bybit"``, shared by v5 and legacy, or ``"bingx"``).
- Calls: ``sim.calls`` (:class:`Call` records), ``sim.count(path, method=, exchange=, code=)``,
  ``sim.calls_frame()``.
- Faults: ``sim.inject(kind, path=, method=, times=, on_call=, seconds=, status=,
  retry_after=, code=, apply=)`` or ``sim.faults.add(Fault(...))``; kinds in
  :data:`FAULT_KINDS` (see :mod:`levkit.sim.faults`).
- Tests: :mod:`levkit.sim.testing` has ``FakeClock`` and ``RawClient`` (hand-signed requests).
"""

from __future__ import annotations

from .core import (
    DEFAULT_RATE_LIMITS,
    DEMO_KEY,
    DEMO_PASSPHRASE,
    DEMO_SECRET,
    Call,
    RateInfo,
    Simulator,
)
from .faults import KINDS as FAULT_KINDS
from .faults import Fault, FaultSet
from .wire import SIM_HEADER, Reply, Request

__all__ = [
    "Simulator",
    "DEMO_KEY",
    "DEMO_SECRET",
    "DEFAULT_RATE_LIMITS",
    "DEMO_PASSPHRASE",
    "Call",
    "RateInfo",
    "Fault",
    "FaultSet",
    "FAULT_KINDS",
    "Reply",
    "Request",
    "SIM_HEADER",
]
