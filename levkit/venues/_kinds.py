"""What instruments a venue lists and how it spells each, as data (issue 22).

A venue's :class:`~levkit.venues._spec.SymbolRule` holds one :class:`Spelling` per kind of
instrument it lists (USDT perpetual, dated future, coin-margined perpetual...) and one
:class:`Refusal` per kind levkit does not read there, with the reason.
:func:`levkit.venues.resolve` reads these declarations; nothing here does IO or matching.

A spelling's ``native`` regular expression names its parts with groups: ``base``,
``quote`` (omitted where the spelling fixes it: ``quotes[0]``), and at most one expiry
group: ``yymmdd`` (``260626``), ``yyyymmdd`` (``20260626``), ``ddmonyy`` (``26JUN26``) or
``mcode`` (a futures month letter and year, ``M26``).  ``template`` writes the same parts
back (``"{base}{quote}_{yymmdd}"``).  :data:`COIN` is the base coin's pattern: ASCII
capitals and digits, or letters outside ASCII (Binance lists ``币安人生USDT``).

Sources of every declaration: its venue's ``spec.py`` and ``docs/instruments.md``.

Examples
--------
>>> s = Spelling("linear", rf"(?P<base>{COIN})USDT", "{base}USDT", example="BTCUSDT")
>>> s.unit_of("BTC", "USDT"), s.settle_of("BTC", "USDT")
('USDT', 'USDT')
>>> Refusal("coin-margined contracts are on binance-coinm", kind="inverse").covers(
...     "inverse", False, "USD")
True
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["COIN", "CONTRACT_KINDS", "EXPIRY_GROUPS", "Refusal", "Spelling"]

#: Kinds of contract: ``linear`` (margined and settled in the quote currency: USDT, USDC)
#: and ``inverse`` (coin-margined).  A frame names its kind in its ``category`` column
#: (``linear`` where it names none); a venue declares a liquidation formula per kind.
CONTRACT_KINDS = ("linear", "inverse")

#: A base coin inside a native id: ASCII capitals and digits, or any letter outside ASCII
#: (never lower-case ASCII, never ``_``).  Lazy, so a quote suffix after it is found.
COIN = r"[^\W_a-z]+?"

#: The regex groups (and template fields) that carry an expiry.
EXPIRY_GROUPS = ("yymmdd", "yyyymmdd", "ddmonyy", "mcode")


@dataclass(frozen=True)
class Spelling:
    """One kind of instrument a venue lists, and how the venue spells it.

    Parameters
    ----------
    kind : {"linear", "inverse"}
        Linear: margined and settled in the quote (USDT, USDC, or BTC for ``ETHBTC``);
        inverse (coin-margined): settled in the base coin.  ccxt's rule: linear iff
        settle == quote, inverse iff settle == base.
    native : str
        Regular expression of the venue's id (matched whole), with named groups (above).
    template : str
        The id from its parts (``"{base}-{quote}-SWAP"``).
    quotes : tuple of str
        Quote currencies of this kind; the first is the one a fixed spelling implies.
    dated : bool
        A future with an expiry (else a perpetual).
    unit : str
        The ``notional_unit`` of its ladder: ``"quote"``, ``"base"`` (the coin), or a
        currency stated as is (``"USD"``: OKX coin-margined tiers, contracts x 100 USD).
    category : str
        The venue's own word for the kind where it has one (Bybit ``linear``/``inverse``,
        OKX ``SWAP``/``FUTURES``, Bitget ``USDT-FUTURES``, Gate's settle ``usdt``).
    shorthand : bool
        The kind a bare base asset (``"BTC"``) names: the venue's USDT perpetual
        (Hyperliquid: its USDC perp).  One per venue.
    case_sensitive : bool
        Ids differ by case (Hyperliquid ``kPEPE``): matched as given first.
    label : str
        How people call it (``"USDT perpetual"``): messages and the docs table.
    example : str
        A real id of this kind (docs, tests).
    source : str
        Where the spelling comes from.
    """

    kind: str
    native: str
    template: str
    quotes: tuple[str, ...] = ("USDT",)
    dated: bool = False
    unit: str = "quote"
    category: str = ""
    shorthand: bool = False
    case_sensitive: bool = False
    label: str = ""
    example: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        if self.kind not in CONTRACT_KINDS:
            raise ValueError(f"Spelling.kind: {self.kind!r} is not one of {CONTRACT_KINDS}")
        if not self.quotes:
            raise ValueError("Spelling.quotes: at least one quote currency")
        if self.dated != any(f"(?P<{g}>" in self.native for g in EXPIRY_GROUPS):
            raise ValueError(f"Spelling {self.template!r}: dated iff an expiry group")
        if self.shorthand and self.dated:
            raise ValueError("a bare base asset never names a dated contract")

    def settle_of(self, base: str, quote: str) -> str:
        """The settle coin: the quote for linear contracts, the base for inverse."""
        return quote if self.kind == "linear" else base

    def unit_of(self, base: str, quote: str) -> str:
        """The ``notional_unit`` of this kind's ladders for ``base``/``quote``."""
        if self.unit == "quote":
            return quote
        if self.unit == "base":
            return base
        return self.unit

    @property
    def title(self) -> str:
        """``label``, else a description from the declaration."""
        if self.label:
            return self.label
        what = "dated future" if self.dated else "perpetual"
        coin = "coin-margined " if self.kind == "inverse" else f"{self.quotes[0]} "
        return coin + what


@dataclass(frozen=True)
class Refusal:
    """A kind of instrument levkit does not read on a venue, and why.

    It covers requests of ``kind`` (``""``: any), ``dated`` (None: either) and quote in
    ``quotes`` (empty: any); ``native`` is a regular expression of the venue's own id for
    it (BingX ``BTC-USD``), refused with the same reason.  ``example`` is a spelling that
    meets it (docs, tests).
    """

    reason: str
    kind: str = ""
    dated: bool | None = None
    quotes: tuple[str, ...] = ()
    native: str = ""
    example: str = ""

    def covers(self, kind: str, dated: bool, quote: str) -> bool:
        """Whether a request of this kind, expiry and quote meets this refusal."""
        return (
            self.kind in ("", kind)
            and (self.dated is None or self.dated == dated)
            and (not self.quotes or quote in self.quotes)
        )
