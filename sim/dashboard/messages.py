"""Bad input on the page is the command line's one line (``error: ...``), never a traceback.

The checks are the command line's own: :class:`sim.model.params.ParameterError` (a value out of range,
an unknown sector, a wrong type), :class:`sim.record.loader.RecordError` (the seeds folder), and the
sweep readers' :class:`sim.sweep.aggregate.SweepError` and :class:`sim.sweep.compare.CompareError`.
Their ``str()`` is already the line the commands print after ``error:``; anything else is named by its
type and first line, as ``ceasefire-compare`` does."""

from __future__ import annotations


def expected_errors() -> tuple[type[BaseException], ...]:
    """The exceptions whose message is the command line's own line for bad input."""
    from sim.model.params import ParameterError
    from sim.record.loader import RecordError
    from sim.sweep.aggregate import SweepError
    from sim.sweep.compare.matching import CompareError

    return ParameterError, RecordError, SweepError, CompareError


def first_line(text: str) -> str:
    """The first non-empty line of ``text`` ("" if none)."""
    return next((line.strip() for line in str(text).splitlines() if line.strip()), "")


def error_line(exc: BaseException, doing: str = "the dashboard") -> str:
    """``error: <the command line's message>`` for bad input; ``error: <doing> failed: Type: first line``
    for anything else. Always one line."""
    if isinstance(exc, expected_errors()):
        return f"error: {first_line(str(exc)) or type(exc).__name__}"
    detail = first_line(str(exc))
    return f"error: {doing} failed: {type(exc).__name__}" + (f": {detail}" if detail else "")
