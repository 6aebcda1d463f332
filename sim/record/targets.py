"""Calibration targets derived from the record — nothing typed by hand.

``python -m sim.record.targets [--seeds DIR]`` prints the record's timeline and the targets table; on a bad
record it prints ``error: <one line>`` to stderr and exits 2.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sim.common.process import command
from sim.record.loader import LOCAL_TZ, PUBLIC, SIDES, Claim, Event, Record, RecordError, TimeClaim, load_record
from sim.record.patterns import STATISTICS, record_episodes, summary_statistics


@dataclass(frozen=True)
class Targets:
    """What the simulator should reproduce, all derived from the record."""

    ceasefire: datetime  # ceasefire time used (public reporting)
    window_hours: float  # hours from the ceasefire to the end of the last violation's day
    statistics: dict[str, float]  # summary_statistics of the record's episodes in the window
    violation_hours: tuple[float, ...]  # start of each violation, hours after the ceasefire
    gaps_hours: tuple[float, ...]  # hours between consecutive violations
    flareup_killed: dict[str, int]  # side -> own killed per its own claim
    flareup_wounded: dict[str, int]  # side -> own wounded per its own claim
    flareup_killed_total: int
    flareup_wounded_total: int
    flareup_hours: float | None  # hours from the flare-up's (approximate) start to its end
    ceasefire_claims: tuple[TimeClaim, ...]  # every source's ceasefire time, unmerged

    def rows(self) -> list[tuple[str, str, str]]:
        """(target, value, how derived) for the table."""
        s = self.statistics
        out = [(k, _num(s[k]), STAT_NOTES[k]) for k in STATISTICS]
        out += [
            ("window_hours", _num(self.window_hours), "ceasefire to the end of the last violation's local day"),
            ("violation_hours", ", ".join(map(_num, self.violation_hours)), "each violation's earliest claimed time"),
            ("gaps_hours", ", ".join(map(_num, self.gaps_hours)) or "-", "between consecutive violations"),
        ]
        for side in SIDES:
            out.append((f"flareup_killed_{side}", str(self.flareup_killed.get(side, 0)), f"{side}'s own claim"))
        out.append(("flareup_killed_total", str(self.flareup_killed_total), "sum of both sides' own claims"))
        for side in SIDES:
            out.append((f"flareup_wounded_{side}", str(self.flareup_wounded.get(side, 0)), f"{side}'s own claim"))
        out.append(("flareup_wounded_total", str(self.flareup_wounded_total), "sum of both sides' own claims"))
        out.append(
            (
                "flareup_hours",
                _num(self.flareup_hours) if self.flareup_hours is not None else "-",
                "flare-up start (approximate) to its end",
            )
        )
        for c in self.ceasefire_claims:
            out.append(
                (
                    f"ceasefire [{_tag(c.source)}]",
                    _clock(c.start, c.time_approx, date_only=c.time is None),
                    f"as stated: {c.as_stated}",
                )
            )
        return out


STAT_NOTES = {
    "n_violations": "violations starting in the window",
    "n_with_casualties": "violations with any killed or wounded",
    "killed_ARM": "ARM's own claims; not stated = 0",
    "killed_AZE": "AZE's own claims; not stated = 0",
    "wounded_ARM": "ARM's own claims; not stated = 0",
    "wounded_AZE": "AZE's own claims; not stated = 0",
    "max_tier": "heaviest weapon tier in any claim",
    "first_violation_hours": "ceasefire to the first violation",
    "mean_gap_hours": "mean hours between violations",
    "both_blame_share": "share where each side blames the other",
    "retaliation_share": "share where a side says it retaliated",
    "returned_to_war_scale": "1 if >= 100 killed within 48 h",
}


def record_window_hours(record: Record, ceasefire: datetime) -> float:
    """Hours from ``ceasefire`` to local midnight ending the day of the last violation (340 h in 2022)."""
    last = max(ev.start for ev in record.violations())
    end = datetime.combine(last.astimezone(LOCAL_TZ).date() + timedelta(days=1), time(0), LOCAL_TZ)
    return (end - ceasefire).total_seconds() / 3600.0


def derive_targets(record: Record, ceasefire_source: str = PUBLIC) -> Targets:
    """Derive the calibration targets from ``record`` (ceasefire time per ``ceasefire_source``)."""
    flare = [e for e in record.events if e.kind == "flare_up"]
    if not flare:
        raise RecordError("events.yaml", "-", "kind", "no flare_up event; the targets need the flare-up's losses")
    if not record.violations():
        raise RecordError("events.yaml", "-", "kind", "no violation event; the targets need at least one")
    t0 = record.ceasefire_time(ceasefire_source)
    window = record_window_hours(record, t0)
    episodes = record_episodes(record, t0)
    starts = tuple(e.start_hours for e in episodes)
    losses = record.flareup_losses()
    f = flare[0]
    return Targets(
        ceasefire=t0,
        window_hours=window,
        statistics=summary_statistics(episodes, window_hours=window),
        violation_hours=starts,
        gaps_hours=tuple(b - a for a, b in zip(starts, starts[1:])),
        flareup_killed={s: k for s, (k, _) in losses.items()},
        flareup_wounded={s: w for s, (_, w) in losses.items()},
        flareup_killed_total=sum(k for k, _ in losses.values()),
        flareup_wounded_total=sum(w for _, w in losses.values()),
        flareup_hours=(f.end - f.start).total_seconds() / 3600.0 if f.end and f.start else None,
        ceasefire_claims=record.ceasefire_claims(),
    )


# --- printing -----------------------------------------------------------------------------------


def _num(x: float) -> str:
    return f"{x:g}"


def _tag(source: str) -> str:
    """Short tag: '000' for an article file name, the text otherwise."""
    return source[:3] if source != PUBLIC else "public"


def _clock(t: datetime | None, approx: bool = False, date_only: bool = False) -> str:
    """'2022-09-14 20:00+04:00' ('~' prefix if approximate; the date alone if ``date_only``)."""
    if t is None:
        return "-"
    if date_only:
        return f"{t.date()} (date only)"
    return ("~" if approx else "") + t.isoformat(sep=" ", timespec="minutes")


def _hhmm(t: datetime | None, approx: bool) -> str:
    """'07:40' local ('~' prefix if approximate), '-' if no time."""
    return ("~" if approx else "") + t.strftime("%H:%M") if t else "-"


def _claim_text(c: Claim) -> str:
    parts = [f"{c.fired_first} fired first" if c.fired_first else "first fire not stated"]
    parts.append(f"at {c.location}" + (f" [{', '.join(c.sectors)}]" if c.sectors else " [sector unknown]"))
    if c.weapons:
        parts.append(f"with {c.weapons_as_named} (tier {c.tier})")
    if c.duration_hours is not None:
        parts.append(f"for {_num(c.duration_hours)} h")
    losses = [f"{n} {what}" for n, what in ((c.own_killed, "killed"), (c.own_wounded, "wounded")) if n is not None]
    parts.append("own " + " and ".join(losses) if losses else "own losses not stated")
    if c.enemy_killed is not None:
        parts.append(f"claims ~{c.enemy_killed} killed on the other side")
    parts.append({True: "says it retaliated", False: "says it did not retaliate", None: ""}[c.retaliated])
    return f"{c.side} ({c.claimant}): " + "; ".join(p for p in parts if p)


def _event_rows(e: Event) -> list[tuple[str, str, str, str, str]]:
    day = f"{e.date}{'~' if e.date_approx else ''}" if e.date else "-"
    clock = _hhmm(e.time, e.time_approx)
    who = f"{e.mediator}: " if e.mediator else (f"{e.side}: " if e.side else "")
    when = f" ({e.when_as_stated})" if e.when_as_stated else ""
    rows = [(day, clock, e.kind, who + e.summary + when, ", ".join(map(_tag, e.sources)))]
    for c in e.claims:
        rows.append(("", _hhmm(c.time, c.time_approx), "  claim", _claim_text(c), _tag(c.source)))
    for c in e.time_claims:
        rows.append(
            (
                str(c.date),
                _hhmm(c.time, c.time_approx),
                "  claim",
                f"ceasefire time as stated: {c.as_stated}",
                _tag(c.source),
            )
        )
    return rows


def format_report(record: Record, targets: Targets) -> str:
    """The timeline and the targets table as text."""
    lines = ["Timeline (local time, UTC+04:00; ~ = approximate; - = not stated)", ""]
    head = ("date", "time", "kind", "who / what", "source")
    rows = [r for e in record.events for r in _event_rows(e)]
    w = [max(len(r[i]) for r in [head, *rows]) for i in range(3)]
    for r in [head, *rows]:
        lines.append(f"{r[0]:<{w[0]}}  {r[1]:<{w[1]}}  {r[2]:<{w[2]}}  {r[3]}  [{r[4]}]")
    sources = sorted({s for e in record.events for s in e.sources if s != PUBLIC})
    lines += ["", "Sources: " + "; ".join(f"{_tag(s)} = {s}" for s in sources) + f"; public = {PUBLIC}", ""]
    lines += [
        f"Targets (window: ceasefire {_clock(targets.ceasefire)} + {_num(targets.window_hours)} h; "
        "casualties are each side's own claims, not stated = 0)",
        "",
    ]
    trows = targets.rows()
    w = [max(len(r[i]) for r in trows) for i in range(2)]
    lines += [f"{a:<{w[0]}}  {b:>{w[1]}}  {c}" for a, b, c in trows]
    return "\n".join(lines) + "\n"


@command
def main(argv: list[str] | None = None) -> int:
    """CLI entry: print the timeline and the targets; exit 2 with one line on a bad record."""
    ap = argparse.ArgumentParser(prog="python -m sim.record.targets", description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", metavar="DIR", default=None, help="seeds directory (default: <repo>/seeds)")
    args = ap.parse_args(argv)
    try:
        record = load_record(args.seeds)
        targets = derive_targets(record)
    except RecordError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(format_report(record, targets))
    return 0


if __name__ == "__main__":
    sys.exit(main())
