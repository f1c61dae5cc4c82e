"""CMS-HCC risk adjustment (V24, V28) with payment-year blends and normalization."""

from apmlab.risk.score import InputError, RiskScores, score

__all__ = ["InputError", "RiskScores", "score"]
