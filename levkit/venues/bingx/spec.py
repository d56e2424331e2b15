"""BingX perpetual swap v2 (USDT-M), as data (see ``API_NOTES.md``, BingX).

Sources: bingx-api.github.io/docs (swap v2: trade/leverage, maintMarginRatio,
positionSide/dual, user/positions, openOrders; "rate limit": 5/s per account on the
leverage endpoints, 2/s on position mode), and ``../shared/reference/bingx_*``.
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

_LEVERAGE = RateLimit(5, 1.0, group="leverage", source="BingX docs: 5/s per account")
_FIVE = RateLimit(5, 1.0)
_MODE = RateLimit(2, 1.0, group="mode")

#: Swap v2 (USDT-M) ids ``BTC-USDT`` (ccxt bingx.py ``parse_market``: ``id.split('-')``,
#: settle = ``currency``); a ``-USDC`` id passes as given (USDC-settled swaps are not
#: verified; their bounds would be in USDC).  BingX lists no dated contracts, and its
#: coin-M swaps (``BTC-USD``, cswap v1) have no tier endpoint: ccxt's
#: ``fetch_market_leverage_tiers`` raises NotSupported for them (docs/instruments.md §3.3).
SYMBOLS = SymbolRule(
    kinds=(
        Spelling(
            "linear", rf"(?P<base>{COIN})-(?P<quote>USDT|USDC)", "{base}-{quote}",
            quotes=("USDT", "USDC"), shorthand=True, label="perpetual swap (USDT)",
            example="BTC-USDT",
        ),
    ),
    refused=(
        Refusal(
            "BingX publishes no coin-margined ladder (its coin-M swaps have no tier endpoint)",
            kind="inverse", native=rf"{COIN}-USD", example="BTC-USD",
        ),
        Refusal("BingX lists no dated futures", dated=True, example="BTC/USDT:USDT-251226"),
    ),
)  # fmt: skip

VENUE = Venue(
    name="bingx",
    client="levkit.venues.bingx.client:BingX",
    title="BingX perpetual swap v2",
    hosts=frozen_map(
        {"mainnet": "https://open-api.bingx.com", "testnet": "https://open-api-vst.bingx.com"}
    ),
    env_prefix="BINGX",
    symbols=SYMBOLS,
    endpoints=frozen_map(
        {
            "time": Endpoint("GET", "/openApi/swap/v2/server/time"),
            "leverage": Endpoint(
                "GET", "/openApi/swap/v2/trade/leverage", signed=True, limit=_LEVERAGE
            ),
            "set_leverage": Endpoint(
                "POST", "/openApi/swap/v2/trade/leverage", signed=True, limit=_LEVERAGE
            ),
            "margin_bands": Endpoint(
                "GET", "/openApi/swap/v1/maintMarginRatio", signed=True, limit=_FIVE
            ),
            "mode": Endpoint("GET", "/openApi/swap/v1/positionSide/dual", signed=True, limit=_MODE),
            "set_mode": Endpoint(
                "POST", "/openApi/swap/v1/positionSide/dual", signed=True, limit=_MODE
            ),
            "positions": Endpoint(
                "GET", "/openApi/swap/v2/user/positions", signed=True, limit=_FIVE
            ),
            "orders": Endpoint(
                "GET", "/openApi/swap/v2/trade/openOrders", signed=True, limit=_FIVE
            ),
        }
    ),
    errors=frozen_map(
        {
            100001: ErrorRule(
                AuthenticationError, "signature check failed: the API secret does not match the key"
            ),
            100412: ErrorRule(AuthenticationError, "the request carries no signature"),
            100413: ErrorRule(
                AuthenticationError,
                "wrong API key (check BINGX_API_KEY, and VST demo vs mainnet keys)",
            ),
            100004: ErrorRule(
                AuthenticationError,
                "permission denied: the key lacks the permission (perpetual futures trading)",
            ),
            100419: ErrorRule(AuthenticationError, "this IP is not on the key's IP whitelist"),
            100421: ErrorRule(
                AuthenticationError,
                "request timestamp outside the recv window (check this machine's clock)",
            ),
            100410: ErrorRule(RateLimitError, "too many requests"),
            109429: ErrorRule(RateLimitError, "too many requests"),
            80012: ErrorRule(ExchangeError, "BingX service unavailable", retryable=True),
            80014: ErrorRule(ExchangeError, "invalid parameter"),
            100400: ErrorRule(ExchangeError, "invalid parameter"),
            100500: ErrorRule(ExchangeError, "BingX internal error", retryable=True),
            101500: ErrorRule(ExchangeError, "", retryable=True),
            101414: ErrorRule(ExchangeLeverageError, "leverage above this pair's maximum"),
            101209: ErrorRule(
                ExchangeError,
                "position value above the maximum for this leverage: choose a lower leverage "
                "or reduce the position",
            ),
            109401: ErrorRule(
                ExchangeError,
                "open positions or orders: the position mode can only be switched when flat",
            ),
            109500: ErrorRule(
                ExchangeError,
                "symbol does not exist on BingX perpetual swap (spelled like BTC-USDT?)",
            ),
        }
    ),
    capabilities=Capabilities(
        public_ladder=False,
        ladder=False,  # no ladder endpoint: discover_tiers probes it, the snapshot ships it
        set_leverage=True,
        hedge_mode=True,
        leverage_step=1.0,
        margin_bands=True,
        discover_tiers=True,
    ),
    # Only the trigger is published: "forced liquidation occurs when a position's margin
    # is <= maintenance margin + taker fee" (support.bingx.com/hc/en-001/articles/
    # 10689309996185); the common form with D = maintAmount and the fee next to the rate
    # is derived from it.  Tier: the position value at entry.
    liquidation=frozen_map(
        {
            "linear": LiquidationRule(
                "denominator",
                "entry",
                source="support.bingx.com/hc/en-001/articles/10689309996185 (derived)",
            )
        }
    ),  # fmt: skip
    # maintMarginRatio publishes maintAmount: "Maintenance margin = Notional position value
    # * maintenance margin rate - maintenance amount" (bingx.com/en/support/articles/
    # 360045900114).  No rule is published for a missing amount; the recursion reproduces
    # BingX's own example (BTC/USDT at 160,000 USDT: 30 USDT, bingx.pro/en/support/
    # articles/11263312123407, with bands 0.38 % to 150,000 then 0.4 %).
    maintenance=MarginRule("published", source="bingx.com/en/support/articles/360045900114"),
    sim="levkit.venues.bingx.sim",
    sim_prefixes=("/openApi/",),
    symbol_example="BTC-USDT",
    docs=("https://bingx-api.github.io/docs/",),
)
