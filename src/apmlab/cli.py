"""The `apmlab` command line. One entry point; each capability adds its sub-commands."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="apmlab",
    help="Simulate and evaluate Medicare value-based payment models from claims data.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def main() -> None:
    app()
