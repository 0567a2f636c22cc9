"""Hypothesis strategies for agents' configs and inputs, and builders of recorded emotion data."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from ..contract import EmotionData
from ..fields import AgentConfig

__all__ = ["seeds", "texts", "energy_and_dream_fields", "agent_configs", "from_field", "from_mean"]

seeds = st.integers(min_value=0, max_value=2**31 - 1)
texts = st.text(min_size=1, max_size=80)


def energy_and_dream_fields(draw, max_energy_cost: float = 0.1, max_resonance_every: int = 20) -> dict:
    """Draws of the energy and dream-loop fields every substrate's config shares (``EnergyConfig``,
    ``DreamConfig``), for a substrate's own config strategy: ``Config(**energy_and_dream_fields(draw), ...)``."""
    sleep_below = draw(st.floats(0.05, 0.6))
    return dict(
        energy_homeostasis=draw(st.floats(0.0, 0.05)),
        energy_cost=draw(st.floats(0.0, max_energy_cost)),
        sleep_below=sleep_below,
        wake_above=draw(st.floats(sleep_below + 0.05, 0.95)),
        seed_text=draw(texts),
        resonance_every=draw(st.integers(1, max_resonance_every)),
        trail_length=draw(st.integers(1, 16)),
    )


@st.composite
def agent_configs(draw, max_main: int = 96, max_emo: int = 24) -> AgentConfig:
    """Valid small configurations across the ranges that matter for the dynamics' invariants."""
    return AgentConfig(
        n_input=draw(st.integers(4, 32)),
        n_main=draw(st.integers(8, max_main)),
        n_emo=draw(st.integers(2, max_emo)),
        dt=draw(st.floats(0.1, 1.0)),
        tau_sensory=draw(st.floats(1.0, 10.0)),
        tau_main=draw(st.floats(1.0, 20.0)),
        tau_emo=draw(st.floats(1.0, 20.0)),
        recurrent_gain=draw(st.floats(0.0, 3.0)),
        emo_recurrent_gain=draw(st.floats(0.0, 3.0)),
        bias_scale=draw(st.floats(0.0, 1.0)),
        main_noise=draw(st.floats(0.0, 0.5)),
        emo_noise=draw(st.floats(0.0, 0.5)),
        text_noise=draw(st.floats(0.0, 0.5)),
        eta_in_main=draw(st.floats(0.0, 0.05)),
        eta_main_emo=draw(st.floats(0.0, 0.05)),
        eta_rec_main=draw(st.floats(0.0, 0.05)),
        eta_rec_emo=draw(st.floats(0.0, 0.05)),
        weight_noise=draw(st.floats(0.0, 1e-2)),
        weight_noise_every=draw(st.integers(1, 5)),
        **energy_and_dream_fields(draw),
    )


def from_field(field, every: int = 1) -> EmotionData:
    """One twin's data as the recorder keeps it from a whole (T, n_emo) field: the per-step mean and
    variance, and a snapshot every ``every`` steps."""
    field = np.asarray(field, dtype=float)
    steps = np.arange(len(field))
    return EmotionData(steps, field.mean(1), field.var(1), steps[::every], field[::every])


def from_mean(mean, steps=None) -> EmotionData:
    """One twin's data with only the per-step mean filled in (no variance, no snapshots)."""
    mean = np.asarray(mean, dtype=float)
    steps = np.arange(len(mean)) if steps is None else steps
    return EmotionData(steps, mean, np.zeros(len(mean)), np.arange(0), np.zeros((0, 2)))
