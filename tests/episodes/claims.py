"""Claim rows for tiny bundled-payment claims sets."""

from __future__ import annotations

from apmlab import engine, episodes
from apmlab.episodes.spec import RULE_TABLES, load_model, rule_rows

HOSPITAL = "100001"  # CCN digits 3-6 = 0001: short-term acute hospital
OTHER_HOSPITAL = "100002"
SNF = "105001"


def person(pid: str, **extra) -> dict:
    row = {
        "person_id": pid,
        "birth_date": "1945-06-01",
        "gender": "female",
        "state": "FL",
        "enrollment_start_date": "2021-01-01",
        "enrollment_end_date": "2024-12-31",
        "original_reason_entitlement_code": "0",
        "medicare_status_code": "10",
        "dual_status_code": "00",
    }
    row.update(extra)
    return row


def stay(claim_id: str, pid: str, admit: str, discharge: str, drg: str, paid: float,
         ccn: str = HOSPITAL, disposition: str = "01") -> dict:
    return {
        "claim_id": claim_id, "claim_line_number": "1", "claim_type": "institutional",
        "person_id": pid, "claim_start_date": admit, "claim_end_date": discharge,
        "admission_date": admit, "discharge_date": discharge, "bill_type_code": "111",
        "drg_code": drg, "facility_ccn": ccn, "discharge_disposition_code": disposition,
        "paid_amount": str(paid), "allowed_amount": str(paid),
    }


def snf_stay(claim_id: str, pid: str, start: str, end: str, paid: float) -> dict:
    return {
        "claim_id": claim_id, "claim_line_number": "1", "claim_type": "institutional",
        "person_id": pid, "claim_start_date": start, "claim_end_date": end,
        "admission_date": start, "discharge_date": end, "bill_type_code": "211",
        "facility_ccn": SNF, "paid_amount": str(paid), "allowed_amount": str(paid),
    }


def outpatient(claim_id: str, pid: str, day: str, hcpcs: str, paid: float,
               ccn: str = HOSPITAL) -> dict:
    return {
        "claim_id": claim_id, "claim_line_number": "1", "claim_type": "institutional",
        "person_id": pid, "claim_start_date": day, "claim_end_date": day,
        "bill_type_code": "131", "hcpcs_code": hcpcs, "facility_ccn": ccn,
        "paid_amount": str(paid), "allowed_amount": str(paid),
    }


def professional(claim_id: str, pid: str, day: str, paid: float, hcpcs: str = "99213") -> dict:
    return {
        "claim_id": claim_id, "claim_line_number": "1", "claim_type": "professional",
        "person_id": pid, "claim_start_date": day, "claim_end_date": day,
        "hcpcs_code": hcpcs, "paid_amount": str(paid), "allowed_amount": str(paid),
    }


def participation(model: str, ccn: str = HOSPITAL, track: str = "", start="2021-01-01") -> dict:
    return {"entity_id": f"{model.upper()}-{ccn}", "model": model, "ccn": ccn,
            "track": track, "start_date": start}


HOSPITAL_PROVIDERS = [
    {"npi": "1000000001", "provider_type": "hospital", "ccn": HOSPITAL, "state": "FL",
     "bed_count": "200"},
    {"npi": "1000000002", "provider_type": "hospital", "ccn": OTHER_HOSPITAL, "state": "FL",
     "bed_count": "600"},
]



def rows(con, sql: str, params=None) -> list[tuple]:
    return con.execute(sql, params or {}).fetchall()


def reconcile(con, model: str, year: int, episodes_rows: list[tuple], quality=None) -> dict:
    """Run only the reconciliation model on hand-made priced episodes, with the rule tables
    built from the real spec: (participant, track, hospital_type, target_before_discount,
    capped_payment) per episode."""
    spec = load_model(model)
    for name, table_rows in rule_rows(spec, range(year, year + 1)).items():
        episodes._write(con, name, RULE_TABLES[name], table_rows)
    discount, repay = (con.execute("SELECT discount, repayment_discount FROM episodes_ref_year")
                       .fetchall()[0])
    episodes._write(
        con, "episodes_pricing_target",
        "model VARCHAR, participant_id VARCHAR, performance_year INTEGER, "
        "performance_year_label VARCHAR, rules_year INTEGER, track VARCHAR, "
        "hospital_type VARCHAR, target_before_discount DOUBLE, discount DOUBLE, "
        "repayment_discount DOUBLE, actual_payment DOUBLE, capped_payment DOUBLE, "
        "cancelled BOOLEAN",
        [(model, p, year, "PY", year, t, h, tbd, discount, repay, cap, cap, False)
         for p, t, h, tbd, cap in episodes_rows],
    )
    episodes._write(con, "episodes_input_quality",
                    "model VARCHAR, participant_id VARCHAR, performance_year INTEGER, "
                    "composite_quality_score DOUBLE", quality or [])
    model_sql = {m.name: m for m in engine.stage_models("episodes_pricing")}["reconciliation"]
    cur = con.execute(model_sql.sql)
    names = [d[0] for d in cur.description]
    return {r[1]: dict(zip(names, r, strict=True)) for r in cur.fetchall()}
