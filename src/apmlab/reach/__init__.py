"""ACO REACH (Global and Professional options): settlement from per-ACO totals."""

from apmlab.reach.settle import corridor_share, settle, write_settlement
from apmlab.reach.spec import ReachSpec, load_spec

__all__ = ["ReachSpec", "corridor_share", "load_spec", "settle", "write_settlement"]
