"""Small shared helpers of every layer: files written whole (:mod:`~sim.common.files`), strict YAML
(:mod:`~sim.common.yamlfile`), figures and their labels (:mod:`~sim.common.figures`) and where the data
folders are (:mod:`~sim.common.resources`). Nothing here imports the rest of the project."""

from sim.common.files import display_path, write_atomic

__all__ = ["display_path", "write_atomic"]
