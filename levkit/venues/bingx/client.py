"""BingX perpetual swap (USDT-M): leverage per side, setting it, margin bands (all signed).

>>> import levkit as lk
>>> lk.BingX("test-key-0000", "test-secret-not-real", testnet=True)
BingX(host='https://open-api-vst.bingx.com', api_key='test...')
"""

from __future__ import annotations

import logging
import math
from typing import Any

import pandas as pd

from ...client import Client, positions_frame
from ...client.setting import LeverageChange, SetRequest
from ...errors import LevkitError, PositionModeError
from ...http.wire import RequestPreview, RequestSequence, Response
from .dialect import BingXDialect, bingx_error
from .parse import (
    apply_set_answers,
    parse_leverage,
    parse_margin_ratio,
    parse_open_orders,
    parse_position_mode,
    parse_positions,
    parse_set_leverage,
    wire_sides,
)
from .spec import VENUE

__all__ = ["BingX", "BingXDialect", "RequestSequence", "bingx_error", "WIRE_SIDES"]

#: The set-leverage path (what errors and previews name).
LEVERAGE = VENUE.endpoint("set_leverage").path

log = logging.getLogger("levkit")

#: levkit side -> BingX ``side`` words sent, in this order, per position mode
WIRE_SIDES: dict[str, dict[str, tuple[str, ...]]] = {
    "hedge": {"both": ("LONG", "SHORT"), "long": ("LONG",), "short": ("SHORT",)},
    "one-way": {"both": ("BOTH",)},
}


class BingX(Client):
    """BingX perpetual swap, USDT-M; every call is signed.  Constructor: see
    :class:`levkit.client.Client`; ``testnet=True`` is the VST demo host
    ``https://open-api-vst.bingx.com``; :meth:`from_env` reads ``BINGX_API_KEY``/``_SECRET``.

    BingX publishes no leverage ladder: :meth:`risk_limits` says how to get one
    (:meth:`discover_tiers`, or ``lk.load_snapshot("bingx", symbol)``);
    :meth:`margin_bands` reads its maintenance-margin bands.
    """

    venue = VENUE

    def _dialect(self) -> BingXDialect:
        return BingXDialect()

    # -- reading -----------------------------------------------------------------------
    def leverage(self, symbol: str | None = None) -> pd.DataFrame:
        """Leverage in force on both sides of ``symbol`` (any spelling), with the caps.

        Returns the leverage frame, rows ``long`` and ``short``, plus ``available_value``
        and ``available_volume``.  ``max_position_value`` is BingX's own
        ``maxPositionLongVal``/``maxPositionShortVal`` at the leverage in force; where the
        answer leaves them out it stays NaN (levkit does not guess it from a snapshot:
        ``lk.load_snapshot("bingx", symbol)`` is the caller's choice).

        Examples
        --------
        >>> lk.BingX.from_env().leverage("BTCUSDT")  # doctest: +SKIP
        """
        sym = self._bingx_symbol(symbol, "leverage")
        self._require_keys("BingX.leverage")
        return self._read_state(sym, {})

    def _read_state(self, sym: str, opts: dict, *, refresh: bool = False) -> pd.DataFrame:
        resp = self._call("leverage", {"symbol": sym})
        return self._stamp(parse_leverage(resp.result, symbol=sym, source=resp.source), resp)

    def position_mode(self, refresh: bool = False) -> str:
        """``"hedge"`` (LONG and SHORT apart) or ``"one-way"`` (BOTH), from
        ``positionSide/dual``; cached on this client for ``cache_ttl`` seconds."""
        self._require_keys("BingX.position_mode")

        def fetch() -> str:
            return parse_position_mode(self._call("mode").result)

        return self._cached(("position_mode",), refresh, fetch)

    def risk_limits(self, symbol: str | None = None, **_: Any) -> pd.DataFrame:
        """BingX publishes no leverage ladder: this raises :class:`~levkit.LevkitError`
        saying how to get one.

        - ``client.discover_tiers(symbol)`` probes it on your account (flat symbol only;
          the leverage is put back), exact and current;
        - ``lk.load_snapshot("bingx", symbol)`` reads the shipped or saved ladder (dated);
        - ``client.margin_bands(symbol)`` gives the maintenance-margin bands (no leverage).
        """
        what = f"({symbol!r})" if symbol is not None else "(symbol)"
        raise LevkitError(
            "BingX publishes no leverage ladder through its API. Get one by probing "
            f"your account with client.discover_tiers{what} (flat symbol only; the leverage "
            f"is put back), or read the shipped/saved one with lk.load_snapshot('bingx'"
            f"{', ' + repr(symbol) if symbol is not None else ''}); "
            f"client.margin_bands{what} gives the maintenance-margin bands"
        )

    def margin_bands(self, symbol: str | None = None, *, refresh: bool = False) -> pd.DataFrame:
        """Maintenance-margin bands of ``symbol`` from ``maintMarginRatio`` as a tiers frame.

        ``max_leverage`` and ``initial_margin_rate`` are NaN: BingX does not publish them
        there.  ``lk.merge_tiers(ladder, bands)`` joins them to a leverage ladder.  Extra
        column ``tier_label``.  Cached for ``cache_ttl`` seconds; ``refresh=True`` fetches
        anew.  (levkit 0.1 returned these from ``risk_limits``.)
        """
        sym = self._bingx_symbol(symbol, "margin_bands")
        self._require_keys("BingX.margin_bands")

        def fetch() -> pd.DataFrame:
            resp = self._call("margin_bands", {"symbol": sym})
            if not resp.result:
                raise LevkitError(f"BingX returned no margin bands for {sym}")
            frame = parse_margin_ratio(resp.result, symbol=sym, source=resp.source)
            if frame["symbol"].nunique() > 1:
                frame = frame[frame["symbol"] == sym].reset_index(drop=True)
            return self._stamp(frame, resp)

        return self._cached(("bands", sym), refresh, fetch).copy()

    def open_positions(self, symbol: str | None = None) -> pd.DataFrame:
        """Open positions (all symbols, or ``symbol``): ``symbol``, ``side``, ``size``,
        ``position_value``, ``leverage``...; an empty frame when flat."""
        self._require_keys("BingX.open_positions")
        resp = self._call("positions", {"symbol": self.symbol(symbol)} if symbol else {})
        frame = parse_positions(resp.result, source=resp.source)
        frame = frame[frame["size"].fillna(1.0) != 0].reset_index(drop=True)
        return self._stamp(frame, resp)

    def positions(self, symbol: str) -> pd.DataFrame:
        """Open positions on ``symbol`` in the one shape every client gives: ``side``,
        ``direction``, ``size``, ``position_value``, ``entry_price`` (``avgPrice``),
        ``mark_price``; empty when flat (:meth:`open_positions` has BingX's own columns)."""
        return positions_frame(self.open_positions(symbol), entry_price="avg_price")

    def open_orders(self, symbol: str | None = None) -> pd.DataFrame:
        """Open orders (all symbols, or ``symbol``); an empty frame when there are none."""
        self._require_keys("BingX.open_orders")
        resp = self._call("orders", {"symbol": self.symbol(symbol)} if symbol else {})
        return self._stamp(parse_open_orders(resp.result, source=resp.source), resp)

    def _bingx_symbol(self, symbol: str | None, method: str) -> str:
        if symbol is None:
            raise ValueError(f"BingX needs a symbol: BingX.{method}('BTC-USDT')")
        return self.symbol(symbol)

    # -- setting: the one sequence of levkit.client.setting, with BingX's hooks ---------------
    def set_leverage(
        self, symbol: str, leverage: float, *, side: str = "both", dry_run: bool = False
    ) -> pd.DataFrame | RequestPreview | RequestSequence:
        """Set the leverage of ``symbol``; validated before anything is sent.

        Parameters
        ----------
        leverage : int
            A whole number from 1 to ``maxLongLeverage``/``maxShortLeverage``.
        side : {"both", "long", "short"}
            One-way accounts send ``BOTH`` (``"long"``/``"short"`` raise
            :class:`~levkit.errors.PositionModeError` before sending).  Hedge accounts send
            ``LONG`` and/or ``SHORT``; ``"both"`` sets LONG, then SHORT: if SHORT fails
            after LONG was set, the error (whatever its kind) has ``partial=True``,
            ``applied={"long": L}`` and says so.
        dry_run : bool
            Send nothing; return the :class:`~levkit.http.transport.RequestPreview` (or, for two
            requests, a :class:`RequestSequence` of them), key masked, signature elided.

        Returns
        -------
        DataFrame
            The leverage frame after the change (rows long and short) with
            ``previous_leverage`` and ``changed`` (the side was targeted and its value
            differs; setting the same value is a success with ``changed`` False).
            ``max_position_value`` is BingX's cap at the new leverage.

        Notes
        -----
        The position mode is cached on the client; when BingX refuses the side sent for it,
        levkit reads the mode again and, if it changed (switched on the website), sets once
        more with the new one.
        """
        return self._set_leverage(symbol, leverage, side=side, dry_run=dry_run)

    def _wire(self, change: LeverageChange) -> tuple[str, ...]:
        """BingX's side words to send, for the position mode (read, or cached)."""
        mode = self.position_mode(refresh=change.refresh)
        change.mode, change.detail = mode, f" ({mode} mode)"
        change.attrs["position_mode"] = mode
        wire = WIRE_SIDES[mode].get(change.side)
        if wire is None:
            raise PositionModeError(
                f"the BingX account is in one-way mode: long and short share one leverage "
                f"(side BOTH), so side={change.side!r} cannot be set alone; use side='both'",
                exchange="bingx",
                endpoint=LEVERAGE,
            )
        return wire

    def _leverage_limits(self, change: LeverageChange) -> tuple[float, float | None]:
        """The lower of ``maxLongLeverage``/``maxShortLeverage`` of the sides to set."""
        targets = {s for w in self._wire(change) for s in wire_sides(w)}
        before = change.held
        tops = before.loc[before["side"].isin(targets), "side_max_leverage"].dropna()
        return (float(tops.min()) if len(tops) else math.inf), 1.0

    def _set_requests(self, change: LeverageChange) -> list[SetRequest]:
        lev = int(change.value)
        return [
            SetRequest(
                "set_leverage", {"symbol": change.symbol, "side": w, "leverage": lev},
                wire_sides(w),
            )
            for w in self._wire(change)
        ]  # fmt: skip

    def _mode_was_stale(self, exc: PositionModeError) -> bool:
        # The mode came from the cache and BingX refused the side before anything was set:
        # the user may have switched modes on the website.  Read it; retry once if so.
        return not exc.partial and bool(exc.mode) and self.position_mode(refresh=True) != exc.mode

    def _set_error(self, exc: LevkitError, change: LeverageChange, req: SetRequest):
        if not isinstance(exc, PositionModeError):
            return exc
        self._cache.pop(("position_mode",), None)  # read it again next time
        return PositionModeError(
            f"{exc.message}; levkit read this account as {change.mode} mode and sent side "
            f"{req.params['side']} (the mode may have changed since: it is read again on the "
            "next call)",
            exchange="bingx",
            code=exc.code,
            endpoint=LEVERAGE,
        )

    def _set_result(self, change: LeverageChange, replies: list[Response]) -> pd.DataFrame:
        answers = [
            (r.params["side"], a.result) for r, a in zip(change.requests, replies, strict=True)
        ]
        return apply_set_answers(change.held, answers, change.value)

    # -- probing ------------------------------------------------------------------------
    def probe_leverage(self, symbol: str, wire_side: str, leverage: int, mode: str) -> dict:
        """Set ``leverage`` on one BingX side (``LONG``, ``SHORT`` or ``BOTH``) and return the
        answer's numbers per levkit side (``{"long": {"leverage", "max_position_value",
        ...}, ...}``).  The probing interface :mod:`levkit.discovery` drives: it changes
        the account's leverage, so use :meth:`discover_tiers`, which puts it back."""
        self._require_keys("BingX.probe_leverage")
        sym = self.symbol(symbol)
        call = {"symbol": sym, "side": wire_side, "leverage": int(leverage)}
        change = LeverageChange(sym, "both", float(leverage), {}, read=lambda: None, mode=mode)
        change.requests = [SetRequest("set_leverage", call, wire_sides(wire_side))]
        (resp,) = self._send_set(change)
        return parse_set_leverage(resp.result, wire_side=wire_side)

    def pause(self, seconds: float) -> None:
        """Wait ``seconds`` on this client's (injectable) clock."""
        self._sleep(seconds)

    def discover_tiers(
        self,
        symbol: str,
        *,
        min_leverage: int = 1,
        max_leverage: int | None = None,
        progress: bool | None = None,
        strategy: str = "round",
    ) -> pd.DataFrame:
        """The leverage -> max-position ladder of ``symbol``, by setting leverages and
        reading ``maxPositionLongVal`` (BingX publishes no leverage brackets).

        Refuses (:class:`~levkit.discovery.DiscoveryError`, nothing changed) when a position
        or order is open on ``symbol``.  Probes LONG in hedge mode, BOTH in one-way mode,
        only at the ends of each step of the cap (about 20 calls for BTC-USDT's 12 tiers,
        not 150; ``strategy="bisect"`` or ``"exhaustive"`` otherwise), within the client's
        5/s limit, with a tqdm bar unless ``progress=False``.  The long and short leverage
        read first are put back in every case (error, rate limit, ``KeyboardInterrupt``)
        and read back; :class:`~levkit.discovery.RestoreError` says what they were if not.
        ``max_leverage`` defaults to the symbol's maximum.  See :mod:`levkit.discovery`.

        Returns a tiers frame (one row per cap; ``max_leverage`` the largest leverage with
        it) with ``attrs`` ``source="probe"``, ``calls`` (set-leverage calls, restoring
        included), ``probes``, ``restored`` and, when ``maintMarginRatio``'s bands do not
        have the same caps (rates then NaN), ``note`` (bands in ``margin_bands``).

        Examples
        --------
        >>> import levkit as lk
        >>> from levkit.sim import Simulator, DEMO_KEY, DEMO_SECRET
        >>> client = lk.BingX(DEMO_KEY, DEMO_SECRET, session=Simulator().session())
        >>> tiers = client.discover_tiers("BTC-USDT", min_leverage=140, progress=False)
        >>> tiers[["max_notional", "max_leverage"]].values.tolist(), tiers.attrs["restored"]
        ([[300000.0, 150.0]], {'long': 10.0, 'short': 10.0})
        """
        from .discovery import discover_bingx

        self._require_keys("BingX.discover_tiers")
        return discover_bingx(
            self,
            symbol,
            min_leverage=min_leverage,
            max_leverage=max_leverage,
            progress=progress,
            strategy=strategy,
        )
