"""``FIELDS``: the continuous-field substrate (MODEL.md sections 1-4), registered by the core.

Importing this module does not import torch: the population class is imported when one is built.
"""

from __future__ import annotations

from ..contract import Substrate, hookimpl
from .config import PRESETS, AgentConfig
from .engines import engine_for

__all__ = ["FIELDS", "register_substrates"]


def _build(config: AgentConfig, init_seeds, noise_seeds, **kwargs):
    from .agent import ContinuousEmergeBase  # torch, only when agents are built

    return ContinuousEmergeBase(config, init_seeds, noise_seeds, **kwargs)


def _agent_bytes(config: AgentConfig) -> int:
    """Weights and state of one field agent (the recurrent matrix dominates); the engines allocate no
    temporary of a matrix's size."""
    n_in, n, e = config.n_input, config.n_main, config.n_emo
    itemsize = 4 if config.dtype == "float32" else 8
    weight_itemsize = 2 if config.weight_dtype == "bfloat16" else itemsize
    return weight_itemsize * (n * n + n * n_in + e * n + e * e) + itemsize * 8 * (n + e + n_in)


def _weight_noise_mode(config: AgentConfig) -> str:
    if config.weight_noise_every == 1:
        return "exact: fresh Gaussian weight noise every learning step"
    return (
        f"every {config.weight_noise_every} steps with SD x sqrt({config.weight_noise_every}) "
        "(same random-walk variance as per-step noise)"
    )


FIELDS = Substrate(
    name="fields",
    config_class=AgentConfig,
    presets=PRESETS,
    build=_build,
    agent_bytes=_agent_bytes,
    weight_noise_mode=_weight_noise_mode,
    plastic=("W_in_main", "W_rec_main", "W_main_emo", "W_rec_emo"),
    bounded=("sensory", "main", "emotion"),
    engine=engine_for,
)


@hookimpl
def register_substrates(register):
    register(FIELDS.name, FIELDS)
