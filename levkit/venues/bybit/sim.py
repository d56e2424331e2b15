"""Bybit v5 endpoints of the simulator.

Envelope ``{"retCode", "retMsg", "result", "retExtInfo": {}, "time"}``, always HTTP 200
(unknown paths: HTTP 404 with retCode 10017).  Private calls are checked in this order:
API key (10003), timestamp within ``[now - recv_window, now + 1000)`` (10002), signature over
the raw query string (GET) or raw body (POST) (10004), then the per-account rate limit
(10006, with ``X-Bapi-Limit``, ``X-Bapi-Limit-Status``, ``X-Bapi-Limit-Reset-Timestamp``,
which every private answer carries).

Set-leverage rules: leverage on a 0.01 step within ``[1, the symbol's top leverage]``,
else 10001; one-way mode and hedge mode under cross margin need ``buy == sell`` (10001);
above the maximum of the tier the side's position is in: 110013; initial margin above
the balance: 110012; both unchanged: 110043 "Set leverage not modified".
Symbols quoted in USD (``BTCUSD``) are ``inverse``, all others ``linear``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ...sim import kit
from ...sim.ladders import fmt
from ...sim.quirks import STALE_CURSOR
from ...sim.wire import Reply, Request, parse_number
from .dialect import RATE_HEADERS, bybit_v5_signature
from .sim_rows import category_of, instrument, position_row
from .spec import VENUE

if TYPE_CHECKING:
    from ...sim.core import RateInfo, Simulator

__all__ = ["dispatch", "rate_limited", "category_of", "raw_request", "BUILTIN_TIERS", "EXCHANGE"]

EXCHANGE = "bybit"
_CATEGORIES = ("linear", "inverse")

#: The simulator's BTCUSDT when the snapshot cannot be loaded: the three 2026 tiers quoted
#: in the API notes (max notional, max leverage, MMR, IMR, mmDeduction).
BUILTIN_TIERS = [
    {"symbol": "BTCUSDT", "max_notional": c, "max_leverage": x,
     "maintenance_margin_rate": m, "initial_margin_rate": i, "mm_deduction": d}
    for c, x, m, i, d in (
        (300e3, 150.0, 0.0033, 0.0066, 0.0),
        (2e6, 100.0, 0.005, 0.01, 510.0),
        (2.6e6, 90.0, 0.0056, 0.0111, 1710.0),
    )
]  # fmt: skip


def raw_request(raw: Any, method: str, path: str, params: Any = None, *, ts_offset_ms: int = 0,
                recv_window: int = 5000, secret: str | None = None, sign: bool = True,
                **kwargs: Any) -> Any:  # fmt: skip
    """A hand-signed Bybit v5 call for :class:`levkit.sim.testing.RawClient` (``raw.bybit``):
    GET params in the query, POST params as a JSON body, the ``X-BAPI-*`` headers."""
    params = dict(params or {})
    ts = str(raw.timestamp(ts_offset_ms))
    url = raw.url(VENUE.hosts["mainnet"], path)
    if method == "GET":
        payload = "&".join(f"{k}={v}" for k, v in params.items())
        url, body = url + ("?" + payload if payload else ""), None
    else:
        payload = body = json.dumps(params)
    headers = {
        "X-BAPI-API-KEY": raw.key,
        "X-BAPI-TIMESTAMP": ts,
        "X-BAPI-RECV-WINDOW": str(recv_window),
        "Content-Type": "application/json",
    }
    if sign:
        headers["X-BAPI-SIGN"] = bybit_v5_signature(
            secret or raw.secret, ts, raw.key, str(recv_window), payload
        )
    return raw.send(method, url, kwargs, data=body, headers=headers)


_answer = kit.Envelope(
    ("retCode", kit.CODE), ("retMsg", kit.MSG), ("result", kit.DATA), ("retExtInfo", {}), ("time", kit.NOW),
    ok_msg="OK",
)  # fmt: skip


def _limit_headers(info: RateInfo) -> dict[str, str]:
    said = {"limit": info.limit, "remaining": info.remaining, "reset_ms": int(info.reset_at * 1000)}
    return {name: str(said[key]) for key, name in RATE_HEADERS.items()}


def rate_limited(sim: Simulator, req: Request, info: RateInfo, code: int | None = None) -> Reply:
    """retCode 10006 with the ``X-Bapi-Limit*`` headers."""
    return _answer(
        req,
        None,
        code or 10006,
        "Too many visits. Exceeded the API Rate Limit.",
        headers=_limit_headers(info),
    )


def clock_problem(now_ms: int, ts: Any, window: Any, message: str, detail: str) -> str | None:
    """The ``msg`` of Bybit's retCode 10002 (v5 and v2 alike), or None when the request
    timestamp ``ts`` is fresh: ``message`` when ``ts`` or ``window`` is not a whole number,
    ``message + detail`` (formatted with ``ts``, ``now``, ``window``) when it is more than
    ``window`` ms behind the server or 1 s or more ahead.

    >>> clock_problem(10_000, "9000", "5000", "bad", " {ts} {now} {window}") is None
    True
    >>> clock_problem(10_000, "11000", 5000, "bad", " {ts} {now} {window}")
    'bad 11000 10000 5000'
    >>> clock_problem(10_000, None, 5000, "bad", " {ts}")
    'bad'
    """
    try:
        ts, window = int(ts), int(window)
    except (TypeError, ValueError):
        return message
    if kit.check_timestamp(now_ms, ts, window, ahead=1000, open_ahead=True):
        return message + detail.format(ts=ts, now=now_ms, window=window)
    return None


def _authenticate(sim: Simulator, req: Request) -> Reply | None:
    key = req.header("X-BAPI-API-KEY") or ""
    secret = sim.keys.get(key)
    if secret is None:
        return _answer(req, code=10003, msg="API key is invalid.")
    ts_text = req.header("X-BAPI-TIMESTAMP") or ""
    window_text = req.header("X-BAPI-RECV-WINDOW") or "5000"
    problem = clock_problem(
        req.now_ms,
        ts_text,
        window_text,
        "invalid request, please check your server timestamp or recv_window param",
        ". req_timestamp[{ts}],server_timestamp[{now}],recv_window[{window}]",
    )
    if problem is not None:
        return _answer(req, code=10002, msg=problem)
    payload = req.query if req.method == "GET" else req.body.decode("utf-8", "replace")
    expected = bybit_v5_signature(secret, ts_text, key, window_text, payload)
    if not kit.verify_hmac(req.header("X-BAPI-SIGN"), expected):
        return _answer(
            req, code=10004, msg="error sign! please check your signature generation algorithm"
        )
    return None


def _category(req: Request, params: dict[str, Any]) -> tuple[str, Reply | None]:
    category = str(params.get("category") or "")
    if category not in _CATEGORIES:
        return category, _answer(req, code=10001, msg="params error: category is invalid")
    return category, None


def _symbols(sim: Simulator, category: str) -> list[str]:
    return [s for s in sim.symbols("bybit") if category_of(s) == category]


def _page(req: Request, items: list[Any], size: int, cursor: str) -> tuple[list[Any], str] | Reply:
    if cursor == STALE_CURSOR:
        return [], STALE_CURSOR
    try:
        start = int(cursor.removeprefix("cursor-")) if cursor else 0
    except ValueError:
        return _answer(req, code=10001, msg="params error: cursor is invalid")
    rows, after = kit.page(items, start, size)
    return rows, ("" if after is None else f"cursor-{after}")


def _one_symbol(
    sim: Simulator, req: Request, category: str, symbol: str
) -> tuple[list[str], Reply | None]:
    if sim.find_ladder("bybit", symbol) is None or category_of(symbol) != category:
        return [], _answer(req, code=10001, msg="params error: symbol invalid")
    return [symbol], None


def _time(sim: Simulator, req: Request, params: dict[str, Any]) -> Reply:
    nano = int(req.now * 1e9)
    return _answer(req, {"timeSecond": str(nano // 10**9), "timeNano": str(nano)})


def _listed(
    sim: Simulator, req: Request, params: dict[str, Any], page_size: int
) -> tuple[str, list[str], str] | Reply:
    """(category, symbols, next cursor) of a public list call: the one ``symbol`` asked
    for, or one page of every symbol in the category; a :class:`Reply` on bad parameters."""
    category, error = _category(req, params)
    if error is not None:
        return error
    if params.get("symbol"):
        symbols, error = _one_symbol(sim, req, category, params["symbol"])
        return error if error is not None else (category, symbols, "")
    paged = _page(req, _symbols(sim, category), page_size, params.get("cursor", ""))
    if isinstance(paged, Reply):
        return paged
    return (category, *paged)


def _risk_limit(sim: Simulator, req: Request, params: dict[str, Any]) -> Reply:
    listed = _listed(sim, req, params, sim.page_size)
    if isinstance(listed, Reply):
        return listed
    category, symbols, cursor = listed
    rows = []
    for sym in symbols:
        lad = sim.ladder("bybit", sym)
        for i, cap in enumerate(lad.caps):
            rows.append(
                {
                    "id": i + 1,
                    "symbol": sym,
                    "riskLimitValue": fmt(cap),
                    "maintenanceMargin": fmt(lad.mmr[i]),
                    "initialMargin": fmt(lad.imr[i]),
                    "isLowestRisk": 1 if i == 0 else 0,
                    "maxLeverage": fmt(lad.max_leverage[i], 2),
                    "mmDeduction": "" if i == 0 else fmt(lad.deduction[i]),
                }
            )
    sim.rng.shuffle(rows)
    return _answer(req, {"category": category, "list": rows, "nextPageCursor": cursor})


def _instruments(sim: Simulator, req: Request, params: dict[str, Any]) -> Reply:
    limit = parse_number(params.get("limit") or 500)
    if not params.get("symbol") and (limit is None or not 1 <= limit <= 1000):
        return _answer(req, code=10001, msg="params error: limit must be in [1, 1000]")
    listed = _listed(sim, req, params, int(limit or 500))
    if isinstance(listed, Reply):
        return listed
    category, symbols, cursor = listed
    items = [instrument(sim, s, category) for s in symbols]
    return _answer(req, {"category": category, "list": items, "nextPageCursor": cursor})


def _position_list(sim: Simulator, req: Request, params: dict[str, Any]) -> Reply:
    category, error = _category(req, params)
    if error is not None:
        return error
    acct = sim.account("bybit")
    symbol, settle = params.get("symbol"), params.get("settleCoin")
    keys: list[tuple[str, str | None, int]]
    if symbol:
        symbols, error = _one_symbol(sim, req, category, symbol)
        if error is not None:
            return error
        keys = [(symbol, "long", 1), (symbol, "short", 2)] if acct.hedge else [(symbol, None, 0)]
    elif settle:
        keys = []
        for pos in acct.open_positions():
            coin = instrument(sim, pos.symbol, category_of(pos.symbol))["settleCoin"]
            if category_of(pos.symbol) == category and coin == settle:
                keys.append(
                    (pos.symbol, pos.side, 1 if pos.side == "long" else 2)
                    if acct.hedge
                    else (pos.symbol, None, 0)
                )
    else:
        return _answer(
            req,
            code=10001,
            msg="Missing some parameters that must be filled in, symbol or settleCoin",
        )
    limit = parse_number(params.get("limit") or 20)
    if limit is None or not 1 <= limit <= 200:
        return _answer(req, code=10001, msg="params error: limit must be in [1, 200]")
    paged = _page(req, keys, int(limit), params.get("cursor", ""))
    if isinstance(paged, Reply):
        return paged
    page, cursor = paged
    rows = [position_row(sim, s, side, idx) for s, side, idx in page]
    return _answer(req, {"list": rows, "nextPageCursor": cursor, "category": category})


def _leverage_arg(value: Any) -> float | None:
    number = parse_number(value)
    if number is None or abs(number * 100 - round(number * 100)) > 1e-6:
        return None
    return number


def _set_leverage(sim: Simulator, req: Request, params: dict[str, Any]) -> Reply:
    category, error = _category(req, params)
    if error is not None:
        return error
    symbol = str(params.get("symbol") or "")
    _, error = _one_symbol(sim, req, category, symbol)
    if error is not None:
        return error
    acct, lad = sim.account("bybit"), sim.ladder("bybit", symbol)
    wanted = {
        "long": _leverage_arg(params.get("buyLeverage")),
        "short": _leverage_arg(params.get("sellLeverage")),
    }
    for side, word in (("long", "buyLeverage"), ("short", "sellLeverage")):
        value = wanted[side]
        if value is None or not 1 <= value <= lad.top_leverage:
            return _answer(
                req,
                code=10001,
                msg=(
                    f"params error: {word} invalid: must be a number in [1, "
                    f"{fmt(lad.top_leverage)}] on a 0.01 step"
                ),
            )
    levels = {s: v for s, v in wanted.items() if v is not None}  # each checked above
    if levels["long"] != levels["short"]:
        if not acct.hedge:
            return _answer(
                req,
                code=10001,
                msg="params error: buyLeverage must equal sellLeverage in one-way mode",
            )
        if acct.margin_mode == "cross":
            return _answer(
                req,
                code=10001,
                msg="params error: buyLeverage must equal sellLeverage under cross margin",
            )
    state = sim.lev_state("bybit", symbol)
    if all(state[s] == levels[s] for s in state):
        return _answer(req, code=110043, msg="Set leverage not modified")
    for side, value in levels.items():
        held = acct.position_value(symbol, side)
        if value > lad.max_leverage_at(held):
            return _answer(
                req,
                code=110013,
                msg=(
                    f"cannot set leverage due to risk limit level: max "
                    f"{fmt(lad.max_leverage_at(held))}x for a position of {fmt(held)}"
                ),
            )
        if held / value > acct.balance:
            return _answer(req, code=110012, msg="Insufficient available balance")
    state.update({s: float(v) for s, v in levels.items()})
    return _answer(req, {})


_ROUTES = {
    ("GET", "/v5/market/time"): _time,
    ("GET", "/v5/market/risk-limit"): _risk_limit,
    ("GET", "/v5/market/instruments-info"): _instruments,
    ("GET", "/v5/position/list"): _position_list,
    ("POST", "/v5/position/set-leverage"): _set_leverage,
}

#: Answer one Bybit v5 request (market paths: no key, not counted).
dispatch = kit.Dispatch(
    _ROUTES,
    not_found=lambda req: _answer(req, code=10017, msg="route not found", status=404),
    public=lambda path: path.startswith("/v5/market/"),
    authenticate=_authenticate,
    rate_limited=rate_limited,
    bad_body=lambda req: _answer(req, code=10001, msg="params error: body is not a JSON object"),
    limit_headers=_limit_headers,
    count_public=False,
)
