"""Shared Savings Program benchmarks from claims: historical benchmark, adjustments, update,
performance-year risk adjustment (42 CFR 425.601, 425.652-425.660).

The per-beneficiary work is set-based SQL: ``sql/mssp/08_assignable.sql`` picks the
assignable population, :func:`apmlab.core.truncate_at_percentile` truncates it at the 99th
percentile by year and enrollment type, and ``sql/mssp_benchmark/`` sums it by nation,
county and ACO agreement. This module then does the per-ACO arithmetic (rules in
:mod:`apmlab.mssp.benchmark_rules`) on arrays indexed [agreement, year, enrollment type] and
writes table ``mssp_benchmark``: one row per ACO agreement, performance year and enrollment
type (plus an ``all`` row) with every intermediate amount, and ``baseline_status`` saying
whether the benchmark is complete, built from fewer benchmark years, or not built and why.

A beneficiary-year is split by enrollment type as CMS splits it (42 CFR 425.652(a)(2),
425.654(a); CMS Shared Savings and Losses, Assignment and Quality Performance Standard
Methodology Specifications): person-months count in that month's type, claims in the type
of the month of their through date, and truncation is on the annualised expenditure within
each type. Beneficiary counts (the ``all`` row, settlement, the dual share and market share)
count persons, once however many types their year spans.

Simplifications, each visible in the data it touches: every type of a beneficiary-year gets
the year's risk scores (CMS scores ESRD months with its ESRD model, not implemented here);
claims are taken as complete (no run-out or completion factor); the
data's assignable population stands in for the nation; assignable beneficiaries are
identified on the calendar year for every assignment method.

Risk scores: the benchmark reads table ``risk_score`` written by the risk stage (columns
``person_id``, ``year``, ``payment_score`` = the payment year's blended, normalized
prospective CMS-HCC score, without the MA-only coding-pattern adjustment; optional
``demographic_score``) when the run has it. Without it every score is 1.0 (no risk
adjustment) and :func:`prepare_risk_input` says so; a beneficiary-year missing from the
table also gets 1.0, and is counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import numpy as np
import pyarrow as pa

from apmlab import core, engine
from apmlab.mssp import benchmark_rules as br
from apmlab.mssp.benchmark_spec import BenchmarkSpec
from apmlab.mssp.spec import SpecError

TYPES = br.TYPES
RISK_TABLE = "risk_score"
RISK_COLUMN = "payment_score"
PRIOR_SAVINGS_TABLE = "mssp_prior_savings"


def prepare_risk_input(con: duckdb.DuckDBPyConnection) -> None:
    """Write ``mssp_risk_input`` (person_id, year, risk_score, demographic_score, missing)
    for every beneficiary-year of core_beneficiary_year."""
    columns = _columns(con, RISK_TABLE)
    if {"person_id", "year", RISK_COLUMN} <= columns:
        demographic = "avg(r.demographic_score)" if "demographic_score" in columns else "1.0"
        con.execute(f"""
            CREATE OR REPLACE TABLE mssp_risk_input AS
            SELECT b.person_id, b.year,
                coalesce(avg(r.{RISK_COLUMN}), 1.0) AS risk_score,
                coalesce({demographic}, 1.0) AS demographic_score,
                count(r.{RISK_COLUMN}) = 0 AS missing
            FROM core_beneficiary_year AS b
            LEFT JOIN {RISK_TABLE} AS r ON r.person_id = b.person_id AND r.year = b.year
            GROUP BY b.person_id, b.year
        """)
    else:
        con.execute("""
            CREATE OR REPLACE TABLE mssp_risk_input AS
            SELECT person_id, year, 1.0 AS risk_score, 1.0 AS demographic_score,
                TRUE AS missing
            FROM core_beneficiary_year
        """)


def risk_note(con: duckdb.DuckDBPyConnection) -> str:
    """Where the benchmark's risk scores came from, for the report."""
    columns = _columns(con, RISK_TABLE)
    if not {"person_id", "year", RISK_COLUMN} <= columns:
        return (f"No table {RISK_TABLE} (person_id, year, {RISK_COLUMN}) in this run: every risk "
                "score is 1.0, so benchmarks are not risk adjusted.")
    missing, total = con.execute(
        "SELECT count(*) FILTER (WHERE missing), count(*) FROM mssp_risk_input").fetchall()[0]
    note = f"Prospective HCC risk scores from table {RISK_TABLE}"
    if "demographic_score" not in columns:
        note += " (no demographic_score column: demographic scores taken as 1.0)"
    if missing:
        note += f"; {missing:,} of {total:,} beneficiary-years had no score and count as 1.0"
    return note + "."


@dataclass
class Grid:
    """Sums from sql/mssp_benchmark/ as arrays [agreement, year, type] (and [year, type])."""

    agreements: list[tuple[str, str, int, str | None]]  # model, aco_id, start, track
    years: np.ndarray          # the year axis
    data_years: set[int]       # years the data (and assignment) cover
    population: dict[str, np.ndarray] = field(default_factory=dict)
    regional: dict[str, np.ndarray] = field(default_factory=dict)
    market_share: np.ndarray | None = None
    persons: dict[str, np.ndarray] = field(default_factory=dict)  # [agreement, year]
    national: dict[str, np.ndarray] = field(default_factory=dict)
    prior_savings: np.ndarray | None = None  # [agreement, 3]
    proration: np.ndarray | None = None      # [agreement]
    unsupported: list[tuple[str, str, int, str | None, str]] = field(default_factory=list)

    def year_index(self, years) -> np.ndarray:
        return np.asarray(years) - self.years[0]


POPULATION = ("beneficiaries", "person_years", "expenditure", "untruncated_expenditure",
              "risk_person_years", "demographic_person_years")
PERSONS = ("beneficiaries", "dual_beneficiaries")
REGIONAL = ("regional_per_capita", "regional_risk", "regional_demographic", "market_share")
NATIONAL = ("beneficiaries", "person_years", "expenditure", "risk_person_years")


def load_grid(con: duckdb.DuckDBPyConnection, spec: BenchmarkSpec) -> Grid:
    """The sums as arrays; agreements whose start year no rule set covers are set aside in
    ``unsupported`` with the reason."""
    agreements, unsupported = [], []
    for row in con.execute("SELECT model, aco_id, agreement_start, track FROM mssp_agreement "
                           "ORDER BY model, aco_id").fetchall():
        try:
            spec.for_agreement(row[2])
            agreements.append(tuple(row))
        except SpecError as exc:
            unsupported.append((*row, f"not benchmarked: {exc}"))
    data_years = {int(y) for (y,) in con.execute(
        "SELECT DISTINCT year FROM mssp_assignment_window").fetchall()}
    first = min([*data_years, *(a[2] - 3 for a in agreements)], default=0)
    last = max([*data_years, *(a[2] for a in agreements)], default=0)
    grid = Grid(agreements, np.arange(first, last + 1), data_years, unsupported=unsupported)
    index = {(a[0], a[1]): i for i, a in enumerate(agreements)}
    shape = (len(agreements), len(grid.years), len(TYPES))
    t_index = {t: k for k, t in enumerate(TYPES)}

    def fill(sql: str, names: tuple[str, ...], where, shape_, default: float):
        arrays = {n: np.full(shape_, default) for n in names}
        for row in con.execute(sql).fetchall():
            at = where(row)
            if at is None:
                continue
            for n, value in zip(names, row[-len(names):], strict=True):
                arrays[n][at] = np.nan if value is None else value
        return arrays

    def agreement_at(row):
        a = index.get((row[0], row[1]))
        return None if a is None else (a, row[2] - first, t_index[row[3]])

    def agreement_year_at(row):
        a = index.get((row[0], row[1]))
        return None if a is None else (a, row[2] - first)

    cols = ", ".join(POPULATION)
    grid.population = fill(
        f"SELECT model, aco_id, year, enrollment_type, {cols} FROM mssp_benchmark_population",
        POPULATION, agreement_at, shape, 0.0)
    cols = ", ".join(REGIONAL)
    grid.regional = fill(
        f"SELECT model, aco_id, year, enrollment_type, {cols} FROM mssp_benchmark_regional",
        REGIONAL, agreement_at, shape, np.nan)
    grid.market_share = fill(
        "SELECT model, aco_id, year, market_share FROM mssp_benchmark_market_share",
        ("market_share",), agreement_year_at, shape[:2], np.nan)["market_share"]
    cols = ", ".join(PERSONS)
    grid.persons = fill(f"SELECT model, aco_id, year, {cols} FROM mssp_benchmark_persons",
                        PERSONS, agreement_year_at, shape[:2], 0.0)
    cols = ", ".join(NATIONAL)
    grid.national = fill(
        f"SELECT year, enrollment_type, {cols} FROM mssp_benchmark_national", NATIONAL,
        lambda r: (r[0] - first, t_index[r[1]]), shape[1:], 0.0)
    grid.prior_savings, grid.proration = prior_savings(con, agreements)
    return grid


def prior_savings(con, agreements) -> tuple[np.ndarray, np.ndarray]:
    """Per capita savings of the 3 years before each agreement from the optional table
    ``mssp_prior_savings`` (aco_id, year, per_capita_savings[, proration]); a year without a
    row counts 0: not reconciled (425.658(b)(1)(i))."""
    savings = np.zeros((len(agreements), 3))
    proration = np.ones(len(agreements))
    columns = _columns(con, PRIOR_SAVINGS_TABLE)
    if not {"aco_id", "year", "per_capita_savings"} <= columns:
        return savings, proration
    prorate = "proration" if "proration" in columns else "1.0"
    rows = con.execute(f"SELECT aco_id, year, per_capita_savings, {prorate} "
                       f"FROM {PRIOR_SAVINGS_TABLE}").fetchall()
    by_aco = {a[1]: i for i, a in enumerate(agreements) if a[0] == "mssp"}
    for aco, year, value, factor in rows:
        a = by_aco.get(aco)
        if a is None:
            continue
        k = int(year) - (agreements[a][2] - 3)
        if 0 <= k < 3:
            savings[a, k] = value or 0.0
            proration[a] = 1.0 if factor is None else factor
    return savings, proration


def _columns(con, table: str) -> set[str]:
    return {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = $t",
        {"t": table}).fetchall()}


@dataclass
class Historical:
    """Benchmark-year quantities per agreement ([A, 3, T] unless said otherwise)."""

    by_years: np.ndarray       # [A, 3]
    person_years: np.ndarray
    per_capita: np.ndarray
    risk: np.ndarray
    risk_adjusted: np.ndarray
    trend: np.ndarray
    restated: np.ndarray
    weights: np.ndarray
    benchmark: np.ndarray      # [A, T]
    proportions: np.ndarray    # [A, T] BY3 person-year shares
    national_by3: np.ndarray   # [A, T] national per capita in BY3
    regional_by3: np.ndarray   # [A, T] regional per capita at the ACO's BY3 risk
    market_share_by3: np.ndarray  # [A]
    status: np.ndarray         # [A] text


def historical(grid: Grid, spec: BenchmarkSpec) -> Historical:
    """Historical benchmark by type for every agreement (425.652(a)(1)-(7), 425.601(a)),
    MSSP and REACH alike, with the benchmark-year weights of the agreement's rule set."""
    start = np.array([a[2] for a in grid.agreements], dtype=int)
    by_years = start[:, None] + np.array([-3, -2, -1])
    yi = grid.year_index(by_years)
    a = np.arange(len(start))[:, None]
    pop = {k: v[a, yi] for k, v in grid.population.items()}
    nat = {k: v[yi] for k, v in grid.national.items()}
    py = pop["person_years"]
    per_capita = br.ratio(pop["expenditure"], py)
    risk = br.ratio(pop["risk_person_years"], py)
    national = br.ratio(nat["expenditure"], nat["person_years"])
    regional = grid.regional["regional_per_capita"][a, yi]
    share_by3 = grid.market_share[np.arange(len(start)), yi[:, 2]]
    restated = br.restate_to_by3(per_capita, risk, national, regional,
                                 np.nan_to_num(share_by3))
    in_data = np.isin(by_years, sorted(grid.data_years))
    present = in_data[:, :, None] & (py > 0)
    weights = np.array([spec.year_weights(s) for s in start])
    benchmark = np.empty((len(start), len(TYPES)))
    effective = np.empty(py.shape)
    for k in range(len(start)):
        benchmark[k], effective[k] = br.weight_years(restated["restated"][k], present[k],
                                                     weights[k])
    py3 = py[:, 2, :]
    proportions = br.ratio(py3, py3.sum(-1, keepdims=True))
    status = _baseline_status(by_years, in_data, py3, spec)
    return Historical(
        by_years=by_years, person_years=py, per_capita=per_capita, risk=risk,
        risk_adjusted=restated["risk_adjusted"], trend=restated["trend"],
        restated=restated["restated"], weights=effective, benchmark=benchmark,
        proportions=np.nan_to_num(proportions), national_by3=national[:, 2, :],
        regional_by3=regional[:, 2, :] * risk[:, 2, :], market_share_by3=share_by3,
        status=status,
    )


def _baseline_status(by_years, in_data, py3, spec: BenchmarkSpec) -> np.ndarray:
    status = []
    for years, present, persons in zip(by_years, in_data, py3.sum(-1), strict=True):
        missing = [f"BY{k + 1} ({y})" for k, (y, ok) in enumerate(zip(years, present,
                                                                     strict=True)) if not ok]
        if not present[2]:
            status.append(f"not benchmarked: {', '.join(missing)} not in the data")
        elif persons <= 0:
            status.append(f"not benchmarked: no beneficiary assigned in BY3 ({years[2]})")
        elif not missing:
            status.append("complete")
        elif spec.partial_baseline == "require":
            status.append(f"not benchmarked: {', '.join(missing)} not in the data "
                          "(partial_baseline = require)")
        else:
            status.append(f"reweighted: {', '.join(missing)} not in the data, weights of "
                          "the other benchmark years scaled to sum to 1")
    return np.array(status, dtype=object)


@dataclass
class Performance:
    """Performance-year quantities, one row per (agreement, performance year) pair."""

    agreement: np.ndarray      # [P] index into grid.agreements
    year: np.ndarray           # [P]
    beneficiaries: np.ndarray  # [P, T] persons with months of the type
    persons: np.ndarray        # [P] persons over all types, each once
    person_years: np.ndarray
    expenditure: np.ndarray
    untruncated_expenditure: np.ndarray
    per_capita: np.ndarray
    risk: np.ndarray
    demographic: np.ndarray
    national_growth: np.ndarray
    regional_growth: np.ndarray
    regional_hcc_growth: np.ndarray
    regional_demographic_growth: np.ndarray
    regional_market_share: np.ndarray  # [P, T]
    market_share: np.ndarray   # [P]


def performance_years(grid: Grid, hist: Historical) -> Performance:
    """Every (agreement, year) with the year in the data and on or after the start."""
    pairs = [(a, y) for a, agreement in enumerate(grid.agreements)
             for y in sorted(grid.data_years) if y >= agreement[2]]
    a = np.array([p[0] for p in pairs], dtype=int)
    year = np.array([p[1] for p in pairs], dtype=int)
    yi = grid.year_index(year)
    y3 = grid.year_index(hist.by_years[a, 2])
    pop = {k: v[a, yi] for k, v in grid.population.items()}
    nat = br.ratio(grid.national["expenditure"], grid.national["person_years"])
    reg = grid.regional

    def growth(values):
        return br.ratio(values[a, yi], values[a, y3])

    if not pairs:
        return None
    return Performance(
        agreement=a, year=year, beneficiaries=pop["beneficiaries"],
        persons=grid.persons["beneficiaries"][a, yi],
        person_years=pop["person_years"], expenditure=pop["expenditure"],
        untruncated_expenditure=pop["untruncated_expenditure"],
        per_capita=br.ratio(pop["expenditure"], pop["person_years"]),
        risk=br.ratio(pop["risk_person_years"], pop["person_years"]),
        demographic=br.ratio(pop["demographic_person_years"], pop["person_years"]),
        national_growth=br.ratio(nat[yi], nat[y3]),
        regional_growth=growth(reg["regional_per_capita"]),
        regional_hcc_growth=growth(reg["regional_risk"]),
        regional_demographic_growth=growth(reg["regional_demographic"]),
        regional_market_share=reg["market_share"][a, yi],
        market_share=grid.market_share[a, yi],
    )


def compute(grid: Grid, hist: Historical, perf: Performance | None,
            spec: BenchmarkSpec) -> tuple[pa.Table, pa.Table]:
    """MSSP benchmark rows (every intermediate amount) and the per-ACO settlement input."""
    rules = [spec.for_agreement(a[2]) for a in grid.agreements]
    pop3 = {k: v[np.arange(len(rules)), grid.year_index(hist.by_years[:, 2])]
            for k, v in grid.population.items()}
    py3 = pop3["person_years"]
    risk3 = br.ratio(pop3["risk_person_years"], py3)
    demographic3 = br.ratio(pop3["demographic_person_years"], py3)
    persons3 = {k: v[np.arange(len(rules)), grid.year_index(hist.by_years[:, 2])]
                for k, v in grid.persons.items()}
    dual_share = br.ratio(persons3["dual_beneficiaries"], persons3["beneficiaries"])
    nat_py3 = grid.national["person_years"][grid.year_index(hist.by_years[:, 2])]
    national_single = br.ratio((hist.national_by3 * nat_py3).sum(-1), nat_py3.sum(-1))

    n = len(rules)
    adjust = {name: np.full((n, len(TYPES)), np.nan) for name in
              ("difference", "uncapped", "cap_low", "cap_high", "regional", "applied")}
    scalars = {name: np.full(n, np.nan) for name in
               ("lower", "weight", "offset", "single", "prior_average", "prior")}
    kind = np.full(n, "none", dtype=object)
    for rule_set in {r.name for r in rules}:
        rows = np.array([r.name == rule_set for r in rules])
        r = next(x for x in rules if x.name == rule_set)
        regional = br.regional_adjustment(
            hist.regional_by3[rows], hist.benchmark[rows], hist.proportions[rows],
            hist.national_by3[rows], spec.regional_application, r, np.nan_to_num(
                dual_share[rows]), risk3[rows], hist.per_capita[rows, 2], py3[rows])
        average, eligible, prior = br.prior_savings_adjustment(
            grid.prior_savings[rows], grid.proration[rows], national_single[rows], r)
        applied, kind[rows] = br.choose_adjustment(regional, eligible, prior, r)
        for name, value in (("difference", regional.difference),
                            ("uncapped", regional.uncapped), ("cap_low", regional.cap_low),
                            ("cap_high", regional.cap_high), ("regional", regional.adjustment),
                            ("applied", applied)):
            adjust[name][rows] = value
        for name, value in (("lower", regional.lower_spending), ("weight", regional.weight),
                            ("offset", regional.offset), ("single", regional.single_value),
                            ("prior_average", average), ("prior", prior)):
            scalars[name][rows] = value
    # A type with no benchmark-year population has no historical value: national BY3
    # per capita stands in (flagged in baseline_status through the type's missing BYs).
    historical_benchmark = np.where(np.isnan(hist.benchmark), hist.national_by3, hist.benchmark)
    adjusted = historical_benchmark + np.nan_to_num(adjust["applied"])

    rows_out: dict[str, list] = {c: [] for c in BENCHMARK_COLUMNS}
    settlement: dict[str, list] = {c: [] for c in MSSP_SETTLEMENT_TYPES}
    if perf is not None:
        _performance_rows(grid, hist, perf, rules, adjusted, historical_benchmark, risk3,
                          demographic3, adjust, scalars, kind, rows_out, settlement)
    status_rows(grid, hist, perf, "mssp", rows_out)
    return benchmark_table(rows_out), pa.table(
        {c: pa.array(v, MSSP_SETTLEMENT_TYPES[c]) for c, v in settlement.items()})


def benchmark_table(rows: dict[str, list]) -> pa.Table:
    return pa.table({c: pa.array(v, BENCHMARK_TYPES.get(c, pa.float64()))
                     for c, v in rows.items()})


BENCHMARK_TYPES = {
    "model": pa.string(), "aco_id": pa.string(), "agreement_start": pa.int32(),
    "track": pa.string(), "performance_year": pa.int32(), "enrollment_type": pa.string(),
    "rule_set": pa.string(), "baseline_status": pa.string(), "adjustment_kind": pa.string(),
    "by1_year": pa.int32(), "by2_year": pa.int32(), "by3_year": pa.int32(),
    "py_beneficiaries": pa.int64(), "lower_spending_than_region": pa.bool_(),
}
BY_COLUMNS = ("person_years", "per_capita", "risk_score", "risk_adjusted", "trend_factor",
              "restated", "weight")
BENCHMARK_COLUMNS = [
    "model", "aco_id", "agreement_start", "track", "performance_year", "enrollment_type",
    "rule_set", "baseline_status", "by1_year", "by2_year", "by3_year",
    *(f"by{k}_{c}" for k in (1, 2, 3) for c in BY_COLUMNS),
    "historical_benchmark", "by3_proportion", "national_per_capita_by3",
    "regional_per_capita_by3", "regional_per_capita_py", "regional_blend_weight",
    "regional_difference", "lower_spending_than_region",
    "regional_weight", "regional_adjustment_uncapped", "regional_cap_low", "regional_cap_high",
    "regional_offset_factor", "regional_adjustment", "regional_adjustment_single",
    "prior_savings_average", "prior_savings_adjustment", "adjustment_kind",
    "applied_adjustment", "adjusted_benchmark",
    "py_beneficiaries", "py_person_years", "py_expenditure", "py_expenditure_untruncated",
    "py_per_capita", "py_risk_score",
    "by3_risk_score", "risk_ratio", "risk_ratio_capped", "risk_cap",
    "national_growth", "regional_growth", "regional_risk_cap_factor", "market_share",
    "two_way_update", "acpt_growth", "acpt_weight", "update_factor",
    "updated_benchmark", "benchmark_total", "updated_benchmark_two_way",
    "benchmark_total_two_way", "expenditure_total",
]
SETTLEMENT_TYPES = {
    "model": pa.string(), "aco_id": pa.string(), "agreement_start": pa.int32(),
    "performance_year": pa.int32(), "track": pa.string(), "assigned_beneficiaries": pa.int64(),
    "benchmark_total": pa.float64(), "expenditure_total": pa.float64(),
    "participation_year": pa.int32(),
}
SETTLEMENT_INPUT = list(SETTLEMENT_TYPES)
# MSSP only: the two-way recalculation of 425.652(b)(5) (blank before 2024 agreements) and
# the assigned beneficiaries' untruncated expenditure for the 425.20 low revenue test.
MSSP_SETTLEMENT_TYPES = {**SETTLEMENT_TYPES, "benchmark_total_two_way": pa.float64(),
                         "assigned_ffs_expenditure": pa.float64()}


def _performance_rows(grid, hist, perf, rules, adjusted, historical_benchmark, risk3,
                      demographic3, adjust, scalars, kind, out, settlement) -> None:
    a = perf.agreement
    weights = adjusted[a] * perf.person_years
    ratio_ = np.ones(perf.risk.shape)
    capped = np.ones(perf.risk.shape)
    cap = np.full(len(a), np.nan)
    regional_cap = np.ones(perf.risk.shape)
    acpt_weight = np.zeros(len(a))
    acpt_growth = np.zeros(len(a))
    errors = np.full(len(a), "", dtype=object)
    for k, (agreement, year) in enumerate(zip(a, perf.year, strict=True)):
        try:
            acpt_weight[k], acpt_growth[k] = rules[agreement].acpt(
                grid.agreements[agreement][2], int(year))
        except SpecError as exc:
            errors[k] = f"not benchmarked: {exc}"
    for rule_set in {r.name for r in rules}:
        rows = np.array([rules[x].name == rule_set for x in a])
        if not rows.any():
            continue
        r = rules[a[rows][0]]
        ratio_[rows], capped[rows], cap[rows] = br.capped_risk_ratio(
            perf.risk[rows], risk3[a[rows]], perf.demographic[rows], demographic3[a[rows]],
            weights[rows], r)
        regional_cap[rows] = br.regional_risk_cap_factor(
            perf.regional_hcc_growth[rows], perf.regional_demographic_growth[rows],
            weights[rows], perf.regional_market_share[rows], perf.person_years[rows], r)
    update, two_way = br.update_factor(perf.national_growth,
                                       perf.regional_growth * regional_cap,
                                       np.nan_to_num(perf.market_share), acpt_growth,
                                       acpt_weight)
    updated = adjusted[a] * capped * update
    benchmark_total = np.nansum(updated * perf.person_years, -1)
    # 425.652(b)(5): the updated benchmark recalculated with the two-way blend, for losses
    recalculates = np.array([rules[g].two_way_loss_benchmark for g in a], dtype=bool)
    updated_two_way = np.where(recalculates[:, None], adjusted[a] * capped * two_way, np.nan)
    two_way_total = np.where(recalculates,
                             np.nansum(updated_two_way * perf.person_years, -1), np.nan)
    expenditure_total = perf.expenditure.sum(-1)
    for k in range(len(a)):
        g = a[k]
        model, aco, start, track = grid.agreements[g]
        if model != "mssp":
            continue
        status = errors[k] or hist.status[g]
        ok = not status.startswith("not benchmarked")
        base = {"model": model, "aco_id": aco, "agreement_start": start, "track": track,
                "performance_year": int(perf.year[k]), "rule_set": rules[g].name,
                "baseline_status": status}
        for t, type_ in enumerate(TYPES):
            row = dict(base, enrollment_type=type_)
            by_columns(row, hist, g, t)
            py_columns(row, perf, k, t)
            row.update({
                "historical_benchmark": historical_benchmark[g, t],
                "regional_difference": adjust["difference"][g, t],
                "lower_spending_than_region": bool(scalars["lower"][g]),
                "regional_weight": scalars["weight"][g],
                "regional_adjustment_uncapped": adjust["uncapped"][g, t],
                "regional_cap_low": adjust["cap_low"][g, t],
                "regional_cap_high": adjust["cap_high"][g, t],
                "regional_offset_factor": scalars["offset"][g],
                "regional_adjustment": adjust["regional"][g, t],
                "regional_adjustment_single": scalars["single"][g],
                "prior_savings_average": scalars["prior_average"][g],
                "prior_savings_adjustment": scalars["prior"][g],
                "adjustment_kind": kind[g],
                "applied_adjustment": adjust["applied"][g, t],
                "adjusted_benchmark": adjusted[g, t],
                "risk_ratio": ratio_[k, t],
                "risk_ratio_capped": capped[k, t],
                "risk_cap": cap[k],
                "regional_risk_cap_factor": regional_cap[k, t],
                "two_way_update": two_way[k, t],
                "acpt_growth": acpt_growth[k],
                "acpt_weight": acpt_weight[k],
                "update_factor": update[k, t],
                "updated_benchmark": updated[k, t] if ok else np.nan,
                "benchmark_total": updated[k, t] * perf.person_years[k, t] if ok else np.nan,
                "updated_benchmark_two_way": updated_two_way[k, t] if ok else np.nan,
                "benchmark_total_two_way": (updated_two_way[k, t] * perf.person_years[k, t]
                                            if ok else np.nan),
            })
            append_row(out, row)
        append_row(out, dict(
            base, **all_row(perf, k, benchmark_total[k] if ok else np.nan,
                            expenditure_total[k]),
            historical_benchmark=float(np.nansum(hist.proportions[g] * historical_benchmark[g])),
            adjusted_benchmark=float(np.nansum(hist.proportions[g] * adjusted[g])),
            regional_adjustment_single=scalars["single"][g],
            prior_savings_adjustment=scalars["prior"][g], adjustment_kind=kind[g],
            updated_benchmark_two_way=br.ratio(two_way_total[k],
                                               perf.person_years[k].sum()).item() if ok else None,
            benchmark_total_two_way=two_way_total[k] if ok else None,
        ))
        if ok and benchmark_total[k] > 0:
            append_settlement(settlement, grid.agreements[g], perf, k, benchmark_total[k],
                              expenditure_total[k])
            settlement["benchmark_total_two_way"].append(
                None if np.isnan(two_way_total[k]) else float(two_way_total[k]))
            settlement["assigned_ffs_expenditure"].append(
                float(perf.untruncated_expenditure[k].sum()))


def by_columns(row: dict, hist: Historical, g: int, t: int) -> None:
    """The benchmark-year columns of agreement ``g`` and type ``t``, into ``row``."""
    for j in range(3):
        row[f"by{j + 1}_year"] = int(hist.by_years[g, j])
        for col, values in (("person_years", hist.person_years), ("per_capita", hist.per_capita),
                            ("risk_score", hist.risk), ("risk_adjusted", hist.risk_adjusted),
                            ("trend_factor", hist.trend), ("restated", hist.restated),
                            ("weight", hist.weights)):
            row[f"by{j + 1}_{col}"] = values[g, j, t]
    row.update({"by3_proportion": hist.proportions[g, t],
                "by3_risk_score": hist.risk[g, 2, t],
                "national_per_capita_by3": hist.national_by3[g, t],
                "regional_per_capita_by3": hist.regional_by3[g, t]})


def py_columns(row: dict, perf: Performance, k: int, t: int) -> None:
    """The performance-year columns of pair ``k`` and type ``t``, into ``row``."""
    row.update({"py_beneficiaries": int(perf.beneficiaries[k, t]),
                "py_person_years": perf.person_years[k, t],
                "py_expenditure": perf.expenditure[k, t],
                "py_expenditure_untruncated": perf.untruncated_expenditure[k, t],
                "py_per_capita": perf.per_capita[k, t], "py_risk_score": perf.risk[k, t],
                "national_growth": perf.national_growth[k, t],
                "regional_growth": perf.regional_growth[k, t],
                "market_share": perf.market_share[k],
                "expenditure_total": perf.expenditure[k, t]})


def all_row(perf: Performance, k: int, benchmark_total: float, expenditure: float) -> dict:
    """The totals of performance-year pair ``k`` for its ``all`` row."""
    person_years = perf.person_years[k].sum()
    return {"enrollment_type": "all", "market_share": perf.market_share[k],
            "py_beneficiaries": int(perf.persons[k]),
            "py_person_years": person_years, "py_expenditure": expenditure,
            "py_expenditure_untruncated": perf.untruncated_expenditure[k].sum(),
            "py_per_capita": br.ratio(expenditure, person_years).item(),
            "updated_benchmark": br.ratio(benchmark_total, person_years).item(),
            "benchmark_total": benchmark_total, "expenditure_total": expenditure}


def append_settlement(settlement: dict[str, list], agreement, perf: Performance, k: int,
                      benchmark_total: float, expenditure: float) -> None:
    model, aco, start, track = agreement
    year = int(perf.year[k])
    for name, value in (("model", model), ("aco_id", aco), ("agreement_start", start),
                        ("performance_year", year), ("track", track),
                        ("assigned_beneficiaries", int(perf.persons[k])),
                        ("benchmark_total", float(benchmark_total)),
                        ("expenditure_total", float(expenditure)),
                        ("participation_year", year - start + 1)):
        settlement[name].append(value)


def status_rows(grid: Grid, hist: Historical, perf: Performance | None, model_: str,
                 out) -> None:
    """One ``all`` row for each agreement of ``model_`` with no performance year in the data."""
    with_years = set() if perf is None else set(perf.agreement.tolist())
    for g, (model, aco, start, track) in enumerate(grid.agreements):
        if g in with_years or model != model_:
            continue
        append_row(out, {"model": model, "aco_id": aco, "agreement_start": start, "track": track,
                         "enrollment_type": "all", "by1_year": int(hist.by_years[g, 0]),
                         "by2_year": int(hist.by_years[g, 1]),
                         "by3_year": int(hist.by_years[g, 2]),
                         "baseline_status": f"no performance year in the data "
                                            f"({hist.status[g]})"})
    for model, aco, start, track, why in grid.unsupported:
        if model == model_:
            append_row(out, {"model": model, "aco_id": aco, "agreement_start": start,
                             "track": track, "enrollment_type": "all", "baseline_status": why})


def append_row(out: dict[str, list], row: dict) -> None:
    for column, values in out.items():
        value = row.get(column)
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, float) and np.isnan(value):
            value = None
        values.append(value)


def build(con: duckdb.DuckDBPyConnection, spec: BenchmarkSpec
          ) -> tuple[Grid, Historical, Performance | None]:
    """Truncate and sum the assignable population (set-based SQL), then the benchmark years
    and performance years of every ACO agreement. Needs the tables of
    :func:`apmlab.mssp.assignment.run`."""
    core.truncate_at_percentile(
        con, source="mssp_assignable", value="expenditure", weight="person_years",
        by=("year", "enrollment_type"), out="mssp_assignable_truncated",
        keep=("person_id", "county_fips", "dual", "risk_score", "demographic_score"),
    )
    engine.run_stage(con, "mssp_benchmark", {"method": spec.assignment_method})
    grid = load_grid(con, spec)
    hist = historical(grid, spec)
    return grid, hist, performance_years(grid, hist)
