"""The run so far, on one time axis (days since the ceasefire), in three panels:

1. every exchange of fire by sector, coloured and sized by weapon tier, shaped by the side that fired,
   ringed when part of a deliberate offensive, with the soldiers it killed written beside it;
2. mediation pressure and the share of the border's sectors covered by observers, in percent;
3. the soldiers killed so far, per side;

and, once the ceasefire collapsed, a black line across all three at the day, labelled with its cause
(as ``timeline.png`` labels it). The encodings are :mod:`sim.dashboard.colours`'.
"""

from __future__ import annotations

import numpy as np
import solara

from sim.dashboard import colours as c
from sim.dashboard.border import rows
from sim.dashboard.frame import Frame
from sim.dashboard.pictures import Painter, day_window, nice_ceiling
from sim.model.rules import HOURS_PER_DAY

SIDE_OFFSET = {"ARM": 0.16, "AZE": -0.16}  # each side's fire a little above / below its sector's line
MAX_KILLED_LABELS = 30  # the deadliest exchanges get their number written beside them


def fire_points(frame: Frame, side: str) -> dict[str, np.ndarray]:
    """Where the exchanges ``side`` fired are drawn: x (day), y (sector row), tier, killed, offensive."""
    row = rows(frame.sectors)
    mine = [i for i in frame.incidents if i.initiator == side]
    return {
        "x": np.array([i.time_hours / HOURS_PER_DAY for i in mine], dtype=float),
        "y": np.array([row[i.sector] + SIDE_OFFSET[side] for i in mine], dtype=float),
        "tier": np.array([i.tier for i in mine], dtype=int),
        "killed": np.array([i.killed_ARM + i.killed_AZE for i in mine], dtype=int),
        "offensive": np.array([i.kind == "offensive" for i in mine], dtype=bool),
    }


def killed_steps(frame: Frame, side: str) -> tuple[np.ndarray, np.ndarray]:
    """Soldiers of ``side`` killed so far as a step function of days (from day 0 to now)."""
    column = f"killed_{side}"
    times, totals, total = [0.0], [0.0], 0
    for incident in frame.incidents:
        killed = getattr(incident, column)
        if killed:
            total += killed
            times.append(incident.time_hours / HOURS_PER_DAY)
            totals.append(float(total))
    times.append(frame.now_days)
    totals.append(float(total))
    return np.array(times), np.array(totals)


class TimelinePainter(Painter):
    """The three panels for one border: built once, repainted for each day's frame."""

    def __init__(self, sectors: tuple[str, ...], dpi: int = 90):
        from matplotlib.figure import Figure
        from matplotlib.lines import Line2D

        fig = Figure(figsize=(6.6, 5.0), dpi=dpi)
        super().__init__(fig)
        self.sectors = tuple(sectors)
        grid = fig.add_gridspec(3, 1, height_ratios=(2.5, 1.0, 1.2), hspace=0.12, left=0.13, right=0.98)
        grid.update(top=0.84, bottom=0.1)
        self.fire_ax = fire = fig.add_subplot(grid[0])
        self.share_ax = share = fig.add_subplot(grid[1], sharex=fire)
        self.killed_ax = killed = fig.add_subplot(grid[2], sharex=fire)
        n = len(self.sectors)
        fire.set_ylim(-0.6, n - 0.4)
        fire.set_yticks(range(n), list(reversed(self.sectors)), fontsize=9)
        fire.set_ylabel("sector", fontsize=9)
        fire.grid(True, axis="y", alpha=0.3)
        self.fire, self.rings = {}, {}
        for side in c.SIDES:
            self.fire[side] = fire.scatter(
                [], [], marker=c.SIDE_MARKERS[side], edgecolor=c.SIDE_COLOURS[side], linewidth=1.2, zorder=3
            )
        self.rings = fire.scatter([], [], s=220.0, facecolor="none", edgecolor="black", linewidth=1.2, zorder=2)
        self.killed_texts: list = []
        (self.pressure,) = share.step([], [], where="post", color=c.PRESSURE_COLOUR, linewidth=1.8)
        (self.coverage,) = share.step([], [], where="post", color=c.COVERAGE_COLOUR, linewidth=1.4, linestyle="--")
        share.set_ylim(-5, 105)
        share.set_yticks([0, 50, 100])
        share.set_ylabel("%", fontsize=9)
        share.grid(True, alpha=0.3)
        share.legend(
            [self.pressure, self.coverage],
            ["mediation pressure", "sectors covered by observers"],
            loc="upper right",
            fontsize=8,
            ncol=2,
            framealpha=0.85,
        )
        self.killed = {}
        for side in c.SIDES:
            (self.killed[side],) = killed.step(
                [], [], where="post", color=c.SIDE_COLOURS[side], linewidth=1.8, label=f"{side} killed"
            )
        killed.set_ylabel("killed\n(cumulative)", fontsize=9)
        killed.set_xlabel("days since the ceasefire (14 Sept 2022, 20:00 local)", fontsize=9)
        killed.grid(True, alpha=0.3)
        killed.legend(loc="upper left", fontsize=8, framealpha=0.85)
        for ax in (fire, share):
            ax.tick_params(labelbottom=False)
        for ax in (fire, share, killed):
            ax.tick_params(labelsize=9)
        self.collapse_lines = [ax.axvline(0, color=c.COLLAPSE_COLOUR, linewidth=1.6, visible=False) for ax in fig.axes]
        self.collapse_text = killed.text(
            0,
            0.95,
            "",
            transform=killed.get_xaxis_transform(),
            fontsize=8,
            ha="right",
            va="top",
            visible=False,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.5},
        )
        legend = [
            Line2D([], [], marker="s", ls="", markersize=8, mfc=c.TIER_FILL[t], mec="none", label=c.tier_label(t))
            for t in (1, 2, 3, 4)
        ]
        legend += [
            Line2D([], [], marker=c.SIDE_MARKERS[s], ls="", markersize=7, mfc="white", mec=c.SIDE_COLOURS[s], mew=1.5)
            for s in c.SIDES
        ]
        legend += [Line2D([], [], marker="o", ls="", markersize=11, mfc="none", mec="black")]
        labels = [f"tier {c.tier_label(t)}" for t in (1, 2, 3, 4)]
        labels += [f"fired by {s}" for s in c.SIDES] + ["part of an offensive"]
        fig.legend(legend, labels, loc="upper center", ncol=4, fontsize=8, frameon=False, columnspacing=1.0)
        self.title = fig.text(0.13, 0.852, "", fontsize=9, va="bottom", color="dimgrey")  # over the fire panel

    def paint(self, frame: Frame) -> bytes:
        """The panels for ``frame`` as PNG bytes."""
        right = day_window(frame.now_days, frame.horizon_days)
        killed_top = nice_ceiling(max(frame.killed(s) for s in c.SIDES) * 1.1)
        for t in self.killed_texts:
            t.remove()
        self.killed_texts = []
        labelled = []
        for side in c.SIDES:
            pts = fire_points(frame, side)
            marks = self.fire[side]
            marks.set_offsets(np.column_stack([pts["x"], pts["y"]]) if pts["x"].size else np.empty((0, 2)))
            marks.set_facecolor([c.TIER_FILL[t] for t in pts["tier"]])
            marks.set_sizes(np.array([c.TIER_SIZES[t] for t in pts["tier"]], dtype=float))
            labelled += [(k, x, y) for k, x, y in zip(pts["killed"], pts["x"], pts["y"]) if k > 0]
        rings = [p for p in frame.incidents if p.kind == "offensive"]
        row = rows(frame.sectors)
        self.rings.set_offsets(
            np.array([[p.time_hours / HOURS_PER_DAY, row[p.sector] + SIDE_OFFSET[p.initiator]] for p in rings])
            if rings
            else np.empty((0, 2))
        )
        for k, x, y in sorted(labelled, key=lambda t: -t[0])[:MAX_KILLED_LABELS]:
            self.killed_texts.append(self.fire_ax.text(x, y + 0.2, str(k), fontsize=8, ha="center", va="bottom"))
        self.pressure.set_data(frame.pressure.days, [100 * v for v in frame.pressure.values])
        self.coverage.set_data(frame.coverage.days, [100 * v for v in frame.coverage.values])
        for side, line in self.killed.items():
            line.set_data(*killed_steps(frame, side))
        collapsed = frame.collapse is not None
        for line in self.collapse_lines:
            line.set_visible(collapsed)
            if collapsed:
                line.set_xdata([frame.collapse["day"]] * 2)
        self.collapse_text.set_visible(collapsed)
        if collapsed:
            self.collapse_text.set_position((frame.collapse["day"] - 0.01 * right, 0.95))
            self.collapse_text.set_text(frame.collapse["label"])
        self.title.set_text(
            f"{len(frame.incidents)} exchanges of fire in {len(frame.claims)} episodes; numbers: soldiers killed"
        )
        self.fire_ax.set_xlim(0, right)
        self.killed_ax.set_ylim(0, killed_top)
        moving = [*self.fire.values(), self.rings, *self.killed_texts, self.pressure, self.coverage]
        moving += [*self.killed.values(), *self.collapse_lines, self.collapse_text, self.title]
        return self.render(moving, layout=(right, killed_top))


@solara.component
def Timeline(frame: Frame):
    """The panels of ``frame``; the figure is built once per border and repainted each day."""
    painter = solara.use_memo(lambda: TimelinePainter(frame.sectors), [frame.sectors])
    picture = solara.use_memo(lambda: painter.paint(frame), [frame])
    solara.Image(picture, width="100%")
