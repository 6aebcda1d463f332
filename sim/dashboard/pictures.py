"""How the run view's figures redraw fast enough for a day of playback (benchmarks/dashboard.py).

Each figure is a :class:`Painter`: it builds its matplotlib ``Figure`` once (axes, ticks, labels,
legends), renders that background once per layout (the time axis grows a month at a time), and each
day only draws its moving artists over a copy of the background (matplotlib's blitting) before
encoding the PNG. Laying out the fixed text is most of what drawing a whole figure costs. Figures are
``matplotlib.figure.Figure`` objects on their own Agg canvas, never pyplot's: nothing global, one
painter per view on the page."""

from __future__ import annotations

import io
import math
from typing import TYPE_CHECKING, Any, Hashable, Iterable

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.figure import Figure

WINDOW_DAYS = 30  # the time axis grows a month at a time


def day_window(now_days: float, horizon_days: float) -> float:
    """The right end of the time axis: the month after the one ``now_days`` is in, within the horizon."""
    return min(horizon_days, WINDOW_DAYS * (math.floor(now_days / WINDOW_DAYS) + 1))


def nice_ceiling(x: float, least: float = 5.0) -> float:
    """The smallest of 1, 2, 5 x 10^k at or above ``x`` (and ``least``): axis limits that change rarely."""
    x = max(x, least)
    k = 10 ** math.floor(math.log10(x))
    return next(m * k for m in (1, 2, 5, 10) if m * k >= x)


class Painter:
    """A figure whose fixed part is rendered once per layout and whose moving artists are drawn over it."""

    def __init__(self, fig: Figure):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        self.fig = fig
        self.canvas = FigureCanvasAgg(fig)
        self._layout: Hashable = object()
        self._background: Any = None

    def render(self, moving: Iterable[Artist], layout: Hashable) -> bytes:
        """PNG bytes of the figure: the background (rendered again only when ``layout`` changes, e.g. the
        axis limits) and the ``moving`` artists drawn over it."""
        moving = list(moving)
        for artist in moving:
            artist.set_animated(True)  # left out of the background
        if layout != self._layout:
            self.canvas.draw()
            self._background = self.canvas.copy_from_bbox(self.fig.bbox)
            self._layout = layout
        else:
            self.canvas.restore_region(self._background)
        renderer = self.canvas.get_renderer()
        for artist in moving:
            if artist.get_visible():
                artist.draw(renderer)
        return self._png()

    def _png(self) -> bytes:
        from PIL import Image

        width, height = self.canvas.get_width_height()
        image = Image.frombuffer("RGBA", (width, height), self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        buf = io.BytesIO()
        image.convert("RGB").save(buf, format="png", compress_level=1)  # the hot path: speed over size
        return buf.getvalue()


def png(fig: Figure) -> bytes:
    """A whole figure as PNG bytes (figures drawn once, such as the replications' curves)."""
    from sim.common.figures import png_bytes

    return png_bytes(fig)
