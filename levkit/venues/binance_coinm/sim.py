"""Binance COIN-M futures endpoints of the simulator: the USDⓈ-M simulator's signing,
errors, weight counting and leverage rules (:mod:`levkit.venues.binance.sim`) on COIN-M's
paths and answers.

- ``GET /dapi/v1/exchangeInfo`` (public): every symbol with its ``pair``, ``contractType``
  and ``contractSize`` (100 USD for BTC, as in the exchangeInfo example quoted by ccxt;
  10 USD for the others, the usual COIN-M size, **not verified** here: a simulator figure);
- ``GET /dapi/v2/leverageBracket``: a list of ``{symbol, brackets}`` with ``qtyCap`` and
  ``qtyFloor`` (the coin), also with ``symbol`` (the docs show a list);
- ``GET /dapi/v1/positionRisk`` (``pair`` or ``marginAsset``): BOTH rows in one-way mode,
  BOTH, LONG and SHORT in hedge mode [C2]; ``positionAmt`` in contracts (the position's
  coin value x mark / contract size, rounded to whole contracts), ``maxQty`` the cap at the
  leverage in force (coin);
- ``POST /dapi/v1/leverage``: USDⓈ-M's rules (-4028, -2027), answering ``maxQty``.

The simulator's positions on this venue hold their value in the coin (the ladder's unit):
``sim.open_position("binance-coinm", "BTCUSD_PERP", "long", 0.5)`` is 0.5 BTC.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import pandas as pd

from ...frames import tiers_frame
from ...sim.core import DEMO_KEY, DEMO_SECRET, Simulator
from ...sim.ladders import fmt
from ...sim.wire import Reply, Request, json_reply
from ..binance.sim import (
    brackets_answer,
    current_leverage,
    dual_side,
    rate_limited,
    serve,
    server_time,
    set_leverage_route,
    symbol_param,
)
from .client import BinanceCoinM
from .parse import base_coin
from .spec import VENUE

__all__ = ["EXCHANGE", "contract_size", "demo_client", "demo_ladder", "dispatch", "rate_limited"]

EXCHANGE = VENUE.name

#: USD per contract by base coin (ccxt's exchangeInfo comment: BTCUSD 100); others 10.
CONTRACT_SIZES = {"BTC": 100.0}
OTHER_CONTRACT_SIZE = 10.0


def contract_size(symbol: str) -> float:
    """USD per contract of ``symbol`` in the simulator.

    >>> contract_size("BTCUSD_PERP"), contract_size("ETHUSD_251226")
    (100.0, 10.0)
    """
    return CONTRACT_SIZES.get(base_coin(symbol), OTHER_CONTRACT_SIZE)


def demo_ladder() -> pd.DataFrame:
    """A small COIN-M tiers frame for examples and tests: BTCUSD_PERP's bracket 1 as the
    docs' example states it (0 to 50 BTC at 125x, MMR 0.4 %), and a **synthetic**
    three-bracket ETHUSD_PERP (no COIN-M ETH ladder is published in levkit's sources)."""
    rows = [
        ("BTCUSD_PERP", 50.0, 125.0, 0.004, 0.0),
        ("ETHUSD_PERP", 250.0, 75.0, 0.005, 0.0),
        ("ETHUSD_PERP", 1_000.0, 50.0, 0.01, 1.25),
        ("ETHUSD_PERP", 5_000.0, 20.0, 0.025, 16.25),
    ]
    sym, cap, lev, mmr, cum = (list(c) for c in zip(*rows, strict=True))
    return tiers_frame(
        {
            "exchange": EXCHANGE,
            "symbol": sym,
            "max_notional": cap,
            "max_leverage": lev,
            "maintenance_margin_rate": mmr,
            "mm_deduction": cum,
            "category": "inverse",
            "notional_unit": [base_coin(s) for s in sym],
        },
        source="snapshot",
    )


def demo_client(sim: Simulator | None = None) -> BinanceCoinM:
    """A keyed :class:`~levkit.BinanceCoinM` on ``sim`` (default: a new simulator holding
    :func:`demo_ladder`), for examples."""
    sim = Simulator(demo_ladder()) if sim is None else sim
    return BinanceCoinM(DEMO_KEY, DEMO_SECRET, session=sim.session())


def dispatch(sim: Simulator, req: Request) -> Reply:
    """Answer one Binance COIN-M request."""
    return serve(sim, req, _ROUTES, public=frozenset({"/dapi/v1/exchangeInfo"}))


def _exchange_info(sim: Simulator, req: Request, params: dict[str, str]) -> Reply:
    symbols = []
    for sym in sim.symbols(EXCHANGE):
        coin, perpetual = base_coin(sym), sym.endswith("_PERP")
        symbols.append(
            {
                "symbol": sym,
                "pair": sym.rsplit("_", 1)[0],
                "contractType": "PERPETUAL" if perpetual else "CURRENT_QUARTER",
                "deliveryDate": 4133404800000 if perpetual else 0,
                "contractStatus": "TRADING",
                "contractSize": int(contract_size(sym)),
                "marginAsset": coin,
                "baseAsset": coin,
                "quoteAsset": "USD",
            }
        )
    return json_reply({"timezone": "UTC", "serverTime": req.now_ms, "symbols": symbols})


def _leverage_bracket(sim: Simulator, req: Request, params: dict[str, str]) -> Reply:
    symbol, error = symbol_param(sim, req, params, required=False, exchange=EXCHANGE)
    if error is not None:
        return error
    wanted = [symbol] if symbol else sim.symbols(EXCHANGE)
    keys = ("qtyCap", "qtyFloor")
    return json_reply([brackets_answer(sim, s, exchange=EXCHANGE, keys=keys) for s in wanted])


def _rows(sim: Simulator, symbol: str) -> list[dict[str, Any]]:
    acct, lev = sim.account(EXCHANGE), current_leverage(sim, symbol, EXCHANGE)
    mark, size = sim.price(symbol), contract_size(symbol)
    cap = fmt(sim.ladder(EXCHANGE, symbol).cap_at(lev))
    rows = []
    for side in ("BOTH", "LONG", "SHORT") if acct.hedge else ("BOTH",):
        pos = None
        if side != "BOTH" or not acct.hedge:
            held = ("long", "short") if side == "BOTH" else (side.lower(),)
            found = (acct.positions.get((symbol, s)) for s in held)
            pos = next((p for p in found if p is not None and p.value > 0), None)
        sign = -1 if pos is not None and pos.side == "short" else 1
        contracts = sign * round(pos.value * mark / size) if pos else 0
        rows.append(
            {
                "symbol": symbol,
                "positionAmt": str(contracts),
                "entryPrice": fmt(pos.price) if pos else "0.0",
                "breakEvenPrice": fmt(pos.price) if pos else "0.0",
                "markPrice": fmt(mark),
                "unRealizedProfit": "0.00000000",
                "liquidationPrice": "0",
                "leverage": str(lev),
                "maxQty": cap,
                "marginType": "cross" if acct.margin_mode == "cross" else "isolated",
                "isolatedMargin": "0.00000000",
                "isAutoAddMargin": "false",
                "positionSide": side,
                "updateTime": pos.created_ms if pos else 0,
            }
        )
    return rows


def _position_risk(sim: Simulator, req: Request, params: dict[str, str]) -> Reply:
    pair, asset = params.get("pair") or None, params.get("marginAsset") or None
    wanted = [
        s
        for s in sim.symbols(EXCHANGE)
        if (pair is None or s.rsplit("_", 1)[0] == pair)
        and (asset is None or base_coin(s) == asset)
    ]
    return json_reply([row for s in wanted for row in _rows(sim, s)])


_ROUTES = {
    ("GET", "/dapi/v1/time"): server_time,
    ("GET", "/dapi/v1/exchangeInfo"): _exchange_info,
    ("GET", "/dapi/v2/leverageBracket"): _leverage_bracket,
    ("GET", "/dapi/v1/positionRisk"): _position_risk,
    ("GET", "/dapi/v1/positionSide/dual"): partial(dual_side, exchange=EXCHANGE),
    ("POST", "/dapi/v1/leverage"): partial(set_leverage_route, exchange=EXCHANGE, cap_key="maxQty"),
}
