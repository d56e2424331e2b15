"""The leverage control's ipywidgets view: thin, it mirrors the control and forwards
slider moves and clicks to it (:class:`levkit.LeverageControl`, :mod:`levkit.control.widget`).
ipywidgets and matplotlib are imported when the control is first displayed (or
``control.widget`` is read).

Every widget carries a stable CSS class, for styling and for browser tests:

==========================  ===============================================================
class                       widget
==========================  ===============================================================
``levkit-control``          the whole control (an HBox)
``levkit-title``            exchange, symbol, position mode and host
``levkit-slider``           each leverage slider (also ``levkit-side-both``/``-long``/``-short``)
``levkit-in-force``         the leverage in force on the exchange (per side, as above)
``levkit-max-position``     max position value at the chosen leverage, e.g. ``2,000,000 USDT``
``levkit-initial-margin``   initial margin that holds that cap
``levkit-capacity``         min(balance x leverage, cap) (only with a balance)
``levkit-best-leverage``    the best leverage for the balance (only with a balance)
``levkit-validity``         ``valid``, or why the exchange would refuse it (per side)
``levkit-position``         the open position (``flat``; ``unknown`` where not reported)
``levkit-liquidation``      liquidation price at the chosen leverage (per side)
``levkit-source``           where the ladder came from, with its date (``STALE`` if old)
``levkit-ladder-note``      the lower-bound note of an incomplete ladder, or why none
``levkit-discover``         the Discover button (venues that can probe their ladder)
``levkit-read-only``        why Apply is absent (venues levkit cannot set leverage on)
``levkit-balance``          the balance input (only with a balance)
``levkit-preview``          the Preview button
``levkit-apply``            the Apply button ("Confirm apply" while armed on mainnet)
``levkit-refresh``          the Refresh button (re-reads the exchange)
``levkit-status``           the status line (``ready: ...``, ``changed: ...``, ``error: ...``)
``levkit-request``          the last previewed request
``levkit-curve``            the risk-limit curve (a PNG image; the curve is drawn once per
                            load, a slider move only blits the markers onto it)
==========================  ===============================================================
"""

from __future__ import annotations

import contextlib
import html
import math
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from .curve import CurvePlot
from .text import format_amount, format_leverage, format_price

if TYPE_CHECKING:  # pragma: no cover
    from .widget import LeverageControl

__all__ = ["ControlView"]

_STATUS_COLORS = {"info": "#333", "ok": "#1a7f37", "warning": "#9a6700", "error": "#cf222e"}


class ControlView:
    """The ipywidgets view of a :class:`~levkit.LeverageControl` (thin: it forwards slider
    moves and clicks to the control and redraws when the control's state changes)."""

    def __init__(self, control: LeverageControl) -> None:
        import ipywidgets as w

        self.w = w
        self.control = control
        self._syncing = False
        self._show_balance = False
        self.sliders: dict[str, Any] = {}
        self.values: dict[tuple[str, str], Any] = {}
        self.title = _css(w.HTML(), "levkit-title")
        self.slider_box = w.VBox()
        self.readout_box = w.GridBox(
            layout=w.Layout(grid_template_columns="max-content auto", grid_gap="2px 8px")
        )
        self.balance = _css(
            w.FloatText(description="balance", layout=w.Layout(width="260px")), "levkit-balance"
        )
        self.balance.observe(self._guard(self._on_balance), "value")
        self.preview_button = _css(w.Button(description="Preview", icon="eye"), "levkit-preview")
        self.apply_button = _css(w.Button(description="Apply", icon="check"), "levkit-apply")
        self.refresh_button = _css(
            w.Button(description="Refresh", icon="refresh", layout=w.Layout(width="auto")),
            "levkit-refresh",
        )
        self.discover_button = _css(
            w.Button(
                description="Discover ladder",
                icon="search",
                layout=w.Layout(width="auto", align_self="flex-start"),
            ),
            "levkit-discover",
        )
        self.discover_button.on_click(self._guard(lambda _b: control.discover()))
        self.discover_note = _css(w.HTML(), "levkit-discover-note")
        self.read_only = _css(w.HTML(), "levkit-read-only")
        self.ladder_note = _css(w.HTML(), "levkit-ladder-note")
        self.preview_button.on_click(self._guard(lambda _b: control.preview()))
        self.apply_button.on_click(self._guard(lambda _b: control.apply()))
        self.refresh_button.on_click(self._guard(lambda _b: control.load()))
        self.status = _css(w.HTML(), "levkit-status")
        self.request = _css(w.HTML(), "levkit-request")
        # align_self: in the HBox the image would stretch to the left column's height (distorted)
        curve_layout = w.Layout(width="470px", align_self="flex-start")
        self.curve = _css(w.Image(format="png", layout=curve_layout), "levkit-curve")
        self.buttons = w.HBox([self.preview_button, self.apply_button, self.refresh_button])
        self.left = w.VBox(layout=w.Layout(width="480px"))
        self.box = _css(
            w.HBox([self.left, self.curve], layout=w.Layout(flex_flow="row wrap")),
            "levkit-control",
        )
        self.plot = CurvePlot(control)
        self._unobserve = control.observe(self._guard(self._on_state))
        self._rebuild()
        self._sync()
        self._draw_base()

    # -- plumbing ------------------------------------------------------------------------
    def _guard(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """ipywidgets swallows exceptions in callbacks: put them on the status line."""

        def run(*args: Any) -> Any:
            try:
                return fn(*args)
            except Exception as exc:  # noqa: BLE001
                self.control.fail("the control", exc)
                self.control.busy = False
                self._sync()
                return None

        return run

    def _on_state(self, what: str) -> None:
        if what in ("load", "balance"):
            self._rebuild()
        if what == "status":
            self._sync_status()  # cheap: a slider move's readouts were synced on "leverage"
            return
        self._sync()
        if what == "load":
            self._draw_base()
        elif what in ("leverage", "in_force"):
            self._redraw()

    def _on_slider(self, side: str) -> Callable[[dict], None]:
        def moved(change: dict) -> None:
            if not self._syncing:
                self.control.set_leverage(change["new"], side=side)

        return self._guard(moved)

    def _on_balance(self, change: dict) -> None:
        if not self._syncing:
            value = change["new"]
            self.control.set_balance(value if value and value > 0 else None)

    # -- building ------------------------------------------------------------------------
    def _rebuild(self) -> None:
        """Sliders and readout rows for the state's sides (after a load or balance change)."""
        w, st = self.w, self.control
        if set(self.sliders) != set(st.sides) or not st.sides:
            for slider in self.sliders.values():
                slider.close()
            self.sliders = {}
            for side in st.sides:
                self.sliders[side] = self._make_slider(side)
            self.slider_box.children = list(self.sliders.values())
        top = st.max_leverage if st.ready and math.isfinite(st.max_leverage) else 1.0
        with self._quiet():
            for slider in self.sliders.values():
                slider.max = int(top) if isinstance(slider, w.IntSlider) else top
        for old in self.readout_box.children:
            old.close()
        rows: list[Any] = []
        self.values = {}

        def row(label: str, key: str, side: str = "") -> None:
            value = _css(w.HTML(), f"levkit-{key}")
            if side:
                value.add_class(f"levkit-side-{side}")
            self.values[(key, side)] = value
            rows.extend([w.Label(label), value])

        row("ladder source", "source")
        for side in st.sides:
            prefix = "" if side == "both" else f"{side}: "
            row(f"{prefix}leverage in force", "in-force", side)
            row(f"{prefix}validity", "validity", side)
            row(f"{prefix}max position value", "max-position", side)
            row(f"{prefix}initial margin at the cap", "initial-margin", side)
            row(f"{prefix}open position", "position", side)
            row(f"{prefix}liquidation price", "liquidation", side)
            if st.balance is not None:
                row(f"{prefix}capacity of the balance", "capacity", side)
        if st.balance is not None:
            row("best leverage for the balance", "best-leverage")
        self.readout_box.children = rows
        self._show_balance = self._show_balance or st.balance is not None  # stays once shown
        balance = [self.balance] if self._show_balance else []
        discover = [self.discover_note, self.discover_button] if st.discovery else []
        buttons = [self.refresh_button]
        if not st.read_only:
            buttons = [self.preview_button, self.apply_button, *buttons]
        self.buttons.children = buttons
        self.left.children = [
            self.title, *balance, self.slider_box, self.readout_box, self.ladder_note,
            *discover, self.read_only, self.buttons, self.status, self.request,
        ]  # fmt: skip

    def _make_slider(self, side: str) -> Any:
        w, st = self.w, self.control
        label = "leverage" if side == "both" else side
        common = {
            "description": label,
            "continuous_update": True,
            "layout": w.Layout(width="460px"),
            "style": {"description_width": "60px"},
        }
        if st.step.is_integer():
            slider = w.IntSlider(
                min=1, max=max(1, int(st.max_leverage)), step=int(st.step), **common
            )
        else:
            decimals = max(0, -math.floor(math.log10(st.step) + 1e-9))
            slider = w.FloatSlider(
                min=st.min_leverage, max=st.max_leverage, step=st.step,
                readout_format=f".{decimals}f", **common,
            )  # fmt: skip
        _css(slider, "levkit-slider")
        slider.add_class(f"levkit-side-{side}")
        with self._quiet():
            slider.value = st.leverages.get(side, 1)
        slider.observe(self._on_slider(side), "value")
        return slider

    # -- mirroring the state ---------------------------------------------------------------
    @contextlib.contextmanager
    def _quiet(self) -> Iterator[None]:
        """Set widget values from the state without echoing them back to it."""
        self._syncing = True
        try:
            yield
        finally:
            self._syncing = False

    def _sync(self) -> None:
        st = self.control
        mode = f" · {st.position_mode} mode" if st.position_mode else ""
        host = html.escape(str(getattr(st.client, "host", "")))
        live = ' · <b style="color:#cf222e">LIVE MAINNET</b>' if st.confirm_required else ""
        if getattr(st.client, "is_simulated", False):
            live = ' · <b style="color:#1a7f37">SIMULATOR</b>'
        src = st.source
        self._put("source", "", _source_html(src))
        note = src.note if src.kind != "exchange" or not st.ready else (
            "no ladder: only the exchange's own cap at the leverage in force is known "
            f"({src.note})"
        )  # fmt: skip
        self._set(self.ladder_note, _small(note, "#9a6700") if note else "")
        self._set(self.discover_note, _small(st.discovery or "", "#333"))
        self._set(self.read_only, _small(st.read_only, "#cf222e") if st.read_only else "")
        self.title.value = f"<b>{st.exchange} {html.escape(st.symbol)}</b>{mode} · {host}{live}"
        rows = [SimpleNamespace(**r) for r in st.rows()] if st.ready else None
        with self._quiet():
            for side, slider in self.sliders.items():
                if side in st.leverages and math.isfinite(st.leverages[side]):
                    slider.value = st.leverages[side]
                slider.disabled = st.busy or not st.ready
            if st.balance is not None:
                self.balance.value = st.balance
        if rows is not None:
            positions = st.position_value
            for r in rows:
                self._put("in-force", r.side, format_leverage(r.in_force))
                self._put("validity", r.side, _validity_html(r.reason))
                cap = format_amount(r.max_position_value, st.unit)
                if r.max_position_value == math.inf:
                    cap = "no cap (open top tier)"
                if math.isfinite(r.max_position_value) and r.cap_from == "exchange":
                    cap += " <small>(the exchange's figure)</small>"
                elif math.isfinite(r.max_position_value) and st.source.lower_bound_at(r.leverage):
                    cap = f"at least {cap} <small>(lower bound)</small>"
                self._put("max-position", r.side, cap)
                held = positions.get(r.side) if isinstance(positions, dict) else positions
                self._put("position", r.side, _position_text(held, st))
                self._put("liquidation", r.side, _liquidation_text(r, st))
                self._put("initial-margin", r.side, format_amount(r.initial_margin, st.unit))
                self._put("capacity", r.side, format_amount(r.capacity, st.unit))
            self._put("best-leverage", "", format_leverage(st.best_leverage))
        self._sync_status()

    def _sync_status(self) -> None:
        """Buttons and the status line (after every state change)."""
        st = self.control
        self.preview_button.disabled = not st.can_preview
        self.apply_button.disabled = not st.can_apply
        armed = st.armed
        self.apply_button.description = "Confirm apply" if armed else "Apply"
        self.apply_button.button_style = "danger" if armed else (
            "warning" if st.confirm_required else "primary"
        )  # fmt: skip
        self.refresh_button.disabled = st.busy
        self.discover_button.disabled = st.busy
        color = _STATUS_COLORS.get(st.status_kind, "#333")
        busy = " (working…)" if st.busy else ""
        self.status.value = f'<span style="color:{color}">{html.escape(st.status)}{busy}</span>'
        shown = "" if st.last_preview is None else html.escape(repr(st.last_preview))
        self.request.value = (
            f'<pre style="font-size:11px;line-height:1.35;white-space:pre-wrap;margin:0">{shown}</pre>'
            if shown
            else ""
        )

    def _put(self, key: str, side: str, text: str) -> None:
        widget = self.values.get((key, side))
        if widget is not None and widget.value != text:
            widget.value = text

    @staticmethod
    def _set(widget: Any, text: str) -> None:
        if widget.value != text:
            widget.value = text

    # -- the curve -------------------------------------------------------------------------
    def _draw_base(self) -> None:
        self.curve.value = self.plot.draw_base()

    def _redraw(self) -> None:
        png = self.plot.redraw()
        if png is not None:
            self.curve.value = png

    def close(self) -> None:
        """Close every widget and release the figure."""
        self._unobserve()
        _close_tree(self.box)
        self.plot.close()


def _css(widget: Any, name: str) -> Any:
    widget.add_class(name)
    return widget


def _close_tree(widget: Any) -> None:
    for child in getattr(widget, "children", ()):
        _close_tree(child)
    widget.close()


def _small(text: str, color: str) -> str:
    return f'<span style="color:{color};font-size:12px">{html.escape(text)}</span>' if text else ""


def _source_html(src: Any) -> str:
    color = "#cf222e" if src.stale else ("#1a7f37" if src.kind in ("api", "probe") else "#333")
    return f'<span style="color:{color}">{html.escape(src.text)}</span>'


def _validity_html(reason: str) -> str:
    if not reason:
        return '<span style="color:#1a7f37">valid</span>'
    return f'<span style="color:#cf222e">{html.escape(reason)}</span>'


def _position_text(value: Any, st: LeverageControl) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "unknown (this venue's client reads no positions)"
    return "flat" if not value else format_amount(value, st.unit)


def _liquidation_text(r: Any, st: LeverageControl) -> str:
    if not r.valid:
        return "—"
    if math.isnan(r.liquidation_price):
        if st.tiers is None:
            return "— (no ladder)"
        if st.margin_tiers is None:
            return "— (no maintenance rates for this ladder)"
        if not r.position_value and st.balance is None:
            return "— (flat: give a balance)"
        return "— (no price: pass price=)"
    what = "your position" if r.position_value else "a position of the capacity"
    return f"{format_price(r.liquidation_price)} <small>({what})</small>"
