"""Bitget v2 mix (USDT-FUTURES) endpoints of the simulator.

Envelope ``{"code": "00000", "msg": "success", "requestTime": ms, "data": ...}``; errors answer
HTTP 400 with the code and ``"data": null``; the rate limit answers HTTP 429 with code
``"429"`` "Too Many Requests" [G7] and no reset header (Bitget publishes none).

Every endpoint counts against the spec's limit (``sim.rate``).  Private calls are checked in
this order: ``ACCESS-KEY`` known (40006), ``ACCESS-PASSPHRASE`` present (40011) and, where the
simulator has a ``passphrases`` mapping (``{api_key: passphrase}``, an optional attribute a test
may set), equal to it (40012; without the mapping any non-empty passphrase is accepted),
``ACCESS-TIMESTAMP`` within 30 s of the server clock (40008 "Request timestamp expired"; the
30 s window is third-party, the docs give none), ``ACCESS-SIGN`` (40009), then the rate limit.
The ``paptrading: 1`` demo header is accepted and changes nothing here.

Rules: ``productType`` must be USDT-FUTURES (any case; else 40017); an unknown symbol is 40102;
set-leverage takes a whole leverage from 1 to the symbol's top (above: 40797 "Exceeded the
maximum settable leverage"; not a whole number or below 1: 40017), and not above the maximum
of the tier an open position is in (40104 "Lever adjustment failure").  Cross margin and
isolated one-way mode keep one leverage for both sides (``holdSide`` ignored); isolated hedge
mode needs ``holdSide`` long/short (40017 without).  The simulated account keeps one pair of
leverages per symbol for whichever margin mode is in force (Bitget keeps cross and isolated
values apart; switching modes is not simulated).  ``position/single-position`` answers the
held sides only (``total`` = value / mark coins), ``[]`` when flat.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...sim import kit
from ...sim.ladders import fmt
from ...sim.wire import Reply, Request, parse_number
from ...symbols import parse_symbol
from .dialect import prehash, sign

if TYPE_CHECKING:
    from ...sim.core import RateInfo, Simulator

__all__ = ["dispatch", "rate_limited", "EXCHANGE", "WINDOW_MS"]

EXCHANGE = "bitget"
#: How far a request timestamp may be from the server clock (ms).
WINDOW_MS = 30_000
_PRODUCT = "USDT-FUTURES"


_answer = kit.Envelope(
    ("code", kit.CODE), ("msg", kit.MSG), ("requestTime", kit.NOW), ("data", kit.DATA),
    ok_code="00000", ok_msg="success", empty=None, code_text=True, error_status=400,
)  # fmt: skip


def rate_limited(sim: Simulator, req: Request, info: RateInfo, code: int | None = None) -> Reply:
    """HTTP 429, code ``"429"`` (or HTTP 400 and ``code`` when a fault names another)."""
    if code is not None and code != 429:
        return _answer(req, None, str(code), "Request too frequent")
    return _answer(req, None, "429", "Too Many Requests", status=429)


def _authenticate(sim: Simulator, req: Request) -> Reply | None:
    key = req.header("ACCESS-KEY") or ""
    secret = sim.keys.get(key)
    if secret is None:
        return _answer(req, code="40006", msg="Invalid ACCESS_KEY")
    problem = kit.passphrase_problem(sim, key, req.header("ACCESS-PASSPHRASE") or "")
    if problem == "missing":
        return _answer(req, code="40011", msg="ACCESS_PASSPHRASE cannot be empty")
    if problem == "wrong":
        return _answer(req, code="40012", msg="apikey/password is incorrect")
    ts_text = req.header("ACCESS-TIMESTAMP") or ""
    try:
        ts = int(ts_text)
    except ValueError:
        return _answer(req, code="40005", msg="Invalid ACCESS_TIMESTAMP")
    if kit.check_timestamp(req.now_ms, ts, WINDOW_MS):
        return _answer(req, code="40008", msg="Request timestamp expired")
    body = req.body.decode("utf-8", "replace")
    expected = sign(secret, prehash(ts_text, req.method, req.path, req.query, body))
    if not kit.verify_hmac(req.header("ACCESS-SIGN"), expected):
        return _answer(req, code="40009", msg="sign signature error")
    return None


def _time(sim: Simulator, req: Request, params: dict[str, Any]) -> Reply:
    return _answer(req, {"serverTime": str(req.now_ms)})


def _product(req: Request, params: dict[str, Any]) -> Reply | None:
    product = str(params.get("productType") or "")
    if not product:
        return _answer(req, code="40019", msg="Parameter productType cannot be empty")
    if product.upper() != _PRODUCT:
        return _answer(
            req, code="40017", msg=f"Parameter verification failed: productType {product}"
        )
    return None


def _symbol(sim: Simulator, req: Request, params: dict[str, Any]) -> tuple[str, Reply | None]:
    error = _product(req, params)
    if error is not None:
        return "", error
    symbol = str(params.get("symbol") or "")
    if not symbol:
        return "", _answer(req, code="40019", msg="Parameter symbol cannot be empty")
    if sim.find_ladder(EXCHANGE, symbol) is None:
        return "", _answer(
            req,
            code="40102",
            msg="Contract configuration does not exist, please check the parameters",
        )
    return symbol, None


def _margin_symbol(
    sim: Simulator, req: Request, params: dict[str, Any]
) -> tuple[str, Reply | None]:
    """:func:`_symbol` of an account call, whose ``marginCoin`` must be USDT."""
    symbol, error = _symbol(sim, req, params)
    if error is None and str(params.get("marginCoin") or "").upper() != "USDT":
        error = _answer(req, code="40017", msg="Parameter verification failed: marginCoin")
    return symbol, error


def _contract(sim: Simulator, symbol: str) -> dict[str, Any]:
    lad, market = sim.ladder(EXCHANGE, symbol), parse_symbol(symbol)
    return {
        "symbol": symbol,
        "baseCoin": market.base,
        "quoteCoin": market.quote,
        "supportMarginCoins": [market.quote],
        "symbolType": "perpetual",
        "symbolStatus": "normal",
        "minLever": "1",
        "maxLever": fmt(lad.top_leverage),
        "sizeMultiplier": "0.001",
        "minTradeUSDT": "5",
    }


def _contracts(sim: Simulator, req: Request, params: dict[str, Any]) -> Reply:
    if params.get("symbol"):
        symbol, error = _symbol(sim, req, params)
        if error is not None:
            return error
        return _answer(req, [_contract(sim, symbol)])
    error = _product(req, params)
    if error is not None:
        return error
    return _answer(req, [_contract(sim, s) for s in sim.symbols(EXCHANGE)])


def _position_lever(sim: Simulator, req: Request, params: dict[str, Any]) -> Reply:
    symbol, error = _symbol(sim, req, params)
    if error is not None:
        return error
    lad = sim.ladder(EXCHANGE, symbol)
    rows = []
    floor = 0.0
    for i, cap in enumerate(lad.caps):
        rows.append(
            {
                "symbol": symbol,
                "level": str(i + 1),
                "startUnit": fmt(floor),
                "endUnit": fmt(cap),
                "leverage": fmt(lad.max_leverage[i]),
                "keepMarginRate": fmt(lad.mmr[i]),
            }
        )
        floor = cap
    return _answer(req, rows)


def _modes(sim: Simulator) -> tuple[str, str]:
    acct = sim.account(EXCHANGE)
    return (
        "crossed" if acct.margin_mode == "cross" else "isolated",
        "hedge_mode" if acct.hedge else "one_way_mode",
    )


def _account(sim: Simulator, req: Request, params: dict[str, Any]) -> Reply:
    symbol, error = _margin_symbol(sim, req, params)
    if error is not None:
        return error
    acct = sim.account(EXCHANGE)
    lev = sim.lev_state(EXCHANGE, symbol)
    margin, pos = _modes(sim)
    balance = fmt(acct.balance)
    return _answer(
        req,
        {
            "marginCoin": "USDT",
            "locked": "0",
            "available": balance,
            "crossedMaxAvailable": balance,
            "isolatedMaxAvailable": balance,
            "maxTransferOut": balance,
            "accountEquity": balance,
            "usdtEquity": balance,
            "crossedRiskRate": "0",
            "crossedMarginLeverage": fmt(lev["long"]),
            "isolatedLongLever": fmt(lev["long"]),
            "isolatedShortLever": fmt(lev["short"]),
            "marginMode": margin,
            "posMode": pos,
            "unrealizedPL": "",
            "coupon": "0",
            "assetMode": "single",
        },
    )


def _single_position(sim: Simulator, req: Request, params: dict[str, Any]) -> Reply:
    """The held sides of ``symbol`` (none when flat: ``data`` ``[]``); ``total`` in coins
    at the current mark, so ``total x markPrice`` is the simulator's value."""
    symbol, error = _margin_symbol(sim, req, params)
    if error is not None:
        return error
    acct, lev = sim.account(EXCHANGE), sim.lev_state(EXCHANGE, symbol)
    margin, pos_mode = _modes(sim)
    mark = sim.price(symbol)
    rows = []
    for pos in acct.open_positions(symbol):
        size = pos.value / mark
        rows.append(
            {
                "marginCoin": "USDT",
                "symbol": symbol,
                "holdSide": pos.side,
                "openDelegateSize": "0",
                "marginSize": fmt(round(pos.value / lev[pos.side], 8)),
                "available": repr(size),
                "locked": "0",
                "total": repr(size),
                "leverage": fmt(lev[pos.side]),
                "achievedProfits": "0",
                "openPriceAvg": fmt(pos.price),
                "marginMode": margin,
                "posMode": pos_mode,
                "unrealizedPL": "0",
                "liquidationPrice": "",
                "keepMarginRate": fmt(sim.ladder(EXCHANGE, symbol).mmr[0]),
                "markPrice": fmt(mark),
                "cTime": str(pos.created_ms),
                "uTime": str(pos.created_ms),
            }
        )
    return _answer(req, rows)


def _set_leverage(sim: Simulator, req: Request, params: dict[str, Any]) -> Reply:
    symbol, error = _margin_symbol(sim, req, params)
    if error is not None:
        return error
    acct, lad = sim.account(EXCHANGE), sim.ladder(EXCHANGE, symbol)
    value = parse_number(params.get("leverage"))
    if value is None or value < 1 or not float(value).is_integer():
        return _answer(req, code="40017", msg="Parameter verification failed: leverage")
    if value > lad.top_leverage:
        return _answer(
            req,
            code="40797",
            msg=f"Exceeded the maximum settable leverage: {fmt(lad.top_leverage)}",
        )
    margin, _ = _modes(sim)
    if margin == "isolated" and acct.hedge:
        hold = str(params.get("holdSide") or "").lower()
        if hold not in ("long", "short"):
            return _answer(
                req, code="40017", msg="Parameter verification failed: holdSide is required"
            )
        sides = [hold]
    else:
        sides = ["long", "short"]  # holdSide ignored: one leverage for both sides
    for side in sides:
        held = acct.position_value(symbol, side)
        if held and value > lad.max_leverage_at(held):
            return _answer(
                req,
                code="40104",
                msg=(
                    f"Lever adjustment failure: max {fmt(lad.max_leverage_at(held))}x for a "
                    f"position of {fmt(held)}"
                ),
            )
    state = sim.lev_state(EXCHANGE, symbol)
    for side in sides:
        state[side] = float(value)
    return _answer(
        req,
        {
            "symbol": symbol,
            "marginCoin": "USDT",
            "longLeverage": fmt(state["long"]),
            "shortLeverage": fmt(state["short"]),
            "crossMarginLeverage": fmt(state["long"]),
            "marginMode": margin,
        },
    )


_ROUTES = {
    ("GET", "/api/v2/public/time"): _time,
    ("GET", "/api/v2/mix/market/contracts"): _contracts,
    ("GET", "/api/v2/mix/market/query-position-lever"): _position_lever,
    ("GET", "/api/v2/mix/account/account"): _account,
    ("POST", "/api/v2/mix/account/set-leverage"): _set_leverage,
    ("GET", "/api/v2/mix/position/single-position"): _single_position,
}

#: Answer one Bitget v2 request.
dispatch = kit.Dispatch(
    _ROUTES,
    not_found=lambda req: _answer(req, code="40404", msg="Request URL NOT FOUND", status=404),
    public=lambda path: not path.startswith(("/api/v2/mix/account/", "/api/v2/mix/position/")),
    authenticate=_authenticate,
    rate_limited=rate_limited,
    bad_body=lambda req: _answer(req, code="40017", msg="Parameter verification failed: body"),
)
