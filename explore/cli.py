"""The ``ceasefire-explore`` command: a Hydra app whose jobs are chunks of design points.

``main()`` checks the command line first (:func:`preflight`: one line on stderr and exit 2 on bad input,
before anything is written), then:

1. claims the exploration folder (``hydra.sweep.dir``) and writes its manifest and design
   (:mod:`explore.store`); a folder holding this exploration already keeps its finished chunks;
2. launches the chunks not finished yet as the jobs of a Hydra multirun (``chunk=3,4,7,...``) through the
   configured launcher -- joblib on every core by default, as ``ceasefire-sim -m`` sweeps run;
   ``hydra/launcher=submitit_slurm`` sends them to a SLURM cluster, ``submitit_local`` to local
   subprocesses -- while a thread reports progress (:mod:`explore.progress`);
3. reads every chunk back, computes the indices and the PRIM boxes, and writes the report, the CSV files
   and the plots (:mod:`explore.report`); ``publish=true`` copies them into ``explore/results/``.

A job (:func:`run_chunk`) runs one chunk (:func:`explore.evaluate.evaluate_chunk`); an exception becomes the
chunk's ``.failed.json`` and one line, the other jobs go on, and the command names the chunks that did not
finish and exits 1; the same command runs only those again. Ctrl-C or SIGTERM: exit 130, finished chunks kept.
"""

from __future__ import annotations

import gzip
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import hydra
from omegaconf import DictConfig, OmegaConf

from explore.settings import ExploreConfig
from sim.common import hydraconf
from sim.common.commands import INFO_FLAGS, checked, one_line, recorded_error_line, renamed_overrides, run_reported
from sim.common.files import display_path, kind, write_atomic
from sim.common.hydraconf import UsageError as UsageError  # the one UsageError of every command
from sim.common.process import command, prepare_workers, start_job
from sim.common.resources import CONF_DIR, ROOT
from sim.model.params import ParameterError

CONFIG_NAME = "explore"
GROUP = "exploration"
EXIT_USAGE, EXIT_FAILED, EXIT_INTERRUPTED = 2, 1, 130
MAIN_PID_ENV = "CEASEFIRE_EXPLORE_MAIN_PID"  # set by main(): the jobs' worker processes watch that process
RESULTS = ROOT / "explore" / "results"
"""The published results (``publish=true``): explore/results/ of the checkout or of the installed copy."""
PUBLISHED_DATA = ("report.md", "indices.csv", "boxes.csv", "box_limits.csv", "explore.json")


SCHEMA = hydraconf.Schema(
    tool="ceasefire-explore",
    root=ExploreConfig,
    groups={GROUP: "an exploration"},
    group_usage=f"{GROUP}=NAME",
    errors=(ParameterError,),
    no_option_text="{group}={name}: no such option",
    wrong_type_text="{key} has the wrong type: {value}; allowed: {allowed}",
)
"""ceasefire-explore's config for its messages (:class:`sim.common.hydraconf.Schema`)."""


def register_configs() -> None:
    """Register :class:`ExploreConfig` with Hydra's ConfigStore as ``explore_schema``."""
    from hydra.core.config_store import ConfigStore

    ConfigStore.instance().store(name="explore_schema", node=ExploreConfig)


def register_resolvers() -> None:
    """``${ceasefire_pid:}`` (unique run folders) and ``${ceasefire_options:GROUP}`` (the help text)."""
    from sim.common.commands import register_resolvers as register

    register(lambda group: sorted(p.stem for p in (CONF_DIR / group).glob("*.yaml")))


# --- preflight ---------------------------------------------------------------------------------------------


@dataclass
class Command:
    """A checked command line: the config, the plan and design, where it goes, and how the jobs run."""

    overrides: list[str]
    cfg: ExploreConfig
    plan: Any  # explore.plan.Plan
    design_csv: bytes
    design_npy: bytes
    folder: Path
    launcher: str  # the launcher's class, for run.json
    workers: Any  # hydra.launcher.n_jobs, if the launcher has one


def compose(overrides: Sequence[str]) -> DictConfig:
    """The config composed with ``overrides`` (with its hydra node); one-line :class:`UsageError` on failure."""
    register_configs()
    with hydraconf.composer(SCHEMA, CONFIG_NAME) as compose_job:
        return compose_job(list(overrides))


def options() -> list[str]:
    """The options of the ``exploration`` group (conf/exploration/)."""
    return SCHEMA.options(GROUP)


def _check_files(overrides: Sequence[str]) -> None:
    """Read the primary config and the chosen exploration file strictly (sim.common.yamlfile): a repeated key,
    binary content, deep nesting or a number no float can hold is one line naming the file."""
    from sim.common.yamlfile import YamlFileError, load

    choice = "default"
    for o in overrides:
        key, sep, value = o.lstrip("+~").partition("=")
        if sep and key == GROUP and value:
            choice = value
    files = [CONF_DIR / f"{CONFIG_NAME}.yaml"]
    if kind(CONF_DIR / GROUP / f"{choice}.yaml") != "none":
        files.append(CONF_DIR / GROUP / f"{choice}.yaml")
    for f in files:
        try:
            load(f, "omegaconf")
        except YamlFileError as e:
            raise UsageError(str(e)) from None


def to_config(cfg: DictConfig) -> ExploreConfig:
    """The composed config (without its ``hydra`` node) as an :class:`ExploreConfig`."""
    return OmegaConf.to_object(hydraconf.without_hydra(cfg)[0] if "hydra" in cfg else cfg)


def preflight(overrides: Sequence[str]) -> Command:
    """Check every input the run will read and draw the design; raise :class:`UsageError`,
    :class:`ParameterError` or :class:`sim.record.loader.RecordError` (one line) on the first problem."""
    from explore.plan import plan
    from sim.cli import check_writable

    overrides = list(overrides)
    for o in overrides:
        key = o.lstrip("+~").partition("=")[0]
        if key == "chunk":
            raise UsageError("chunk is set by ceasefire-explore for each of its jobs; leave it out")
        if key == "hydra.run.dir":
            raise UsageError("hydra.run.dir: an exploration's folder is hydra.sweep.dir=...")
    _check_files(overrides)
    composed = compose(overrides)
    try:
        cfg = to_config(composed)
    except Exception as e:  # noqa: BLE001 -- conversion errors: one line
        raise UsageError(hydraconf.explain(e, overrides, SCHEMA)) from None
    try:
        folder = Path(str(OmegaConf.select(composed, "hydra.sweep.dir"))).absolute()  # the same for every job
    except Exception as e:  # noqa: BLE001 -- an interpolation that does not resolve
        raise UsageError(f"hydra.sweep.dir: {one_line(e)}") from None
    check_writable(folder, "hydra.sweep.dir")
    p, _, data, array = plan(cfg)
    launcher = str(OmegaConf.select(composed, "hydra.launcher._target_", default="") or "")
    workers = OmegaConf.select(composed, "hydra.launcher.n_jobs", default=None)
    return Command(overrides, cfg, p, data, array, folder, launcher.rsplit(".", 1)[-1], workers)


# --- running -------------------------------------------------------------------------------------------------


def run(command: Command, out=None, err=None) -> int:
    """Run the exploration the command describes (see the module's docstring); return the exit code."""
    from explore import store
    from explore.outcomes import NAMES
    from explore.progress import Watcher
    from sim.experiment.provenance import code_version

    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    p, folder = command.plan, command.folder
    lock = store.claim(folder)
    try:
        manifest = p.manifest(code_version())
        ranges = store.chunk_ranges(p.points, p.chunk_size)
        note = store.prepare(folder, manifest, command.design_csv, command.design_npy, ranges)
        if note:
            print(f"note: {note}", file=err, flush=True)
        done = store.finished(folder, ranges, p.replications, len(NAMES))
        todo = [k for k, ok in enumerate(done) if not ok]
        print(_header(p, manifest, len(ranges), len(ranges) - len(todo), folder), file=out, flush=True)
        started = time.perf_counter()
        points_run = sum(ranges[k][1] - ranges[k][0] for k in todo)
        if todo:
            store.clear_failures(folder, [ranges[k] for k in todo])
            watcher = Watcher(folder, ranges, done, p.replications, enabled=command.cfg.progress, stream=err)
            watcher.start()
            try:
                launch(command, todo)
            finally:
                watcher.stop()
        seconds = time.perf_counter() - started
        return finish(command, manifest, folder, todo, points_run, seconds, out, err)
    finally:
        store.release(lock)


def _header(p: Any, manifest: dict, chunks: int, finished: int, folder: Path) -> str:
    n_lev = sum(1 for i in p.inputs if i.role == "lever")
    size = f"Sobol N={p.n}" if p.method == "sobol" else f"Morris, {p.n} trajectories"
    earlier = f"; {finished} finished earlier" if finished else ""
    roles = f"{_count(len(p.inputs) - n_lev, 'uncertainty', 'uncertainties')}, {_count(n_lev, 'lever', 'levers')}"
    return (
        f"explore {manifest['id']}: {len(p.inputs)} inputs ({roles}), "
        f"{size}: {p.points:,} design points x {p.replications} runs of {p.horizon_days:g} days = {p.runs:,} runs, "
        f"in {chunks} chunks of up to {p.chunk_size} points{earlier}; folder {display_path(folder)}"
    )


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def launch(command: Command, todo: Sequence[int]) -> None:
    """Run the chunks ``todo`` as the jobs of a Hydra multirun into the exploration folder."""
    overrides = [o for o in command.overrides if o.lstrip("+~").partition("=")[0] != "hydra.sweep.dir"]
    argv = [
        "--multirun",
        *overrides,
        f"hydra.sweep.dir={_quoted(str(command.folder))}",
        f"chunk={','.join(str(k) for k in todo)}",
    ]
    sys.argv = [sys.argv[0] if sys.argv else "ceasefire-explore", *argv]
    with hydraconf.skip_batch_check(_one_chunk_checked):
        _app()


def _quoted(text: str) -> str:
    """A value for Hydra's override grammar: quoted when it holds characters the grammar reads."""
    if all(c.isalnum() or c in "/._-:~" for c in text):
        return text
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _one_chunk_checked(batch: list[list[str]]) -> list[list[str]]:
    """The jobs of a batch Hydra's sweeper still composes before launching: the jobs differ only in
    ``chunk`` (an integer), so the first one is checked and the others are the same composition with
    another number."""

    def rest(job: Sequence[str]) -> list[str]:
        return [o for o in job if not o.startswith("chunk=")]

    same = all(rest(j) == rest(batch[0]) for j in batch) and all(
        sum(o.startswith("chunk=") and o[6:].isdigit() for o in j) == 1 for j in batch
    )
    return batch[:1] if same and batch else batch


def finish(
    command: Command, manifest: dict, folder: Path, todo: Sequence[int], points_run: int, seconds: float, out, err
) -> int:
    """Read the chunks back; name those that did not finish (exit 1), else analyse, write and publish (exit 0)."""
    from explore import store
    from explore.report import analyse_results, output_files, read_results, write_outputs
    from sim.experiment.provenance import code_version

    p = command.plan
    results, missing = read_results(folder)
    runs_run = (points_run - sum(b - a for (a, b), _ in missing if _chunk_index(p, a) in todo)) * p.replications
    rate = runs_run / seconds if seconds > 0 else 0.0
    store.log_invocation(
        folder,
        {
            "code_version": code_version(),
            "launcher": command.launcher,
            "workers": command.workers,
            "chunks_run": len(todo),
            "runs": runs_run,
            "seconds": round(seconds, 2),
            "runs_per_second": round(rate, 1),
        },
    )
    if todo:
        print(f"{runs_run:,} runs in {seconds:.1f} s: {rate:,.0f} runs/s ({_workers(command)})", file=out, flush=True)
    if missing:
        lines = [
            f"error: {len(missing)} of {len(store.chunk_ranges(p.points, p.chunk_size))} chunks did not finish; no "
            "report written (the same command, with hydra.sweep.dir="
            f"{display_path(folder)}, runs only the missing ones):"
        ]
        for (a, b), why in missing[:10]:
            lines.append(f"  design points {a}-{b - 1}: {why}")
        if len(missing) > 10:
            lines.append(f"  ... and {len(missing) - 10} more")
        print("\n".join(lines), file=err, flush=True)
        return EXIT_FAILED
    analysis = analyse_results(results, command.cfg)
    files = output_files(results, analysis, command.cfg)
    write_outputs(folder, files)
    for line in summary_lines(results, analysis, command.cfg):
        print(line, file=out)
    if command.cfg.publish:
        publish(folder, files)
        print(f"published to {display_path(RESULTS)}", file=out)
    print(f"outputs: {display_path(folder)}", file=out, flush=True)
    return 0


def _chunk_index(p: Any, start: int) -> int:
    return start // p.chunk_size


def _workers(command: Command) -> str:
    if command.launcher == "JoblibLauncher":
        n = command.workers
        from sim.experiment.replications import available_cores

        count = available_cores() if n in (None, -1) else n
        return f"joblib launcher, {count} worker{'s' if count != 1 else ''}"
    return command.launcher or "launcher"


def summary_lines(results: Any, analysis: Any, cfg: ExploreConfig) -> list[str]:
    """What the command prints at the end: the top inputs of each outcome and the boxes in words."""
    from explore.outcomes import BY_NAME, NAMES

    sens = analysis.sensitivity
    lines = []
    for o in NAMES:
        if o in sens.constant:
            lines.append(f"{BY_NAME[o].label}: constant over the design")
            continue
        noise = sens.noise_of(o).share
        if sens.method == "sobol":
            top = "; ".join(
                f"{i.input} ST {i.st:.2f} [{i.st - i.st_conf:.2f}, {i.st + i.st_conf:.2f}]"
                + (f" (stream sd {i.st_stream_sd:.2f})" if i.st_stream_sd == i.st_stream_sd else "")
                for i in sens.ranked(o)[:3]
            )
        else:
            top = "; ".join(f"{i.input} mu* {i.mu_star:.3g}" for i in sens.screened(o)[:3])
        lines.append(f"{BY_NAME[o].label} (noise share {noise:.0%}): {top}")
    for b in analysis.boxes:
        lines.append(f"{b.question}. {b.words()}")
    return lines


def publish(folder: Path, files: dict[str, bytes]) -> None:
    """Copy the report, the small CSV files, the plots, ``explore.json`` and the results (gzipped, no
    timestamp: the same bytes for the same results) into ``explore/results/``; published files of an earlier
    exploration that this one does not have are removed."""
    from explore import store

    RESULTS.mkdir(parents=True, exist_ok=True)
    wanted = {name: data for name, data in files.items() if name in PUBLISHED_DATA or name.endswith(".png")}
    wanted[store.MANIFEST] = (Path(folder) / store.MANIFEST).read_bytes()
    wanted["results.csv.gz"] = gzip.compress(files["results.csv"], compresslevel=9, mtime=0)
    for old in RESULTS.iterdir():
        if old.suffix in (".png", ".csv", ".gz", ".json") and old.name not in wanted:
            old.unlink()
    for name, data in wanted.items():
        write_atomic(RESULTS / name, data)


# --- the Hydra app and its jobs -----------------------------------------------------------------------------------


@hydra.main(config_path=str(CONF_DIR), config_name=CONFIG_NAME, version_base="1.3")
def _app(cfg: DictConfig) -> None:
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    hc = HydraConfig.get()
    if hc.mode == RunMode.MULTIRUN:
        run_chunk(Path(str(hc.sweep.dir)), int(cfg.chunk))


def run_chunk(folder: Path, chunk: int) -> None:
    """One job: run a chunk of design points into ``folder``. An exception is recorded with the chunk (one
    line on stderr) and does not stop the other jobs; Ctrl-C ends a worker process at once."""
    from explore import store
    from explore.evaluate import evaluate_chunk

    worker = start_job(MAIN_PID_ENV)
    try:
        evaluate_chunk(folder, chunk)
    except KeyboardInterrupt:
        if worker:  # the command reports the interruption, once
            os._exit(EXIT_INTERRUPTED)
        raise
    except Exception as e:  # noqa: BLE001 -- the other chunks go on; the command names this one
        try:
            manifest = store.read_manifest(folder)
            start = chunk * int(manifest["chunk_size"])
            stop = min(start + int(manifest["chunk_size"]), int(manifest["points"]))
            line = store.write_failure(folder, start, stop, e)
        except Exception as e2:  # noqa: BLE001 -- even the record could not be written
            line = recorded_error_line(e, e2, "its record")
        print(f"error: chunk {chunk} failed: {line}", file=sys.stderr, flush=True)


@command
def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``ceasefire-explore``: preflight, then the exploration; every problem is one line."""
    from sim.record.loader import RecordError

    argv = renamed_overrides(list(sys.argv[1:] if argv is None else argv))
    register_resolvers()
    register_configs()
    if any(a in INFO_FLAGS or a.startswith(("--cfg", "--info", "--package", "-p")) for a in argv):
        sys.argv = [sys.argv[0] if sys.argv else "ceasefire-explore", *argv]
        _app()  # Hydra prints the help or the config and runs nothing
        return
    flags = [a for a in argv if a.startswith("-")]
    if flags:
        what = (
            "-m: ceasefire-explore runs its design points as jobs itself"
            if flags[0] in ("-m", "--multirun")
            else flags[0]
        )
        _fail(f"{what}; give key=value overrides (see ceasefire-explore --help)", EXIT_USAGE)
    from explore.store import FolderInUse
    from sim.sweep.jobs import interrupt

    command = checked(lambda: preflight(argv), (UsageError, ParameterError, RecordError))
    prepare_workers(MAIN_PID_ENV)
    interrupted = (
        "finished design points are kept: the same command (with "
        f"hydra.sweep.dir={display_path(command.folder)}) runs only the others"
    )
    code = run_reported(lambda: run(command), interrupted, (FolderInUse, ParameterError, RecordError), interrupt)
    sys.exit(code)


def _fail(line: str, code: int, prefix: str = "") -> None:
    print(f"{prefix}error: {line}" if code != EXIT_INTERRUPTED else f"{prefix}{line}", file=sys.stderr, flush=True)
    sys.exit(code)


if __name__ == "__main__":
    main()
