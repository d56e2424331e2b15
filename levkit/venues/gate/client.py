"""Gate API v4 futures, USDT settle: the risk-limit ladder (public), the leverage in force
and setting it (signed).

>>> import levkit as lk
>>> lk.Gate()                                # public data needs no keys
Gate(host='https://api.gateio.ws', api_key='<none>')
"""

from __future__ import annotations

import logging
import re
from typing import Any

import pandas as pd

from ...client import Client, positions_frame
from ...client.setting import LeverageChange, SetAnswer, SetRequest
from ...errors import ExchangeError, InvalidSymbolError, LevkitError, ParseError
from ...http.wire import Response
from ...numbers import to_wire
from .dialect import GateDialect
from .parse import parse_contract, parse_positions, parse_risk_limits
from .spec import VENUE

__all__ = ["Gate", "GateDialect"]

log = logging.getLogger("levkit")

#: Markets per page of ``risk_limit_tiers`` without ``contract`` ([T1]: limit/offset page
#: MARKETS, not rows; default 100, maximum 1000).
MAX_PAGE = 1000
_CONTRACT = re.compile(r"[A-Z0-9]+_[A-Z0-9_]+")
MARGIN_MODES = ("cross", "isolated")


class Gate(Client):
    """Gate API v4 USDT-settled perpetual futures (``BTC_USDT``).

    See :class:`levkit.client.Client` for the constructor; ``from_env()`` reads
    ``GATE_API_KEY``, ``GATE_API_SECRET`` and ``GATE_TESTNET``.  Hosts: mainnet
    ``https://api.gateio.ws``, testnet ``https://api-testnet.gateapi.io`` (endpoint paths
    carry ``/api/v4``, the part Gate signs).

    Examples
    --------
    >>> from levkit.sim import Simulator, DEMO_KEY, DEMO_SECRET
    >>> from levkit.venues.gate.sim import demo_ladder
    >>> gate = Gate(DEMO_KEY, DEMO_SECRET, session=Simulator(tiers=demo_ladder()).session())
    >>> gate.risk_limits("BTC/USDT:USDT")["max_leverage"].tolist()
    [125.0, 50.0]
    """

    venue = VENUE

    def _dialect(self) -> GateDialect:
        return GateDialect()

    def symbol(self, symbol: str) -> str:
        """``symbol`` as Gate spells it (``BTC_USDT``); it goes into URL paths, so anything
        else is refused."""
        sym = super().symbol(symbol)
        if not _CONTRACT.fullmatch(sym):
            raise InvalidSymbolError(f"{symbol!r} is not a Gate contract name such as 'BTC_USDT'")
        return sym

    # -- public data -------------------------------------------------------------------
    def risk_limits(
        self, symbol: str | None = None, *, refresh: bool = False, page_size: int = MAX_PAGE
    ) -> pd.DataFrame:
        """The risk-limit ladder: one row per tier (PUBLIC_API's tiers frame).

        ``GET /api/v4/futures/usdt/risk_limit_tiers`` (public).  Without ``symbol`` every
        USDT contract is read, ``page_size`` markets per request (at most 1000), until a
        page holds fewer markets (a progress bar from the second page; ``progress=False``
        hides it).  Where Gate's rows lack ``deduction`` (older answers) it is derived
        (``mm_deduction_derived``; ``attrs["mm_deduction_derived"]``).  Cached for
        ``cache_ttl`` seconds; ``refresh=True`` fetches anew.

        Examples
        --------
        >>> lk.Gate().risk_limits("BTC_USDT")  # doctest: +SKIP
        """
        if not 1 <= int(page_size) <= MAX_PAGE:
            raise ValueError(f"page_size must be in [1, {MAX_PAGE}], not {page_size!r}")
        sym = self.symbol(symbol) if symbol is not None else None
        frame = self._cached(
            ("risk", sym), refresh, lambda: self._fetch_risk_limits(sym, int(page_size))
        )
        return frame.copy()

    def _fetch_risk_limits(self, symbol: str | None, page_size: int) -> pd.DataFrame:
        if symbol is not None:
            resp = self._call("ladder", {"contract": symbol})
            tiers = _list(resp.result, "risk_limit_tiers")
            if not tiers:
                raise LevkitError(f"Gate returned no risk-limit tiers for {symbol}")
            frame = parse_risk_limits(tiers, contract=symbol, source=resp.source)
            return self._stamp(frame, resp, requests=1)
        rows: list[dict] = []
        last: list[Response] = []
        seen: set = set()
        short: list[tuple[int, int]] = []  # (offset, markets) of a short page
        odd: dict[str, list] = {"short": [], "repeated": []}

        def page(cursor: str | None):
            # Gate pages MARKETS, not rows, by offset [T1], and says nothing of the total:
            # a short page ends the listing only if the page after it is empty (one more
            # request), and a market seen on an earlier page (a listing added between pages
            # shifts the offsets) is kept once.  Both are said (FetchWarning), not hidden.
            offset = int(cursor or 0)
            resp = self._call("ladder", {"limit": page_size, "offset": offset})
            last[:] = [resp]
            got = _list(resp.result, "risk_limit_tiers")
            markets = list(
                dict.fromkeys(str(r.get("contract")) for r in got if isinstance(r, dict))
            )
            fresh = {m for m in markets if m not in seen}
            odd["repeated"] += [m for m in markets if m in seen]
            seen.update(fresh)
            if short and markets:  # the page after a short one was not empty
                odd["short"].append(short.pop())
            short[:] = [(offset, len(markets))] if 0 < len(markets) < page_size else []
            keep = [r for r in got if not isinstance(r, dict) or str(r.get("contract")) in fresh]
            return keep, (str(offset + page_size) if fresh else None)

        for chunk in self._pages(page, "gate usdt risk limits"):
            rows.extend(chunk)
        if not rows:
            raise LevkitError("Gate returned no USDT risk-limit tiers")
        notes = _paging_notes(odd, page_size)
        frame = parse_risk_limits(rows, source=last[0].source)
        return self._stamp(frame, last[0], page_size=page_size, paging_notes=notes or None)

    def contract(self, symbol: str, *, refresh: bool = False) -> dict[str, Any]:
        """``GET /api/v4/futures/usdt/contracts/{contract}``: ``max_leverage``,
        ``min_leverage``, ``quanto_multiplier`` (coins per contract), ``status``.

        Examples
        --------
        >>> lk.Gate().contract("BTC_USDT")["max_leverage"]  # doctest: +SKIP
        125.0
        """
        sym = self.symbol(symbol)
        return dict(
            self._cached(
                ("contract", sym),
                refresh,
                lambda: parse_contract(self._call("contract", path={"contract": sym}).result),
            )
        )

    def _top_fallback(self, symbol: str) -> float:
        """The contract's ``leverage_max`` (where the ladder cannot be read)."""
        try:
            return float(self.contract(symbol)["max_leverage"])
        except LevkitError as exc:
            log.warning("gate: could not read %s's maximum leverage: %s", symbol, exc)
            return float("nan")

    # -- private data ------------------------------------------------------------------
    def leverage(self, symbol: str) -> pd.DataFrame:
        """Leverage in force on ``symbol``, with the cap it allows.

        ``GET /api/v4/futures/usdt/positions/{contract}``; in dual (hedge) mode Gate
        refuses that (``POSITION_DUAL_MODE``) and levkit reads
        ``/dual_comp/positions/{contract}`` instead (rows ``long`` and ``short``).
        Gate's ``leverage`` ``"0"`` means cross margin at ``cross_leverage_limit``: the
        ``margin_mode`` column says which, and ``leverage`` is the effective one.
        ``max_leverage`` is the symbol's top of ladder (Gate's position ``leverage_max``
        is the maximum at the current size, kept as ``tier_max_leverage``);
        ``max_position_value`` the ladder's cap at the leverage in force.

        Examples
        --------
        >>> from levkit.venues.gate.sim import demo_client
        >>> gate = demo_client()
        >>> gate.leverage("BTC_USDT")[["side", "leverage", "margin_mode", "max_leverage",
        ...                            "max_position_value"]].values.tolist()
        [['both', 10.0, 'cross', 125.0, 2000000.0]]
        """
        self._require_keys("Gate.leverage")
        return self._with_caps(self._positions(self.symbol(symbol)))

    def positions(self, symbol: str) -> pd.DataFrame:
        """Open positions on ``symbol`` (``GET /futures/usdt/positions/{contract}``, dual
        mode: ``dual_comp``): ``side``, ``size`` (contracts), ``position_value``
        (``value``), ``entry_price``, ``mark_price``; empty when flat."""
        self._require_keys("Gate.positions")
        return positions_frame(self._positions(self.symbol(symbol)), position_value="value")

    def _positions(self, sym: str) -> pd.DataFrame:
        """The position rows of ``sym``: single mode first, dual mode on
        ``POSITION_DUAL_MODE`` (Gate docs, error labels: "Operation forbidden in dual-mode")."""
        try:
            resp = self._call("position", path={"contract": sym})
        except ExchangeError as exc:
            if exc.code != "POSITION_DUAL_MODE":
                raise
            resp = self._call("dual_position", path={"contract": sym})
        frame = parse_positions(resp.result, source=resp.source)
        return self._stamp(frame, resp)

    # -- setting -----------------------------------------------------------------------
    def set_leverage(
        self,
        symbol: str,
        leverage: float,
        *,
        side: str = "both",
        margin_mode: str | None = None,
        dry_run: bool = False,
    ) -> SetAnswer:
        """Set the leverage of ``symbol``; validated before anything is sent.

        ``POST /api/v4/futures/usdt/positions/{contract}/leverage`` with QUERY parameters
        (dual mode: ``/dual_comp/positions/{contract}/leverage``, both sides at once).

        **Cross stays cross.**  On Gate a non-zero ``leverage`` switches the position to
        isolated margin without a word (gateio/gateapi-python#117, ccxt #12257).  So when
        the position is in cross margin levkit sends ``leverage=0&cross_leverage_limit=L``
        and it stays cross; an isolated position gets ``leverage=L``.  Pass
        ``margin_mode="isolated"`` (or ``"cross"``) to choose the mode explicitly.

        Parameters
        ----------
        side : {"both"}
            Gate keeps one leverage per contract: single mode has one position, and the
            dual-mode endpoint sets long and short together.  ``"long"``/``"short"`` raise
            :class:`~levkit.errors.PositionModeError` before anything is sent.
        margin_mode : {None, "cross", "isolated"}
            ``None`` keeps the mode the position is in.
        dry_run : bool
            Send nothing; return the :class:`~levkit.http.wire.RequestPreview` (key masked,
            signature elided).  The leverage in force is still read.

        Returns
        -------
        DataFrame
            The leverage frame after the change, with ``previous_leverage`` and
            ``changed``.  Gate has no "not modified" answer: when the leverage (and
            margin mode) asked for is already in force nothing is sent and ``changed`` is
            False (``attrs["message"]`` says so).

        Examples
        --------
        >>> from levkit.venues.gate.sim import demo_client
        >>> gate = demo_client()
        >>> out = gate.set_leverage("BTC_USDT", 20)
        >>> out[["leverage", "previous_leverage", "changed", "margin_mode"]].values.tolist()
        [[20.0, 10.0, True, 'cross']]
        >>> bool(gate.set_leverage("BTC_USDT", 20)["changed"].any())
        False
        >>> print(gate.set_leverage("BTC_USDT", 50, dry_run=True))  # doctest: +ELLIPSIS
        POST https://.../api/v4/futures/usdt/positions/BTC_USDT/leverage?leverage=0&cross_leverage_limit=50
        ...
        """
        return self._set_leverage(
            symbol, leverage, side=side, dry_run=dry_run, margin_mode=margin_mode
        )

    # -- set_leverage hooks ----------------------------------------------------------
    one_side = "Gate keeps one leverage per contract (dual mode sets long and short together)"
    skip_in_force = True

    def _set_options(self, *, margin_mode: str | None = None) -> dict[str, Any]:
        if margin_mode is not None and margin_mode not in MARGIN_MODES:
            raise ValueError(
                f"margin_mode must be 'cross', 'isolated' or None, not {margin_mode!r}"
            )
        return {"margin_mode": margin_mode}

    def _leverage_limits(self, change: LeverageChange) -> tuple[float, float | None]:
        """The top of the ladder; the contract's ``leverage_max`` when it has none."""
        step = self.venue.capabilities.leverage_step
        try:
            return float(self.risk_limits(change.symbol)["max_leverage"].max()), step
        except LevkitError as exc:
            if isinstance(exc, ExchangeError) and exc.code == "CONTRACT_NOT_FOUND":
                raise
            log.warning("gate: no risk limits for %s (%s); using the contract's maximum",
                        change.symbol, exc)  # fmt: skip
        return float(self.contract(change.symbol)["max_leverage"]), step

    def _read_state(self, sym: str, opts: dict, *, refresh: bool = False) -> pd.DataFrame:
        return self._positions(sym)

    def _set_requests(self, change: LeverageChange) -> list[SetRequest]:
        """QUERY parameters; cross stays cross (``leverage=0&cross_leverage_limit=L``)."""
        before = change.held
        dual = bool((before["mode"] != "single").any())
        target = change.options["margin_mode"] or str(before["margin_mode"].iloc[0])
        change.detail = f" {target}{' (dual mode)' if dual else ''}"
        change.attrs["margin_mode"] = target
        lev = to_wire(change.value, places=2)
        params = (
            {"leverage": "0", "cross_leverage_limit": lev}
            if target == "cross"
            else {"leverage": lev}
        )
        role = "dual_set_leverage" if dual else "set_leverage"
        return [SetRequest(role, params, tuple(before["side"]), path={"contract": change.symbol})]

    def _in_force(self, change: LeverageChange) -> bool:
        modes = change.held["margin_mode"]
        return bool((modes == change.attrs["margin_mode"]).all()) and super()._in_force(change)

    def _set_result(self, change: LeverageChange, replies: list[Response]) -> pd.DataFrame:
        """Gate answers the position(s) after the change."""
        after = parse_positions(replies[-1].result, source=replies[-1].source)
        modes = change.held.drop_duplicates("side").set_index("side")["margin_mode"]
        after["previous_margin_mode"] = after["side"].map(modes)
        return after


def _paging_notes(odd: dict[str, list], page_size: int) -> list[str]:
    """What went wrong while paging the listing, warned (:class:`FetchWarning`) and kept in
    ``attrs["paging_notes"]``."""
    from ...errors import say_missing

    notes = [
        f"gate: the page at offset {offset} held {n} of {page_size} markets, yet markets "
        "followed (read on to an empty page)"
        for offset, n in odd["short"]
    ]
    if odd["repeated"]:
        names = ", ".join(sorted(set(map(str, odd["repeated"])))[:10])
        notes.append(
            f"gate: paging repeated {names} (the listing changed between pages); each ladder "
            "is kept once, and a market delisted meanwhile may be missing"
        )
    for note in notes:
        say_missing(note, stacklevel=6)
    return notes


def _list(result: Any, what: str) -> list:
    if not isinstance(result, list):
        raise ParseError(f"gate {what}: expected a list, got {type(result).__name__}")
    return result
