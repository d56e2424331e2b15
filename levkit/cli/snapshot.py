"""``levkit snapshot``: fetch ladders now, append them to the store, say what changed.

Without ``--out-dir`` they go to the store in the user snapshot folder (``$LEVKIT_DATA_DIR``,
else the platform's user data folder), which :func:`levkit.load_snapshot`, ``levkit tiers``
and ``levkit curves`` read before the shipped data.  Which venues can be fetched, and how
(public ladder, signed ladder, probe, margin bands), comes from the registry.

Every ladder that could be read is saved, whatever happened to the others; the failures
are named on stderr.  Exit status: 0 every ladder saved, 1 some failed (the rest saved),
2 bad arguments.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pandas as pd

from .. import venues as registry
from ._common import (
    EXIT_RUNTIME,
    UsageError,
    add_exchange_arg,
    add_live_args,
    client_kwargs,
    concat,
    has_api_ladder,
    log,
    no_ladder_hint,
    require,
    say,
    venues_with,
)

NAME = "snapshot"
#: Without --symbols, a venue with more ladders than this in the snapshot is read whole.
WHOLE_LISTING_ABOVE = 25

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
        help="save current ladders in the store, and say what changed",
        description="Fetch leverage ladders from the exchanges and append them to levkit's "
        "store (a new dated version of each; nothing is overwritten), then print what changed "
        "since the previous version.  By default into the user snapshot folder "
        "($LEVKIT_DATA_DIR, else the platform's user data folder), which levkit reads before "
        "its shipped data.  Public ladders need no keys; signed ones read <PREFIX>_API_KEY / "
        "_API_SECRET (/ _PASSPHRASE) from the environment ('levkit exchanges' lists the "
        "prefixes).",
        epilog="Exit status: 0 every ladder saved; 1 some failed (named on stderr; the rest "
        "were saved); 2 bad arguments.",
    )
    add_exchange_arg(p, "only this exchange (default: every one that can be fetched)")
    which = p.add_mutually_exclusive_group()
    which.add_argument(
        "--symbols",
        nargs="+",
        metavar="S",
        help="default: the symbols already in the snapshot (the whole listing when there are "
        f"more than {WHOLE_LISTING_ABOVE})",
    )
    which.add_argument(
        "--all",
        action="store_true",
        help="every symbol the exchange lists, in one read; ladders it no longer lists are "
        "recorded as removed",
    )
    p.add_argument(
        "--out-dir",
        metavar="DIR",
        help="save into the store in DIR (DIR/ladders.sqlite) instead of the user folder",
    )
    p.add_argument(
        "--kind",
        choices=("leverage", "margin"),
        default="leverage",
        help="leverage ladders (default) or margin bands (venues that publish them: "
        f"{', '.join(venues_with('margin_bands')) or 'none'})",
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


def _plan(args: argparse.Namespace) -> list[tuple[str, str, list[str | None]]]:
    """``(exchange, how, symbols)``; ``symbols == [None]``: the whole listing."""
    if args.probe and args.kind == "margin":
        raise UsageError("--probe goes with --kind leverage")
    if args.kind == "margin":
        require("margin_bands", args.exchange, "--kind margin")
    if args.probe:
        require("discover_tiers", args.exchange, "--probe")
    plan: list[tuple[str, str, list[str | None]]] = []
    for ex in [args.exchange] if args.exchange else list(registry.names()):
        how, why = _how(ex, args)
        if how is None:
            if args.exchange:
                raise UsageError(why)
            if args.kind == "leverage":
                say("note", f"skipping {ex}: {why}")
            continue
        if args.all or (how == "ladder" and not args.symbols and _many(ex, args)):
            if how != "ladder":
                raise UsageError(f"--all reads a published ladder; {ex} has none ({how})")
            plan.append((ex, how, [None]))
            continue
        symbols: list[str | None] = list(
            args.symbols or _current_symbols(ex, args.kind, args.out_dir)
        )
        if not symbols:
            if args.exchange:
                raise UsageError(
                    f"no {ex} symbols in the snapshot to refresh: pass --symbols or --all"
                )
            say("note", f"skipping {ex}: no symbols in the snapshot (pass --symbols or --all)")
            continue
        plan.append((ex, how, symbols))
    if not plan:
        raise UsageError("nothing to fetch (see the notes above)")
    return plan


def _many(ex: str, args: argparse.Namespace) -> bool:
    n = len(_current_symbols(ex, args.kind, args.out_dir))
    if n > WHOLE_LISTING_ABOVE:
        say("note", f"{ex}: {n} symbols in the snapshot: reading its whole listing at once")
        return True
    return False


# --------------------------------------------------------------------------- fetch, save


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


def _venue_wide(exc: BaseException) -> bool:
    """A failure of the venue or the keys, raised before anything is sent: the same for
    every symbol, so the others are not tried."""
    from ..errors import AuthenticationError, LevkitError

    if isinstance(exc, AuthenticationError):
        return getattr(exc, "code", None) is None
    return type(exc) is LevkitError


def _fetch(ex: str, how: str, symbols: list, args: argparse.Namespace):
    """``(frames, {symbol or None: message})``: every ladder that could be read, and why
    the others could not."""
    from .. import api
    from ..errors import LevkitError

    frames, failed = [], {}
    kw = client_kwargs(args)
    for sym in symbols:
        what = sym if sym is not None else "every symbol"
        try:
            if how == "ladder":
                log.info("%s: fetching the ladder of %s", ex, what)
                frames.append(api.fetch_risk_limits(ex, sym, **kw))
            else:
                client: Any = api.client_for(ex, **kw)  # a venue that probes or has bands
                log.info("%s: %s %s", ex, "probing" if how == "probe" else "reading bands of", what)
                frames.append(
                    client.discover_tiers(sym) if how == "probe" else client.margin_bands(sym)
                )
        except (LevkitError, ValueError, OSError) as exc:
            text = str(exc) or type(exc).__name__
            if how == "ladder" and not has_api_ladder(ex):
                text += f"; {no_ladder_hint(ex)}"
            if _venue_wide(exc):
                return frames, {None: text}
            failed[sym] = text
    return frames, failed


def _previous(ex: str, frame: pd.DataFrame, kind: str, out_dir: str | None, whole: bool):
    """The newest stored versions of the ladders fetched (of the whole venue for a whole
    listing), read before saving; None when the store has none."""
    from ..snapshot import SnapshotError, load_snapshot

    try:
        prev = load_snapshot(ex, kind=kind, path=out_dir)
    except SnapshotError:
        return None
    if not whole:
        prev = prev[prev["symbol"].isin(set(frame["symbol"]))]
    return prev if len(prev) else None


def _say_changes(prev: pd.DataFrame | None, frame: pd.DataFrame) -> None:
    from ..snapshot import diff_ladders

    if prev is None:
        print(f"  first version of {frame['symbol'].nunique()} ladder(s) in this store")
        return
    table = diff_ladders(prev, frame)
    if len(table) == 0:
        when = ", ".join(sorted(set(prev["as_of"].astype(str))))
        print(f"  no change since the previous version (as of {when})")
        return
    print(f"  {len(table)} changed since the previous version:")
    for row in table.itertuples(index=False):
        print(f"    {row.symbol}: {row.summary}")


def run(args: argparse.Namespace) -> int:
    from ..snapshot import save_snapshot, user_data_dir

    plan = _plan(args)
    failures: list[str] = []
    saved = 0
    for ex, how, symbols in plan:
        frames, failed = _fetch(ex, how, symbols, args)
        for sym, text in failed.items():
            failures.append(f"{ex}: {text}" if sym is None else f"{ex} {sym}: {text}")
        if not frames:
            continue
        frame = concat(frames)
        whole = symbols == [None]
        prev = _previous(ex, frame, args.kind, args.out_dir, whole)
        when = frame.attrs.get("fetched_at") or pd.Timestamp.now(tz="UTC")
        path = save_snapshot(frame, args.out_dir, source_text=_source_text(ex, how, args),
                             as_of=pd.Timestamp(when), kind=args.kind, listing=whole,
                             note="levkit snapshot")  # fmt: skip
        counts = frame.groupby("symbol").size()
        saved += len(counts)
        shown = ", ".join(f"{sym} ({n} tiers)" for sym, n in list(counts.items())[:20])
        more = f" and {len(counts) - 20} more" if len(counts) > 20 else ""
        print(f"saved {ex} {shown}{more} in {path}")
        _say_changes(prev, frame)
    where = user_data_dir() if args.out_dir is None else Path(args.out_dir)
    if saved and args.out_dir is None:
        print(f"the user snapshot folder {where} is read before levkit's shipped data "
              "(set LEVKIT_DATA_DIR to use another folder)")  # fmt: skip
    elif saved:
        print(f"read it with --data-dir {args.out_dir}")
    for text in failures:
        say("error", text)
    if failures and saved:
        say("error", f"{len(failures)} failed; the {saved} other ladder(s) were saved")
    return EXIT_RUNTIME if failures else 0
