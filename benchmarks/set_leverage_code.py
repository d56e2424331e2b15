"""How much ``set_leverage`` code there is, and how often one set validates the leverage.

Issue 19 counted 668 lines of ``set_leverage`` written out eight times, seven of them
calling ``check_leverage`` twice.  This prints, for the tree it is run from (or the one
given with ``--root``; the package imported is the one on ``sys.path``, so run it with
``PYTHONPATH=<root>`` to measure another checkout):

- lines of the set-leverage code: every ``set_leverage`` method and the functions that
  serve only it (hooks, helpers) in ``levkit/client/base.py``, ``levkit/client/setting.py``
  (``levkit/client.py``, ``levkit/setting.py`` in trees before 0.3's move) and
  ``levkit/venues/*/client.py``, with docstrings and without (code lines: no blank,
  comment or docstring line);
- ``check_leverage`` calls per ``set_leverage`` on each venue, counted on the simulator.

Usage::

    .venv/bin/python benchmarks/set_leverage_code.py
    git archive 4f05a2d | tar -x -C /tmp/base
    PYTHONPATH=/tmp/base .venv/bin/python benchmarks/set_leverage_code.py --root /tmp/base
"""

from __future__ import annotations

import argparse
import ast
import importlib
import io
import tokenize
import warnings
from pathlib import Path

#: Functions that exist only for setting leverage (before and after the one sequence).
SET_CODE = {
    # 0.2 helpers
    "set_leverage", "_set_leverage", "_post_leverage", "_hold_sides", "_after", "_preview",
    "check_v2_leverage",
    # 0.3 hooks and steps
    "_set_once", "_one_side_error", "_leverage_value", "_set_keys", "_in_force",
    "_set_preview", "_set_unchanged", "_send_set", "_set_frame", "_set_options",
    "_mode_was_stale", "_leverage_limits", "_set_requests", "_check_state", "_set_error",
    "_set_result", "_wire", "refuse_zero", "after_frame", "_say_partial",
}  # fmt: skip


def _doc_lines(node: ast.AST) -> set[int]:
    out: set[int] = set()
    for n in ast.walk(node):
        body = getattr(n, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                out.update(range(body[0].lineno, body[0].end_lineno + 1))
    return out


def _code_lines(source: str, first: int, last: int, docs: set[int]) -> int:
    lines = source.splitlines()[first - 1 : last]
    comments = {
        tok.start[0]
        for tok in tokenize.generate_tokens(io.StringIO(source).readline)
        if tok.type == tokenize.COMMENT
    }
    return sum(
        1
        for i, text in enumerate(lines, first)
        if text.strip() and i not in docs and not (i in comments and text.strip()[0] == "#")
    )


def count_lines(root: Path) -> dict[str, tuple[int, int]]:
    """``{file: (lines, code lines)}`` of the set-leverage code."""
    files = [root / f for f in ("levkit/client/base.py", "levkit/client/setting.py")]
    files += [root / "levkit/client.py", root / "levkit/setting.py"]  # before the 0.3 move
    files += sorted((root / "levkit/venues").glob("*/client.py"))
    out = {}
    for path in files:
        if not path.exists():
            continue
        source = path.read_text()
        tree = ast.parse(source)
        total = code = 0
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name in SET_CODE:
                total += node.end_lineno - node.lineno + 1
                code += _code_lines(source, node.lineno, node.end_lineno, _doc_lines(node))
        if path.name == "setting.py":  # the module is the sequence: count it whole
            total = len(source.splitlines())
            code = _code_lines(source, 1, total, _doc_lines(tree))
        if total:
            out[str(path.relative_to(root))] = (total, code)
    return out


def count_checks() -> dict[str, int]:
    """``{venue: check_leverage calls}`` for one ``set_leverage`` that changes the leverage."""
    import levkit as lk
    from levkit.sim import DEMO_KEY, DEMO_PASSPHRASE, DEMO_SECRET, Simulator
    from levkit.venues import client_class, venue, venues

    calls = [0]
    modules = ["levkit.validate", "levkit.client.setting", "levkit.setting"] + [
        f"levkit.venues.{v.client.split(':')[0].split('.')[2]}.client" for v in venues()
    ]
    loaded = []
    for name in modules:  # import every module first: one bound later would see a wrapper
        try:
            loaded.append(importlib.import_module(name))
        except ImportError:
            continue
    for mod in loaded:
        original = getattr(mod, "check_leverage", None)
        if original is None:
            continue

        def counted(*args, _f=original, **kw):
            calls[0] += 1
            return _f(*args, **kw)

        mod.check_leverage = counted
    out = {}
    for v in venues():
        sim = Simulator()
        kw = {"passphrase": DEMO_PASSPHRASE} if v.passphrase else {}
        if v.account_id:
            client = client_class(v.name)(**{v.account_id: "0x" + "ab" * 20}, session=sim.session())
            target = 10  # Hyperliquid: read-only, the leverage in force
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                client = client_class(v.name)(DEMO_KEY, DEMO_SECRET, session=sim.session(), **kw)
            target = 3
        sym = venue(v.name).symbol_example
        if sym not in sim.symbols(v.name):
            sym = sim.symbols(v.name)[0]
        calls[0] = 0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", lk.LadderWarning)
            client.set_leverage(sym, target)
        out[v.name] = calls[0]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1])
    args = parser.parse_args()
    lines = count_lines(args.root)
    print(f"set_leverage code in {args.root}")
    for name, (total, code) in lines.items():
        print(f"  {name:40s} {total:5d} lines  {code:5d} code lines")
    total = sum(t for t, _ in lines.values())
    code = sum(c for _, c in lines.values())
    print(f"  {'total':40s} {total:5d} lines  {code:5d} code lines")
    checks = count_checks()
    print("check_leverage calls per set_leverage:")
    for name, n in checks.items():
        print(f"  {name:14s} {n}")
    print(f"  venues calling it more than once: {sum(n > 1 for n in checks.values())}")


if __name__ == "__main__":
    main()
