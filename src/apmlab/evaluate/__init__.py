"""Evaluation and model review: did each payment model save money, net of what it paid?

``apmlab.evaluate.run(con)`` reads the core tables, the participation table and whatever
model tables earlier stages wrote (ACO assignment and settlements, episodes and their
reconciliation, hospital budgets), and writes ``evaluation_scorecard`` and its companion
tables. The parts:

* :mod:`~apmlab.evaluate.designs`: per model, exposure, comparison group and payment source;
* :mod:`~apmlab.evaluate.panel`: panels, propensity weights and the balance table;
* :mod:`~apmlab.evaluate.estimators`: DiD, staggered DiD, event study, naive (pyfixest);
* :mod:`~apmlab.evaluate.savings`: net savings and the verdict rule;
* :mod:`~apmlab.evaluate.review`: the run and its tables.
"""

from apmlab.evaluate.review import Review, run

__all__ = ["Review", "run"]
