"""Execute levkit's notebooks offline and write the results into an output folder.

    .venv/bin/python scripts/run_notebooks.py --out out

For each notebook in ``notebooks/`` (in name order) this writes the executed notebook
(and an HTML page when ``nbconvert`` is installed) into ``--out``; ``02_risk_limit_curves``
also saves ``risk_limits.png`` there (it reads ``LEVKIT_OUT``).  The kernel is this very
Python (ipykernel from the same environment), started in a scratch folder.

Offline: the notebooks use the shipped snapshot and the simulator.  Exchange keys in the
environment (``BYBIT_API_KEY``... ``BINGX_*``) are removed from the kernel's environment
unless ``--live`` is given.  Exit status 1, with the failing notebook and cell named, when
a cell raises; 0 when every notebook ran.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # levkit from this checkout, installed or not
from levkit.venues import venues  # noqa: E402

NOTEBOOKS = ROOT / "notebooks"
PICTURE = "risk_limits.png"
#: Pictures a notebook must write into ``--out`` (name prefix -> file).
PICTURES = {"02_": PICTURE, "04_": "across_venues.png", "05_": "what_changed.png"}
LIVE_VARS = tuple(
    f"{prefix}_{part}"
    for prefix in dict.fromkeys(v.env_prefix for v in venues())  # every venue's, registry order
    for part in ("API_KEY", "API_SECRET", "PASSPHRASE", "TESTNET", "ADDRESS")
)


def kernel_env(out: Path, *, live: bool = False, extra: dict[str, str] | None = None) -> dict:
    """The kernel's environment: this one, levkit importable from the checkout,
    ``LEVKIT_OUT`` set, exchange keys removed unless ``live``, a non-GUI matplotlib."""
    env = dict(os.environ)
    if not live:
        for name in LIVE_VARS:
            env.pop(name, None)
        env.pop("LEVKIT_LIVE", None)
    else:
        env["LEVKIT_LIVE"] = "1"  # 04_across_venues fetches every venue live
    paths = [str(ROOT), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    env["LEVKIT_OUT"] = str(out.resolve())
    if not live:  # the shipped snapshot only, never what the user saved: reproducible pictures
        env["LEVKIT_DATA_DIR"] = str(out.resolve() / ".no-user-snapshot")
    env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    env.update(extra or {})
    return env


def _kernel_manager():
    """A kernel manager whose ``python3`` is this interpreter, whatever kernelspecs the
    machine has installed."""
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
    from jupyter_client.manager import KernelManager

    class ThisPython(KernelSpecManager):
        def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
            return KernelSpec(
                argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                display_name="Python 3 (levkit)",
                language="python",
                resource_dir="",
            )

    return KernelManager(kernel_name="python3", kernel_spec_manager=ThisPython())


class NotebookFailed(Exception):
    """A cell raised; the message names the notebook and the cell."""


def run_notebook(path: Path, out: Path, *, env: dict, timeout: int = 300) -> Path:
    """Execute ``path`` in a scratch folder; write the executed notebook into ``out``.

    Raises :class:`NotebookFailed` when a cell errors (the partly executed notebook is
    still written, for reading).
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    target = out / path.name
    with tempfile.TemporaryDirectory(prefix="levkit-nb-") as scratch:
        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            km=_kernel_manager(),
            resources={"metadata": {"path": scratch}},
        )
        try:
            client.execute(env=env, cwd=scratch)
        except CellExecutionError as exc:
            nbformat.write(nb, target)
            cell = _failed_cell(nb)
            shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
            raise NotebookFailed(
                f"{shown}: cell {cell} failed: {exc.ename}: {exc.evalue}\n{_short(str(exc))}"
            ) from None
    nbformat.write(nb, target)
    _html(nb, out / (path.stem + ".html"))
    return target


def _failed_cell(nb) -> str:
    for i, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return f"{i} (execution count {cell.get('execution_count')})"
    return "?"


def _short(text: str, lines: int = 25) -> str:
    """The traceback without terminal colours, its last ``lines`` lines."""
    parts = re.sub(r"\x1b\[[0-9;]*m", "", text).strip().splitlines()
    return "\n".join(parts if len(parts) <= lines else ["...", *parts[-lines:]])


def _html(nb, target: Path) -> None:
    try:
        from nbconvert import HTMLExporter
    except ImportError:  # optional: the executed .ipynb is the result
        return
    body, _ = HTMLExporter().from_notebook_node(nb)
    target.write_text(body, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="out", help="output folder (created)")
    parser.add_argument(
        "--live", action="store_true", help="keep BYBIT_*/BINGX_* keys: live or testnet data"
    )
    parser.add_argument("--timeout", type=int, default=300, help="seconds per cell")
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    books = args.notebooks or sorted(NOTEBOOKS.glob("*.ipynb"))
    if not books:
        print(f"levkit: no notebooks found in {NOTEBOOKS}", file=sys.stderr)
        return 1
    env = kernel_env(out, live=args.live)
    failed = []
    for book in books:
        start = time.perf_counter()
        try:
            written = run_notebook(Path(book).resolve(), out, env=env, timeout=args.timeout)
        except NotebookFailed as exc:
            failed.append(book)
            print(f"levkit: FAILED {exc}", file=sys.stderr)
            continue
        print(f"levkit: ran {Path(book).name} in {time.perf_counter() - start:.1f} s -> {written}")
    for prefix, picture in PICTURES.items():
        if failed or not any(Path(b).name.startswith(prefix) for b in books):
            continue
        if (out / picture).exists():
            print(f"levkit: picture -> {out / picture}")
        else:
            print(f"levkit: notebook {prefix}* ran but wrote no {picture}", file=sys.stderr)
            return 1
    if failed:
        names = ", ".join(Path(b).name for b in failed)
        print(f"levkit: {len(failed)} notebook(s) failed: {names}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
