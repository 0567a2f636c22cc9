"""The continuous-field substrate, laid out like a plugin: its config and presets, the population
(``ContinuousEmergeBase``, in ``agent``), its learning rule, and the engines that step it."""

from .config import PRESETS, AgentConfig
from .substrate import FIELDS

__all__ = ["AgentConfig", "PRESETS", "FIELDS"]
