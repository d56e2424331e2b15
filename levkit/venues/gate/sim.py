"""Gate API v4 futures (USDT settle) endpoints of the simulator.

No envelope: answers are the resource itself (HTTP 200); errors are HTTP 4xx with
``{"label", "message"}`` like Gate.  Routes (paths carry ``/api/v4``, see ``spec.py``):
``GET /api/v4/spot/time``, ``GET .../risk_limit_tiers`` (public; one ``contract`` or
``limit``/``offset`` pages of markets, ``limit`` 1..1000, default 100),
``GET .../contracts/{contract}`` (public), ``GET .../positions/{contract}``,
``GET .../dual_comp/positions/{contract}``, ``POST .../positions/{contract}/leverage`` and
``POST .../dual_comp/positions/{contract}/leverage`` (signed).

Signed calls are checked in this order: ``KEY`` known (401 ``INVALID_KEY``), ``Timestamp``
(seconds) within 60 s of the server clock (401 ``REQUEST_EXPIRED``; Gate's window is not
confirmed in the notes: 60 s is this simulator's choice), ``SIGN`` over the path, the raw
query and the SHA-512 of the raw body (401 ``INVALID_SIGNATURE``), then the per-endpoint
limit (429 ``TOO_MANY_REQUESTS``).  Every answer of a limited endpoint carries
``X-Gate-RateLimit-Limit``, ``-Requests-Remain`` and ``-Reset-Timestamp`` (ms).

State: leverage lives in ``sim.lev_state("gate", symbol)`` (long and short alike: Gate
sets one leverage per contract); the margin mode of each contract starts at the account's
(``sim.set_margin_mode("gate", ...)``, default cross) and follows the leverage calls
(``leverage=0`` cross at ``cross_leverage_limit``, else isolated).  Dual mode is the
account's ``hedge`` flag: then the single-position endpoints answer ``POSITION_DUAL_MODE``.
Leverage above the symbol's top: ``LEVERAGE_TOO_HIGH``; below 1: ``LEVERAGE_TOO_LOW``;
above the maximum of the tier holding the open position: ``RISK_LIMIT_EXCEEDED``.
Asking the dual endpoints in single mode answers ``INVALID_PARAM_VALUE`` (Gate's label
for that case: not found).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ...frames import tiers_frame
from ...sim import kit
from ...sim.ladders import fmt
from ...sim.wire import Reply, Request, json_reply, parse_number
from .dialect import RATE_HEADERS, gate_signature
from .spec import VENUE

if TYPE_CHECKING:
    import pandas as pd

    from ...sim.core import RateInfo, Simulator
    from .client import Gate

__all__ = ["dispatch", "rate_limited", "demo_ladder", "demo_client", "EXCHANGE", "WINDOW_S"]

EXCHANGE = VENUE.name
#: How far (seconds) a request's ``Timestamp`` may be from the server clock.
WINDOW_S = 60
_F = "/api/v4/futures/usdt"
_MARGIN = "_gate_margin_modes"


def demo_ladder() -> pd.DataFrame:
    """A two-tier Gate ladder for examples: BTC_USDT 125x up to 1e6, 50x up to 2e6."""
    return tiers_frame(
        {
            "exchange": "gate",
            "symbol": "BTC_USDT",
            "max_notional": [1e6, 2e6],
            "max_leverage": [125, 50],
        },
        source="api",
    )


def demo_client(sim: Simulator | None = None) -> Gate:
    """A keyed :class:`~levkit.Gate` on ``sim`` (default: a new simulator holding
    :func:`demo_ladder`), for examples."""
    from ...sim.core import DEMO_KEY, DEMO_SECRET, Simulator
    from .client import Gate

    sim = Simulator(tiers=demo_ladder()) if sim is None else sim
    return Gate(DEMO_KEY, DEMO_SECRET, session=sim.session())


def _error(label: str, message: str, status: int = 400, headers: dict | None = None) -> Reply:
    return json_reply({"label": label, "message": message}, status=status, headers=headers)


def _limit_headers(info: RateInfo) -> dict[str, str]:
    said = {"limit": info.limit, "remaining": info.remaining, "reset_ms": int(info.reset_at * 1000)}
    return {name: str(said[key]) for key, name in RATE_HEADERS.items()}


def rate_limited(sim: Simulator, req: Request, info: RateInfo, code: Any = None) -> Reply:
    """HTTP 429 ``TOO_MANY_REQUESTS`` with the ``X-Gate-RateLimit-*`` headers (and the
    gateway's in/out times)."""
    reply = _error(
        str(code) if isinstance(code, str) else "TOO_MANY_REQUESTS",
        "Request Rate limit Exceeded",
        status=429,
        headers=_limit_headers(info),
    )
    return _stamped(reply, req)


def _authenticate(sim: Simulator, req: Request) -> Reply | None:
    key = req.header("KEY") or ""
    secret = sim.keys.get(key)
    if not key or secret is None:
        return _error("INVALID_KEY", "Invalid key provided", 401)
    ts = req.header("Timestamp") or ""
    try:
        seconds = float(ts)
    except ValueError:
        return _error("REQUEST_EXPIRED", "Timestamp is not a number", 401)
    if kit.check_timestamp(req.now, seconds, WINDOW_S):
        return _error(
            "REQUEST_EXPIRED",
            f"gap between request Timestamp {ts} and server time {int(req.now)} exceeds {WINDOW_S}",
            401,
        )
    body = req.body.decode("utf-8", "replace")
    expected = gate_signature(secret, req.method, req.path, req.query, body, ts)
    if not kit.verify_hmac(req.header("SIGN"), expected):
        return _error("INVALID_SIGNATURE", "Signature mismatch", 401)
    return None


_ROUTES: list[tuple[str, re.Pattern, str, bool]] = [
    ("GET", re.compile(r"/api/v4/spot/time"), "_time", False),
    ("GET", re.compile(rf"{_F}/risk_limit_tiers"), "_tiers", False),
    ("GET", re.compile(rf"{_F}/contracts/(?P<c>[^/]+)"), "_contract", False),
    ("GET", re.compile(rf"{_F}/positions/(?P<c>[^/]+)"), "_position", True),
    ("GET", re.compile(rf"{_F}/dual_comp/positions/(?P<c>[^/]+)"), "_dual_position", True),
    ("POST", re.compile(rf"{_F}/positions/(?P<c>[^/]+)/leverage"), "_set_leverage", True),
    ("POST", re.compile(rf"{_F}/dual_comp/positions/(?P<c>[^/]+)/leverage"), "_set_dual", True),
]
#: handler name -> the spec's path template (the rate-limit key)
_TEMPLATES = {
    "_time": VENUE.endpoint("time").path,
    "_tiers": VENUE.endpoint("ladder").path,
    "_contract": VENUE.endpoint("contract").path,
    "_position": VENUE.endpoint("position").path,
    "_dual_position": VENUE.endpoint("dual_position").path,
    "_set_leverage": VENUE.endpoint("set_leverage").path,
    "_set_dual": VENUE.endpoint("dual_set_leverage").path,
}


def dispatch(sim: Simulator, req: Request) -> Reply:
    """Answer one Gate v4 request; every answer carries ``X-In-Time``/``X-Out-Time`` (the
    server clock in microseconds, as Gate's gateway sends them)."""
    return _stamped(_route(sim, req), req)


def _stamped(reply: Reply, req: Request) -> Reply:
    stamp = str(int(req.now * 1_000_000))
    reply.headers.update({"X-In-Time": stamp, "X-Out-Time": stamp})
    return reply


def _route(sim: Simulator, req: Request) -> Reply:
    for method, pattern, name, signed in _ROUTES:
        match = pattern.fullmatch(req.path)
        if match is None:
            continue
        if method != req.method:
            return _error("METHOD_NOT_ALLOWED", f"{req.method} not allowed", 405)
        if signed:
            error = _authenticate(sim, req)
            if error is not None:
                return error
        info = sim.rate(req.method, _TEMPLATES[name], req.now)
        if info is not None and not info.allowed:
            return rate_limited(sim, req, info)
        contract = match.groupdict().get("c") or ""  # "": a route without one
        reply = globals()[name](sim, req, contract)
        if info is not None:
            reply.headers.update(_limit_headers(info))
        return reply
    return _error("NOT_FOUND", f"no route for {req.method} {req.path}", 404)


def _known(sim: Simulator, contract: str) -> Reply | None:
    if not contract or sim.find_ladder(EXCHANGE, contract) is None:
        return _error("CONTRACT_NOT_FOUND", f"Contract not found: {contract}")
    return None


def _time(sim: Simulator, req: Request, contract: str) -> Reply:
    return json_reply({"server_time": req.now_ms})


def _tier_rows(sim: Simulator, symbol: str, with_contract: bool) -> list[dict[str, Any]]:
    lad = sim.ladder(EXCHANGE, symbol)
    rows = []
    for i, cap in enumerate(lad.caps):
        row = {
            "tier": i + 1,
            "risk_limit": fmt(cap),
            "initial_rate": fmt(round(lad.imr[i], 8)),
            "maintenance_rate": fmt(round(lad.mmr[i], 8)),
            "leverage_max": fmt(lad.max_leverage[i]),
            "deduction": fmt(round(lad.deduction[i], 8)),
        }
        if with_contract:
            row["contract"] = symbol
        rows.append(row)
    return rows


def _tiers(sim: Simulator, req: Request, _: str) -> Reply:
    params = req.params
    if params.get("contract"):
        error = _known(sim, params["contract"])
        return error or json_reply(_tier_rows(sim, params["contract"], False))
    limit = parse_number(params.get("limit") or 100)
    offset = parse_number(params.get("offset") or 0)
    if limit is None or not 1 <= limit <= 1000 or limit != int(limit):
        return _error("INVALID_PARAM_VALUE", "limit must be an integer in [1, 1000]")
    if offset is None or offset < 0 or offset != int(offset):
        return _error("INVALID_PARAM_VALUE", "offset must be a non-negative integer")
    markets = kit.page(sim.symbols(EXCHANGE), int(offset), int(limit))[0]
    return json_reply([row for m in markets for row in _tier_rows(sim, m, True)])


def _contract(sim: Simulator, req: Request, contract: str) -> Reply:
    error = _known(sim, contract)
    if error is not None:
        return error
    lad = sim.ladder(EXCHANGE, contract)
    return json_reply(
        {
            "name": contract,
            "type": "direct",
            "quanto_multiplier": "0.0001",
            "leverage_min": "1",
            "leverage_max": fmt(lad.top_leverage),
            "mark_price": fmt(sim.price(contract)),
            "status": "trading",
            "in_delisting": False,
        }
    )


def _margin_modes(sim: Simulator) -> dict[str, str]:
    modes = getattr(sim, _MARGIN, None)
    if modes is None:
        modes = {}
        setattr(sim, _MARGIN, modes)
    return modes


def _position_row(sim: Simulator, contract: str, mode: str) -> dict[str, Any]:
    acct, lad = sim.account(EXCHANGE), sim.ladder(EXCHANGE, contract)
    side = {"single": None, "dual_long": "long", "dual_short": "short"}[mode]
    if side is None:
        pos = next((acct.positions.get((contract, s)) for s in ("long", "short")
                    if acct.positions.get((contract, s))), None)  # fmt: skip
    else:
        pos = acct.positions.get((contract, side))
    lev = sim.lev_state(EXCHANGE, contract)["long" if side is None else side]
    margin = _margin_modes(sim).get(contract, acct.margin_mode)
    value = pos.value if pos else 0.0
    tier = lad.tier_index(value)
    price = sim.price(contract)
    size = round(value / price / 0.0001) if pos else 0
    if pos and pos.side == "short":
        size = -size
    return {
        "user": 10000,
        "contract": contract,
        "size": size,
        "leverage": "0" if margin == "cross" else fmt(lev),
        "risk_limit": fmt(lad.caps[tier]),
        "leverage_max": fmt(lad.max_leverage[tier]),
        "maintenance_rate": fmt(lad.mmr[tier]),
        "value": fmt(round(value, 8)),
        "margin": fmt(round(value / lev, 8)),
        "entry_price": fmt(pos.price) if pos else "0",
        "mark_price": fmt(price),
        "mode": mode,
        "cross_leverage_limit": fmt(lev) if margin == "cross" else "0",
        "pos_margin_mode": margin,
        "update_time": int(sim.now()),
    }


def _position(sim: Simulator, req: Request, contract: str) -> Reply:
    error = _known(sim, contract)
    if error is not None:
        return error
    if sim.account(EXCHANGE).hedge:
        return _error("POSITION_DUAL_MODE", "Operation forbidden in dual-mode")
    return json_reply(_position_row(sim, contract, "single"))


def _dual_position(sim: Simulator, req: Request, contract: str) -> Reply:
    error = _known(sim, contract)
    if error is not None:
        return error
    if not sim.account(EXCHANGE).hedge:
        return _error("INVALID_PARAM_VALUE", "dual mode is not enabled")
    return json_reply([_position_row(sim, contract, m) for m in ("dual_long", "dual_short")])


def _apply_leverage(sim: Simulator, req: Request, contract: str) -> Reply | None:
    params = req.params
    lev = parse_number(params.get("leverage"))
    if lev is None:
        return _error("INVALID_PARAM_VALUE", "leverage is required")
    cross = lev == 0
    if cross:
        lev = parse_number(params.get("cross_leverage_limit"))
        if lev is None or lev == 0:
            return _error("INVALID_PARAM_VALUE", "cross_leverage_limit is required with leverage 0")
    lad, acct = sim.ladder(EXCHANGE, contract), sim.account(EXCHANGE)
    if lev < 1:
        return _error("LEVERAGE_TOO_LOW", f"leverage {fmt(lev)} is below 1")
    if lev > lad.top_leverage + 1e-9:
        return _error(
            "LEVERAGE_TOO_HIGH", f"leverage {fmt(lev)} above the maximum {fmt(lad.top_leverage)}"
        )
    for side in ("long", "short"):
        held = acct.position_value(contract, side)
        if held and lev > lad.max_leverage_at(held) + 1e-9:
            return _error(
                "RISK_LIMIT_EXCEEDED",
                f"leverage {fmt(lev)} above {fmt(lad.max_leverage_at(held))} allowed for a "
                f"position of {fmt(held)}",
            )
    state = sim.lev_state(EXCHANGE, contract)
    state.update({"long": float(lev), "short": float(lev)})
    _margin_modes(sim)[contract] = "cross" if cross else "isolated"
    return None


def _set_leverage(sim: Simulator, req: Request, contract: str) -> Reply:
    error = _known(sim, contract)
    if error is not None:
        return error
    if sim.account(EXCHANGE).hedge:
        return _error("POSITION_DUAL_MODE", "Operation forbidden in dual-mode")
    error = _apply_leverage(sim, req, contract)
    return error or json_reply(_position_row(sim, contract, "single"))


def _set_dual(sim: Simulator, req: Request, contract: str) -> Reply:
    error = _known(sim, contract)
    if error is not None:
        return error
    if not sim.account(EXCHANGE).hedge:
        return _error("INVALID_PARAM_VALUE", "dual mode is not enabled")
    error = _apply_leverage(sim, req, contract)
    rows = [_position_row(sim, contract, m) for m in ("dual_long", "dual_short")]
    return error or json_reply(rows)
