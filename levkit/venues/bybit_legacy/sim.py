"""Bybit's abandoned v2 leverage endpoints (``/user/leverage``, ``/user/leverage/save``).

They share the ``"bybit"`` account with v5.  Envelope ``{ret_code, ret_msg, ext_code, result,
ext_info, time_now, rate_limit_status, rate_limit_reset_ms, rate_limit}``, HTTP 200.
Signing: ``sign`` = :func:`levkit.venues.bybit_legacy.dialect.bybit_v2_signature` over every other parameter
(query string for GET, JSON body for POST).  Checks: ``api_key`` (10003), ``timestamp``
within ``[now - recv_window, now + 1000)`` (10002), ``sign`` (10004), rate limit (10006).
Save: leverage above the maximum for the position's tier 34019; unchanged 34036; the
new leverage applies to both sides.  ``/v2/private/position/list`` answers the shared
account's position (inverse: ``size`` USD contracts, ``position_value`` coin, the value the
simulator holds: coin-margined ladders are in the coin).

Symbols: the inverse perpetuals v2 served (:data:`INVERSE`, those of Bybit's own v2 doc
example, starting at its leverages) and any symbol the simulator holds a ladder for.  Per
symbol v2 maxima are not in levkit's sources: where no ladder is given, an inverse symbol
takes leverages up to the API's own 100x (``spec.capabilities.max_api_leverage``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ...sim import kit
from ...sim.wire import Reply, Request, json_reply, parse_number
from ..bybit.sim import clock_problem
from .dialect import bybit_v2_signature
from .spec import VENUE

if TYPE_CHECKING:
    from ...sim.core import RateInfo, Simulator

__all__ = ["dispatch", "rate_limited", "raw_request", "EXCHANGE", "RAW_NAME"]

EXCHANGE = VENUE.name
ACCOUNT = VENUE.account
#: The :class:`levkit.sim.testing.RawClient` method that sends a raw v2 call.
RAW_NAME = "legacy"


def raw_request(raw: Any, method: str, path: str, params: Any = None, *, ts_offset_ms: int = 0,
                secret: str | None = None, **kwargs: Any) -> Any:  # fmt: skip
    """A hand-signed Bybit v2 call for :class:`levkit.sim.testing.RawClient`
    (``raw.legacy``): ``api_key``, ``timestamp`` and ``sign`` among the parameters, in the
    query (GET) or the JSON body (POST)."""
    params = {**dict(params or {}), "api_key": raw.key, "timestamp": raw.timestamp(ts_offset_ms)}
    params["sign"] = bybit_v2_signature(secret or raw.secret, params)
    url = raw.url(VENUE.hosts["mainnet"], path)
    if method == "GET":
        query = "&".join(f"{k}={v}" for k, v in params.items())
        return raw.send("GET", url + "?" + query, kwargs)
    headers = {"Content-Type": "application/json"}
    return raw.send("POST", url, kwargs, data=json.dumps(params), headers=headers)


#: Inverse perpetuals of Bybit's v2 ``/user/leverage`` doc example, with its leverages
#: (reference/bybit_v2_user_leverage_bybit-docs-legacy-example.json).
INVERSE = {"BTCUSD": 5.0, "EOSUSD": 1.0, "ETHUSD": 1.0, "XRPUSD": 10.0}


def _symbols(sim: Simulator) -> list[str]:
    return sorted(set(INVERSE) | set(sim.symbols(ACCOUNT)))


def _state(sim: Simulator, symbol: str, *, keep: bool = True) -> dict[str, float] | None:
    """The leverage state of ``symbol`` (None when v2 does not list it); a read
    (``keep=False``) leaves the account as it was."""
    if sim.find_ladder(ACCOUNT, symbol) is not None:
        return sim.lev_state(ACCOUNT, symbol)
    if symbol not in INVERSE:
        return None
    book = sim.account(ACCOUNT).leverage
    start = {"long": INVERSE[symbol], "short": INVERSE[symbol]}
    return book.setdefault(symbol, start) if keep else book.get(symbol, start)


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def _answer(
    req: Request, result: Any = None, code: int = 0, msg: str = "ok", info: RateInfo | None = None
) -> Reply:
    body = {
        "ret_code": code,
        "ret_msg": msg,
        "ext_code": "",
        "result": result,
        "ext_info": None,
        "time_now": f"{req.now:.6f}",
        "rate_limit_status": info.remaining if info else 0,
        "rate_limit_reset_ms": int((info.reset_at if info else req.now) * 1000),
        "rate_limit": info.limit if info else 0,
    }
    return json_reply(body, code=code)


def rate_limited(sim: Simulator, req: Request, info: RateInfo, code: int | None = None) -> Reply:
    """ret_code 10006 with the envelope's rate-limit fields."""
    return _answer(req, None, code or 10006, "too many requests", info)


def _authenticate(sim: Simulator, req: Request, params: dict[str, Any]) -> Reply | None:
    secret = sim.keys.get(str(params.get("api_key") or ""))
    if secret is None:
        return _answer(req, code=10003, msg="invalid api_key")
    problem = clock_problem(
        req.now_ms,
        params.get("timestamp", ""),
        params.get("recv_window") or 5000,
        "invalid request, please check your timestamp and recv_window param",
        ". req_timestamp: {ts} server_timestamp: {now} recv_window: {window}",
    )
    if problem is not None:
        return _answer(req, code=10002, msg=problem)
    sign = str(params.get("sign") or "")
    if not kit.verify_hmac(sign, bybit_v2_signature(secret, params)):
        return _answer(req, code=10004, msg="error sign! origin_string[...]")
    return None


def dispatch(sim: Simulator, req: Request) -> Reply:
    """Answer one legacy v2 request."""
    route = _ROUTES.get((req.method, req.path))
    if route is None:
        return Reply(404, {"Content-Type": "text/plain"}, b"404 page not found")
    params = kit.json_params(req)
    if params is None:
        return _answer(req, code=10001, msg="params error: body is not a JSON object")
    error = _authenticate(sim, req, params)
    if error is not None:
        return error
    info = sim.rate(req.method, req.path, req.now)
    if info is not None and not info.allowed:
        return rate_limited(sim, req, info)
    return route(sim, req, params, info)


def _get(sim: Simulator, req: Request, params: dict[str, Any], info: RateInfo | None) -> Reply:
    states = {sym: _state(sim, sym, keep=False) for sym in _symbols(sim)}
    result = {sym: {"leverage": _number(st["long"])} for sym, st in states.items() if st}
    return _answer(req, result, info=info)


def _save(sim: Simulator, req: Request, params: dict[str, Any], info: RateInfo | None) -> Reply:
    symbol = str(params.get("symbol") or "")
    state = _state(sim, symbol)
    if state is None:
        return _answer(req, code=10001, msg="params error: symbol invalid", info=info)
    leverage = parse_number(params.get("leverage"))
    if leverage is None or leverage <= 0:
        return _answer(req, code=10001, msg="params error: leverage invalid", info=info)
    acct = sim.account(ACCOUNT)
    held = max(acct.position_value(symbol, "long"), acct.position_value(symbol, "short"))
    lad = sim.find_ladder(ACCOUNT, symbol)
    allowed = lad.max_leverage_at(held) if lad else VENUE.capabilities.max_api_leverage
    if leverage > allowed:
        return _answer(
            req, code=34019, msg=f"leverage exceeds max leverage ({allowed:g})", info=info
        )
    if state["long"] == leverage and state["short"] == leverage:
        return _answer(req, code=34036, msg="leverage not modified", info=info)
    state["long"] = state["short"] = float(leverage)
    return _answer(req, _number(leverage), info=info)


def _position(sim: Simulator, symbol: str) -> dict[str, Any]:
    """A v2 position object (the docs' "My Position" fields levkit reads, and a few more).
    Inverse symbols (``...USD``): the simulated position's value is in the coin (its
    ladder's unit, v5 ``category=inverse``): ``size`` in USD contracts (value x entry),
    ``position_value`` the coin; USDT symbols: ``size`` in coins, ``position_value`` in USDT
    (v2's linear list)."""
    acct = sim.account(ACCOUNT)
    pos = next((p for p in acct.open_positions(symbol)), None)
    state = _state(sim, symbol, keep=False) or {"long": 0.0}
    value = pos.value if pos else 0.0
    inverse = symbol.endswith("USD")
    price = pos.price if pos else 0.0
    return {
        "id": 0,
        "position_idx": 0,
        "mode": 0,
        "user_id": 1,
        "risk_id": 1,
        "symbol": symbol,
        "side": ("Buy" if pos.side == "long" else "Sell") if pos else "None",
        "size": (round(value * price) if inverse else round(value / price, 6)) if pos else 0,
        "position_value": (f"{value:.8f}" if inverse else f"{value:.8f}".rstrip("0").rstrip("."))
        if pos
        else "0",
        "entry_price": f"{price:.8f}".rstrip("0").rstrip(".") if pos else "0",
        "is_isolated": True,
        "auto_add_margin": 0,
        "leverage": str(_number(state["long"])),
        "position_status": "Normal",
        "created_at": "2020-08-10T07:04:32Z",
        "updated_at": "2020-08-10T07:04:32Z",
    }


def _position_list(
    sim: Simulator, req: Request, params: dict[str, Any], info: RateInfo | None
) -> Reply:
    """With ``symbol``: one position object; without: ``[{"is_valid": true, "data": ...}]``
    for every symbol (as the v2 docs' examples show)."""
    symbol = str(params.get("symbol") or "")
    if symbol:
        if _state(sim, symbol, keep=False) is None:
            return _answer(req, code=10001, msg="params error: symbol invalid", info=info)
        return _answer(req, _position(sim, symbol), info=info)
    rows = [{"is_valid": True, "data": _position(sim, s)} for s in _symbols(sim)]
    return _answer(req, rows, info=info)


_ROUTES = {
    ("GET", "/v2/private/position/list"): _position_list,
    ("GET", "/user/leverage"): _get,
    ("POST", "/user/leverage/save"): _save,
}
