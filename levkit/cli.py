"""The ``levkit`` command line (also ``python -m levkit``).

::

    levkit curves SYMBOL... [--exchange bybit|bingx] [--source snapshot|live]
                            [--leverage L] --out FILE.png
    levkit tiers SYMBOL... [--exchange ...] [--source ...] [--kind leverage|margin] [--csv]
    levkit snapshot [--exchange bybit|bingx] [--symbols S ...] [--out-dir data]
                    [--kind leverage|margin] [--probe] [--base-url URL] [--testnet]
    levkit list

Errors print one line, ``levkit: error: ...``, on stderr: exit status 2 for bad arguments
(including a symbol the snapshot does not have), 1 for failures while running (network,
keys, exchange errors, files).
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from . import __version__
from .errors import InvalidSymbolError, LevkitError
from .snapshot import SnapshotError, load_snapshot, snapshot_index, write_snapshot

__all__ = ["main", "build_parser", "format_tiers", "render_curves", "EXIT_RUNTIME", "EXIT_USAGE"]

log = logging.getLogger("levkit")

EXCHANGES = ("bybit", "bingx")
EXIT_RUNTIME = 1
EXIT_USAGE = 2

PROBE_EXPLANATION = (
    "BingX publishes no leverage ladder: levkit finds it by probing your account (it sets "
    "leverages on the symbol one after another, reads the largest position allowed at each, "
    "then puts your original leverage back; it refuses while a position is open). Pass --probe "
    "to allow that, or use --kind margin for the read-only maintenance-margin bands"
)
BINGX_LIVE_NO_LEVERAGE = (
    "BingX's API gives margin bands (maintMarginRatio) without leverage, so there is no "
    "leverage curve to draw from --source live; use --source snapshot (BingX's website "
    "table), or refresh the ladder with 'levkit snapshot --exchange bingx --probe'"
)


class UsageError(Exception):
    """Bad arguments: exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, no usage dump
        raise UsageError(f"{message} (see '{self.prog} --help')")


# --------------------------------------------------------------------------- parser


def _leverage(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value) or value < 1:
        raise argparse.ArgumentTypeError(f"leverage must be a number >= 1, not {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser behind :func:`main`."""
    common = _Parser(add_help=False)
    common.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="log what levkit does to stderr (-vv for debug)",
    )

    def source_args(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--exchange",
            type=str.lower,
            choices=EXCHANGES,
            help="only this exchange (default: every exchange that has the symbol)",
        )
        p.add_argument(
            "--source",
            choices=("snapshot", "live"),
            default="snapshot",
            help="the shipped snapshot (offline, default) or the exchange's API",
        )
        p.add_argument(
            "--data-dir",
            metavar="DIR",
            help="read the snapshot from DIR (e.g. one written by 'levkit snapshot')",
        )
        live_args(p)

    def live_args(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--base-url",
            metavar="URL",
            help="exchange host to call, e.g. a local simulator "
            "(python -m levkit.sim) at http://127.0.0.1:PORT",
        )
        p.add_argument(
            "--testnet", action="store_true", help="use the exchange's testnet / demo host"
        )

    parser = _Parser(
        prog="levkit",
        description="How leverage trades off against the largest position you may hold.",
        epilog="Exit status: 0 ok, 1 runtime failure, 2 bad arguments.",
    )
    parser.add_argument("--version", action="version", version=f"levkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser(
        "curves",
        parents=[common],
        help="draw max position value vs leverage",
        description="Draw max position value against leverage, one curve per "
        "symbol and exchange, into a PNG.",
    )
    p.add_argument("symbols", nargs="+", metavar="SYMBOL", help="e.g. BTC-USDT, BTCUSDT")
    source_args(p)
    p.add_argument("--leverage", type=_leverage, metavar="L", help="mark leverage L on each curve")
    p.add_argument("--out", required=True, metavar="FILE.png", help="image file to write")
    p.add_argument("--title", help="plot title")
    p.set_defaults(func=_cmd_curves)

    p = sub.add_parser(
        "tiers",
        parents=[common],
        help="print a risk-limit ladder",
        description="Print risk-limit ladders as a table.",
    )
    p.add_argument("symbols", nargs="+", metavar="SYMBOL")
    source_args(p)
    p.add_argument(
        "--kind",
        choices=("leverage", "margin"),
        default="leverage",
        help="snapshot only: leverage ladders (default) or margin bands",
    )
    p.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    p.set_defaults(func=_cmd_tiers)

    p = sub.add_parser(
        "snapshot",
        parents=[common],
        help="refresh the snapshot from the live APIs",
        description="Fetch risk limits from the exchanges and write them in levkit's snapshot "
        "format, replacing only the exchange/symbol pairs fetched. Bybit's ladder is "
        "public. BingX needs BINGX_API_KEY / BINGX_API_SECRET: --kind margin reads "
        "its maintenance-margin bands; its leverage ladder needs --probe.",
    )
    p.add_argument(
        "--exchange",
        type=str.lower,
        choices=EXCHANGES,
        help="default: both (BingX only with --probe or --kind margin)",
    )
    p.add_argument(
        "--symbols", nargs="+", metavar="S", help="default: the symbols already in the snapshot"
    )
    p.add_argument("--out-dir", default="data", metavar="DIR", help="default: ./data")
    p.add_argument(
        "--kind",
        choices=("leverage", "margin"),
        default="leverage",
        help="leverage ladders (tiers.csv, default) or margin bands (margin_bands.csv)",
    )
    p.add_argument(
        "--probe",
        action="store_true",
        help="allow probing the BingX account to rediscover its leverage ladder",
    )
    live_args(p)
    p.set_defaults(func=_cmd_snapshot)

    p = sub.add_parser("list", parents=[common], help="what the snapshot holds")
    p.add_argument("--data-dir", metavar="DIR")
    p.set_defaults(func=_cmd_list)
    return parser


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status (never raises for expected failures).

    Examples
    --------
    >>> main(["tiers", "BTC-USDT", "--exchange", "bingx"])  # doctest: +SKIP
    0
    """
    try:
        args = build_parser().parse_args(argv)
        _configure_logging(args.verbose)
        return int(args.func(args) or 0)
    except SystemExit as exc:  # --help, --version
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except KeyboardInterrupt:
        _say("error", "interrupted")
        return 130
    except (UsageError, SnapshotError, InvalidSymbolError) as exc:
        _say("error", exc)
        return EXIT_USAGE
    except (LevkitError, ValueError, OSError) as exc:
        _say("error", exc)
        return EXIT_RUNTIME


def _say(level: str, message: Any) -> None:
    text = " ".join(str(message).split()) or type(message).__name__
    print(f"levkit: {level}: {text}", file=sys.stderr)


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


def _client_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    kw: dict[str, Any] = {}
    if args.base_url:
        kw["base_url"] = args.base_url
    if args.testnet:
        kw["testnet"] = True
    return kw


def _load(args: argparse.Namespace, kind: str = "leverage") -> pd.DataFrame:
    if args.source == "snapshot":
        if args.base_url or args.testnet:
            raise UsageError("--base-url and --testnet go with --source live")
        return load_snapshot(args.exchange, args.symbols, kind=kind, path=args.data_dir)
    if args.exchange is None:
        raise UsageError("--source live needs --exchange bybit or bingx")
    if args.data_dir:
        raise UsageError("--data-dir goes with --source snapshot")
    from . import api

    frames = [api.fetch_risk_limits(args.exchange, s, **_client_kwargs(args)) for s in args.symbols]
    out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    out.attrs = dict(frames[0].attrs)
    return out


# --------------------------------------------------------------------------- curves


def render_curves(
    tiers: pd.DataFrame,
    out: str | Path,
    *,
    leverage: float | None = None,
    title: str | None = None,
    dpi: int = 120,
) -> Any:
    """Draw :func:`levkit.plot.plot_risk_limits` for ``tiers`` into ``out``; return the Figure.

    Uses the Agg backend (set before pyplot is imported) and a standalone Figure, so
    nothing is shown and no pyplot state is left behind.
    """
    import matplotlib

    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from .plot import plot_risk_limits

    fig = Figure(figsize=(9, 5.5), layout="constrained")
    ax = fig.add_subplot()
    kwargs = {} if leverage is None else {"leverage": leverage}
    plot_risk_limits(tiers, ax=ax, **kwargs)
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
    return [f"{ex} {sym}" for (ex, sym), ok in has.items() if not ok]


def _cmd_curves(args: argparse.Namespace) -> int:
    if args.source == "live" and args.exchange == "bingx":
        raise UsageError(BINGX_LIVE_NO_LEVERAGE)
    tiers = _load(args)
    missing = _no_leverage(tiers)
    if missing:
        raise LevkitError(
            f"no leverage in the figures for {', '.join(missing)}: nothing to draw "
            "(margin bands carry no leverage)"
        )
    try:
        render_curves(tiers, args.out, leverage=args.leverage, title=args.title)
    except ImportError as exc:
        raise LevkitError(f"cannot draw: {exc}") from exc
    drawn = ", ".join(
        f"{ex} {sym} ({n} tiers)"
        for (ex, sym), n in tiers.groupby(["exchange", "symbol"]).size().items()
    )
    print(f"wrote {args.out}: {drawn}")
    return 0


# --------------------------------------------------------------------------- tiers


def _num(value: float) -> str:
    return "-" if pd.isna(value) else format(float(value), ",.12g")


def _pct(value: float) -> str:
    return "-" if pd.isna(value) else f"{float(value) * 100:.4g}%"


def format_tiers(tiers: pd.DataFrame) -> str:
    """A readable table per (exchange, symbol): band, max leverage, rates in percent.

    Examples
    --------
    >>> format_tiers(load_snapshot("bybit", "BTCUSDT")).splitlines()[3].split()
    ['1', '0', '300,000', '150x', '0.33%', '0.66%', '0']
    """
    blocks = []
    for (ex, sym), grp in tiers.groupby(["exchange", "symbol"], sort=True):
        unit = ""
        if "notional_unit" in grp and grp["notional_unit"].notna().any():
            unit = str(grp["notional_unit"].dropna().iloc[0])
        blocks.append(_header(ex, sym, grp, tiers.attrs))
        has_rate = grp["maintenance_margin_rate"].notna()
        table = pd.DataFrame(
            {
                "tier": grp["tier"].astype(int).astype(str),
                f"from{f' ({unit})' if unit else ''}": grp["min_notional"].map(_num),
                "to": grp["max_notional"].map(_num),
                "max leverage": grp["max_leverage"].map(
                    lambda v: "-" if pd.isna(v) else f"{float(v):g}x"
                ),
                "maint. margin": grp["maintenance_margin_rate"].map(_pct),
                "initial margin": grp["initial_margin_rate"].map(_pct),
                "deduction": grp["mm_deduction"].where(has_rate).map(_num),
            }
        )
        blocks.append(table.to_string(index=False))
        blocks.append("")
    return "\n".join(blocks).rstrip("\n")


def _header(ex: str, sym: str, grp: pd.DataFrame, attrs: dict[str, Any]) -> str:
    n = len(grp)
    what = "tiers" if grp["max_leverage"].notna().any() else "margin bands (no leverage)"
    if attrs.get("source") == "snapshot" and "as_of" in grp:
        line = f"{ex} {sym}: {n} {what}, snapshot as of {grp['as_of'].iloc[0]}"
        if "source" in grp and grp["source"].notna().any():
            line += f"\nsource: {grp['source'].iloc[0]}"
        return line
    when = attrs.get("fetched_at")
    stamp = f" at {pd.Timestamp(when):%Y-%m-%d %H:%M} UTC" if when is not None else ""
    return f"{ex} {sym}: {n} {what}, fetched from {attrs.get('source', 'api')}{stamp}"


def _cmd_tiers(args: argparse.Namespace) -> int:
    if args.source == "live" and args.kind != "leverage":
        raise UsageError(
            "--kind goes with --source snapshot (live Bybit gives ladders, live "
            "BingX gives margin bands)"
        )
    tiers = _load(args, kind=args.kind)
    if args.csv:
        sys.stdout.write(tiers.to_csv(index=False, float_format="%.15g", lineterminator="\n"))
    else:
        print(format_tiers(tiers))
    return 0


# --------------------------------------------------------------------------- snapshot


def _current_symbols(exchange: str, kind: str, out_dir: Path) -> list[str]:
    for path in (out_dir, None):
        try:
            frame = load_snapshot(exchange, kind=kind, path=path)
        except SnapshotError:
            continue
        return sorted(frame["symbol"].unique().tolist())
    return []


def _plan(args: argparse.Namespace) -> list[tuple[str, list[str]]]:
    exchanges = [args.exchange] if args.exchange else list(EXCHANGES)
    plan = []
    for ex in exchanges:
        if ex == "bybit" and args.kind == "margin":
            if args.exchange:
                raise UsageError(
                    "Bybit's margin rates are part of its leverage ladder: use --kind leverage"
                )
            continue
        if ex == "bingx" and args.kind == "leverage" and not args.probe:
            if args.exchange:
                raise UsageError(PROBE_EXPLANATION)
            _say("note", "skipping bingx: " + PROBE_EXPLANATION)
            continue
        symbols = args.symbols or _current_symbols(ex, args.kind, Path(args.out_dir))
        if not symbols:
            raise UsageError(f"no {ex} symbols in the snapshot to refresh: pass --symbols")
        plan.append((ex, symbols))
    return plan


def _source_text(exchange: str, kind: str, args: argparse.Namespace) -> str:
    if exchange == "bybit":
        text = "Bybit GET /v5/market/risk-limit"
    elif kind == "margin":
        text = "BingX GET /openApi/swap/v1/maintMarginRatio"
    else:
        text = "BingX probe of POST /openApi/swap/v2/trade/leverage (maxPositionLongVal)"
    if args.base_url:
        text += f" at {args.base_url}"
    elif args.testnet:
        text += " (testnet)"
    return text + " via levkit snapshot"


def _fetch(exchange: str, symbols: list[str], args: argparse.Namespace) -> pd.DataFrame:
    from . import api
    from .errors import AuthenticationError

    kw = _client_kwargs(args)
    frames = []
    if exchange == "bingx":
        client = api.client_for("bingx", **kw)
        if not client.has_keys:
            raise AuthenticationError(
                "BingX answers these calls only when signed: set BINGX_API_KEY and "
                "BINGX_API_SECRET in the environment",
                exchange="bingx",
            )
        for sym in symbols:
            log.info("bingx: %s %s", "probing" if args.kind == "leverage" else "fetching", sym)
            if args.kind == "leverage":
                frames.append(client.discover_tiers(sym))
            else:
                frames.append(api.fetch_risk_limits("bingx", sym, **kw))
    else:
        for sym in symbols:
            log.info("bybit: fetching %s", sym)
            frames.append(api.fetch_risk_limits("bybit", sym, **kw))
    out = pd.concat(frames, ignore_index=True)
    out.attrs = dict(frames[0].attrs)
    return out


def _cmd_snapshot(args: argparse.Namespace) -> int:
    if args.probe and args.kind == "margin":
        raise UsageError("--probe goes with --kind leverage")
    plan = _plan(args)
    fetched = [(ex, _fetch(ex, symbols, args)) for ex, symbols in plan]  # all, then write
    for ex, frame in fetched:
        when = frame.attrs.get("fetched_at") or pd.Timestamp.now(tz="UTC")
        path = write_snapshot(
            frame,
            args.out_dir,
            source_text=_source_text(ex, args.kind, args),
            as_of=pd.Timestamp(when),
            kind=args.kind,
        )
        counts = frame.groupby("symbol").size()
        done = ", ".join(f"{sym} ({n} tiers)" for sym, n in counts.items())
        print(f"wrote {path}: {ex} {done}")
    return 0


# --------------------------------------------------------------------------- list


def _cmd_list(args: argparse.Namespace) -> int:
    idx = snapshot_index(path=args.data_dir)
    table = pd.DataFrame(
        {
            "kind": idx["kind"],
            "exchange": idx["exchange"],
            "symbol": idx["symbol"],
            "tiers": idx["tiers"].astype(str),
            "top leverage": idx["max_leverage"].map(lambda v: "-" if pd.isna(v) else f"{v:g}x"),
            "top band": idx["top_notional"].map(_num),
            "as of": idx["as_of"],
        }
    )
    print(table.to_string(index=False))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
