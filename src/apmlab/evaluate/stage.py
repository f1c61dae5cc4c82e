"""The evaluate stage of ``apmlab run``: the model review and its report sections."""

from __future__ import annotations

from apmlab.evaluate import report, review
from apmlab.report import Section


def run(ctx) -> review.Review:
    with ctx.console.status("evaluate: model review"):
        result = review.run(ctx.con)
    for r in result.results:
        ctx.console.print(f"  {r.design.model}: {r.verdict}")
    return result


def sections(ctx) -> list[Section]:
    return report.sections(ctx.con)
