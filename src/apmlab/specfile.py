"""Model-year spec files (TOML under ``specs/<model>/``): one reader and one error for all.

Rules are data (DESIGN.md principle 4): each capability reads its parameters, with their
citations, from these files, and a user can copy one, change a value and rerun.
"""

from __future__ import annotations

import tomllib
from importlib.resources import files
from pathlib import Path

SPECS_ROOT = Path(str(files("apmlab") / "specs"))


class SpecError(ValueError):
    """A missing or malformed spec file, or a value the rules do not allow."""


def read_spec(path: Path) -> dict:
    """The parsed TOML at ``path``; any problem is a SpecError that names the file."""
    try:
        with Path(path).open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SpecError(f"{path}: {exc}") from exc
