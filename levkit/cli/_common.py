"""What the commands share: the parser pieces, arguments asked of the registry, and the
one place live ladders are read.

No exchange is named here: which venues publish a ladder, margin bands or a probe comes
from their declarations (:func:`levkit.venues.venue`, ``.capabilities``, ``.endpoints``).
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
from typing import Any, NoReturn

import pandas as pd

from .. import venues as registry

log = logging.getLogger("levkit")

EXIT_RUNTIME = 1
EXIT_USAGE = 2


class UsageError(Exception):
    """Bad arguments: exit status 2."""


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, without the usage dump."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


def say(level: str, message: Any) -> None:
    """One line on stderr: ``levkit: <level>: <message>`` (whitespace folded)."""
    text = " ".join(str(message).split()) or type(message).__name__
    print(f"levkit: {level}: {text}", file=sys.stderr)


# --------------------------------------------------------------------------- arguments


def leverage_arg(text: str) -> float:
    """argparse type: a finite leverage >= 1 (``20`` or ``20x``)."""
    from ..numbers import read_leverage

    try:
        value = read_leverage(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 1:
        raise argparse.ArgumentTypeError(f"leverage must be a number >= 1, not {text!r}")
    return value


def exchange_choices() -> list[str]:
    """Registry names (``lk.exchanges().index``) then every alias, as accepted by
    ``--exchange``."""
    out = list(registry.names())
    for v in registry.venues():
        out += [a for a in v.aliases if a not in out]
    return out


def exchange_arg(text: str) -> str:
    """argparse type: a registry name or alias (any case) -> the registry name."""
    key = text.strip().lower()
    if key not in {c.lower() for c in exchange_choices()}:
        raise argparse.ArgumentTypeError(
            f"unknown exchange {text!r} (choose from {', '.join(registry.names())}; "
            "'levkit exchanges' lists them with their aliases)"
        )
    return registry.venue(key).name


def add_exchange_arg(p: argparse.ArgumentParser, help_text: str) -> None:
    p.add_argument(
        "--exchange",
        type=exchange_arg,
        choices=registry.names(),
        metavar="EXCHANGE",
        help=f"{help_text}; one of {', '.join(registry.names())} (or an alias)",
    )


def add_live_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--base-url",
        metavar="URL",
        help="exchange host to call, e.g. a local simulator "
        "(python -m levkit.sim) at http://127.0.0.1:PORT",
    )
    p.add_argument(
        "--testnet", action="store_true", help="use the exchange's testnet / demo environment"
    )


def add_symbols_parser(
    sub: Any,
    parents: list[argparse.ArgumentParser],
    name: str,
    *,
    example: str,
    **texts: str,
) -> argparse.ArgumentParser:
    """A subcommand that takes SYMBOL... and the source options (``texts``: its ``help``
    and ``description``; ``example``: the SYMBOL help)."""
    p = sub.add_parser(name, parents=parents, **texts)
    p.add_argument("symbols", nargs="+", metavar="SYMBOL", help=example)
    add_source_args(p)
    return p


def add_source_args(p: argparse.ArgumentParser) -> None:
    add_exchange_arg(
        p, "only this exchange (default: every exchange the snapshot has the symbol on)"
    )
    p.add_argument(
        "--source",
        choices=("snapshot", "live"),
        default="snapshot",
        help="the saved/shipped snapshot (offline, default) or the exchange's API",
    )
    p.add_argument(
        "--data-dir",
        metavar="DIR",
        help="read only the snapshot in DIR (default: the user folder, then levkit's own)",
    )
    add_live_args(p)


def client_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """Client arguments from ``--base-url``/``--testnet`` (keys come from the environment
    through ``Client.from_env``)."""
    kw: dict[str, Any] = {}
    if getattr(args, "base_url", None):
        kw["base_url"] = args.base_url
    if getattr(args, "testnet", False):
        kw["testnet"] = True
    return kw


# --------------------------------------------------------------------------- the registry


def has_api_ladder(name: str) -> bool:
    """Whether the venue's API gives its leverage ladder (public or signed)."""
    v = registry.venue(name)
    return v.capabilities.ladder and "ladder" in v.endpoints


def venues_with(capability: str) -> list[str]:
    """Registry names whose capabilities say ``capability``."""
    return [v.name for v in registry.venues() if getattr(v.capabilities, capability)]


def require(capability: str, exchange: str | None, what: str) -> None:
    """UsageError unless ``exchange`` (when given) has ``capability``; names who has it."""
    able = venues_with(capability)
    if exchange is not None and exchange not in able:
        who = ", ".join(able) if able else "no venue"
        raise UsageError(f"{what} is for venues with {capability.replace('_', ' ')} ({who}), "
                         f"not {exchange}")  # fmt: skip


def no_ladder_hint(exchange: str) -> str:
    """What the command line offers for a venue whose API gives no leverage ladder."""
    c = registry.venue(exchange).capabilities
    hints = []
    if c.ladder_from:
        hints.append(f"'--exchange {c.ladder_from}' reads the ladder it uses")
    if c.discover_tiers:
        hints.append(f"'levkit snapshot --exchange {exchange} --probe' finds it on your account")
    if c.margin_bands:
        hints.append("'--kind margin' reads its maintenance-margin bands")
    hints.append("'--source snapshot' reads the saved or shipped ladder")
    return "from the command line: " + "; ".join(hints)


# --------------------------------------------------------------------------- reading


def concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    out.attrs = dict(frames[0].attrs)
    return out


def fetch_live(exchange: str, symbols: list[str], kind: str, args: argparse.Namespace):
    """Ladders (``kind="leverage"``, through :func:`levkit.api.fetch_risk_limits`) or margin
    bands (``kind="margin"``, the client's ``margin_bands``) of ``symbols``, read now."""
    from .. import api
    from ..errors import ExchangeError, LevkitError, TransportError

    kw = client_kwargs(args)
    frames = []
    if kind == "margin":
        client = api.client_for(exchange, **kw)
        for sym in symbols:
            log.info("%s: fetching margin bands of %s", exchange, sym)
            frames.append(client.margin_bands(sym))
        return concat(frames)
    for sym in symbols:
        log.info("%s: fetching the ladder of %s", exchange, sym)
        try:
            frames.append(api.fetch_risk_limits(exchange, sym, **kw))
        except (ExchangeError, TransportError):
            raise
        except LevkitError as exc:
            if has_api_ladder(exchange):
                raise
            raise LevkitError(f"{exc}; {no_ladder_hint(exchange)}") from exc
    return concat(frames)


def load(args: argparse.Namespace, kind: str = "leverage") -> pd.DataFrame:
    """The frames a reading command shows: the snapshot, or live with ``--source live``."""
    from ..snapshot import load_snapshot

    if kind == "margin":
        require("margin_bands", args.exchange, "--kind margin")
    if args.source == "snapshot":
        if args.base_url or args.testnet:
            raise UsageError("--base-url and --testnet go with --source live")
        return load_snapshot(args.exchange, args.symbols, kind=kind, path=args.data_dir)
    if args.exchange is None:
        raise UsageError(f"--source live needs --exchange (one of {', '.join(registry.names())})")
    if args.data_dir:
        raise UsageError("--data-dir goes with --source snapshot")
    return fetch_live(args.exchange, list(args.symbols), kind, args)
