"""The timeline of one run, readable at a glance: fire by sector, tier and side; casualties; what
mediators, peacekeepers and the two commands did; the collapse and its cause.

One encoding per meaning, the same in every panel:

- weapon tier: a sequential colour scale, light (small arms) to dark (artillery/drones), and marker size;
- side: marker shape (ARM circle, AZE triangle) and a fixed pair of colours (ARM purple, AZE green)
  that belong to no tier;
- killed / wounded: solid / dashed line;
- a deliberate offensive (incident kind ``offensive``): a black ring around the fire.

:func:`timeline_data` computes what is drawn (testable without pixels); :func:`timeline_png` draws it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from matplotlib.figure import Figure

from sim.common.figures import params_text, png_bytes
from sim.model.agents import Command
from sim.model.params import SIDES, TIER_NAMES, TIERS
from sim.model.rules import HOURS_PER_DAY
from sim.model.third_parties import ThirdParty

if TYPE_CHECKING:
    from sim.model.run import RunResult

# tier: sequential (ColorBrewer YlOrRd, light to dark); side: a purple/green pair outside that scale
TIER_COLOURS = {1: "#fecc5c", 2: "#fd8d3c", 3: "#e31a1c", 4: "#800026"}
SIDE_COLOURS = {"ARM": "#5e3c99", "AZE": "#1b7837"}
SIDE_MARKERS = {"ARM": "o", "AZE": "^"}
SIDE_NAMES = {"ARM": "Armenia", "AZE": "Azerbaijan"}
ACTION_MARKERS = {
    "pressure": "v",
    "talks": "s",
    "truce": "*",
    "ceasefire": "D",
    "deploy": "P",
    "withdraw": "X",
    "offensive": ">",
    "truce accepted": "d",
}
MEDIATOR_COLOUR = "#7f7f7f"
PEACEKEEPER_COLOUR = "black"
KIND_ORDER = ("mediator", "peacekeeper", ThirdParty.kind, "command")  # rows of the actions panel, by kind
COLLAPSE_CAUSES = {"spiral": "a spiral of local incidents", "offensive": "a deliberate offensive"}


def collapse_info(result: RunResult) -> dict | None:
    """Day, cause and label of the collapse (None when the ceasefire held).

    The cause is the summary's ``collapse_cause``: ``spiral`` or ``offensive`` (then ``by`` names the
    side whose command launched the last offensive before the collapse); ``""`` when not recorded."""
    s = result.summary
    if not s.collapsed:
        return None
    hours = next((t for t, who, what in result.actions if who == "ceasefire" and what == "collapse"), None)
    day = hours / HOURS_PER_DAY if hours is not None else float(s.durability_days)
    cause = s.collapse_cause or ""
    by = None
    if cause == "offensive":
        launched = [
            (t, who.split()[-1])
            for t, who, what in result.actions
            if who.startswith("command ") and what == "offensive" and (hours is None or t <= hours)
        ]
        by = launched[-1][1] if launched else None
    if cause == "offensive":
        text = "deliberate offensive" + (f" by {by}" if by else "")
    elif cause == "spiral":
        text = "spiral of local incidents"
    else:
        text = "cause not recorded"
    return {
        "day": day,
        "cause": cause,
        "by": by,
        "label": f"collapse, day {day:.1f}:\n{text}",
        "short": f"collapsed on day {day:.1f} ({text})",
    }


def _action_kinds() -> dict[str, str]:
    """{action: kind of agent that logs it}, from the agent classes' ``actions`` and ``kind``: the
    commands and every kind of third party, including those defined outside this package."""
    kinds, classes = {}, [Command, ThirdParty]
    while classes:
        cls = classes.pop()
        kinds.update(dict.fromkeys(cls.actions, cls.kind))
        classes.extend(cls.__subclasses__())
    return kinds


def _actor_kinds(actions: list[tuple[float, str, str]]) -> dict[str, str]:
    """{who: kind} for every actor in the action log (the model's own "ceasefire" entry aside)."""
    by_action, out = _action_kinds(), {}
    for _, who, what in actions:
        if who != "ceasefire":
            out.setdefault(who, by_action.get(what, ThirdParty.kind))
    return out


def _actor_rows(kinds: dict[str, str]) -> list[str]:
    """One row per actor, by kind in a fixed order (mediators, peacekeepers, other third parties, the
    two commands), alphabetical within a kind."""
    return sorted(
        kinds,
        key=lambda who: (
            KIND_ORDER.index(kinds[who]) if kinds[who] in KIND_ORDER else KIND_ORDER.index(ThirdParty.kind),
            who,
        ),
    )


def _actor_colour(who: str, kind: str) -> str:
    if kind == "command":
        return SIDE_COLOURS.get(who.split()[-1], "black")
    return PEACEKEEPER_COLOUR if kind == "peacekeeper" else MEDIATOR_COLOUR


def _fire_points(result: RunResult) -> list[dict[str, Any]]:
    """One point per exchange: day, sector row, side, tier, kind; fill colour = tier, edge and marker = side."""
    rows = {sec: i for i, sec in enumerate(result.border.sector_ids)}
    fire = []
    for r in result.incidents:
        side, tier = r.initiator, int(r.tier)
        point = {"day": r.time_hours / HOURS_PER_DAY, "sector": r.sector}
        point["y"] = rows[r.sector] + (-0.13 if side == SIDES[0] else 0.13)
        point.update(side=side, tier=tier, kind=r.kind, offensive=r.kind == "offensive")
        point.update(colour=TIER_COLOURS[tier], edge=SIDE_COLOURS[side], marker=SIDE_MARKERS[side], size=26 + 16 * tier)
        fire.append(point)
    return fire


def _casualty_steps(result: RunResult, end: float) -> dict[str, dict[str, Any]]:
    """Per side, the cumulative killed and wounded as step series up to day ``end``."""
    casualties = {}
    for side in SIDES:
        t, k, w, ks, ws = [0.0], [0], [0], 0, 0
        for r in result.incidents:
            ks += getattr(r, f"killed_{side}")
            ws += getattr(r, f"wounded_{side}")
            t.append(r.time_hours / HOURS_PER_DAY)
            k.append(ks)
            w.append(ws)
        t.append(end)
        k.append(ks)
        w.append(ws)
        casualties[side] = {"days": t, "killed": k, "wounded": w, "colour": SIDE_COLOURS[side]}
    return casualties


def _actor_points(actions: list[tuple[float, str, str]]) -> tuple[list[str], list[dict[str, Any]]]:
    """(actor rows, one point per action) for the actions panel."""
    kinds = _actor_kinds(actions)
    actor_rows = _actor_rows(kinds)
    actors = [
        {
            "day": t / HOURS_PER_DAY,
            "row": actor_rows.index(who),
            "who": who,
            "what": what,
            "marker": ACTION_MARKERS.get(what, "|"),
            "colour": _actor_colour(who, kinds[who]),
        }
        for t, who, what in actions
        if who != "ceasefire"
    ]
    return actor_rows, actors


def _title(result: RunResult, params_info: dict | None, collapse: dict | None) -> str:
    s = result.summary
    spawn = s.spawn_key or []
    run = f"seed {s.seed}" + (f", replication {spawn[-1]}" if len(spawn) == 1 else "")
    status = collapse["short"] if collapse else f"held to the horizon ({float(s.horizon_days):g} days)"
    return (
        f"One simulated run: scenario {s.scenario}, {run}; {params_text(params_info, bool(s.drawn))}\n"
        f"{s.n_violations} violations, {s.n_exchanges} exchanges of fire; ceasefire {status}"
    )


def timeline_data(result: RunResult, params_info: dict | None = None) -> dict[str, Any]:
    """Everything :func:`timeline_png` draws, as plain data.

    ``fire``: one point per exchange (day, sector row, side, tier, kind, fill colour = tier, edge colour
    and marker = side, ``offensive``); ``casualties``: per side the cumulative killed and wounded as
    step series; ``actors``: row names and one point per action; ``collapse``: :func:`collapse_info`;
    ``title``. ``params_info``: summary.json's ``params`` (where the parameters came from; None: not known).
    """
    horizon = float(result.summary.horizon_days)
    fire = _fire_points(result)
    collapse = collapse_info(result)
    end = collapse["day"] if collapse else max([horizon] + [f["day"] for f in fire])
    actor_rows, actors = _actor_points(result.actions)
    last = max([f["day"] for f in fire] + [a["day"] for a in actors], default=0.0)
    # after a collapse the run stops: the axis ends shortly after it instead of running empty to the horizon
    xmax = max(collapse["day"] * 1.06 + 1.0, last) if collapse else max(horizon, last)
    return {
        "sectors": list(result.border.sector_ids),
        "fire": fire,
        "casualties": _casualty_steps(result, end),
        "actor_rows": actor_rows,
        "actors": actors,
        "collapse": collapse,
        "horizon": horizon,
        "xmax": xmax,
        "title": _title(result, params_info, collapse),
    }


def timeline_png(result: RunResult, params_info: dict | None = None) -> bytes:
    """The run's timeline as PNG bytes (see the module docstring for how it reads)."""
    d = timeline_data(result, params_info)
    n_actor_rows = max(len(d["actor_rows"]), 1)
    fig = Figure(figsize=(12, 8.2), dpi=100)
    ax_fire, ax_act, ax_cas = fig.subplots(
        3, 1, sharex=True, gridspec_kw={"height_ratios": [len(d["sectors"]) + 0.5, 0.45 * n_actor_rows + 0.6, 3]}
    )
    fig.suptitle(d["title"], fontsize=11)
    _draw_fire(ax_fire, d)
    _draw_actions(ax_act, d, n_actor_rows)
    _draw_casualties(ax_cas, d)
    _mark_collapse((ax_fire, ax_act, ax_cas), d)
    fig.tight_layout()
    return png_bytes(fig)


def _draw_fire(ax, d: dict[str, Any]) -> None:
    """Fire: rows = sector, colour and size = tier, shape and edge = side; a ring = part of an offensive."""
    for side in SIDES:
        for tier in TIERS:
            pts = [f for f in d["fire"] if f["side"] == side and f["tier"] == tier]
            if pts:
                ax.scatter(
                    [f["day"] for f in pts],
                    [f["y"] for f in pts],
                    s=[f["size"] for f in pts],
                    c=TIER_COLOURS[tier],
                    marker=SIDE_MARKERS[side],
                    edgecolors=SIDE_COLOURS[side],
                    linewidths=0.9,
                    zorder=3,
                )
    offensive = [f for f in d["fire"] if f["offensive"]]
    if offensive:
        ax.scatter(
            [f["day"] for f in offensive],
            [f["y"] for f in offensive],
            s=[2.4 * f["size"] for f in offensive],
            facecolors="none",
            edgecolors="black",
            linewidths=1.0,
            marker="o",
            zorder=4,
        )
    sectors = d["sectors"]
    ax.set_yticks(range(len(sectors)), sectors)
    ax.set_ylim(-0.6, len(sectors) - 0.4)
    ax.set_ylabel("border sector\n(north to south)")
    ax.grid(axis="x", alpha=0.3)
    _fire_legend(ax, bool(offensive))


def _fire_legend(ax, offensive: bool) -> None:
    """Tiers by colour, sides by shape, and the offensive's ring only when there is one."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [Patch(facecolor=TIER_COLOURS[t], edgecolor="grey", label=f"tier {t}: {TIER_NAMES[t]}") for t in TIERS]
    side = {"linestyle": "", "markerfacecolor": "white", "markersize": 7, "markeredgewidth": 1.5}
    handles += [
        Line2D([], [], marker=SIDE_MARKERS[s], markeredgecolor=SIDE_COLOURS[s], label=f"fired by {s}", **side)
        for s in SIDES
    ]
    if offensive:
        ring = {"linestyle": "", "marker": "o", "markerfacecolor": "none", "markeredgecolor": "black"}
        handles.append(Line2D([], [], markersize=10, label="part of a deliberate\noffensive", **ring))
    ax.legend(
        handles=handles,
        fontsize=8,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
        title="colour = weapon tier\nshape = side firing",
        title_fontsize=8,
    )


def _draw_actions(ax, d: dict[str, Any], n_rows: int) -> None:
    """Actions of mediators, peacekeepers and the commands, one row each."""
    from matplotlib.lines import Line2D

    for a in d["actors"]:
        ax.scatter([a["day"]], [a["row"]], marker=a["marker"], s=34, c=a["colour"], zorder=3)
    ax.set_yticks(range(len(d["actor_rows"])), d["actor_rows"], fontsize=8)
    ax.set_ylim(-0.6, n_rows - 0.4)
    ax.invert_yaxis()
    ax.set_ylabel("actions", fontsize=9)
    ax.grid(axis="x", alpha=0.3)
    kinds = sorted(
        {a["what"] for a in d["actors"]},
        key=lambda w: list(ACTION_MARKERS).index(w) if w in ACTION_MARKERS else len(ACTION_MARKERS),
    )
    if kinds:
        marker = {w: ACTION_MARKERS.get(w, "|") for w in kinds}
        handles = [Line2D([], [], linestyle="", marker=marker[w], color="dimgrey", label=w) for w in kinds]
        ax.legend(handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.05), frameon=False, ncol=2)
    else:
        text = "no mediator, peacekeeper or command action"
        ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", fontsize=8, color="dimgrey")


def _draw_casualties(ax, d: dict[str, Any]) -> None:
    """Cumulative killed and wounded per side: colour = side, line style = killed / wounded."""
    from matplotlib.ticker import MaxNLocator

    for side, c in d["casualties"].items():
        ax.step(c["days"], c["killed"], where="post", color=c["colour"], linewidth=1.8, label=f"{side} killed")
        style = {"where": "post", "color": c["colour"], "linestyle": "--", "linewidth": 1.4}
        ax.step(c["days"], c["wounded"], label=f"{side} wounded", **style)
    ax.set_ylabel("soldiers\n(cumulative)")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(bottom=0)
    ax.set_xlabel(
        "days since the ceasefire (14 Sept 2022, 20:00 local)"
        + ("; the run stops at the collapse" if d["collapse"] else "")
    )
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.grid(alpha=0.3)


def _mark_collapse(axes: tuple, d: dict[str, Any]) -> None:
    """The same x range on every panel; a line at the collapse and its label above the fire."""
    collapse = d["collapse"]
    for ax in axes:
        ax.set_xlim(0, d["xmax"])
        if collapse:
            ax.axvline(collapse["day"], color="black", linewidth=1.5, zorder=2)
    if collapse:
        left = collapse["day"] > 0.62 * d["xmax"]
        axes[0].annotate(
            collapse["label"].replace(":\n", ": "),
            (collapse["day"], 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(0, 3),
            textcoords="offset points",
            ha="right" if left else "left",
            va="bottom",
            fontsize=9,
            fontweight="bold",
        )
