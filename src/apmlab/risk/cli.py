"""`apmlab risk ...`: CMS-HCC risk scores in the layout of CMS's own software."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pyarrow as pa
import pyarrow.csv as pacsv
import typer

from apmlab.risk.refdata import ReferenceError
from apmlab.risk.score import DIAGNOSIS_COLUMNS, PERSON_COLUMNS, InputError
from apmlab.risk.score import score as score_tables

app = typer.Typer(help="CMS-HCC risk adjustment (V24, V28).", no_args_is_help=True)


@app.callback()
def main() -> None:  # keeps `score` a named sub-command while it is the only one
    """CMS-HCC risk adjustment (V24, V28)."""


def _read(path: Path, columns: tuple[str, ...]) -> pa.Table:
    """Every column as text: the scorer parses and validates each cell itself."""
    try:
        return pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
            column_types={c: pa.string() for c in columns}, strings_can_be_null=False))
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror or exc}") from None
    except pa.ArrowInvalid as exc:
        raise InputError(f"{path}: not a readable CSV file ({exc})") from None


@app.command()
def score(
    persons: Annotated[Path, typer.Option(
        "--persons", help="CSV with ID,DOB,SEX,OREC,LTIMCAID,NEMCAID (CMS software layout).")],
    diagnoses: Annotated[Path, typer.Option("--diagnoses", help="CSV with ID,ICD10.")],
    payment_year: Annotated[int, typer.Option("--payment-year", help="Payment year.")],
    out: Annotated[Path, typer.Option("--out", help="Scores, CSV, one row per person.")],
    model: Annotated[str | None, typer.Option(
        "--model", help="V28 or V24 alone; default: the payment year's blend.")] = None,
    ma_coding_adjustment: Annotated[bool, typer.Option(
        "--ma-coding-adjustment",
        help="Apply the MA coding-pattern adjustment to the _PAYMENT columns.")] = False,
) -> None:
    """Score every person: HCC flags, raw SCORE_* columns, normalized and payment scores."""
    try:
        result = score_tables(
            _read(persons, PERSON_COLUMNS), _read(diagnoses, DIAGNOSIS_COLUMNS), payment_year,
            model, ma_coding_adjustment=ma_coding_adjustment,
            labels=(str(persons), str(diagnoses)), header_lines=1,
        )
    except (InputError, ReferenceError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    pacsv.write_csv(result.table, out)
    typer.echo(
        f"scored {result.table.num_rows} persons, payment year {result.payment_year}, "
        f"{' + '.join(result.models)}; {result.unmapped_diagnoses} of {result.diagnoses} "
        f"diagnosis rows not in the {result.principal_model} map (ignored) -> {out}"
    )
