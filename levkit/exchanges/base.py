"""What every exchange client shares: credentials, hosts, the transport, caching, paging.

Subclasses set a few class attributes (``exchange``, ``hosts``, ``env_prefix``) and a
dialect; the public methods live in the subclasses.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import requests

from ..errors import AuthenticationError, InvalidLeverageError
from ..frames import stamp
from ..ratelimit import RateLimiter, shared_limiter
from ..transport import RetryPolicy, Transport
from ..wire import Credentials, Dialect, Response, mask

__all__ = ["Client", "SIDES", "check_side", "check_leverage", "fill_caps"]

SIDES = ("both", "long", "short")


def check_side(side: str) -> str:
    """``"both"``, ``"long"`` or ``"short"`` (case-insensitive), else ``ValueError``."""
    if not isinstance(side, str) or side.lower() not in SIDES:
        raise InvalidLeverageError(f"side must be 'both', 'long' or 'short', not {side!r}")
    return side.lower()


def check_leverage(
    leverage: Any,
    *,
    max_leverage: float,
    step: float | None = None,
    symbol: str = "",
    integer: bool = False,
) -> float:
    """Validate a leverage before anything is sent; return it as a float.

    Raises :class:`~levkit.errors.InvalidLeverageError` (a ``ValueError``) when it is not a
    finite number, below 1, above ``max_leverage``, off ``step`` or (``integer=True``) not whole.

    Examples
    --------
    >>> check_leverage("20", max_leverage=100, step=0.01)
    20.0
    """
    if isinstance(leverage, bool):
        raise InvalidLeverageError(f"leverage must be a number, not {leverage!r}")
    try:
        value = float(leverage)
    except (TypeError, ValueError):
        raise InvalidLeverageError(f"leverage must be a number, not {leverage!r}") from None
    where = f" for {symbol}" if symbol else ""
    if not math.isfinite(value):
        raise InvalidLeverageError(f"leverage must be a finite number, not {leverage!r}")
    if value < 1:
        raise InvalidLeverageError(f"leverage must be at least 1, not {value:g}")
    if math.isfinite(max_leverage) and value > max_leverage + 1e-9:
        raise InvalidLeverageError(
            f"leverage {value:g} is above the maximum {max_leverage:g}{where}"
        )
    if integer and not value.is_integer():
        raise InvalidLeverageError(f"leverage must be a whole number{where}, not {value:g}")
    if step:
        ratio = value / step
        if abs(ratio - round(ratio)) > 1e-6:
            raise InvalidLeverageError(f"leverage {value:g} is not on the step {step:g}{where}")
    return value


def fill_caps(frame: pd.DataFrame, tiers: pd.DataFrame) -> pd.DataFrame:
    """Fill ``max_leverage`` (the symbol's top) and ``max_position_value`` (at the leverage
    in force) of a leverage frame from a tiers frame, following PUBLIC_API's model meaning:
    the cap is the largest ``max_notional`` among tiers with ``max_leverage >= leverage``."""
    if frame.empty or tiers.empty:
        return frame
    key = ["exchange", "symbol"]
    top = tiers.groupby(key, sort=False)["max_leverage"].max().rename("_top")
    rows = frame.reset_index(drop=True).reset_index(names="_row")
    pairs = rows[["_row", *key, "leverage"]].merge(
        tiers[[*key, "max_leverage", "max_notional"]], on=key, how="inner"
    )
    ok = pairs["max_leverage"] >= pairs["leverage"] - 1e-9
    caps = pairs[ok].groupby("_row")["max_notional"].max()
    rows = rows.join(top, on=key)
    rows["max_leverage"] = rows["max_leverage"].where(rows["max_leverage"].notna(), rows["_top"])
    known = rows["max_position_value"].notna()
    rows["max_position_value"] = rows["max_position_value"].where(
        known, rows["_row"].map(caps).astype("float64")
    )
    out = rows.drop(columns=["_row", "_top"])
    out.attrs = dict(frame.attrs)
    return out


class Client:
    """Base of :class:`~levkit.Bybit`, :class:`~levkit.BybitLegacy` and :class:`~levkit.BingX`.

    Parameters
    ----------
    api_key, api_secret : str, optional
        Needed only for private calls.  Never shown in ``repr``, logs or errors.
    testnet : bool
        Use the exchange's test host (BingX: the VST demo host).
    base_url : str, optional
        Another host, e.g. a local simulator (``http://`` only for loopback).
    session : requests.Session, optional
        Used for every call.
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

    exchange: ClassVar[str] = ""
    hosts: ClassVar[dict[str, str]] = {}
    env_prefix: ClassVar[str] = ""
    server_time_path: ClassVar[str] = ""

    def __init__(
        self,
        api_key: str | None = None,
        api_secret: str | None = None,
        *,
        testnet: bool = False,
        base_url: str | None = None,
        session: requests.Session | None = None,
        recv_window: int = 5000,
        timeout: float = 10.0,
        max_retries: int = 3,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
        cache_ttl: float = 300.0,
        progress: bool | None = None,
    ):
        if (api_key is None) != (api_secret is None) or (api_key == "") != (api_secret == ""):
            raise AuthenticationError(
                f"give both api_key and api_secret, or neither ({self._env_hint()})",
                exchange=self.exchange,
            )
        self.testnet = bool(testnet)
        host = base_url or self.hosts["testnet" if testnet else "mainnet"]
        self._clock = clock or time.time
        self._sleep = sleep or time.sleep
        credentials = Credentials(api_key, api_secret) if api_key else None
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
        self.cache_ttl = float(cache_ttl)
        self.progress = progress
        self._cache: dict[Any, tuple[float, Any]] = {}

    # -- construction --------------------------------------------------------------------
    def _dialect(self) -> Dialect:  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def from_env(cls, **kwargs: Any):
        """Build a client from ``<PREFIX>_API_KEY``, ``<PREFIX>_API_SECRET`` and
        ``<PREFIX>_TESTNET=1`` (prefix ``BYBIT`` or ``BINGX``); no keys means public only."""
        p = cls.env_prefix
        key = os.environ.get(f"{p}_API_KEY") or None
        secret = os.environ.get(f"{p}_API_SECRET") or None
        kwargs.setdefault("testnet", os.environ.get(f"{p}_TESTNET", "") in ("1", "true", "yes"))
        return cls(key, secret, **kwargs)

    @classmethod
    def _env_hint(cls) -> str:
        p = cls.env_prefix
        return f"set {p}_API_KEY and {p}_API_SECRET and use lk.{cls.__name__}.from_env()"

    # -- properties ----------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return self.transport.base_url

    @property
    def has_keys(self) -> bool:
        return self.transport.credentials is not None

    @property
    def is_live_mainnet(self) -> bool:
        """True when this client talks to the exchange's real mainnet host."""
        return self.base_url == self.hosts.get("mainnet")

    def __repr__(self) -> str:
        key = mask(self.transport.credentials.api_key) if self.has_keys else "<none>"
        return f"{type(self).__name__}(host={self.base_url!r}, api_key={key!r})"

    # -- helpers for subclasses ----------------------------------------------------------
    def _require_keys(self, what: str) -> None:
        if not self.has_keys:
            raise AuthenticationError(
                f"{what} is a private call and needs API keys: pass api_key and api_secret, "
                f"or {self._env_hint()}",
                exchange=self.exchange,
            )

    def _limiter(self, group: str, rate: int, per: float = 1.0) -> RateLimiter:
        creds = self.transport.credentials
        who = creds.api_key if creds else "public"
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

    def _stamp(self, frame: pd.DataFrame, response: Response, **extra: Any) -> pd.DataFrame:
        return stamp(
            frame,
            response.source,
            rate_limit=dict(self.transport.last_rate_limit),
            host=self.base_url,
            **extra,
        )


def as_float(value: Any) -> float:
    """A JSON number or numeric string as float; ``""``/``None`` -> NaN."""
    if value is None or value == "":
        return float("nan")
    return float(value)


def nan_to_none(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and np.isnan(x)) else x
