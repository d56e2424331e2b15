"""``levkit changes``: what changed between consecutive stored versions of the ladders
(:func:`levkit.changes`), in a window counted back from now."""

from __future__ import annotations

import argparse

from ._common import UsageError, add_exchange_arg

NAME = "changes"


def add_parser(sub, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = sub.add_parser(
        NAME,
        parents=parents,
        help="what changed in the stored ladders",
        description="The ladders that were added, removed or changed between consecutive "
        "stored versions whose newer one is dated in the window: the cap at each leverage, "
        "the top leverage and the tier count, old -> new.  Reads the store (the user folder, "
        "then levkit's shipped history); 'levkit snapshot' adds versions.",
        epilog="Exit status: 0 (also when nothing changed; a warning says when nothing was "
        "saved in the window), 2 bad arguments.",
    )
    p.add_argument(
        "--since",
        default="7d",
        metavar="SPAN|DATE",
        help="start of the window: a span back from now (7d, 12h, 2w) or a date (default 7d)",
    )
    p.add_argument("--until", metavar="DATE", help="end of the window (default: now)")
    add_exchange_arg(p, "only this exchange")
    p.add_argument("--symbol", nargs="+", metavar="S", help="only these symbols (any spelling)")
    p.add_argument(
        "--leverage",
        nargs="+",
        default=["10", "20", "50"],
        metavar="L",
        help="leverages at which to show the cap (default 10 20 50)",
    )
    p.add_argument("--kind", choices=("leverage", "margin"), default="leverage")
    p.add_argument("--csv", action="store_true", help="print the whole table as CSV")
    p.add_argument("--data-dir", metavar="DIR", help="read only the store in DIR")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from ..snapshot import changes
    from ..snapshot.diff import check_leverages

    try:
        check_leverages(args.leverage)
    except ValueError as exc:  # a bad argument (exit 2), not a failure while running
        raise UsageError(f"--leverage: {exc}") from None
    table = changes(
        since=args.since,
        until=args.until,
        exchange=args.exchange,
        symbol=args.symbol,
        leverages=args.leverage,
        kind=args.kind,
        path=args.data_dir,
    )
    if args.csv:
        print(table.to_csv(index=False, lineterminator="\n"), end="")
        return 0
    since, until = table.attrs["since"], table.attrs["until"]
    span = f"{since:%Y-%m-%d %H:%M} to {until:%Y-%m-%d %H:%M} UTC"
    if len(table) == 0:
        print(f"no ladder changed from {span} ({table.attrs['saved']} ladders saved then)")
        return 0
    counts = table["change"].value_counts()
    head = ", ".join(f"{counts[k]} {k}" for k in ("changed", "added", "removed") if k in counts)
    print(f"{head} from {span}:")
    cols = {
        "date": table["as_of_new"].dt.strftime("%Y-%m-%d").tolist(),
        "exchange": table["exchange"].tolist(),
        "symbol": table["symbol"].tolist(),
        "change": table["change"].tolist(),
    }
    widths = {k: max(len(k), *(len(v) for v in vals)) for k, vals in cols.items()}
    print("  ".join(k.ljust(w) for k, w in widths.items()) + "  what changed")
    for i, summary in enumerate(table["summary"]):
        print("  ".join(cols[k][i].ljust(w) for k, w in widths.items()) + "  " + summary)
    return 0
