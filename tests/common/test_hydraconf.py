"""What sim.common.hydraconf relies on in Hydra and OmegaConf, pinned: an upgrade that changes any of it
fails here, by name, rather than quietly in a command."""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field

import pytest
import yaml

from sim.common import hydraconf
from sim.common.hydraconf import Schema, UsageError


@dataclass
class Inner:
    strength: int = 1
    names: list[str] = field(default_factory=list)


@dataclass
class Root:
    inner: Inner = field(default_factory=Inner)
    rate: float = 0.5
    extra: dict = field(default_factory=dict)


TINY = Schema(tool="tiny", root=Root, groups={"scenario": "a scenario"})


def sim_schema() -> Schema:
    from sim.experiment.config import SCHEMA, register_configs

    register_configs()
    return SCHEMA


# --- the internals: each is where the module says it is, with the shape it uses -------------------


def test_flags_are_hydra_mains_own_parser():
    args = hydraconf.parse_flags(["-m", "--cfg", "job", "--config-dir", "x", "a=1"], "tiny")
    assert (args.multirun, args.cfg, args.config_dir, args.overrides) == (True, "job", "x", ["a=1"])
    for flag in ("help", "hydra_help", "info", "shell_completion", "experimental_rerun", "config_path", "run"):
        assert hasattr(args, flag), flag
    with pytest.raises(UsageError, match="unrecognized arguments: --nope; see tiny --help"):
        hydraconf.parse_flags(["--nope"], "tiny")


@pytest.mark.parametrize(
    "overrides",
    [
        ["a=1,2", "b=3", "c=x,y,z"],
        ["a=1,2", "b=3", "a=5,6,7"],  # a later override of a key replaces it in its place
        ["a=range(0,3)", "+b=[1,2]", "++c={d:1}", "hydra.x=1"],
        ["a=choice(1,2)", "b=''", "c=null"],
    ],
)
def test_sweep_jobs_are_the_basic_sweepers(overrides):
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parsed = OverridesParser.create().parse_overrides(overrides)
    assert hydraconf.sweep_jobs(parsed) == BasicSweeper.split_arguments(parsed, None)[0]


def test_the_basic_sweeper_is_named_and_checks_each_batch():
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from omegaconf import OmegaConf

    schema = sim_schema()
    with hydraconf.composer(schema, "config") as compose:
        cfg = compose([])
    assert OmegaConf.select(cfg, "hydra.sweeper._target_") == hydraconf.BASIC_SWEEPER
    assert f"{BasicSweeper.__module__}.{BasicSweeper.__qualname__}" == hydraconf.BASIC_SWEEPER
    assert "self.validate_batch_is_legal(batch)" in inspect.getsource(BasicSweeper.sweep)
    assert list(inspect.signature(BasicSweeper.validate_batch_is_legal).parameters) == ["self", "batch"]


def test_the_batch_check_is_skipped_only_inside_the_block():
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

    original = BasicSweeper.validate_batch_is_legal
    seen = []
    with hydraconf.skip_batch_check(lambda batch: seen.append(batch) or []):
        BasicSweeper.validate_batch_is_legal(object(), [["a=1"], ["a=2"]])  # nothing left to compose
        assert seen == [[["a=1"], ["a=2"]]]
    assert BasicSweeper.validate_batch_is_legal is original
    with pytest.raises(RuntimeError), hydraconf.skip_batch_check(lambda batch: batch):
        raise RuntimeError
    assert BasicSweeper.validate_batch_is_legal is original


@pytest.mark.parametrize(
    "job",
    [
        ["observer.strength=40", "seed=3"],
        ["+experiment=year", "mediation.mediators.0.leverage=0.9"],
        ["scenario=no_mediation", "observer.sectors=[goris]", "++reporting.deny_prob=0.2"],
    ],
)
def test_values_applied_to_the_groups_config_are_the_full_composition(job):
    schema = sim_schema()
    with hydraconf.composer(schema, "config") as compose:
        full, choices = hydraconf.without_hydra(compose(job))
        fast, fast_choices = hydraconf.JobComposer(compose, schema)(job)
    assert fast == full and fast_choices == choices


def test_values_that_fail_fail_as_in_the_full_composition():
    from hydra.errors import ConfigCompositionException
    from omegaconf.errors import ConfigAttributeError, ConfigKeyError

    schema = sim_schema()
    with hydraconf.composer(schema, "config", explained=False) as compose:
        base, _ = hydraconf.without_hydra(compose([]))
        with pytest.raises(ConfigCompositionException) as full:
            compose(["observer.strenght=1"])
    with pytest.raises(ConfigCompositionException) as applied:
        hydraconf.apply_overrides(base, hydraconf.parse_overrides(["observer.strenght=1"]))
    for err in (full.value, applied.value):
        assert isinstance(err.__cause__, (ConfigKeyError, ConfigAttributeError))
        assert err.__cause__.full_key == "observer.strenght"


@pytest.fixture
def hydra_config_kept():
    """compose_sweep sets the running job's HydraConfig (what ``--cfg --resolve`` resolves against):
    put back what was there, so that no other test sees a job's config."""
    from hydra.core.hydra_config import HydraConfig

    before = HydraConfig.instance().cfg
    yield
    HydraConfig.instance().cfg = before


def test_a_sweep_composes_in_multirun_mode(hydra_config_kept):
    from omegaconf import OmegaConf

    schema = sim_schema()
    cfg = hydraconf.compose_sweep(schema, "config", ["seed=1,2"], "all")
    assert list(OmegaConf.select(cfg, "hydra.overrides.task")) == ["seed=1,2"]
    with hydraconf.composer(schema, "config", explained=False) as compose, pytest.raises(Exception):  # noqa: B017
        compose(["seed=1,2"])  # the public compose API runs in run mode, where a sweep is refused


def test_yaml_is_read_as_omegaconf_reads_it():
    from omegaconf import OmegaConf

    loader = hydraconf.yaml_loader()
    assert issubclass(loader, yaml.SafeLoader)
    text = "a: 1e3\nb: 1_000\nc: .5\nd: 2022-09-13\n"
    assert yaml.load(text, Loader=loader) == OmegaConf.to_container(OmegaConf.create(text))
    assert isinstance(yaml.load("a: 1e3", Loader=loader)["a"], float)
    with pytest.raises(yaml.constructor.ConstructorError, match="duplicate key"):
        yaml.load("a: 1\na: 2\n", Loader=loader)


# --- explain: from the exception types and their fields ---------------------------------------------


def test_the_exception_fields_explain_reads():
    from hydra.errors import ConfigCompositionException, MissingConfigException
    from omegaconf.errors import ValidationError

    schema = sim_schema()
    with hydraconf.composer(schema, "config", explained=False) as compose:
        with pytest.raises(MissingConfigException) as missing:
            compose(["scenario=nowhere"])
        with pytest.raises(ConfigCompositionException) as wrong:
            compose(["seed=abc"])
        with pytest.raises(ConfigCompositionException) as no_match:
            compose(["experiment=year"])
    assert missing.value.missing_cfg_file == "scenario/nowhere" and "sept2022" in missing.value.options
    assert isinstance(wrong.value.__cause__, ValidationError) and wrong.value.__cause__.full_key == "seed"
    assert no_match.value.__cause__ is None and no_match.value.__context__ is None
    assert hydraconf.explain(missing.value, ["scenario=nowhere"], schema).startswith(
        "scenario=nowhere is not a scenario; allowed: "
    )
    assert hydraconf.explain(no_match.value, ["experiment=year"], schema) == (
        "experiment is not a config group of ceasefire-sim; allowed: scenario=NAME, +experiment=NAME"
    )


def test_explain_by_type():
    from omegaconf import OmegaConf

    cfg = OmegaConf.structured(Root)

    def failure(change):
        with pytest.raises(Exception) as err:
            change()
        return err.value

    unknown = failure(lambda: OmegaConf.update(cfg, "inner.strenght", 1))
    assert hydraconf.explain(unknown, [], TINY) == (
        "unknown key 'inner.strenght'; allowed keys under 'inner': strength, names"
    )
    wrong = failure(lambda: setattr(cfg.inner, "strength", "abc"))
    assert hydraconf.explain(wrong, ["inner.strength=abc"], TINY) == (
        "inner.strength=abc has the wrong type; allowed: an integer"
    )
    assert TINY.unknown_key("extra.new") == "extra.new: new keys under extra are added with a plus: +extra.new=VALUE"
    assert TINY.unknown_key("hydra.x") == "unknown key 'hydra.x'; Hydra's settings are listed by: tiny --cfg hydra"
    assert hydraconf.explain(OverflowError("too large"), ["rate=" + "9" * 400], TINY) == (
        "rate=999999...(400 digits) is too large for a number; allowed: a finite number up to 1.8e308"
    )
    own = Schema(tool="tiny", root=Root, errors=(KeyError,))
    assert hydraconf.explain(KeyError("its own line"), [], own) == "'its own line'"


def test_a_syntax_error_names_its_override():
    with pytest.raises(UsageError, match="cannot parse 'a=\\[1': .*; see https://hydra.cc/"):
        hydraconf.parse_overrides(["b=1", "a=[1"])


@pytest.mark.parametrize(
    "override, shown, source",
    [
        ("rate=${now:%Y}", "rate=${now:%Y}", "the clock"),
        ("rate='${now:%s}'", "rate=${now:%s}", "the clock"),
        ("rate=${ oc.env:HOME}", "rate=${ oc.env:HOME}", "the environment"),
        ("rate='${oc.decode:${oc.env:X}}'", "rate=${oc.decode:${oc.env:X}}", "the environment"),
        ("inner.names=[a,'${now:%H}']", "inner.names=${now:%H}", "the clock"),
        ("+extra.k={a: ${ceasefire_pid:}}", "extra.k=${ceasefire_pid:}", "the process id"),
        ("rate=1${now:%Y}", "rate=1${now:%Y}", "the clock"),
    ],
)
def test_a_value_from_the_clock_or_the_environment_is_refused(override, shown, source):
    """The same command would give another result: the config would not be reproducible from it."""
    with pytest.raises(UsageError) as e:
        TINY.check_overrides([override])
    assert str(e.value).startswith(f"{shown}: a value from ") and f"({source})" in str(e.value), str(e.value)
    TINY.check_overrides(["rate=${inner.strength}", "hydra.run.dir=out/${now:%H-%M}", "+hydra.job.env_set.X=1"])
    TINY.check_overrides(["+extra.label=\\${now:%Y}"])  # escaped: the text itself, the same every run


def test_a_key_added_with_a_plus_must_be_in_the_schema():
    TINY.check_overrides(["+extra.new=1", "++rate=2", "+hydra.job.name=x", "scenario=sept2022"])  # a mapping, a field
    with pytest.raises(UsageError, match="unknown key 'inner.new'; allowed keys under 'inner': strength, names"):
        TINY.check_overrides(["+inner.new=1"])


@pytest.mark.parametrize(
    "override, message",
    [
        ("~rate", "~rate: every tiny config has rate, which cannot be removed; allowed: rate=VALUE, a number"),
        ("~inner.names.0", "~inner.names.0: a list is given whole; allowed: inner.names=[...] without the item"),
        ("~scenario", "~scenario: a scenario is required"),
        ("+scenario=sept2022", "+scenario=sept2022: a scenario is chosen without a plus: scenario=sept2022"),
        ("scenario=[]", "scenario=[]: a scenario is required"),
        ("scenario=${x}", "scenario=${x} is not a scenario"),
        ("scenario=0", "scenario=0 is not a scenario"),
        ("hydra/launcher=0", "hydra/launcher=0: an option of a config group is a name; tiny --hydra-help lists them"),
        ("hydra/launcher=${oops}", "hydra/launcher=${oops}: an option of a config group is a name"),
        ("hydra/launcher=[basic,'${x}']", "hydra/launcher=[basic,'${x}']: an option of a config group is a name"),
        ("+nope/x=1", "nope/x is not a config group of tiny; tiny has none"),
        ("rate=1,2", "rate=1,2 is a sweep; a config is composed for one job"),
        ("+hydra.foo=1", "+hydra.foo=1: Hydra has no setting hydra.foo, so it would go unread"),
        ("+hydra.job.nope=1", "+hydra.job.nope=1: Hydra has no setting hydra.job.nope"),
        ("++hydra.runtime.x=1", "++hydra.runtime.x=1: Hydra has no setting hydra.runtime.x"),
    ],
)
def test_overrides_a_composition_would_take_but_the_command_cannot_honour(override, message):
    with pytest.raises(UsageError) as e:
        TINY.check_overrides([override])
    assert str(e.value).startswith(message), str(e.value)
    TINY.check_overrides(["~extra.key", "scenario=[sept2022,no_mediation]", "hydra/launcher=basic"])  # merged


@pytest.mark.parametrize("value", ["1", "2", "yes", "'true'", "null", "[true]"])
def test_a_true_or_false_setting_takes_nothing_else(value):
    """OmegaConf would read ``progress=2`` or ``progress=yes`` as true."""
    schema = sim_schema()
    with pytest.raises(UsageError, match=f"progress={re.escape(value)} has the wrong type; allowed: true or false"):
        schema.check_overrides([f"progress={value}"])
    schema.check_overrides(["progress=true", "progress=False"])


def test_a_glob_sweep_expands_over_a_groups_files_as_hydras_sweeper_does():
    """Hydra expands ``glob()`` with its config loader, which a preflight does not have: the commands
    expand it over the group's files (sorted), and refuse one that matches nothing, or a key that is
    not a config group, in one line (it was a traceback: "ConfigLoader is not set")."""
    (ov,) = hydraconf.parse_overrides(["scenario=glob(*,exclude=sept*)"])
    assert hydraconf.values(ov) == ["no_mediation", "observer_mission", "peacekeeper_withdrawal"]
    jobs = hydraconf.sweep_jobs(hydraconf.parse_overrides(["+experiment=glob(sw*)", "seed=1,2"]))
    assert [job[0] for job in jobs[::2]] == [
        "+experiment=sweep_observer_mediation",
        "+experiment=sweep_retaliation_grievance",
        "+experiment=sweep_withdrawal",
    ]
    assert len(jobs) == 6
    for bad in ["seed=glob(*)", "scenario=glob(nothing*)", "violations.base_rate_per_day=glob(*,exclude=a)"]:
        with pytest.raises(UsageError, match=r"matches no option; glob\(\) chooses among the files of a config group"):
            hydraconf.sweep_jobs(hydraconf.parse_overrides([bad]))
    with pytest.raises(UsageError, match=r"hydra/launcher=glob\(b\*\): glob\(\) over Hydra's own groups is not"):
        hydraconf.parse_overrides(["hydra/launcher=glob(b*)"])


def test_a_glob_sweep_reads_the_commands_config_folders_and_only_their_yaml_files(tmp_path):
    """As Hydra 1.3 does: a --config-dir's files count, a README or a .yml file does not."""
    (tmp_path / "scenario").mkdir()
    for name in ("mine.yaml", "README.md", "old.yml", ".hidden.yaml"):
        (tmp_path / "scenario" / name).write_text("{}\n")
    (tmp_path / "scenario" / "sub.yaml").mkdir()
    dirs = lambda: [hydraconf._conf_dirs()[0], tmp_path]  # noqa: E731
    (ov,) = hydraconf.parse_overrides(["scenario=glob(m*)"], dirs)
    assert hydraconf.values(ov) == ["mine"]
    (ov,) = hydraconf.parse_overrides(["scenario=glob(*,exclude=[n*,o*,p*])"], dirs)
    assert hydraconf.values(ov) == ["mine", "sept2022"]
