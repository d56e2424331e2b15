"""OKX API v5, USDT-margined swaps: position tiers (public), leverage in force and setting
it (signed, with a passphrase).

>>> import levkit as lk
>>> client = lk.OKX()                       # public data needs no keys
>>> client.exchange, client.base_url
('okx', 'https://www.okx.com')
"""

from __future__ import annotations

import logging
import math
from typing import Any

import pandas as pd

from ...client import Client, positions_frame
from ...client.setting import LeverageChange, SetAnswer, SetRequest
from ...errors import InvalidSymbolError, LevkitError, PositionModeError
from ...http.wire import Response
from ...numbers import to_wire
from .dialect import OKXDialect, okx_error
from .parse import (
    MARGIN_MODES,
    parse_instruments,
    parse_leverage_info,
    parse_marks,
    parse_pos_mode,
    parse_position_tiers,
    parse_positions,
)
from .spec import FAMILIES_PER_CALL, VENUE

__all__ = ["OKX", "OKXDialect", "okx_error"]

log = logging.getLogger("levkit")


def _instrument_kind(symbol: str) -> str:
    """``"inverse"`` for OKX's coin-margined ids (``BTC-USD-SWAP``: quote USD, settled in the
    coin, ``ctType`` inverse), else ``"linear"`` (``BTC-USDT-SWAP``, ``BTC-USDC-SWAP``).
    (One place, to be pointed at :func:`levkit.symbols.resolve` when instruments resolve
    there; the instruments list's ``ctType`` confirms it, docs/instruments.md §3.6.)

    >>> _instrument_kind("BTC-USD-SWAP"), _instrument_kind("BTC-USDT-SWAP")
    ('inverse', 'linear')
    """
    parts = symbol.split("-")
    return "inverse" if len(parts) >= 2 and parts[1] == "USD" else "linear"


def _mode(margin_mode: str) -> str:
    if margin_mode not in MARGIN_MODES:
        raise ValueError(f"margin_mode must be 'cross' or 'isolated', not {margin_mode!r}")
    return margin_mode


class OKX(Client):
    """OKX API v5, USDT-margined perpetual swaps (``BTC-USDT-SWAP``).

    See :class:`levkit.client.Client` for the constructor; OKX keys also need
    ``passphrase=...`` (or ``OKX_PASSPHRASE`` with :meth:`from_env`), a secret like the
    API secret: never shown in a repr, message, preview, frame or log.  ``testnet=True``
    is OKX demo trading: the same host, every request with ``x-simulated-trading: 1``
    (demo keys are separate keys).

    Examples
    --------
    >>> from levkit.sim import Simulator, DEMO_KEY, DEMO_PASSPHRASE, DEMO_SECRET
    >>> from levkit.frames import tiers_frame
    >>> ladder = tiers_frame({"exchange": ["okx"] * 2, "symbol": ["BTC-USDT-SWAP"] * 2,
    ...     "max_notional": [300000.0, 1200000.0], "max_leverage": [100.0, 50.0]},
    ...     source="snapshot")
    >>> okx = OKX(DEMO_KEY, DEMO_SECRET, passphrase=DEMO_PASSPHRASE,
    ...           session=Simulator(tiers=ladder).session())
    >>> okx
    OKX(host='simulator', api_key='sim-...')
    >>> okx.risk_limits("BTC")[["tier", "max_notional", "max_leverage", "max_size"]].values.tolist()
    [[1.0, 300000.0, 100.0, 500.0], [2.0, 1200000.0, 50.0, 2000.0]]
    """

    venue = VENUE

    def _dialect(self) -> OKXDialect:
        return OKXDialect(demo=self.testnet)

    @property
    def is_live_mainnet(self) -> bool:
        """Demo trading shares the mainnet host: only ``testnet=False`` is live."""
        return super().is_live_mainnet and not self.testnet

    def _inst_type(self, sym: str | None) -> str:
        """OKX's ``instType`` of an id: ``FUTURES`` for a dated one, else ``SWAP``."""
        return self.instrument(sym).category if sym is not None else "SWAP"

    # -- public data -----------------------------------------------------------------
    def instruments(self, symbol: str | None = None, *, refresh: bool = False) -> pd.DataFrame:
        """Instruments from ``GET /api/v5/public/instruments?instType=SWAP`` (``FUTURES``
        for a dated id such as ``BTC-USDT-251226``): contract value (``ct_val`` x ``ct_mult``, in ``ct_val_ccy``), ``inst_family``,
        ``settle_ccy``, ``max_leverage`` (``lever``), ``state``.  Cached like risk limits.

        Examples
        --------
        >>> lk.OKX().instruments("BTC-USDT-SWAP")  # doctest: +SKIP
        """
        sym = self.symbol(symbol) if symbol is not None else None

        kind = self._inst_type(sym)

        def fetch() -> pd.DataFrame:
            params = {"instType": kind, **({"instId": sym} if sym else {})}
            resp = self._call("instruments", params)
            if not resp.result:
                raise InvalidSymbolError(f"OKX lists no {kind} {sym or ''}".strip())
            return parse_instruments(resp.result)

        return self._cached(("instruments", sym), refresh, fetch).copy()

    def mark_prices(self, symbol: str | None = None, *, refresh: bool = False) -> dict[str, float]:
        """``{instId: mark price}`` from ``GET /api/v5/public/mark-price?instType=SWAP``
        (``FUTURES`` for a dated id; cached like risk limits)."""
        sym = self.symbol(symbol) if symbol is not None else None
        kind = self._inst_type(sym)

        def fetch() -> dict[str, float]:
            params = {"instType": kind, **({"instId": sym} if sym else {})}
            return parse_marks(self._call("marks", params).result)

        return dict(self._cached(("marks", sym), refresh, fetch))

    def risk_limits(
        self,
        symbol: str | None = None,
        *,
        margin_mode: str = "cross",
        refresh: bool = False,
    ) -> pd.DataFrame:
        """The position-tier ladder (PUBLIC_API's tiers frame), for ``margin_mode``.

        OKX states tier bounds in contracts; levkit converts them to quote notional at the
        mark price it fetched with them: ``max_notional = maxSz x ctVal x ctMult x mark``,
        and ``min_notional`` is the previous tier's ``max_notional`` (OKX's ``minSz`` is
        one contract above the previous ``maxSz``).  Coin-margined swaps
        (``BTC-USD-SWAP``, ``ctType`` inverse, ``ctVal`` in USD) convert exactly, with no
        price: ``maxSz x ctVal x ctMult`` USD (``notional_unit`` ``USD``, ``category``
        ``inverse``).  Extra columns keep what the
        conversion used: ``min_size``/``max_size`` (contracts, as OKX states them),
        ``ct_val``, ``ct_mult``, ``price`` (the mark), ``okx_tier``, ``inst_family``,
        ``margin_mode``.  ``mm_deduction`` is 0: OKX publishes none.

        Without ``symbol``: every live USDT-settled SWAP, in ``ceil(families / 5)``
        position-tier calls (plus one instruments and one mark-price call), paced to the
        published 10 requests / 2 s, with a progress bar (``progress=False`` hides it).
        Cached on this client for ``cache_ttl`` seconds; ``refresh=True`` fetches anew.

        Examples
        --------
        >>> lk.OKX().risk_limits("BTC-USDT-SWAP", margin_mode="isolated")  # doctest: +SKIP
        """
        mode = _mode(margin_mode)
        sym = self.symbol(symbol) if symbol is not None else None
        frame = self._cached(
            ("tiers", mode, sym), refresh, lambda: self._fetch_tiers(sym, mode, refresh)
        )
        return frame.copy()

    def _fetch_tiers(self, sym: str | None, mode: str, refresh: bool) -> pd.DataFrame:
        inst = self.instruments(sym, refresh=refresh)
        if sym is None:
            inst = inst[
                (inst["settle_ccy"] == "USDT")
                & (inst["state"] == "live")
                & (inst["inst_type"] == "SWAP")
            ]
        else:
            inst = inst[inst["symbol"] == sym]
        if inst.empty:
            raise InvalidSymbolError(f"OKX lists no live USDT SWAP {sym or ''}".strip())
        # coin-margined swaps' tiers are USD (contracts x ctVal): no price needed
        coin_margined = sym is not None and _instrument_kind(sym) == "inverse"
        marks = {} if coin_margined else self.mark_prices(sym, refresh=refresh)
        families = list(dict.fromkeys(inst["inst_family"]))
        chunks = [
            families[i : i + FAMILIES_PER_CALL] for i in range(0, len(families), FAMILIES_PER_CALL)
        ]
        rows: list[dict] = []
        last: list[Response] = []
        kind = self._inst_type(sym)  # a dated id's family ladder is its FUTURES one
        for chunk in self._each(chunks, f"okx {mode} position tiers", "call"):
            params = {"instType": kind, "tdMode": mode, "instFamily": ",".join(chunk)}
            resp = self._call("ladder", params)
            last[:] = [resp]
            rows.extend(resp.result)
        if not rows:
            raise LevkitError(f"OKX returned no position tiers for {sym or 'any USDT swap'}")
        frame = parse_position_tiers(
            rows, inst, marks, margin_mode=mode, source=last[0].source, tier_requests=len(chunks)
        )
        if sym is not None and sym not in set(frame["symbol"]):
            raise LevkitError(f"OKX: no mark price for {sym}, so its tiers cannot be converted")
        missing = frame.attrs.get("no_mark_price")
        if missing:  # named in attrs["no_mark_price"] and warned, never dropped silently
            from ...errors import say_missing

            say_missing(f"okx: no mark price for {', '.join(missing)}; their tiers are left out")
        return self._stamp(frame, last[0])

    # -- private data ----------------------------------------------------------------
    def leverage(self, symbol: str, *, margin_mode: str = "cross") -> pd.DataFrame:
        """Leverage in force on ``symbol`` for ``margin_mode``, one row per side
        (``long``/``short`` in long/short mode, ``both`` in net mode).

        ``max_leverage`` is the top of the symbol's ladder for ``margin_mode`` and
        ``max_position_value`` its cap at the leverage in force (OKX's answer carries
        neither): the public ladder is read when this client does not hold it yet (see
        :meth:`risk_limits`), then cached.  Where it cannot be read, ``max_leverage`` is
        the instrument's ``lever`` and the cap NaN (the log says why).  Extra columns
        ``margin_mode`` and ``pos_mode``.

        Examples
        --------
        >>> from levkit.sim import Simulator, DEMO_KEY, DEMO_PASSPHRASE, DEMO_SECRET
        >>> from levkit.frames import tiers_frame
        >>> ladder = tiers_frame({"exchange": ["okx"], "symbol": ["ETH-USDT-SWAP"],
        ...     "max_notional": [600000.0], "max_leverage": [75.0]}, source="snapshot")
        >>> okx = OKX(DEMO_KEY, DEMO_SECRET, passphrase=DEMO_PASSPHRASE,
        ...           session=Simulator(tiers=ladder).session())
        >>> okx.leverage("ETH")[["side", "leverage", "max_leverage", "max_position_value"]].values.tolist()
        [['both', 10.0, 75.0, 600000.0]]
        """
        self._require_keys("OKX.leverage")
        mode = _mode(margin_mode)
        sym = self.symbol(symbol)
        return self._with_caps(self._read_state(sym, {"margin_mode": mode}), {"margin_mode": mode})

    def positions(self, symbol: str) -> pd.DataFrame:
        """Open positions on ``symbol`` (``GET /api/v5/account/positions``, signed, 10 / 2 s):
        ``side`` (``both`` in net mode), ``direction``, ``size`` (contracts),
        ``position_value`` (USDT: ``|pos| x ctVal x ctMult x markPx``, the contract value
        from the cached public instruments list), ``entry_price`` (``avgPx``),
        ``mark_price``; empty when flat.  See :func:`levkit.venues.okx.parse.parse_positions`.
        """
        self._require_keys("OKX.positions")
        sym = self.symbol(symbol)
        resp = self._call("positions", {"instType": self._inst_type(sym), "instId": sym})
        inst = self.instruments(sym) if resp.result else pd.DataFrame()
        frame = parse_positions(resp.result, inst, source=resp.source)
        return positions_frame(self._stamp(frame, resp))

    def _pos_mode(self) -> str:
        return parse_pos_mode(self._call("mode", {}).result)

    def _leverage_info(self, sym: str, mode: str, pos_mode: str) -> pd.DataFrame:
        resp = self._call("leverage", {"instId": sym, "mgnMode": mode})
        frame = parse_leverage_info(resp.result, source=resp.source, pos_mode=pos_mode)
        return self._stamp(frame, resp)

    # -- setting ---------------------------------------------------------------------
    def set_leverage(
        self,
        symbol: str,
        leverage: float,
        *,
        side: str = "both",
        margin_mode: str = "cross",
        dry_run: bool = False,
    ) -> SetAnswer:
        """Set the leverage of ``symbol`` for ``margin_mode``; validated before anything
        is sent (against the instrument's ``lever`` and a 0.01 step).

        ``POST /api/v5/account/set-leverage`` with ``{instId, lever, mgnMode}``.  In cross
        margin the leverage is one value per instrument for both sides, and in net mode
        there is one side: ``side`` must then be ``"both"``.  Isolated margin in
        long/short mode sets one side per request (``posSide``): ``side="both"`` sends two,
        long then short; if the short one fails after the long one was set, the error
        (whatever its kind) has ``partial=True`` and ``applied={"long": L}`` and says so.

        Parameters
        ----------
        side : {"both", "long", "short"}
        margin_mode : {"cross", "isolated"}
        dry_run : bool
            Send nothing that changes anything; return the
            :class:`~levkit.http.wire.RequestPreview` (or a
            :class:`~levkit.http.wire.RequestSequence` of two) with the key masked and the
            signature and passphrase elided.  The leverage in force is still read.

        Returns
        -------
        DataFrame
            The leverage frame after the change with ``changed`` (OKX echoes the value and
            has no "not modified" answer: ``changed`` is False where the leverage read
            just before already was the one asked) and ``previous_leverage``.

        Examples
        --------
        >>> from levkit.sim import Simulator, DEMO_KEY, DEMO_PASSPHRASE, DEMO_SECRET
        >>> from levkit.frames import tiers_frame
        >>> ladder = tiers_frame({"exchange": ["okx"], "symbol": ["BTC-USDT-SWAP"],
        ...     "max_notional": [300000.0], "max_leverage": [100.0]}, source="snapshot")
        >>> okx = OKX(DEMO_KEY, DEMO_SECRET, passphrase=DEMO_PASSPHRASE,
        ...           session=Simulator(tiers=ladder).session())
        >>> out = okx.set_leverage("BTC-USDT-SWAP", 25)
        >>> out[["side", "leverage", "previous_leverage", "changed"]].values.tolist()
        [['both', 25.0, 10.0, True]]
        >>> bool(okx.set_leverage("BTC-USDT-SWAP", 25)["changed"].any())
        False
        >>> print(okx.set_leverage("BTC-USDT-SWAP", 30, dry_run=True).body)
        {"instId":"BTC-USDT-SWAP","lever":"30","mgnMode":"cross"}
        """
        return self._set_leverage(
            symbol, leverage, side=side, dry_run=dry_run, margin_mode=margin_mode
        )

    # -- set_leverage hooks ----------------------------------------------------------
    def _set_options(self, *, margin_mode: str = "cross") -> dict[str, Any]:
        return {"margin_mode": _mode(margin_mode)}

    def _leverage_limits(self, change: LeverageChange) -> tuple[float, float | None]:
        top = float(self.instruments(change.symbol).iloc[0]["max_leverage"])
        return (top if math.isfinite(top) else math.inf), self.venue.capabilities.leverage_step

    def _read_state(self, sym: str, opts: dict, *, refresh: bool = False) -> pd.DataFrame:
        return self._leverage_info(sym, opts["margin_mode"], self._pos_mode())

    def _set_requests(self, change: LeverageChange) -> list[SetRequest]:
        """One request per instrument, or per side (``posSide``) in isolated long/short
        mode, where ``side="both"`` is two: long, then short."""
        mode, side, before = change.options["margin_mode"], change.side, change.held
        pos_mode = str(before["pos_mode"].iloc[0])
        change.mode, change.detail = pos_mode, f" {mode}"
        per_side = pos_mode == "long_short_mode" and mode == "isolated"
        if not per_side and side != "both":
            why = (
                "in net mode there is one position per instrument"
                if pos_mode == "net_mode"
                else "under cross margin OKX keeps one leverage per instrument for both sides"
            )
            raise PositionModeError(
                f"{change.symbol}: {why}, so side={side!r} cannot be set alone; use side='both'"
                + ("" if pos_mode == "net_mode" else " or margin_mode='isolated'"),
                exchange="okx",
                endpoint=self.venue.endpoint("set_leverage").path,
            )
        body = {"instId": change.symbol, "lever": to_wire(change.value, places=2), "mgnMode": mode}
        if not per_side:
            return [SetRequest("set_leverage", body, tuple(before["side"]))]
        sides = [s for s in ("long", "short") if side in ("both", s)]
        return [SetRequest("set_leverage", {**body, "posSide": s}, (s,)) for s in sides]

    def _top_fallback(self, symbol: str) -> float:
        try:
            return float(self.instruments(symbol).iloc[0]["max_leverage"])
        except LevkitError as exc:  # max_leverage stays NaN; say why
            log.warning("okx: could not read %s's maximum leverage: %s", symbol, exc)
            return math.nan
