"""Binance COIN-M futures (``dapi``), as data (``docs/instruments.md`` §3.5 and §6).

Sources:
[C1] developers.binance.com/docs/derivatives/coin-margined-futures/account/rest-api/
Notional-Bracket-for-Symbol (``GET /dapi/v2/leverageBracket``, USER_DATA, weight 1;
``qtyCap``/``qtyFloor`` "upper/lower edge of base asset quantity"); the v1 pair endpoint
is "Not recommended ... may return ambiguous values": levkit reads v2 only;
[C2] ".../trade/rest-api/Position-Information" (``GET /dapi/v1/positionRisk``, weight 1,
``pair`` or ``marginAsset``, no ``symbol``; one-way users get BOTH rows, hedge-mode users
BOTH, LONG and SHORT; ``maxQty`` "maximum quantity of base asset") and
".../trade/rest-api/Change-Initial-Leverage" (``POST /dapi/v1/leverage``, weight 1,
leverage "int from 1 to 125", answer ``{"leverage", "maxQty", "symbol"}``), read through
the transcription rosssaunders/coincise ``docs/binance/coinm/endpoints/private/*``
(commits 42d53bd, e31740c);
[C3] ".../general-info" (coincise ``rate_limits.md`` @ 70e0c8c): host
``https://dapi.binance.com``, testnet ``https://testnet.binancefuture.com``, signing as
USDⓈ-M (HMAC-SHA256 of the query, ``X-MBX-APIKEY``), errors ``{"code", "msg"}``, 429 then
418 bans "from 2 minutes to 3 days", weights counted per IP in ``X-MBX-USED-WEIGHT-1M``;
the limit itself is in ``GET /dapi/v1/exchangeInfo`` ``rateLimits``: REQUEST_WEIGHT
2400 per minute in a recorded answer (a third-party note of ``curl .../exchangeInfo |
jq .rateLimits`` per Binance API, code index file 48157680502, repository not identified);
[C4] ccxt 4.5.90 ``binance.py`` (``dapiPublic``/``dapiPrivate``/``dapiPrivateV2`` paths, the
inverse error map, L2234-2296), ``exchangeInfo`` fields (``contractSize`` 100 for
BTCUSD, ``marginAsset``, ``pair``; comment L3557-3626).
"""

from __future__ import annotations

from ...errors import ExchangeError
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
from ..binance.spec import VENUE as USDM

#: "How to Calculate Liquidation Price of COIN-M Futures Contracts" (Binance FAQ,
#: 2021-02-05): the formula is an image in every copy; its variables (WB, cumB, MMR_B,
#: Side, B, EP_B, CM) and "substitute ... the position level at the liquidation price,
#: to recalculate" are text.  docs/instruments.md §4.3: LP = B·CM·(MMR + Side) / (WB + cum
#: + Side·B·CM/EP), checked against Binance's calculator in dev.binance.vision thread 6292
#: (33,599.40 for 100,000 contracts long at 45,000 with 101 BTC).
_FAQ = "binance.com/en/support/faq/ceccfcfb4e3a45e3b48b0b1bb1a8ae46"

#: One IP weight budget for every dapi call [C3].
_WEIGHT = RateLimit(
    2400,
    60.0,
    scope="ip",
    group="weight",
    source="GET /dapi/v1/exchangeInfo rateLimits: REQUEST_WEIGHT 2400 / minute (recorded)",
)

#: BTCUSD_PERP (perpetual), BTCUSD_251226 (quarterly): coin-margined only, caps in the base
#: coin (docs/instruments.md §2.2, §3.5).  No shorthand: "BTC" means a venue's USDT
#: perpetual, which COIN-M lists none of, so it is refused rather than answered with a
#: coin-margined contract; USDT and USDC contracts are refused towards lk.Binance.
SYMBOLS = SymbolRule(
    kinds=(
        Spelling(
            "inverse", rf"(?P<base>{COIN})USD_PERP", "{base}USD_PERP", quotes=("USD",),
            unit="base", label="perpetual", example="BTCUSD_PERP",
        ),
        Spelling(
            "inverse", rf"(?P<base>{COIN})USD_(?P<yymmdd>\d{{6}})", "{base}USD_{yymmdd}",
            quotes=("USD",), dated=True, unit="base", label="quarterly future",
            example="BTCUSD_251226",
        ),
    ),
    refused=(
        Refusal(
            "USDT and USDC contracts are on the binance venue (lk.Binance)",
            kind="linear", example="BTC/USDT:USDT",
        ),
    ),
)  # fmt: skip

VENUE = Venue(
    name="binance-coinm",
    client="levkit.venues.binance_coinm.client:BinanceCoinM",
    title="Binance COIN-M futures",
    aliases=("binancecoinm", "binance-coin-m", "binance_coinm"),
    hosts=frozen_map(
        {"mainnet": "https://dapi.binance.com", "testnet": "https://testnet.binancefuture.com"}
    ),
    # One Binance account, one key pair for USDⓈ-M and COIN-M: the same variables.
    env_prefix="BINANCE",
    symbols=SYMBOLS,
    endpoints=frozen_map(
        {
            "time": Endpoint("GET", "/dapi/v1/time", limit=_WEIGHT, weight=1),
            "instruments": Endpoint("GET", "/dapi/v1/exchangeInfo", limit=_WEIGHT, weight=1),
            "ladder": Endpoint(
                "GET", "/dapi/v2/leverageBracket", signed=True, limit=_WEIGHT, weight=1
            ),
            "leverage": Endpoint(
                "GET", "/dapi/v1/positionRisk", signed=True, limit=_WEIGHT, weight=1
            ),
            "positions": Endpoint(
                "GET", "/dapi/v1/positionRisk", signed=True, limit=_WEIGHT, weight=1
            ),
            "set_leverage": Endpoint(
                "POST", "/dapi/v1/leverage", signed=True, limit=_WEIGHT, weight=1
            ),
        }
    ),
    # The same numbering as USDⓈ-M (ccxt's inverse map has the same meanings [C4]).
    errors=frozen_map(
        {
            **USDM.errors,
            -1121: ErrorRule(
                ExchangeError,
                "unknown symbol on Binance COIN-M futures (spell it like BTCUSD_PERP or "
                "BTCUSD_251226; USDT contracts are on lk.Binance)",
            ),
        }
    ),
    capabilities=Capabilities(
        public_ladder=False, set_leverage=True, hedge_mode=False, leverage_step=1.0
    ),
    # Coin-margined only: isolated, WB = the position's margin (coin), cum = D (coin), no
    # fee term, the bracket of the coin notional at the liquidation price (iterated).
    liquidation=frozen_map(
        {"inverse": LiquidationRule("ignored", "liquidation", source=_FAQ + " (bracket at LP)")}
    ),
    # leverageBracket publishes cum (coin); where a frame has none, the COIN-M FAQ's
    # recursion: "Maintenance Amount on Level 5 = 50 BTC * (5% - 2.5%) + 0.56 BTC".
    maintenance=MarginRule("published", source=_FAQ + " (Maintenance Amount recursion)"),
    sim="levkit.venues.binance_coinm.sim",
    sim_prefixes=("/dapi/",),
    symbol_example="BTCUSD_PERP",
    # Ladders are in each symbol's base coin (BTC for BTCUSD_PERP): no one unit for the
    # venue; every frame's notional_unit says it.
    quote="",
    docs=("https://developers.binance.com/docs/derivatives/coin-margined-futures",),
)
