"""Figures: PNG bytes that depend only on what is drawn, and the words titles and tables use for where
the parameters came from. Imports nothing of the project."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # matplotlib is imported by whoever draws: the words below are needed without it
    from matplotlib.figure import Figure


def png_bytes(fig: Figure) -> bytes:
    """A figure as PNG bytes, without a timestamp or version in its metadata (same input, same bytes).

    Figures are ``matplotlib.figure.Figure`` objects, never pyplot's: no global state between runs."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def params_label(info: dict | None) -> str:
    """One short phrase for tables and plot titles."""
    if not info:
        return "parameters: unknown"
    source = info.get("source")
    if source == "default":
        return "parameters: defaults"
    digest = (info.get("posterior_sha256") or "")[:12]
    what = "committed posterior" if source == "calibrated" else f"posterior {Path(str(info.get('posterior'))).name}"
    text = f"parameters: {what} (sha256 {digest})" if digest else f"parameters: {what}"
    if info.get("fixed"):
        text += f", fixed {', '.join(info['fixed'])}"
    return text


def params_text(info: dict | None, drawn: bool = False) -> str:
    """Where the parameters came from, for a plot title: summary.json's ``params`` entry when there is
    one (see :mod:`sim.experiment.provenance`), else what can be told without it."""
    if info:
        return params_label(info)
    if drawn:
        return "parameters: drawn from a posterior"
    return "parameters: as configured"
