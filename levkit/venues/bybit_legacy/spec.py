"""Bybit's abandoned v2 leverage endpoints, as data (see ``API_NOTES.md``, Bybit legacy v2).

Bybit abandoned ``/user/leverage`` and ``/user/leverage/save`` in late 2020 and has taken
v2 offline; levkit keeps them for old scripts.  Limits: v2 docs "rate-limits" (GET
``/user/leverage`` 120 / min, POST ``/user/leverage/save`` 75 / min per UID).
"""

from __future__ import annotations

from ...errors import AuthenticationError, ExchangeError, ExchangeLeverageError
from .._spec import (
    COIN,
    Capabilities,
    Endpoint,
    ErrorRule,
    RateLimit,
    Refusal,
    Spelling,
    SymbolRule,
    Venue,
    frozen_map,
)
from ..bybit.spec import INVERSE_LIQUIDATION, LINEAR_LIQUIDATION, MAINTENANCE, SHARED_ERRORS

_NOT_MODIFIED = ErrorRule(ExchangeError, "leverage not modified")

#: ``/user/leverage`` and ``/user/leverage/save`` are the inverse-perpetual API (their docs
#: example lists BTCUSD, EOSUSD, ETHUSD, XRPUSD: reference/bybit_v2_user_leverage*); v2's
#: USDT perpetuals had their own ``/private/linear/...`` paths and its inverse futures
#: ``/futures/...``, never levkit's.  The ladder is v5's inverse one (unit: the coin).
#: No USDT perpetual here, so a bare base asset names nothing: say ``BTCUSD``.
SYMBOLS = SymbolRule(
    kinds=(
        Spelling("inverse", rf"(?P<base>{COIN})USD", "{base}USD", quotes=("USD",), unit="base",
                 category="inverse", label="inverse perpetual", example="BTCUSD"),
    ),
    refused=(
        Refusal("Bybit v2's /user/leverage endpoints serve inverse perpetuals only; USDT "
                "and USDC contracts go through lk.Bybit (v5)", kind="linear",
                native=rf"{COIN}(?:USDT|USDC|PERP)", example="BTCUSDT"),
        Refusal("Bybit v2's inverse futures used /futures/... endpoints levkit never read; "
                "use lk.Bybit (v5)", dated=True,
                native=rf"{COIN}USD(?:[FGHJKMNQUVXZ]\d{{2}}|\d{{4}})", example="BTCUSDH26"),
    ),
)  # fmt: skip

VENUE = Venue(
    name="bybit-legacy",
    client="levkit.venues.bybit_legacy.client:BybitLegacy",
    title="Bybit v2 (abandoned)",
    aliases=("bybit_legacy", "bybitlegacy", "bybit-v2"),
    hosts=frozen_map(
        {"mainnet": "https://api.bybit.com", "testnet": "https://api-testnet.bybit.com"}
    ),
    env_prefix="BYBIT",
    symbols=SYMBOLS,
    endpoints=frozen_map(
        {
            # v2 is offline: the server time comes from v5 on the same host
            "time": Endpoint("GET", "/v5/market/time"),
            "leverage": Endpoint("GET", "/user/leverage", signed=True, limit=RateLimit(120, 60.0)),
            "set_leverage": Endpoint(
                "POST", "/user/leverage/save", signed=True, limit=RateLimit(75, 60.0)
            ),
            # v2 inverse docs "My Position" (bybit-exchange/docs-legacy futuresV2/
            # inverse_perpetual/_account_data.md): its examples answer "rate_limit": 120.
            "positions": Endpoint(
                "GET",
                "/v2/private/position/list",
                signed=True,
                limit=RateLimit(120, 60.0, source="v2 docs example: rate_limit 120 / min"),
            ),
        }
    ),
    errors=frozen_map(
        {
            34036: _NOT_MODIFIED,
            34015: _NOT_MODIFIED,
            34020: _NOT_MODIFIED,
            34019: ErrorRule(
                ExchangeLeverageError,
                "leverage above this symbol's maximum; choose a lower leverage",
            ),
            10005: ErrorRule(AuthenticationError, "permission denied"),
            **SHARED_ERRORS,
        }
    ),
    capabilities=Capabilities(
        public_ladder=False,
        ladder=False,
        set_leverage=True,
        hedge_mode=False,
        leverage_step=0.01,
        ladder_from="bybit",
        max_api_leverage=100.0,
    ),
    # The v2 API has no ladder: its ladder (and so its maintenance margin and liquidation
    # price) is Bybit v5's, with the same published rules: v5 ``category=inverse`` for the
    # inverse perpetuals (BTCUSD) v2 served, with Bybit's inverse formula.
    liquidation=frozen_map({"linear": LINEAR_LIQUIDATION, "inverse": INVERSE_LIQUIDATION}),
    maintenance=MAINTENANCE,
    sim="levkit.venues.bybit_legacy.sim",
    sim_prefixes=("/user/leverage", "/v2/private/position/"),
    sim_account="bybit",
    symbol_example="BTCUSD",
    quote="USD",
    docs=("https://bybit-exchange.github.io/docs/inverse/",),
)
