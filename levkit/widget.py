"""``lk.LeverageControl``: the interactive leverage control for Jupyter and Voila.

The state and actions live in :class:`levkit.widget_state.ControlState` (no ipywidgets);
this module adds a thin ipywidgets view that mirrors it.  ipywidgets and matplotlib are
imported when the control is first displayed (or ``control.widget`` is read).

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
``levkit-balance``          the balance input (only with a balance)
``levkit-preview``          the Preview button
``levkit-apply``            the Apply button ("Confirm apply" while armed on mainnet)
``levkit-refresh``          the Refresh button (re-reads the exchange)
``levkit-status``           the status line (``ready: ...``, ``changed: ...``, ``error: ...``)
``levkit-request``          the last previewed request
``levkit-curve``            the risk-limit curve (a PNG image redrawn in place)
==========================  ===============================================================
"""

from __future__ import annotations

import contextlib
import html
import io
import math
from collections.abc import Callable, Iterator
from typing import Any

from .plot import format_notional
from .widget_io import format_amount, format_leverage
from .widget_state import ControlState

__all__ = ["LeverageControl", "ControlView"]

_STATUS_COLORS = {"info": "#333", "ok": "#1a7f37", "warning": "#9a6700", "error": "#cf222e"}
_SIDE_COLORS = {"both": "C3", "long": "C2", "short": "C3"}


class LeverageControl(ControlState):
    """Pick a leverage, see the largest position it allows, preview and apply it.

    Displays itself in Jupyter (a slider per side, readouts, a risk-limit curve, Preview and
    Apply buttons, a status line).  Its state can be read and driven from code with no
    kernel or browser: ``leverage`` (settable), ``max_position_value``, ``status``,
    :meth:`preview`, :meth:`apply`; see :class:`~levkit.widget_state.ControlState` for the
    parameters and the rest (``can_apply``, ``in_force``, ``readouts()``...).

    Examples
    --------
    >>> import levkit as lk
    >>> from levkit.sim import Simulator, DEMO_KEY, DEMO_SECRET
    >>> sim = Simulator()
    >>> client = lk.Bybit(DEMO_KEY, DEMO_SECRET, session=sim.session(), testnet=True)
    >>> control = lk.LeverageControl(client, "BTCUSDT", balance=10_000)
    >>> control.leverage = 20
    >>> control.max_position_value == lk.max_position_value(control.tiers, 20)
    True
    >>> frame = control.apply()
    >>> control.status
    'changed: BTCUSDT 10x → 20x'
    >>> control                          # doctest: +SKIP
    """

    _view: ControlView | None = None

    @property
    def view(self) -> ControlView:
        """The ipywidgets view (built on first use)."""
        if self._view is None:
            self._view = ControlView(self)
        return self._view

    @property
    def widget(self) -> Any:
        """The top ipywidgets box; display it, or put it in your own layout."""
        return self.view.box

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict:
        return self.widget._repr_mimebundle_(include=include, exclude=exclude)

    def close(self) -> None:
        """Close the widgets and drop the figure."""
        if self._view is not None:
            self._view.close()
            self._view = None


class ControlView:
    """The ipywidgets view of a :class:`~levkit.widget_state.ControlState` (thin: it
    forwards slider moves and clicks to the state and redraws when the state changes)."""

    def __init__(self, state: ControlState) -> None:
        import ipywidgets as w

        self.w = w
        self.state = state
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
        self.preview_button.on_click(self._guard(lambda _b: state.preview()))
        self.apply_button.on_click(self._guard(lambda _b: state.apply()))
        self.refresh_button.on_click(self._guard(lambda _b: state.load()))
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
        self.figure, self.ax, self.marks = None, None, {}
        self._unobserve = state.observe(self._guard(self._on_state))
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
                self.state._fail("the control", exc)
                self.state.busy = False
                self._sync()
                return None

        return run

    def _on_state(self, what: str) -> None:
        if what in ("load", "balance"):
            self._rebuild()
        self._sync()
        if what == "load":
            self._draw_base()
        elif what in ("leverage", "in_force"):
            self._redraw()

    def _on_slider(self, side: str) -> Callable[[dict], None]:
        def moved(change: dict) -> None:
            if not self._syncing:
                self.state.set_leverage(change["new"], side=side)

        return self._guard(moved)

    def _on_balance(self, change: dict) -> None:
        if not self._syncing:
            value = change["new"]
            self.state.set_balance(value if value and value > 0 else None)

    # -- building ------------------------------------------------------------------------
    def _rebuild(self) -> None:
        """Sliders and readout rows for the state's sides (after a load or balance change)."""
        w, st = self.w, self.state
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

        for side in st.sides:
            prefix = "" if side == "both" else f"{side}: "
            row(f"{prefix}leverage in force", "in-force", side)
            row(f"{prefix}max position value", "max-position", side)
            row(f"{prefix}initial margin at the cap", "initial-margin", side)
            if st.balance is not None:
                row(f"{prefix}capacity of the balance", "capacity", side)
        if st.balance is not None:
            row("best leverage for the balance", "best-leverage")
        self.readout_box.children = rows
        self._show_balance = self._show_balance or st.balance is not None  # stays once shown
        balance = [self.balance] if self._show_balance else []
        self.left.children = [
            self.title, *balance, self.slider_box, self.readout_box, self.buttons,
            self.status, self.request,
        ]  # fmt: skip

    def _make_slider(self, side: str) -> Any:
        w, st = self.w, self.state
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
        st = self.state
        mode = f" · {st.position_mode} mode" if st.position_mode else ""
        host = html.escape(str(getattr(st.client, "base_url", "")))
        live = ' · <b style="color:#cf222e">LIVE MAINNET</b>' if st.confirm_required else ""
        self.title.value = f"<b>{st.exchange} {html.escape(st.symbol)}</b>{mode} · {host}{live}"
        frame = st.readouts() if st.ready else None
        with self._quiet():
            for side, slider in self.sliders.items():
                if side in st.leverages and math.isfinite(st.leverages[side]):
                    slider.value = st.leverages[side]
                slider.disabled = st.busy or not st.ready
            if st.balance is not None:
                self.balance.value = st.balance
        if frame is not None:
            for r in frame.itertuples(index=False):
                self._put("in-force", r.side, format_leverage(r.in_force))
                self._put("max-position", r.side, format_amount(r.max_position_value, st.unit))
                self._put("initial-margin", r.side, format_amount(r.initial_margin, st.unit))
                self._put("capacity", r.side, format_amount(r.capacity, st.unit))
            self._put("best-leverage", "", format_leverage(st.best_leverage))
        self.preview_button.disabled = not st.can_preview
        self.apply_button.disabled = not st.can_apply
        armed = st.armed
        self.apply_button.description = "Confirm apply" if armed else "Apply"
        self.apply_button.button_style = "danger" if armed else (
            "warning" if st.confirm_required else "primary"
        )  # fmt: skip
        self.refresh_button.disabled = st.busy
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

    # -- the curve -------------------------------------------------------------------------
    def _draw_base(self) -> None:
        """Draw the ladder once per load on the control's single figure."""
        st = self.state
        if self.figure is None:
            from matplotlib.backends.backend_agg import FigureCanvasAgg
            from matplotlib.figure import Figure

            self.figure = Figure(figsize=(5.0, 3.2), dpi=94, layout="constrained")
            FigureCanvasAgg(self.figure)
            self.ax = self.figure.add_subplot()
        ax = self.ax
        ax.clear()
        self.marks = {}
        if st.tiers is None:
            ax.text(0.5, 0.5, "no ladder", ha="center", va="center", transform=ax.transAxes)
            self._render()
            return
        from .plot import plot_risk_limits

        plot_risk_limits(st.tiers, ax=ax, color="C0", linewidth=1.5)
        for side in st.sides:
            color = _SIDE_COLORS.get(side, "C3")
            name = "chosen" if side == "both" else f"{side} chosen"
            (point,) = ax.plot([], [], marker="o", linestyle="none", color=color, label=name)
            (force,) = ax.plot([], [], marker="x", linestyle="none", color="0.3", markersize=8,
                               label="in force" if side == st.sides[0] else "_nolegend_")  # fmt: skip
            text = ax.annotate("", (1, 1), textcoords="offset points", xytext=(8, -14),
                               fontsize="small", color=color)  # fmt: skip
            self.marks[side] = (point, force, text)
        ax.set_title(f"{st.exchange} {st.symbol}: max position value by leverage", fontsize=10)
        ax.legend(fontsize="small")
        self._redraw()

    def _redraw(self) -> None:
        """Move the markers to the current choice and re-render the same figure."""
        st = self.state
        if not self.marks or not st.ready:
            return
        for r in st.readouts().itertuples(index=False):
            point, force, text = self.marks[r.side]
            point.set_data([r.leverage], [r.max_position_value])
            cap_in_force = st._cap(r.in_force) if math.isfinite(r.in_force) else math.nan
            force.set_data([r.in_force], [cap_in_force])
            text.xy = (r.leverage, r.max_position_value)
            label = f"{format_leverage(r.leverage)}: {format_notional(r.max_position_value)}"
            text.set_text(label if r.valid else "")
        self._render()

    def _render(self) -> None:
        buf = io.BytesIO()
        self.figure.savefig(buf, format="png")
        self.curve.value = buf.getvalue()

    def close(self) -> None:
        """Close every widget and release the figure."""
        self._unobserve()
        _close_tree(self.box)
        self.figure = self.ax = None
        self.marks = {}


def _css(widget: Any, name: str) -> Any:
    widget.add_class(name)
    return widget


def _close_tree(widget: Any) -> None:
    for child in getattr(widget, "children", ()):
        _close_tree(child)
    widget.close()
