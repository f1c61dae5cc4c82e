"""Net savings to Medicare and the plain-language verdict.

gross savings = -(estimated change in spending per exposed unit) x exposed units
               (person-years or episodes), so a fall in spending is a positive saving;
net savings   = gross savings - what the model paid participants (shared savings net of
               shared losses, reconciliation payments net of repayments, global budget
               adjustments).

Payments are recorded amounts, not estimates, so the net-savings interval is the gross
interval shifted by them. This is the accounting CMS's evaluators use (e.g. BPCI Advanced:
gross episode savings, then "net of reconciliation payments").

Verdict rule, on 95% intervals:

* **saves money**: the net-savings interval lies above 0;
* **costs money**: the net-savings interval lies below 0;
* **mixed**: spending fell (gross-savings interval above 0) but the net-savings interval
  spans 0, because payments absorbed the savings or their uncertainty;
* **inconclusive**: anything else, including when payments are unknown, and whenever the
  model has fewer than :data:`MIN_CLUSTERS` participant clusters: cluster-robust intervals
  then rest on a handful of clusters. On synthetic data with 4 participant hospitals
  (benchmarks/coverage.py) CV1's nominal 95% intervals covered the truth 88% of the time;
  the cluster jackknife the estimators use where clusters are few covered 94%, but
  CV1 remains where they are many (a national panel with 3 participant hospitals).
"""

from __future__ import annotations

from dataclasses import dataclass

from apmlab.evaluate.estimators import Estimate

SAVES, COSTS, MIXED, INCONCLUSIVE = "saves money", "costs money", "mixed", "inconclusive"
MIN_CLUSTERS = 5  # fewer participant clusters: intervals unreliable, no verdict


@dataclass(frozen=True)
class NetSavings:
    exposed: float            # exposed person-years or episodes
    gross: float
    gross_low: float
    gross_high: float
    payments: float | None    # None: no payment table for the model
    net: float | None
    net_low: float | None
    net_high: float | None

    @property
    def verdict(self) -> str:
        return verdict(self.gross_low, self.net_low, self.net_high)


def net_savings(estimate: Estimate, exposed: float, payments: float | None) -> NetSavings:
    gross = -estimate.effect * exposed
    low, high = -estimate.ci_high * exposed, -estimate.ci_low * exposed
    if payments is None:
        return NetSavings(exposed, gross, low, high, None, None, None, None)
    return NetSavings(exposed, gross, low, high, payments,
                      gross - payments, low - payments, high - payments)


def verdict(gross_low: float, net_low: float | None, net_high: float | None,
            clusters: int | None = None) -> str:
    """The rule of the module docstring; ``clusters`` is the number of participant clusters
    behind a pooled, cluster-robust interval (None: not clustered)."""
    if net_low is None or net_high is None:
        return INCONCLUSIVE
    if clusters is not None and clusters < MIN_CLUSTERS:
        return INCONCLUSIVE
    if net_low > 0:
        return SAVES
    if net_high < 0:
        return COSTS
    if gross_low > 0:
        return MIXED
    return INCONCLUSIVE
