"""constraints.txt, the pinned dependency set `make` installs: exact versions within pyproject's ranges,
every dependency pinned (direct and transitive), no download addresses, and the one this suite runs on."""

import re
import tomllib
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
EXTRAS = ("test", "cluster")  # what the Makefile installs
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9.+!_-]+)$")


def pins() -> dict[str, str]:
    out = {}
    for number, line in enumerate((ROOT / "constraints.txt").read_text().splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        m = PIN.match(line.strip())
        assert m, f"constraints.txt:{number}: {line!r} is not name==version"
        name = canonicalize_name(m.group(1))
        assert name not in out, f"constraints.txt:{number}: {name} pinned twice"
        out[name] = m.group(2)
    return out


def project_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    for extra in EXTRAS:
        reqs += [Requirement(r) for r in project["optional-dependencies"][extra]]
    return reqs


def test_every_line_is_an_exact_pin_without_addresses_or_hashes():
    text = (ROOT / "constraints.txt").read_text()
    assert "://" not in text and "--hash" not in text and " @ " not in text and "--index" not in text
    assert len(pins()) > 50


def test_the_pins_satisfy_pyprojects_ranges():
    p = pins()
    for req in project_requirements():
        name = canonicalize_name(req.name)
        assert name in p, f"{req.name} (pyproject.toml) is not pinned in constraints.txt: run make lock"
        assert req.specifier.contains(p[name], prereleases=True), (
            f"constraints.txt pins {name}=={p[name]}, outside pyproject.toml's {req}: run make lock"
        )


def _closure() -> dict[str, str]:
    """Every distribution the installed project needs with its extras, by name, with its installed version."""
    seen: dict[str, str] = {}
    todo = [(r, frozenset()) for r in project_requirements()]
    while todo:
        req, extras = todo.pop()
        if req.marker and not any(req.marker.evaluate({"extra": e}) for e in (extras or {""})):
            continue
        name = canonicalize_name(req.name)
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            continue  # a dependency of a platform or Python version this is not
        if name in seen:
            continue
        seen[name] = dist.version
        wanted = frozenset(req.extras) | {""}
        todo += [(Requirement(r), wanted) for r in dist.requires or ()]
    return seen


def test_every_installed_dependency_is_pinned_at_the_version_installed():
    """The environment this suite runs in is the pinned set: nothing the project needs is missing from
    constraints.txt, and nothing is installed at another version (a stale .venv: make setup)."""
    p = pins()
    for name, installed in sorted(_closure().items()):
        assert name in p, f"{name} {installed} is a dependency but not pinned in constraints.txt: run make lock"
        assert p[name] == installed, f"{name} {installed} is installed, constraints.txt pins {p[name]}: make setup"
