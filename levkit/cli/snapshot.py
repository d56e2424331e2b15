"""``levkit snapshot``: fetch ladders now and save them where levkit reads them first.

Without ``--out-dir`` the files go to the user snapshot folder (``$LEVKIT_DATA_DIR``, else
the platform's user data folder), which :func:`levkit.load_snapshot`, ``levkit tiers`` and
``levkit curves`` read before the shipped data.  Which venues can be fetched, and how
(public ladder, signed ladder, probe, margin bands), comes from the registry.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pandas as pd

from .. import venues as registry
from ._common import (
    UsageError,
    add_exchange_arg,
    add_live_args,
    client_kwargs,
    concat,
    fetch_live,
    has_api_ladder,
    log,
    require,
    say,
    venues_with,
)

NAME = "snapshot"

PROBE_EXPLANATION = (
    "{title} publishes no leverage ladder: levkit finds it by probing your account (it sets "
    "leverages on the symbol one after another, reads the largest position allowed at each, "
    "then puts your original leverage back; it refuses while a position is open). Pass "
    "--probe to allow that"
)


def add_parser(sub, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = sub.add_parser(
        NAME,
        parents=parents,
        help="save current ladders where levkit reads them first",
        description="Fetch leverage ladders from the exchanges and save them in levkit's "
        "snapshot format, replacing only the exchange/symbol pairs fetched.  By default into "
        "the user snapshot folder ($LEVKIT_DATA_DIR, else the platform's user data folder), "
        "which levkit reads before its shipped data.  Public ladders need no keys; signed "
        "ones read <PREFIX>_API_KEY / _API_SECRET (/ _PASSPHRASE) from the environment "
        "('levkit exchanges' lists the prefixes).",
    )
    add_exchange_arg(p, "only this exchange (default: every one that can be fetched)")
    p.add_argument(
        "--symbols", nargs="+", metavar="S", help="default: the symbols already in the snapshot"
    )
    p.add_argument(
        "--out-dir",
        metavar="DIR",
        help="write into DIR (<DIR>/<exchange>/tiers.csv) instead of the user snapshot folder",
    )
    p.add_argument(
        "--kind",
        choices=("leverage", "margin"),
        default="leverage",
        help="leverage ladders (tiers.csv, default) or margin bands (margin_bands.csv; "
        f"venues that publish them: {', '.join(venues_with('margin_bands')) or 'none'})",
    )
    p.add_argument(
        "--probe",
        action="store_true",
        help="allow probing your account to rediscover a ladder the API does not publish "
        f"({', '.join(venues_with('discover_tiers')) or 'no venue'})",
    )
    add_live_args(p)
    p.set_defaults(func=run)
    return p


# --------------------------------------------------------------------------- the plan


def _how(ex: str, args: argparse.Namespace) -> tuple[str | None, str]:
    """``(how, why not)``: how to fetch ``ex`` (``"ladder"``, ``"probe"``, ``"margin"``), or
    None and the reason it cannot be in this run."""
    v = registry.venue(ex)
    c = v.capabilities
    if args.kind == "margin":
        if c.margin_bands:
            return "margin", ""
        return (
            None,
            f"{v.title}'s margin rates are part of its leverage ladder: use --kind leverage",
        )
    if has_api_ladder(ex):
        if c.public_ladder or args.exchange == ex:
            return "ladder", ""  # a signed ladder without keys: the client's own error
        from .. import api

        if api.client_for(ex, **client_kwargs(args)).has_keys:
            return "ladder", ""
        extra = f", {v.env_prefix}_PASSPHRASE" if v.passphrase else ""
        return None, (
            f"its ladder is a signed call: set {v.env_prefix}_API_KEY and "
            f"{v.env_prefix}_API_SECRET{extra}"
        )
    if c.discover_tiers:
        if args.probe:
            return "probe", ""
        text = PROBE_EXPLANATION.format(title=v.title)
        if c.margin_bands:
            text += ", or use --kind margin for the read-only maintenance-margin bands"
        return None, text
    where = (
        f" (its ladder is {c.ladder_from}'s: --exchange {c.ladder_from})" if c.ladder_from else ""
    )
    return None, f"{v.title} publishes no leverage ladder{where}"


def _current_symbols(exchange: str, kind: str, out_dir: str | None) -> list[str]:
    from ..snapshot import SnapshotError, load_snapshot

    for path in (out_dir, None) if out_dir else (None,):
        try:
            frame = load_snapshot(exchange, kind=kind, path=path)
        except SnapshotError:
            continue
        return sorted(frame["symbol"].unique().tolist())
    return []


def _plan(args: argparse.Namespace) -> list[tuple[str, str, list[str]]]:
    if args.probe and args.kind == "margin":
        raise UsageError("--probe goes with --kind leverage")
    if args.kind == "margin":
        require("margin_bands", args.exchange, "--kind margin")
    if args.probe:
        require("discover_tiers", args.exchange, "--probe")
    plan = []
    for ex in [args.exchange] if args.exchange else list(registry.names()):
        how, why = _how(ex, args)
        if how is None:
            if args.exchange:
                raise UsageError(why)
            if args.kind == "leverage":
                say("note", f"skipping {ex}: {why}")
            continue
        symbols = list(args.symbols or _current_symbols(ex, args.kind, args.out_dir))
        if not symbols:
            if args.exchange:
                raise UsageError(f"no {ex} symbols in the snapshot to refresh: pass --symbols")
            say("note", f"skipping {ex}: no symbols in the snapshot (pass --symbols)")
            continue
        plan.append((ex, how, symbols))
    if not plan:
        raise UsageError("nothing to fetch (see the notes above)")
    return plan


# --------------------------------------------------------------------------- fetch, write


def _source_text(ex: str, how: str, args: argparse.Namespace) -> str:
    v = registry.venue(ex)
    role = {"ladder": "ladder", "margin": "margin_bands", "probe": "set_leverage"}[how]
    ep = v.endpoints.get(role)
    call = f"{ep.method} {ep.path}" if ep is not None else role
    text = f"{v.title} {'probe of ' if how == 'probe' else ''}{call}"
    if args.base_url:
        text += f" at {args.base_url}"
    elif args.testnet:
        text += " (testnet)"
    return text + " via levkit snapshot"


def _fetch(ex: str, how: str, symbols: list[str], args: argparse.Namespace) -> pd.DataFrame:
    if how != "probe":
        return fetch_live(ex, symbols, "margin" if how == "margin" else "leverage", args)
    from .. import api

    client: Any = api.client_for(ex, **client_kwargs(args))  # a venue that can probe
    frames = []
    for sym in symbols:
        log.info("%s: probing %s", ex, sym)
        frames.append(client.discover_tiers(sym))
    return concat(frames)


def run(args: argparse.Namespace) -> int:
    from ..snapshot import save_snapshot, user_data_dir

    plan = _plan(args)
    fetched = [(ex, how, _fetch(ex, how, symbols, args)) for ex, how, symbols in plan]
    for ex, how, frame in fetched:  # everything fetched before anything is written
        when = frame.attrs.get("fetched_at") or pd.Timestamp.now(tz="UTC")
        path = save_snapshot(
            frame,
            args.out_dir,
            source_text=_source_text(ex, how, args),
            as_of=pd.Timestamp(when),
            kind=args.kind,
        )
        counts = frame.groupby("symbol").size()
        done = ", ".join(f"{sym} ({n} tiers)" for sym, n in counts.items())
        print(f"wrote {path}: {ex} {done}")
    if args.out_dir is None:
        print(
            f"saved in the user snapshot folder {user_data_dir()}: levkit reads it before its "
            "shipped data (set LEVKIT_DATA_DIR to use another folder)"
        )
    else:
        print(f"saved in {Path(args.out_dir)}: read it with --data-dir {args.out_dir}")
    return 0
