"""Gate API v4 futures, USDT settle: what levkit knows about the API, as data.

Sources (``../shared/API_NOTES_VENUES.md``, Gate): [T1] gateio/gateapi-python
``docs/FuturesApi.md``, ``Position.md``, ``FuturesLimitRiskTiers.md``, ``SpotApi.md``;
[T3]/[T4] www.gate.com/docs/developers/apiv4/ (hosts, limits, headers, error labels);
[T6] ccxt's gate exception map.

Base URLs and paths: Gate documents ``https://api.gateio.ws/api/v4`` as the base URL, but
the signature covers the *full* path ``/api/v4/futures/...``.  levkit keeps the
``/api/v4`` prefix in the endpoint paths and the hosts bare, so the path signed is the
path sent, and a simulator on ``http://127.0.0.1:port`` serves the same paths
(simulator prefixes ``/api/v4/futures/`` and ``/api/v4/spot/time``).

Paths with ``{contract}`` are templates the client fills; rate limits are declared (and
counted by the simulator) per template, i.e. per endpoint, as Gate counts them.
"""

from __future__ import annotations

from ...errors import (
    AuthenticationError,
    ExchangeError,
    ExchangeLeverageError,
    PositionModeError,
    RateLimitError,
)
from .._spec import (
    COIN,
    Capabilities,
    Endpoint,
    ErrorRule,
    LiquidationRule,
    MarginRule,
    RateLimit,
    Refusal,
    Spelling,
    SymbolRule,
    Venue,
    frozen_map,
)

_LIQUIDATION_PAGE = "gate.io/help/futures/futures/27724/liquidation-price-bankruptcy-price"

#: Gate v4 docs "Frequency limit rule" [T3]: public endpoints 200 requests / 10 s per
#: endpoint per IP; private futures endpoints 200 / 10 s per endpoint per UID.
_LIMITS = "Gate v4 docs, frequency limit rule: 200 requests / 10 s per endpoint"


def _public() -> RateLimit:
    return RateLimit(200, 10.0, scope="ip", source=_LIMITS + " per IP")


def _private() -> RateLimit:
    return RateLimit(200, 10.0, scope="account", source=_LIMITS + " per UID")


_F = "/api/v4/futures/usdt"

#: USDT-settled perpetuals ``BTC_USDT`` under ``/futures/usdt`` (ccxt gate.py
#: ``parse_contract_market``: ``name.split('_')``, settle from the URL).  Not read in 0.3
#: (docs/instruments.md §3.8): BTC-settled ``BTC_USD`` (the unit of its ``risk_limit`` is
#: inferred only), delivery ``BTC_USDT_20200814`` (``/delivery/usdt/risk_limit_tiers``: no
#: example or recording to test a parser on), and USDC (none found).
SYMBOLS = SymbolRule(
    kinds=(
        Spelling(
            "linear", rf"(?P<base>{COIN})_USDT", "{base}_USDT", category="usdt",
            shorthand=True, label="USDT perpetual", example="BTC_USDT",
        ),
    ),
    refused=(
        Refusal(
            "levkit does not read Gate's BTC-settled (coin-margined) futures: the unit of "
            "their risk_limit is not confirmed", kind="inverse", native=rf"{COIN}_USD",
            example="BTC_USD",
        ),
        Refusal(
            "levkit does not read Gate's delivery (dated) futures yet: no published example "
            "or recording of /delivery/usdt/risk_limit_tiers to check a parser against",
            dated=True, native=rf"{COIN}_USDT_\d{{8}}", example="BTC_USDT_20200814",
        ),
        Refusal("Gate lists no USDC-settled futures", kind="linear", quotes=("USDC",),
                native=rf"{COIN}_USDC", example="BTC_USDC"),
    ),
)  # fmt: skip

VENUE = Venue(
    name="gate",
    client="levkit.venues.gate.client:Gate",
    title="Gate API v4 futures (USDT)",
    aliases=("gateio", "gate.io", "gate-futures"),
    hosts=frozen_map(
        {"mainnet": "https://api.gateio.ws", "testnet": "https://api-testnet.gateapi.io"}
    ),
    env_prefix="GATE",
    passphrase=False,
    symbols=SYMBOLS,
    endpoints=frozen_map(
        {
            # [T1] SpotApi.md get_system_time: {"server_time": epoch ms}
            "time": Endpoint("GET", "/api/v4/spot/time", limit=_public()),
            "ladder": Endpoint("GET", f"{_F}/risk_limit_tiers", limit=_public()),
            "contract": Endpoint("GET", f"{_F}/contracts/{{contract}}", limit=_public()),
            "position": Endpoint(
                "GET", f"{_F}/positions/{{contract}}", signed=True, limit=_private()
            ),
            "dual_position": Endpoint(
                "GET", f"{_F}/dual_comp/positions/{{contract}}", signed=True, limit=_private()
            ),
            "set_leverage": Endpoint(
                "POST", f"{_F}/positions/{{contract}}/leverage", signed=True, limit=_private()
            ),
            "dual_set_leverage": Endpoint(
                "POST",
                f"{_F}/dual_comp/positions/{{contract}}/leverage",
                signed=True,
                limit=_private(),
            ),
        }
    ),
    # Labels, not numbers: Gate answers HTTP 4xx with {"label", "message"} [T3, T6].
    errors=frozen_map(
        {
            "INVALID_KEY": ErrorRule(
                AuthenticationError, "invalid API key (check GATE_API_KEY, testnet vs mainnet)"
            ),
            "MISSING_REQUIRED_HEADER": ErrorRule(AuthenticationError, "authentication headers"),
            "INVALID_SIGNATURE": ErrorRule(
                AuthenticationError, "signature error: the API secret does not match the key"
            ),
            "REQUEST_EXPIRED": ErrorRule(
                AuthenticationError, "request timestamp too far from the server clock"
            ),
            "IP_FORBIDDEN": ErrorRule(AuthenticationError, "this IP is not on the key's whitelist"),
            "FORBIDDEN": ErrorRule(AuthenticationError, "the key lacks the futures permission"),
            "READ_ONLY": ErrorRule(AuthenticationError, "the API key is read-only"),
            "TOO_FAST": ErrorRule(RateLimitError, "too many requests"),
            "TOO_MANY_REQUESTS": ErrorRule(RateLimitError, "too many requests"),
            "CONTRACT_NOT_FOUND": ErrorRule(ExchangeError, "no such USDT futures contract"),
            "LEVERAGE_TOO_HIGH": ErrorRule(ExchangeLeverageError, "leverage too high"),
            "LEVERAGE_TOO_LOW": ErrorRule(ExchangeLeverageError, "leverage too low"),
            "RISK_LIMIT_EXCEEDED": ErrorRule(
                ExchangeLeverageError,
                "the position is above the cap of the tier allowing this leverage",
            ),
            "LIQUIDATE_IMMEDIATELY": ErrorRule(
                ExchangeError, "this leverage would liquidate the open position at once"
            ),
            "POSITION_CROSS_MARGIN": ErrorRule(
                ExchangeError, "not allowed while the position is in cross margin"
            ),
            "POSITION_DUAL_MODE": ErrorRule(
                PositionModeError, "operation forbidden in dual (hedge) mode"
            ),
            "INVALID_PARAM_VALUE": ErrorRule(ExchangeError, "parameter error"),
            "SERVER_ERROR": ErrorRule(ExchangeError, "Gate server error", retryable=True),
        }
    ),
    # Leverage step: not found in the docs; ladders carry 83.33 (ccxt PR #20879), so
    # levkit allows two decimals and lets Gate refuse what it does not take.
    capabilities=Capabilities(
        public_ladder=True, set_leverage=True, hedge_mode=True, leverage_step=0.01
    ),
    # gate.io/help/futures/futures/27724/liquidation-price-bankruptcy-price (quoted in
    # freqtrade exchange.py): (EP ∓ M/Q) / (1 ∓ (r + f)), "-" long "+" short, tier of the
    # position value.  That page has no deduction; with Gate's per-slice MM (2025-07-29)
    # the common form with D is derived, not published.
    liquidation=frozen_map(
        {"linear": LiquidationRule("denominator", "entry", source=_LIQUIDATION_PAGE)}
    ),
    # risk_limit_tiers publishes "deduction" (answers of January 2024 had none).  Missing:
    # Gate's "Leverage and Margin" pages (gate.com/futures-introduction/margin/..., read
    # through a mirror): MM "is calculated using a tiered approach ... applying the next
    # tier's MMR only to the portion exceeding the previous limit": the recursion.
    maintenance=MarginRule(
        "published", source="risk_limit_tiers deduction; gate.com futures-introduction/margin"
    ),
    sim="levkit.venues.gate.sim",
    sim_prefixes=("/api/v4/futures/", "/api/v4/spot/time"),
    symbol_example="BTC_USDT",
    docs=(
        "https://www.gate.com/docs/developers/apiv4/",
        "https://github.com/gateio/gateapi-python/blob/master/docs/FuturesApi.md",
    ),
)
