"""Hyperliquid perps: what levkit knows about the API, as data (``API_NOTES_VENUES.md``,
Hyperliquid).

Sources:
[H1] hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/info-endpoint/perpetuals
     (meta with marginTables, activeAssetData, clearinghouseState);
[H2] .../hyperliquid-docs/trading/margin-tiers (lowerBound floors, MMR = 1/(2 maxLeverage),
     the deduction recursion, "for IDs less than 50, there is a single tier with max
     leverage equal to the ID");
[H3] .../hyperliquid-docs/for-developers/api/rate-limits (1200 weight per minute per IP;
     clearinghouseState weight 2; "all other documented info requests have weight 20";
     exchange actions 1 + floor(batch / 40));
[H4] hyperliquid-dex/hyperliquid-python-sdk hyperliquid/utils/constants.py (hosts) and
     hyperliquid/exchange.py (``update_leverage``: an EIP-712 signed ``updateLeverage``).

Errors are not codes: the API answers bare JSON, or an HTTP status with a text body
(HTTP 422 "Failed to deserialize the JSON body into the target type" for a body it cannot
read: quoted in ccxt/ccxt#26071 and nomeida/hyperliquid#106; the docs page "Error
responses" covers order actions only).  HTTP 429 when over the limit is what users report
(nktkas/hyperliquid#76, nomeida/hyperliquid#93); the official docs do not name the status,
nor a Retry-After header ("not found").  So the table is keyed by HTTP status, plus
``"err"`` for an action answered ``{"status": "err", "response": ...}``.
"""

from __future__ import annotations

from ...errors import ExchangeError, RateLimitError
from .._spec import (
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

#: One IP budget shared by every REST call, counted in weight [H3].  The client acquires
#: ``Endpoint.weight`` units of it per call; the simulator counts the same weights.
WEIGHT = RateLimit(
    1200,
    60.0,
    scope="ip",
    group="weight",
    source="docs api/rate-limits: REST requests share 1200 weight per minute per IP",
)

#: Weights of the info requests levkit sends [H3]: ``meta`` and ``activeAssetData`` are
#: "other documented info requests" (20); ``clearinghouseState`` is in the weight-2 list.
INFO_WEIGHTS = {"meta": 20, "activeAssetData": 20, "clearinghouseState": 2}

#: A perp is named by its coin: BTC, ETH, kPEPE (k = 1000 units, lower-case k kept; names
#: are case-sensitive, ``meta.universe[].name``).  Names ending in USDT/USDC/USD are read as
#: markets (``BTC-USDC`` -> BTC).  Every perp settles in USDC (ccxt hyperliquid.py
#: ``parse_market``: quote = settle = USDC, ``linear: True``); no dated or coin-margined
#: contract exists, and a USDT symbol names none of its perps (issue 22: never a USDC
#: contract read as USDT).  HIP-3 dexes (``xyz:XYZ100``) are not read.
SYMBOLS = SymbolRule(
    kinds=(
        Spelling("linear", r"(?!.+(?:USDT|USDC|USD)$)(?P<base>k?[A-Z0-9]{1,20})", "{base}",
                 quotes=("USDC",), shorthand=True, case_sensitive=True,
                 label="USDC perpetual", example="BTC"),
    ),
    refused=(
        Refusal("Hyperliquid settles in USDC, not USDT: say 'BTC' or 'BTC/USDC:USDC'",
                kind="linear", quotes=("USDT",), example="BTC/USDT:USDT"),
        Refusal("Hyperliquid lists no coin-margined contracts (every perp settles in USDC)",
                kind="inverse", example="BTC/USD:BTC"),
        Refusal("Hyperliquid lists no dated futures", dated=True,
                example="BTC/USDC:USDC-251226"),
    ),
)  # fmt: skip

VENUE = Venue(
    name="hyperliquid",
    client="levkit.venues.hyperliquid.client:Hyperliquid",
    title="Hyperliquid perps",
    aliases=("hl", "hyperliquid-perps"),
    hosts=frozen_map(
        {
            "mainnet": "https://api.hyperliquid.xyz",
            "testnet": "https://api.hyperliquid-testnet.xyz",
        }
    ),
    env_prefix="HYPERLIQUID",  # HYPERLIQUID_ADDRESS, HYPERLIQUID_TESTNET (no API key exists)
    symbols=SYMBOLS,
    endpoints=frozen_map(
        {
            # POST /info {"type": "meta"}: every perp and its margin table, one request [H1]
            "ladder": Endpoint("POST", "/info", limit=WEIGHT, weight=INFO_WEIGHTS["meta"]),
            # POST /info {"type": "activeAssetData", "user", "coin"} [H1]
            "leverage": Endpoint(
                "POST", "/info", limit=WEIGHT, weight=INFO_WEIGHTS["activeAssetData"]
            ),
            # POST /info {"type": "clearinghouseState", "user"}: open positions [H1]
            "positions": Endpoint(
                "POST", "/info", limit=WEIGHT, weight=INFO_WEIGHTS["clearinghouseState"]
            ),
            # POST /exchange {"action": {"type": "updateLeverage", ...}, "nonce", "signature"}
            # [H4]: wallet-signed; declared for previews and the simulator, never sent.
            "set_leverage": Endpoint("POST", "/exchange", signed=True, limit=WEIGHT, weight=1),
        }
    ),
    errors=frozen_map(
        {
            400: ErrorRule(ExchangeError, "bad request"),
            422: ErrorRule(
                ExchangeError,
                "Hyperliquid could not read the request body (unknown type, or a field such "
                "as the address or coin of the wrong form)",
            ),
            429: ErrorRule(RateLimitError, "over 1200 weight per minute per IP", retryable=True),
            "err": ErrorRule(ExchangeError, "action rejected"),
        }
    ),
    capabilities=Capabilities(
        public_ladder=True, set_leverage=False, hedge_mode=False, leverage_step=1.0
    ),
    # hyperliquid.gitbook.io/hyperliquid-docs/trading/liquidations: liq = P − s·(M − MM)
    # / Q / (1 − s·r), the common form with f = 0; "maintenance leverage depends on the
    # unique tier corresponding to the position value at the liquidation price".
    liquidation=frozen_map(
        {
            "linear": LiquidationRule(
                "ignored", "liquidation", source="hyperliquid-docs/trading/liquidations"
            )
        }
    ),  # fmt: skip
    # [H2]: maintenance_margin_rate = IMR at the tier's max leverage / 2, deduction by the
    # recursion (no deduction in the API's marginTables).
    maintenance=MarginRule("derived", rate_from_leverage=True, source="[H2] margin-tiers"),
    sim="levkit.venues.hyperliquid.sim",
    sim_prefixes=("/info", "/exchange"),
    symbol_example="BTC",
    account_id="address",
    quote="USDC",
    docs=(
        "https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/info-endpoint/perpetuals",
        "https://hyperliquid.gitbook.io/hyperliquid-docs/trading/margin-tiers",
        "https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/rate-limits",
    ),
)
