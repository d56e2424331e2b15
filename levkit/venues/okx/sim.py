"""OKX API v5 (SWAP and FUTURES) endpoints of the simulator.

Envelope ``{"code": "0", "msg": "", "data": [...]}`` (codes are strings, as OKX sends
them).  Public endpoints: ``/api/v5/public/time``, ``instruments``, ``mark-price`` and
``position-tiers`` (sizes in contracts: ``maxSz = cap / (ctVal x ctMult x mark)``, and
``minSz`` one contract above the previous ``maxSz``).  A dated id (``BTC-USDT-251226``) is
``instType=FUTURES``, a perpetual ``SWAP``: asked under the other type, an id does not
exist (51001); a FUTURES family's tiers are those of its first expiry the simulator holds
(OKX keys FUTURES tiers by family, ``instId`` ""; docs/instruments.md §3.6).  Private calls are checked in this
order: key (50111, HTTP 401), passphrase (50105, HTTP 401), timestamp format (50112) and
within 30 s of the server clock (50102), signature over ``timestamp + METHOD +
requestPath + body`` (50113, HTTP 401).  Every endpoint counts against the spec's limit;
over it: HTTP 429 ``{"msg": "Too Many Requests", "code": "50011"}``.

Passphrases: the one :class:`~levkit.sim.Simulator`'s ``passphrases`` (``{api_key:
passphrase}``, default ``{DEMO_KEY: DEMO_PASSPHRASE}``) names for the key; a key it does
not name accepts any non-empty passphrase.

Contract values: BTC 0.01, ETH 0.1, every other coin 1 (ctMult 1); coin-margined swaps
(``BTC-USD-SWAP``, ``ctType`` inverse) 100 USD for BTC, 10 USD else, their ladders and
positions in USD (contracts x ctVal, no price); marks are ``sim.price``.  One leverage per symbol and side is kept (``sim.lev_state``), shared by
cross and isolated margin (OKX keeps one per margin mode: a simplification).  Set-leverage
rules: lever a number in [1, the symbol's top] (above: 59102; not a number or below 1:
51000); ``posSide`` required for isolated margin in long/short mode (51000); under cross
margin, or in net mode, both sides take the value; above the maximum of the tier holding
the side's open position: 59104; initial margin above the balance: 59103.  No "not
modified" code: setting the value in force answers the same echo.  ``account/positions``
lists open positions only (``pos`` = value / (ctVal x mark) contracts, signed in net mode;
``notionalUsd`` the simulator's value, USD taken as USDT).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ...sim import kit
from ...sim.ladders import fmt
from ...sim.wire import Reply, Request, parse_number
from .._resolve import listed_instrument
from .dialect import okx_signature

if TYPE_CHECKING:
    from ...sim.core import RateInfo, Simulator

__all__ = [
    "CONTRACT_VALUES",
    "EXCHANGE",
    "contract_value",
    "dispatch",
    "instrument",
    "rate_limited",
]

EXCHANGE = "okx"
#: Contract value by base coin (OKX's BTC-USDT-SWAP is 0.01 BTC; reference/okx_*); 1 else.
CONTRACT_VALUES = {"BTC": 0.01, "ETH": 0.1}
#: Coin-margined swaps' contract value in USD: BTC-USD-SWAP ``ctVal`` "100" (the recorded
#: instruments row, docs/instruments.md §3.6); 10 USD for the others, a simulator figure
#: (the client reads ``ctVal``, never assumes it).
INVERSE_CONTRACT_VALUES = {"BTC": 100.0}
INVERSE_CONTRACT_VALUE = 10.0


def contract_value(symbol: str) -> float:
    """``ctVal`` of a simulated swap: coins per contract (linear), USD (inverse).

    >>> contract_value("BTC-USDT-SWAP"), contract_value("BTC-USD-SWAP"), contract_value("ETH-USD-SWAP")
    (0.01, 100.0, 10.0)
    """
    base, quote = _parts(symbol)
    if quote == "USD":
        return INVERSE_CONTRACT_VALUES.get(base, INVERSE_CONTRACT_VALUE)
    return CONTRACT_VALUES.get(base, 1.0)


#: A timestamp further than this from the server clock is expired (50102).
WINDOW_MS = 30_000
_MODES = ("cross", "isolated")


_answer = kit.Envelope(
    ("code", kit.CODE), ("msg", kit.MSG), ("data", kit.DATA), empty=list, code_text=True
)


def rate_limited(sim: Simulator, req: Request, info: RateInfo, code: int | None = None) -> Reply:
    """HTTP 429 ``{"msg":"Too Many Requests","code":"50011"}`` (no reset header: OKX
    documents none)."""
    return _answer(req, None, code or 50011, "Too Many Requests", status=429 if not code else 200)


def _parts(symbol: str) -> tuple[str, str]:
    base, _, rest = symbol.partition("-")
    return base, rest.partition("-")[0]


def _mark(sim: Simulator, symbol: str) -> float:
    base, quote = _parts(symbol)
    return sim.price(f"{base}-{quote}")


def _inst_type(symbol: str) -> str:
    """``SWAP`` or ``FUTURES``: the instrument's own type."""
    return listed_instrument(symbol, EXCHANGE).category


def instrument(sim: Simulator, symbol: str) -> dict[str, Any]:
    """The instruments row of a simulated swap or future."""
    base, quote = _parts(symbol)
    family = f"{base}-{quote}"
    return {
        "instType": _inst_type(symbol),
        "instId": symbol,
        "uly": family,
        "instFamily": family,
        "ctVal": fmt(contract_value(symbol)),
        "ctMult": "1",
        "ctType": "inverse" if quote == "USD" else "linear",
        "ctValCcy": "USD" if quote == "USD" else base,
        "settleCcy": base if quote == "USD" else quote,
        "lever": fmt(sim.ladder("okx", symbol).top_leverage),
        "lotSz": "0.1" if base in CONTRACT_VALUES and quote != "USD" else "1",
        "minSz": "0.1" if base in CONTRACT_VALUES and quote != "USD" else "1",
        "state": "live",
    }


def _authenticate(sim: Simulator, req: Request) -> Reply | None:
    key = req.header("OK-ACCESS-KEY") or ""
    secret = sim.keys.get(key)
    if secret is None:
        return _answer(req, code=50111, msg="Invalid OK-ACCESS-KEY", status=401)
    if kit.passphrase_problem(sim, key, req.header("OK-ACCESS-PASSPHRASE") or ""):
        return _answer(req, code=50105, msg="Invalid OK-ACCESS-PASSPHRASE", status=401)
    ts = req.header("OK-ACCESS-TIMESTAMP") or ""
    try:
        when = datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    except ValueError:
        return _answer(req, code=50112, msg="Invalid OK-ACCESS-TIMESTAMP", status=401)
    if kit.check_timestamp(req.now_ms, when.timestamp() * 1000, WINDOW_MS):
        return _answer(req, code=50102, msg="Timestamp request expired", status=401)
    path = req.path + (f"?{req.query}" if req.query else "")
    body = req.body.decode("utf-8", "replace")
    expected = okx_signature(secret, ts, req.method, path, body)
    if not kit.verify_hmac(req.header("OK-ACCESS-SIGN"), expected):
        return _answer(req, code=50113, msg="Invalid Sign", status=401)
    return None


def _swap_type(req: Request, params: dict[str, Any]) -> Reply | None:
    if params.get("instType") not in ("SWAP", "FUTURES"):
        return _answer(
            req, code=51000, msg="Parameter instType error (the simulator lists SWAP, FUTURES)"
        )
    return None


def _known(sim: Simulator, symbol: str) -> bool:
    return sim.find_ladder("okx", symbol) is not None


def _time(sim: Simulator, req: Request, params: dict[str, Any]) -> Reply:
    return _answer(req, [{"ts": str(req.now_ms)}])


def _swaps(sim: Simulator, req: Request, params: dict[str, Any]) -> list[str] | Reply:
    """The ``instId`` asked for, or every swap; a :class:`Reply` on bad parameters."""
    error = _swap_type(req, params)
    if error is not None:
        return error
    sym, kind = params.get("instId"), params.get("instType")
    if sym and not (_known(sim, sym) and _inst_type(sym) == kind):
        return _answer(req, code=51001, msg="Instrument ID does not exist")
    return [sym] if sym else [s for s in sim.symbols("okx") if _inst_type(s) == kind]


def _instruments(sim: Simulator, req: Request, params: dict[str, Any]) -> Reply:
    symbols = _swaps(sim, req, params)
    if isinstance(symbols, Reply):
        return symbols
    return _answer(req, [instrument(sim, s) for s in symbols])


def _mark_price(sim: Simulator, req: Request, params: dict[str, Any]) -> Reply:
    symbols = _swaps(sim, req, params)
    if isinstance(symbols, Reply):
        return symbols
    rows = [
        {
            "instType": _inst_type(s),
            "instId": s,
            "markPx": fmt(_mark(sim, s)),
            "ts": str(req.now_ms),
        }
        for s in symbols
    ]
    return _answer(req, rows)


def _position_tiers(sim: Simulator, req: Request, params: dict[str, Any]) -> Reply:
    error = _swap_type(req, params)
    if error is not None:
        return error
    if params.get("tdMode") not in _MODES:
        return _answer(req, code=51000, msg="Parameter tdMode error")
    by_family = bool(params.get("instFamily"))
    text = params.get("instFamily") or params.get("uly") or ""
    if not text:
        return _answer(req, code=51000, msg="Parameter instFamily can not be empty")
    families = text.split(",")
    if len(families) > (5 if by_family else 3):
        return _answer(req, code=51000, msg="Parameter instFamily error: no more than 5")
    kind = params.get("instType")
    swaps: dict[str, str] = {}
    for s in sim.symbols("okx"):  # sorted: a FUTURES family's first expiry
        if _inst_type(s) == kind:
            swaps.setdefault(f"{_parts(s)[0]}-{_parts(s)[1]}", s)
    rows: list[dict[str, Any]] = []
    for family in families:
        symbol = swaps.get(family)
        if symbol is None:
            return _answer(req, code=51000, msg=f"Parameter instFamily error: {family}")
        lad = sim.ladder("okx", symbol)
        contract = float(instrument(sim, symbol)["ctVal"])
        unit = contract if _parts(symbol)[1] == "USD" else contract * _mark(sim, symbol)
        previous = None
        for i, cap in enumerate(lad.caps):
            size = round(cap / unit, 4)
            rows.append(
                {
                    "uly": family,
                    "instFamily": family,
                    "instId": "",
                    "tier": str(i + 1),
                    "minSz": "0" if previous is None else fmt(previous + 1),
                    "maxSz": fmt(size),
                    "mmr": fmt(lad.mmr[i]),
                    "imr": fmt(lad.imr[i]),
                    "maxLever": fmt(lad.max_leverage[i]),
                    "optMgnFactor": "0",
                    "quoteMaxLoan": "",
                    "baseMaxLoan": "",
                }
            )
            previous = size
    return _answer(req, rows)


def _config(sim: Simulator, req: Request, params: dict[str, Any]) -> Reply:
    acct = sim.account("okx")
    mode = "long_short_mode" if acct.hedge else "net_mode"
    return _answer(req, [{"acctLv": "2", "posMode": mode, "perm": "read_only,trade", "uid": "1"}])


def _leverage_info(sim: Simulator, req: Request, params: dict[str, Any]) -> Reply:
    mode = params.get("mgnMode")
    if mode not in _MODES:
        return _answer(req, code=51000, msg="Parameter mgnMode error")
    symbols = [s for s in str(params.get("instId") or "").split(",") if s]
    if not symbols or len(symbols) > 20:
        return _answer(req, code=51000, msg="Parameter instId error")
    acct = sim.account("okx")
    rows = []
    for sym in symbols:
        if not _known(sim, sym):
            return _answer(req, code=51001, msg="Instrument ID does not exist")
        state = sim.lev_state("okx", sym)
        sides = ("long", "short") if acct.hedge else ("net",)
        for side in sides:
            value = state["long" if side == "net" else side]
            rows.append(
                {"ccy": "", "instId": sym, "mgnMode": mode, "posSide": side, "lever": fmt(value)}
            )
    return _answer(req, rows)


def _position_row(sim: Simulator, symbol: str, side: str, net: bool) -> dict[str, Any] | None:
    """The ``account/positions`` row of an open position (None when flat): ``pos`` in
    contracts at the current mark (signed in net mode), ``notionalUsd`` its value."""
    pos = sim.account("okx").positions.get((symbol, side))
    if pos is None or pos.value <= 0:
        return None
    base, quote = _parts(symbol)
    contract = contract_value(symbol)
    mark = _mark(sim, symbol)
    size = pos.value / (contract if quote == "USD" else contract * mark)
    sign = -1.0 if net and side == "short" else 1.0
    lever = sim.lev_state("okx", symbol)[side]
    return {
        "instType": _inst_type(symbol),
        "instId": symbol,
        "mgnMode": sim.account("okx").margin_mode,
        "posId": f"{pos.created_ms}{1 if side == 'long' else 2}",
        "posSide": "net" if net else side,
        "pos": repr(sign * size),
        "posCcy": "",
        "availPos": repr(size),
        "avgPx": fmt(pos.price),
        "markPx": fmt(mark),
        "upl": "0",
        "lever": fmt(lever),
        "liqPx": "",
        "imr": fmt(round(pos.value / lever, 8)),
        "margin": "",
        "mmr": "",
        "notionalUsd": fmt(pos.value),
        "ccy": "USDT" if quote == "USDT" else base,
        "cTime": str(pos.created_ms),
        "uTime": str(pos.created_ms),
    }


def _positions(sim: Simulator, req: Request, params: dict[str, Any]) -> Reply:
    """Open positions only (OKX lists no flat rows), of ``instId`` or of every swap."""
    kind = params.get("instType") or None
    if kind not in (None, "SWAP", "FUTURES"):
        return _answer(req, [])  # the simulator holds swaps and futures only
    symbols = [s for s in str(params.get("instId") or "").split(",") if s]
    if any(not _known(sim, s) for s in symbols):
        return _answer(req, code=51001, msg="Instrument ID does not exist")
    net = not sim.account("okx").hedge
    every = [s for s in sim.symbols("okx") if kind is None or _inst_type(s) == kind]
    rows = [
        row
        for sym in symbols or every
        for side in ("long", "short")
        if (row := _position_row(sim, sym, side, net)) is not None
    ]
    return _answer(req, rows)


def _set_leverage(sim: Simulator, req: Request, params: dict[str, Any]) -> Reply:
    sym = str(params.get("instId") or "")
    if not sym:
        return _answer(req, code=51000, msg="Parameter instId can not be empty")
    if not _known(sim, sym):
        return _answer(req, code=51001, msg="Instrument ID does not exist")
    mode = params.get("mgnMode")
    if mode not in _MODES:
        return _answer(req, code=51000, msg="Parameter mgnMode error")
    value = parse_number(params.get("lever"))
    if value is None or value < 1 or abs(value * 100 - round(value * 100)) > 1e-6:
        return _answer(req, code=51000, msg="Parameter lever error")
    acct, lad = sim.account("okx"), sim.ladder("okx", sym)
    if value > lad.top_leverage + 1e-9:
        return _answer(req, code=59102, msg="Leverage exceeds the maximum leverage")
    pos_side = str(params.get("posSide") or "")
    if acct.hedge and mode == "isolated":
        if pos_side not in ("long", "short"):
            return _answer(req, code=51000, msg="Parameter posSide error")
        sides = [pos_side]
    else:
        sides = ["long", "short"]
    for side in sides:
        held = acct.position_value(sym, side)
        if value > lad.max_leverage_at(held) + 1e-9:
            return _answer(
                req,
                code=59104,
                msg=(
                    f"The leverage is too high. The position {fmt(held)} exceeds the maximum "
                    f"of {fmt(value)}x ({fmt(lad.max_leverage_at(held))}x at most)"
                ),
            )
        if held / value > acct.balance:
            return _answer(
                req, code=59103, msg="Account margin is insufficient, leverage is too low"
            )
    state = sim.lev_state("okx", sym)
    for side in sides:
        state[side] = float(value)
    echo = {"lever": fmt(value), "mgnMode": mode, "instId": sym, "posSide": pos_side}
    return _answer(req, [echo])


_ROUTES = {
    ("GET", "/api/v5/public/time"): _time,
    ("GET", "/api/v5/public/instruments"): _instruments,
    ("GET", "/api/v5/public/mark-price"): _mark_price,
    ("GET", "/api/v5/public/position-tiers"): _position_tiers,
    ("GET", "/api/v5/account/config"): _config,
    ("GET", "/api/v5/account/leverage-info"): _leverage_info,
    ("POST", "/api/v5/account/set-leverage"): _set_leverage,
    ("GET", "/api/v5/account/positions"): _positions,
}

#: Answer one OKX v5 request.
dispatch = kit.Dispatch(
    _ROUTES,
    not_found=lambda req: _answer(req, code=50014, msg=f"Path not found: {req.path}", status=404),
    public=lambda path: path.startswith("/api/v5/public/"),
    authenticate=_authenticate,
    rate_limited=rate_limited,
    bad_body=lambda req: _answer(req, code=50002, msg="Body is not a JSON object"),
)
