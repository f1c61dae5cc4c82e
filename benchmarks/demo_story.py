"""How often one synthetic population of a given size tells the demo's story (not a test).

The demo is one draw: its verdicts are estimates, and a population too small for the
injected effects shows them only by luck. For each seed this generates a population with
the default effects, runs every stage (as ``apmlab demo`` does) and reads the pooled
scorecard. It prints, per model, over all seeds: how often the verdict is "saves money",
how often the interval covers the injected effect, and, for the bundled models, how often
the story shows: estimated gross savings above 0 and payments above half of them (the
reconciliation payments take most of the gross savings). The size of the demo
(``apmlab.cli.DEMO_BENEFICIARIES``) was chosen with it.

    .venv/bin/python benchmarks/demo_story.py --seeds 4 --beneficiaries 200000
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import warnings
from collections import defaultdict
from pathlib import Path

from rich.console import Console

from apmlab import pipeline
from apmlab.cli import DEMO_BENEFICIARIES, DEMO_YEARS
from apmlab.synth.generate import generate

BUNDLES = ("cjr", "team", "bpci_a")
COLUMNS = ("model", "gross_effect_pct", "ci_low_pct", "ci_high_pct", "gross_savings",
           "model_payments", "verdict")


def one_seed(seed: int, beneficiaries: int, folder: Path) -> list[dict]:
    truth = generate(folder / "data", beneficiaries=beneficiaries, years=DEMO_YEARS,
                     seed=seed)["models"]
    ctx = pipeline.run(folder / "data", folder / "out", Console(quiet=True))
    card = ctx.con.execute(f"SELECT {', '.join(COLUMNS)} FROM evaluation_scorecard "
                           "WHERE entity_id = 'all'").fetchall()
    ctx.con.close()
    rows = []
    for values in card:
        row = dict(zip(COLUMNS, values, strict=True))
        row.update(seed=seed, truth_pct=truth.get(row["model"], {}).get("effect_pct"))
        rows.append(row)
    return rows


def summarise(rows: list[dict]) -> None:
    groups = defaultdict(list)
    for r in rows:
        groups[r["model"]].append(r)
    print(f"{'model':<15}{'seeds':>6}{'saves money':>13}{'covers truth':>14}{'story':>7}")
    for model, rs in sorted(groups.items()):
        saves = sum(r["verdict"] == "saves money" for r in rs)
        known = [r for r in rs if r["truth_pct"] is not None]
        covers = sum(r["ci_low_pct"] <= r["truth_pct"] <= r["ci_high_pct"] for r in known)
        story = sum(r["gross_savings"] > 0 and (r["model_payments"] or 0) > 0.5 * r["gross_savings"]
                    for r in rs)
        shown = f"{story:>7}" if model in BUNDLES else ""
        print(f"{model:<15}{len(rs):>6}{saves:>13}{covers:>11}/{len(known):<2}{shown}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--first-seed", type=int, default=21)
    parser.add_argument("--beneficiaries", type=int, default=DEMO_BENEFICIARIES)
    parser.add_argument("--jsonl", type=Path, help="append one line per model and seed here")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    rows = []
    started = time.perf_counter()
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        with tempfile.TemporaryDirectory() as tmp:
            new = one_seed(seed, args.beneficiaries, Path(tmp))
        rows += new
        if args.jsonl:
            with args.jsonl.open("a") as handle:
                handle.writelines(json.dumps(r, default=float) + "\n" for r in new)
        print(f"seed {seed}: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    summarise(rows)


if __name__ == "__main__":
    main()
