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


def timeline_data(result: RunResult, params_info: dict | None = None) -> dict[str, Any]:
    """Everything :func:`timeline_png` draws, as plain data.

    ``fire``: one point per exchange (day, sector row, side, tier, kind, fill colour = tier, edge colour
    and marker = side, ``offensive``); ``casualties``: per side the cumulative killed and wounded as
    step series; ``actors``: row names and one point per action; ``collapse``: :func:`collapse_info`;
    ``title``. ``params_info``: summary.json's ``params`` (where the parameters came from; None: not known).
    """
    s = result.summary
    horizon = float(s.horizon_days)
    sectors = list(result.border.sector_ids)
    rows = {sec: i for i, sec in enumerate(sectors)}
    fire = []
    for r in result.incidents:
        side, tier = r.initiator, int(r.tier)
        fire.append(
            {
                "day": r.time_hours / HOURS_PER_DAY,
                "sector": r.sector,
                "y": rows[r.sector] + (-0.13 if side == SIDES[0] else 0.13),
                "side": side,
                "tier": tier,
                "kind": r.kind,
                "offensive": r.kind == "offensive",
                "colour": TIER_COLOURS[tier],
                "edge": SIDE_COLOURS[side],
                "marker": SIDE_MARKERS[side],
                "size": 26 + 16 * tier,
            }
        )
    collapse = collapse_info(result)
    end = collapse["day"] if collapse else max([horizon] + [f["day"] for f in fire])
    casualties = {}
    for side in SIDES:
        t, k, w, ks, ws = [0.0], [0], [0], 0, 0
        for r in result.incidents:
            ks += r.killed_ARM if side == "ARM" else r.killed_AZE
            ws += r.wounded_ARM if side == "ARM" else r.wounded_AZE
            t.append(r.time_hours / HOURS_PER_DAY)
            k.append(ks)
            w.append(ws)
        t.append(end)
        k.append(ks)
        w.append(ws)
        casualties[side] = {"days": t, "killed": k, "wounded": w, "colour": SIDE_COLOURS[side]}
    kinds = _actor_kinds(result.actions)
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
        for t, who, what in result.actions
        if who != "ceasefire"
    ]
    last = max([f["day"] for f in fire] + [a["day"] for a in actors], default=0.0)
    # after a collapse the run stops: the axis ends shortly after it instead of running empty to the horizon
    xmax = max(collapse["day"] * 1.06 + 1.0, last) if collapse else max(horizon, last)
    spawn = s.spawn_key or []
    run = f"seed {s.seed}" + (f", replication {spawn[-1]}" if len(spawn) == 1 else "")
    status = collapse["short"] if collapse else f"held to the horizon ({horizon:g} days)"
    title = (
        f"One simulated run: scenario {s.scenario}, {run}; {params_text(params_info, bool(s.drawn))}\n"
        f"{s.n_violations} violations, {s.n_exchanges} exchanges of fire; ceasefire {status}"
    )
    return {
        "sectors": sectors,
        "fire": fire,
        "casualties": casualties,
        "actor_rows": actor_rows,
        "actors": actors,
        "collapse": collapse,
        "horizon": horizon,
        "xmax": xmax,
        "title": title,
    }


def timeline_png(result: RunResult, params_info: dict | None = None) -> bytes:
    """The run's timeline as PNG bytes (see the module docstring for how it reads)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator

    d = timeline_data(result, params_info)
    sectors, actor_rows = d["sectors"], d["actor_rows"]
    n_actor_rows = max(len(actor_rows), 1)
    fig = Figure(figsize=(12, 8.2), dpi=100)
    ax_fire, ax_act, ax_cas = fig.subplots(
        3, 1, sharex=True, gridspec_kw={"height_ratios": [len(sectors) + 0.5, 0.45 * n_actor_rows + 0.6, 3]}
    )
    fig.suptitle(d["title"], fontsize=11)

    # fire: rows = sector, colour and size = tier, shape and edge = side; ring = part of an offensive
    for side in SIDES:
        for tier in TIERS:
            pts = [f for f in d["fire"] if f["side"] == side and f["tier"] == tier]
            if pts:
                ax_fire.scatter(
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
        ax_fire.scatter(
            [f["day"] for f in offensive],
            [f["y"] for f in offensive],
            s=[2.4 * f["size"] for f in offensive],
            facecolors="none",
            edgecolors="black",
            linewidths=1.0,
            marker="o",
            zorder=4,
        )
    ax_fire.set_yticks(range(len(sectors)), sectors)
    ax_fire.set_ylim(-0.6, len(sectors) - 0.4)
    ax_fire.set_ylabel("border sector\n(north to south)")
    ax_fire.grid(axis="x", alpha=0.3)
    handles = [Patch(facecolor=TIER_COLOURS[t], edgecolor="grey", label=f"tier {t}: {TIER_NAMES[t]}") for t in TIERS]
    handles += [
        Line2D(
            [],
            [],
            linestyle="",
            marker=SIDE_MARKERS[s],
            markerfacecolor="white",
            markersize=7,
            markeredgecolor=SIDE_COLOURS[s],
            markeredgewidth=1.5,
            label=f"fired by {s}",
        )
        for s in SIDES
    ]
    if offensive:  # only when there is one
        handles.append(
            Line2D(
                [],
                [],
                linestyle="",
                marker="o",
                markerfacecolor="none",
                markeredgecolor="black",
                markersize=10,
                label="part of a deliberate\noffensive",
            )
        )
    ax_fire.legend(
        handles=handles,
        fontsize=8,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
        title="colour = weapon tier\nshape = side firing",
        title_fontsize=8,
    )

    # actions of mediators, peacekeepers and the commands, one row each
    for a in d["actors"]:
        ax_act.scatter([a["day"]], [a["row"]], marker=a["marker"], s=34, c=a["colour"], zorder=3)
    ax_act.set_yticks(range(len(actor_rows)), actor_rows, fontsize=8)
    ax_act.set_ylim(-0.6, n_actor_rows - 0.4)
    ax_act.invert_yaxis()
    ax_act.set_ylabel("actions", fontsize=9)
    ax_act.grid(axis="x", alpha=0.3)
    kinds = sorted(
        {a["what"] for a in d["actors"]},
        key=lambda w: list(ACTION_MARKERS).index(w) if w in ACTION_MARKERS else len(ACTION_MARKERS),
    )
    if kinds:
        ax_act.legend(
            handles=[
                Line2D([], [], linestyle="", marker=ACTION_MARKERS.get(w, "|"), color="dimgrey", label=w) for w in kinds
            ],
            fontsize=8,
            loc="upper left",
            bbox_to_anchor=(1.01, 1.05),
            frameon=False,
            ncol=2,
        )
    else:
        ax_act.text(
            0.5,
            0.5,
            "no mediator, peacekeeper or command action",
            transform=ax_act.transAxes,
            ha="center",
            va="center",
            fontsize=8,
            color="dimgrey",
        )

    # cumulative killed and wounded per side: colour = side, line style = killed / wounded
    for side, c in d["casualties"].items():
        ax_cas.step(c["days"], c["killed"], where="post", color=c["colour"], linewidth=1.8, label=f"{side} killed")
        ax_cas.step(
            c["days"],
            c["wounded"],
            where="post",
            color=c["colour"],
            linestyle="--",
            linewidth=1.4,
            label=f"{side} wounded",
        )
    ax_cas.set_ylabel("soldiers\n(cumulative)")
    ax_cas.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax_cas.set_ylim(bottom=0)
    ax_cas.set_xlabel(
        "days since the ceasefire (14 Sept 2022, 20:00 local)"
        + ("; the run stops at the collapse" if d["collapse"] else "")
    )
    ax_cas.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax_cas.grid(alpha=0.3)

    collapse = d["collapse"]
    for ax in (ax_fire, ax_act, ax_cas):
        ax.set_xlim(0, d["xmax"])
        if collapse:
            ax.axvline(collapse["day"], color="black", linewidth=1.5, zorder=2)
    if collapse:
        left = collapse["day"] > 0.62 * d["xmax"]
        ax_fire.annotate(
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
    fig.tight_layout()
    return png_bytes(fig)
