"""The JSON Schema files of the record, written from its models (:mod:`sim.record.schema`).

``python -m sim.record.schemafiles`` writes ``seeds/schema/<kind>.schema.json`` for each kind of
file (events, sectors, ladder, context); ``--check`` writes nothing and exits 1 naming each committed
file that differs from the models (a test runs it). Run it after changing a model, and commit the
files with the change.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sim.common import resources
from sim.record.schema import FILE_MODELS, json_schema

SCHEMA_DIR = resources.SEEDS_DIR / "schema"


def schema_path(kind: str, folder: Path = SCHEMA_DIR) -> Path:
    """Where the JSON Schema of a file of ``kind`` is committed."""
    return folder / f"{kind}.schema.json"


def main(argv: list[str] | None = None) -> int:
    """Write the JSON Schema of each kind of file to ``seeds/schema/`` (each written whole, then
    renamed); ``--check``: exit 1 naming the committed files that differ from the models."""
    args = sys.argv[1:] if argv is None else argv
    if args not in ([], ["--check"]):
        print("usage: python -m sim.record.schemafiles [--check]", file=sys.stderr)
        return 2
    stale = [schema_path(k) for k in FILE_MODELS if not _same(schema_path(k), json_schema(k))]
    if args:
        for p in stale:
            print(f"{p}: differs from the models; run python -m sim.record.schemafiles", file=sys.stderr)
        return 1 if stale else 0
    SCHEMA_DIR.mkdir(exist_ok=True)
    for kind in FILE_MODELS:
        tmp = schema_path(kind).with_suffix(".tmp")
        tmp.write_text(json_schema(kind), encoding="utf-8")
        tmp.replace(schema_path(kind))
    return 0


def _same(path: Path, text: str) -> bool:
    return path.is_file() and path.read_text(encoding="utf-8") == text


if __name__ == "__main__":
    sys.exit(main())
