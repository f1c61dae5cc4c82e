"""Benchmark parameters of the Shared Savings Program (``specs/mssp/benchmark.toml``).

One rule set per range of agreement start years (425.601 before 2024, 425.652 from 2024);
``[run]`` holds what claims cannot tell (assignment method, quality, elected MSR, what to do
with a benchmark year missing from the data). Every group cites its source in the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from apmlab.specfile import SpecError, read_spec

SPEC_PATH = Path(str(files("apmlab") / "specs" / "mssp" / "benchmark.toml"))
PARTIAL_BASELINE = ("require", "reweight")
RISK_MODES = ("flat", "demographic_plus")


@dataclass(frozen=True)
class BenchmarkRules:
    name: str
    first_agreement_start: int
    last_agreement_start: int
    weights_first: tuple[float, float, float]
    weights_renewal: tuple[float, float, float]
    regional_weights: tuple[tuple[float, float], ...]  # [lower spending, higher spending]
    cap_positive: float
    cap_negative: float
    negative_offset: bool
    apply_negative: bool
    prior_savings_share: float
    prior_savings_cap: float
    acpt_weight: float
    acpt_weight_by_year: dict[int, float]
    acpt_cumulative: dict[int, dict[int, float]]  # agreement start -> PY -> growth from BY3
    regional_risk_cap: bool
    two_way_loss_benchmark: bool  # 425.652(b)(5): losses against the two-way recalculation
    risk_mode: str
    risk_cap: float

    def acpt(self, agreement_start: int, performance_year: int) -> tuple[float, float]:
        """(weight, cumulative ACPT growth) for a performance year; raises when missing."""
        weight = self.acpt_weight_by_year.get(performance_year, self.acpt_weight)
        if weight == 0:
            return 0.0, 0.0
        growth = self.acpt_cumulative.get(agreement_start, {}).get(performance_year)
        if growth is None:
            raise SpecError(f"benchmark.toml [{self.name}]: no ACPT for agreements starting "
                            f"{agreement_start}, performance year {performance_year}")
        return weight, growth

    def regional_weight(self, application: int, lower_spending: bool) -> float:
        row = self.regional_weights[min(max(application, 1), len(self.regional_weights)) - 1]
        return row[0] if lower_spending else row[1]


@dataclass(frozen=True)
class BenchmarkSpec:
    assignment_method: str
    regional_application: int
    agreement_number: int
    partial_baseline: str
    quality_score: float
    met_quality_standard: bool
    two_sided_msr: float
    rules: tuple[BenchmarkRules, ...]

    def for_agreement(self, start: int) -> BenchmarkRules:
        for rules in self.rules:
            if rules.first_agreement_start <= start <= rules.last_agreement_start:
                return rules
        raise SpecError(f"benchmark.toml: no rule set for agreements starting in {start}")

    def year_weights(self, start: int) -> tuple[float, float, float]:
        rules = self.for_agreement(start)
        return rules.weights_first if self.agreement_number <= 1 else rules.weights_renewal


def load_benchmark_spec(path: Path | None = None) -> BenchmarkSpec:
    path = path or SPEC_PATH
    raw = read_spec(path)
    run = raw["run"]
    if run["partial_baseline"] not in PARTIAL_BASELINE:
        raise SpecError(f"{path.name}: partial_baseline must be one of {PARTIAL_BASELINE}")
    if run["assignment_method"] not in ("retrospective", "prospective"):
        raise SpecError(f"{path.name}: assignment_method must be retrospective or prospective")
    return BenchmarkSpec(
        assignment_method=run["assignment_method"],
        regional_application=int(run["regional_application"]),
        agreement_number=int(run["agreement_number"]),
        partial_baseline=run["partial_baseline"],
        quality_score=float(run["quality_score"]),
        met_quality_standard=bool(run["met_quality_standard"]),
        two_sided_msr=float(run["two_sided_msr"]),
        rules=tuple(_rules(path.name, name, r) for name, r in raw["rules"].items()),
    )


def _rules(file: str, name: str, raw: dict) -> BenchmarkRules:
    try:
        regional, update, risk = raw["regional"], raw["update"], raw["risk"]
        if risk["mode"] not in RISK_MODES:
            raise SpecError(f"{file} [{name}]: risk mode must be one of {RISK_MODES}")
        return BenchmarkRules(
            name=name,
            first_agreement_start=int(raw["first_agreement_start"]),
            last_agreement_start=int(raw["last_agreement_start"]),
            weights_first=tuple(raw["weights"]["first_agreement"]),
            weights_renewal=tuple(raw["weights"]["renewal"]),
            regional_weights=tuple(tuple(w) for w in regional["weights"]),
            cap_positive=float(regional["cap_positive"]),
            cap_negative=float(regional["cap_negative"]),
            negative_offset=bool(regional["negative_offset"]),
            apply_negative=bool(regional["apply_negative"]),
            prior_savings_share=float(raw["prior_savings"]["share"]),
            prior_savings_cap=float(raw["prior_savings"]["cap"]),
            acpt_weight=float(update["acpt_weight"]),
            acpt_weight_by_year={int(k): float(v)
                                 for k, v in update["acpt_weight_by_year"].items()},
            acpt_cumulative={int(s): {int(y): float(g) for y, g in years.items()}
                             for s, years in update["acpt_cumulative"].items()},
            regional_risk_cap=bool(update["regional_risk_cap"]),
            two_way_loss_benchmark=bool(update["two_way_loss_benchmark"]),
            risk_mode=risk["mode"],
            risk_cap=float(risk["cap"]),
        )
    except KeyError as exc:
        raise SpecError(f"{file}: rule set {name} lacks {exc.args[0]}") from None
