"""A sweep folder's survival curves, heatmap and Cox table; two sweeps compared side by side.

Nothing here is computed twice: a sweep is read by :func:`sim.sweep.aggregate.read_sweep` and drawn by
:mod:`sim.sweep.plots` and :mod:`sim.sweep.hazards` (the files ``python -m sim.sweep`` writes), and two
are compared by :func:`sim.sweep.compare.compare`, printed by :func:`sim.sweep.compare.format_table` and
drawn by ``ceasefire-compare``'s two figures: what ``ceasefire-compare A B`` computes, with its default
bootstrap seed and resamples, without writing files. A folder that is not a sweep, or two that cannot be
compared, give the commands' own one line."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import solara

from sim.dashboard.messages import error_line

SWEEPS_ROOT = "multirun"  # where ceasefire-sim -m writes, under the folder the page was started from
MAX_DEPTH = 3  # multirun/<date>/<time>/multirun.yaml


def find_sweeps(root: str | Path, max_depth: int = MAX_DEPTH) -> list[str]:
    """The sweep folders (holding ``multirun.yaml``) under ``root``, newest first, as paths to type."""
    from sim.common.files import display_path
    from sim.sweep import MULTIRUN_FILE

    root = Path(root)
    found: list[Path] = []
    if not root.is_dir():
        return []
    for folder, subfolders, files in os.walk(root, followlinks=True):
        depth = len(Path(folder).relative_to(root).parts)
        if MULTIRUN_FILE in files:
            found.append(Path(folder))
            subfolders[:] = []  # a sweep's job folders are not sweeps
        elif depth >= max_depth:
            subfolders[:] = []
        else:
            subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
    found.sort(key=lambda p: ((p / MULTIRUN_FILE).stat().st_mtime, str(p)), reverse=True)
    return [display_path(p) for p in found]


@dataclass(frozen=True)
class OpenedSweep:
    """One sweep as ``python -m sim.sweep`` summarises it."""

    path: str
    headline: str  # "sweep: 12 jobs over observer.strength (4) x mediation.intensity (3); 12 finished"
    survival: bytes | None  # sweep_survival.png
    heatmap: bytes | None  # sweep_heatmap.png (None with fewer than two swept parameters)
    cox_text: str  # the Cox table as the command prints it
    cox: bytes | None  # sweep_cox.png (None when no hazard ratio could be estimated)
    unfinished: tuple[str, ...]  # one line per job that did not finish


def open_sweep(path: str) -> OpenedSweep:
    """Read and draw the sweep folder ``path``; raise :class:`sim.sweep.aggregate.SweepError` if it is not one."""
    from sim.sweep.aggregate import read_sweep
    from sim.sweep.hazards import cox_table, format_cox
    from sim.sweep.plots import cox_png, heatmap_png, survival_png

    sweep = read_sweep(path)
    n, done = len(sweep.jobs), len(sweep.finished)
    over = " x ".join(f"{k} ({len(sweep.levels[k])})" for k in sweep.params) or "no swept parameter"
    headline = f"sweep: {n} job{'s' if n != 1 else ''} over {over}; {done} finished"
    table = cox_table(sweep)
    unfinished = tuple(
        f"{j.name or f'job {j.index}'} ({j.label(sweep.params)}): {j.status}: {j.error}" for j in sweep.failed
    )
    return OpenedSweep(
        str(path),
        headline,
        survival_png(sweep),
        heatmap_png(sweep),
        format_cox(table) if sweep.finished else "",
        cox_png(table, sweep=sweep),
        unfinished,
    )


@dataclass(frozen=True)
class ComparedSweeps:
    """Two sweeps as ``ceasefire-compare A B`` compares them (its table and its two figures)."""

    table: str
    survival: bytes  # compare_survival.png
    medians: bytes  # compare_medians.png


def compare_sweeps(path_a: str, path_b: str) -> ComparedSweeps:
    """``ceasefire-compare A B`` (default seed and resamples) without writing; raise its CompareError."""
    from sim.sweep.compare import DEFAULT_RESAMPLES, compare, format_table, medians_png, survival_png

    seed = 0  # ceasefire-compare's default --seed
    a, b, pairs = compare(path_a, path_b, seed=seed, resamples=DEFAULT_RESAMPLES)
    return ComparedSweeps(
        format_table(a, b, pairs, seed, DEFAULT_RESAMPLES), survival_png(a, b, pairs), medians_png(a, b, pairs)
    )


def open_safely(path: str) -> OpenedSweep | str | None:
    """:func:`open_sweep`, or the one-line error; None for no folder given. Never raises."""
    if not path.strip():
        return None
    try:
        return open_sweep(path.strip())
    except Exception as e:  # noqa: BLE001 -- the page shows one line, never a traceback
        return error_line(e, "reading the sweep")


def compare_safely(path_a: str, path_b: str) -> ComparedSweeps | str | None:
    """:func:`compare_sweeps`, or its one-line error; None unless both folders are given. Never raises."""
    if not (path_a.strip() and path_b.strip()):
        return None
    try:
        return compare_sweeps(path_a.strip(), path_b.strip())
    except Exception as e:  # noqa: BLE001
        return error_line(e, "ceasefire-compare")


@solara.component
def Picture(png: bytes | None, missing: str):
    """A PNG, or why there is none."""
    if png is None:
        solara.Text(missing, style="color: dimgrey")
    else:
        solara.Image(png, width="100%")


@solara.component
def SweepPanel(task, name: str):
    """One opened sweep: its headline, curves, heatmap and Cox table (or its one-line error)."""
    if task.pending:
        solara.ProgressLinear(True)
        solara.Text(f"reading sweep {name} ...")
        return
    value = task.value if task.finished else None
    if value is None:
        return
    if isinstance(value, str):
        solara.Error(value)
        return
    solara.Text(f"{name}: {value.path}", style="font-weight: bold")
    solara.Text(value.headline)
    for line in value.unfinished:
        solara.Warning(line)
    Picture(value.survival, "no job finished: no survival curves")
    Picture(value.heatmap, "one swept parameter: no heatmap (it takes two)")
    if value.cox_text:
        solara.Preformatted(value.cox_text, style_="font-size: 11px; overflow-x: auto")
    Picture(value.cox, "no hazard ratio could be estimated")


@solara.component
def SweepsView():
    """Open a sweep from multirun/ (A), and optionally a second (B) to compare with it."""
    root = solara.use_reactive(SWEEPS_ROOT)
    path_a = solara.use_reactive("")
    path_b = solara.use_reactive("")
    found = solara.use_memo(lambda: find_sweeps(root.value), [root.value])
    task_a = solara.lab.use_task(lambda: open_safely(path_a.value), dependencies=[path_a.value])
    task_b = solara.lab.use_task(lambda: open_safely(path_b.value), dependencies=[path_b.value])
    task_ab = solara.lab.use_task(
        lambda: compare_safely(path_a.value, path_b.value), dependencies=[path_a.value, path_b.value]
    )
    with solara.Column():
        solara.Text(
            "Open a sweep folder written by 'ceasefire-sim -m ...' (A); open a second (B) to compare them "
            "as ceasefire-compare does. Type a folder and press Enter, or pick one found below."
        )
        with solara.Row():
            solara.InputText("sweep A (folder)", value=path_a, continuous_update=False)
            solara.InputText("sweep B (folder, to compare)", value=path_b, continuous_update=False)
        with solara.Row(style="align-items: center; flex-wrap: wrap"):
            solara.InputText("look for sweeps in", value=root, continuous_update=False)
            solara.Text(f"{len(found)} sweep folder{'s' if len(found) != 1 else ''} found" + (":" if found else ""))
        for folder in found[:12]:
            with solara.Row(style="align-items: center"):
                solara.Button("A", small=True, on_click=lambda f=folder: path_a.set(f))
                solara.Button("B", small=True, on_click=lambda f=folder: path_b.set(f))
                solara.Text(folder)
        if path_a.value.strip() and path_b.value.strip():
            if task_ab.pending:
                solara.ProgressLinear(True)
                solara.Text("comparing (ceasefire-compare) ...")
            elif task_ab.finished and isinstance(task_ab.value, str):
                solara.Error(task_ab.value)
            elif task_ab.finished and task_ab.value is not None:
                solara.Preformatted(task_ab.value.table, style_="font-size: 11px; overflow-x: auto")
                solara.Image(task_ab.value.survival, width="100%")
                solara.Image(task_ab.value.medians, width="100%")
        with solara.Columns([1, 1] if path_b.value.strip() else [1]):
            SweepPanel(task_a, "A")
            if path_b.value.strip():
                SweepPanel(task_b, "B")
