"""One loopback simulator and one fake clock for the whole fault suite.

The simulator's HTTP server answers on a background thread; the client and the server
share :class:`LockedClock`, so backoff sleeps move both clocks at once and nothing really
waits.  The only real waiting is a timeout: a latency fault holds the answer a little
longer than the client's ``timeout`` (:data:`~.scenarios.TIMEOUT`).

Each test starts from the same account state (:func:`world`): faults cleared, call log
empty, no skew, every account in one-way mode and cross margin, every symbol at
:data:`~.scenarios.INITIAL` leverage, one BingX position and one order, and the clock an
hour later (so no rate-limit window, the simulator's or levkit's own, carries over from
the previous test).
"""

from __future__ import annotations

import threading
import time
import warnings
from dataclasses import dataclass

import pandas as pd
import pytest
import requests

import levkit as lk
from levkit.sim import Simulator
from levkit.sim.testing import FakeClock

from ..conftest import FAKE_KEY, FAKE_SECRET
from .scenarios import INITIAL, MAX_RETRIES, PAGE_SIZE, TIMEOUT

FAKE_PASSPHRASE = "test-passphrase-not-real"  # OKX, Bitget
ADDRESS = "0x" + "5e" * 20  # Hyperliquid reads by wallet address

#: Bybit linear symbols: with PAGE_SIZE 2 an unfiltered risk-limit fetch takes 4 pages.
BYBIT_LINEAR = ("BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "DOGEUSDT", "ADAUSDT", "LTCUSDT")
BYBIT_INVERSE = ("BTCUSD",)  # what the legacy v2 endpoints serve
BINGX = ("BTC-USDT", "ETH-USDT")
#: Every simulated account and its symbols (the venue's own spelling).
SYMBOLS = {
    "bybit": BYBIT_LINEAR + BYBIT_INVERSE,
    "bingx": BINGX,
    "binance": ("BTCUSDT", "ETHUSDT"),
    "binance-coinm": ("BTCUSD_PERP", "ETHUSD_PERP"),
    "okx": ("BTC-USDT-SWAP", "ETH-USDT-SWAP"),
    "bitget": ("BTCUSDT", "ETHUSDT"),
    "gate": ("BTC_USDT", "ETH_USDT"),
    "hyperliquid": ("BTC", "ETH"),
}
#: One open long position per account whose positions read the suite drives (BingX's
#: ETH-USDT position is set apart, with its order), of :data:`POSITION_VALUE` USDT.
POSITIONS = {
    "bybit-legacy": "BTCUSD",
    "binance": "BTCUSDT",
    "binance-coinm": "BTCUSD_PERP",  # its value in BTC, the ladder's unit
    "okx": "BTC-USDT-SWAP",
    "bitget": "BTCUSDT",
    "gate": "BTC_USDT",
    "hyperliquid": "BTC",
}
POSITION_VALUE = 3_000.0
#: The client class and extra arguments of each API the suite drives.
CLIENTS = {
    "bybit": (lk.Bybit, {}),
    "legacy": (lk.BybitLegacy, {}),
    "bingx": (lk.BingX, {}),
    "binance": (lk.Binance, {}),
    "coinm": (lk.BinanceCoinM, {}),
    "okx": (lk.OKX, {"passphrase": FAKE_PASSPHRASE}),
    "bitget": (lk.Bitget, {"passphrase": FAKE_PASSPHRASE}),
    "gate": (lk.Gate, {}),
    "hyperliquid": (lk.Hyperliquid, {"address": ADDRESS}),
}
#: (notional cap, max leverage) per tier, the same for every symbol (clearly synthetic).
LADDER = ((1_000_000.0, 100.0), (5_000_000.0, 50.0), (20_000_000.0, 20.0))
#: How long a latency fault really holds an answer: a little beyond the client's timeout.
LATENCY_REAL = TIMEOUT + 0.1


class LockedClock(FakeClock):
    """:class:`~levkit.sim.testing.FakeClock` safe to read from the server thread while
    the client thread sleeps on it."""

    def __init__(self, start: float = 1_767_225_600.0) -> None:
        super().__init__(start)
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.t

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.t += float(seconds)

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(float(seconds))
            self.t += float(seconds)


def suite_tiers() -> pd.DataFrame:
    rows = [
        {"exchange": ex, "symbol": sym, "max_notional": cap, "max_leverage": lev}
        for ex, symbols in SYMBOLS.items()
        for sym in symbols
        for cap, lev in LADDER
    ]
    return pd.DataFrame(rows)


def latency(seconds: float) -> None:
    """The server thread's wait for a latency fault: real, but never past LATENCY_REAL."""
    time.sleep(min(float(seconds), LATENCY_REAL))


@dataclass
class World:
    """What a scenario needs: the simulator, its URL, the shared clock, client factories."""

    sim: Simulator
    url: str
    clock: LockedClock
    #: One HTTP session for every client: its kept-alive connection spares each scenario
    #: a new connection (and a new server thread); a fault that drops one is reconnected.
    session: requests.Session

    def client(self, api: str, **kw):
        """A fresh client (empty cache) on the loopback simulator, for an API of
        :data:`CLIENTS` (``bybit``, ``legacy``, ``bingx``, ``binance``, ``okx``...)."""
        cls, extra = CLIENTS[api]
        options = {
            "base_url": self.url,
            "session": self.session,
            "clock": self.clock,
            "sleep": self.clock.sleep,
            "timeout": TIMEOUT,
            "max_retries": MAX_RETRIES,
            "progress": False,
            **extra,
            **kw,
        }
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # BybitLegacy says it is old
            if "address" in options:  # Hyperliquid: no key, an address
                return cls(**options)
            return cls(FAKE_KEY, FAKE_SECRET, **options)

    def state(self) -> dict[str, dict]:
        """Every simulated account as plain dicts (mode, balance, leverage, positions...)."""
        return {ex: self.sim.snapshot_state(ex) for ex in SYMBOLS}


@pytest.fixture(scope="session")
def _served():
    clock = LockedClock()
    sim = Simulator(
        suite_tiers(),
        keys={FAKE_KEY: FAKE_SECRET},
        passphrases={FAKE_KEY: FAKE_PASSPHRASE},
        clock=clock,
        sleep=latency,
        page_size=PAGE_SIZE,
    )
    server = sim.serve()
    session = requests.Session()
    try:
        yield World(sim, server.url, clock, session)
    finally:
        session.close()
        server.close()


@pytest.fixture
def world(_served: World) -> World:
    """The shared simulator, reset to the suite's starting state."""
    sim = _served.sim
    sim.faults.clear()
    sim.skew = 0.0
    sim.page_size = PAGE_SIZE
    for ex, symbols in SYMBOLS.items():
        sim.set_account(ex, hedge=False, margin_mode="cross", balance=10_000.0)
        sim.close_position(ex)
        sim.cancel_orders(ex)
        for sym in symbols:
            sim.set_leverage(ex, sym, INITIAL)
    sim.open_position("bingx", "ETH-USDT", "long", 3_000.0)
    sim.open_order("bingx", "ETH-USDT", "long", qty=0.5)
    for ex, sym in POSITIONS.items():  # what the positions reads find
        sim.open_position(ex, sym, "long", POSITION_VALUE)
    _served.clock.advance(3_600.0)
    _served.clock.slept.clear()
    sim.calls.clear()
    return _served
