"""The ``levkit`` command line (also ``python -m levkit``).

::

    levkit [-v] exchanges [--csv]
    levkit tiers SYMBOL... [--exchange NAME] [--source snapshot|live] [--kind leverage|margin]
                           [--csv] [--data-dir DIR] [--base-url URL] [--testnet]
    levkit curves SYMBOL... [--exchange NAME] [--source snapshot|live] [--leverage L]
                            --out FILE.png [--title T] [--data-dir DIR] [--base-url URL]
    levkit snapshot [--exchange NAME] [--symbols S ... | --all] [--out-dir DIR]
                    [--kind leverage|margin] [--probe] [--base-url URL] [--testnet]
    levkit changes [--since 7d] [--until DATE] [--exchange NAME] [--symbol S ...]
                   [--leverage L ...] [--csv] [--data-dir DIR]
    levkit list [--data-dir DIR]

``-v``/``--verbose`` (``-vv`` for debug) goes before or after the command.
``--exchange`` takes any registry name (``lk.exchanges().index``) or alias.  Live reads go
through :func:`levkit.api.fetch_risk_limits`; keys come from the environment
(``<PREFIX>_API_KEY``, ``_API_SECRET``, ``_PASSPHRASE``), never from the command line.

Errors print one line, ``levkit: error: ...``, on stderr: exit status 2 for bad arguments
(including a symbol the snapshot does not have), 1 for failures while running (network,
keys, exchange errors, files; ``levkit snapshot``: some ladders failed, the rest saved).
Warnings print as ``levkit: warning: ...``.
"""

from __future__ import annotations

import argparse
import logging
import sys
import warnings
from collections.abc import Sequence

from .. import __version__
from ..errors import InvalidSymbolError, LadderWarning, LevkitError
from ..snapshot import SnapshotError
from . import changes, curves, exchanges, listing, snapshot, tiers
from ._common import EXIT_RUNTIME, EXIT_USAGE, Parser, UsageError, say
from ._output import format_tiers
from .curves import render_curves

__all__ = [
    "EXIT_RUNTIME",
    "EXIT_USAGE",
    "UsageError",
    "build_parser",
    "format_tiers",
    "main",
    "render_curves",
]

#: One module per command, in the order ``--help`` lists them.
COMMANDS = (exchanges, tiers, curves, snapshot, changes, listing)

#: Commands that say incomplete and stale ladders in their own output (their model and
#: plot warnings would repeat it).
_SAY_LADDER_WARNINGS = {"tiers", "curves"}


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser behind :func:`main` (``--exchange`` choices from the registry).

    Examples
    --------
    >>> args = build_parser().parse_args(["tiers", "BTCUSDT", "--exchange", "Binance-USDM"])
    >>> args.command, args.exchange
    ('tiers', 'binance')
    """
    common = Parser(add_help=False)
    common.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="log what levkit does to stderr (-vv for debug)",
    )
    parser = Parser(
        prog="levkit",
        description="How leverage trades off against the largest position you may hold, "
        "on every exchange levkit speaks ('levkit exchanges').",
        epilog="Exit status: 0 ok, 1 runtime failure, 2 bad arguments.",
    )
    parser.add_argument("--version", action="version", version=f"levkit {__version__}")
    # -v before the command too (``levkit -v tiers ...``); counted apart, since a
    # subcommand's defaults would overwrite the same destination, and added up in main().
    parser.add_argument(
        "-v",
        "--verbose",
        dest="verbose_before",
        action="count",
        default=0,
        help="log what levkit does to stderr (-vv for debug); before or after the command",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.add_parser(sub, [common])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status (never raises for expected failures).

    Examples
    --------
    >>> main(["tiers", "BTC-USDT", "--exchange", "bingx"])  # doctest: +SKIP
    0
    """
    try:
        args = build_parser().parse_args(argv)
        args.verbose = getattr(args, "verbose", 0) + args.verbose_before
        _configure_logging(args.verbose)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                return int(args.func(args) or 0)
            finally:
                _say_warnings(caught, args.command)
    except SystemExit as exc:  # --help, --version
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except KeyboardInterrupt:
        say("error", "interrupted")
        return 130
    except (UsageError, SnapshotError, InvalidSymbolError) as exc:
        say("error", exc)
        return EXIT_USAGE
    except (LevkitError, ValueError, OSError) as exc:
        say("error", exc)
        return EXIT_RUNTIME


def _say_warnings(caught: list[warnings.WarningMessage], command: str) -> None:
    seen = set()
    for w in caught:
        if command in _SAY_LADDER_WARNINGS and issubclass(w.category, LadderWarning):
            continue
        text = str(w.message)
        if text not in seen:
            seen.add(text)
            say("warning", text)


def _configure_logging(verbose: int) -> None:
    if not verbose:
        return
    logger = logging.getLogger("levkit")
    logger.setLevel(logging.DEBUG if verbose > 1 else logging.INFO)
    if not any(getattr(h, "_levkit_cli", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("levkit: %(levelname)s: %(message)s"))
        handler._levkit_cli = True  # type: ignore[attr-defined]
        logger.addHandler(handler)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
