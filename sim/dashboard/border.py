"""The border schematic: the sectors in their order (north at the top) joined where they are adjacent,
each side's position coloured by its weapon tier now and sized by its grievance, and the sectors a
deployed contingent covers (hatched on the line)."""

from __future__ import annotations

import math

import numpy as np
import solara

from sim.dashboard import colours as c
from sim.dashboard.frame import Frame
from sim.dashboard.pictures import Painter

COLUMN = {"ARM": 0.0, "AZE": 1.0}  # ARM on the west of the line, AZE on the east
LEGEND_GRIEVANCE = (1.0, 5.0, 20.0)  # killed-equivalents shown in the size legend
LEGEND_TITLE = "fill: weapon tier now; size: grievance (number beside);\nedge and shape: side; grey lines: adjacency"


def marker_area(grievance: float) -> float:
    """A position's marker area (points^2): grows with the square root of its grievance, capped at 40."""
    return 50.0 + 100.0 * math.sqrt(min(max(grievance, 0.0), 40.0))


def rows(sectors: tuple[str, ...]) -> dict[str, int]:
    """Each sector's row, north (first in the record) at the top."""
    n = len(sectors)
    return {s: n - 1 - i for i, s in enumerate(sectors)}


def adjacent_pairs(sectors: tuple[str, ...], adjacency: dict[str, tuple[str, ...]]) -> list[tuple[str, str]]:
    """Each adjacent pair of sectors once, in border order."""
    order = {s: i for i, s in enumerate(sectors)}
    pairs = {tuple(sorted((a, b), key=order.__getitem__)) for a, near in adjacency.items() for b in near}
    return sorted(pairs, key=lambda p: (order[p[0]], order[p[1]]))


class BorderPainter(Painter):
    """The schematic for one border: built once, repainted for each day's frame."""

    def __init__(self, sectors: tuple[str, ...], adjacency: dict[str, tuple[str, ...]], dpi: int = 90):
        from matplotlib.figure import Figure
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch, Rectangle

        self.sectors = tuple(sectors)
        fig = Figure(figsize=(3.4, 5.4), dpi=dpi)
        super().__init__(fig)
        ax = fig.add_axes((0.27, 0.34, 0.69, 0.54))
        row = rows(self.sectors)
        n = len(self.sectors)
        ax.axvline(0.5, color="grey", linestyle="--", linewidth=1, zorder=0)
        for a, b in adjacent_pairs(self.sectors, adjacency):
            for x in COLUMN.values():
                ax.plot([x, x], [row[a], row[b]], color="#bdbdbd", linewidth=2, zorder=1)
        self.cover = {}
        for s in self.sectors:
            patch = Rectangle((0.3, row[s] - 0.3), 0.4, 0.6, facecolor="none", edgecolor=c.COVERAGE_COLOUR, hatch="///")
            patch.set_visible(False)
            self.cover[s] = ax.add_patch(patch)
        self.marks, self.labels = {}, {}
        for side, x in COLUMN.items():
            ys = [row[s] for s in self.sectors]
            self.marks[side] = ax.scatter(
                [x] * n, ys, s=50.0, marker=c.SIDE_MARKERS[side], edgecolor=c.SIDE_COLOURS[side], linewidth=2, zorder=3
            )
            dx = -0.2 if side == "ARM" else 0.2
            self.labels[side] = [
                ax.text(x + dx, y, "", ha="right" if dx < 0 else "left", va="center", fontsize=8) for y in ys
            ]
        ax.set_xlim(-0.55, 1.55)
        ax.set_ylim(-0.7, n - 0.3)
        ax.set_yticks(range(n), list(reversed(self.sectors)), fontsize=9)
        ax.set_xticks([0, 1], [f"{side}\n{c.SIDE_NAMES[side]}" for side in COLUMN], fontsize=9)
        for label, side in zip(ax.get_xticklabels(), COLUMN):
            label.set_color(c.SIDE_COLOURS[side])
        ax.xaxis.tick_top()
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.set_ylabel("border sector (north to south)", fontsize=9)
        self.title = fig.suptitle("", fontsize=10, y=0.985)
        tiers = [
            Line2D([], [], marker="o", ls="", markersize=8, markerfacecolor=c.TIER_FILL[t], markeredgecolor="grey")
            for t in range(5)
        ]
        sizes = [
            Line2D([], [], marker="o", ls="", markersize=math.sqrt(marker_area(g)), mfc="white", markeredgecolor="grey")
            for g in LEGEND_GRIEVANCE
        ]
        fig.legend(
            tiers + sizes + [Patch(facecolor="none", edgecolor=c.COVERAGE_COLOUR, hatch="///")],
            [f"tier {c.tier_label(t)}" for t in range(5)]
            + [f"grievance {g:g} killed-eq." for g in LEGEND_GRIEVANCE]
            + ["observers deployed"],
            loc="lower center",
            ncol=2,
            fontsize=8,
            frameon=False,
            handletextpad=0.4,
            columnspacing=0.8,
            labelspacing=0.9,
            title=LEGEND_TITLE,
            title_fontsize=8,
        )

    def paint(self, frame: Frame) -> bytes:
        """The schematic of ``frame`` as PNG bytes."""
        by_key = {(p.sector, p.side): p for p in frame.positions}
        for side, marks in self.marks.items():
            here = [by_key[s, side] for s in self.sectors]
            marks.set_facecolor([c.TIER_FILL[p.tier] for p in here])
            marks.set_sizes(np.array([marker_area(p.grievance) for p in here]))
            for text, p in zip(self.labels[side], here):
                text.set_text(f"{p.grievance:.1f}")
        for s, patch in self.cover.items():
            patch.set_visible(s in frame.covered)
        self.title.set_text(f"The border on day {frame.now_days:g} ({frame.date:%d %b %Y})")
        moving = [*self.marks.values(), *(t for texts in self.labels.values() for t in texts), self.title]
        return self.render([*moving, *self.cover.values()], layout=None)


@solara.component
def BorderSchematic(frame: Frame):
    """The schematic of ``frame``; the figure is built once per border and repainted each day."""
    painter = solara.use_memo(
        lambda: BorderPainter(frame.sectors, frame.adjacency), [frame.sectors, tuple(sorted(frame.adjacency.items()))]
    )
    picture = solara.use_memo(lambda: painter.paint(frame), [frame])
    solara.Image(picture, width="100%")
