"""Synthetic Sparkify raw data (song_data/, log_data/) shaped byte for byte like the real files."""

from .config import GeneratorConfig, QuirkRates
from .generate import GenerationSummary, generate

__all__ = ["GenerationSummary", "GeneratorConfig", "QuirkRates", "generate"]
