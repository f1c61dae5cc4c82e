"""Shared pieces of the hand-worked MSSP claims worlds: ACO1 bills through TIN T1 (primary
care physician N1) from 2023-01-01; T9 (N9) is an unaffiliated practice."""

from __future__ import annotations

from types import SimpleNamespace

from rich.console import Console

import apmlab
from apmlab import core
from apmlab.mssp import stage

PROVIDERS = [
    {"npi": "N1", "tin": "T1", "provider_type": "physician", "specialty_code": "08"},
    {"npi": "N9", "tin": "T9", "provider_type": "physician", "specialty_code": "08"},
]
PARTICIPATION = [{"entity_id": "ACO1", "model": "mssp", "track": "basic_e", "tin": "T1",
                  "start_date": "2023-01-01"}]


def quantile_99(values):
    """quantile_cont(0.99): linear interpolation at position 0.99 x (n - 1)."""
    v = sorted(values)
    pos = 0.99 * (len(v) - 1)
    low = int(pos)
    return v[low] + (pos - low) * (v[low + 1] - v[low])


def run_aco_stage(folder, years):
    """Load the input folder, build core and run the ACO stage; the connection."""
    con = apmlab.load(folder).con
    core.run(con, years)
    stage.run(SimpleNamespace(con=con, years=years, console=Console(quiet=True)))
    return con
