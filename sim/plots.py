"""The timeline of one run, readable at a glance: fire by sector and tier, casualties, mediators, collapse."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from matplotlib.figure import Figure

from sim.params import SIDES, TIER_NAMES, TIERS
from sim.rules import HOURS_PER_DAY

if TYPE_CHECKING:
    from sim.simulate import RunResult

TIER_COLOURS = {1: "#9ecae1", 2: "#4292c6", 3: "#fd8d3c", 4: "#cb181d"}
SIDE_COLOURS = {"ARM": "#1f77b4", "AZE": "#2ca02c"}
MEDIATOR_MARKERS = {"pressure": "v", "talks": "s", "truce": "*", "ceasefire": "D"}


def png_bytes(fig: Figure) -> bytes:
    """A figure as PNG bytes, without a timestamp or version in its metadata (same input, same bytes).

    Figures are ``matplotlib.figure.Figure`` objects, never pyplot's: no global state between runs."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def timeline_png(result: RunResult) -> bytes:
    s = result.summary
    sectors = list(result.setting.sector_ids)
    horizon = s["horizon_days"]
    end = s["durability_days"]
    fig = Figure(figsize=(11, 6.5), dpi=110)
    ax_fire, ax_cas = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    status = f"collapsed on day {end:.1f}" if s["collapsed"] else f"held to the horizon ({horizon:g} days)"
    fig.suptitle(f"Scenario {s['scenario']}, seed {s['seed']}: {s['n_violations']} violations, "
                 f"{s['n_exchanges']} exchanges; ceasefire {status}", fontsize=11)

    # fire by sector (rows) and tier (colour); the initiating side is the marker shape
    rows = {sec: i for i, sec in enumerate(sectors)}
    for tier in TIERS:
        for side, marker in (("ARM", "o"), ("AZE", "^")):
            pts = [(r[1] / HOURS_PER_DAY, rows[r[2]] + (-0.12 if side == "ARM" else 0.12))
                   for r in result.incidents if r[6] == tier and r[3] == side]
            if pts:
                x, y = zip(*pts)
                ax_fire.scatter(x, y, s=18 + 12 * tier, c=TIER_COLOURS[tier], marker=marker,
                                edgecolors="k", linewidths=0.3,
                                label=f"{TIER_NAMES[tier]} ({side} fires)", zorder=3)
    # mediator actions along the bottom row
    names = sorted({who for _, who, _ in result.actions if who not in ("ceasefire", "peacekeepers")})
    labelled = set()
    for t, who, what in result.actions:
        if who == "ceasefire":
            continue
        y = -1.0 - (0 if who == "peacekeepers" else 0.3 * (1 + names.index(who)) / max(len(names), 1))
        kind = f"peacekeepers {what}" if who == "peacekeepers" else f"mediator {what}"
        ax_fire.scatter([t / HOURS_PER_DAY], [y], marker=MEDIATOR_MARKERS.get(what, "|"), s=28,
                        c="#7f7f7f" if who != "peacekeepers" else "#9467bd", zorder=2,
                        label=None if kind in labelled else kind)
        labelled.add(kind)
    ax_fire.set_yticks([-1.15] + list(rows.values()), ["mediators /\npeacekeepers"] + sectors)
    ax_fire.set_ylim(-1.6, len(sectors) - 0.4)
    ax_fire.set_ylabel("border sector (north to south)")
    ax_fire.grid(axis="x", alpha=0.3)
    handles, labels = ax_fire.get_legend_handles_labels()
    if handles:
        ax_fire.legend(handles, labels, fontsize=7, ncol=4, loc="upper left", bbox_to_anchor=(0, -0.02),
                       frameon=False)

    # cumulative killed and wounded per side
    for side in SIDES:
        k_col, w_col = (7, 9) if side == "ARM" else (8, 10)
        t, k, w, ks, ws = [0.0], [0], [0], 0, 0
        for r in result.incidents:
            ks += r[k_col]
            ws += r[w_col]
            t.append(r[1] / HOURS_PER_DAY)
            k.append(ks)
            w.append(ws)
        t.append(end)
        k.append(ks)
        w.append(ws)
        ax_cas.step(t, k, where="post", color=SIDE_COLOURS[side], label=f"{side} killed")
        ax_cas.step(t, w, where="post", color=SIDE_COLOURS[side], ls="--", label=f"{side} wounded")
    ax_cas.set_ylabel("cumulative casualties")
    ax_cas.set_xlabel("days since the ceasefire (14 Sept 2022, 20:00 local)")
    ax_cas.legend(fontsize=8, loc="upper left")
    ax_cas.grid(alpha=0.3)
    for ax in (ax_fire, ax_cas):
        ax.set_xlim(0, horizon)
        if s["collapsed"]:
            ax.axvline(end, color="k", lw=1.5)
    if s["collapsed"]:
        ax_cas.annotate("collapse", (end, ax_cas.get_ylim()[1] * 0.9), xytext=(4, 0),
                        textcoords="offset points", fontsize=9)
    fig.tight_layout()
    return png_bytes(fig)
