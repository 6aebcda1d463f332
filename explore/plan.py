"""An exploration planned: the checked settings, inputs, base parameters and design, and the manifest
(``explore.json``) through which the command and its jobs agree on them.

:func:`plan` checks everything the command line sets (one-line :class:`ParameterError` on the first
problem) and draws the design; :func:`from_manifest` rebuilds what a job needs from the folder, so a job
(in a worker, a subprocess or on a cluster node) composes nothing and reads the same values as the command.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from typing import Any, Mapping

from explore.design import Design, design_csv, design_npy, points_for, sample
from explore.inputs import Input, catalogue, coverage_order, free_parameter_inputs, resolve
from explore.outcomes import NAMES
from explore.settings import ExploreConfig
from explore.store import identity
from sim.common.files import check_names
from sim.common.messages import reading, shown
from sim.model.params import ModelParams, ParameterError, from_dict


@dataclass(frozen=True)
class Plan:
    """What an exploration runs: inputs and their ranges, the base parameters, sizes and seeds."""

    method: str
    n: int
    replications: int
    horizon_days: float
    seed: int
    chunk_size: int
    morris_levels: int
    inputs: tuple[Input, ...]
    base: ModelParams
    base_config: dict  # the base as given: scenario and values set on top of it
    sectors: tuple[str, ...]  # the order in which observer.sectors covers sectors
    record_dir: str
    record_sha256: str
    range_source: str
    posterior_sha256: str | None
    design_sha256: str = ""  # of design.csv
    design_array_sha256: str = ""  # of design.npy (the same values)

    @property
    def points(self) -> int:
        """Design points."""
        return points_for(self.method, self.n, len(self.inputs))

    @property
    def runs(self) -> int:
        """Model runs in all."""
        return self.points * self.replications

    def border(self) -> Any:
        """The border the runs use (read once per process)."""
        from sim.experiment.config import load_border

        return load_border(self.record_dir)

    def check_record(self) -> None:
        """Raise if the record's files changed since the exploration was planned."""
        from sim.experiment.provenance import record_sha256

        if record_sha256(self.record_dir or None) != self.record_sha256:
            raise RuntimeError(
                "the incident record changed since this exploration started (record_sha256 differs); "
                "run it into a new folder"
            )

    def design(self) -> Design:
        """The design (drawn again: the same seed gives the same points)."""
        return sample(self.inputs, self.method, self.n, self.seed, self.morris_levels)

    def identity_content(self) -> dict:
        """Everything the results are a function of (the manifest without its labels, the code version and the
        chunk size and design.npy's digest)."""
        return {
            "method": self.method,
            "n": self.n,
            "points": self.points,
            "replications": self.replications,
            "horizon_days": self.horizon_days,
            "seed": self.seed,
            "morris_levels": self.morris_levels,
            "outcomes": list(NAMES),
            "inputs": [dataclasses.asdict(i) for i in self.inputs],
            "base": {"config": self.base_config, "params": dataclasses.asdict(self.base)},
            "sectors_covered_order": list(self.sectors),
            "record_dir": self.record_dir,
            "record_sha256": self.record_sha256,
            "range_source": self.range_source,
            "posterior_sha256": self.posterior_sha256,
            "design_sha256": self.design_sha256,
        }

    def manifest(self, code_version: str) -> dict:
        """``explore.json``: the identity (sha256 of :meth:`identity_content`), its short id, the code
        version that started the exploration, how the design points are cut into chunks (which does not
        change any result), then the content."""
        content = self.identity_content()
        digest = identity(content)
        return {
            "id": digest[:16],
            "identity": digest,
            "code_version": code_version,
            "chunk_size": self.chunk_size,
            "design_array_sha256": self.design_array_sha256,
            **content,
        }


def from_manifest(m: Mapping[str, Any]) -> Plan:
    """The plan an ``explore.json`` describes (what a job needs)."""
    return Plan(
        method=m["method"],
        n=int(m["n"]),
        replications=int(m["replications"]),
        horizon_days=float(m["horizon_days"]),
        seed=int(m["seed"]),
        chunk_size=int(m["chunk_size"]),
        morris_levels=int(m["morris_levels"]),
        inputs=tuple(Input(**i) for i in m["inputs"]),
        base=from_dict(ModelParams, m["base"]["params"]),
        base_config=dict(m["base"]["config"]),
        sectors=tuple(m["sectors_covered_order"]),
        record_dir=m["record_dir"],
        record_sha256=m["record_sha256"],
        range_source=m["range_source"],
        posterior_sha256=m["posterior_sha256"],
        design_sha256=m["design_sha256"],
        design_array_sha256=m["design_array_sha256"],
    )


def plan(cfg: ExploreConfig) -> tuple[Plan, Design, bytes, bytes]:
    """Check the config and draw the design; return the plan, the design, ``design.csv``'s and ``design.npy``'s
    bytes.

    Raises :class:`ParameterError` (one line) or :class:`sim.record.loader.RecordError` on bad input."""
    from sim.experiment.provenance import record_sha256
    from sim.record.loader import RecordError, load_record

    s = cfg.exploration
    cfg.discovery.check()
    cfg.sensitivity.check()
    _check_names(s.inputs, "exploration.inputs")
    _check_names(s.add, "exploration.add")
    check_names({"record_dir": cfg.record_dir}, ParameterError)
    with reading("record_dir", cfg.record_dir, (RecordError,), ParameterError):
        record = load_record(cfg.record_dir or None)
    sectors = coverage_order(record)
    base_config, base = base_params(cfg.base, record.sector_ids())
    free, posterior = free_parameter_inputs(s.range_source)
    known = catalogue(free, len(sectors))
    names = [*s.inputs, *[a for a in s.add if a not in s.inputs]]
    inputs = resolve(names, flat_ranges(s.ranges), known, base, sectors)
    s.check(len(inputs))
    p = Plan(
        method=s.method,
        n=s.n,
        replications=s.replications,
        horizon_days=float(s.horizon_days),
        seed=s.seed,
        chunk_size=s.chunk_size,
        morris_levels=s.morris_levels,
        inputs=inputs,
        base=base,
        base_config=base_config,
        sectors=sectors,
        record_dir=cfg.record_dir,
        record_sha256=record_sha256(cfg.record_dir or None),
        range_source=s.range_source,
        posterior_sha256=posterior.sha256 if posterior is not None else None,
    )
    design = p.design()
    data, array = design_csv(design), design_npy(design)
    digests = {
        "design_sha256": hashlib.sha256(data).hexdigest(),
        "design_array_sha256": hashlib.sha256(array).hexdigest(),
    }
    return dataclasses.replace(p, **digests), design, data, array


def _check_names(names: Any, key: str) -> None:
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ParameterError(f"{key}={shown(names)!r} is not a list of parameter names; allowed: [name, name, ...]")


def flat_ranges(ranges: Mapping[str, Any]) -> dict[str, Any]:
    """``exploration.ranges`` as dotted names: ``{observer: {strength: [0, 100]}}`` ->
    ``{"observer.strength": [0, 100]}`` (a range is a list, so lists end the nesting)."""
    out: dict[str, Any] = {}

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, Mapping):
            for k, v in node.items():
                walk(v, f"{prefix}{k}.")
        else:
            out[prefix[:-1]] = list(node) if isinstance(node, (list, tuple)) else node

    walk(ranges or {}, "")
    return out


def base_params(base: Mapping[str, Any], sectors: Any) -> tuple[dict, ModelParams]:
    """The model's parameters for everything not explored: ``base.scenario`` (default sept2022) composed
    as ``ceasefire-sim`` composes it, with the other values of ``base`` on top; return the base as given
    (scenario and dotted values) and the checked parameters."""
    from sim.experiment.config import checked, experiment_config

    values = flat_ranges({k: v for k, v in (base or {}).items() if k != "scenario"})
    scenario = (base or {}).get("scenario", "sept2022")
    model_fields = {f.name for f in dataclasses.fields(ModelParams)}
    for key in values:
        if key.split(".", 1)[0] not in model_fields:
            raise ParameterError(
                f"base.{key} is not a model parameter; allowed under base: scenario and the model's parameters "
                "(python -m calibration.priors lists them); the exploration's own settings are exploration.*"
            )
    try:
        params, _ = checked(experiment_config(scenario=str(scenario), **values).config, sectors)
    except ParameterError as e:
        raise ParameterError(f"base: {e}") from None
    return {"scenario": str(scenario), **values}, params
