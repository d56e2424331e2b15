"""The leverage control's risk-limit curve, drawn with matplotlib (Agg) and blitted.

The ladder is drawn once per load and its pixels kept; a slider move restores them, draws
only the markers (chosen leverage, leverage in force, the label) and encodes the PNG:
a few milliseconds instead of a full re-render (about 200 ms before levkit 0.2).
matplotlib and Pillow are imported on first use.
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from ..numbers import format_notional
from .text import format_leverage

if TYPE_CHECKING:  # pragma: no cover
    from .widget import LeverageControl

__all__ = ["CurvePlot"]

_SIDE_COLORS = {"both": "C3", "long": "C2", "short": "C3"}


class CurvePlot:
    """One figure per control: ``draw_base()`` after a load, ``redraw()`` after a move;
    both return the PNG bytes."""

    def __init__(self, state: LeverageControl) -> None:
        self.state = state
        self.figure: Any = None
        self.ax: Any = None
        self.marks: dict[str, tuple[Any, Any, Any]] = {}
        self._background: Any = None

    def draw_base(self) -> bytes:
        """Draw the ladder once per load, and keep the pixels without the markers: a
        slider move then only restores them and draws the markers (blitting)."""
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
            text = "no ladder" + (": press Discover ladder" if st.discovery else "")
            ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)
            self._cache_background()
            return self._render()
        import warnings

        from ..plots.curves import plot_risk_limits

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # stale / lower bound: said in the view's text
            plot_risk_limits(st.tiers, ax=ax, color="C0", linewidth=1.5)
        for side in st.sides:
            color = _SIDE_COLORS.get(side, "C3")
            name = "chosen" if side == "both" else f"{side} chosen"
            (point,) = ax.plot([], [], marker="o", linestyle="none", color=color, label=name,
                               animated=True)  # fmt: skip
            (force,) = ax.plot([], [], marker="x", linestyle="none", color="0.3", markersize=8,
                               label="in force" if side == st.sides[0] else "_nolegend_",
                               animated=True)  # fmt: skip
            text = ax.annotate("", (1, 1), textcoords="offset points", xytext=(8, -14),
                               fontsize="small", color=color, animated=True)  # fmt: skip
            self.marks[side] = (point, force, text)
        ax.set_title(f"{st.exchange} {st.symbol}: max position value by leverage", fontsize=10)
        ax.legend(fontsize="small")
        self._cache_background()
        return self._blit()

    def _cache_background(self) -> None:
        canvas = self.figure.canvas
        canvas.draw()  # animated artists (the markers) are left out
        self._background = canvas.copy_from_bbox(self.figure.bbox)

    def redraw(self) -> bytes | None:
        """Move the markers to the current choice: restore the cached curve, draw the
        markers on it, encode the PNG (no full re-render).  None before :meth:`draw_base`."""
        return None if self._background is None else self._blit()

    def _blit(self) -> bytes:
        st = self.state
        canvas = self.figure.canvas
        canvas.restore_region(self._background)
        if self.marks and st.ready:
            for r in (SimpleNamespace(**row) for row in st.rows()):
                point, force, text = self.marks[r.side]
                ok = math.isfinite(r.max_position_value)
                point.set_data([r.leverage] if ok else [], [r.max_position_value] if ok else [])
                cap_in_force = st.caps(r.in_force) if math.isfinite(r.in_force) else math.nan
                force.set_data([r.in_force], [cap_in_force])
                text.xy = (r.leverage, r.max_position_value if ok else 0.0)
                label = f"{format_leverage(r.leverage)}: {format_notional(r.max_position_value)}"
                text.set_text(label if r.valid and ok else "")
                for artist in (point, force, text):
                    self.ax.draw_artist(artist)
        return self._render()

    def _render(self) -> bytes:
        from PIL import Image

        canvas = self.figure.canvas
        width, height = canvas.get_width_height(physical=True)
        image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        import io as _io

        buf = _io.BytesIO()
        image.save(buf, format="png", compress_level=1)
        return buf.getvalue()

    def close(self) -> None:
        """Drop the figure."""
        self.figure = self.ax = self._background = None
        self.marks = {}
