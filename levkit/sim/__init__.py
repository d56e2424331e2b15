"""``levkit.sim``: a simulated exchange answering every API levkit speaks, each in its
own wire format: Bybit v5, Bybit legacy v2, BingX, Binance USD-M, OKX, Bitget, Gate and
Hyperliquid (the registry, ``levkit.venues.names()``; a venue declared there is served).

Use it in-process as a ``requests`` transport, or over loopback HTTP:

>>> from levkit.sim import Simulator, DEMO_KEY, DEMO_SECRET
>>> sim = Simulator()
>>> session = sim.session()          # lk.OKX(DEMO_KEY, DEMO_SECRET, passphrase=DEMO_PASSPHRASE, session=session)
>>> session.get("https://api.bybit.com/v5/market/time").headers["X-Levkit-Simulator"]
'1'

``python -m levkit.sim --port 8765`` serves the same simulator on ``http://127.0.0.1:8765``
(``--key``, ``--secret``, ``--passphrase`` choose the credentials it accepts; it prints the
APIs it answers); ``with sim.serve() as url: ...`` does it on a background thread.  Every
answer carries ``X-Levkit-Simulator: 1``.

- State: ``sim.leverage(ex, symbol, side)``, ``sim.set_leverage``, ``sim.set_account``,
  ``sim.set_position_mode``, ``sim.set_margin_mode``, ``sim.set_balance``,
  ``sim.open_position``, ``sim.close_position``, ``sim.open_order``, ``sim.cancel_orders``,
  ``sim.ladder``, ``sim.symbols``, ``sim.account``, ``sim.snapshot_state``
  (``ex`` is any registry name; ``"bybit"`` and ``"bybit-legacy"`` share one account).
- Calls: ``sim.calls`` (a :class:`CallLog` of :class:`Call` records: the latest 10,000 by
  default, ``Simulator(call_log=...)``), ``sim.count(path, method=, exchange=, code=)``
  (exact, whatever the log keeps), ``sim.calls_frame()``.
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
    CallLog,
    RateInfo,
    Simulator,
    newest_ladders,
)
from .faults import KINDS as FAULT_KINDS
from .faults import Fault, FaultSet
from .wire import SIM_HEADER, Reply, Request

__all__ = [
    "Simulator",
    "newest_ladders",
    "DEMO_KEY",
    "DEMO_SECRET",
    "DEFAULT_RATE_LIMITS",
    "DEMO_PASSPHRASE",
    "Call",
    "CallLog",
    "RateInfo",
    "Fault",
    "FaultSet",
    "FAULT_KINDS",
    "Reply",
    "Request",
    "SIM_HEADER",
]
