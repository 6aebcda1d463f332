"""Each side's claims of who fired first, against who really did (the model knows; the ministries' claims
were all the record had): per side, how many of its claims were true, and the latest episodes."""

from __future__ import annotations

import html

import solara

from sim.dashboard import colours as c
from sim.dashboard.frame import Claim, Frame

SHOWN = 10  # the latest episodes listed


def verdict(claim: Claim, side: str) -> str:
    """What ``side`` said about ``claim``'s episode: ``true``, ``false`` or ``none`` (no claim)."""
    said = claim.says.get(side)
    if not said:
        return "none"
    return "true" if said == claim.fired_first else "false"


def tally(frame: Frame, side: str) -> dict[str, int]:
    """How many of ``side``'s claims were true and false, how many episodes it made none, in all."""
    counts = {"true": 0, "false": 0, "none": 0}
    for claim in frame.claims:
        counts[verdict(claim, side)] += 1
    return counts


def summary_lines(frame: Frame) -> list[str]:
    """One sentence per side, and how many episodes a peacekeeper verified."""
    n = len(frame.claims)
    if not n:
        return ["No episode yet: nobody has fired."]
    lines = []
    for side in c.SIDES:
        t = tally(frame, side)
        opened = sum(1 for cl in frame.claims if cl.fired_first == side)
        lines.append(
            f"{side} fired first in {opened} of {n} episodes; its claims of who fired first: "
            f"{t['true']} true, {t['false']} false, none in {t['none']}."
        )
    verified = sum(1 for cl in frame.claims if cl.verified)
    lines.append(
        f"Observers established who fired first in {verified} of {n} episodes (then the firer makes no claim)."
    )
    return lines


def _side(side: str) -> str:
    return f'<b style="color:{c.SIDE_COLOURS[side]}">{html.escape(side)}</b>'


def _said(claim: Claim, side: str) -> str:
    said = claim.says.get(side)
    v = verdict(claim, side)
    if v == "none":
        return '<span style="color:dimgrey">no claim</span>'
    mark = "&#10003; true" if v == "true" else "&#10007; false"
    return f"{_side(said)} fired first <span style='color:dimgrey'>({mark})</span>"


def claims_html(frame: Frame, shown: int = SHOWN) -> str:
    """The summary and the latest episodes as an HTML table (escaped)."""
    head = "".join(f"<p style='margin:2px 0'>{html.escape(line)}</p>" for line in summary_lines(frame))
    if not frame.claims:
        return head
    cells = "padding:2px 8px;border-bottom:1px solid #e0e0e0;text-align:left"
    header = ["day", "sector", "opened by (truth)", "ARM says", "AZE says", "verified", "killed ARM/AZE"]
    lines = ["<tr>" + "".join(f"<th style='{cells}'>{h}</th>" for h in header) + "</tr>"]
    for claim in reversed(frame.claims[-shown:]):
        kind = " (offensive)" if claim.kind == "offensive" else ""
        row = [
            f"{claim.day:.1f}",
            html.escape(claim.sector),
            _side(claim.fired_first) + kind,
            _said(claim, "ARM"),
            _said(claim, "AZE"),
            "yes" if claim.verified else "no",
            f"{claim.killed.get('ARM', 0)}/{claim.killed.get('AZE', 0)}",
        ]
        lines.append("<tr>" + "".join(f"<td style='{cells}'>{x}</td>" for x in row) + "</tr>")
    more = len(frame.claims) - shown
    note = f"<p style='margin:2px 0;color:dimgrey'>the latest {shown} of {len(frame.claims)} episodes</p>"
    table = f"<table style='border-collapse:collapse;font-size:13px'>{''.join(lines)}</table>"
    return head + table + (note if more > 0 else "")


@solara.component
def Claims(frame: Frame):
    """Who fired first against what each side said, so far."""
    markup = solara.use_memo(lambda: claims_html(frame), [frame])
    solara.HTML(tag="div", unsafe_innerHTML=markup, style="font-size:13px")
