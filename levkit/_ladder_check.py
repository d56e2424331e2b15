"""The check every ladder passes before it becomes a tiers frame (issue 23, item 4).

:func:`levkit.frames.tiers_frame` calls :func:`check_ladders` on the sorted, numbered
columns of every frame it builds, so every venue's parse, the snapshot reader, the ccxt
bridge and hand-made frames go through the same step.  Per ladder (one exchange and
symbol, rows sorted by cap):

- ``max_notional`` positive and strictly increasing; ``inf`` only on the top tier, and
  only where :attr:`LadderRules.open_top` allows it (Hyperliquid's uncapped top tier);
- ``min_notional`` >= 0;
- ``max_leverage`` positive and finite (NaN only where :attr:`LadderRules.need_leverage`
  is false: margin bands, hand-made or shipped frames whose source does not say);
- ``maintenance_margin_rate`` in [0, 1) and ``initial_margin_rate`` in (0, 1] (a 1x tier's
  initial margin is the whole notional), NaN where unknown;
- ``mm_deduction`` finite;
- the venue's own tier number (:attr:`LadderRules.numbered_by`), where the answer gives
  one, rising with the cap.

A ladder that breaks one raises :class:`~levkit.errors.ParseError` naming the exchange,
the symbol, the field (the answer's own name for it where the venue declares one) and the
value.  Where the answer holds several ladders and :attr:`LadderRules.drop_bad` is set
(every venue's all-symbols ladder read), the bad ladders are dropped instead, named in a
:class:`~levkit.errors.LadderWarning` and in ``attrs["dropped"]`` (``{symbol: reason}``),
so one broken instrument does not hide hundreds of good ones; when every ladder is bad it
raises, never returning an empty frame.

Examples
--------
>>> import numpy as np
>>> cols = {"exchange": np.array(["x", "x"], dtype=object),
...         "symbol": np.array(["A", "B"], dtype=object),
...         "max_notional": np.array([1e6, -5.0]), "min_notional": np.zeros(2),
...         "max_leverage": np.array([50.0, 20.0]),
...         "maintenance_margin_rate": np.array([0.01, 0.02]),
...         "initial_margin_rate": np.array([0.02, 0.05]), "mm_deduction": np.zeros(2)}
>>> rules = LadderRules(fields={"max_notional": "riskLimitValue"}, drop_bad=True)
>>> keep, dropped = check_ladders(cols, np.array([True, True]), rules)
>>> keep.tolist(), dropped
([True, False], {'B': 'riskLimitValue (max_notional) -5 is not positive'})
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import ParseError

__all__ = ["LadderRules", "HAND_MADE", "check_ladders", "check_leverages"]


@dataclass(frozen=True)
class LadderRules:
    """What one kind of ladder answer must satisfy beyond the checks every frame gets.

    Attributes
    ----------
    fields : mapping
        Frame column -> the answer's own field name (``{"max_notional": "riskLimitValue"}``),
        so that an error names the field as the exchange spells it.
    need_leverage : bool
        ``max_leverage`` must be known on every tier (a leverage ladder); False for margin
        bands and frames whose source may not say.
    open_top : bool
        The top tier may have no cap (``max_notional = inf``; Hyperliquid).
    numbered_by : str
        An extra column holding the venue's own tier number (Binance ``bracket``, OKX
        ``tier``, Gate ``tier``, Bitget ``level``); where given it must rise with the cap.
    drop_bad : bool
        In an answer holding several ladders, drop a bad one (warned, ``attrs["dropped"]``)
        instead of raising.  A single ladder, or all of them bad, always raises.

    Examples
    --------
    A venue's parse declares its rules once and hands them to ``tiers_frame``:

    >>> from levkit.frames import tiers_frame
    >>> rules = LadderRules(fields={"max_leverage": "leverage_max"}, need_leverage=True)
    >>> tiers_frame({"exchange": "gate", "symbol": "BTC_USDT", "max_notional": [1e6],
    ...              "max_leverage": [0]}, source="api", rules=rules)
    Traceback (most recent call last):
    ...
    levkit.errors.ParseError: gate BTC_USDT: leverage_max (max_leverage) 0 is not a positive finite leverage
    """

    fields: Mapping[str, str] = field(default_factory=dict)
    need_leverage: bool = False
    open_top: bool = False
    numbered_by: str = ""
    drop_bad: bool = False


#: Frames made by hand, read from a snapshot or built by the model: any open top tier
#: (a saved Hyperliquid ladder), unknown leverages allowed, a bad value raises.
HAND_MADE = LadderRules(open_top=True)


def _label(column: str, rules: LadderRules) -> str:
    wire = rules.fields.get(column)
    return f"{wire} ({column})" if wire and wire != column else column


def _checks(cols: Mapping[str, Any], start: np.ndarray, rules: LadderRules) -> list:
    """``(column, bad-row mask, problem)`` in the order a message should name them."""
    cap = cols["max_notional"]
    top = np.ones(len(cap), dtype=bool)  # each ladder's last row
    top[:-1] = start[1:]
    lev = cols["max_leverage"]
    mmr = cols["maintenance_margin_rate"]
    imr = cols["initial_margin_rate"]
    with np.errstate(invalid="ignore"):
        open_cap = np.isinf(cap) & (~top if rules.open_top else True)
        bad_lev = ~((lev > 0) & np.isfinite(lev)) & (~np.isnan(lev) | rules.need_leverage)
        bad_mmr = ~np.isnan(mmr) & ~((mmr >= 0) & (mmr < 1))
        bad_imr = ~np.isnan(imr) & ~((imr > 0) & (imr <= 1))
        out = [
            ("max_notional", np.isnan(cap), "is missing"),
            ("max_notional", ~(cap > 0), "is not positive"),
            ("max_notional", open_cap, _OPEN[rules.open_top]),
            ("max_notional", _not_rising(cap, start), "repeats the cap of the tier below"),
            ("min_notional", ~(cols["min_notional"] >= 0), "is negative"),
            ("max_leverage", bad_lev, "is not a positive finite leverage"),
            ("maintenance_margin_rate", bad_mmr, "is not a rate in [0, 1)"),
            ("initial_margin_rate", bad_imr, "is not a rate in (0, 1]"),
            ("mm_deduction", ~np.isfinite(cols["mm_deduction"]), "is not a finite number"),
        ]
    number = cols.get(rules.numbered_by) if rules.numbered_by else None
    if number is not None:
        out.append(
            (
                rules.numbered_by,
                _not_rising(_floats(number), start),
                "does not rise with the cap (tiers out of order)",
            )
        )
    return out


_OPEN = {
    True: "is an open cap below the top tier",
    False: "is not a finite cap (this venue has no uncapped tier)",
}


def _floats(values: Any) -> np.ndarray:
    """float64 with NaN for missing (a nullable ``Int64`` tier number included)."""
    if hasattr(values, "to_numpy"):
        return values.to_numpy(dtype="float64", na_value=np.nan)
    return np.asarray(values, dtype="float64")


def _not_rising(values: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Rows whose value is not above the previous row's in the same ladder (a NaN on
    either side compares false: missing values are the other checks' business)."""
    bad = np.zeros(len(values), dtype=bool)
    with np.errstate(invalid="ignore"):
        bad[1:] = (values[1:] <= values[:-1]) & ~start[1:]
    return bad


def check_ladders(
    cols: Mapping[str, Any], start: np.ndarray, rules: LadderRules
) -> tuple[np.ndarray | None, dict[str, str]]:
    """Check sorted, numbered tiers columns ladder by ladder (module docstring).

    ``start`` marks each ladder's first row.  Returns ``(keep, dropped)``: ``keep`` is None
    when every ladder passed, else the rows to keep; ``dropped`` maps each dropped symbol
    to the reason.  Raises :class:`ParseError` where nothing may be dropped.
    """
    checks = _checks(cols, start, rules)
    bad_rows = np.zeros(len(start), dtype=bool)
    for _, mask, _ in checks:
        bad_rows |= mask
    if not bad_rows.any():
        return None, {}
    ladder = np.cumsum(start) - 1
    bad_ladder = np.zeros(int(ladder[-1]) + 1, dtype=bool)
    bad_ladder[ladder[bad_rows]] = True
    reasons = _reasons(cols, checks, ladder, np.flatnonzero(bad_ladder), rules)
    if not rules.drop_bad or bad_ladder.all():
        (ex, sym), why = next(iter(reasons.items()))
        more = f" (and {len(reasons) - 1} other ladders)" if len(reasons) > 1 else ""
        raise ParseError(f"{ex} {sym}: {why}{more}")
    return ~bad_ladder[ladder], {sym: why for (_, sym), why in reasons.items()}


def _reasons(cols, checks, ladder, bad_ids, rules) -> dict[tuple[str, str], str]:
    """``{(exchange, symbol): "field value problem"}`` for each bad ladder, naming its
    first broken value."""
    out: dict[tuple[str, str], str] = {}
    for lid in bad_ids:
        rows = np.arange(*np.searchsorted(ladder, [lid, lid + 1]))
        key = (str(cols["exchange"][rows[0]]), str(cols["symbol"][rows[0]]))
        for column, mask, problem in checks:
            hit = rows[mask[rows]]
            if len(hit):
                value = _floats(cols[column][hit[:1]])[0]
                said = "is missing" if np.isnan(value) else f"{value:.12g} {problem}"
                out[key] = f"{_label(column, rules)} {said}"
                break
    return out


def check_leverages(df: Any) -> None:
    """A leverage frame's numbers: ``leverage`` and ``max_leverage`` positive and finite,
    ``max_position_value`` >= 0 (``inf`` in an uncapped top tier); NaN where unknown.  ParseError otherwise,
    naming exchange, symbol, side and column."""
    for col, ok, problem in (
        ("leverage", lambda v: (v > 0) & np.isfinite(v), "is not a positive finite leverage"),
        ("max_leverage", lambda v: (v > 0) & np.isfinite(v), "is not a positive finite leverage"),
        ("max_position_value", lambda v: v >= 0, "is not a cap >= 0"),  # inf: uncapped
    ):
        values = df[col].to_numpy(dtype="float64", na_value=np.nan)
        with np.errstate(invalid="ignore"):
            bad = ~np.isnan(values) & ~ok(values)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            row = df.iloc[i]
            raise ParseError(
                f"{row['exchange']} {row['symbol']} {row['side']}: {col} {values[i]:.12g} {problem}"
            )
