"""Bybit v5: what levkit knows about the API, as data (see ``API_NOTES.md``, Bybit v5).

Sources: bybit-exchange.github.io/docs/v5 (risk-limit, instruments-info, position/list,
position/set-leverage, rate-limit, error pages); figures in ``../shared/reference``.
"""

from __future__ import annotations

from ...errors import AuthenticationError, ExchangeError, RateLimitError
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

#: Isolated USDT perpetual (UTA help "Liquidation Process"); shared with ``bybit-legacy``,
#: whose ladder is v5's.
LINEAR_LIQUIDATION = LiquidationRule(
    "extra_margin",
    "entry",
    source="bybit.com/en/help-center/article/UTA-Trading-Rules-Liquidation-Process",
)

#: Isolated inverse (coin-margined) perpetual and expiry contracts, Bybit help "Liquidation
#: Price Calculation under Isolated Mode (Unified Trading Account)", text "last updated
#: 2026-05-27" (www.kbybit.com/en/help-center/article/Liquidation-Price-Calculation-under-
#: Isolated-Mode-Unified-Trading-Account; docs/instruments.md §4.2 (b)): long
#: ``Q(1 + r) / [Q/EP + Q/EP/L + X/(1 + f) + D]``, short ``Q(1 − r) / [Q/EP − Q/EP/L −
#: X/(1 − f) − D]`` (``Q`` contracts of 1 USD, ``D`` the MM deduction in coin): the fee
#: divides only the extra margin, and "Position Value = Contract Quantity ÷ Mark Price"
#: values maintenance margin at the liquidation price, so the tier is the one of the coin
#: value there.  (The 2024 text valued it at entry: 45,662.10 instead of 45,681.82 on its
#: own example; levkit follows the newest text, as for linear.)  Shared with ``bybit-legacy``.
INVERSE_LIQUIDATION = LiquidationRule(
    "extra_margin",
    "liquidation",
    source="kbybit.com/en/help-center/article/"
    "Liquidation-Price-Calculation-under-Isolated-Mode-Unified-Trading-Account (2026-05-27)",
)

#: v5 risk-limit publishes ``mmDeduction``.  Where an answer has none (older answers),
#: Bybit's "Margin Parameters" page (bybitglobal.com/en/announcement-info/margin-parameters):
#: "Maintenance Margin Deduction = Risk Limit on Tier (n-1) x (Difference between
#: Maintenance Margin Rate on Tier n and Tier (n-1)) + Maintenance Margin Deduction on Tier
#: (n-1)", the continuity recursion.  Shared with ``bybit-legacy``.
MAINTENANCE = MarginRule(
    "published", source="bybitglobal.com/en/announcement-info/margin-parameters"
)

#: Per-UID limits (docs v5 "rate-limit": position/set-leverage 10/s, position/list 50/s);
#: the public market endpoints count against the IP limit of 600 requests per 5 s.
_IP = RateLimit(600, 5.0, scope="ip", group="ip", source="docs v5 rate-limit: 600 / 5 s per IP")

#: The error rules v2 (``bybit-legacy``) shares with v5, written once here.
SHARED_ERRORS = {
    10002: ErrorRule(AuthenticationError, "request timestamp outside the recv window"),
    10003: ErrorRule(
        AuthenticationError,
        "invalid API key (check BYBIT_API_KEY, and testnet vs mainnet keys)",
    ),
    10004: ErrorRule(AuthenticationError, "signature error: the API secret does not match the key"),
    10010: ErrorRule(AuthenticationError, "this IP is not on the key's whitelist"),
    10006: ErrorRule(RateLimitError, "too many requests"),
    10016: ErrorRule(ExchangeError, "Bybit server error", retryable=True),
}

_DMY = r"(?P<ddmonyy>\d{1,2}[A-Z]{3}\d{2})"

#: v5 ``category`` "linear: USDT perpetual, USDT Futures and USDC contract, including USDC
#: perp, USDC futures; inverse: Inverse contract, including Inverse perp, Inverse futures"
#: (bybit-exchange.github.io/docs/v5/enum).  Ids: ``BTCUSDT``, ``BTCPERP`` (USDC perp),
#: ``BTCUSD``, ``BTCUSDH23`` (Bybit's v3 enum page, doc-v3-offline/derivatives/enum);
#: dated linear ``BTCUSDT-26DEC25`` and ``BTC-27DEC24`` (USDC), day zero-padded
#: (``BTC-09FEB24``): issue 22 and third-party listings, no official example found;
#: ``ETHUSDC``-style USDC perps are seen in third-party fixtures only and pass as given.
#: ccxt bybit.py ``fetch_future_markets``: settle = ``settleCoin``, a LinearPerpetual in
#: USD(C) is ``BTC/USDC:USDC``.  Units: settle coin for linear, the coin for inverse
#: (``riskLimitValue`` "150" for BTCUSD; ccxt labels the tier currency with the settle).
#: An inverse future's id names its month (``H26``: March 2026): see ``_last_friday`` in
#: ``levkit/venues/_resolve.py`` for its day.
SYMBOLS = SymbolRule(
    kinds=(
        Spelling("linear", rf"(?P<base>{COIN})USDT", "{base}USDT", category="linear",
                 shorthand=True, label="USDT perpetual", example="BTCUSDT"),
        Spelling("linear", rf"(?P<base>{COIN})PERP", "{base}PERP", quotes=("USDC",),
                 category="linear", label="USDC perpetual", example="BTCPERP"),
        Spelling("linear", rf"(?P<base>{COIN})USDC", "{base}USDC", quotes=("USDC",),
                 category="linear", label="USDC perpetual (newer ids)", example="ETHUSDC"),
        Spelling("linear", rf"(?P<base>{COIN})USDT-{_DMY}", "{base}USDT-{ddmonyy}",
                 dated=True, category="linear", label="USDT dated future",
                 example="BTCUSDT-26DEC25"),
        Spelling("linear", rf"(?P<base>{COIN})(?<!USDT)-{_DMY}", "{base}-{ddmonyy}",
                 quotes=("USDC",), dated=True, category="linear", label="USDC dated future",
                 example="BTC-27DEC24"),
        Spelling("inverse", rf"(?P<base>{COIN})USD", "{base}USD", quotes=("USD",), unit="base",
                 category="inverse", label="inverse perpetual", example="BTCUSD"),
        Spelling("inverse", rf"(?P<base>{COIN})USD(?P<mcode>[FGHJKMNQUVXZ]\d{{2}})",
                 "{base}USD{mcode}", quotes=("USD",), dated=True, unit="base",
                 category="inverse", label="inverse future", example="BTCUSDH26"),
    ),
)  # fmt: skip

VENUE = Venue(
    name="bybit",
    client="levkit.venues.bybit.client:Bybit",
    title="Bybit v5",
    aliases=("bybit-v5", "bybit5"),
    hosts=frozen_map(
        {"mainnet": "https://api.bybit.com", "testnet": "https://api-testnet.bybit.com"}
    ),
    env_prefix="BYBIT",
    # BTCUSDT, BTCUSDC, BTCPERP (USDC perpetual), BTCUSD (inverse), BTCUSDT-26DEC25 (dated)
    symbols=SYMBOLS,
    endpoints=frozen_map(
        {
            "time": Endpoint("GET", "/v5/market/time", limit=_IP),
            "ladder": Endpoint("GET", "/v5/market/risk-limit", limit=_IP),
            "instruments": Endpoint("GET", "/v5/market/instruments-info", limit=_IP),
            "positions": Endpoint(
                "GET", "/v5/position/list", signed=True, limit=RateLimit(50, 1.0)
            ),
            "set_leverage": Endpoint(
                "POST", "/v5/position/set-leverage", signed=True, limit=RateLimit(10, 1.0)
            ),
        }
    ),
    errors=frozen_map(
        {
            **SHARED_ERRORS,
            10005: ErrorRule(
                AuthenticationError,
                "permission denied: the key needs the Contract/Position permission",
            ),
            33004: ErrorRule(AuthenticationError, "the API key has expired"),
            10018: ErrorRule(RateLimitError, "too many requests"),
            10001: ErrorRule(ExchangeError, "parameter error"),
            10017: ErrorRule(ExchangeError, "route not found (is this host a Bybit v5 host?)"),
            110012: ErrorRule(ExchangeError, "insufficient available balance"),
            110013: ErrorRule(
                ExchangeError,
                "cannot set this leverage at the current risk limit level (position too large)",
            ),
            110090: ErrorRule(ExchangeError, "leverage must be lowered first"),
        }
    ),
    capabilities=Capabilities(
        public_ladder=True, set_leverage=True, hedge_mode=True, leverage_step=0.01
    ),
    # Isolated USDT perpetual, Bybit UTA help "Liquidation Process" (read through public
    # transcriptions, page of 2026-08): long [EP·Q − EP·Q/L − X/(1 − f) − D] / [Q − Q·r];
    # the fee to close is in both initial and maintenance margin, so it only divides X.
    # Tier: the position value at entry.  (The older page valued MM at entry with no
    # deduction, as freqtrade does; levkit follows the current page.)
    liquidation=frozen_map({"linear": LINEAR_LIQUIDATION, "inverse": INVERSE_LIQUIDATION}),
    maintenance=MAINTENANCE,
    sim="levkit.venues.bybit.sim",
    sim_prefixes=("/v5/",),
    symbol_example="BTCUSDT",
    docs=("https://bybit-exchange.github.io/docs/v5/intro",),
)
