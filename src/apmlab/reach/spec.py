"""ACO REACH settlement parameters by performance year (``specs/reach/pyYYYY.toml``)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from apmlab.specfile import SpecError, read_spec

SPEC_DIR = Path(str(files("apmlab") / "specs" / "reach"))


@dataclass(frozen=True)
class ReachTrack:
    name: str
    source: str
    discount: float
    corridors: tuple[tuple[float, float, float], ...]  # (from, to, share kept), of benchmark


@dataclass(frozen=True)
class ReachSpec:
    performance_year: int
    tracks: dict[str, ReachTrack]
    quality_withhold: float
    sequestration_rate: float
    sources: dict[str, str]

    def track(self, name: str) -> ReachTrack:
        if name not in self.tracks:
            raise SpecError(f"track {name!r} is not an ACO REACH option in performance year "
                            f"{self.performance_year} (known: {', '.join(self.tracks)})")
        return self.tracks[name]


def load_spec(performance_year: int, spec_dir: Path = SPEC_DIR) -> ReachSpec:
    """Read one performance year's REACH spec; fails loudly on a year without a file."""
    path = spec_dir / f"py{performance_year}.toml"
    if not path.is_file():
        years = sorted(p.stem[2:] for p in spec_dir.glob("py*.toml"))
        raise SpecError(f"no ACO REACH spec for performance year {performance_year} "
                        f"(available: {', '.join(years)})")
    raw = read_spec(path)
    tracks = {
        name: ReachTrack(name, t["source"], float(t["discount"]),
                         tuple(tuple(map(float, band)) for band in t["corridors"]))
        for name, t in raw["tracks"].items()
    }
    return ReachSpec(
        performance_year=int(raw["performance_year"]),
        tracks=tracks,
        quality_withhold=float(raw["quality_withhold"]["rate"]),
        sequestration_rate=float(raw["sequestration"]["rate"]),
        sources={k: raw[k]["source"] for k in ("quality_withhold", "corridor_base",
                                               "sequestration")},
    )
