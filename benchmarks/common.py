"""Shared by the benchmark scripts: peak memory, timers that print as they go, the
synthetic population and the arguments every claims-scale script takes."""

from __future__ import annotations

import argparse
import atexit
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from apmlab import engine


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


def generate_population(data: Path, beneficiaries: int, years: str,
                        seconds: dict[str, float]) -> None:
    """Write the synthetic input layer to ``data`` unless it is there already. It runs in a
    child process, so that its memory does not count as the benchmarked step's."""
    if (data / "eligibility.parquet").exists():
        return
    with timed("generate (child process)", seconds):
        subprocess.run(
            [sys.executable, "-m", "apmlab", "generate", "--beneficiaries", str(beneficiaries),
             "--years", years, "--seed", "1", "--out", str(data)],
            check=True,
        )


def work_folder(workdir: Path | None, prefix: str) -> Path:
    """``--workdir`` if given (kept for a rerun), else a temporary folder removed when the
    script ends: at a million beneficiaries the data run to several GB, and folders left
    behind by earlier runs once filled this machine's disk."""
    if workdir is not None:
        return workdir
    work = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, work, ignore_errors=True)
    return work


def population_parser(description: str, years: str = "2021-2025") -> argparse.ArgumentParser:
    """The arguments every claims-scale benchmark takes: population size, years, work folder."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--beneficiaries", type=int, default=1_000_000)
    parser.add_argument("--years", default=years)
    parser.add_argument("--workdir", type=Path, default=None,
                        help="reuse or keep the generated data here "
                        "(default: a temporary folder, removed at the end)")
    return parser


class ModelClock:
    """Wall and CPU seconds of each SQL model (``on_model`` is called before each one, so a
    model's time runs until the next call or :meth:`stop`)."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, float, float]] = []
        self._current: tuple[str, float, float] | None = None

    def __call__(self, model: engine.SqlModel) -> None:
        self.stop()
        self._current = (model.table, time.perf_counter(), time.process_time())

    def stop(self) -> None:
        if self._current:
            name, wall, cpu = self._current
            self.rows.append((name, time.perf_counter() - wall, time.process_time() - cpu))
            self._current = None
