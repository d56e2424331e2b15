"""``levkit exchanges``: what :func:`levkit.exchanges` says, as a table or CSV."""

from __future__ import annotations

import argparse
import sys

import pandas as pd

NAME = "exchanges"

_SHOWN = [
    "title",
    "ladder",
    "set_leverage",
    "hedge_mode",
    "leverage_step",
    "margin_bands",
    "discover_tiers",
    "symbol_example",
    "env_prefix",
    "aliases",
]


def add_parser(sub, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = sub.add_parser(
        NAME,
        parents=parents,
        help="the exchanges levkit speaks and what each can do",
        description="The registry (lk.exchanges()): one row per exchange API with what it "
        "can do, its symbol spelling and the prefix of its environment variables "
        "(<PREFIX>_API_KEY, _API_SECRET, _PASSPHRASE, _TESTNET).",
    )
    p.add_argument("--csv", action="store_true", help="every column, as CSV")
    p.set_defaults(func=run)
    return p


def _yes(value: object) -> str:
    return "yes" if bool(value) else "-"


def _ladder(name: str) -> str:
    """How the CLI gets the venue's ladder: ``public``, ``signed`` (keys), ``probe``
    (``levkit snapshot --probe``), ``from <venue>`` or ``snapshot only``."""
    from ..venues import venue
    from ._common import has_api_ladder

    c = venue(name).capabilities
    if has_api_ladder(name):
        return "public" if c.public_ladder else "signed"
    if c.discover_tiers:
        return "probe"
    return f"from {c.ladder_from}" if c.ladder_from else "snapshot only"


def run(args: argparse.Namespace) -> int:
    from ..numbers import show
    from ..venues import exchanges

    frame = exchanges()
    frame["ladder"] = [_ladder(name) for name in frame.index]
    if args.csv:
        sys.stdout.write(frame.to_csv(index=False, lineterminator="\n"))
        return 0
    table = frame[_SHOWN].copy()
    for col in ("set_leverage", "hedge_mode", "margin_bands", "discover_tiers"):
        table[col] = table[col].map(_yes)
    table["leverage_step"] = table["leverage_step"].map(show)
    table.columns = [c.replace("_", " ") for c in table.columns]
    with pd.option_context("display.width", 250, "display.max_columns", 20):
        print(table.to_string())
    return 0
