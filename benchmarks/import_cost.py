"""What ``import levkit`` costs on top of ``import pandas``, and what it drags in.

Each measurement is a fresh interpreter (nothing cached in ``sys.modules``), run from the
repository root so the checkout is imported.  Two figures, medians of ``runs`` each:

- *added*: wall time of ``import pandas, levkit`` minus that of ``import pandas`` alone,
  each timed inside its own fresh process (the two kinds of process alternate);
- *in-process*: in a process that imports pandas first, the time ``import levkit`` then
  takes (the same quantity, with less noise).

Also reported: whether matplotlib, ipywidgets and requests are in ``sys.modules`` after
``import levkit`` (the first two must not be: they load on first plot / first control).

    python benchmarks/import_cost.py

Target (issue 7): under 0.15 s added; matplotlib and ipywidgets not imported.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import table  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 0.15
WATCHED = ("matplotlib", "ipywidgets", "requests", "tqdm", "msgspec")

_PROBE = """
import json, sys, time
t0 = time.perf_counter()
import pandas
t1 = time.perf_counter()
if {with_levkit}:
    import levkit
t2 = time.perf_counter()
print(json.dumps({{"pandas": t1 - t0, "levkit": t2 - t1, "total": t2 - t0,
                  "modules": {{m: m in sys.modules for m in {watched!r}}}}}))
"""


def _probe(with_levkit: bool) -> dict:
    code = _PROBE.format(with_levkit=with_levkit, watched=WATCHED)
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1")
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(runs: int = 9) -> dict[str, float]:
    _probe(True)  # warm the file system cache and the bytecode of both
    pandas_only, both, increments, modules = [], [], [], {}
    for _ in range(runs):
        pandas_only.append(_probe(False)["total"])
        run = _probe(True)
        both.append(run["total"])
        increments.append(run["levkit"])
        modules = run["modules"]
    figures: dict[str, float] = {
        "import_pandas_s": statistics.median(pandas_only),
        "import_pandas_levkit_s": statistics.median(both),
        "import_levkit_in_process_s": statistics.median(increments),
    }
    figures["import_added_s"] = figures["import_pandas_levkit_s"] - figures["import_pandas_s"]
    for name, loaded in modules.items():
        figures[f"import_loads_{name}"] = float(loaded)
    ok = figures["import_added_s"] < TARGET_S and not (
        modules["matplotlib"] or modules["ipywidgets"]
    )
    print(
        table(
            [
                ("import pandas", f"{figures['import_pandas_s'] * 1e3:7.1f} ms (median of {runs})"),
                ("import pandas, levkit", f"{figures['import_pandas_levkit_s'] * 1e3:7.1f} ms"),
                ("added by levkit", f"{figures['import_added_s'] * 1e3:7.1f} ms"),
                ("  (in one process)", f"{figures['import_levkit_in_process_s'] * 1e3:7.1f} ms"),
                ("in sys.modules after", ", ".join(f"{m}={v}" for m, v in modules.items())),
                ("target", f"< {TARGET_S * 1e3:.0f} ms, no matplotlib/ipywidgets: "
                           f"{'met' if ok else 'MISSED'}"),
            ]
        )
    )  # fmt: skip
    return figures


if __name__ == "__main__":
    main()
