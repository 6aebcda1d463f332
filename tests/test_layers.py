"""The folder tree is the architecture: each layer imports only the layers below it (sim/__init__.py).

Every import is counted, at module level or inside a function: a lazy import up the layers is still a
dependency up the layers."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = [
    "sim.common",
    "sim.record",
    "sim.model",
    "calibration",
    "sim.experiment",
    "sim.sweep",
    "validation",
    "explore",
    "sim.dashboard",
]
TOP = {
    "sim.api": LAYERS.index("sim.sweep"),
    "sim.cli": LAYERS.index("sim.sweep"),
    "sim": -1,
}  # the API and ceasefire-sim sit with the sweeps


def layer(module: str) -> int | None:
    if module in TOP:
        return TOP[module]
    for i, name in reversed(list(enumerate(LAYERS))):
        if module == name or module.startswith(name + "."):
            return i
    return None


def modules():
    for package in ("sim", "calibration", "validation", "explore"):
        for path in sorted((ROOT / package).rglob("*.py")):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            yield name, path


def imports(path: Path, name: str):
    tree = ast.parse(path.read_text())
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                yield ".".join([*base, node.module] if node.module else base)
            elif node.module:
                yield node.module
                if node.module in ("sim", "calibration", "validation", "explore"):
                    yield from (f"{node.module}.{a.name}" for a in node.names)


@pytest.mark.parametrize("name,path", list(modules()), ids=lambda x: str(x) if isinstance(x, str) else "")
def test_imports_only_go_down(name, path):
    own = layer(name)
    assert own is not None, f"{name} is in no layer; add it to LAYERS"
    up = [m for m in imports(path, name) if layer(m) is not None and layer(m) > own]
    assert not up, f"{name} (layer {LAYERS[own] if own >= 0 else name}) imports {up} from above it"


MODEL_CORE = ROOT / "sim" / "model"
MAX_MODULE_LINES, MAX_FUNCTION_LINES = 400, 40


def function_lengths(source: str):
    """(name, lines) of every function and method, its decorators, signature and docstring included."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            yield node.name, node.end_lineno - first + 1


@pytest.mark.parametrize("path", sorted(MODEL_CORE.glob("*.py")), ids=lambda p: p.name)
def test_model_core_modules_and_functions_stay_short(path):
    """A module of the model core fits a reading (400 lines), a function a screen (40 lines)."""
    source = path.read_text()
    assert len(source.splitlines()) <= MAX_MODULE_LINES, f"{path.name}: {len(source.splitlines())} lines"
    long = [f"{name} ({n} lines)" for name, n in function_lengths(source) if n > MAX_FUNCTION_LINES]
    assert not long, f"{path.name}: {', '.join(long)}"
