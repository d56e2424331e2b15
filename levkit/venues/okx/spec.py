"""OKX API v5 (USDT-margined SWAP), as data (see ``API_NOTES_VENUES.md``, OKX).

Sources: [O1] www.okx.com/docs-v5/en/ as extracted in github.com/openxapi/openxapi
``specs/okx/openapi/rest/*.yaml`` (position-tiers, instruments, mark-price, account/config,
account/leverage-info, account/set-leverage, account/positions: parameters and "Rate Limit" lines);
[O2] okxapi/python-okx (signing, demo header); [O3] the ccxt OKX exceptions map (the 59xxx
meanings).  Figures in ``../shared/reference/okx_*``.
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
    Spelling,
    SymbolRule,
    Venue,
    frozen_map,
)

# [O1] "Rate Limit" lines of each endpoint (limits per 2 seconds):
#   position-tiers 10 / 2 s per IP; mark-price 10 / 2 s per IP + instrument ID;
#   instruments 20 / 2 s per IP + instrument type; account/config 5 / 2 s per user ID;
#   leverage-info and set-leverage 20 / 2 s per user ID each.
#   public/time: its limit line was not checked; 10 / 2 s per IP is assumed (the lowest
#   of the public-data limits), so levkit never sends it faster than the others.
_TIERS = RateLimit(10, 2.0, scope="ip", source="OKX docs v5 position-tiers: 10 / 2 s per IP")
_MARKS = RateLimit(10, 2.0, scope="ip", source="OKX docs v5 mark-price: 10 / 2 s per IP+instId")
_INSTRUMENTS = RateLimit(
    20, 2.0, scope="ip", source="OKX docs v5 instruments: 20 / 2 s per IP+instType"
)
_TIME = RateLimit(10, 2.0, scope="ip", source="assumed: lowest public-data limit")
_CONFIG = RateLimit(5, 2.0, source="OKX docs v5 account/config: 5 / 2 s per user ID")
_LEVERAGE_INFO = RateLimit(20, 2.0, source="OKX docs v5 leverage-info: 20 / 2 s per user ID")
_SET_LEVERAGE = RateLimit(20, 2.0, source="OKX docs v5 set-leverage: 20 / 2 s per user ID")
_POSITIONS = RateLimit(10, 2.0, source="OKX docs v5 account/positions: 10 / 2 s per user ID")

#: Instrument families per position-tiers call ([O1]: "instFamily ... no more than 5
#: separated with comma"; ``uly`` allows only 3, and can name another family: ccxt #29228).
FAMILIES_PER_CALL = 5

#: ccxt okx.py ``parse_market`` (docs/instruments.md §3.6): ``instType`` SWAP or FUTURES,
#: base/quote from ``uly``, settle = ``settleCcy``; linear iff quote == settle.  Tiers are in
#: contracts: x ctVal x mark for linear (USDT, USDC), x ctVal (100 USD for BTC-USD) for
#: coin-margined, exact in USD.  Dated ids ``BTC-USDT-251226`` are ``instType=FUTURES``.
SYMBOLS = SymbolRule(
    kinds=(
        Spelling(
            "linear", rf"(?P<base>{COIN})-(?P<quote>USDT|USDC)-SWAP", "{base}-{quote}-SWAP",
            quotes=("USDT", "USDC"), category="SWAP", shorthand=True,
            label="perpetual swap (USDT, USDC)", example="BTC-USDT-SWAP",
        ),
        Spelling(
            "linear", rf"(?P<base>{COIN})-USDT-(?P<yymmdd>\d{{6}})", "{base}-USDT-{yymmdd}",
            dated=True, category="FUTURES", label="USDT dated future",
            example="BTC-USDT-251226",
        ),
        Spelling(
            "inverse", rf"(?P<base>{COIN})-USD-SWAP", "{base}-USD-SWAP", quotes=("USD",),
            unit="USD", category="SWAP", label="coin-margined swap", example="BTC-USD-SWAP",
        ),
        Spelling(
            "inverse", rf"(?P<base>{COIN})-USD-(?P<yymmdd>\d{{6}})", "{base}-USD-{yymmdd}",
            quotes=("USD",), dated=True, unit="USD", category="FUTURES",
            label="coin-margined future", example="BTC-USD-251226",
        ),
    ),
)  # fmt: skip

VENUE = Venue(
    name="okx",
    client="levkit.venues.okx.client:OKX",
    title="OKX USDT-margined swaps (API v5)",
    aliases=("okx-swap", "okx-v5", "okex"),
    # Demo trading is the same host with header ``x-simulated-trading: 1`` [O2]: the
    # client sends that header when ``testnet=True`` (see OKXDialect).
    hosts=frozen_map({"mainnet": "https://www.okx.com", "demo": "https://www.okx.com"}),
    env_prefix="OKX",
    passphrase=True,
    symbols=SYMBOLS,
    endpoints=frozen_map(
        {
            "time": Endpoint("GET", "/api/v5/public/time", limit=_TIME),
            "ladder": Endpoint("GET", "/api/v5/public/position-tiers", limit=_TIERS),
            "instruments": Endpoint("GET", "/api/v5/public/instruments", limit=_INSTRUMENTS),
            "marks": Endpoint("GET", "/api/v5/public/mark-price", limit=_MARKS),
            "mode": Endpoint("GET", "/api/v5/account/config", signed=True, limit=_CONFIG),
            "leverage": Endpoint(
                "GET", "/api/v5/account/leverage-info", signed=True, limit=_LEVERAGE_INFO
            ),
            "set_leverage": Endpoint(
                "POST", "/api/v5/account/set-leverage", signed=True, limit=_SET_LEVERAGE
            ),
            "positions": Endpoint(
                "GET", "/api/v5/account/positions", signed=True, limit=_POSITIONS
            ),
        }
    ),
    errors=frozen_map(
        {
            # 50011: HTTP 429 {"msg":"Too Many Requests","code":"50011"} (c9s/bbgo#1534,
            # ccxt #18901: third-party quotes; OKX's own error table lists the code).
            50011: ErrorRule(RateLimitError, "too many requests"),
            50013: ErrorRule(ExchangeError, "OKX system busy", retryable=True),
            # 50102 and 50113: meanings from third-party copies of OKX's error table only
            # (365shuku.com/1113.html; vataga-trading.github.io).
            50102: ErrorRule(
                AuthenticationError, "request timestamp expired (check this machine's clock)"
            ),
            50112: ErrorRule(AuthenticationError, "invalid OK-ACCESS-TIMESTAMP"),
            50113: ErrorRule(
                AuthenticationError, "invalid signature: the API secret does not match the key"
            ),
            50111: ErrorRule(
                AuthenticationError,
                "invalid API key (check OKX_API_KEY, and demo-trading vs live keys)",
            ),
            50105: ErrorRule(
                AuthenticationError, "wrong passphrase (check OKX_PASSPHRASE for this key)"
            ),
            50101: ErrorRule(
                AuthenticationError,
                "the key does not match this environment (demo keys need testnet=True)",
            ),
            50110: ErrorRule(AuthenticationError, "this IP is not on the key's whitelist"),
            50120: ErrorRule(AuthenticationError, "the key lacks the permission for this call"),
            51000: ErrorRule(ExchangeError, "parameter error"),
            51001: ErrorRule(ExchangeError, "no such instrument (spell it like BTC-USDT-SWAP)"),
            59000: ErrorRule(ExchangeError, "open positions or orders block this change"),
            59100: ErrorRule(ExchangeError, "open positions block this leverage change"),
            59101: ErrorRule(ExchangeError, "pending orders block this leverage change"),
            59107: ErrorRule(ExchangeError, "pending orders block this leverage change"),
            59102: ErrorRule(ExchangeLeverageError, "leverage above this instrument's maximum"),
            59103: ErrorRule(ExchangeError, "leverage too low for the margin available"),
            59108: ErrorRule(ExchangeError, "leverage too low for the margin available"),
            59104: ErrorRule(
                ExchangeLeverageError,
                "the position is above the maximum of this leverage: lower the leverage "
                "or reduce the position",
            ),
        }
    ),
    # Leverage step: not found in the docs (lever is a decimal string); 0.01 is assumed,
    # an off-grid value would come back as 51000 and change nothing.
    capabilities=Capabilities(
        public_ladder=True, set_leverage=True, hedge_mode=True, leverage_step=0.01
    ),
    # OKX help "合约盈亏计算" (2022-06-20, updated 2025-04-01; read as a verbatim
    # transcription only): long (M − Q·EP) / (Q·(r + f − 1)), short (M + Q·EP) /
    # (Q·(r + f + 1)): the taker rate next to the maintenance rate, no deduction.  Tiers
    # are by size in contracts; levkit looks the tier up by the converted notional.
    # Coin-margined (BTC-USD-SWAP, ctType inverse): OKX's own text was not found; a copy
    # of OKX's contract guide (ukcamo.com/5262.html, third party) gives "Isolated Long
    # (1 + Maintenance Rate) / (1/Entry Price + Fixed Margin/Face Value/Quantity)" and its
    # short twin, and the linear text puts the fee next to the rate: docs/instruments.md
    # §4.4 derives LP = F·(s + r + f) / (M + s·F/EP) (F = contracts x ctVal USD), which
    # gives issue 22's figures (20x at 100,000: 95,619.05 / 104,842.11).  Tier: by
    # contracts, so the entry tier (F is fixed).  Marked derived.
    liquidation=frozen_map(
        {
            "linear": LiquidationRule("denominator", "entry", source="OKX help 合约盈亏计算"),
            "inverse": LiquidationRule(
                "denominator",
                "entry",
                source="derived (docs/instruments.md §4.4) from a copy of OKX's contract "
                "guide, ukcamo.com/5262.html, and OKX help 合约盈亏计算",
            ),
        }
    ),
    # No deduction: MM = 面值 × 张数 × 合约乘数 × 维持保证金率 × 标记价格 (same page); "Tiered
    # maintenance margin ratio rules" (okx.com/help/v-tiered-maintenance-margin-ratio-rules,
    # 2025-05-16): the tier's rate applies to the whole position, so MM jumps at a cap.
    maintenance=MarginRule(
        "none", source="OKX help 合约盈亏计算; okx.com/help/v-tiered-maintenance-margin-ratio-rules"
    ),
    sim="levkit.venues.okx.sim",
    sim_prefixes=("/api/v5/",),
    symbol_example="BTC-USDT-SWAP",
    docs=("https://www.okx.com/docs-v5/en/",),
)
