"""Global-budget and total-cost-of-care parameters, read from ``specs/budgets/*.toml``.

A spec is named (``maryland_gbr``, ``ahead_2026``, ``chart_parhm``, ``maryland_tcoc``) or
given as a path, so a user can copy a file, change a value and rerun. Every group of a file
carries ``source`` and ``verified`` strings; they are kept in :attr:`sources`.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from apmlab.specfile import SpecError, read_spec

SPEC_DIR = Path(str(files("apmlab") / "specs" / "budgets"))
HOSPITAL_SPECS = ("maryland_gbr", "ahead_2026", "chart_parhm")
DEFAULT_HOSPITAL_SPEC = "maryland_gbr"
DEFAULT_TCOC_SPEC = "maryland_tcoc"


@dataclass(frozen=True)
class HospitalBudgetSpec:
    name: str
    baseline_weights: tuple[float, ...]  # oldest base year first
    baseline_trend: float
    rate_update: float
    rate_update_by_year: dict[int, float]
    marginal_cost_factor: float
    exclude_pau: bool
    market_shift_cost_factor: float
    quality_adjustment: float
    corridor_width: float
    settlement_share: float
    sources: dict[str, str]

    def update_for(self, year: int) -> float:
        return self.rate_update_by_year.get(year, self.rate_update)


@dataclass(frozen=True)
class TcocSpec:
    name: str
    base_year: int
    target_shares: tuple[float, ...]  # by performance year of the model, 1 first
    max_excess_growth: float
    max_years_above: int
    sources: dict[str, str]

    def target_share(self, model_year: int) -> float:
        """Savings target share for the ``model_year``-th year (1-based); later years keep
        the last value."""
        return self.target_shares[min(model_year, len(self.target_shares)) - 1]


def spec_path(name_or_path: str | Path) -> Path:
    path = Path(name_or_path)
    if path.suffix == ".toml":
        if not path.is_file():
            raise SpecError(f"{path}: no such spec file")
        return path
    path = SPEC_DIR / f"{name_or_path}.toml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in SPEC_DIR.glob("*.toml")))
        raise SpecError(f"no budgets spec named {name_or_path!r} (known: {known})")
    return path


def load_hospital_spec(name_or_path: str | Path = DEFAULT_HOSPITAL_SPEC) -> HospitalBudgetSpec:
    path = spec_path(name_or_path)
    raw = read_spec(path)
    try:
        weights = tuple(float(w) for w in raw["baseline"]["weights"])
        spec = HospitalBudgetSpec(
            name=raw["name"],
            baseline_weights=weights,
            baseline_trend=float(raw["baseline"].get("trend", 0.0)),
            rate_update=float(raw["update"]["rate"]),
            rate_update_by_year={int(y): float(r) for y, r in raw["update"]["by_year"].items()},
            marginal_cost_factor=float(raw["demographic"]["marginal_cost_factor"]),
            exclude_pau=bool(raw["demographic"]["exclude_pau"]),
            market_shift_cost_factor=float(raw["market_shift"]["cost_factor"]),
            quality_adjustment=float(raw["quality"]["default_adjustment"]),
            corridor_width=float(raw["corridor"]["width"]),
            settlement_share=float(raw["corridor"]["settlement_share"]),
            sources=_sources(raw),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise SpecError(f"{path}: missing or malformed value ({exc})") from None
    if not weights or any(w < 0 for w in weights) or abs(sum(weights) - 1) > 1e-9:
        raise SpecError(f"{path}: baseline weights must be non-negative and sum to 1")
    if spec.corridor_width < 0 or not 0 <= spec.settlement_share <= 1:
        raise SpecError(f"{path}: corridor width must be >= 0, settlement share in [0, 1]")
    return spec


def load_tcoc_spec(name_or_path: str | Path = DEFAULT_TCOC_SPEC) -> TcocSpec:
    path = spec_path(name_or_path)
    raw = read_spec(path)
    try:
        spec = TcocSpec(
            name=raw["name"],
            base_year=int(raw["model"]["base_year"]),
            target_shares=tuple(float(s) for s in raw["savings"]["share_by_model_year"]),
            max_excess_growth=float(raw["guardrail"]["max_excess_growth"]),
            max_years_above=int(raw["guardrail"]["max_years_above"]),
            sources=_sources(raw),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise SpecError(f"{path}: missing or malformed value ({exc})") from None
    if not spec.target_shares or spec.max_years_above < 1:
        raise SpecError(f"{path}: needs at least one savings target and max_years_above >= 1")
    return spec


def _sources(raw: dict) -> dict[str, str]:
    return {
        group: f"{body.get('source', '')}\nVerified: {body.get('verified', '')}".strip()
        for group, body in raw.items()
        if isinstance(body, dict)
    }
