"""Binance USDⓈ-M futures endpoints of the simulator.

No envelope: successes are the bare answer, errors ``{"code": <negative>, "msg": ...}``
with HTTP 400 (401 for key errors), like the exchange [B5].  Signed calls are checked in
this order: API key header ``X-MBX-APIKEY`` (-2014 when absent, -2015 when unknown: HTTP
401), ``signature`` present and last (-1102), ``timestamp`` within
``[now - recvWindow, now + 1000]`` (-1021; ``recvWindow`` defaults to 5000 and may not
exceed 60000), the signature over the exact query string, plus the body when a client sends
form parameters there (-1022), then the IP weight budget (HTTP 429, -1003, ``Retry-After``).
Every answer carries ``X-MBX-USED-WEIGHT-1M``: the simulator counts weight per endpoint
(its rate limiters are per path), so the header is that endpoint's use in the window.

Leverage rules: a whole number from 1 to the symbol's top bracket leverage, else -4028
"Leverage N is not valid"; an open position larger than the cap at the new leverage:
-2027.  One leverage per symbol: the simulator's long and short states move together.
GET /fapi/v2/positionRisk answers the account's positions: one BOTH row per symbol in
one-way mode, LONG and SHORT rows in hedge mode, zeros where flat (``positionAmt`` =
value / mark, ``notional`` signed).
``rate_limited(..., code=418)`` answers an IP ban (HTTP 418, ``Retry-After``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import pandas as pd

from ...frames import tiers_frame
from ...sim import kit
from ...sim.ladders import fmt
from ...sim.wire import Reply, Request, json_reply
from .dialect import USED_WEIGHT, binance_signature
from .spec import VENUE

if TYPE_CHECKING:
    from ...sim.core import RateInfo, Simulator
    from .client import Binance

__all__ = [
    "EXCHANGE",
    "brackets_answer",
    "current_leverage",
    "demo_client",
    "demo_ladder",
    "dispatch",
    "dual_side",
    "error_reply",
    "rate_limited",
    "serve",
    "server_time",
    "set_leverage_route",
    "symbol_param",
]

EXCHANGE = VENUE.name
#: How far ahead of the server clock a timestamp may be (ms), per -1021's second message.
FUTURE_SLACK_MS = 1000
MAX_RECV_WINDOW = 60_000
_STALE = {
    "ahead": "Timestamp for this request was 1000ms ahead of the server's time.",
    "behind": "Timestamp for this request is outside of the recvWindow.",
}


def demo_ladder() -> pd.DataFrame:
    """A small Binance tiers frame for examples and tests: BTCUSDT's first three brackets
    and ETHUSDT's first two, as in freqtrade's 2024-10 cache of leverageBracket answers."""
    rows = [
        ("BTCUSDT", 50_000.0, 125.0, 0.004, 0.0),
        ("BTCUSDT", 600_000.0, 100.0, 0.005, 50.0),
        ("BTCUSDT", 3_000_000.0, 75.0, 0.0065, 950.0),
        ("ETHUSDT", 50_000.0, 125.0, 0.004, 0.0),
        ("ETHUSDT", 600_000.0, 100.0, 0.005, 50.0),
    ]
    sym, cap, lev, mmr, cum = (list(c) for c in zip(*rows, strict=True))
    return tiers_frame(
        {
            "exchange": "binance",
            "symbol": sym,
            "max_notional": cap,
            "max_leverage": lev,
            "maintenance_margin_rate": mmr,
            "mm_deduction": cum,
        },
        source="snapshot",
    )


def demo_client(sim: Simulator | None = None) -> Binance:
    """A keyed :class:`~levkit.Binance` on ``sim`` (default: a new simulator holding
    :func:`demo_ladder`), for examples."""
    from ...sim.core import DEMO_KEY, DEMO_SECRET, Simulator
    from .client import Binance

    sim = Simulator(demo_ladder()) if sim is None else sim
    return Binance(DEMO_KEY, DEMO_SECRET, session=sim.session())


def error_reply(req: Request, code: int, msg: str, *, status: int = 400, **headers: str) -> Reply:
    return json_reply({"code": code, "msg": msg}, status=status, headers=headers, code=code)


def rate_limited(sim: Simulator, req: Request, info: RateInfo, code: int | None = None) -> Reply:
    """HTTP 429 + -1003 with ``Retry-After`` (seconds); ``code=418``: the IP ban."""
    wait = max(int(info.reset_at - req.now + 0.999), 1)
    headers = {"Retry-After": str(wait), USED_WEIGHT: str(info.limit)}
    if code == 418:
        until = int((req.now + wait) * 1000)
        msg = f"Way too many requests; IP banned until {until}. Please use the websocket."
        return error_reply(req, -1003, msg, status=418, **headers)
    msg = (
        f"Too many requests; current limit of IP is {info.limit} requests per minute. "
        "Please use the websocket for live updates to avoid polling the API."
    )
    return error_reply(req, code or -1003, msg, status=429, **headers)


def _authenticate(sim: Simulator, req: Request) -> tuple[dict[str, str], Reply | None]:
    key = req.header("X-MBX-APIKEY")
    if not key:
        return {}, error_reply(req, -2014, "API-key format invalid.", status=401)
    secret = sim.keys.get(key)
    if secret is None:
        return {}, error_reply(
            req, -2015, "Invalid API-key, IP, or permissions for action.", status=401
        )
    body = req.body.decode("utf-8", "replace")
    # Binance signs query string + body, concatenated as sent
    signed = kit.split_signature(req.query + body)
    if signed is None:
        return {}, error_reply(req, -1102, "Mandatory parameter 'signature' was not sent.")
    payload, sig = signed
    params = dict(parse_qsl(req.query, keep_blank_values=True))
    params.update(parse_qsl(body, keep_blank_values=True))
    try:
        ts = int(params["timestamp"])
        window = int(params.get("recvWindow") or 5000)
    except (KeyError, ValueError):
        return params, error_reply(req, -1102, "Mandatory parameter 'timestamp' was not sent.")
    if not 0 < window <= MAX_RECV_WINDOW:
        return params, error_reply(req, -1131, "recvWindow must be less than 60000")
    stale = kit.check_timestamp(req.now_ms, ts, window, ahead=FUTURE_SLACK_MS)
    if stale is not None:
        return params, error_reply(req, -1021, _STALE[stale])
    if "&" in sig or not kit.verify_hmac(sig.lower(), binance_signature(secret, payload)):
        return params, error_reply(req, -1022, "Signature for this request is not valid.")
    return params, None


def dispatch(sim: Simulator, req: Request) -> Reply:
    """Answer one Binance USDⓈ-M request."""
    return serve(sim, req, _ROUTES)


def serve(
    sim: Simulator,
    req: Request,
    routes: dict[tuple[str, str], Any],
    public: frozenset = frozenset(),
) -> Reply:
    """Answer one request of a Binance futures API (USDⓈ-M here, COIN-M in
    :mod:`levkit.venues.binance_coinm.sim`) by its ``routes``: unknown paths -5000 (404),
    the server time and the ``public`` paths unsigned, every other call authenticated,
    then counted against its weight budget."""
    route = routes.get((req.method, req.path))
    if route is None:
        return error_reply(
            req, -5000, f"Path {req.path}, Method {req.method} is invalid", status=404
        )
    if route is server_time or req.path in public:
        params: dict[str, str] = {}
    else:
        params, error = _authenticate(sim, req)
        if error is not None:
            return error
    return kit.counted(sim, req, route, params, rate_limited=rate_limited, limit_headers=_weight)


def _weight(info: RateInfo) -> dict[str, str]:
    return {USED_WEIGHT: str(info.limit - info.remaining)}


def symbol_param(
    sim: Simulator,
    req: Request,
    params: dict[str, str],
    *,
    required: bool,
    exchange: str = EXCHANGE,
) -> tuple[str | None, Reply | None]:
    """The request's ``symbol`` (None when absent and not ``required``), or the error
    Binance answers: -1102 missing, -1121 not listed on ``exchange``."""
    symbol = params.get("symbol") or None
    if symbol is None:
        if required:
            return None, error_reply(req, -1102, "Mandatory parameter 'symbol' was not sent.")
        return None, None
    if sim.find_ladder(exchange, symbol) is None:
        return None, error_reply(req, -1121, "Invalid symbol.")
    return symbol, None


def server_time(sim: Simulator, req: Request, params: dict[str, str]) -> Reply:
    return json_reply({"serverTime": req.now_ms})


def brackets_answer(
    sim: Simulator,
    symbol: str,
    *,
    exchange: str = EXCHANGE,
    keys: tuple[str, str] = ("notionalCap", "notionalFloor"),
) -> dict[str, Any]:
    """One ``{symbol, brackets}`` object of a leverage-bracket answer, the bounds under
    ``keys`` (cap, floor: ``notionalCap``/``notionalFloor`` on USDⓈ-M, ``qtyCap``/
    ``qtyFloor`` on COIN-M)."""
    lad = sim.ladder(exchange, symbol)
    floors = (0.0,) + lad.caps[:-1]
    return {
        "symbol": symbol,
        "brackets": [
            {
                "bracket": i + 1,
                "initialLeverage": int(lad.max_leverage[i]),
                keys[0]: int(lad.caps[i]) if lad.caps[i].is_integer() else lad.caps[i],
                keys[1]: int(floors[i]) if floors[i].is_integer() else floors[i],
                "maintMarginRatio": lad.mmr[i],
                "cum": float(lad.deduction[i]),
            }
            for i in range(len(lad.caps))
        ],
    }


def _leverage_bracket(sim: Simulator, req: Request, params: dict[str, str]) -> Reply:
    symbol, error = symbol_param(sim, req, params, required=False)
    if error is not None:
        return error
    if symbol is not None:  # with symbol: one object, not a list [B1]
        return json_reply(brackets_answer(sim, symbol))
    return json_reply([brackets_answer(sim, s) for s in sim.symbols(EXCHANGE)])


def current_leverage(sim: Simulator, symbol: str, exchange: str = EXCHANGE) -> int:
    """The one leverage of ``symbol`` (Binance keeps one for both sides)."""
    return int(sim.lev_state(exchange, symbol)["long"])


def _symbol_config(sim: Simulator, req: Request, params: dict[str, str]) -> Reply:
    symbol, error = symbol_param(sim, req, params, required=False)
    if error is not None:
        return error
    acct = sim.account(EXCHANGE)
    rows = []
    for sym in [symbol] if symbol else sim.symbols(EXCHANGE):
        lev = current_leverage(sim, sym)
        rows.append(
            {
                "symbol": sym,
                "marginType": "CROSSED" if acct.margin_mode == "cross" else "ISOLATED",
                "isAutoAddMargin": "false",
                "leverage": lev,
                "maxNotionalValue": fmt(sim.ladder(EXCHANGE, sym).cap_at(lev)),
            }
        )
    return json_reply(rows)


def dual_side(
    sim: Simulator, req: Request, params: dict[str, str], *, exchange: str = EXCHANGE
) -> Reply:
    """GET .../positionSide/dual: ``{"dualSidePosition": bool}``."""
    return json_reply({"dualSidePosition": sim.account(exchange).hedge})


def _position_rows(sim: Simulator, symbol: str) -> list[dict[str, Any]]:
    """GET /fapi/v2/positionRisk rows of ``symbol``: BOTH in one-way mode, LONG and SHORT in
    hedge mode; flat sides answer zeros, as the exchange does."""
    acct, lev = sim.account(EXCHANGE), current_leverage(sim, symbol)
    mark = sim.price(symbol)
    rows = []
    for side in ("LONG", "SHORT") if acct.hedge else ("BOTH",):
        held = [acct.positions.get((symbol, s)) for s in ("long", "short")]
        if side != "BOTH":
            held = [acct.positions.get((symbol, side.lower()))]
        pos = next((p for p in held if p is not None and p.value > 0), None)
        sign = -1.0 if pos is not None and pos.side == "short" else 1.0
        amount = sign * pos.value / mark if pos else 0.0
        rows.append(
            {
                "symbol": symbol,
                "positionAmt": fmt(round(amount, 6)),
                "entryPrice": fmt(pos.price) if pos else "0.0",
                "breakEvenPrice": fmt(pos.price) if pos else "0.0",
                "markPrice": fmt(mark),
                "unRealizedProfit": "0.00000000",
                "liquidationPrice": "0",
                "leverage": str(lev),
                "maxNotionalValue": fmt(sim.ladder(EXCHANGE, symbol).cap_at(lev)),
                "marginType": "cross" if acct.margin_mode == "cross" else "isolated",
                "isolatedMargin": "0.00000000",
                "isAutoAddMargin": "false",
                "positionSide": side,
                "notional": fmt(sign * pos.value) if pos else "0",
                "isolatedWallet": "0",
                "updateTime": pos.created_ms if pos else 0,
            }
        )
    return rows


def _position_risk(sim: Simulator, req: Request, params: dict[str, str]) -> Reply:
    symbol, error = symbol_param(sim, req, params, required=False)
    if error is not None:
        return error
    return json_reply(
        [
            row
            for s in ([symbol] if symbol else sim.symbols(EXCHANGE))
            for row in _position_rows(sim, s)
        ]
    )


def set_leverage_route(
    sim: Simulator,
    req: Request,
    params: dict[str, str],
    *,
    exchange: str = EXCHANGE,
    cap_key: str = "maxNotionalValue",
) -> Reply:
    """POST .../leverage: a whole leverage from 1 to the top bracket's (-4028), no open
    position above the new cap (-2027); answers the leverage and the cap (``cap_key``:
    ``maxNotionalValue`` on USDⓈ-M, ``maxQty`` on COIN-M)."""
    symbol, error = symbol_param(sim, req, params, required=True, exchange=exchange)
    if error is not None:
        return error
    assert symbol is not None
    text = params.get("leverage", "")
    if not text.isdigit():
        return error_reply(
            req, -1102, "Mandatory parameter 'leverage' was not sent, was empty/null, or malformed."
        )
    lev = int(text)
    lad, acct = sim.ladder(exchange, symbol), sim.account(exchange)
    if not 1 <= lev <= lad.top_leverage:
        return error_reply(req, -4028, f"Leverage {lev} is not valid")
    cap = lad.cap_at(lev)
    if any(acct.position_value(symbol, s) > cap for s in ("long", "short")):
        return error_reply(
            req, -2027, "Exceeded the maximum allowable position at current leverage."
        )
    sim.set_leverage(exchange, symbol, float(lev))
    return json_reply({"leverage": lev, cap_key: fmt(cap), "symbol": symbol})


_ROUTES = {
    ("GET", "/fapi/v1/time"): server_time,
    ("GET", "/fapi/v1/leverageBracket"): _leverage_bracket,
    ("GET", "/fapi/v1/symbolConfig"): _symbol_config,
    ("GET", "/fapi/v1/positionSide/dual"): dual_side,
    ("POST", "/fapi/v1/leverage"): set_leverage_route,
    ("GET", "/fapi/v2/positionRisk"): _position_risk,
}
