"""Bundled-payment model specs (CJR, TEAM, BPCI Advanced) read into small rule tables.

Each model has a folder ``specs/<model>/`` of TOML files: model-wide rules ([episode],
[pricing], [quality], [tracks]) and one table per performance year ([years.YYYY], with
per-track limits under [years.YYYY.track.N] or flat stop_gain / stop_loss fields). Every group
carries a ``source`` string with its citation. The rules reach SQL as rows of the
``episodes_ref_*`` tables built by :func:`rule_rows`, never as values formatted into SQL.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from apmlab.specfile import SpecError, read_spec

SPEC_ROOT = Path(str(files("apmlab") / "specs"))
MODELS = ("cjr", "team", "bpci_a")
HOSPITAL_TYPES = ("standard", "rural")
CAP_METHODS = ("mean_plus_sd", "percentile")
OVERLAP_RULES = ("cancel_earlier", "keep_earlier")
YEAR_BASES = ("anchor_start", "anchor_end")
QUALITY_MODES = ("cjr", "team")
PRICE_CELLS = ("anchor_drg", "episode_type")  # what one benchmark price covers


@dataclass(frozen=True)
class ModelSpec:
    model: str
    title: str
    episode: dict
    pricing: dict
    quality: dict
    default_track: str
    years: dict[int, dict]
    sources: dict[str, str]

    def rules_year(self, year: int) -> int:
        """The spec year whose rules apply to calendar ``year``: that year if the spec has
        it, else the nearest one (a simulation outside the model's real period)."""
        return min(self.years, key=lambda y: (abs(y - year), -y))


def load_model(model: str, spec_root: Path = SPEC_ROOT) -> ModelSpec:
    folder = spec_root / model
    paths = sorted(folder.glob("*.toml"))
    if not paths:
        raise SpecError(f"no spec files for bundled-payment model {model!r} in {folder}")
    merged: dict = {"years": {}}
    for path in paths:
        data = read_spec(path)
        if data.get("model") != model:
            raise SpecError(f"{path}: model = {data.get('model')!r}, expected {model!r}")
        for key, value in data.items():
            if key == "years":
                merged["years"].update({int(y): v for y, v in value.items()})
            elif key in merged and key != "model":
                raise SpecError(f"{path}: [{key}] is defined in more than one file")
            else:
                merged[key] = value
    try:
        return _model_spec(model, merged)
    except KeyError as exc:
        raise SpecError(f"specs/{model}: missing {exc.args[0]!r}") from None


def _model_spec(model: str, raw: dict) -> ModelSpec:
    episode, pricing, quality = raw["episode"], raw["pricing"], raw["quality"]
    _check(model, "episode.overlap", episode["overlap"], OVERLAP_RULES)
    _check(model, "episode.year_basis", episode["year_basis"], YEAR_BASES)
    _check(model, "pricing.cap_method", pricing["cap_method"], CAP_METHODS)
    _check(model, "quality.mode", quality["mode"], QUALITY_MODES)
    _check(model, "pricing.price_by", pricing.get("price_by", "anchor_drg"), PRICE_CELLS)
    if (pricing.get("price_by") == "episode_type"
            and "anchor_drg" not in pricing.get("risk_factors", [])):
        raise SpecError(f"specs/{model}: pricing.price_by = 'episode_type' prices every MS-DRG "
                        "of an episode type alike, so risk_factors must include 'anchor_drg'")
    weights = pricing["baseline_weights"]
    if len(weights) != 3 or not math.isclose(sum(weights), 1.0, abs_tol=1e-6):
        raise SpecError(f"specs/{model}: pricing.baseline_weights must be 3 weights summing to 1")
    lag = pricing.get("baseline_lag", 1)
    if not isinstance(lag, int) or lag < 1:
        raise SpecError(f"specs/{model}: pricing.baseline_lag must be a whole number of years "
                        f">= 1, got {lag!r}")
    sources = {k: raw[k]["source"] for k in ("episode", "cancellation", "pricing", "quality")}
    sources.update({f"year {y}": v["source"] for y, v in raw["years"].items()})
    for extra in ("limits", "tracks"):
        if extra in raw:
            sources[extra] = raw[extra]["source"]
    return ModelSpec(
        model=model,
        title=raw["title"],
        episode=episode,
        pricing=pricing,
        quality=quality,
        default_track=str(raw.get("tracks", {}).get("default", "1")),
        years=raw["years"],
        sources=sources,
    )


def _check(model: str, field: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise SpecError(f"specs/{model}: {field} = {value!r}, expected one of {allowed}")


def _nan_to_none(value):
    return None if isinstance(value, float) and math.isnan(value) else value


def rule_rows(spec: ModelSpec, years: range) -> dict[str, list[tuple]]:
    """Rows of the rule tables for ``years`` (every performance and baseline year of the run).

    Returns rows for ``episodes_ref_model``, ``episodes_ref_year``, ``episodes_ref_limit``
    and ``episodes_ref_baseline`` (see :data:`RULE_TABLES` for the columns).
    """
    e, p, q = spec.episode, spec.pricing, spec.quality
    model_row = (
        spec.model, int(e["window_days"]), e["year_basis"], e["overlap"], p["cap_method"],
        float(p.get("cap_sd", 0.0)), float(p.get("cap_percentile", 1.0)),
        int(p["low_volume_min"]), _nan_to_none(p.get("retrospective_trend_bound")),
        spec.default_track, q["mode"], float(q["default_score"]),
        float(q.get("gate", 0.0)), float(q.get("good_threshold", math.inf)),
        float(q.get("good_reduction", 0.0)), float(q.get("excellent_threshold", math.inf)),
        float(q.get("excellent_reduction", 0.0)), float(q.get("positive_max", 0.0)),
        float(q.get("negative_max", 0.0)), bool(p["projected_trend"]),
        p.get("price_by", "anchor_drg"),
    )
    year_rows, limit_rows, baseline_rows, discount_rows = [], [], [], []
    for year in years:
        rules = spec.rules_year(year)
        y = spec.years[rules]
        retro = bool(y.get("retrospective_trend", p["retrospective_trend"]))
        year_rows.append((
            spec.model, year, rules, y["label"], float(y["hospital_weight"]),
            float(y["discount"]), float(y["repayment_discount"]),
            float(y.get("prospective_trend", p["prospective_trend"])), retro,
            bool(y["risk_adjusted"]),
        ))
        for episode_type, rate in y.get("discount_by_type", {}).items():
            discount_rows.append((spec.model, year, episode_type, float(rate)))
        tracks = y.get("track") or {"1": y}
        for track, t in tracks.items():
            for hospital_type in HOSPITAL_TYPES:
                loss = t.get(f"stop_loss_{hospital_type}", t["stop_loss"])
                limit_rows.append((spec.model, year, str(track), hospital_type,
                                   float(t["stop_gain"]), float(loss)))
        # The latest baseline year is baseline_lag years before the performance year.
        lag = p.get("baseline_lag", 1) - 1
        for offset, weight in zip((3 + lag, 2 + lag, 1 + lag), p["baseline_weights"],
                                  strict=True):
            baseline_rows.append((spec.model, year, offset, float(weight)))
    return {
        "episodes_ref_model": [model_row],
        "episodes_ref_year": year_rows,
        "episodes_ref_limit": limit_rows,
        "episodes_ref_baseline": baseline_rows,
        "episodes_ref_discount": discount_rows,
    }


RULE_TABLES: dict[str, str] = {
    "episodes_ref_model": (
        "model VARCHAR, window_days INTEGER, year_basis VARCHAR, overlap VARCHAR, "
        "cap_method VARCHAR, cap_sd DOUBLE, cap_percentile DOUBLE, low_volume_min INTEGER, "
        "retro_trend_bound DOUBLE, default_track VARCHAR, quality_mode VARCHAR, "
        "default_quality DOUBLE, quality_gate DOUBLE, good_threshold DOUBLE, "
        "good_reduction DOUBLE, excellent_threshold DOUBLE, excellent_reduction DOUBLE, "
        "quality_positive_max DOUBLE, quality_negative_max DOUBLE, project_trend BOOLEAN, "
        "price_by VARCHAR"
    ),
    "episodes_ref_year": (
        "model VARCHAR, year INTEGER, rules_year INTEGER, label VARCHAR, "
        "hospital_weight DOUBLE, discount DOUBLE, repayment_discount DOUBLE, "
        "prospective_trend DOUBLE, retrospective_trend BOOLEAN, risk_adjusted BOOLEAN"
    ),
    "episodes_ref_limit": (
        "model VARCHAR, year INTEGER, track VARCHAR, hospital_type VARCHAR, "
        "stop_gain DOUBLE, stop_loss DOUBLE"
    ),
    "episodes_ref_baseline": "model VARCHAR, year INTEGER, year_offset INTEGER, weight DOUBLE",
    "episodes_ref_discount": "model VARCHAR, year INTEGER, episode_type VARCHAR, discount DOUBLE",
}
