"""``python -m levkit.sim``: serve the simulated exchange on loopback.

Prints the base URL and the demo credentials, then serves until Ctrl-C.
"""

from __future__ import annotations

import argparse
import sys

from .core import DEMO_KEY, DEMO_SECRET, Simulator
from .server import check_loopback, make_server


def main(argv: list[str] | None = None) -> int:
    """Run the loopback simulator (see ``--help``)."""
    parser = argparse.ArgumentParser(
        prog="python -m levkit.sim",
        description="Simulated Bybit v5 / Bybit legacy v2 / BingX exchange on loopback.",
    )
    parser.add_argument("--port", type=int, default=8765, help="port (0: any free port)")
    parser.add_argument("--host", default="127.0.0.1", help="loopback address only")
    parser.add_argument("--key", default=DEMO_KEY, help="API key to accept")
    parser.add_argument("--secret", default=DEMO_SECRET, help="its secret")
    parser.add_argument("--hedge", action="store_true", help="start in hedge mode")
    parser.add_argument("--leverage", type=float, default=10.0, help="starting leverage")
    parser.add_argument("--balance", type=float, default=10_000.0, help="balance (USDT)")
    parser.add_argument("--no-rate-limits", action="store_true", help="do not enforce rates")
    args = parser.parse_args(argv)
    try:
        check_loopback(args.host)
    except ValueError as exc:
        parser.error(str(exc))
    sim = Simulator(
        keys={args.key: args.secret},
        hedge=args.hedge,
        default_leverage=args.leverage,
        balance=args.balance,
        rate_limits=False if args.no_rate_limits else None,
    )
    httpd = make_server(sim, args.host, args.port)
    host, port = httpd.server_address[:2]
    shown = f"[{host}]" if ":" in str(host) else host
    print(f"levkit simulator on http://{shown}:{port}  (Bybit v5, Bybit legacy v2, BingX)")
    print(f"  api key: {args.key}\n  secret:  {args.secret}   (demo credentials, not real)")
    print(f'  e.g. lk.BingX("{args.key}", "{args.secret}", base_url="http://{shown}:{port}")')
    print("Ctrl-C to stop.", flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        print("stopped.", file=sys.stderr)
    finally:
        httpd.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
