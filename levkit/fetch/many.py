"""Many venues at once: :func:`fetch_many`, behind ``lk.fetch_risk_limits([...], ...)``.

One thread per venue; each venue's client paces its own requests by its published rate
limits (the limiters of :mod:`levkit.http.ratelimit`, shared per venue, host and key), so the
venues run side by side and none exceeds its own budget.  One tqdm bar counts the
(venue, symbol) fetches.  A venue that fails does not stop the others, and one symbol that
fails never stops a venue's other symbols (only an error about the venue itself does: no
ladder to read, keys missing).  What is missing is named, never dropped silently: each
venue's messages are in ``attrs["errors"]``, each (venue, symbol) without a ladder in
``attrs["missing"]`` (OKX instruments left out for want of a mark price included), and one
:class:`FetchWarning` counts the venues that failed and the (venue, symbol) pairs that
failed, apart.

Clients are kept for reuse (per venue and client arguments), so a repeat within
``cache_ttl`` answers from each client's cache, as a single client does, and
``refresh=True`` fetches anew.
"""

from __future__ import annotations

import inspect
import logging
import threading
import warnings
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pandas as pd

from ..errors import AuthenticationError, FetchWarning, LevkitError, say_missing

log = logging.getLogger("levkit")

__all__ = ["FetchWarning", "fetch_many", "say_missing"]

#: Columns :func:`fetch_many` adds to say where each row comes from.
ORIGIN = "origin"

_POOL: OrderedDict[tuple, Any] = OrderedDict()
_POOL_LOCK = threading.Lock()
_POOL_SIZE = 32


def _as_list(value: Any) -> list | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    return list(value)


def _pool_key(name: str, client_kw: Mapping[str, Any]) -> tuple:
    def hashable(v: Any) -> Any:
        try:
            hash(v)
        except TypeError:
            return ("id", id(v))
        return v

    return (name, tuple(sorted((k, hashable(v)) for k, v in client_kw.items())))


def pooled_client(name: str, **client_kw: Any) -> Any:
    """The client of ``name`` for these arguments, built once and kept (LRU of 32), so
    its cache serves repeats."""
    from ..client.build import client_for

    key = _pool_key(name, client_kw)
    with _POOL_LOCK:
        client = _POOL.get(key)
        if client is not None:
            _POOL.move_to_end(key)
            return client
    client = client_for(name, **client_kw)
    with _POOL_LOCK:
        client = _POOL.setdefault(key, client)
        while len(_POOL) > _POOL_SIZE:
            _POOL.popitem(last=False)
    return client


def _method_kwargs(method: Any, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    params = inspect.signature(method).parameters
    return {k: v for k, v in kwargs.items() if k in params}


def _message(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if isinstance(exc, LevkitError) else f"{type(exc).__name__}: {text}"


def _mark(frame: pd.DataFrame, origin: str) -> pd.DataFrame:
    """Per-row ``origin`` (``api``, ``simulator``, ``snapshot``...), ``complete``,
    ``as_of`` and ``source``, so the rows keep their meaning once concatenated."""
    from ..model import ladders

    out = frame.copy()
    out[ORIGIN] = origin
    when = frame.attrs.get("as_of", frame.attrs.get("fetched_at"))
    if "complete" not in out.columns:
        known = ladders(frame).set_index(["exchange", "symbol"])["complete"]
        keys = pd.MultiIndex.from_frame(out[["exchange", "symbol"]])
        out["complete"] = known.reindex(keys).to_numpy(bool)
    if "as_of" not in out.columns:
        out["as_of"] = pd.Timestamp(when).isoformat() if when is not None else None
    if "source" not in out.columns:
        out["source"] = origin
    return out


def _fetch_venue(
    name: str,
    client: Any,
    symbols: list[str | None],
    kwargs: Mapping[str, Any],
    tick: Any,
) -> tuple[list[pd.DataFrame], dict[str | None, str]]:
    """The venue's frames, and ``{symbol: message}`` of what failed (``None``: the venue
    itself, for every symbol)."""
    frames: list[pd.DataFrame] = []
    errors: dict[str | None, str] = {}
    for i, sym in enumerate(symbols):
        try:
            method = client.risk_limits
            frame = method(sym, **_method_kwargs(method, kwargs))
            frames.append(_mark(frame, str(frame.attrs.get("source", "api"))))
            for inst in frame.attrs.get("no_mark_price") or ():  # OKX: left out of the frame
                errors[inst] = "no mark price, so its tiers could not be converted"
        except Exception as exc:  # noqa: BLE001 - one venue's failure is reported, not fatal
            if _venue_wide(exc, name):  # no ladder, no keys: the same for every symbol
                for _ in symbols[i + 1 :]:
                    tick()
                return frames, {None: _message(exc)}
            errors[sym] = _message(exc)
        finally:
            tick()
    return frames, errors


def _venue_wide(exc: BaseException, name: str) -> bool:
    """An error about the venue or the keys, not the symbol (a venue without a ladder to
    read, keys missing): asking for the other symbols would fail the same way."""
    from ..venues import venue

    if isinstance(exc, AuthenticationError):
        return getattr(exc, "code", None) is None
    return not venue(name).capabilities.ladder


def _native(name: str, sym: str | None) -> str | None:
    from ..venues import normalize_symbol

    try:
        return normalize_symbol(sym, name) if sym is not None else None
    except (LevkitError, ValueError):
        return sym


def _fallback(name: str, symbols: list[str | None]) -> tuple[list[pd.DataFrame], dict]:
    """The snapshot's ladders of ``name`` for ``symbols`` (all with ``[None]``), and
    ``{symbol: message}`` of those it does not have either."""
    from ..snapshot import load_snapshot

    out, absent = [], {}
    for sym in symbols:
        try:
            out.append(_mark(load_snapshot(name, _native(name, sym)), "snapshot"))
        except (LevkitError, ValueError) as exc:
            absent[sym] = f"not in the snapshot either ({_message(exc)})"
    return out, absent


def fetch_many(
    exchanges: Iterable[str],
    symbols: str | Iterable[str] | None = None,
    *,
    clients: Mapping[str, Any] | None = None,
    fallback: str | None = None,
    progress: bool | None = None,
    **kwargs: Any,
) -> pd.DataFrame:
    """Leverage ladders of several venues, fetched concurrently, as one tiers frame.

    Parameters
    ----------
    exchanges : list of str
        Registry names (``lk.exchanges().index``).
    symbols : str or list of str, optional
        Any accepted spelling, or a base asset (``"BTC"``: each venue's USDT-margined
        perpetual; Hyperliquid's USDC perp ``BTC``), mapped to each venue's own
        (:func:`levkit.venues.normalize_symbol`).  ``None``: every symbol of each venue.
    clients : mapping, optional
        Ready clients by registry name (e.g. one with keys); others are built from the
        client arguments in ``kwargs`` (keys from each venue's environment variables) and
        kept for reuse.
    fallback : {None, "snapshot"}
        ``"snapshot"``: a venue that fails is filled from :func:`levkit.load_snapshot`
        (its rows say ``origin == "snapshot"``); its error stays in ``attrs["errors"]``.
    progress : bool, optional
        One tqdm bar over the (venue, symbol) fetches; default when there is more than one.
    **kwargs
        Client arguments (``session``, ``testnet``, ``timeout``...) for every venue, and
        method arguments (``refresh``, ``category``...) given to the venues that take them.

    Returns
    -------
    DataFrame
        A tiers frame sorted by exchange, symbol, max_notional, plus ``origin`` (where each
        row came from: ``api``, ``simulator``, ``snapshot``), ``complete``, ``as_of`` and
        ``source``.  ``attrs``: ``errors`` ({exchange: message}), ``origins``
        ({exchange: origin}), ``source`` (the one origin, or ``"mixed"``), ``fetched_at``.

    Examples
    --------
    >>> import warnings
    >>> import levkit as lk
    >>> from levkit.sim import Simulator
    >>> s = Simulator().session()
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     t = lk.fetch_risk_limits(["okx", "gate", "bingx"], "BTC", session=s, progress=False)
    >>> sorted(t["exchange"].unique()), sorted(t.attrs["errors"])
    (['gate', 'okx'], ['bingx'])
    >>> str(caught[0].message).startswith("fetch_risk_limits: 1 of 3 venues failed: bingx")
    True
    """
    from ..client.build import client_arguments
    from ..venues import venue

    names = [venue(n).name for n in _as_list(exchanges) or []]
    if not names:
        raise ValueError("fetch_risk_limits needs at least one exchange name")
    if fallback not in (None, "snapshot"):
        raise ValueError(f"fallback must be None or 'snapshot', not {fallback!r}")
    wanted: list[str | None] = _as_list(symbols) or [None]
    takes = client_arguments()  # any registered client's (from the signatures)
    client_kw = {k: kwargs.pop(k) for k in list(kwargs) if k in takes}
    client_kw.setdefault("progress", False)  # one bar, ours
    given = {venue(k).name: c for k, c in (clients or {}).items()}

    built: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in dict.fromkeys(names):
        try:
            built[name] = given.get(name) or pooled_client(name, **client_kw)
        except Exception as exc:  # noqa: BLE001 - e.g. half a key pair
            errors[name] = _message(exc)
    _check_kwargs(built, kwargs)

    bar = _bar(progress, len(built) * len(wanted))
    lock = threading.Lock()

    def tick() -> None:
        if bar is not None:
            with lock:
                bar.update(1)

    results: dict[str, tuple[list[pd.DataFrame], dict]] = {}
    try:
        with ThreadPoolExecutor(max_workers=max(len(built), 1)) as pool:
            futures = {
                n: pool.submit(_fetch_venue, n, c, wanted, kwargs, tick) for n, c in built.items()
            }
            results = {n: f.result() for n, f in futures.items()}
    finally:
        if bar is not None:
            bar.close()

    frames: list[pd.DataFrame] = []
    missing: dict[tuple[str, str | None], str] = {}  # (venue, symbol) -> why
    for name in dict.fromkeys(names):
        got, failed = results.get(name, ([], {None: errors.get(name, "")}))
        frames += got
        if failed and name not in errors:
            errors[name] = "; ".join(
                msg if sym is None else f"{sym}: {msg}" for sym, msg in failed.items()
            )
        for sym, msg in failed.items():
            for one in wanted if sym is None else [sym]:
                missing[(name, _native(name, one))] = msg
    filled: list[tuple[str, str | None]] = []
    if fallback == "snapshot":
        for name in list(errors):
            failed = results.get(name, ([], {None: ""}))[1]
            got, absent = _fallback(name, wanted if None in failed else list(failed))
            frames += got
            for key in [k for k in missing if k[0] == name]:
                if key[1] not in {_native(name, s) for s in absent}:
                    filled.append(key)
                    del missing[key]
                else:
                    why = [m for s, m in absent.items() if _native(name, s) == key[1]]
                    missing[key] += "; " + why[0]
    dead = [n for n in dict.fromkeys(names) if not results.get(n, ([], {}))[0]]
    return _combine(names, dead, wanted, frames, errors, missing, filled)


def _check_kwargs(built: Mapping[str, Any], kwargs: Mapping[str, Any]) -> None:
    taken: set[str] = set()
    for client in built.values():
        taken |= set(inspect.signature(client.risk_limits).parameters)
    unknown = set(kwargs) - taken
    if unknown and built:
        raise TypeError(f"fetch_risk_limits got unexpected arguments {sorted(unknown)}")


def _bar(progress: bool | None, total: int) -> Any:
    if progress is False or (progress is None and total <= 1):
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="risk limits", unit="fetch", leave=False)


def _combine(
    names: list[str],
    dead: list[str],
    wanted: list[str | None],
    frames: list[pd.DataFrame],
    errors: dict[str, str],
    missing: dict[tuple[str, str | None], str],
    filled: list[tuple[str, str | None]],
) -> pd.DataFrame:
    from ..frames import TIERS_COLUMNS, empty_tiers

    if frames:
        out = pd.concat(frames, ignore_index=True)
    else:
        out = empty_tiers([ORIGIN, "complete", "as_of", "source"])
    out = out.sort_values(["exchange", "symbol", "max_notional"], kind="stable")
    out = out.drop_duplicates([*TIERS_COLUMNS[:3], "max_notional"]).reset_index(drop=True)
    origins = out.drop_duplicates("exchange").set_index("exchange")[ORIGIN].to_dict()
    kinds = set(origins.values())
    out.attrs = {
        "source": kinds.pop() if len(kinds) == 1 else "mixed",
        "fetched_at": pd.Timestamp.now(tz="UTC"),
        "errors": dict(errors),
        "missing": [(ex, sym, why) for (ex, sym), why in missing.items()],
        "filled": list(filled),
        "origins": origins,
        "exchanges": list(dict.fromkeys(names)),
    }
    if out.empty:
        raise LevkitError(
            "fetch_risk_limits: no venue answered: "
            + "; ".join(f"{n}: {m}" for n, m in errors.items())
        )
    text = _summary(list(dict.fromkeys(names)), dead, wanted, errors, missing, filled)
    if text:
        warnings.warn(f"fetch_risk_limits: {text}", FetchWarning, stacklevel=4)
    return out


def _summary(
    names: list[str],
    dead: list[str],
    wanted: list[str | None],
    errors: dict[str, str],
    missing: dict[tuple[str, str | None], str],
    filled: list[tuple[str, str | None]],
) -> str:
    """One line: the venues that failed (no ladder from them at all), then the (venue,
    symbol) pairs without a ladder, counted apart; "" when nothing failed."""
    parts = []
    if dead:
        shown = "; ".join(f"{n} ({errors.get(n, 'no answer')})" for n in dead)
        parts.append(f"{len(dead)} of {len(names)} venues failed: {shown}")
    pairs = [(ex, sym) for ex, sym in missing if sym is not None]
    if pairs:
        total = len(names) * sum(w is not None for w in wanted)
        shown = ", ".join(
            f"{ex} {sym}" + ("" if ex in dead else f" ({missing[(ex, sym)]})") for ex, sym in pairs
        )
        parts.append(
            f"{len(pairs)} of {max(total, len(pairs))} (venue, symbol) pairs have no ladder: "
            + shown
        )
    if filled:
        shown = ", ".join(f"{ex} {sym}" if sym else f"{ex} (every symbol)" for ex, sym in filled)
        parts.append(f"filled from the snapshot: {shown}")
    return "; ".join(parts)
