"""The exploration's outputs: results and indices as CSV, the PRIM boxes, the plots and ``report.md``.

All of them are a function of the exploration's folder (its manifest, design and chunk files) and its
settings, so the same seed gives the same bytes whatever ran the chunks; nothing here records a time or
a machine (``run.json`` does that). Every file says what produced it: the CSV files carry the exploration's
id (and the code version and record digest where they are small), the plots' titles and the report name
the id, sizes, seeds, range source and code version; ``explore.json`` holds the rest.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from explore import store
from explore.discovery import TARGETS, Box, find_box, interest
from explore.indices import Sensitivity, analyse
from explore.inputs import LEVER
from explore.outcomes import BY_NAME, NAMES
from explore.plan import Plan, from_manifest
from explore.settings import ExploreConfig
from sim.common.files import write_atomic

RESULTS_FILE = "results.csv"
INDICES_FILE = "indices.csv"
BOXES_FILE = "boxes.csv"
LIMITS_FILE = "box_limits.csv"
REPORT_FILE = "report.md"
INDICES_PLOT = "indices.png"
TOP = 3  # the inputs the interval-width check looks at
CI_TARGET = 0.1  # widest total-index interval allowed among the top three (the benchmark)


@dataclass
class Results:
    """An exploration read back from its folder: its manifest, plan, design values and outcomes."""

    manifest: dict
    plan: Plan
    values: np.ndarray  # (points, inputs)
    per_run: dict[str, np.ndarray]  # outcome -> (points, replications): every run's value
    means: dict[str, np.ndarray]  # outcome -> (points,): each point's mean over its runs (summed exactly)
    sds: dict[str, np.ndarray]  # outcome -> (points,): the replication standard deviation
    code_versions: list[str]  # of the manifest and of every invocation that ran chunks (run.json)


def read_results(folder: Path) -> tuple[Results | None, list[tuple[tuple[int, int], str]]]:
    """The exploration in ``folder`` and its chunks that did not finish, each with why (its one-line error,
    or ``not run``); the results are None unless every chunk finished."""
    from explore.design import read_design_array, read_design_rows
    from explore.outcomes import summarize

    manifest = store.read_manifest(folder)
    plan = from_manifest(manifest)
    ranges = store.chunk_ranges(plan.points, plan.chunk_size)
    missing, parts = [], []
    for start, stop in ranges:
        try:
            parts.append(
                store.read_chunk(store.chunk_path(folder, start, stop), start, stop, plan.replications, len(NAMES))
            )
        except (OSError, ValueError):
            missing.append(((start, stop), store.read_failure(folder, start, stop) or "not run"))
    if missing:
        return None, missing
    per_run = np.concatenate(parts, axis=0)
    names = [i.name for i in plan.inputs]
    values = read_design_rows((Path(folder) / store.DESIGN).read_bytes(), names, 0, plan.points)
    if not np.array_equal(values, read_design_array((Path(folder) / store.DESIGN_ARRAY).read_bytes(), len(names))):
        raise ValueError(f"{store.DESIGN} and {store.DESIGN_ARRAY} hold different designs")
    means, sds = summarize(per_run)
    versions = {manifest.get("code_version", "unknown")}
    versions |= {
        str(e["code_version"]) for e in store.invocations(folder) if e.get("chunks_run") and "code_version" in e
    }
    return (
        Results(
            manifest,
            plan,
            values,
            {o: per_run[:, :, k] for k, o in enumerate(NAMES)},
            {o: means[:, k] for k, o in enumerate(NAMES)},
            {o: sds[:, k] for k, o in enumerate(NAMES)},
            sorted(versions),
        ),
        [],
    )


@dataclass
class Analysis:
    """What the report says: the indices and the boxes."""

    sensitivity: Sensitivity
    boxes: tuple[Box, ...]


def analyse_results(r: Results, cfg: ExploreConfig) -> Analysis:
    """Indices of every outcome and a PRIM box for each target."""
    p = r.plan
    s, d = cfg.sensitivity, cfg.discovery
    unit = p.design().unit() if p.method == "morris" else None
    sens = analyse(
        p.method, p.inputs, r.per_run, s.resamples, s.conf_level, p.seed, unit, p.morris_levels, s.stream_resamples
    )
    boxes = tuple(
        find_box(
            t,
            p.inputs,
            r.values,
            r.means["collapsed"],
            d.hold_share,
            d.fail_share,
            d.min_density,
            d.max_dims,
            d.peel_alpha,
            d.mass_min,
        )
        for t in TARGETS
    )
    return Analysis(sens, boxes)


# --- CSV files ------------------------------------------------------------------------------------------------


def _g(v: float) -> str:
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.6g}"


def _f3(v: float) -> str:
    """A spread for the report: 3 decimals, or - when it could not be estimated (one replication)."""
    return "-" if math.isnan(v) else f"{v:.3f}"


def _csv(header: Sequence[str], rows: Sequence[Sequence]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode()


def results_csv(r: Results) -> bytes:
    """One row per design point: its inputs, runs, each outcome's mean and replication sd, the exploration id."""
    names = [i.name for i in r.plan.inputs]
    header = ["point", *names, "runs"]
    for o in NAMES:
        header += [o, f"{o}_sd"]
    header.append("explore_id")
    rows = []
    for k in range(r.plan.points):
        row = [k, *(_g(v) for v in r.values[k]), r.plan.replications]
        for o in NAMES:
            row += [_g(float(r.means[o][k])), _g(float(r.sds[o][k]))]
        rows.append([*row, r.manifest["id"]])
    return _csv(header, rows)


def _provenance(r: Results) -> list[str]:
    return [r.manifest["id"], r.manifest.get("code_version", ""), r.manifest["record_sha256"]]


def indices_csv(r: Results, a: Analysis) -> bytes:
    """One row per outcome and input: the indices with their interval limits, the outcome's noise share."""
    sens, prov = a.sensitivity, _provenance(r)
    tail = ["explore_id", "code_version", "record_sha256"]
    if sens.method == "sobol":
        header = [
            "outcome", "input", "role", "S1", "S1_low", "S1_high", "ST", "ST_low", "ST_high",
            "S1_stream_sd", "ST_stream_sd", "ST_all_low", "ST_all_high", "noise_share",
        ]  # fmt: skip
        rows = [
            [
                i.outcome,
                i.input,
                i.role,
                _g(i.s1),
                _g(i.s1 - i.s1_conf),
                _g(i.s1 + i.s1_conf),
                _g(i.st),
                _g(i.st - i.st_conf),
                _g(i.st + i.st_conf),
                _g(i.s1_stream_sd),
                _g(i.st_stream_sd),
                _g(i.st - i.st_all_conf),
                _g(i.st + i.st_all_conf),
                _g(sens.noise_of(i.outcome).share),
                *prov,
            ]
            for o in NAMES
            for i in sens.ranked(o)
        ]
    else:
        header = [
            "outcome", "input", "role", "mu_star", "mu_star_low", "mu_star_high", "mu", "sigma",
            "mu_star_stream_sd", "noise_share",
        ]  # fmt: skip
        rows = [
            [
                i.outcome,
                i.input,
                i.role,
                _g(i.mu_star),
                _g(i.mu_star - i.mu_star_conf),
                _g(i.mu_star + i.mu_star_conf),
                _g(i.mu),
                _g(i.sigma),
                _g(i.mu_star_stream_sd),
                _g(sens.noise_of(i.outcome).share),
                *prov,
            ]
            for o in NAMES
            for i in sens.screened(o)
        ]
    return _csv([*header, *tail], rows)


def boxes_csv(r: Results, a: Analysis) -> bytes:
    """Every step of each target's peeling trajectory, the chosen one marked."""
    header = [
        "target",
        "step",
        "coverage",
        "density",
        "mass",
        "res_dim",
        "points",
        "of_interest",
        "chosen",
        "explore_id",
    ]
    rows = [
        [
            b.target,
            s.index,
            _g(s.coverage),
            _g(s.density),
            _g(s.mass),
            s.res_dim,
            s.n,
            s.k,
            int(s.index == b.chosen),
            r.manifest["id"],
        ]
        for b in a.boxes
        for s in b.trajectory
    ]
    return _csv(header, rows)


def limits_csv(r: Results, a: Analysis) -> bytes:
    """The chosen boxes' limits, one row per restricted input, in words too."""
    header = [
        "target",
        "input",
        "role",
        "lo",
        "hi",
        "lo_restricted",
        "hi_restricted",
        "qp_lo",
        "qp_hi",
        "text",
        "explore_id",
    ]
    rows = [
        [
            b.target,
            x.input.name,
            x.input.role,
            _g(x.lo),
            _g(x.hi),
            int(x.lo_restricted),
            int(x.hi_restricted),
            _g(x.qp_lo),
            _g(x.qp_hi),
            x.text(),
            r.manifest["id"],
        ]
        for b in a.boxes
        for x in b.limits
    ]
    return _csv(header, rows)


# --- the plots and the report ------------------------------------------------------------------------------------


def plot_files(r: Results, a: Analysis) -> dict[str, bytes]:
    """Every plot, by file name."""
    from explore import plots

    files = {INDICES_PLOT: plots.indices_png(a.sensitivity, r.plan.inputs, NAMES, r.manifest)}
    for b in a.boxes:
        if b.step is None:
            continue
        files[f"prim_{b.target}_tradeoff.png"] = plots.tradeoff_png(b, r.manifest)
        if b.limits:
            files[f"prim_{b.target}_box.png"] = plots.box_png(b, r.manifest)
            y = _interest(b, r.means["collapsed"])
            files[f"prim_{b.target}_pairs.png"] = plots.pairs_png(b, r.plan.inputs, r.values, y, r.manifest)
    return files


def _interest(b: Box, collapsed: np.ndarray) -> np.ndarray:
    return interest(b.target, collapsed, b.threshold, b.threshold)[0]


def top_widths(sens: Sensitivity, outcome: str) -> list[float]:
    """The widths of the total-index intervals of an outcome's top three inputs."""
    return [i.st_width for i in sens.ranked(outcome)[:TOP]]


def report_md(r: Results, a: Analysis, cfg: ExploreConfig, plots: Sequence[str]) -> str:
    """``report.md``: what was explored, how much is noise, what drives each outcome, where the ceasefire
    holds and where it fails, and which files hold what."""
    p, m, sens = r.plan, r.manifest, a.sensitivity
    lines = [
        f"# What makes this ceasefire hold: exploration {m['id']}",
        "",
        _provenance_text(m, r.code_versions),
        "",
        "## The design",
        "",
        _design_text(p),
        "",
        "| input | role | range | scale | range from | unit |",
        "|---|---|---|---|---|---|",
    ]
    for i in p.inputs:
        lines.append(
            f"| `{i.name}` | {i.role} | {i.value_text(i.lo)} – {i.value_text(i.hi)} | {i.scale} | {i.range_from} "
            f"| {i.unit} |"
        )
    lines += [
        "",
        _base_text(p),
        "",
        "## How much is noise",
        "",
        _noise_text(p),
        "",
        "| outcome | unit | mean over the design | variance over the design | noise share |",
        "|---|---|---|---|---|",
    ]
    for o in NAMES:
        n = sens.noise_of(o)
        share = f"{n.share:.1%}" if math.isfinite(n.share) else "- (constant)"
        if math.isfinite(n.share) and n.share >= 1:
            share += " (no more variance than noise)"
        lines.append(
            f"| {BY_NAME[o].label} | {BY_NAME[o].unit} | {float(np.mean(r.means[o])):.4g} | {n.variance:.4g} "
            f"| {share} |"
        )
    lines += [
        "",
        _sensitivity_section(r, a, cfg.sensitivity.conf_level),
        "",
        _discovery_section(r, a, cfg, plots),
        "",
        _files_section(plots),
    ]
    return "\n".join(lines).rstrip() + "\n"


def _provenance_text(m: dict, code_versions: Sequence[str]) -> str:
    posterior = f"; posterior sha256 {m['posterior_sha256'][:16]}" if m.get("posterior_sha256") else ""
    return (
        f"Produced by `ceasefire-explore` ({' and '.join(code_versions)}); exploration id `{m['id']}` (sha256 of "
        f"its settings, inputs, base parameters and design: `explore.json`); design sha256 {m['design_sha256'][:16]}; "
        f"incident record sha256 {m['record_sha256'][:16]}{posterior}."
    )


def _design_text(p: Plan) -> str:
    n_lev = sum(1 for i in p.inputs if i.role == LEVER)
    if p.method == "sobol":
        how = (
            "Sobol design (Saltelli's scheme, EMA Workbench's sampler on SALib): "
            f"N = {p.n} base samples x ({len(p.inputs)} inputs + 2)"
        )
    else:
        how = f"Morris screening: {p.n} trajectories of {len(p.inputs) + 1} points on a {p.morris_levels}-level grid"
    return (
        f"{len(p.inputs)} inputs ({len(p.inputs) - n_lev} uncertainties, {n_lev} levers). {how} = {p.points:,} design "
        f"points, each run {p.replications} times for {p.horizon_days:g} days: {p.runs:,} runs. Replication r of every "
        f"point runs on the random stream `SeedSequence({p.seed}, spawn_key=(r,))` (common random numbers: replication "
        f"r of `ceasefire-sim seed={p.seed}`), so differences between points come from the inputs. "
        f"Design seed {p.seed}."
    )


def _base_text(p: Plan) -> str:
    rest = {k: v for k, v in p.base_config.items() if k != "scenario"}
    set_text = ", ".join(f"`{k}={v}`" for k, v in rest.items())
    sectors = ", ".join(p.sectors)
    return (
        f"Everything not explored is as in scenario `{p.base_config.get('scenario')}`"
        + (f", with {set_text}" if set_text else "")
        + f" (docs/ODD.md). `observer.sectors` counts the sectors covered, most contested first: {sectors}."
    )


def _noise_text(p: Plan) -> str:
    return (
        f"A design point's outcome is a mean over {p.replications} runs. The noise share is the mean over the design "
        f"of (replication variance / {p.replications}) divided by the outcome's variance over the design: the part "
        "of that variance the inputs do not explain and more replications would shrink. An index at or below it "
        "cannot be told from noise."
    )


def _sensitivity_section(r: Results, a: Analysis, conf_level: float) -> str:
    sens = a.sensitivity
    if sens.method == "morris":
        return _morris_section(r, a)
    out = [
        "## What drives each outcome: Sobol indices",
        "",
        "S1: the share of the outcome's variance over the design an input explains alone; ST: the share it has a "
        "hand in, interactions included (ST - S1 is its part in interactions). Inputs in order of ST. Two "
        f"{conf_level:.0%} intervals: SALib's bootstrap over the base samples (estimate +- z x bootstrap sd), and "
        f"one that also counts the replications' streams (every point ran the same {r.plan.replications}; another "
        "seed would move every index: its standard deviation over the streams, estimated by split halves, is the "
        "*stream sd*).",
        "",
        f"![Sobol indices]({INDICES_PLOT})",
    ]
    for o in NAMES:
        out += ["", f"### {BY_NAME[o].label} ({BY_NAME[o].unit})", ""]
        if o in sens.constant:
            out.append("Constant over the design: no variance to apportion.")
            continue
        ranked = sens.ranked(o)
        noise = sens.noise_of(o).share
        top = ", ".join(
            f"`{i.input}` (ST {i.st:.2f} [{i.st - i.st_conf:.2f}, {i.st + i.st_conf:.2f}])" for i in ranked[:TOP]
        )
        widths = top_widths(sens, o)
        widest_all = max(2 * i.st_all_conf for i in ranked[:TOP])
        out.append(
            f"Top {TOP}: {top}. Widest of their ST intervals over the base samples: {max(widths):.3f} "
            f"({'narrower' if max(widths) < CI_TARGET else 'not narrower'} than {CI_TARGET}); counting the streams "
            f"too: {widest_all:.3f}."
        )
        weak = [i.input for i in ranked if i.st <= noise]
        if weak:
            out.append(
                f"At or below the noise share ({noise:.1%}), not told from noise: {', '.join(f'`{w}`' for w in weak)}."
            )
        out += [
            "",
            "| input | role | S1 | S1 interval | ST | ST interval | stream sd | ST interval, with the streams |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for i in ranked:
            out.append(
                f"| `{i.input}` | {i.role} | {i.s1:.3f} | [{i.s1 - i.s1_conf:.3f}, {i.s1 + i.s1_conf:.3f}] "
                f"| {i.st:.3f} | [{i.st - i.st_conf:.3f}, {i.st + i.st_conf:.3f}] | {_f3(i.st_stream_sd)} "
                f"| [{i.st - i.st_all_conf:.3f}, {i.st + i.st_all_conf:.3f}] |"
            )
    return "\n".join(out)


def _morris_section(r: Results, a: Analysis) -> str:
    sens = a.sensitivity
    out = [
        "## What drives each outcome: Morris screening",
        "",
        "mu*: the mean absolute change of the outcome over one step of an input's range (a quarter of it on a "
        "4-level grid); sigma: how much that change varies (non-linearity, interactions). A screening ranks inputs; "
        "it does not apportion variance (run `exploration=default` for Sobol indices).",
        "",
        f"![Morris screening]({INDICES_PLOT})",
    ]
    for o in NAMES:
        out += ["", f"### {BY_NAME[o].label} ({BY_NAME[o].unit})", ""]
        if o in sens.constant:
            out.append("Constant over the design: nothing to screen.")
            continue
        out += [
            "| input | role | mu* | mu* interval | stream sd | mu | sigma |",
            "|---|---|---|---|---|---|---|",
        ]
        for i in sens.screened(o):
            out.append(
                f"| `{i.input}` | {i.role} | {i.mu_star:.4g} | [{i.mu_star - i.mu_star_conf:.4g}, "
                f"{i.mu_star + i.mu_star_conf:.4g}] | {_f3(i.mu_star_stream_sd)} | {i.mu:.4g} | {i.sigma:.4g} |"
            )
    return "\n".join(out)


def _discovery_section(r: Results, a: Analysis, cfg: ExploreConfig, plots: Sequence[str]) -> str:
    d = cfg.discovery
    out = [
        "## Where the ceasefire holds, and where it fails: PRIM boxes",
        "",
        "Coverage: the share of all points of interest inside the box; density: the share of the box's points that "
        "are of interest; mass: the share of all design points inside it. The box shown is the step of PRIM's "
        f"peeling trajectory with the largest coverage among those with at most {d.max_dims} limits and a density "
        f"of at least {d.min_density:.0%}, and at least halfway from the whole space's density to 100% (the box "
        "leaves out at least half of the points not of interest). Quasi-p values (qp) above 0.05 mark limits that "
        "may be chance.",
    ]
    for b in a.boxes:
        out += [
            "",
            f"### {b.question}",
            "",
            f"{b.cases:,} of {b.points:,} design points are of interest.",
            "",
            b.words(),
        ]
        if b.limits:
            levers, conditions = b.split()
            if levers:
                out.append(f"Levers (what policy sets): {'; '.join(x.text() for x in levers)}.")
            if conditions:
                out.append(f"Conditions (what nobody controls): {'; '.join(x.text() for x in conditions)}.")
            weak = [x.input.name for x in b.limits if not x.significant]
            if weak:
                out.append(f"Limits that may be chance (qp >= 0.05): {', '.join(f'`{w}`' for w in weak)}.")
            out += ["", "| input | role | low | high | qp low | qp high |", "|---|---|---|---|---|---|"]
            for x in b.limits:
                qlo = f"{x.qp_lo:.2g}" if x.qp_lo is not None else "-"
                qhi = f"{x.qp_hi:.2g}" if x.qp_hi is not None else "-"
                lo = x.input.value_text(x.lo) if x.lo_restricted else "-"
                hi = x.input.value_text(x.hi) if x.hi_restricted else "-"
                out.append(f"| `{x.input.name}` | {x.input.role} | {lo} | {hi} | {qlo} | {qhi} |")
        for kind in ("tradeoff", "box", "pairs"):
            name = f"prim_{b.target}_{kind}.png"
            if name in plots:
                out += ["", f"![PRIM {kind}, {b.target}]({name})"]
    return "\n".join(out)


def _files_section(plots: Sequence[str]) -> str:
    return "\n".join(
        [
            "## Files",
            "",
            f"- `{RESULTS_FILE}`: one row per design point: its inputs, runs, each outcome's mean and replication sd;",
            f"- `{INDICES_FILE}`: every outcome's indices with their intervals and noise share;",
            f"- `{BOXES_FILE}`: each PRIM peeling trajectory (the chosen step marked);",
            f"- `{LIMITS_FILE}`: the chosen boxes' limits;",
            "- `explore.json`: the exploration's identity: settings, inputs, base parameters, digests;",
            f"- plots: {', '.join(f'`{p}`' for p in plots)}.",
        ]
    )


def output_files(r: Results, a: Analysis, cfg: ExploreConfig) -> dict[str, bytes]:
    """Every output file, by name (``report.md`` last)."""
    plots = plot_files(r, a) if cfg.plots else {}
    files: dict[str, bytes] = {
        RESULTS_FILE: results_csv(r),
        INDICES_FILE: indices_csv(r, a),
        BOXES_FILE: boxes_csv(r, a),
        LIMITS_FILE: limits_csv(r, a),
        **plots,
    }
    files[REPORT_FILE] = report_md(r, a, cfg, list(plots)).encode()
    return files


def write_outputs(folder: Path, files: dict[str, bytes]) -> None:
    """Write every file into the folder, each to a temporary name then renamed; plots of an earlier analysis
    that this one did not draw are removed."""
    for stale in Path(folder).glob("prim_*.png"):
        if stale.name not in files:
            stale.unlink(missing_ok=True)
    for name, data in files.items():
        write_atomic(Path(folder) / name, data)
