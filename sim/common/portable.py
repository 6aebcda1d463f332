"""Array functions whose results do not depend on the CPU, for outputs promised byte for byte.

numpy's vectorised ``exp``, ``log`` and ``power`` take CPU-specific SIMD paths (AVX-512 where the CPU has
it, the C library elsewhere) whose last bits differ; BLAS and LAPACK (``dot``, ``@``, ``cov``, ``linalg``)
pick a kernel by CPU too. A last bit decides a rounding, a crossing of 0.5 or an accept/reject, so code
whose output is promised byte for byte (docs/reproducibility.md) uses these instead: each element goes
through the C library's scalar function (Python's ``math``), which is the same code on every CPU of this
project's machines. Elementwise ``+ - * /`` and ``sqrt`` need nothing: IEEE 754 fixes their results.
"""

from __future__ import annotations

import math

import numpy as np


def _log(x: float) -> float:
    if x > 0.0:
        return math.log(x)
    if x == 0.0:
        return -math.inf
    return math.nan  # negative or nan, as numpy (without its warning)


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def exp(values) -> np.ndarray:
    """``np.exp`` elementwise through ``math.exp`` (overflow gives ``inf``, as numpy)."""
    a = np.asarray(values, dtype=np.float64)
    return np.array([_exp(v) for v in a.ravel().tolist()], dtype=np.float64).reshape(a.shape)


def log(values) -> np.ndarray:
    """``np.log`` elementwise through ``math.log``: ``-inf`` at 0 and ``nan`` below it, as numpy."""
    a = np.asarray(values, dtype=np.float64)
    return np.array([_log(v) for v in a.ravel().tolist()], dtype=np.float64).reshape(a.shape)


def log_scalar(x: float) -> float:
    """``math.log`` with numpy's answers at 0 (``-inf``) and below (``nan``) instead of an exception."""
    return _log(float(x))
