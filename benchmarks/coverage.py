"""Coverage of the model review's 95% intervals on synthetic data (not a test).

For each seed: generate a population with the default injected effects, load it, run the
core (and, with --episodes, the bundled-payment) stage and the review, and compare each
model's primary estimate (percent change in the outcome it targets) with the realised
effect in truth.json. Prints, per model, the share of intervals that cover the truth (goal:
93-97%), the median interval width, the mean bias and the same for the naive comparison;
for models whose payments the run computes (bundles, with --episodes), what they paid as a
share of the estimated gross savings, over all seeds.

    .venv/bin/python benchmarks/coverage.py --seeds 100 --beneficiaries 10000
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

import numpy as np

from apmlab import core, engine, episodes
from apmlab.evaluate import review
from apmlab.inputs.load import load
from apmlab.synth.generate import generate


def one_seed(seed: int, beneficiaries: int, with_episodes: bool, folder: Path) -> list[dict]:
    truth = generate(folder, beneficiaries=beneficiaries, seed=seed)["models"]
    con = engine.connect()
    load(folder, con)
    years = core.years_in_data(con)
    core.run(con, years)
    if with_episodes:
        episodes.run(con, years)
    rows = []
    for result in review.run(con).results:
        model = result.design.model
        true = truth.get(model, {}).get("effect_pct")
        if true is None:
            continue
        true /= 100
        for group, estimate in result.effects:
            if group != review.ALL or estimate.outcome != result.design.outcome:
                continue
            low, high = estimate.ci_pct
            rows.append({"seed": seed, "model": model, "estimator": estimate.estimator,
                         "primary": estimate is result.primary, "truth": true,
                         "estimate": estimate.effect_pct, "covered": low <= true <= high,
                         "width": high - low, "clusters": result.n_treated_clusters,
                         "gross": result.net.gross, "paid": result.net.payments})
    con.close()
    return rows


def summarise(rows: list[dict]) -> None:
    groups = defaultdict(list)
    for r in rows:
        kind = "primary" if r["primary"] else r["estimator"]
        groups[(r["model"], kind)].append(r)
    print(f"{'model':<14}{'estimator':<10}{'n':>5}{'coverage':>10}{'median width':>14}"
          f"{'mean bias':>11}{'clusters':>10}{'paid/gross':>12}")
    for (model, kind), rs in sorted(groups.items()):
        coverage = np.mean([r["covered"] for r in rs])
        width = np.median([r["width"] for r in rs])
        bias = np.mean([r["estimate"] - r["truth"] for r in rs])
        clusters = np.median([r["clusters"] for r in rs])
        paid = [r for r in rs if r.get("paid") is not None]
        share = (f"{sum(r['paid'] for r in paid) / sum(r['gross'] for r in paid):>12.0%}"
                 if paid and kind == "primary" else f"{'':>12}")
        print(f"{model:<14}{kind:<10}{len(rs):>5}{coverage:>10.1%}{width:>13.1%}p"
              f"{bias:>+10.2%}p{clusters:>10.0f}{share}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--beneficiaries", type=int, default=10_000)
    parser.add_argument("--episodes", action="store_true", help="also run the episodes stage")
    parser.add_argument("--jsonl", type=Path, help="append one line per estimate here")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    rows = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            new = one_seed(seed, args.beneficiaries, args.episodes, Path(tmp) / "data")
            rows += new
            if args.jsonl:
                with args.jsonl.open("a") as handle:
                    handle.writelines(json.dumps(r, default=float) + "\n" for r in new)
            elapsed = time.perf_counter() - started
            print(f"seed {seed}: {len(new)} estimates, {elapsed:.0f} s", file=sys.stderr)
    summarise(rows)


if __name__ == "__main__":
    main()
