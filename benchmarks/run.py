"""Run every benchmark in ``benchmarks/`` and print one table: figure, target, pass/fail.

    python benchmarks/run.py            # the table only
    python benchmarks/run.py --verbose  # each benchmark's own report first

Each benchmark module exposes ``main() -> dict`` of figures; a module that is missing is
reported as "not yet available", one that fails as an error row.  The exit status is 0
either way: this is a report, not a gate.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

#: (module, what it measures), in the order of the table.
BENCHMARKS = [
    ("parse_risk_limits", "parse vs ccxt"),
    ("model", "model vs loop"),
    ("liquidation", "liquidation_price vs loop"),
    ("discovery", "probing vs exhaustive"),
    ("requests_per_fetch", "requests per Bybit fetch"),
    ("fetch_many", "every venue at once"),
    ("import_cost", "import cost"),
    ("control", "leverage control per slider move"),
    ("store", "snapshot store: history, changes"),
]

Row = tuple[str, str, str, str]  # (what, figure, target, result)


def _load(name: str):
    path = HERE / f"{name}.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location(f"levkit_bench_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "FAIL")


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms"


# -- one function per benchmark: figures -> rows ----------------------------------------


def rows_parse(f: dict[str, Any], module: Any) -> list[Row]:
    rows = []
    if "parse_ccxt_over_levkit" in f:
        ratio = f["parse_ccxt_over_levkit"]
        figure = f"{ratio:.1f}x faster ({_ms(f['parse_levkit_s'])} vs {_ms(f['parse_ccxt_s'])})"
        rows.append(("parse 600x30 ladder: ccxt / levkit", figure, ">= 3x", _verdict(ratio >= 3)))
    else:
        rows.append(("parse: ccxt / levkit", "ccxt not installed", ">= 3x", "n/a"))
    ratio = f["parse_levkit_over_floor"]
    target = float(getattr(module, "TARGET_FLOOR_RATIO", 1.5))
    figure = f"{ratio:.2f}x ({_ms(f['parse_levkit_s'])} vs {_ms(f['parse_floor_s'])})"
    rows.append(
        ("parse: levkit / json.loads", figure, f"<= {target:g}x", _verdict(ratio <= target))
    )
    return rows


def rows_model(f: dict[str, Any], module: Any) -> list[Row]:
    target = float(getattr(module, "TARGET_RATIO", 50.0))
    ratio = f["model_ratio"]
    figure = (
        f"{ratio:.0f}x faster ({_ms(f['model_vectorised_s'])} vs {_ms(f['model_loop_s'])}, "
        f"{f['model_symbols']:.0f} symbols)"
    )
    return [("model: loop / tradeoff", figure, f">= {target:.0f}x", _verdict(ratio >= target))]


def rows_liquidation(f: dict[str, Any], module: Any) -> list[Row]:
    target = float(getattr(module, "TARGET_RATIO", 50.0))
    ratio = f["liq_ratio"]
    spread = (
        f"; rounds {f['liq_ratio_low']:.0f}-{f['liq_ratio_high']:.0f}x"
        if "liq_ratio_low" in f
        else ""
    )
    figure = (
        f"{ratio:.0f}x faster ({_ms(f['liq_vectorised_s'])} vs {_ms(f['liq_loop_s'])}, "
        f"{f['liq_symbols']:.0f} symbols x leverage 1..200{spread})"
    )
    return [
        ("liquidation: loop / liquidation_price", figure, f">= {target:.0f}x",
         _verdict(ratio >= target))
    ]  # fmt: skip


def rows_discovery(f: dict[str, Any], module: Any) -> list[Row]:
    every = int(f.get("every_leverage_calls", 150))
    rows = []
    for name in ("round", "round-hedge", "bisect", "exhaustive"):
        if f"{name}_calls" not in f:
            continue
        calls = int(f[f"{name}_calls"])
        exact, restored = bool(f[f"{name}_exact"]), bool(f[f"{name}_restored"])
        figure = (
            f"{calls} calls vs {every} ({f[f'{name}_limited_s']:.0f} s at 5/s), "
            f"exact={exact}, restored={restored}"
        )
        if name == "exhaustive":
            rows.append(
                (f"discovery {name}", figure, "exact, restored", _verdict(exact and restored))
            )
        else:
            ok = calls <= 50 and exact and restored
            rows.append((f"discovery {name}", figure, "<= 50 calls, exact", _verdict(ok)))
    return rows


def rows_requests(f: dict[str, Any], module: Any) -> list[Row]:
    pages = int(f["fetch_pages"])
    what = f"{f['fetch_symbols']:.0f} symbols, {f['fetch_tiers']:.0f} tiers"
    full, cached, fresh = (
        int(f["fetch_requests"]),
        int(f["fetch_cached_requests"]),
        int(f["fetch_refresh_requests"]),
    )
    return [
        (
            "requests: full Bybit ladder fetch",
            f"{full} ({what}; {_ms(f['fetch_first_s'])})",
            f"{pages} (one per page)",
            _verdict(full == pages),
        ),
        (
            "requests: cached repeat",
            f"{cached} ({_ms(f['fetch_cached_s'])})",
            "0",
            _verdict(cached == 0),
        ),
        ("requests: refresh=True", str(fresh), f"{pages}", _verdict(fresh == pages)),
    ]


def rows_control(f: dict[str, Any], module: Any) -> list[Row]:
    target = float(getattr(module, "TARGET_MS", 20.0))
    med = f["move_median_s"]
    figure = f"{_ms(med)} median ({f['full_median_s'] / med:.0f}x faster than a full re-render)"
    return [("control: kernel time per slider move", figure, f"<= {target:g} ms",
             _verdict(med * 1e3 <= target))]  # fmt: skip


def rows_import(f: dict[str, Any], module: Any) -> list[Row]:
    target = float(getattr(module, "TARGET_S", 0.15))
    added = f["import_added_s"]
    figure = (
        f"{_ms(added)} added ({_ms(f['import_pandas_s'])} -> {_ms(f['import_pandas_levkit_s'])}; "
        f"{_ms(f['import_levkit_in_process_s'])} in one process)"
    )
    heavy = [m for m in ("matplotlib", "ipywidgets") if f.get(f"import_loads_{m}")]
    light = "requests imported" if f.get("import_loads_requests") else "requests not imported"
    return [
        ("import levkit over pandas", figure, f"< {_ms(target)}", _verdict(added < target)),
        (
            "import levkit: heavy modules",
            (", ".join(heavy) + " imported") if heavy else "no matplotlib, no ipywidgets",
            "neither imported",
            _verdict(not heavy),
        ),
        ("import levkit: requests", light, "(reported)", "info"),
    ]


def rows_many(f: dict[str, Any], module: Any) -> list[Row]:
    target = float(getattr(module, "TARGET_RATIO", 1.3))
    ratio, refused = f["many_ratio"], int(f["many_refused"])
    reqs = ", ".join(
        f"{k.removeprefix('many_requests_')} {v:.0f}" for k, v in f.items()
        if k.startswith("many_requests_")
    )  # fmt: skip
    return [
        ("fetch many: wall / floor", f"{ratio:.2f}x ({f['many_wall_s']:.2f} s vs "
         f"{f['many_floor_s']:.2f} s; {reqs})", f"<= {target}x", _verdict(ratio <= target)),
        ("fetch many: rate-limit refusals", str(refused), "0", _verdict(refused == 0)),
    ]  # fmt: skip


def rows_store(f: dict[str, Any], module: Any) -> list[Row]:
    target = float(getattr(module, "TARGET_S", 0.5))
    year = f["year_history_s"]
    return [
        ("store: a year of weekly Binance versions", f"{_ms(year)} ladder_history "
         f"({f['year_history_tiers']:.0f} tiers; every ladder changing weekly: "
         f"{_ms(f['worst_history_s'])}, {f['worst_history_tiers']:.0f} tiers)",
         f"< {_ms(target)}", _verdict(year < target)),
        ("store: shipped history", f"load_snapshot() {_ms(f['shipped_load_s'])}, "
         f"ladder_history {_ms(f['shipped_history_s'])}, changes {_ms(f['shipped_changes_s'])} "
         f"({f['shipped_changes_rows']:.0f} rows)", "(reported)", "info"),
        ("store: saving", f"{_ms(f['replay_save_s'] / f['replay_versions'])} per Binance "
         f"listing (712 ladders); 52 weekly versions {f['year_store_mb']:.1f} MB vs "
         f"{52 * f['csv_week_mb']:.0f} MB as CSV copies", "(reported)", "info"),
    ]  # fmt: skip


ROWS: dict[str, Callable[[dict[str, Any], Any], list[Row]]] = {
    "parse_risk_limits": rows_parse,
    "model": rows_model,
    "liquidation": rows_liquidation,
    "discovery": rows_discovery,
    "requests_per_fetch": rows_requests,
    "fetch_many": rows_many,
    "import_cost": rows_import,
    "control": rows_control,
    "store": rows_store,
}


def run_one(name: str, label: str, verbose: bool) -> tuple[list[Row], float]:
    module = _load(name)
    if module is None:
        return [(label, f"not yet available (benchmarks/{name}.py)", "-", "n/a")], 0.0
    start = time.perf_counter()
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(sys.stdout if verbose else out):
            figures = module.main()
        rows = ROWS[name](figures, module)
    except Exception as exc:  # noqa: BLE001 - a broken benchmark is a row, not a crash
        if verbose:
            traceback.print_exc()
        text = " ".join(f"{type(exc).__name__}: {exc}".split())
        rows = [(label, f"error: {text[:90]}", "-", "ERROR")]
    return rows, time.perf_counter() - start


def format_table(rows: list[Row]) -> str:
    head: Row = ("benchmark", "figure", "target", "result")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(4)]
    line = "  ".join("-" * w for w in widths)

    def fmt(r: Row) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()

    return "\n".join([fmt(head), line, *map(fmt, rows)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--verbose", action="store_true", help="show each benchmark's report")
    names = [n for n, _ in BENCHMARKS]
    parser.add_argument("only", nargs="*", metavar="NAME", help=f"some of {names}; default all")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.only) - set(names))
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; choose from {names}")
    rows: list[Row] = []
    timings = []
    for name, label in BENCHMARKS:
        if args.only and name not in args.only:
            continue
        if args.verbose:
            print(f"== {name}")
        got, seconds = run_one(name, label, args.verbose)
        rows += got
        timings.append(f"{name} {seconds:.1f} s")
    results = [r[3] for r in rows]
    print()
    print(format_table(rows))
    print()
    print(
        f"{results.count('PASS')} pass, {results.count('FAIL')} fail, "
        f"{results.count('ERROR')} error, {results.count('n/a')} n/a  "
        f"(python {sys.version.split()[0]}; {', '.join(timings)})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
