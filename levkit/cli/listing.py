"""``levkit list``: what the snapshot holds (user folder, then shipped data)."""

from __future__ import annotations

import argparse

import pandas as pd

from ._output import amount, leverage_text

NAME = "list"


def add_parser(sub, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = sub.add_parser(
        NAME,
        parents=parents,
        help="what the snapshot holds",
        description="Every ladder in the snapshot: the user folder's first, then levkit's "
        "shipped data ('user' or 'shipped' in the last column).",
    )
    p.add_argument("--data-dir", metavar="DIR", help="list only the snapshot in DIR")
    p.set_defaults(func=run)
    return p


def _where(file: str, user: str) -> str:
    return "user" if file.startswith(user) else "shipped"


def run(args: argparse.Namespace) -> int:
    from ..snapshot import snapshot_index, user_data_dir

    idx = snapshot_index(path=args.data_dir)
    table = pd.DataFrame(
        {
            "kind": idx["kind"],
            "exchange": idx["exchange"],
            "symbol": idx["symbol"],
            "tiers": idx["tiers"].astype(str),
            "top leverage": idx["max_leverage"].map(leverage_text),
            "top band": idx["top_notional"].map(amount),
            "as of": idx["as_of"],
            "complete": idx["complete"].map(lambda v: "yes" if v else "no"),
        }
    )
    if args.data_dir is None:
        user = str(user_data_dir())
        table["from"] = idx["file"].astype(str).map(lambda f: _where(f, user))
    print(table.to_string(index=False))
    return 0
