"""Shared by the benchmark scripts: peak memory and a timer that prints as it goes."""

from __future__ import annotations

import resource
import sys
import time
from contextlib import contextmanager


def peak_memory_gb() -> float:
    """Peak resident memory of this process so far (Linux reports kilobytes)."""
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / (1024 if sys.platform != "darwin" else 1024 * 1024) / 1024


@contextmanager
def timed(label: str, seconds: dict[str, float]):
    started = time.perf_counter()
    yield
    seconds[label] = time.perf_counter() - started
    print(f"  {label:<28} {seconds[label]:8.1f} s   peak memory {peak_memory_gb():5.2f} GB",
          flush=True)
