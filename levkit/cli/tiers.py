"""``levkit tiers``: print leverage ladders (or margin bands) as a table or CSV."""

from __future__ import annotations

import argparse
import sys

from ._common import add_symbols_parser, load, say
from ._output import format_tiers, ladder_notes, stale_ladders

NAME = "tiers"


def add_parser(sub, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = add_symbols_parser(
        sub,
        parents,
        NAME,
        example="e.g. BTCUSDT, BTC-USDT, BTC",
        help="print a leverage ladder",
        description="Print leverage ladders (risk limits) as a table: band, max leverage, "
        "margin rates.  An incomplete ladder gets a note saying below which leverage its "
        "answers are only lower bounds; figures older than 30 days are marked STALE.",
    )
    p.add_argument(
        "--kind",
        choices=("leverage", "margin"),
        default="leverage",
        help="leverage ladders (default) or maintenance-margin bands (venues that publish "
        "them apart from the ladder; see 'levkit exchanges')",
    )
    p.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    tiers = load(args, kind=args.kind)
    if not args.csv:
        print(format_tiers(tiers))
        return 0
    sys.stdout.write(tiers.to_csv(index=False, float_format="%.15g", lineterminator="\n"))
    for (ex, sym), text in stale_ladders(tiers).items() if "as_of" in tiers else ():
        say("warning", f"{ex} {sym}: stale figures ({text})")
    for line in ladder_notes(tiers):
        say("note", line)
    return 0
