"""Binance USDⓈ-M futures, as data (see ``API_NOTES_VENUES.md``, Binance).

Sources:
[B1] developers.binance.com/docs/derivatives/usds-margined-futures/account/rest-api/
Notional-and-Leverage-Brackets (USER_DATA, weight 1, ``symbol`` optional);
[B2] the "Symbol Configuration", "Get Current Position Mode" and "Change Initial
Leverage" pages of the same docs (via openxapi/openxapi specs/binance/openapi/umfutures);
[B3] binance/binance-connector-python (hosts, signing); [B4] developers.binance.com
".../general-info" and ".../rest-api/limits" (IP weight 2400 per minute,
``X-MBX-USED-WEIGHT-1M``, HTTP 429 then 418 with ``Retry-After``); [B5] the USDⓈ-M
"error-code" page.
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

#: The liquidation FAQ: formula, bracket at LP, and the Maintenance Amount recursion.
_FAQ = "binance.com/en/support/faq/b3c689c1f50a44cabb3a84e663b81d93"

#: Every USDⓈ-M REST call counts its weight against one IP budget [B4]; the simulator and
#: the client pace by it.  The endpoints used here weigh 1 each [B1][B2].
_WEIGHT = RateLimit(
    2400, 60.0, scope="ip", group="weight", source="Binance USDⓈ-M general info: 2400 weight/min/IP"
)

#: USDⓈ-M lists linear contracts only (docs/instruments.md §3.4; ccxt binance.py
#: ``parse_market``: settle = ``marginAsset``): perpetuals in USDT, USDC (and BUSD, FDUSD
#: in older listings), the BTC-margined ETHBTC (brackets in BTC), and the USDT quarterlies
#: of the full ``leverageBracket`` answer (``BTCUSDT_260626``, and ``BTCBUSD_210129`` in 2021:
#: freqtrade's recorded answers; ``contractType`` CURRENT_QUARTER / NEXT_QUARTER).  Bracket
#: bounds are in the quote.
SYMBOLS = SymbolRule(
    kinds=(
        Spelling(
            "linear", rf"(?P<base>{COIN})(?P<quote>USDT|USDC|FDUSD|BUSD|BTC)", "{base}{quote}",
            quotes=("USDT", "USDC", "FDUSD", "BUSD", "BTC"), shorthand=True,
            label="perpetual (USDT, USDC; ETHBTC in BTC)", example="BTCUSDT",
        ),
        Spelling(
            "linear", rf"(?P<base>{COIN})(?P<quote>USDT|USDC|BUSD)_(?P<yymmdd>\d{{6}})",
            "{base}{quote}_{yymmdd}", quotes=("USDT", "USDC", "BUSD"), dated=True,
            label="quarterly future", example="BTCUSDT_260626",
        ),
    ),
    refused=(
        Refusal(
            "Binance USDⓈ-M lists no coin-margined contracts; they are on the binance-coinm "
            "venue (lk.BinanceCoinM)",
            kind="inverse", native=rf"{COIN}USD_(?:PERP|\d{{6}})", example="BTCUSD_PERP",
        ),
    ),
)  # fmt: skip

VENUE = Venue(
    name="binance",
    client="levkit.venues.binance.client:Binance",
    title="Binance USDⓈ-M futures",
    aliases=("binance-usdm", "binanceusdm"),
    hosts=frozen_map(
        {"mainnet": "https://fapi.binance.com", "testnet": "https://testnet.binancefuture.com"}
    ),
    env_prefix="BINANCE",
    symbols=SYMBOLS,
    endpoints=frozen_map(
        {
            "time": Endpoint("GET", "/fapi/v1/time", limit=_WEIGHT, weight=1),
            "ladder": Endpoint(
                "GET", "/fapi/v1/leverageBracket", signed=True, limit=_WEIGHT, weight=1
            ),
            # Weights: symbolConfig 5 ("Symbol Configuration" page [B2], not re-read here);
            # positionSide/dual 30 (the COIN-M and Portfolio-Margin twins of the page say 30).
            "leverage": Endpoint(
                "GET", "/fapi/v1/symbolConfig", signed=True, limit=_WEIGHT, weight=5
            ),
            "mode": Endpoint(
                "GET", "/fapi/v1/positionSide/dual", signed=True, limit=_WEIGHT, weight=30
            ),
            "set_leverage": Endpoint(
                "POST", "/fapi/v1/leverage", signed=True, limit=_WEIGHT, weight=1
            ),
            # "Position Information V2 (USER_DATA)": weight 5 [B2] (openxapi
            # specs/binance/openapi/umfutures, GET /fapi/v2/positionRisk).
            "positions": Endpoint(
                "GET", "/fapi/v2/positionRisk", signed=True, limit=_WEIGHT, weight=5
            ),
        }
    ),
    errors=frozen_map(
        {
            -1021: ErrorRule(
                AuthenticationError, "request timestamp outside the recvWindow (clock skew)"
            ),
            -1022: ErrorRule(
                AuthenticationError, "signature invalid: the API secret does not match the key"
            ),
            -2014: ErrorRule(AuthenticationError, "API key format invalid (check BINANCE_API_KEY)"),
            -2015: ErrorRule(
                AuthenticationError,
                "invalid API key, IP or permissions: check BINANCE_API_KEY, the key's IP "
                "whitelist, the Futures permission, and testnet vs mainnet keys",
            ),
            -1003: ErrorRule(RateLimitError, "too many requests: IP weight limit reached"),
            -1121: ErrorRule(ExchangeError, "unknown symbol on Binance USDⓈ-M futures"),
            -4028: ErrorRule(ExchangeLeverageError, "leverage out of range for this symbol"),
            -2027: ErrorRule(
                ExchangeError,
                "the open position is larger than the cap at this leverage (lower it first)",
            ),
            -2028: ErrorRule(ExchangeError, "margin ratio too low for this leverage"),
            -4161: ErrorRule(ExchangeError, "isolated leverage cannot be reduced with a position"),
            -1000: ErrorRule(ExchangeError, "Binance unknown error", retryable=True),
            -1001: ErrorRule(ExchangeError, "Binance internal error", retryable=True),
        }
    ),
    capabilities=Capabilities(
        public_ladder=False, set_leverage=True, hedge_mode=False, leverage_step=1.0
    ),
    # Binance FAQ "How to calculate liquidation price of USDⓈ-M contracts",
    # binance.com/en/support/faq/b3c689c1f50a44cabb3a84e663b81d93: isolated, WB = the
    # position's margin, cum = D, no fee term; "if your position (calculated at the
    # liquidation price) and the current position ... are of different levels ...
    # recalculate": the bracket holding Q·LP, iterated.
    liquidation=frozen_map(
        {"linear": LiquidationRule("ignored", "liquidation", source=_FAQ + " (bracket at LP)")}
    ),
    # leverageBracket publishes cum; where a frame has none, the same FAQ: "Maintenance
    # Amount = [Floor of Position Bracket on Level n × (MMR n − MMR n-1)] + Maintenance
    # Amount on Level n-1" (the continuity recursion).
    maintenance=MarginRule("published", source=_FAQ + " (Maintenance Amount recursion)"),
    sim="levkit.venues.binance.sim",
    sim_prefixes=("/fapi/",),
    symbol_example="BTCUSDT",
    docs=("https://developers.binance.com/docs/derivatives/usds-margined-futures",),
)
