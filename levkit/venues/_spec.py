"""What a venue declares about itself: data only, no IO.

Each venue folder has a ``spec.py`` holding one :class:`Venue`.  The client, the
simulator, the CLI, the control and the tests read it; none of them names an exchange.
Like SQLAlchemy's dialects, the core asks the declaration ("does it publish a ladder?"),
never "is this Bybit?".

Examples
--------
>>> limit = RateLimit(10, 1.0, scope="account", source="docs")
>>> Endpoint("POST", "/v5/position/set-leverage", signed=True, limit=limit).key
('POST', '/v5/position/set-leverage')
>>> SymbolRule("{base}{quote}").spell("BTC", "USDT")
'BTCUSDT'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ..errors import ExchangeError, InvalidSymbolError
from ._kinds import COIN, CONTRACT_KINDS, Refusal, Spelling

__all__ = [
    "COIN",
    "CONTRACT_KINDS",
    "Capabilities",
    "Endpoint",
    "ErrorRule",
    "LiquidationRule",
    "MarginRule",
    "RateLimit",
    "Refusal",
    "Spelling",
    "SymbolRule",
    "Venue",
    "frozen_map",
]


def frozen_map(value: Mapping | None = None) -> Mapping:
    """A read-only mapping (a spec cannot be changed at run time by accident)."""
    return MappingProxyType(dict(value or {}))


@dataclass(frozen=True)
class RateLimit:
    """A published rate limit: ``requests`` per ``per`` seconds.

    ``scope`` is whom it counts against (``"ip"`` or ``"account"``); ``group`` names a
    budget several endpoints share (they then count together); ``source`` says where the
    exchange publishes it.
    """

    requests: int
    per: float = 1.0
    scope: str = "account"
    group: str = ""
    source: str = ""

    @property
    def rate(self) -> float:
        """Requests per second."""
        return self.requests / self.per


@dataclass(frozen=True)
class Endpoint:
    """One HTTP endpoint: method, path, whether it is signed, its published limit and
    (for weighted limits, Binance and Hyperliquid) the weight of one call."""

    method: str
    path: str
    signed: bool = False
    limit: RateLimit | None = None
    weight: int = 1

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.path)


@dataclass(frozen=True)
class ErrorRule:
    """What an exchange error code means: the levkit exception class, a hint appended to
    the exchange's message, and whether retrying may help."""

    kind: type[ExchangeError] = ExchangeError
    hint: str = ""
    retryable: bool = False

    def error(
        self, venue: str, code: Any, message: str, endpoint: str, **extra: Any
    ) -> ExchangeError:
        text = f"{message} ({self.hint})" if self.hint and message else (message or self.hint)
        err = self.kind(text, exchange=venue, code=code, endpoint=endpoint, **extra)
        err.retryable = self.retryable
        return err


@dataclass(frozen=True)
class SymbolRule:
    """How the exchange spells its instruments.

    ``kinds`` holds one :class:`~levkit.venues._kinds.Spelling` per kind of instrument the
    venue lists (perpetuals, dated futures, coin-margined...) and ``refused`` one
    :class:`~levkit.venues._kinds.Refusal` per kind levkit does not read there;
    :func:`levkit.venues.resolve` maps any spelling to exactly one of them or raises.
    Declared that way, ``template``, ``default_quote`` and ``base_only`` follow from the
    kind a bare base asset names (its ``shorthand``: the USDT perpetual; a venue without
    one, such as Bybit v2's inverse API, names nothing by a bare base).

    The 0.2 form, still read where a venue declares no ``kinds``: ``template`` formatted
    with ``base`` and ``quote`` (``"{base}-{quote}-SWAP"``) spells a USDT-margined
    perpetual; ``native`` is a regular expression of the exchange's own spellings (upper
    case), passed through unchanged; ``default_quote`` completes a bare base asset
    (``"BTC"``); ``base_only`` venues (Hyperliquid) name a perpetual by its base alone.
    """

    template: str = ""
    native: str = ""
    default_quote: str = "USDT"
    base_only: bool = False
    kinds: tuple[Spelling, ...] = ()
    refused: tuple[Refusal, ...] = ()

    def __post_init__(self) -> None:
        if not self.kinds:
            if not self.template:
                raise ValueError("SymbolRule: a template, or the kinds the venue lists")
            return
        short = [k for k in self.kinds if k.shorthand]
        if len(short) > 1:
            raise ValueError("SymbolRule.kinds: at most one kind is the bare base's shorthand")
        first = short[0] if short else self.kinds[0]
        if not self.template:
            object.__setattr__(self, "template", first.template)
            object.__setattr__(self, "default_quote", first.quotes[0])
            object.__setattr__(self, "base_only", first.template == "{base}")

    @property
    def shorthand(self) -> Spelling | None:
        """The kind a bare base asset names (None in the 0.2 form)."""
        return next((k for k in self.kinds if k.shorthand), None)

    def spell(self, base: str, quote: str) -> str:
        return self.template.format(base=base, quote=quote)

    def is_native(self, text: str) -> bool:
        if self.kinds:
            return any(re.fullmatch(k.native, text) for k in self.kinds)
        return bool(self.native) and re.fullmatch(self.native, text) is not None

    def check(self, text: str) -> str:
        if not text:
            raise InvalidSymbolError("a symbol cannot be empty")
        return text


@dataclass(frozen=True)
class MarginRule:
    """How a venue's maintenance margin follows from a tiers frame (``MM = V·r − D`` of the
    tier holding the notional ``V``); :mod:`levkit.model.maintenance` applies it.

    ``deduction``:

    - ``"published"``: the venue's API publishes a deduction (Binance ``cum``, Bybit
      ``mmDeduction``...): the frame's ``mm_deduction`` is used where it has one; where it
      has none (NaN, marked ``mm_deduction_derived``, or every row 0 while the rate rises:
      an answer without the field), the continuity recursion
      ``D_1 = 0, D_k = D_(k−1) + min_notional_k·(r_k − r_(k−1))`` fills it, marked derived.
    - ``"derived"``: the venue publishes none but charges each slice of the position at its
      tier's rate (Bitget, Hyperliquid): always the recursion, always marked derived.
    - ``"none"``: no deduction (OKX): ``MM = V·r`` of the tier that holds ``V``.

    ``rate_from_leverage``: a missing rate is ``1/(2·max_leverage)`` (Hyperliquid).
    ``source`` says where the rule comes from.

    Examples
    --------
    >>> MarginRule("none", source="OKX help").deduction
    'none'
    """

    deduction: str = "published"
    rate_from_leverage: bool = False
    source: str = ""

    def __post_init__(self) -> None:
        if self.deduction not in ("published", "derived", "none"):
            raise ValueError(f"MarginRule.deduction: unknown {self.deduction!r}")


@dataclass(frozen=True)
class LiquidationRule:
    """How a venue computes the liquidation price of an isolated position of one contract
    kind; the maintenance margin itself comes from the venue's :class:`MarginRule`.

    Every venue levkit knows solves "margin + PnL at P = maintenance margin at P" in the
    common form of :mod:`levkit.liquidation`; they differ in ``fee`` (``"denominator"``:
    the taker rate sits next to the maintenance rate; ``"extra_margin"``: it divides the
    extra margin, ``X/(1 − s·f)``, Bybit; ``"ignored"``) and ``tier`` (``"entry"``: the
    tier of the position value at entry; ``"liquidation"``: the tier of ``Q·LP``,
    re-evaluated until stable).  ``source`` says where the formula comes from.

    Examples
    --------
    >>> LiquidationRule("ignored", "liquidation", source="Binance FAQ").tier
    'liquidation'
    """

    fee: str
    tier: str
    source: str = ""

    def __post_init__(self) -> None:
        if self.fee not in ("denominator", "extra_margin", "ignored"):
            raise ValueError(f"LiquidationRule.fee: unknown {self.fee!r}")
        if self.tier not in ("entry", "liquidation"):
            raise ValueError(f"LiquidationRule.tier: unknown {self.tier!r}")

    @property
    def fee_in_denominator(self) -> float:
        """1.0 where the fee rate sits next to the maintenance rate, else 0.0."""
        return 1.0 if self.fee == "denominator" else 0.0

    @property
    def fee_on_extra_margin(self) -> float:
        """1.0 where the fee rate divides the extra margin (``X/(1 − s·f)``), else 0.0."""
        return 1.0 if self.fee == "extra_margin" else 0.0


@dataclass(frozen=True)
class Capabilities:
    """What a venue can do, as data the core consults.

    ``public_ladder``: the leverage ladder can be read without keys.
    ``set_leverage``: levkit can set leverage there.
    ``hedge_mode``: long and short can hold different leverages.
    ``leverage_step``: the leverage grid (1.0 = whole numbers).
    ``margin_bands``: maintenance bands published apart from the ladder.
    ``discover_tiers``: the ladder can be probed (BingX).
    ``ladder_from``: the venue serving this one's ladder (a legacy API without one).
    ``max_api_leverage``: a hard cap of the API itself, whatever the symbol.
    """

    public_ladder: bool = False
    ladder: bool = True
    set_leverage: bool = True
    hedge_mode: bool = True
    leverage_step: float = 0.01
    margin_bands: bool = False
    discover_tiers: bool = False
    ladder_from: str = ""
    max_api_leverage: float = float("inf")


@dataclass(frozen=True)
class Venue:
    """Everything levkit knows about one exchange API, in one place.

    Attributes
    ----------
    name : str
        The registry name, also the ``exchange`` column of every frame.
    client : str
        ``"module:Class"`` of the client, imported on first use.
    title : str
        How people call it (``"Bybit v5"``).
    aliases : tuple of str
        Other names accepted for ``name``.
    hosts : mapping
        ``mainnet``, ``testnet`` and/or ``demo`` base URLs.
    env_prefix : str
        ``<PREFIX>_API_KEY``, ``_API_SECRET``, ``_PASSPHRASE``, ``_TESTNET``.
    symbols : SymbolRule
    endpoints : mapping
        Role (``"ladder"``, ``"leverage"``, ``"set_leverage"``, ``"time"``...) -> Endpoint.
    errors : mapping
        Exchange code -> :class:`ErrorRule`.
    capabilities : Capabilities
    sim : str
        Module of the simulator's handlers for this API.
    sim_prefixes : tuple of str
        URL paths the simulator routes to ``sim``.
    sim_account : str
        Which simulated account the API acts on (two APIs of one exchange share one).
    symbol_example : str
        The exchange's own spelling of the BTC perpetual.
    quote : str
        Unit of the notional columns of its ladders.
    passphrase : bool
        The API needs a passphrase besides key and secret.
    account_id : str
        For keyless venues, the constructor argument naming the account that private reads
        are about (Hyperliquid: ``address``); empty elsewhere.
    docs : tuple of str
        Where the behaviour comes from.
    liquidation : mapping
        Contract kind (:data:`CONTRACT_KINDS`: ``"linear"``, ``"inverse"``) ->
        :class:`LiquidationRule`.  A kind without a formula raises in
        :func:`levkit.liquidation_price`; it never borrows another kind's.
    maintenance : MarginRule
        The venue's maintenance-margin rule (its deduction, or its rule for a missing one).
    """

    name: str
    client: str
    title: str
    hosts: Mapping[str, str]
    env_prefix: str
    symbols: SymbolRule
    endpoints: Mapping[str, Endpoint]
    capabilities: Capabilities
    errors: Mapping[Any, ErrorRule] = field(default_factory=frozen_map)
    aliases: tuple[str, ...] = ()
    sim: str = ""
    sim_prefixes: tuple[str, ...] = ()
    sim_account: str = ""
    symbol_example: str = ""
    quote: str = "USDT"
    passphrase: bool = False
    account_id: str = ""
    docs: tuple[str, ...] = ()
    liquidation: Mapping[str, LiquidationRule] = field(default_factory=frozen_map)
    maintenance: MarginRule | None = None

    def endpoint(self, role: str) -> Endpoint:
        try:
            return self.endpoints[role]
        except KeyError:
            raise KeyError(f"{self.name} declares no {role!r} endpoint") from None

    def liquidation_rule(self, kind: str = "linear") -> LiquidationRule | None:
        """The liquidation formula for ``kind`` contracts, or None where levkit has none."""
        return self.liquidation.get(kind)

    def error(self, code: Any, message: str, endpoint: str, **extra: Any) -> ExchangeError:
        """The levkit exception for an exchange code, from the declared table."""
        rule = self.errors.get(code, ErrorRule())
        return rule.error(self.name, code, message, endpoint, **extra)

    @property
    def account(self) -> str:
        return self.sim_account or self.name

    def rate_limits(self) -> dict[tuple[str, str], RateLimit]:
        """``{(method, path): RateLimit}`` of every endpoint with a published limit."""
        return {e.key: e.limit for e in self.endpoints.values() if e.limit is not None}
