"""Code whose outputs are promised byte for byte on any CPU calls none of the numpy and scipy functions whose
last bits depend on it (docs/reproducibility.md): numpy's vectorised transcendental functions (SIMD paths
chosen by CPU), BLAS and LAPACK (``dot``, ``@``, ``cov``, ``linalg``), scipy's optimisers and fits. Such
code uses sim/common/portable.py or Python's ``math``. A use that is allowed names its reason below."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

BYTE_PROMISED = [
    "sim/common/portable.py",
    "sim/record",
    "sim/model",
    "sim/experiment",
    "sim/sweep/aggregate.py",
    "sim/sweep/jobs.py",
    "sim/sweep/compare/statistics.py",
    "calibration/abc.py",
    "calibration/history.py",
    "calibration/identifiability.py",
    "calibration/kernel.py",
    "calibration/proposals.py",
    "calibration/priors.py",
    "calibration/statistics.py",
    "calibration/posterior.py",
    "calibration/report.py",
    "calibration/sampler.py",
    "validation/run.py",
    "validation/scores.py",
    "validation/references.py",
    "validation/window.py",
    "validation/rolling/bank.py",
    "validation/rolling/run.py",
    "validation/rolling/timeline.py",
    "explore/design.py",
    "explore/evaluate.py",
    "explore/outcomes.py",
    "explore/store.py",
]

CPU_DEPENDENT = {
    # numpy's SIMD transcendental functions
    "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "logaddexp", "logaddexp2", "power", "float_power",
    "sin", "cos", "tan", "arcsin", "arccos", "arctan", "arctan2", "sinh", "cosh", "tanh", "arcsinh", "arccosh",
    "arctanh", "cbrt", "hypot",
    # BLAS and LAPACK
    "dot", "vdot", "matmul", "inner", "outer", "tensordot", "einsum", "cov", "corrcoef", "linalg", "polyfit",
    "lstsq", "multivariate_normal",
}  # fmt: skip
SCIPY_CPU_DEPENDENT = ("scipy.optimize", "scipy.linalg", "scipy.stats")

ALLOWED = {
    ("validation/references.py", "scipy.optimize"): "the Hawkes fit: compared to a tolerance (tests/golden)",
    ("validation/references.py", "scipy.stats"): "gamma.ppf for the report's description, printed to 2 digits",
}


def files():
    for entry in BYTE_PROMISED:
        path = ROOT / entry
        yield from sorted(path.rglob("*.py")) if path.is_dir() else [path]


def uses(tree: ast.AST):
    """(line, name) of every CPU-dependent call or import in ``tree``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in ("np", "numpy"):
            if node.attr in CPU_DEPENDENT:
                yield node.lineno, f"np.{node.attr}"
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
            yield node.lineno, "@"
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "numpy" and any(a.name in CPU_DEPENDENT for a in node.names):
                yield node.lineno, f"from numpy import {', '.join(a.name for a in node.names)}"
            if node.module.startswith(SCIPY_CPU_DEPENDENT):
                yield node.lineno, ".".join(node.module.split(".")[:2])
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith(SCIPY_CPU_DEPENDENT):
                    yield node.lineno, ".".join(a.name.split(".")[:2])


@pytest.mark.parametrize("path", list(files()), ids=lambda p: str(p.relative_to(ROOT)))
def test_byte_promised_code_calls_nothing_whose_bits_depend_on_the_cpu(path):
    rel = str(path.relative_to(ROOT))
    found = [f"{rel}:{line}: {name}" for line, name in uses(ast.parse(path.read_text())) if (rel, name) not in ALLOWED]
    assert not found, "CPU-dependent last bits (use sim/common/portable.py or math): " + "; ".join(found)


def test_the_check_finds_what_it_looks_for():
    code = "import numpy as np\nfrom scipy.optimize import minimize\nx = np.exp(a) @ b + np.linalg.svd(c)[0]\n"
    assert sorted(name for _, name in uses(ast.parse(code))) == ["@", "np.exp", "np.linalg", "scipy.optimize"]


def test_every_listed_path_exists():
    assert all((ROOT / entry).exists() for entry in BYTE_PROMISED)
