"""Hyperliquid perps: the leverage ladder of every perp (public, one request) and the
leverage in force for a wallet address (public too).  levkit does not set leverage there.

>>> import levkit as lk
>>> client = lk.Hyperliquid()                 # no keys: Hyperliquid reads are public
>>> client
Hyperliquid(host='https://api.hyperliquid.xyz', address=None)
"""

from __future__ import annotations

import json
import math
import os
import re
from typing import Any

import numpy as np
import pandas as pd

from ...client import Client, positions_frame
from ...client.setting import LeverageChange, SetAnswer, SetRequest
from ...errors import AuthenticationError, InvalidLeverageError, LevkitError, ParseError
from ...http.wire import RequestPreview, Response, hide, hide_args, masked_key
from ...numbers import show
from .._resolve import resolve
from .dialect import HyperliquidDialect, decode, hyperliquid_error
from .parse import parse_active_asset_data, parse_clearinghouse_state, parse_meta
from .spec import VENUE

__all__ = ["Hyperliquid", "HyperliquidDialect", "hyperliquid_error"]

_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
#: Seconds a market list read by a refresh serves refreshes of other symbols (one fetch).
REFRESH_SHARED_S = 10.0
#: How to set leverage instead (python SDK [H4]).
SDK_HINT = (
    "Hyperliquid sets leverage with an updateLeverage action signed by the wallet "
    "(EIP-712), which levkit does not do: use the official SDK, "
    "hyperliquid.exchange.Exchange(wallet, base_url).update_leverage(leverage, coin, is_cross) "
    "(github.com/hyperliquid-dex/hyperliquid-python-sdk), or the Hyperliquid app"
)


class Hyperliquid(Client):
    """Hyperliquid perps (USDC-margined; coins named ``BTC``, ``ETH``, ``kPEPE``).

    Parameters
    ----------
    address : str, optional
        A wallet address (``0x`` + 40 hex digits; public) whose leverage :meth:`leverage`
        reads.  ``from_env`` reads ``HYPERLIQUID_ADDRESS``.
    api_key, api_secret : None
        Hyperliquid has no API keys: reads are public and actions are signed by a wallet,
        which levkit does not do.  Giving either raises ``AuthenticationError`` (so a
        wallet's private key is never held by levkit).

    Other parameters are :class:`levkit.client.Client`'s.  Hosts: mainnet
    ``https://api.hyperliquid.xyz``, testnet ``https://api.hyperliquid-testnet.xyz``.

    Examples
    --------
    >>> import numpy as np
    >>> import levkit as lk
    >>> from levkit.sim import Simulator
    >>> from levkit.frames import tiers_frame
    >>> ladder = tiers_frame({"exchange": ["hyperliquid"] * 2, "symbol": ["BTC"] * 2,
    ...                       "max_notional": np.array([150e6, np.inf]), "max_leverage": [40, 20]},
    ...                      source="snapshot")
    >>> sim = Simulator(tiers=ladder)
    >>> hl = lk.Hyperliquid(address="0x" + "ab" * 20, session=sim.session())
    >>> hl.risk_limits("BTC")[["max_notional", "max_leverage"]].values.tolist()
    [[150000000.0, 40.0], [inf, 20.0]]
    >>> hl.leverage("btc")[["symbol", "leverage", "max_leverage", "max_position_value"]].values.tolist()
    [['BTC', 10.0, 40.0, inf]]
    """

    venue = VENUE

    def __init__(
        self,
        api_key: str | None = None,
        api_secret: str | None = None,
        *,
        address: str | None = None,
        **kwargs: Any,
    ):
        api_key, api_secret = masked_key(api_key), hide(api_secret)  # none in a traceback
        kwargs = hide_args(kwargs)
        if api_key is not None or api_secret is not None or kwargs.get("passphrase"):
            raise AuthenticationError(
                "Hyperliquid has no API key or secret: levkit only reads it (public), and "
                "never takes a wallet's private key; pass address='0x...' to read an "
                "account's leverage (HYPERLIQUID_API_KEY / HYPERLIQUID_API_SECRET are not used)",
                exchange=VENUE.name,
            )
        super().__init__(**kwargs)
        self.address = _check_address(address) if address is not None else None
        # When a refresh last read the market list, and the symbols refreshes asked since.
        self._meta_refresh: tuple[float, set[str | None]] = (-math.inf, set())

    def _dialect(self) -> HyperliquidDialect:
        return HyperliquidDialect()

    @classmethod
    def from_env(cls, **kwargs: Any) -> Hyperliquid:
        """A client from ``HYPERLIQUID_ADDRESS`` (optional) and ``HYPERLIQUID_TESTNET=1``.

        No key is read: Hyperliquid has none.

        >>> lk.Hyperliquid.from_env().address is None   # doctest: +SKIP
        True
        """
        p = cls.env_prefix
        kwargs.setdefault("address", os.environ.get(f"{p}_ADDRESS") or None)
        kwargs.setdefault("testnet", os.environ.get(f"{p}_TESTNET", "") in ("1", "true", "yes"))
        return cls(**kwargs)

    def __repr__(self) -> str:
        address = self.__dict__.get("address")  # also half-built (a traceback's locals)
        return f"{type(self).__name__}(host={self._shown_host()!r}, address={address!r})"

    # -- calls -------------------------------------------------------------------------
    def _info(self, role: str, body: dict[str, Any]) -> Response:
        """``POST /info``: ``Client._call`` charges the role's weight to the IP budget.

        /info is a POST that reads: its errors must never say a change may have been applied.
        """
        return self._call(role, body, decoder=decode, write=False)

    def _meta(self, refresh: bool = False, symbol: str | None = None) -> tuple[Any, Response]:
        """The ``meta`` answer (cached ``cache_ttl`` seconds): one request, weight 20.

        ``meta`` holds every coin's ladder, so one read serves a whole fetch: a refresh
        for ``symbol`` reuses the list a refresh read less than :data:`REFRESH_SHARED_S`
        seconds ago, unless a refresh has already asked for ``symbol`` since (a loop over
        symbols, as ``fetch_risk_limits("hyperliquid", [...], refresh=True)`` runs,
        reads the list once; asking for the same symbol again reads it anew).
        """
        if refresh:
            when, asked = self._meta_refresh
            if symbol not in asked and 0 <= self._clock() - when < REFRESH_SHARED_S:
                asked.add(symbol)
                refresh = False
            else:
                self._meta_refresh = (self._clock(), {symbol})

        def fetch() -> tuple[Any, Response]:
            resp = self._info("ladder", {"type": "meta"})
            if not isinstance(resp.result, dict):
                raise ParseError(
                    f"hyperliquid /info meta: expected an object, got {type(resp.result).__name__}"
                )
            return resp.result, resp

        return self._cached(("meta",), refresh, fetch)

    def _coin(self, symbol: str) -> str:
        """The listed coin ``symbol`` names (case settled by the listing: ``kpepe`` is
        ``kPEPE``); "not listed" otherwise."""
        self.symbol(symbol)  # a symbol naming no Hyperliquid perp raises before any read
        meta, _ = self._meta()
        universe = meta.get("universe")
        names = {
            c["name"]
            for c in (universe if isinstance(universe, list) else [])
            if isinstance(c, dict) and isinstance(c.get("name"), str)
        }
        return resolve(symbol, self.venue, listed=names).symbol

    # -- public data -------------------------------------------------------------------
    def risk_limits(self, symbol: str | None = None, *, refresh: bool = False) -> pd.DataFrame:
        """The leverage ladder: one row per margin tier (PUBLIC_API's tiers frame).

        One request for every perp (``{"type": "meta"}``, weight 20 of 1200 per minute);
        cached on this client for ``cache_ttl`` seconds, ``refresh=True`` fetches anew
        (once per fetch: refreshes of other symbols within 10 s share that read).
        The top tier has no cap: ``max_notional`` is ``inf``.  Delisted coins are left
        out unless asked for by name.  Rates are derived as the docs define them
        (``1 / (2 maxLeverage)``, ``1 / maxLeverage``, the deduction recursion).

        Examples
        --------
        >>> lk.Hyperliquid().risk_limits("BTC")  # doctest: +SKIP
        """
        sym = self.symbol(symbol) if symbol is not None else None
        meta, resp = self._meta(refresh, sym)
        frame = parse_meta(meta, sym, source=resp.source)
        return self._stamp(frame, resp)

    # -- account reads (public, by address) --------------------------------------------
    def _require_address(self, what: str) -> str:
        if self.address is None:
            raise AuthenticationError(
                f"{what} reads an account by its wallet address (public, no key): pass "
                f"address='0x...' or set {self.env_prefix}_ADDRESS and use "
                f"lk.{type(self).__name__}.from_env() (Hyperliquid has no API key: "
                f"{self.env_prefix}_API_KEY is not used)",
                exchange=self.exchange,
            )
        return self.address

    def leverage(self, symbol: str | None = None) -> pd.DataFrame:
        """Leverage in force for ``address`` on ``symbol`` (side ``both``: one leverage per
        coin), with ``margin_mode``, the coin's ``max_leverage`` (top of its ladder) and
        ``max_position_value`` (the ladder's cap at that leverage; ``inf`` in the open top
        tier).

        With ``symbol``: ``{"type": "activeAssetData"}`` (weight 20) plus ``meta`` (cached).
        Without: ``{"type": "clearinghouseState"}`` (weight 2), open positions only.

        Examples
        --------
        >>> lk.Hyperliquid(address="0x...").leverage("BTC")  # doctest: +SKIP
        """
        user = self._require_address("Hyperliquid.leverage")
        if symbol is None:
            resp = self._info("positions", {"type": "clearinghouseState", "user": user})
            state = resp.result
            if isinstance(state, dict) and state.get("assetPositions") == []:
                raise LevkitError(
                    f"{user} has no open Hyperliquid positions: pass symbol=... to read a "
                    "coin's leverage"
                )
            frame = self._stamp(parse_clearinghouse_state(state, source=resp.source), resp)
        else:
            coin = self._coin(symbol)
            frame = self._active(user, coin)
        frame["max_leverage"] = np.nan  # the top of the ladder, never a position's limit
        return self._with_caps(frame)

    def positions(self, symbol: str) -> pd.DataFrame:
        """Open position of ``address`` on ``symbol`` (``clearinghouseState``, weight 2):
        ``side`` (``long``/``short`` from the sign of ``szi``), ``size``,
        ``position_value``, ``entry_price`` (``entryPx``); empty when flat."""
        user = self._require_address("Hyperliquid.positions")
        coin = self._coin(symbol)
        resp = self._info("positions", {"type": "clearinghouseState", "user": user})
        state = resp.result
        if isinstance(state, dict) and state.get("assetPositions") == []:
            frame = pd.DataFrame({"symbol": [], "side": [], "position_value": []})
        else:
            frame = parse_clearinghouse_state(state, source=resp.source)
            frame = frame[frame["symbol"] == coin].copy()
            frame["side"] = np.where(frame["size"] < 0, "short", "long")
        frame["exchange"] = self.exchange
        return positions_frame(self._stamp(frame, resp))

    def _active(self, user: str, coin: str) -> pd.DataFrame:
        resp = self._info("leverage", {"type": "activeAssetData", "user": user, "coin": coin})
        frame = parse_active_asset_data(resp.result, symbol=coin, source=resp.source)
        return self._stamp(frame, resp)

    # -- setting: not done by levkit ---------------------------------------------------
    def set_leverage(
        self, symbol: str, leverage: float, *, side: str = "both", dry_run: bool = False
    ) -> SetAnswer:
        """Validate a leverage for ``symbol``; levkit cannot send it (see below).

        Hyperliquid sets leverage with a wallet-signed (EIP-712) ``updateLeverage`` action
        ``{"type": "updateLeverage", "asset": <index in meta.universe>, "isCross": bool,
        "leverage": int}`` [H4].  levkit signs nothing, so:

        - the leverage is validated first (whole number, 1 to the coin's top; ``side``
          must be ``"both"``: one leverage per coin), reading the public ``meta`` only;
        - ``dry_run=True`` returns a :class:`~levkit.http.wire.RequestPreview` of the unsigned
          action (nonce and signature left as placeholders) whose note says it cannot be
          sent by levkit; nothing is sent;
        - otherwise, with ``address`` set, the leverage in force is read: if it is already
          the one asked for, the leverage frame comes back with ``changed == False`` and
          ``previous_leverage`` (nothing needs sending); any change raises
          :class:`~levkit.errors.LevkitError` pointing to the official SDK's
          ``update_leverage``.  Nothing is ever sent to ``/exchange``.

        Examples
        --------
        >>> import levkit as lk
        >>> from levkit.sim import Simulator
        >>> hl = lk.Hyperliquid(address="0x" + "cd" * 20, session=Simulator().session())
        >>> out = hl.set_leverage("ETH", 10)          # already in force: nothing to send
        >>> bool(out["changed"].iloc[0]), float(out["previous_leverage"].iloc[0])
        (False, 10.0)
        >>> print(hl.set_leverage("ETH", 5, dry_run=True).note)   # doctest: +ELLIPSIS
        cannot be sent by levkit: ETH -> 5x (cross) needs a wallet signature...
        """
        return self._set_leverage(symbol, leverage, side=side, dry_run=dry_run)

    one_side = "Hyperliquid keeps one leverage per coin for both sides"
    one_side_error = InvalidLeverageError
    skip_in_force = True  # and nothing else: levkit never sends

    def _set_keys(self, dry_run: bool) -> None:
        if not dry_run:  # an address is needed to know the leverage in force: say so first
            self._require_address("Hyperliquid.set_leverage")

    def _leverage_limits(self, change: LeverageChange) -> tuple[float, float | None]:
        ladder = self.risk_limits(self._coin(change.symbol))
        return float(ladder["max_leverage"].max()), self.venue.capabilities.leverage_step

    def _read_state(self, sym: str, opts: dict, *, refresh: bool = False) -> pd.DataFrame | None:
        if self.address is None:  # a dry run without an account: nothing to read
            return None
        frame = self._active(self.address, sym)
        frame["max_leverage"] = np.nan  # the top of the ladder, never a position's limit
        return frame

    def _set_requests(self, change: LeverageChange) -> list[SetRequest]:
        """The unsigned ``updateLeverage`` action (for the preview only)."""
        ladder = self.risk_limits(change.symbol)
        if change.before is not None:
            cross = change.before["margin_mode"].iloc[0] == "cross"
        else:  # unknown account: cross unless the coin is isolated-only
            cross = not bool(ladder["only_isolated"].iloc[0])
        change.detail = f" ({'cross' if cross else 'isolated'})"
        action = {
            "type": "updateLeverage",
            "asset": int(ladder["asset"].iloc[0]),
            "isCross": bool(cross),
            "leverage": int(round(change.value)),
        }
        return [SetRequest("set_leverage", action, ("both",))]

    def _set_preview(self, change: LeverageChange) -> RequestPreview:
        (req,) = change.requests
        body = {
            "action": req.params,
            "nonce": "<ms timestamp when signed>",
            "signature": "<EIP-712 wallet signature: levkit does not sign>",
        }
        same = change.before is not None and self._in_force(change)
        note = (
            f"cannot be sent by levkit: {change.symbol} -> {show(change.value)}x"
            f"{change.detail} needs a wallet signature; "
            + ("that leverage is already in force, so nothing is needed; " if same else "")
            + SDK_HINT
        )
        path = self.venue.endpoint("set_leverage").path
        return RequestPreview(
            self.exchange,
            "POST",
            self.base_url + path,
            {"Content-Type": "application/json"},
            json.dumps(body, separators=(",", ":")),
            params=dict(req.params),
            note=note,
        )

    def _check_state(self, change: LeverageChange) -> None:
        if not self._in_force(change):
            current = float(change.held["leverage"].iloc[0])
            raise LevkitError(
                f"{change.symbol}: leverage {show(current)}x is in force and "
                f"{show(change.value)}x is valid, but {SDK_HINT}"
            )


def _check_address(address: Any) -> str:
    if not isinstance(address, str) or not _ADDRESS.fullmatch(address.strip()):
        raise ValueError(
            "address must be a wallet address: '0x' and 40 hexadecimal digits "
            "(public; never a private key)"
        )
    return address.strip().lower()
