"""Synthetic Medicare population with known intervention effects (``apmlab generate``)."""

from apmlab.synth.generate import SynthConfig, generate

__all__ = ["SynthConfig", "generate"]
