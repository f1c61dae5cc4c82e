"""Fixtures shared by the top-level tests."""

import pytest

from tiny_input import write_input


@pytest.fixture
def input_dir(tmp_path):
    """Write an input-layer folder: ``input_dir(eligibility=[...], ...)``."""
    return lambda **tables: write_input(tmp_path / "input", **tables)
