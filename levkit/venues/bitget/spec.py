"""Bitget v2 mix, USDT-FUTURES: what levkit knows about the API, as data.

Sources (``../shared/API_NOTES_VENUES.md``, Bitget):
[G1] www.bitget.com/api-doc/contract/position/Get-Query-Position-Lever (ladder, 10/s per IP);
[G2] .../contract/account/Change-Leverage (set-leverage, 5/s per UID);
[G3] .../contract/account/Get-Single-Account (account, 10/s per UID);
[G4] .../common/signature; [G5] .../common/demotrading/restapi (demo: header ``paptrading: 1``);
[G6] ccxt/ccxt ts/src/bitget.ts ``exceptions`` (error codes); [G7] .../classic/quickStart/intro
(host, HTTP 429 "Too Many Requests").
"""

from __future__ import annotations

from ...errors import AuthenticationError, ExchangeError, ExchangeLeverageError, RateLimitError
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

#: Public market data: [G1] "10 times/1s (IP)" for the ladder; the contracts list
#: (www.bitget.com/api-doc/contract/market/Get-All-Symbols-Contracts) "20 times/s, IP".
_LADDER = RateLimit(10, 1.0, scope="ip", source="[G1] 10/s per IP")
_CONTRACTS = RateLimit(
    20, 1.0, scope="ip", source="api-doc/contract/market/Get-All-Symbols-Contracts: 20/s per IP"
)

#: v2 names a perpetual by base + quote, no suffix ("BTCUSDT", [G1]-[G3]); v1's
#: BTCUSDT_UMCBL is not read.  levkit reads ``productType=USDT-FUTURES`` only: the unit of
#: the COIN-FUTURES (``BTCUSD``) and USDC-FUTURES (``BTCPERP``) tiers is documented nowhere
#: levkit found, and Bitget's delivery ids were not found (docs/instruments.md §3.7).
SYMBOLS = SymbolRule(
    kinds=(
        Spelling(
            "linear", rf"(?P<base>{COIN})USDT", "{base}USDT", category="USDT-FUTURES",
            shorthand=True, label="USDT perpetual", example="BTCUSDT",
        ),
    ),
    refused=(
        Refusal(
            "levkit reads Bitget's USDT-FUTURES only: the unit of its USDC-FUTURES tiers is "
            "not documented", kind="linear", quotes=("USDC",),
            native=rf"{COIN}(?:PERP|USDC)", example="BTCPERP",
        ),
        Refusal(
            "levkit reads Bitget's USDT-FUTURES only: the unit of its COIN-FUTURES tiers is "
            "not documented", kind="inverse", native=rf"{COIN}USD", example="BTCUSD",
        ),
        Refusal("levkit does not read Bitget's dated (delivery) contracts", dated=True,
                example="BTC/USDT:USDT-251226"),
    ),
)  # fmt: skip

VENUE = Venue(
    name="bitget",
    client="levkit.venues.bitget.client:Bitget",
    title="Bitget USDT-M futures (v2 mix)",
    aliases=("bitget-v2", "bitget-mix", "bitget-usdt-futures"),
    # Demo trading runs on the same host with a demo key and the header ``paptrading: 1``
    # [G5]; the dialect adds the header when the client is built with ``testnet=True``.
    hosts=frozen_map({"mainnet": "https://api.bitget.com", "demo": "https://api.bitget.com"}),
    env_prefix="BITGET",
    passphrase=True,
    symbols=SYMBOLS,
    endpoints=frozen_map(
        {
            "time": Endpoint("GET", "/api/v2/public/time"),
            "instruments": Endpoint("GET", "/api/v2/mix/market/contracts", limit=_CONTRACTS),
            "ladder": Endpoint("GET", "/api/v2/mix/market/query-position-lever", limit=_LADDER),
            "leverage": Endpoint(
                "GET",
                "/api/v2/mix/account/account",
                signed=True,
                limit=RateLimit(10, 1.0, source="[G3] 10/s per UID"),
            ),
            # "Get Single Position": 10/s per UID
            # (www.bitget.com/api-doc/contract/position/Get-Single-Position).
            "positions": Endpoint(
                "GET",
                "/api/v2/mix/position/single-position",
                signed=True,
                limit=RateLimit(10, 1.0, source="Get-Single-Position: 10/s per UID"),
            ),
            "set_leverage": Endpoint(
                "POST",
                "/api/v2/mix/account/set-leverage",
                signed=True,
                limit=RateLimit(5, 1.0, source="[G2] 5/s per UID"),
            ),
        }
    ),
    # Codes and meanings from ccxt's table [G6] (Bitget's own error page lists the same).
    errors=frozen_map(
        {
            40001: ErrorRule(AuthenticationError, "ACCESS-KEY header missing"),
            40002: ErrorRule(AuthenticationError, "API secret missing"),
            40003: ErrorRule(AuthenticationError, "ACCESS-SIGN header missing"),
            40004: ErrorRule(AuthenticationError, "request timestamp expired (clock skew)"),
            40005: ErrorRule(AuthenticationError, "invalid ACCESS-TIMESTAMP"),
            40006: ErrorRule(
                AuthenticationError, "invalid API key (check BITGET_API_KEY, demo vs live key)"
            ),
            40008: ErrorRule(AuthenticationError, "request timestamp expired (clock skew)"),
            40009: ErrorRule(
                AuthenticationError, "signature error: the API secret does not match the key"
            ),
            40010: ErrorRule(AuthenticationError, "signature error"),
            40011: ErrorRule(AuthenticationError, "ACCESS-PASSPHRASE header missing"),
            40012: ErrorRule(
                AuthenticationError, "API key or passphrase incorrect (check BITGET_PASSPHRASE)"
            ),
            40014: ErrorRule(
                AuthenticationError, "permission denied: the key needs futures read/trade"
            ),
            40018: ErrorRule(AuthenticationError, "this IP is not on the key's whitelist"),
            40037: ErrorRule(AuthenticationError, "the API key does not exist"),
            # [G7]: "429 Too Many Requests"; ccxt maps '429' to DDoSProtection.
            429: ErrorRule(RateLimitError, "too many requests"),
            # ccxt: "System is abnormal, please try again later" (not a rate limit).
            40015: ErrorRule(ExchangeError, "Bitget system error", retryable=True),
            40017: ErrorRule(ExchangeError, "parameter verification failed"),
            40019: ErrorRule(ExchangeError, "a required parameter is empty"),
            40102: ErrorRule(
                ExchangeError, "no such contract on USDT-FUTURES (spelled like BTCUSDT?)"
            ),
            40104: ErrorRule(ExchangeError, "leverage adjustment failed"),
            # "Exceeded the maximum settable leverage": not in ccxt's table; quoted by
            # third-party bot code handling Bitget answers (code search, 2025).  Safe reading:
            # a leverage above the symbol's (or the position's) maximum.
            40797: ErrorRule(ExchangeLeverageError, "leverage above the maximum settable"),
        }
    ),
    capabilities=Capabilities(
        public_ladder=True,
        set_leverage=True,
        hedge_mode=True,
        # The docs type ``leverage`` as a string with no step; the web and app offer whole
        # numbers only.  Safe reading: whole numbers.
        leverage_step=1.0,
    ),
    # bitget.com/support/articles/12560603808759: [M + offset − Q·EP·dir] /
    # [Q·(MMR + taker fee − dir)], dir 1 long / −1 short; the "pre-calculated offset" is D.
    liquidation=frozen_map(
        {
            "linear": LiquidationRule(
                "denominator", "entry", source="bitget.com/support/articles/12560603808759"
            )
        }
    ),  # fmt: skip
    # query-position-lever publishes no deduction.  bitget.com/support/articles/
    # 12560603841952: from 2025-11-10 "each portion of the position value is calculated
    # using the corresponding margin ratio for that tier" (a pre-calculated offset): the
    # recursion, always.  Positions opened before that date keep the whole-tier rate.
    maintenance=MarginRule("derived", source="bitget.com/support/articles/12560603841952"),
    sim="levkit.venues.bitget.sim",
    sim_prefixes=("/api/v2/mix/", "/api/v2/public/"),
    symbol_example="BTCUSDT",
    docs=(
        "https://www.bitget.com/api-doc/contract/position/Get-Query-Position-Lever",
        "https://www.bitget.com/api-doc/contract/account/Change-Leverage",
        "https://www.bitget.com/api-doc/contract/account/Get-Single-Account",
        "https://www.bitget.com/api-doc/common/signature",
    ),
)
