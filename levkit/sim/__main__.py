"""``python -m levkit.sim``: serve the simulated exchange on loopback.

Prints the base URL, every API it answers (from the registry: a new venue appears here by
being declared) and the credentials it accepts, then serves until Ctrl-C.  The demo
credentials are printed (they are not real); a ``--secret`` or ``--passphrase`` you give
is never printed back.
"""

from __future__ import annotations

import argparse
import sys

from ..http.wire import mask
from ..venues import venues
from .core import DEMO_KEY, DEMO_PASSPHRASE, DEMO_SECRET, Simulator
from .server import check_loopback, make_server


def api_lines() -> list[str]:
    """One line per API the simulator answers: name, title and the paths it serves.

    >>> api_lines()[0]
    '  bybit          Bybit v5  (/v5/)'
    """
    return [f"  {v.name:<14} {v.title}  ({', '.join(v.sim_prefixes)})" for v in venues() if v.sim]


def banner(url: str, key: str, secret: str, passphrase: str) -> str:
    """What the simulator prints when it starts.

    >>> text = banner("http://127.0.0.1:8765", "sim-demo-key", "mine-not-shown", "pp-not-shown")
    >>> "mine-not-shown" in text or "pp-not-shown" in text, "okx" in text
    (False, True)
    """
    need = ", ".join(v.name for v in venues() if v.sim and v.passphrase)
    keyless = ", ".join(v.name for v in venues() if v.sim and v.account_id)
    shown_secret = secret if secret == DEMO_SECRET else "(as given with --secret, not shown)"
    shown_pass = (
        passphrase if passphrase == DEMO_PASSPHRASE else "(as given with --passphrase, not shown)"
    )
    shown_key = key if key == DEMO_KEY else mask(key)
    demo = " (demo credentials, not real)" if secret == DEMO_SECRET else ""
    lines = [
        f"levkit simulator on {url}",
        f"answering {len(api_lines())} APIs:",
        *api_lines(),
        f"  api key:    {shown_key}",
        f"  secret:     {shown_secret}{demo}",
        f"  passphrase: {shown_pass}  ({need} sign with one)",
    ]
    if keyless:
        lines.append(f"  {keyless}: no key (reads by wallet address)")
    example_secret = secret if secret == DEMO_SECRET else "<your --secret>"
    example_pass = passphrase if passphrase == DEMO_PASSPHRASE else "<your --passphrase>"
    lines += [
        f'  e.g. lk.Bybit("{shown_key}", "{example_secret}", base_url="{url}")',
        f'       lk.OKX("{shown_key}", "{example_secret}", passphrase="{example_pass}", '
        f'base_url="{url}")',
        "Ctrl-C to stop.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the loopback simulator (see ``--help``)."""
    parser = argparse.ArgumentParser(
        prog="python -m levkit.sim",
        description="A simulated exchange on loopback answering every API levkit speaks: "
        + ", ".join(v.name for v in venues() if v.sim)
        + ".",
    )
    parser.add_argument("--port", type=int, default=8765, help="port (0: any free port)")
    parser.add_argument("--host", default="127.0.0.1", help="loopback address only")
    parser.add_argument("--key", default=DEMO_KEY, help="API key to accept")
    parser.add_argument("--secret", default=DEMO_SECRET, help="its secret")
    parser.add_argument(
        "--passphrase",
        default=DEMO_PASSPHRASE,
        help="its passphrase, on the venues that sign with one (OKX, Bitget)",
    )
    parser.add_argument("--hedge", action="store_true", help="start in hedge mode")
    parser.add_argument("--leverage", type=float, default=10.0, help="starting leverage")
    parser.add_argument("--balance", type=float, default=10_000.0, help="balance (USDT)")
    parser.add_argument("--no-rate-limits", action="store_true", help="do not enforce rates")
    args = parser.parse_args(argv)
    try:
        check_loopback(args.host)
    except ValueError as exc:
        parser.error(str(exc))
    if not args.key or not args.secret or not args.passphrase:
        parser.error("--key, --secret and --passphrase may not be empty")
    sim = Simulator(
        keys={args.key: args.secret},
        passphrases={args.key: args.passphrase},
        hedge=args.hedge,
        default_leverage=args.leverage,
        balance=args.balance,
        rate_limits=False if args.no_rate_limits else None,
    )
    httpd = make_server(sim, args.host, args.port)
    host, port = httpd.server_address[:2]
    host = host if isinstance(host, str) else bytes(host).decode()
    shown = f"[{host}]" if ":" in str(host) else host
    print(banner(f"http://{shown}:{port}", args.key, args.secret, args.passphrase), flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        print("stopped.", file=sys.stderr)
    finally:
        httpd.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
