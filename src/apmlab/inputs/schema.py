"""The canonical input layer: every source is converted into these four tables (and two
optional ones).

Column names follow the Tuva Project input layer where it has one (eligibility,
medical_claim), so analysts who know Tuva recognise them. docs/input_layer.md is the
user-facing description; this module is the one definition the loader validates against.

A column is *required* when the loader refuses a file without it; an optional column
that is absent is added as NULL (or its stated default) so later stages can rely on it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # DuckDB type: VARCHAR, DATE, DOUBLE, INTEGER, BOOLEAN
    required: bool = False
    default: str | None = None  # SQL literal used when an optional column is absent or NULL
    doc: str = ""
    width: int | None = None  # all-digit codes shorter than this are left-padded with zeros
    allowed: tuple[str, ...] | None = None  # valid values (compared in lower case)


FULL_DUAL_CODES = ("02", "04", "08")
PARTIAL_DUAL_CODES = ("01", "03", "05", "06")
# 00 and NA: not dual; 09 and 10 are other CMS dual codes that confer no Medicaid benefit here.
DUAL_STATUS_CODES = ("na", "00", *FULL_DUAL_CODES, *PARTIAL_DUAL_CODES, "09", "10")
ESRD_STATUS_CODES = ("11", "21", "31")


def _codes(prefix: str, n: int, doc: str) -> list[Column]:
    return [Column(f"{prefix}_{i}", "VARCHAR", doc=doc if i == 1 else "") for i in range(1, n + 1)]


ELIGIBILITY = [
    Column("person_id", "VARCHAR", True, doc="Beneficiary identifier, stable across files."),
    Column("birth_date", "DATE", True),
    Column("death_date", "DATE"),
    Column("gender", "VARCHAR", True, allowed=("male", "female", "unknown")),
    Column("race", "VARCHAR"),
    Column("state", "VARCHAR", doc="Two-letter USPS code of residence."),
    Column("county_fips", "VARCHAR", width=5, doc="Five-digit state+county FIPS code."),
    Column("zip_code", "VARCHAR", width=5),
    Column("enrollment_start_date", "DATE", True),
    Column("enrollment_end_date", "DATE", True),
    Column("original_reason_entitlement_code", "VARCHAR", True, allowed=("0", "1", "2", "3"),
           doc="OREC: 0 old age, 1 disability, 2 ESRD, 3 disability and ESRD."),
    Column("medicare_status_code", "VARCHAR", True, width=2,
           allowed=("10", "11", "20", "21", "31"),
           doc="10 aged, 11 aged+ESRD, 20 disabled, 21 disabled+ESRD, 31 ESRD only."),
    Column("dual_status_code", "VARCHAR", width=2, default="'00'", allowed=DUAL_STATUS_CODES,
           doc="CMS dual code: 02/04/08 full benefit, 01/03/05/06 partial, 00/NA none."),
    Column("part_a_flag", "BOOLEAN", default="TRUE"),
    Column("part_b_flag", "BOOLEAN", default="TRUE"),
    Column("hospice_flag", "BOOLEAN", default="FALSE"),
    Column("long_term_institutional_flag", "BOOLEAN", default="FALSE"),
]

MEDICAL_CLAIM = [
    Column("claim_id", "VARCHAR", True),
    Column("claim_line_number", "INTEGER", True),
    Column("claim_type", "VARCHAR", True, allowed=("institutional", "professional", "dme"),
           doc="'institutional', 'professional' or 'dme'."),
    Column("person_id", "VARCHAR", True),
    Column("claim_start_date", "DATE", True),
    Column("claim_end_date", "DATE", True),
    Column("admission_date", "DATE"),
    Column("discharge_date", "DATE"),
    Column("discharge_disposition_code", "VARCHAR"),
    Column("bill_type_code", "VARCHAR", width=3,
           doc="3 digits: 11x inpatient, 13x outpatient, 21x SNF, 32x/33x home health, "
               "81x/82x hospice."),
    Column("drg_code", "VARCHAR", width=3, doc="MS-DRG, 3 digits."),
    Column("revenue_center_code", "VARCHAR", width=4, doc="4 digits, e.g. 0450 for the ED."),
    Column("hcpcs_code", "VARCHAR"),
    Column("place_of_service_code", "VARCHAR", width=2),
    Column("rendering_npi", "VARCHAR"),
    Column("billing_npi", "VARCHAR"),
    Column("billing_tin", "VARCHAR"),
    Column("facility_npi", "VARCHAR"),
    Column("facility_ccn", "VARCHAR", doc="6-character CMS Certification Number."),
    Column("paid_date", "DATE"),
    Column("claim_adjustment_type_code", "VARCHAR", default="'0'", allowed=("0", "1", "2"),
           doc="As CCLF: 0 original, 1 cancellation, 2 adjustment. Negative amounts are "
               "only accepted on 1 and 2."),
    Column("allowed_amount", "DOUBLE", True),
    Column("paid_amount", "DOUBLE", True),
    Column("ime_amount", "DOUBLE", default="0"),
    Column("dsh_amount", "DOUBLE", default="0"),
    Column("uncompensated_care_amount", "DOUBLE", default="0"),
    *_codes("diagnosis_code", 25, "ICD-10-CM without the dot, e.g. E1169."),
    *_codes("procedure_code", 25, "ICD-10-PCS."),
]

PROVIDER = [
    Column("npi", "VARCHAR", True),
    Column("tin", "VARCHAR"),
    Column("ccn", "VARCHAR"),
    Column("provider_type", "VARCHAR", True,
           doc="physician, nurse_practitioner, physician_assistant, clinical_nurse_specialist, "
               "hospital, snf, hha, hospice, dme_supplier, ..."),
    Column("specialty_code", "VARCHAR", width=2, doc="CMS specialty code, 2 characters (e.g. 08)."),
    Column("state", "VARCHAR"),
    Column("county_fips", "VARCHAR", width=5),
    Column("rural_flag", "BOOLEAN", default="FALSE"),
    Column("bed_count", "INTEGER"),
]

PARTICIPATION = [
    Column("entity_id", "VARCHAR", True, doc="ACO, hospital or region identifier."),
    Column("model", "VARCHAR", True,
           doc="mssp, reach, cjr, team, bpci_a, global_budget, ... (lower case)."),
    Column("track", "VARCHAR"),
    Column("tin", "VARCHAR"),
    Column("npi", "VARCHAR"),
    Column("ccn", "VARCHAR"),
    Column("state", "VARCHAR"),
    Column("county_fips", "VARCHAR", width=5),
    Column("start_date", "DATE", True),
    Column("end_date", "DATE"),
]

# Optional: beneficiaries' designation of a clinician responsible for their care
# ("voluntary alignment", 42 CFR 425.402(e)); assignment gives it precedence over claims.
VOLUNTARY_ALIGNMENT = [
    Column("person_id", "VARCHAR", True),
    Column("npi", "VARCHAR", True, doc="The designated clinician."),
    Column("designation_date", "DATE", True),
]

# Optional: what a global-budget rate setter approved per hospital and budget year (the HSCRC
# publishes its update factors and quality scalings each rate year); the budgets stage uses
# them in place of its spec's defaults (apmlab.budgets.hospital).
BUDGET_HOSPITAL_ADJUSTMENT = [
    Column("ccn", "VARCHAR", True),
    Column("year", "INTEGER", True, doc="Budget year."),
    Column("rate_update", "DOUBLE",
           doc="Approved update factor as a fraction of the prior-year budget (0.021 = 2.1%); "
               "empty: the spec's update."),
    Column("quality_adjustment", "DOUBLE",
           doc="Quality-program scaling as a fraction of the prior-year budget; empty: the "
               "spec's default."),
    Column("service_change", "DOUBLE", doc="Approved service-change amount, in dollars."),
]

TABLES: dict[str, list[Column]] = {
    "eligibility": ELIGIBILITY,
    "medical_claim": MEDICAL_CLAIM,
    "provider": PROVIDER,
    "participation": PARTICIPATION,
    "voluntary_alignment": VOLUNTARY_ALIGNMENT,
    "budget_hospital_adjustment": BUDGET_HOSPITAL_ADJUSTMENT,
}
# Tables a folder may leave out: they are then created empty.
OPTIONAL_TABLES = ("voluntary_alignment", "budget_hospital_adjustment")

# Service categories of the core stage, in report order (methodology.md section 7).
SERVICE_CATEGORIES = [
    "inpatient_acute",
    "inpatient_other",
    "snf",
    "home_health",
    "hospice",
    "outpatient",
    "professional",
    "dme",
    "other",
]

# MSSP enrollment types (42 CFR 425.20, 425.652), in the order CMS reports them.
ENROLLMENT_TYPES = ["esrd", "disabled", "aged_dual", "aged_non_dual"]
