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

import numpy as np
import pandas as pd

from ...client import Client, fill_caps, positions_frame
from ...errors import ExchangeError, InvalidSymbolError, LevkitError, ParseError, PositionModeError
from ...numbers import leverage_equal, to_wire
from ...validate import check_leverage, check_side
from ...wire import RequestPreview, Response
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

    # -- calls -------------------------------------------------------------------------
    def _contract(self, symbol: str) -> str:
        sym = self.symbol(symbol)
        if not _CONTRACT.fullmatch(sym):  # it goes into a URL path
            raise InvalidSymbolError(f"{symbol!r} is not a Gate contract name such as 'BTC_USDT'")
        return sym

    def _path(self, role: str, contract: str | None = None) -> str:
        path = self.venue.endpoint(role).path
        return path.format(contract=contract) if "{contract}" in path else path

    def _send(
        self, role: str, params: dict[str, Any] | None = None, contract: str | None = None, **kw
    ) -> Response:
        """Like ``_call``, with the ``{contract}`` of the spec's path filled in."""
        ep = self.venue.endpoint(role)
        kw.setdefault("signed", ep.signed)
        if ep.limit is not None:
            kw.setdefault("limiter", self._endpoint_limiter(ep))
        return self.transport.request(ep.method, self._path(role, contract), params or {}, **kw)

    # -- public data -------------------------------------------------------------------
    def risk_limits(
        self, symbol: str | None = None, *, refresh: bool = False, page_size: int = MAX_PAGE
    ) -> pd.DataFrame:
        """The risk-limit ladder: one row per tier (PUBLIC_API's tiers frame).

        ``GET /api/v4/futures/usdt/risk_limit_tiers`` (public).  Without ``symbol`` every
        USDT contract is read, ``page_size`` markets per request (at most 1000), until a
        page holds fewer markets (a progress bar from the second page; ``progress=False``
        hides it).  Where Gate's rows lack ``deduction`` (older answers) it is derived
        (``deduction_derived``; ``attrs["mm_deduction_derived"]``).  Cached for
        ``cache_ttl`` seconds; ``refresh=True`` fetches anew.

        Examples
        --------
        >>> lk.Gate().risk_limits("BTC_USDT")  # doctest: +SKIP
        """
        if not 1 <= int(page_size) <= MAX_PAGE:
            raise ValueError(f"page_size must be in [1, {MAX_PAGE}], not {page_size!r}")
        sym = self._contract(symbol) if symbol is not None else None
        frame = self._cached(
            ("risk", sym), refresh, lambda: self._fetch_risk_limits(sym, int(page_size))
        )
        return frame.copy()

    def _fetch_risk_limits(self, symbol: str | None, page_size: int) -> pd.DataFrame:
        if symbol is not None:
            resp = self._send("ladder", {"contract": symbol})
            rows = _list(resp.result, "risk_limit_tiers")
            if not rows:
                raise LevkitError(f"Gate returned no risk-limit tiers for {symbol}")
            frame = parse_risk_limits(rows, contract=symbol, source=resp.source)
            return self._stamp(frame, resp, requests=1)
        rows: list[dict] = []
        last: list[Response] = []

        def page(cursor: str | None):
            offset = int(cursor or 0)
            resp = self._send("ladder", {"limit": page_size, "offset": offset})
            last[:] = [resp]
            got = _list(resp.result, "risk_limit_tiers")
            markets = {str(r.get("contract")) for r in got if isinstance(r, dict)}
            full = len(markets) >= page_size
            return got, (str(offset + page_size) if full and got else None)

        for chunk in self._pages(page, "gate usdt risk limits"):
            rows.extend(chunk)
        if not rows:
            raise LevkitError("Gate returned no USDT risk-limit tiers")
        frame = parse_risk_limits(rows, source=last[0].source)
        return self._stamp(frame, last[0], page_size=page_size)

    def contract(self, symbol: str, *, refresh: bool = False) -> dict[str, Any]:
        """``GET /api/v4/futures/usdt/contracts/{contract}``: ``max_leverage``,
        ``min_leverage``, ``quanto_multiplier`` (coins per contract), ``status``.

        Examples
        --------
        >>> lk.Gate().contract("BTC_USDT")["max_leverage"]  # doctest: +SKIP
        125.0
        """
        sym = self._contract(symbol)
        return dict(
            self._cached(
                ("contract", sym),
                refresh,
                lambda: parse_contract(self._send("contract", {}, sym).result),
            )
        )

    def _top_and_ladder(self, sym: str) -> tuple[float, pd.DataFrame]:
        """The symbol's top leverage and its ladder (the ladder may be empty: then the
        contract's ``leverage_max``)."""
        try:
            ladder = self.risk_limits(sym)
            return float(ladder["max_leverage"].max()), ladder
        except (LevkitError, ParseError) as exc:
            if isinstance(exc, ExchangeError) and exc.code == "CONTRACT_NOT_FOUND":
                raise
            log.warning("gate: no risk limits for %s (%s); using the contract's maximum", sym, exc)
        empty = pd.DataFrame(columns=["exchange", "symbol", "max_leverage", "max_notional"])
        return float(self.contract(sym)["max_leverage"]), empty

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
        sym = self._contract(symbol)
        frame = self._positions(sym)
        top, ladder = self._top_and_ladder(sym)
        return _with_caps(frame, ladder, top)

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
            resp = self._send("position", {}, sym)
        except ExchangeError as exc:
            if exc.code != "POSITION_DUAL_MODE":
                raise
            resp = self._send("dual_position", {}, sym)
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
    ) -> pd.DataFrame | RequestPreview:
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
            Send nothing; return the :class:`~levkit.wire.RequestPreview` (key masked,
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
        side = check_side(side)
        if margin_mode is not None and margin_mode not in MARGIN_MODES:
            raise ValueError(
                f"margin_mode must be 'cross', 'isolated' or None, not {margin_mode!r}"
            )
        sym = self._contract(symbol)
        check_leverage(leverage, max_leverage=float("inf"), symbol=sym)  # before any request
        if side != "both":
            raise PositionModeError(
                f"Gate keeps one leverage per contract (dual mode sets long and short "
                f"together), so side={side!r} cannot be set alone; use side='both'",
                exchange="gate",
                endpoint=self._path("set_leverage", sym),
            )
        self._require_keys("Gate.set_leverage")
        top, ladder = self._top_and_ladder(sym)
        lev = check_leverage(
            leverage, max_leverage=top, step=self.venue.capabilities.leverage_step, symbol=sym
        )
        before = self._positions(sym)
        dual = bool((before["mode"] != "single").any())
        current_mode = str(before["margin_mode"].iloc[0])
        target_mode = margin_mode or current_mode
        if target_mode == "cross":
            params = {"leverage": "0", "cross_leverage_limit": to_wire(lev, places=2)}
        else:
            params = {"leverage": to_wire(lev, places=2)}
        role = "dual_set_leverage" if dual else "set_leverage"
        path = self._path(role, sym)
        if dry_run:
            note = f"dry run: {sym} -> {lev:g}x {target_mode}{' (dual mode)' if dual else ''}, not sent"
            return self.transport.preview("POST", path, params, note=note)
        in_force = bool(
            (before["margin_mode"] == target_mode).all()
            and np.all(leverage_equal(before["leverage"].to_numpy(float), lev))
        )
        if in_force:
            after = before.copy()
            after["previous_leverage"] = after["leverage"]
            after["changed"] = False
            out = _with_caps(after, ladder, top)
            out.attrs = dict(before.attrs)
            out.attrs["message"] = "leverage already in force: nothing sent"
            return out
        resp = self._send(role, params, sym)
        after = parse_positions(resp.result, source=resp.source)
        prev = before.set_index("side")["leverage"]
        prev_mode = before.set_index("side")["margin_mode"]
        after["previous_leverage"] = after["side"].map(prev).astype("float64")
        after["previous_margin_mode"] = after["side"].map(prev_mode)
        same = leverage_equal(
            after["previous_leverage"].to_numpy(float), after["leverage"].to_numpy(float)
        )
        after["changed"] = (
            ~np.asarray(same, dtype=bool)
            | (after["previous_margin_mode"] != after["margin_mode"]).to_numpy()
        )
        out = _with_caps(after, ladder, top)
        return self._stamp(out, resp, message="leverage changed", margin_mode=target_mode)


def _with_caps(frame: pd.DataFrame, ladder: pd.DataFrame, top: float) -> pd.DataFrame:
    attrs = dict(frame.attrs)
    frame = frame.copy()
    frame["max_leverage"] = np.nan
    frame["max_position_value"] = np.nan
    out = fill_caps(frame, ladder) if len(ladder) else frame
    out["max_leverage"] = out["max_leverage"].fillna(top)
    out.attrs = attrs
    return out


def _list(result: Any, what: str) -> list:
    if not isinstance(result, list):
        raise ParseError(f"gate {what}: expected a list, got {type(result).__name__}")
    return result
