"""apmlab: simulate and evaluate Medicare value-based payment models from claims data."""

from apmlab.inputs.load import load

__all__ = ["load"]
__version__ = "0.1.0"
