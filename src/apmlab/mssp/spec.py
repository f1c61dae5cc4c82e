"""Shared Savings Program settlement parameters by performance year.

A year file ``specs/mssp/pyYYYY.toml`` names the rule set of each track available that year
and holds the year's quality mode and sequestration rate; the rule sets themselves, and the
size-based MSR scale, are defined once in ``specs/mssp/_tracks.toml``. A year may also have a
``[below_msr_sharing]`` group (42 CFR 425.605(h), PY2024 on). Every value carries its citation
in a ``source`` string next to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from apmlab.specfile import SpecError, read_spec

SPEC_DIR = Path(str(files("apmlab") / "specs" / "mssp"))
QUALITY_MODES = ("score", "standard", "sliding_scale")


@dataclass(frozen=True)
class TrackRule:
    name: str
    source: str
    max_sharing_rate: float
    savings_cap: float
    two_sided: bool
    msr_default: str | float
    loss_rate: str | float | None = None
    loss_rate_min: float = 0.0
    loss_rate_max: float = 1.0
    loss_limit_benchmark: float | tuple[float, ...] | None = None
    loss_limit_revenue: float | None = None


@dataclass(frozen=True)
class MsrBand:
    low: float
    high: float
    msr_low: float
    msr_high: float


@dataclass(frozen=True)
class BelowMsrSharing:
    """Savings shared below the MSR at a reduced rate (42 CFR 425.605(h), agreements from 2024)."""

    rule_sets: tuple[str, ...]
    sharing_rate_factor: float
    min_beneficiaries: int
    first_agreement_year: int
    low_revenue_share: float


@dataclass(frozen=True)
class MsspSpec:
    performance_year: int
    tracks: dict[str, TrackRule]
    quality_mode: str
    sequestration_rate: float
    msr_bands: tuple[MsrBand, ...]
    sources: dict[str, str]
    below_msr: BelowMsrSharing | None = None

    def track(self, name: str) -> TrackRule:
        try:
            return self.tracks[name]
        except KeyError:
            known = ", ".join(self.tracks)
            raise SpecError(
                f"track {name!r} is not available in performance year "
                f"{self.performance_year} (known: {known})"
            ) from None


def available_years(spec_dir: Path = SPEC_DIR) -> list[int]:
    return sorted(int(p.stem[2:]) for p in spec_dir.glob("py[0-9][0-9][0-9][0-9].toml"))


def load_spec(performance_year: int, spec_dir: Path = SPEC_DIR) -> MsspSpec:
    """Read one performance year's settlement spec; fails loudly on an unknown year or track."""
    path = spec_dir / f"py{performance_year}.toml"
    if not path.is_file():
        years = available_years(spec_dir)
        raise SpecError(
            f"no Shared Savings Program spec for performance year {performance_year} "
            f"(available: {years[0]}-{years[-1]})" if years else f"no spec files in {spec_dir}"
        )
    year = read_spec(path)
    library = read_spec(spec_dir / "_tracks.toml")
    rules = library.get("rules", {})
    tracks = {}
    for track, rule_name in year["tracks"].items():
        if track == "note":
            continue
        if rule_name not in rules:
            raise SpecError(f"{path.name}: track {track} names unknown rule set {rule_name!r}")
        tracks[track] = _track_rule(rule_name, rules[rule_name])
    mode = year["quality"]["mode"]
    if mode not in QUALITY_MODES:
        raise SpecError(f"{path.name}: quality mode {mode!r} not one of {QUALITY_MODES}")
    bands = tuple(MsrBand(*map(float, b)) for b in library["msr_size_based"]["bands"])
    below = year.get("below_msr_sharing")
    return MsspSpec(
        performance_year=int(year["performance_year"]),
        tracks=tracks,
        quality_mode=mode,
        sequestration_rate=float(year["sequestration"]["rate"]),
        msr_bands=bands,
        sources={
            "tracks": year["tracks"].get("note", ""),
            "quality": year["quality"]["source"],
            "quality_relief": year["quality"].get("relief", ""),
            "sequestration": year["sequestration"]["source"],
            "msr_size_based": library["msr_size_based"]["source"],
            **({"below_msr_sharing": below["source"], "low_revenue": below["low_revenue_source"]}
               if below else {}),
        },
        below_msr=_below_msr(path.name, below, rules) if below else None,
    )


def _below_msr(file: str, raw: dict, rules: dict) -> BelowMsrSharing:
    unknown = [r for r in raw["rule_sets"] if r not in rules]
    if unknown:
        raise SpecError(f"{file}: [below_msr_sharing] names unknown rule set(s) {unknown}")
    return BelowMsrSharing(
        rule_sets=tuple(raw["rule_sets"]),
        sharing_rate_factor=float(raw["sharing_rate_factor"]),
        min_beneficiaries=int(raw["min_beneficiaries"]),
        first_agreement_year=int(raw["first_agreement_year"]),
        low_revenue_share=float(raw["low_revenue_share"]),
    )


def _track_rule(name: str, raw: dict) -> TrackRule:
    limit = raw.get("loss_limit_benchmark")
    try:
        return TrackRule(
            name=name,
            source=raw["source"],
            max_sharing_rate=float(raw["max_sharing_rate"]),
            savings_cap=float(raw["savings_cap"]),
            two_sided=bool(raw["two_sided"]),
            msr_default=raw["msr_default"],
            loss_rate=raw.get("loss_rate"),
            loss_rate_min=float(raw.get("loss_rate_min", 0.0)),
            loss_rate_max=float(raw.get("loss_rate_max", 1.0)),
            loss_limit_benchmark=tuple(limit) if isinstance(limit, list) else limit,
            loss_limit_revenue=raw.get("loss_limit_revenue"),
        )
    except KeyError as exc:
        raise SpecError(f"_tracks.toml: rule set {name} lacks {exc.args[0]}") from None
