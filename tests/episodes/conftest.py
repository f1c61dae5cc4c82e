"""Tiny claims sets run through load -> core -> episodes."""

from __future__ import annotations

import pytest

from apmlab import core, engine, episodes, load
from episodes.claims import HOSPITAL_PROVIDERS
from tiny_input import write_input


@pytest.fixture
def run_episodes(tmp_path):
    """``run_episodes(eligibility=[...], medical_claim=[...], participation=[...])`` -> con."""
    def run(models=("cjr", "team", "bpci_a"), provider=None, **tables):
        folder = write_input(tmp_path / "input", provider=provider or HOSPITAL_PROVIDERS,
                             **tables)
        con = engine.connect()
        load(folder, con)
        years = core.years_in_data(con)
        core.run(con, years)
        episodes.run(con, years, models)
        return con
    return run

