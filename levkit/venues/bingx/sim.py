"""BingX perpetual swap (USDT-M) endpoints of the simulator.

Envelope ``{"code": 0, "msg": "", "timestamp": ms, "data": ...}``; errors answer HTTP 200
with the code (``data`` ``{}``), except the simulator's own rate limit, which answers
HTTP 429 with code 100410 and ``X-RateLimit-Requests-Remain`` / ``X-RateLimit-Requests-Expire``
(the epoch millisecond at which the window frees up).

Checks, in this order: API key (100413), signature present and last (100412), timestamp
within ``[now - recvWindow, now + 1000]`` (100421; ``recvWindow`` defaults to 5000 ms;
the 1 s of slack for timestamps ahead of the server, :data:`FUTURE_SLACK_MS`, keeps clients
that correct for clock offset from failing on sub-millisecond jitter), signature
(100001), then the rate limit.  Parameters are read from the query string only (BingX's
own samples send POST parameters there, with an empty body).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...sim import kit
from ...sim.ladders import fmt
from ...sim.wire import Reply, Request
from .dialect import RATE_HEADERS, bingx_param_string, bingx_signature
from .spec import VENUE

if TYPE_CHECKING:
    from ...sim.core import RateInfo, Simulator

__all__ = ["dispatch", "rate_limited", "raw_request", "BUILTIN_TIERS", "EXCHANGE"]

EXCHANGE = "bingx"

#: The simulator's BTC-USDT when the snapshot cannot be loaded: the website's 12-tier table
#: quoted in the API notes (max notional, max leverage); rates not quoted (synthetic).
BUILTIN_TIERS = [
    {"symbol": "BTC-USDT", "max_notional": c, "max_leverage": float(x)}
    for c, x in (
        (300e3, 150), (800e3, 100), (3e6, 75), (12e6, 50), (70e6, 25), (100e6, 20),
        (230e6, 10), (480e6, 5), (600e6, 4), (800e6, 3), (1200e6, 2), (1800e6, 1),
    )
]  # fmt: skip


def raw_request(raw: Any, method: str, path: str, params: Any = None, *, ts_offset_ms: int = 0,
                secret: str | None = None, sign: bool = True, key: str | None = None,
                **kwargs: Any) -> Any:  # fmt: skip
    """A hand-signed BingX call for :class:`levkit.sim.testing.RawClient` (``raw.bingx``):
    every parameter in the query string, ``&signature=`` last, the key in ``X-BX-APIKEY``."""
    query = bingx_param_string({**dict(params or {}), "timestamp": raw.timestamp(ts_offset_ms)})
    if sign:
        query += "&signature=" + bingx_signature(secret or raw.secret, query)
    url = raw.url(VENUE.hosts["mainnet"], path) + "?" + query
    headers = {"X-BX-APIKEY": raw.key if key is None else key}
    return raw.send(method, url, kwargs, headers=headers)


#: How far ahead of the server clock a timestamp may be (ms).
FUTURE_SLACK_MS = 1000
_P = "/openApi/swap/"


_answer = kit.Envelope(
    ("code", kit.CODE), ("msg", kit.MSG), ("timestamp", kit.NOW), ("data", kit.DATA)
)


def _limit_headers(info: RateInfo, remaining: int) -> dict[str, str]:
    said = {"remaining": remaining, "expire": int(info.reset_at * 1000)}
    return {name: str(said[key]) for key, name in RATE_HEADERS.items()}


def rate_limited(sim: Simulator, req: Request, info: RateInfo, code: int | None = None) -> Reply:
    """The rate-limit answer: HTTP 429 + code 100410 (or HTTP 200 + ``code`` if given)."""
    code = code or 100410
    headers = _limit_headers(info, 0)
    status = 429 if code == 100410 else 200
    return _answer(
        req,
        None,
        code,
        "Rate limit exceeded, please try again later",
        status=status,
        headers=headers,
    )


def _authenticate(sim: Simulator, req: Request) -> tuple[dict[str, str], Reply | None]:
    secret = sim.keys.get(req.header("X-BX-APIKEY") or "")
    if secret is None:
        return {}, _answer(req, code=100413, msg="Incorrect apiKey")
    signed = kit.split_signature(req.query, leading_first=True)
    if signed is None:
        return {}, _answer(req, code=100412, msg="Null signature")
    payload, sig = signed
    params = Request("GET", "", payload).params
    try:
        ts = int(params["timestamp"])
        window = int(params.get("recvWindow") or 5000)
    except (KeyError, ValueError):
        return params, _answer(req, code=100421, msg="Null timestamp or timestamp mismatch")
    if kit.check_timestamp(req.now_ms, ts, window, ahead=FUTURE_SLACK_MS):
        msg = (
            f"timestamp mismatch: request timestamp {ts}, server time {req.now_ms}, "
            f"recvWindow {window}"
        )
        return params, _answer(req, code=100421, msg=msg)
    if "&" in sig or not kit.verify_hmac(sig, bingx_signature(secret, payload)):
        return params, _answer(req, code=100001, msg="Signature verification failed")
    return params, None


def dispatch(sim: Simulator, req: Request) -> Reply:
    """Answer one BingX request."""
    route = _ROUTES.get((req.method, req.path))
    if route is None:
        return _answer(req, code=100400, msg=f"api not found: {req.method} {req.path}", status=404)
    if route is _server_time:
        return route(sim, req, {})
    params, error = _authenticate(sim, req)
    if error is not None:
        return error
    return kit.counted(
        sim,
        req,
        route,
        params,
        rate_limited=rate_limited,
        limit_headers=lambda info: _limit_headers(info, info.remaining),
    )


def _symbol(
    sim: Simulator, req: Request, params: dict[str, str], required: bool = True
) -> tuple[str | None, Reply | None]:
    symbol = params.get("symbol")
    if not symbol:
        if required:
            return None, _answer(req, code=80014, msg="Invalid parameters, symbol: required")
        return None, None
    if sim.find_ladder("bingx", symbol) is None:
        return None, _answer(req, code=109500, msg="symbol not exist")
    return symbol, None


def _server_time(sim: Simulator, req: Request, params: dict[str, str]) -> Reply:
    return _answer(req, {"serverTime": req.now_ms})


def _side_numbers(sim: Simulator, symbol: str) -> dict[str, Any]:
    """available*/max* fields for both sides at the leverage in force."""
    acct = sim.account("bingx")
    lad = sim.ladder("bingx", symbol)
    lev = sim.lev_state("bingx", symbol)
    price = sim.price(symbol)
    out: dict[str, Any] = {}
    for side, word in (("long", "Long"), ("short", "Short")):
        cap = lad.cap_at(lev[side])
        held = acct.position_value(symbol, side)
        avail = max(min(acct.balance * lev[side], cap) - held, 0.0)
        out[f"available{word}Vol"] = fmt(round(avail / price, 4))
        out[f"available{word}Val"] = fmt(round(avail, 4))
        out[f"maxPosition{word}Val"] = fmt(cap)
    return out


def _get_leverage(sim: Simulator, req: Request, params: dict[str, str]) -> Reply:
    symbol, error = _symbol(sim, req, params)
    if error is not None:
        return error
    assert symbol is not None
    acct, lad = sim.account("bingx"), sim.ladder("bingx", symbol)
    lev = sim.lev_state("bingx", symbol)
    nums = _side_numbers(sim, symbol)
    data = {
        "longLeverage": int(lev["long"]),
        "shortLeverage": int(lev["short"]),
        "maxLongLeverage": int(lad.max_leverage_at(acct.position_value(symbol, "long"))),
        "maxShortLeverage": int(lad.max_leverage_at(acct.position_value(symbol, "short"))),
        **{
            k: nums[k]
            for k in (
                "availableLongVol",
                "availableShortVol",
                "availableLongVal",
                "availableShortVal",
                "maxPositionLongVal",
                "maxPositionShortVal",
            )
        },
    }
    return _answer(req, data)


def _set_leverage(sim: Simulator, req: Request, params: dict[str, str]) -> Reply:
    symbol, error = _symbol(sim, req, params)
    if error is not None:
        return error
    assert symbol is not None
    acct, lad = sim.account("bingx"), sim.ladder("bingx", symbol)
    side = params.get("side", "").upper()
    if acct.hedge and side not in ("LONG", "SHORT"):
        return _answer(
            req,
            code=109400,
            msg="In the Hedge mode, the 'Side' field can only be set to LONG or SHORT.",
        )
    if not acct.hedge and side != "BOTH":
        return _answer(
            req, code=109400, msg="In the One-way mode, the 'Side' field can only be set to BOTH."
        )
    try:
        value = float(params.get("leverage", ""))
    except ValueError:
        value = float("nan")
    if not value.is_integer() or value < 1:
        return _answer(
            req, code=80014, msg="Invalid parameters, leverage: must be a positive integer"
        )
    leverage = int(value)
    if leverage > lad.top_leverage:
        return _answer(
            req,
            code=101414,
            msg=(
                f"The maximum leverage for {symbol} is {int(lad.top_leverage)}x; "
                f"{leverage}x is not allowed"
            ),
        )
    sides = ("long", "short") if side == "BOTH" else (side.lower(),)
    cap = lad.cap_at(leverage)
    for s in sides:
        held = acct.position_value(symbol, s)
        if held > cap:
            return _answer(
                req,
                code=101209,
                msg=(
                    f"position value {fmt(held)} exceeds the maximum {fmt(cap)} "
                    f"for {leverage}x leverage"
                ),
            )
        if held / leverage > acct.balance:
            return _answer(req, code=109400, msg="margin is not enough")
    state = sim.lev_state("bingx", symbol)
    for s in sides:
        state[s] = float(leverage)
    data = {"leverage": leverage, "symbol": symbol, **_side_numbers(sim, symbol)}
    return _answer(req, data)


def _margin_ratio(sim: Simulator, req: Request, params: dict[str, str]) -> Reply:
    symbol, error = _symbol(sim, req, params, required=False)
    if error is not None:
        return error
    symbols = [symbol] if symbol else sim.symbols("bingx")
    rows = []
    for sym in symbols:
        bands = sim.bands["bingx"].get(sym) or sim.ladder("bingx", sym).bands()
        for i, (lo, hi, rate, ded) in enumerate(
            zip(bands.mins, bands.maxs, bands.rates, bands.deductions, strict=True)
        ):
            rows.append(
                {
                    "tier": f"Tier {i + 1}",
                    "symbol": sym,
                    "minPositionVal": fmt(lo),
                    "maxPositionVal": fmt(hi),
                    "maintMarginRatio": fmt(rate, 6),
                    "maintAmount": fmt(ded, 6),
                }
            )
    return _answer(req, rows)


def _dual(sim: Simulator, req: Request, params: dict[str, str]) -> Reply:
    acct = sim.account("bingx")
    if req.method == "POST":
        wanted = params.get("dualSidePosition", "").lower()
        if wanted not in ("true", "false"):
            return _answer(
                req, code=80014, msg="Invalid parameters, dualSidePosition: must be true or false"
            )
        if (wanted == "true") != acct.hedge and acct.has_exposure():
            return _answer(req, code=109401, msg="user has pending orders or position")
        acct.hedge = wanted == "true"
    return _answer(req, {"dualSidePosition": "true" if acct.hedge else "false"})


def _positions(sim: Simulator, req: Request, params: dict[str, str]) -> Reply:
    symbol, error = _symbol(sim, req, params, required=False)
    if error is not None:
        return error
    acct = sim.account("bingx")
    rows = []
    for pos in acct.open_positions(symbol):
        lev = sim.lev_state("bingx", pos.symbol)[pos.side]
        rows.append(
            {
                "positionId": f"{pos.created_ms}{1 if pos.side == 'long' else 2}",
                "symbol": pos.symbol,
                "currency": "USDT",
                "positionAmt": fmt(round(pos.size, 4)),
                "availableAmt": fmt(round(pos.size, 4)),
                "positionSide": pos.side.upper(),
                "isolated": acct.margin_mode == "isolated",
                "avgPrice": fmt(pos.price),
                "initialMargin": fmt(round(pos.value / lev, 4)),
                "leverage": int(lev),
                "unrealizedProfit": "0",
                "realisedProfit": "0",
                "liquidationPrice": 0,
                "markPrice": fmt(pos.price),
                "positionValue": fmt(pos.value),
                "updateTime": pos.created_ms,
            }
        )
    return _answer(req, rows)


def _open_orders(sim: Simulator, req: Request, params: dict[str, str]) -> Reply:
    symbol, error = _symbol(sim, req, params, required=False)
    if error is not None:
        return error
    orders = [
        {
            "symbol": o.symbol,
            "orderId": int(o.order_id),
            "side": "BUY" if o.side == "long" else "SELL",
            "positionSide": o.side.upper(),
            "type": "LIMIT",
            "origQty": fmt(o.qty),
            "price": fmt(o.price),
            "executedQty": "0",
            "status": "NEW",
            "time": o.created_ms,
            "updateTime": o.created_ms,
        }
        for o in sim.account("bingx").open_orders(symbol)
    ]
    return _answer(req, {"orders": orders})


_ROUTES = {
    ("GET", _P + "v2/server/time"): _server_time,
    ("GET", _P + "v2/trade/leverage"): _get_leverage,
    ("POST", _P + "v2/trade/leverage"): _set_leverage,
    ("GET", _P + "v1/maintMarginRatio"): _margin_ratio,
    ("GET", _P + "v1/positionSide/dual"): _dual,
    ("POST", _P + "v1/positionSide/dual"): _dual,
    ("GET", _P + "v2/user/positions"): _positions,
    ("GET", _P + "v2/trade/openOrders"): _open_orders,
}
