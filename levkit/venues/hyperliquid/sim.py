"""Hyperliquid endpoints of the simulator: ``POST /info`` and ``POST /exchange``.

Like the exchange ([H1] in ``spec.py``): no auth on ``/info``, bare JSON answers, errors as an
HTTP status with a text body.  ``/info`` answers:

- ``{"type": "meta"}``: the universe and margin tables built from the simulator's ladders
  (a one-tier ladder at a whole leverage under 50 gets table id = that leverage and is not
  listed, as [H2] says; others get ids from 50 on, listed with their floors; a finite top
  cap in the given ladder is dropped: Hyperliquid's last tier has no cap);
- ``{"type": "activeAssetData", "user", "coin"}``: the account's leverage on the coin;
- ``{"type": "clearinghouseState", "user"}``: open positions and margin summaries.

The simulator keeps one Hyperliquid account (``sim.account("hyperliquid")``): every
well-formed address reads it.  A malformed address, an unknown ``type`` or a body that is
not a JSON object answers HTTP 422 "Failed to deserialize the JSON body into the target
type" (the text users quote); an unknown coin in ``activeAssetData`` answers HTTP 422 too
(what the real API answers there: not found, so the safe reading).

``/exchange`` answers ``{"status": "err", "response": ...}`` saying levkit does not sign
actions (the simulator cannot verify EIP-712 wallet signatures).

Rate limit: the weights of [H3] (meta and activeAssetData 20, clearinghouseState 2, actions 1)
against one budget of 1200 per minute (``sim.rate("POST", "/info", now)`` once per unit);
over it: HTTP 429 with a text body (the status users report; body and headers of the real
answer: not found, so no ``Retry-After``).
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

from ...sim.ladders import Ladder, fmt
from ...sim.wire import Reply, Request, json_reply
from .spec import INFO_WEIGHTS, VENUE

if TYPE_CHECKING:
    from ...sim.core import RateInfo, Simulator

__all__ = ["EXCHANGE", "dispatch", "rate_limited", "meta"]

EXCHANGE = VENUE.name
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
_BAD_BODY = "Failed to deserialize the JSON body into the target type"
_BUDGET = ("POST", "/info")  # one weight budget for every REST call [H3]


def _text(status: int, text: str) -> Reply:
    return Reply(status, {"Content-Type": "text/plain; charset=utf-8"}, text.encode(), code=status)


def rate_limited(sim: Simulator, req: Request, info: RateInfo, code: int | None = None) -> Reply:
    """HTTP 429 with a text body (no ``Retry-After``: none is documented)."""
    return _text(429, "Too many requests")


def _spend(sim: Simulator, req: Request, weight: int) -> RateInfo | None:
    """Count ``weight`` units; the first refused one stops (the call is refused)."""
    info = None
    for _ in range(weight):
        info = sim.rate(*_BUDGET, req.now)
        if info is None or not info.allowed:
            return info
    return info


def dispatch(sim: Simulator, req: Request) -> Reply:
    """Answer one Hyperliquid request."""
    if req.path not in ("/info", "/exchange"):
        return _text(404, "Not Found")
    if req.method != "POST":
        return _text(405, "Method Not Allowed")
    try:
        body = req.json()
    except ValueError:
        return _text(400, "Invalid JSON body")  # invalid JSON: wording not documented
    if req.path == "/exchange":
        info = _spend(sim, req, 1)
        if info is not None and not info.allowed:
            return rate_limited(sim, req, info)
        return json_reply(
            {
                "status": "err",
                "response": "levkit's simulator does not sign or verify actions (EIP-712 "
                "wallet signatures); levkit only reads Hyperliquid",
            },
            code=None,
        )
    kind = body.get("type") if isinstance(body, dict) else None
    if not isinstance(kind, str) or kind not in _ROUTES:
        return _text(422, _BAD_BODY)
    route = _ROUTES[kind]
    info = _spend(sim, req, INFO_WEIGHTS[kind])
    if info is not None and not info.allowed:
        return rate_limited(sim, req, info)
    return route(sim, req, body)


def _coins(sim: Simulator) -> list[str]:
    return sim.symbols(EXCHANGE)


def _whole(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def meta(sim: Simulator) -> dict[str, Any]:
    """The ``meta`` answer for the simulator's ladders (see the module docstring)."""
    universe: list[dict[str, Any]] = []
    tables: list[list[Any]] = []
    ids: dict[tuple[Any, ...], int] = {}
    for coin in _coins(sim):
        lad = sim.ladder(EXCHANGE, coin)
        top = lad.top_leverage
        tiers = _table(lad)
        if len(tiers) == 1 and float(top).is_integer() and top < 50:
            table_id = int(top)
        else:
            key = tuple(tiers)
            if key not in ids:
                ids[key] = 50 + len(ids)
                tables.append(
                    [
                        ids[key],
                        {
                            "description": f"tiered {fmt(top)}x" if len(tiers) > 1 else "",
                            "marginTiers": [
                                {
                                    "lowerBound": f"{fmt(f)}.0"
                                    if float(f).is_integer()
                                    else fmt(f),
                                    "maxLeverage": _whole(lev),
                                }
                                for f, lev in tiers
                            ],
                        },
                    ]
                )
            table_id = ids[key]
        universe.append(
            {
                "name": coin,
                "szDecimals": 5 if coin == "BTC" else 2,
                "maxLeverage": _whole(top),
                "marginTableId": table_id,
            }
        )
    return {"universe": universe, "marginTables": tables}


def _table(lad: Ladder) -> list[tuple[float, float]]:
    """``[(floor, maxLeverage)]`` of a ladder (floors from the caps; the last cap dropped)."""
    floors = [0.0, *lad.caps[:-1]]
    return [(f, lev) for f, lev in zip(floors, lad.max_leverage, strict=True)]


def _user(body: dict) -> str | None:
    user = body.get("user")
    return user if isinstance(user, str) and _ADDRESS.fullmatch(user) else None


def _price(sim: Simulator, coin: str) -> float:
    return float(sim.prices.get(coin, 100.0))


def _meta(sim: Simulator, req: Request, body: dict) -> Reply:
    return json_reply(meta(sim))


def _leverage_obj(sim: Simulator, coin: str) -> dict[str, Any]:
    acct = sim.account(EXCHANGE)
    lev = sim.lev_state(EXCHANGE, coin)["long"]
    return {"type": acct.margin_mode, "value": _whole(lev)}


def _held(sim: Simulator, coin: str) -> float:
    acct = sim.account(EXCHANGE)
    return acct.position_value(coin, "long") + acct.position_value(coin, "short")


def _active_asset_data(sim: Simulator, req: Request, body: dict) -> Reply:
    user, coin = _user(body), body.get("coin")
    if user is None or not isinstance(coin, str) or sim.find_ladder(EXCHANGE, coin) is None:
        return _text(422, _BAD_BODY)
    acct, lad = sim.account(EXCHANGE), sim.ladder(EXCHANGE, coin)
    lev = sim.lev_state(EXCHANGE, coin)["long"]
    price = _price(sim, coin)
    room = max(min(acct.balance * lev, lad.cap_at(lev)) - _held(sim, coin), 0.0)
    size = fmt(round(room / price, 4)) if math.isfinite(room) else "0"
    avail = fmt(round(acct.balance, 4))
    return json_reply(
        {
            "user": user,
            "coin": coin,
            "leverage": _leverage_obj(sim, coin),
            "maxTradeSzs": [size, size],
            "availableToTrade": [avail, avail],
            "markPx": fmt(price),
        }
    )


def _clearinghouse_state(sim: Simulator, req: Request, body: dict) -> Reply:
    if _user(body) is None:
        return _text(422, _BAD_BODY)
    acct = sim.account(EXCHANGE)
    positions, total, used = [], 0.0, 0.0
    for pos in acct.open_positions():
        lad = sim.ladder(EXCHANGE, pos.symbol)
        lev = sim.lev_state(EXCHANGE, pos.symbol)["long"]
        margin = pos.value / lev
        total += pos.value
        used += margin
        size = pos.size if pos.side == "long" else -pos.size
        positions.append(
            {
                "type": "oneWay",
                "position": {
                    "coin": pos.symbol,
                    "szi": fmt(round(size, 6)),
                    "entryPx": fmt(pos.price),
                    "positionValue": fmt(round(pos.value, 6)),
                    "leverage": _leverage_obj(sim, pos.symbol),
                    "maxLeverage": _whole(lad.top_leverage),
                    "marginUsed": fmt(round(margin, 6)),
                    "unrealizedPnl": "0.0",
                    "returnOnEquity": "0.0",
                    "liquidationPx": None,
                    "cumFunding": {"allTime": "0.0", "sinceOpen": "0.0", "sinceChange": "0.0"},
                },
            }
        )
    summary = {
        "accountValue": fmt(acct.balance),
        "totalNtlPos": fmt(round(total, 6)),
        "totalRawUsd": fmt(acct.balance),
        "totalMarginUsed": fmt(round(used, 6)),
    }
    return json_reply(
        {
            "assetPositions": positions,
            "marginSummary": summary,
            "crossMarginSummary": dict(summary),
            "crossMaintenanceMarginUsed": "0.0",
            "withdrawable": fmt(max(acct.balance - used, 0.0)),
            "time": req.now_ms,
        }
    )


_ROUTES = {
    "meta": _meta,
    "activeAssetData": _active_asset_data,
    "clearinghouseState": _clearinghouse_state,
}
