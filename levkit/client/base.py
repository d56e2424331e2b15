"""What every exchange client shares: credentials, hosts, the transport, rate limits,
caching, paging, symbols.

A client class names its venue's declaration (``venue = VENUE`` from its ``spec.py``);
``exchange``, ``hosts`` and ``env_prefix`` follow from it, and calls go out by endpoint
role (``self._call("ladder", params)``) so the path, the signing and the published rate
limit are the ones the spec declares, the same the simulator answers with.

``set_leverage`` runs once for every venue (:mod:`levkit.client.setting`: validate, read, skip
if in force, preview or send, read back) and the caps of leverage frames come from one
place (:mod:`levkit.client.caps`); a venue client supplies small hooks and declared data.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, ClassVar

import pandas as pd
import requests

from ..errors import AuthenticationError, LevkitError, ParseError
from ..frames import stamp
from ..http.ratelimit import RateLimiter, shared_limiter
from ..http.transport import RetryPolicy, Transport
from ..http.wire import Credentials, Dialect, Response, hide, is_loopback_url, mask, masked_key
from ..symbols import Instrument
from ..venues import Endpoint, Venue, resolve
from .caps import CapsFromLadder, fill_caps
from .setting import SetsLeverage

__all__ = ["Client", "POSITION_COLUMNS", "fill_caps", "positions_frame"]  # fill_caps: .caps


POSITION_COLUMNS = [
    "exchange", "symbol", "side", "direction", "size", "position_value", "entry_price",
    "mark_price",
]  # fmt: skip


def positions_frame(frame: pd.DataFrame, **renames: str) -> pd.DataFrame:
    """The positions frame of :meth:`Client.positions` from a venue's frame: columns
    renamed (``renames``: ours -> theirs), missing ones NaN, only open sides kept.
    ``direction`` (long/short): given, else the side, else the sign of ``size``; ``size``
    itself is then >= 0."""
    out = pd.DataFrame(index=frame.index)
    for col in POSITION_COLUMNS:
        src = renames.get(col, col)
        out[col] = frame[src] if src in frame.columns else float("nan")
    for col in POSITION_COLUMNS[4:]:
        out[col] = pd.to_numeric(out[col], errors="coerce").astype(float)
    out = out[out["position_value"].abs() > 0].reset_index(drop=True)
    sign = ["short" if v < 0 else "long" for v in out["size"]]
    out["size"] = out["size"].abs()  # the direction says which way (Hyperliquid's szi is signed)
    side = [s if s in ("long", "short") else None for s in out["side"]]
    given = [d if d in ("long", "short") else None for d in out["direction"]]
    out["direction"] = pd.Series(
        [g or s or n for g, s, n in zip(given, side, sign, strict=True)],
        index=out.index,
        dtype=object,
    )
    out["position_value"] = out["position_value"].abs()
    out.attrs = dict(frame.attrs)
    return out


class Client(CapsFromLadder, SetsLeverage):
    """Base of every exchange client (:func:`levkit.exchanges` lists them).

    Parameters
    ----------
    api_key, api_secret : str, optional
        Needed only for private calls.  Never shown in ``repr``, logs or errors.
    testnet : bool
        Use the venue's test environment (its testnet host, or its demo trading).
    base_url : str, optional
        Another host, e.g. a local simulator (``http://`` only for loopback).
    session : requests.Session, optional
        Used for every call.  A session from :meth:`levkit.sim.Simulator.session` makes the
        client report the simulator as its host (never "mainnet").
    passphrase : str, optional
        Venues that need one (OKX, Bitget): a secret like the API secret.
    recv_window : int
        Milliseconds a signed request stays valid.
    timeout : float
        Seconds per HTTP call.
    max_retries : int
        Retries for timeouts, 5xx, 429 and the exchange's rate-limit codes.
    clock, sleep : callable, optional
        Epoch-seconds clock and sleep, injectable for tests.
    cache_ttl : float
        Seconds public data (risk limits) stays cached on this client.
    progress : bool, optional
        Show tqdm progress bars on long fetches (default: when there is more than one page).
    """

    #: The venue's declaration (its ``spec.VENUE``); set by each client class.
    venue: ClassVar[Venue]
    exchange: ClassVar[str] = ""
    hosts: ClassVar[Mapping[str, str]] = {}
    env_prefix: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        spec = cls.__dict__.get("venue")
        if spec is not None:
            cls.exchange = spec.name
            cls.hosts = dict(spec.hosts)
            cls.env_prefix = spec.env_prefix

    def __init__(
        self,
        api_key: str | None = None,
        api_secret: str | None = None,
        *,
        testnet: bool = False,
        base_url: str | None = None,
        session: requests.Session | None = None,
        passphrase: str | None = None,
        recv_window: int = 5000,
        timeout: float = 10.0,
        max_retries: int = 3,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
        cache_ttl: float = 300.0,
        progress: bool | None = None,
    ):
        # Before anything can raise: this frame then holds no plain secret (tracebacks).
        api_key, api_secret, passphrase = masked_key(api_key), hide(api_secret), hide(passphrase)
        if (api_key is None) != (api_secret is None) or (api_key == "") != (api_secret == ""):
            raise AuthenticationError(
                f"give both api_key and api_secret, or neither ({self._env_hint()})",
                exchange=self.exchange,
            )
        if passphrase is not None and not self.venue.passphrase:
            raise TypeError(f"{type(self).__name__} takes no passphrase")
        if api_key and self.venue.passphrase and not passphrase:
            raise AuthenticationError(
                f"{self.venue.title} needs a passphrase with the key: pass passphrase=..., "
                f"or {self._env_hint()}",
                exchange=self.exchange,
            )
        self.testnet = bool(testnet)
        host = base_url or self._host(testnet)
        self._clock = clock or time.time
        self._sleep = sleep or time.sleep
        credentials = Credentials(api_key, api_secret, passphrase) if api_key else None
        self.transport = Transport(
            self._dialect(),
            host,
            session=session,
            credentials=credentials,
            recv_window=recv_window,
            timeout=timeout,
            retry=RetryPolicy(max_retries=max_retries),
            clock=self._clock,
            sleep=self._sleep,
        )
        self.simulator = getattr(session, "levkit_simulator", None)
        self.cache_ttl = float(cache_ttl)
        self.progress = progress
        self._cache: dict[Any, tuple[float, Any]] = {}

    # -- construction --------------------------------------------------------------------
    def _dialect(self) -> Dialect:  # pragma: no cover - abstract
        raise NotImplementedError

    def _host(self, testnet: bool) -> str:
        hosts = self.venue.hosts
        if not testnet:
            return hosts["mainnet"]
        return hosts.get("testnet") or hosts.get("demo") or hosts["mainnet"]

    @classmethod
    def from_env(cls, **kwargs: Any):
        """Build a client from ``<PREFIX>_API_KEY``, ``<PREFIX>_API_SECRET`` (and
        ``<PREFIX>_PASSPHRASE`` where the venue needs one) and ``<PREFIX>_TESTNET=1``;
        no keys means public calls only."""
        p = cls.env_prefix
        key = masked_key(os.environ.get(f"{p}_API_KEY") or None)
        secret = hide(os.environ.get(f"{p}_API_SECRET") or None)
        if cls.venue.passphrase and key:
            kwargs.setdefault("passphrase", hide(os.environ.get(f"{p}_PASSPHRASE") or None))
        kwargs.setdefault("testnet", os.environ.get(f"{p}_TESTNET", "") in ("1", "true", "yes"))
        return cls(key, secret, **kwargs)

    @classmethod
    def _env_hint(cls) -> str:
        p = cls.env_prefix
        extra = f", {p}_PASSPHRASE" if cls.venue.passphrase else ""
        return f"set {p}_API_KEY and {p}_API_SECRET{extra} and use lk.{cls.__name__}.from_env()"

    # -- properties ----------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return self.transport.base_url

    @property
    def host(self) -> str:
        """Where calls go: the base URL, or ``"simulator"`` on a simulator session."""
        return "simulator" if self.simulator is not None else self.base_url

    @property
    def has_keys(self) -> bool:
        return self.transport.credentials is not None

    @property
    def is_simulated(self) -> bool:
        """True on a simulator session or a loopback host (a local simulator)."""
        return self.simulator is not None or is_loopback_url(self.base_url)

    @property
    def is_live_mainnet(self) -> bool:
        """True when this client talks to the exchange's real mainnet host."""
        return not self.is_simulated and self.base_url == self.venue.hosts.get("mainnet")

    def __repr__(self) -> str:
        # Also for a client whose constructor raised half-way: a traceback that shows
        # locals (``--showlocals``, error reporters) calls repr on it.
        transport = self.__dict__.get("transport")
        creds = getattr(transport, "credentials", None)
        key = mask(creds.api_key) if creds is not None else "<none>"
        return f"{type(self).__name__}(host={self._shown_host()!r}, api_key={key!r})"

    def _shown_host(self) -> str:
        """:attr:`host`, or ``"<not built>"`` before the constructor set the transport."""
        if self.__dict__.get("simulator") is not None:
            return "simulator"
        transport = self.__dict__.get("transport")
        return transport.base_url if transport is not None else "<not built>"

    # -- the contract: every client has these, with one meaning and one return type ------
    def risk_limits(self, symbol: str | None = None) -> pd.DataFrame:
        """The leverage ladder (a tiers frame with ``max_leverage`` on every row).

        A venue whose API publishes none raises :class:`~levkit.LevkitError` saying where
        to get one (this default)."""
        source = self.venue.capabilities.ladder_from or self.exchange
        sym = f", {symbol!r}" if symbol is not None else ""
        raise LevkitError(
            f"{self.venue.title} publishes no leverage ladder: read the shipped or saved one "
            f"with lk.load_snapshot({source!r}{sym})"
            + (
                f", or fetch it with lk.fetch_risk_limits({source!r}{sym})"
                if source != self.exchange
                else ""
            )
        )

    def margin_bands(self, symbol: str | None = None) -> pd.DataFrame:
        """Maintenance-margin bands published apart from the ladder (BingX).  Elsewhere the
        rates are part of the ladder: this raises, pointing at :meth:`risk_limits`."""
        raise LevkitError(
            f"{self.venue.title} publishes no margin bands apart from its ladder: the rates "
            "are in risk_limits(symbol) (maintenance_margin_rate, mm_deduction)"
        )

    def positions(self, symbol: str) -> pd.DataFrame:
        """Open positions on ``symbol``: one row per open side, columns ``exchange``,
        ``symbol``, ``side`` (the leverage slot: ``both`` in one-way mode), ``direction``
        (``long``/``short``), ``size``, ``position_value`` (in the unit of the symbol's
        ladder: the quote currency; the coin, or USD on OKX, for coin-margined contracts),
        ``entry_price``, ``mark_price`` (NaN where the venue does not say); empty when
        flat.  Venues whose client reads no positions raise :class:`~levkit.LevkitError`
        (this default)."""
        raise LevkitError(
            f"{self.venue.title}: levkit reads no open positions there, so the control "
            "cannot check the cap your position needs"
        )

    def leverage(self, symbol: str) -> pd.DataFrame:
        """The leverage frame: leverage in force per side, with the caps.  (A venue may
        take ``symbol=None`` for every symbol, and keyword options of its own.)"""
        raise NotImplementedError  # pragma: no cover - every client defines it

    # set_leverage: the one sequence of levkit.client.setting.SetsLeverage, with venue hooks.

    # -- symbols and calls by role -------------------------------------------------------
    def instrument(self, symbol: str) -> Instrument:
        """The instrument ``symbol`` names on this venue (:func:`levkit.venues.resolve`):
        exactly that one, or :class:`~levkit.InvalidSymbolError` saying why."""
        return resolve(symbol, self.venue)

    def symbol(self, symbol: str) -> str:
        """``symbol`` in this venue's own spelling (native symbols pass unchanged; a dated
        future stays dated, a coin-margined contract coin-margined)."""
        return self.instrument(symbol).symbol

    def _call(
        self,
        role: str,
        params: Mapping[str, Any] | None = None,
        *,
        path: Mapping[str, str] | None = None,
        **kw: Any,
    ) -> Response:
        """Send the endpoint the spec declares for ``role``, signed if it is, paced by its
        published limit and weight.  ``path`` fills the fields of the spec's path
        (Gate's ``{contract}``).  Every venue's requests go through here."""
        ep = self.venue.endpoint(role)
        kw.setdefault("signed", ep.signed)
        if ep.limit is not None:
            limiter = self._endpoint_limiter(ep)
            kw.setdefault("limiter", limiter.weighted(ep.weight) if ep.weight > 1 else limiter)
        where = ep.path.format(**path) if path else ep.path
        try:
            return self.transport.request(ep.method, where, params or {}, **kw)
        except LevkitError as exc:
            err = self._call_error(exc, role)
            if err is exc:
                raise
            raise err from None

    def _call_error(self, exc: LevkitError, role: str) -> LevkitError:
        """The error a failed call raises: ``exc``, or the venue's own reading of it."""
        return exc

    def _endpoint_limiter(self, ep: Endpoint) -> RateLimiter:
        limit = ep.limit
        assert limit is not None
        group = limit.group or f"{ep.method} {ep.path}"
        return self._limiter(group, limit.requests, limit.per, scope=limit.scope)

    # -- helpers for subclasses ----------------------------------------------------------
    def _require_keys(self, what: str) -> None:
        if not self.has_keys:
            raise AuthenticationError(
                f"{what} is a private call and needs API keys: pass api_key and api_secret, "
                f"or {self._env_hint()}",
                exchange=self.exchange,
            )

    def _limiter(
        self, group: str, rate: int, per: float = 1.0, *, scope: str = "account"
    ) -> RateLimiter:
        creds = self.transport.credentials
        who = creds.api_key if creds and scope == "account" else "ip"
        # Limits are per account; monotonic time when the real clock is used.
        clock = time.monotonic if self._clock is time.time else self._clock
        return shared_limiter(
            (self.exchange, self.base_url, who, group), rate, per, clock=clock, sleep=self._sleep
        )

    def _cached(self, key: Any, refresh: bool, fetch: Callable[[], Any]) -> Any:
        now = self._clock()
        hit = self._cache.get(key)
        if hit is not None and not refresh and now < hit[0]:
            return hit[1]
        value = fetch()
        self._cache[key] = (now + self.cache_ttl, value)
        return value

    def _pages(
        self, fetch_page: Callable[[str | None], tuple[list, str | None]], desc: str
    ) -> Iterator[list]:
        """Yield pages until a page is empty, the cursor is empty, or a cursor repeats.

        A tqdm bar appears from the second page on (unless ``progress=False``).
        """
        seen: set[str] = set()
        cursor: str | None = None
        bar = None
        n = 0
        try:
            while True:
                rows, next_cursor = fetch_page(cursor)
                if not isinstance(next_cursor, str | None):  # an answer's cursor: text
                    raise ParseError(
                        f"{desc}: the next-page cursor is a {type(next_cursor).__name__}"
                    )
                n += 1
                if bar is not None:
                    bar.update(1)
                if rows:
                    yield rows
                if not rows or not next_cursor or next_cursor in seen:
                    break
                seen.add(next_cursor)
                cursor = next_cursor
                if bar is None and self.progress is not False:
                    from tqdm.auto import tqdm

                    bar = tqdm(desc=desc, unit="page", initial=n, leave=False)
        finally:
            if bar is not None:
                bar.close()

    def _each(self, items: Sequence[Any], desc: str, unit: str) -> Iterator[Any]:
        """Iterate ``items`` (one request each) with a tqdm bar when there is more than
        one, unless ``progress=False``."""
        bar = None
        if len(items) > 1 and self.progress is not False:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(items), desc=desc, unit=unit, leave=False)
        try:
            for item in items:
                yield item
                if bar is not None:
                    bar.update(1)
        finally:
            if bar is not None:
                bar.close()

    def _stamp(self, frame: pd.DataFrame, response: Response, **extra: Any) -> pd.DataFrame:
        return stamp(
            frame,
            response.source,
            rate_limit=dict(self.transport.last_rate_limit),
            host=self.base_url,
            **extra,
        )
