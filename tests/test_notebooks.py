"""The notebooks: stored without outputs, and each runs top to bottom offline."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
NAMES = [
    "01_quickstart.ipynb",
    "02_risk_limit_curves.ipynb",
    "03_set_leverage.ipynb",
    "04_across_venues.ipynb",
    "05_what_changed.ipynb",
]


def _runner():
    spec = importlib.util.spec_from_file_location(
        "run_notebooks", ROOT / "scripts" / "run_notebooks.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _outputs(path: Path) -> list[dict]:
    book = json.loads(path.read_text(encoding="utf-8"))
    return [o for c in book["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]


def _texts(path: Path) -> str:
    parts = []
    for output in _outputs(path):
        parts.append("".join(output.get("text", "")))
        parts.append("".join(output.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)


def test_the_notebooks_are_there():
    assert [p.name for p in NOTEBOOKS] == NAMES


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_are_stored_without_outputs(path):
    book = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in book["cells"] if c["cell_type"] == "code"]
    assert code and all(c["outputs"] == [] and c["execution_count"] is None for c in code)


def test_the_kernel_environment_is_offline_unless_live(monkeypatch, tmp_path):
    run = _runner()
    monkeypatch.setenv("BYBIT_API_KEY", "test-key-0000")
    monkeypatch.setenv("BINGX_API_SECRET", "test-secret-not-real")
    env = run.kernel_env(tmp_path)
    assert "BYBIT_API_KEY" not in env and "BINGX_API_SECRET" not in env
    assert env["LEVKIT_OUT"] == str(tmp_path.resolve())
    assert str(ROOT) in env["PYTHONPATH"].split(":")
    assert run.kernel_env(tmp_path, live=True)["BYBIT_API_KEY"] == "test-key-0000"


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """Run every notebook once (about 10 s), as scripts/demo does."""
    out = tmp_path_factory.mktemp("out")
    code = _runner().main(["--out", str(out)])
    return code, out


@pytest.mark.notebooks
def test_every_notebook_runs_without_error(executed):
    code, out = executed
    assert code == 0
    for name in NAMES:
        errors = [o for o in _outputs(out / name) if o["output_type"] == "error"]
        assert errors == [], name


@pytest.mark.notebooks
def test_the_curves_notebook_saves_the_picture(executed):
    _, out = executed
    picture = out / "risk_limits.png"
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert picture.stat().st_size > 10_000


@pytest.mark.notebooks
def test_the_curves_notebook_shows_a_coin_ladder_beside_its_usdt_sibling(executed):
    _, out = executed
    picture = out / "coin_margined.png"
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and picture.stat().st_size > 10_000
    text = _texts(out / "02_risk_limit_curves.ipynb")
    assert "BTCUSD  inverse" in text and "150.0   BTC" in text  # the coin ladder, its unit said
    assert "95714.29" in text and "95477.39" in text  # each by its own formula (MMR 0.5 %)


@pytest.mark.notebooks
def test_the_quickstart_answers_from_the_newest_complete_ladder(executed):
    _, out = executed
    text = _texts(out / "01_quickstart.ipynb")
    # Bybit BTCUSDT's 35 tiers of 2026-02-26: 50M at 20x, no lower bound anywhere
    assert "'source': 'simulator'" in text and "50000000.0" in text
    assert "LadderWarning" not in text


@pytest.mark.notebooks
def test_the_control_notebook_previews_and_applies_on_the_simulator(executed):
    _, out = executed
    text = _texts(out / "03_set_leverage.ipynb")
    assert "dry run: BTCUSDT both -> 25x, not sent" in text
    assert "changed: BTCUSDT 10x → 25x" in text
    assert "simulator account: {'BTCUSDT': {'long': 25.0, 'short': 25.0}}" in text
    assert "sim-demo-secret" not in text
    widgets = [o for o in _outputs(out / "03_set_leverage.ipynb") if "data" in o]
    assert any("application/vnd.jupyter.widget-view+json" in o["data"] for o in widgets)


@pytest.mark.notebooks
def test_a_failing_cell_fails_the_run_with_its_name(tmp_path):
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    broken = tmp_path / "broken.ipynb"
    book = new_notebook(cells=[new_code_cell("x = 1"), new_code_cell("raise ValueError('nope')")])
    nbformat.write(book, broken)
    run = _runner()
    with pytest.raises(
        run.NotebookFailed,
        match=r"broken.ipynb: cell 1 \(execution count 2\) failed: ValueError: nope",
    ):
        run.run_notebook(broken, tmp_path, env=run.kernel_env(tmp_path))
    assert run.main(["--out", str(tmp_path / "o"), str(broken)]) == 1


@pytest.mark.notebooks
def test_the_venues_notebook_compares_and_saves_a_picture(executed):
    _, out = executed
    picture = out / "across_venues.png"
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert picture.stat().st_size > 20_000
    text = _texts(out / "04_across_venues.ipynb")
    for venue in ("bybit", "bingx", "binance", "okx", "bitget", "gate", "hyperliquid"):
        assert venue in text
    assert "lower bounds: [('BTC', 'bitget', 10)" in text  # incomplete ladders are flagged


@pytest.mark.notebooks
def test_the_what_changed_notebook_draws_a_history_and_finds_the_hit_positions(executed):
    _, out = executed
    picture = out / "what_changed.png"
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert picture.stat().st_size > 20_000
    text = _texts(out / "05_what_changed.ipynb")
    # 683 perpetuals and the 4 quarterlies before (levkit 0.3 ships Binance's dated contracts)
    assert "687 ladders before, 689 after: {'changed': 28, 'added': 2}" in text
    assert "23 had their top leverage lowered" in text
    assert "4 of 8 positions hit by the week's changes" in text
    assert "above the new cap at 20x (5,000)" in text  # 1000CATUSDT, cut from 50x to 20x
    assert "20x is above the new top (10x)" in text
