"""``levkit curves``: draw max position value against leverage into a PNG."""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import LadderWarning, LevkitError
from ..numbers import leverage_at_most, show
from ._common import UsageError, add_symbols_parser, leverage_arg, load
from ._output import ladder_notes, stale_ladders

NAME = "curves"


def add_parser(sub, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = add_symbols_parser(
        sub,
        parents,
        NAME,
        example="e.g. BTC-USDT, BTCUSDT, BTC",
        help="draw max position value vs leverage",
        description="Draw max position value against leverage, one curve per symbol and "
        "exchange, into a PNG.  The unknown part of an incomplete ladder is drawn dashed "
        "and named in a note.",
    )
    p.add_argument(
        "--leverage", type=leverage_arg, metavar="L", help="mark leverage L on each curve"
    )
    p.add_argument("--out", required=True, metavar="FILE.png", help="image file to write")
    p.add_argument("--title", help="plot title")
    p.set_defaults(func=run)
    return p


def render_curves(
    tiers: pd.DataFrame,
    out: str | Path,
    *,
    leverage: float | None = None,
    title: str | None = None,
    dpi: int = 120,
) -> Any:
    """Draw :func:`levkit.plots.plot_risk_limits` for ``tiers`` into ``out``; return the Figure.

    Uses the Agg backend (set before pyplot is imported) and a standalone Figure, so
    nothing is shown and no pyplot state is left behind.

    Examples
    --------
    >>> import tempfile, os
    >>> from levkit.frames import tiers_frame
    >>> t = tiers_frame({"exchange": "bybit", "symbol": "BTCUSDT",
    ...                  "max_notional": [3e5, 2e6], "max_leverage": [150, 100]}, source="api")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     fig = render_curves(t, os.path.join(d, "c.png"))
    >>> fig.axes[0].lines[0].get_xydata().tolist()
    [[1.0, 2000000.0], [100.0, 2000000.0], [150.0, 300000.0]]
    """
    import matplotlib

    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from ..plots.curves import plot_risk_limits

    fig = Figure(figsize=(9, 5.5), layout="constrained")
    ax = fig.add_subplot()
    plot_risk_limits(tiers, ax=ax, leverage=leverage)
    ax.set_title(title or _default_title(tiers))
    fig.savefig(out, dpi=dpi)
    return fig


def _default_title(tiers: pd.DataFrame) -> str:
    attrs = tiers.attrs
    if attrs.get("source") == "snapshot" and "as_of" in tiers:
        dates = sorted(set(tiers["as_of"]))  # ISO dates (or years) sort as text
        span = dates[0] if len(dates) == 1 else f"{dates[0]} to {dates[-1]}"
        return f"Largest position by leverage (levkit snapshot, figures as of {span})"
    when = attrs.get("fetched_at")
    stamp = f", {pd.Timestamp(when):%Y-%m-%d %H:%M} UTC" if when is not None else ""
    return f"Largest position by leverage ({attrs.get('source', 'api')}{stamp})"


def _no_leverage(tiers: pd.DataFrame) -> list[str]:
    has = tiers.groupby(["exchange", "symbol"], sort=True)["max_leverage"].apply(
        lambda s: s.notna().any()
    )
    return [f"{ex} {sym}" for (ex, sym), ok in zip(has.index, has, strict=True) if not ok]


def _above_top(tiers: pd.DataFrame, leverage: float | None) -> dict[str, float]:
    """``{"exchange symbol": top}`` of the curves whose highest leverage is below
    ``leverage`` (no marker can go on them)."""
    if leverage is None:
        return {}
    tops = tiers.groupby(["exchange", "symbol"], sort=True)["max_leverage"].max()
    return {f"{ex} {sym}": float(top) for (ex, sym), top in zip(tops.index, tops, strict=True)
            if not leverage_at_most(leverage, top)}  # fmt: skip


def run(args: argparse.Namespace) -> int:
    tiers = load(args)
    missing = _no_leverage(tiers)
    if missing:
        raise LevkitError(
            f"no leverage in the figures for {', '.join(missing)}: nothing to draw "
            "(margin bands carry no leverage)"
        )
    above = _above_top(tiers, args.leverage)
    tops = ", ".join(f"{name} tops out at {show(top)}x" for name, top in above.items())
    if above and len(above) == tiers.groupby(["exchange", "symbol"]).ngroups:
        raise UsageError(f"--leverage {show(args.leverage)}x is above every curve's top: {tops}")
    try:
        with warnings.catch_warnings():
            # Incomplete and stale ladders are said below, once, in plain words.
            warnings.simplefilter("ignore", LadderWarning)
            render_curves(tiers, args.out, leverage=args.leverage, title=args.title)
    except ImportError as exc:
        raise LevkitError(f"cannot draw: {exc}") from exc
    sizes = tiers.groupby(["exchange", "symbol"]).size()
    drawn = ", ".join(
        f"{ex} {sym} ({n} tiers)" for (ex, sym), n in zip(sizes.index, sizes, strict=True)
    )
    print(f"wrote {args.out}: {drawn}")
    if "as_of" in tiers:
        for (ex, sym), text in stale_ladders(tiers).items():
            print(f"STALE: {ex} {sym}: {text} (refresh: levkit snapshot --exchange {ex})")
    if above:
        print(f"note: no {show(args.leverage)}x marker where {tops}")
    for line in ladder_notes(tiers):
        print(f"note: {line} (drawn dashed)")
    return 0
