"""The leverage control in a real browser.

Voila serves ``notebooks/03_set_leverage.ipynb`` on loopback against a simulator running in
this test process; Debian's Chromium (headless, through Playwright) drives the control as a
user would: the keyboard moves the slider, the mouse clicks Preview and Apply.  The
simulator's account then shows the new leverage.

The screenshot it takes is the README's picture: every run writes it to
``$LEVKIT_SCREENSHOT`` (default: the test's temporary directory), and a run with
``LEVKIT_UPDATE_SCREENSHOT=1`` also writes ``docs/control.png`` (so ordinary runs leave the
working tree clean).

Nothing here touches the network: the page's requests to any host other than loopback are
aborted (and listed if the test fails).  If Chromium, Voila or Playwright is missing the
test fails and says which; ``scripts/test`` installs all three.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import levkit as lk
from levkit.control.text import format_price
from levkit.sim import Simulator

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "03_set_leverage.ipynb"
DOCS_SCREENSHOT = ROOT / "docs" / "control.png"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
KEY, SECRET = "test-key-0000", "test-secret-not-real-0000"
EXCHANGE, SYMBOL = "bingx", "BTC-USDT"  # whole-number steps: one ArrowRight is one x
SET_LEVERAGE_PATH = "/openApi/swap/v2/trade/leverage"
START, PRESSES = 10, 3  # the simulator starts every symbol at 10x
SERVER_TIMEOUT = 45.0  # Voila listening (about 2 s on an idle machine)
READY_TIMEOUT = 60_000  # ms: kernel started, notebook run, widgets rendered (about 5 s idle)
STEP_TIMEOUT = 15_000  # ms: one round trip browser -> kernel -> simulator -> browser
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _chromium() -> str | None:
    if os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    return shutil.which("chromium")


def _require_browser_stack() -> str:
    """Chromium's path; fail (not skip) naming whatever is missing."""
    missing = []
    chromium = _chromium()
    if chromium is None:
        missing.append(f"chromium (no {CHROMIUM}; Debian: apt-get install chromium)")
    for module, extra in (("voila", "voila>=0.5"), ("playwright", "playwright>=1.45")):
        if importlib.util.find_spec(module) is None:
            missing.append(f"{module} (pip install '{extra}', or pip install -e '.[browser]')")
    if missing:
        pytest.fail(
            "the browser test needs Chromium, Voila and Playwright; missing: "
            + "; ".join(missing)
            + ". scripts/test installs them.",
            pytrace=False,
        )
    return chromium


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _voila_env(sim_url: str, home: Path) -> dict[str, str]:
    """This environment, with the notebook's settings, no exchange keys, this checkout
    importable, and Jupyter's per-user directories in the test's temporary directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BYBIT_", "BINGX_"))}
    paths = [str(ROOT), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    env.update(
        PYTHONPATH=os.pathsep.join(dict.fromkeys(paths)),
        LEVKIT_SIM_URL=sim_url,
        LEVKIT_SIM_KEY=KEY,
        LEVKIT_SIM_SECRET=SECRET,
        LEVKIT_EXCHANGE=EXCHANGE,
        LEVKIT_SYMBOL=SYMBOL,
        LEVKIT_BALANCE="10000",
        LEVKIT_SCRIPTED="0",  # leave the control to the browser
        MPLBACKEND="Agg",
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        IPYTHONDIR=str(home / "ipython"),
        PYDEVD_DISABLE_FILE_VALIDATION="1",
    )
    return env


@contextlib.contextmanager
def _voila(sim_url: str, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """Serve the notebook with Voila on a free loopback port; yield (url, log path)."""
    port = _free_port()
    log_path = tmp_path / "voila.log"
    command = [
        sys.executable, "-m", "voila", str(NOTEBOOK), "--no-browser",
        f"--port={port}", "--Voila.ip=127.0.0.1", "--VoilaConfiguration.show_tracebacks=True",
    ]  # fmt: skip
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env=_voila_env(sim_url, tmp_path / "jupyter"),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the kernel goes with it
        )
    try:
        deadline = time.monotonic() + SERVER_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"voila exited with {proc.returncode}:\n{_tail(log_path)}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if time.monotonic() > deadline:
                pytest.fail(f"voila not listening after {SERVER_TIMEOUT:g} s:\n{_tail(log_path)}")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/", log_path
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue
    # the kernel is in the same group; make sure nothing of it is left behind
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def _amount(text: str) -> float:
    """``100,000,000 USDT`` -> 100000000.0 (fails the test on anything else); a trailing
    note in parentheses (``(the exchange's figure)``) is allowed."""
    found = re.fullmatch(r"\s*([\d,]+(?:\.\d+)?)\s+USDT\s*(\([^)]*\))?\s*", text)
    assert found, f"max-position readout is not an amount in USDT: {text!r}"
    return float(found.group(1).replace(",", ""))


def _poll(read: Callable[[], object], want: object, timeout_ms: int, page) -> object:
    """Read until ``read() == want`` or the time is up; return the last value read."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        got = read()
        if got == want or time.monotonic() > deadline:
            return got
        page.wait_for_timeout(100)


def _layout_problems(control) -> list[str]:
    """Rendering defects: a stretched risk-limit curve, clipped labels."""
    problems = []
    natural_w, natural_h, shown_w, shown_h = control.locator(".levkit-curve").evaluate(
        "e => [e.naturalWidth, e.naturalHeight, e.clientWidth, e.clientHeight]"
    )
    if natural_w and abs(shown_h - shown_w * natural_h / natural_w) > 2:
        problems.append(
            f"curve drawn {natural_w}x{natural_h} px is shown {shown_w}x{shown_h} px (stretched)"
        )
    labels = control.locator(".widget-label").evaluate_all(
        "es => es.filter(e => e.scrollWidth > e.clientWidth + 1)"
        "        .map(e => `${e.textContent} (${e.scrollWidth} px in ${e.clientWidth} px)`)"
    )
    problems += [f"label cut off: {text}" for text in labels]
    return problems


def _screenshot_paths(tmp_path: Path) -> list[Path]:
    shot = Path(os.environ.get("LEVKIT_SCREENSHOT") or tmp_path / "control.png")
    if os.environ.get("LEVKIT_UPDATE_SCREENSHOT") == "1":
        return [shot, DOCS_SCREENSHOT]
    return [shot]


def test_missing_browser_stack_fails_naming_what_is_missing(monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    found = {"voila": None, "playwright": object()}  # as if only Voila were missing
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: found[name])
    with pytest.raises(pytest.fail.Exception) as failed:
        _require_browser_stack()
    message = str(failed.value)
    assert "chromium" in message and "voila" in message, message
    assert "playwright (" not in message, message  # only what is missing


@pytest.mark.browser
def test_control_in_chromium_moves_previews_and_applies_leverage(tmp_path):
    chromium = _require_browser_stack()
    from playwright.sync_api import expect, sync_playwright

    tiers = lk.load_snapshot(EXCHANGE, SYMBOL)  # the ladder the control reads for BingX
    target = START + PRESSES
    cap_before = float(lk.max_position_value(tiers, START))
    cap_after = float(lk.max_position_value(tiers, target))
    assert cap_after != cap_before, "pick a move that changes the readout, or it proves nothing"

    sim = Simulator(keys={KEY: SECRET})
    server = sim.serve()
    blocked: list[str] = []
    try:
        with _voila(server.url, tmp_path) as (url, log_path), sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=chromium, headless=True, args=CHROMIUM_ARGS, timeout=60_000
            )
            try:
                page = browser.new_page(viewport={"width": 1040, "height": 760})
                page.set_default_timeout(STEP_TIMEOUT)

                def offline(route) -> None:
                    if urlsplit(route.request.url).hostname in LOOPBACK:
                        route.continue_()
                    else:
                        blocked.append(route.request.url)
                        route.abort()

                page.route("**/*", offline)
                try:
                    _drive(page, url, sim, expect, cap_before, cap_after, tmp_path, tiers)
                except Exception as exc:
                    body = ""
                    with contextlib.suppress(Exception):
                        body = page.inner_text("body", timeout=2_000)[-3000:]
                    raise AssertionError(
                        f"{exc}\n--- page text ---\n{body}\n--- voila log ---\n"
                        f"{_tail(log_path)}\n--- blocked non-loopback requests ---\n{blocked}"
                    ) from exc
            finally:
                browser.close()
    finally:
        server.close()


def _drive(page, url, sim, expect, cap_before, cap_after, tmp_path, tiers) -> None:
    page.goto(url, timeout=READY_TIMEOUT, wait_until="domcontentloaded")
    control = page.locator(".levkit-control")
    status = control.locator(".levkit-status")
    readout = control.locator(".levkit-max-position.levkit-side-both")
    apply = control.locator("button.levkit-apply")

    # The control, as the notebook left it: 10x in force, nothing to apply yet.
    expect(status).to_contain_text(f"ready: {START}x in force", timeout=READY_TIMEOUT)
    expect(control.locator(".levkit-in-force.levkit-side-both")).to_have_text(f"{START}x")
    shown = _poll(lambda: _amount(readout.inner_text()), cap_before, STEP_TIMEOUT, page)
    assert shown == cap_before, (shown, cap_before)
    expect(apply).to_be_disabled()

    # The keyboard moves the slider one step per ArrowRight; the kernel follows each one.
    handle = control.locator(".levkit-slider.levkit-side-both .noUi-handle")
    handle.focus()
    for lev in range(START + 1, START + PRESSES + 1):
        handle.press("ArrowRight")
        expect(status).to_have_text(f"selected {lev}x; {START}x in force")
    target = START + PRESSES
    expect(control.locator(".levkit-slider .widget-readout")).to_have_text(str(target))
    shown = _poll(lambda: _amount(readout.inner_text()), cap_after, STEP_TIMEOUT, page)
    assert shown == cap_after, (
        f"max position at {target}x: the page shows {shown:,.2f}, "
        f"lk.max_position_value gives {cap_after:,.2f}"
    )
    margin = _amount(control.locator(".levkit-initial-margin.levkit-side-both").inner_text())
    assert margin == round(cap_after / target, 2), (margin, cap_after / target)

    # Preview shows the request Apply would send, and sends nothing.
    control.locator("button.levkit-preview").click()
    request = control.locator(".levkit-request")
    expect(request).to_contain_text(SET_LEVERAGE_PATH)
    expect(status).to_contain_text("preview:")
    text = request.inner_text()
    assert f"leverage={target}" in text and f"symbol={SYMBOL}" in text, text
    assert SECRET not in page.content(), "the API secret is on the page"
    assert KEY not in text, "the API key is shown unmasked"
    assert sim.count(SET_LEVERAGE_PATH, method="POST") == 0, "Preview sent the request"

    # Apply sends it; the status line and the in-force readout follow the exchange.
    expect(apply).to_be_enabled()
    expect(apply).to_have_text("Apply")
    apply.click()
    # "changed: ... (working…)" first, while Apply re-reads the leverage in force
    changed = re.compile(rf"^\s*changed: {SYMBOL} {START}x (→|->) {target}x\s*$")
    expect(status).to_have_text(changed, timeout=2 * STEP_TIMEOUT)
    expect(control.locator(".levkit-in-force.levkit-side-both")).to_have_text(f"{target}x")
    expect(apply).to_be_disabled()  # nothing left to apply
    assert sim.count(SET_LEVERAGE_PATH, method="POST") == 1
    assert sim.leverage(EXCHANGE, SYMBOL, "long") == target
    assert sim.leverage(EXCHANGE, SYMBOL, "short") == target

    assert SECRET not in page.content(), "the API secret is on the page"

    # Where the ladder came from: BingX has no ladder endpoint, so the dated snapshot.
    source = control.locator(".levkit-source")
    expect(source).to_contain_text("snapshot (bingx, as of ")
    assert ("STALE" in source.inner_text()) == bool(_stale(tiers)), source.inner_text()

    # An open position: Refresh reads it; the liquidation price is the model's, at its entry.
    held = 500_000.0
    sim.open_position(EXCHANGE, SYMBOL, "long", held)
    control.locator("button.levkit-refresh").click()
    position = control.locator(".levkit-position.levkit-side-both")
    expect(position).to_have_text("500,000 USDT")
    validity = control.locator(".levkit-validity.levkit-side-both")
    expect(validity).to_have_text("valid")
    liquidation = control.locator(".levkit-liquidation.levkit-side-both")
    expected = _liquidation(sim, tiers, held, target)
    expect(liquidation).to_have_text(f"{format_price(expected)} (your position)")

    # What only a browser shows: the picture as the README will show it.
    assert not _layout_problems(control), _layout_problems(control)
    first, *copies = _screenshot_paths(tmp_path)
    first.parent.mkdir(parents=True, exist_ok=True)
    control.screenshot(path=str(first), animations="disabled")
    assert first.stat().st_size > 10_000, f"screenshot {first} looks empty"
    for path in copies:
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(first, path)

    # The position caps the leverage: End moves the slider to the top, which the position
    # cannot have; the reason is shown and Apply stays disabled (nothing is sent).
    handle.focus()
    handle.press("End")
    need = float(lk.max_leverage(tiers, held))
    expect(validity).to_contain_text(f"your 500,000 USDT position needs <= {need:g}x")
    expect(apply).to_be_disabled()
    expect(status).to_contain_text("invalid: your 500,000 USDT position needs")
    expect(liquidation).to_have_text("—")
    assert sim.count(SET_LEVERAGE_PATH, method="POST") == 1


def _stale(tiers) -> bool:
    import warnings

    from levkit.snapshot import check_staleness

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return not check_staleness(tiers).empty


def _liquidation(sim, tiers, notional: float, leverage: float) -> float:
    """What the page should show: the snapshot ladder with BingX's margin bands (read here
    from the same simulator), the position entered at the simulator's price."""
    client = lk.BingX(KEY, SECRET, session=sim.session())
    merged = lk.merge_tiers(tiers, client.margin_bands(SYMBOL))
    entry = float(client.positions(SYMBOL)["entry_price"].iloc[0])
    return float(
        lk.liquidation_price(merged, entry_price=entry, leverage=float(leverage), notional=notional)
    )
