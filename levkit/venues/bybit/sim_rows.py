"""Row builders for the simulator's Bybit v5 answers (instruments, positions)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ...sim.ladders import fmt
from .._resolve import listed_instrument

if TYPE_CHECKING:
    from ...sim.core import Simulator

__all__ = ["category_of", "instrument", "position_row"]


def category_of(symbol: str) -> str:
    """The v5 ``category`` of a listed id: ``"inverse"`` (BTCUSD, BTCUSDH26) or ``"linear"``."""
    return listed_instrument(symbol, "bybit").category or "linear"


#: v5 ``contractType`` by (category, dated).
_CONTRACT_TYPES = {
    ("linear", False): "LinearPerpetual",
    ("linear", True): "LinearFutures",
    ("inverse", False): "InversePerpetual",
    ("inverse", True): "InverseFutures",
}


def instrument(sim: Simulator, sym: str, category: str) -> dict[str, Any]:
    """One ``/v5/market/instruments-info`` item for ``sym``."""
    lad, market = sim.ladder("bybit", sym), listed_instrument(sym, "bybit")
    inverse = market.inverse
    return {
        "symbol": sym,
        "contractType": _CONTRACT_TYPES[(category, not market.perpetual)],
        "status": "Trading",
        "baseCoin": market.base,
        "quoteCoin": market.quote,
        "launchTime": "1585526400000",
        "deliveryTime": _delivery_ms(market.expiry),
        "deliveryFeeRate": "",
        "priceScale": "2",
        "leverageFilter": {
            "minLeverage": "1",
            "maxLeverage": fmt(lad.top_leverage, 2),
            "leverageStep": "0.01",
        },
        "priceFilter": {"minPrice": "0.10", "maxPrice": "1999999.80", "tickSize": "0.10"},
        "lotSizeFilter": {  # inverse: whole USD contracts (ccxt: contractSize = minOrderQty)
            "maxOrderQty": "1190.000",
            "minOrderQty": "1" if inverse else "0.001",
            "qtyStep": "1" if inverse else "0.001",
            "postOnlyMaxOrderQty": "1190.000",
            "maxMktOrderQty": "500.000",
            "minNotionalValue": "5",
        },
        "unifiedMarginTrade": True,
        "fundingInterval": 480,
        "settleCoin": market.settle,
        "copyTrading": "both",
        "upperFundingRate": "0.005",
        "lowerFundingRate": "-0.005",
    }


def _delivery_ms(expiry: str | None) -> str:
    """``deliveryTime`` (ms, 08:00 UTC of the expiry day, Bybit's delivery hour; "0" for a
    perpetual)."""
    if expiry is None:
        return "0"
    day = datetime.strptime(expiry, "%y%m%d").replace(hour=8, tzinfo=UTC)
    return str(int(day.timestamp() * 1000))


def position_row(sim: Simulator, sym: str, side: str | None, idx: int) -> dict[str, Any]:
    """One ``/v5/position/list`` row (``side`` None: the one-way row, whichever side is open)."""
    acct, lad = sim.account("bybit"), sim.ladder("bybit", sym)
    lev = sim.lev_state("bybit", sym)
    pos = acct.positions.get((sym, side)) if side else None
    if side is None:  # one-way row: whichever side holds the position
        pos = next(
            (
                acct.positions.get((sym, s))
                for s in ("long", "short")
                if acct.positions.get((sym, s))
            ),
            None,
        )
    leverage = lev[pos.side if pos else (side or "long")]
    value = pos.value if pos else 0.0  # in the ladder's unit: the coin for inverse
    mark = sim.price(sym)
    # inverse: size in USD contracts (value x mark), positionValue in the coin
    size = round(value * mark) if category_of(sym) == "inverse" else round(value / mark, 6)
    tier = lad.tier_index(value)
    mm = value * lad.mmr[tier] - lad.deduction[tier] if pos else 0.0
    stamp = str(pos.created_ms if pos else 0)
    return {
        "positionIdx": idx,
        "riskId": tier + 1,
        "riskLimitValue": fmt(lad.caps[tier]),
        "symbol": sym,
        "side": ("Buy" if pos.side == "long" else "Sell") if pos else "",
        "size": fmt(size) if pos else "0",
        "avgPrice": fmt(pos.price) if pos else "0",
        "positionValue": fmt(value) if pos else "",
        "tradeMode": 0,
        "positionStatus": "Normal",
        "autoAddMargin": 0,
        "adlRankIndicator": 2 if pos else 0,
        "leverage": fmt(leverage),
        "positionBalance": fmt(round(value / leverage, 8)),
        "markPrice": fmt(mark),
        "liqPrice": "",
        "bustPrice": "",
        "positionMM": fmt(round(max(mm, 0.0), 8)),
        "positionIM": fmt(round(value / leverage, 8)),
        "tpslMode": "Full",
        "takeProfit": "0.00",
        "stopLoss": "0.00",
        "trailingStop": "0.00",
        "unrealisedPnl": "0",
        "curRealisedPnl": "0",
        "cumRealisedPnl": "0",
        "seq": 1,
        "isReduceOnly": False,
        "mmrSysUpdatedTime": "",
        "leverageSysUpdatedTime": "",
        "sessionAvgPrice": "",
        "createdTime": stamp,
        "updatedTime": stamp,
    }
