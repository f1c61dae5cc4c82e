"""Medicare Shared Savings Program: settlement from per-ACO totals (42 CFR 425 subpart G)."""

from apmlab.mssp.settle import settle, size_based_msr, write_settlement
from apmlab.mssp.spec import MsspSpec, SpecError, load_spec
from apmlab.mssp.table import InputError

__all__ = ["InputError", "MsspSpec", "SpecError", "load_spec", "settle", "size_based_msr",
           "write_settlement"]
