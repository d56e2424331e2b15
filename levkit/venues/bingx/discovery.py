"""BingX tier discovery: the safe probing session on a BingX account.  Refuse when not
flat, read the leverage in force, run :class:`~levkit.discovery.search.LadderSearch` (the
venue-free search) with set-leverage calls as the probe, and put the leverage back in
every case.  ``BingX.discover_tiers`` calls :func:`discover_bingx`; the method is
described in :mod:`levkit.discovery`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np
import pandas as pd

from ...discovery.errors import DiscoveryError, RestoreError
from ...discovery.search import STRATEGIES, LadderSearch, join_bands
from ...errors import LevkitError, ParseError
from ...frames import tiers_frame
from ...symbols import Instrument

__all__ = ["DiscoveryError", "RestoreError", "Probeable", "discover_bingx", "RESTORE_ATTEMPTS"]

log = logging.getLogger("levkit")

#: tries to put the leverage back (each one a read, then a set where it differs)
RESTORE_ATTEMPTS = 4


class Probeable(Protocol):
    """The public probing interface a client offers discovery (``BingX`` implements it).

    Discovery drives only these; it knows no exchange and no private method.
    """

    progress: bool | None

    @property
    def exchange(self) -> str: ...
    @property
    def base_url(self) -> str: ...

    def symbol(self, symbol: str) -> str: ...
    def instrument(self, symbol: str) -> Instrument: ...
    def open_positions(self, symbol: str | None = None) -> pd.DataFrame: ...
    def open_orders(self, symbol: str | None = None) -> pd.DataFrame: ...
    def position_mode(self, refresh: bool = False) -> str: ...
    def leverage(self, symbol: str | None = None) -> pd.DataFrame: ...
    def margin_bands(self, symbol: str | None = None) -> pd.DataFrame: ...
    def probe_leverage(self, symbol: str, wire_side: str, leverage: int, mode: str) -> dict: ...
    def pause(self, seconds: float) -> None: ...


def discover_bingx(
    client: Probeable,
    symbol: str,
    *,
    min_leverage: int = 1,
    max_leverage: int | None = None,
    progress: bool | None = None,
    strategy: str = "round",
) -> pd.DataFrame:
    """The body of :meth:`levkit.BingX.discover_tiers` (see there)."""
    sym = client.symbol(symbol)
    lo = _whole(min_leverage, "min_leverage")
    asked = _whole(max_leverage, "max_leverage") if max_leverage is not None else None
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}, not {strategy!r}")
    busy = [
        f"{len(frame)} open {what}"
        for what, frame in (
            ("position(s)", client.open_positions(sym)),
            ("order(s)", client.open_orders(sym)),
        )
        if len(frame)
    ]
    if busy:
        raise DiscoveryError(
            f"refusing to probe {sym}: {' and '.join(busy)} on it. Probing sets the "
            "leverage up and down, which would move the margin of what is open; close them "
            "first (nothing was changed)"
        )
    mode = client.position_mode(refresh=True)
    before = client.leverage(sym).set_index("side")
    levs, caps = before["leverage"].astype(float), before["max_position_value"].astype(float)
    original = {s: float(levs[s]) for s in ("long", "short")}
    wire = "LONG" if mode == "hedge" else "BOTH"
    if mode == "one-way" and original["long"] != original["short"]:
        raise DiscoveryError(
            f"{sym} reads long {original['long']:g}x and short {original['short']:g}x in "
            "one-way mode; probing with side BOTH could not put both back (nothing was changed)"
        )
    tops = before["max_leverage"] if mode == "one-way" else before.loc[["long"], "max_leverage"]
    top = float(tops.min())
    hi = asked if asked is not None else top
    if math.isnan(hi):
        raise DiscoveryError(f"BingX did not say the maximum leverage of {sym}: pass max_leverage")
    hi = int(hi)
    if not math.isnan(top) and hi > top:
        raise DiscoveryError(f"max_leverage {hi} is above {sym}'s maximum {top:g}x")
    if lo > hi:
        raise DiscoveryError(f"min_leverage {lo} is above max_leverage {hi}")
    known = {
        int(original[s]): float(caps[s]) for s in ("long", "short") if original[s].is_integer()
    }
    held = dict(original)  # what the account holds, as far as the answers tell
    sent = [0]

    def post(side: str, leverage: int, current_mode: str) -> dict:
        sent[0] += 1
        held.update(dict.fromkeys(_sides(side), math.nan))  # unknown until answered
        nums = client.probe_leverage(sym, side, int(leverage), current_mode)
        held.update(dict.fromkeys(_sides(side), float(leverage)))
        return nums

    def probe(leverage: int) -> float:
        nums = post(wire, leverage, mode)["long"]
        if not math.isnan(nums["leverage"]) and nums["leverage"] != leverage:
            raise DiscoveryError(f"set {leverage}x on {sym} but BingX answered {nums['leverage']}x")
        if math.isnan(nums["max_position_value"]):
            raise ParseError(
                f"{client.exchange} set leverage: the answer has no maxPositionLongVal"
            )
        return nums["max_position_value"]

    bar = _bar(client, progress, sym)

    def tick(leverage: int, cap: float) -> None:
        if bar is not None:
            bar.update(1)
            bar.set_postfix_str(f"{leverage}x -> {cap:,.0f}")

    search = LadderSearch(probe, lo, hi, known=known, strategy=strategy, on_probe=tick)
    stopped: BaseException | None = None
    try:
        search.run()
    except BaseException as exc:  # KeyboardInterrupt too: the leverage goes back first
        stopped = exc
        raise
    finally:
        if bar is not None:
            bar.close()
        was = f"long {original['long']:g}x, short {original['short']:g}x"
        try:
            restore_calls = _restore(
                client, sym, original, held, trusted=stopped is None, post=post
            )
        except RestoreError as err:
            if stopped is not None:
                err.add_note(f"probing had stopped on: {stopped!r}")
            raise
        if stopped is not None:
            stopped.add_note(f"levkit put the leverage of BingX {sym} back ({was})")
    log.info(
        "bingx %s: %d tiers from %d probes, %d set-leverage calls; leverage put back (%s)",
        sym,
        len(search.steps()),
        search.probes,
        sent[0],
        was,
    )
    return _frame(client, sym, search, sent[0], restore_calls, original, mode, lo, hi)


def _sides(wire_side: str) -> tuple[str, ...]:
    return ("long", "short") if wire_side == "BOTH" else (wire_side.lower(),)


def _whole(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a whole number, not {value!r}")
    if not float(value).is_integer() or value < 1:
        raise ValueError(f"{name} must be a whole number of at least 1, not {value!r}")
    return int(value)


def _bar(client: Probeable, progress: bool | None, sym: str) -> Any:
    if progress is False or (progress is None and client.progress is False):
        return None
    from tqdm.auto import tqdm

    return tqdm(desc=f"probing {sym} tiers", unit="call", leave=False)


def _restore(
    client: Probeable,
    sym: str,
    original: dict[str, float],
    held: dict[str, float],
    *,
    trusted: bool,
    post: Callable[[str, int, str], dict],
) -> int:
    """Put ``original`` back; read back to check.  Returns the set-leverage calls made.

    ``held`` is what the answers say the account holds; after a failure it is not trusted
    and the leverage is read first.  A ``KeyboardInterrupt`` while restoring is held back
    until the leverage is back (or the attempts are used up), then raised.
    """
    calls = 0
    interrupted = False
    errors: list[BaseException] = []
    current = dict(held) if trusted else None
    for attempt in range(RESTORE_ATTEMPTS + 1):
        try:
            if current is None:
                now = client.leverage(sym).set_index("side")["leverage"]
                current = {s: float(now[s]) for s in ("long", "short")}
            todo = [s for s in ("long", "short") if current[s] != original[s]]
            if not todo:
                break
            if attempt == RESTORE_ATTEMPTS:
                break
            mode = client.position_mode(refresh=attempt > 0)
            if mode == "one-way":
                calls += 1
                post("BOTH", int(original["long"]), mode)
            else:
                for side in todo:
                    calls += 1
                    post(side.upper(), int(original[side]), mode)
            current = None  # read back to check
        except KeyboardInterrupt as exc:
            interrupted = True
            errors.append(exc)
            log.warning("bingx %s: interrupted while putting the leverage back; finishing", sym)
            current = None
        except LevkitError as exc:
            errors.append(exc)
            log.warning("bingx %s: putting the leverage back failed (%s); retrying", sym, exc)
            current = None
            client.pause(min(2.0**attempt, 8.0))
    if current is None or any(current[s] != original[s] for s in ("long", "short")):
        was = f"long {original['long']:g}x, short {original['short']:g}x"
        last = f" (last error: {errors[-1]!r})" if errors else ""
        msg = (
            f"LEVERAGE NOT RESTORED on BingX {sym}: before probing it was {was}, and levkit "
            f"could not put it back after {RESTORE_ATTEMPTS} attempts{last}. Set it back by "
            f"hand, e.g. client.set_leverage({sym!r}, {original['long']:g}, side='long') and "
            f"client.set_leverage({sym!r}, {original['short']:g}, side='short')"
        )
        log.error(msg)
        raise RestoreError(msg, symbol=sym, original=original)
    if interrupted:
        raise KeyboardInterrupt
    return calls


def _frame(
    client: Probeable,
    sym: str,
    search: LadderSearch,
    calls: int,
    restore_calls: int,
    original: dict[str, float],
    mode: str,
    lo: int,
    hi: int,
) -> pd.DataFrame:
    steps = search.steps()
    caps = [cap for _, cap in steps]
    if any(x < y for x, y in zip(caps[:-1], caps[1:], strict=True)):
        log.warning("bingx %s: the probed caps do not fall as leverage rises: %s", sym, steps)
    bands = None
    note = ""
    try:
        bands = client.margin_bands(sym)
    except LevkitError as exc:
        note = f"maintMarginRatio bands could not be read ({exc}): rates left NaN"
    rates, joined = join_bands(steps, bands)
    note = note or joined
    n = len(steps)
    frame = {
        "exchange": ["bingx"] * n,
        "symbol": [sym] * n,
        "max_notional": np.array(caps, dtype="float64"),
        "max_leverage": np.array([lev for lev, _ in steps], dtype="float64"),
        **rates,
        "notional_unit": [client.instrument(sym).unit] * n,
    }
    attrs: dict[str, Any] = {
        "calls": calls,
        "probes": search.probes,
        "restore_calls": restore_calls,
        "restored": dict(original),
        "position_mode": mode,
        "leverage_range": (lo, hi),
        "strategy": search.strategy,
        "host": client.base_url,
    }
    if note:
        attrs["note"] = note
    if bands is not None:
        cols = ["min_notional", "max_notional", "maintenance_margin_rate", "mm_deduction"]
        attrs["margin_bands"] = bands[cols].to_dict("records")
    return tiers_frame(frame, source="probe", **attrs)
