"""Frozen, validated configuration of one RL agent and its presets (docs/rl.md).

The emotion field, energy and dream-loop settings are the core's shared groups, with the field
substrate's names and defaults; the grid, the trunk (the cortex), the action noise, the valence probe
and sleep replay are new. Learning rates belong to the learners (``--a td:learning_rate=0.05``);
``learner`` names the one a twin without a learner scaffold uses. Importing this module does not
import torch.
"""

from __future__ import annotations

from typing import Any

from attrs import field, frozen
from attrs.validators import ge, gt, le

from emergence.config import (
    ConfigError,
    DreamConfig,
    EmotionFieldConfig,
    EnergyConfig,
    choice_field,
    float_field,
    positive_int,
)

from .grid import LAYOUTS

__all__ = ["RLConfig", "PRESETS", "LEARNERS", "CORTEX_WEIGHTS", "PROBE_WEIGHTS"]

LEARNERS = ("td", "reinforce", "a2c")
# The trunk and its heads (4 action preferences and one state value), which the learners train;
# the value probe, which only the probe's own TD rule trains.
CORTEX_WEIGHTS = ("W_in", "b_in", "W_head", "b_head")
PROBE_WEIGHTS = ("w_probe", "b_probe")


def _odd_grid(instance, attribute, value):
    if not isinstance(value, int) or isinstance(value, bool) or value < 5 or value % 2 == 0:
        raise ConfigError(f"'grid' must be an odd integer >= 5 (the layouts need a centre column), got {value!r}")


def _non_negative_int(instance, attribute, value):
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ConfigError(f"'{attribute.name}' must be a non-negative integer, got {value!r}")


@frozen
class RLConfig(EmotionFieldConfig, EnergyConfig, DreamConfig):
    """A population of RL agents on a grid whose trunk (hidden layer) is the cortex."""

    # the environment (plugins/rl/grid.py): an odd square field, its layout, rewards and episodes
    grid: int = field(default=9, validator=_odd_grid)
    layout: str = choice_field("valence", LAYOUTS)
    step_cost: float = float_field(0.01, ge(0))
    gamma: float = float_field(0.95, gt(0), le(1))
    max_episode_steps: int = field(default=324, validator=positive_int)  # 4 x the cells of the small grid
    onset: int = field(default=0, validator=_non_negative_int)  # steps before any reward (r = 0 until then)
    place_sigma: float = float_field(1.0, gt(0))  # width of the place cells, in cells
    # the trunk main = tanh(W_in x + b_in + noise), x the unit-length place code; W_in ~ N(0, trunk_gain^2),
    # b_in ~ N(0, trunk_bias^2); heads (4 preferences + 1 value) ~ N(0, head_gain^2 / n_main), bias 0
    n_main: int = field(default=128, validator=positive_int)
    trunk_gain: float = float_field(1.5, ge(0))
    trunk_bias: float = float_field(0.1, ge(0))
    head_gain: float = float_field(0.0, ge(0))
    # state-dependent noise: trunk pre-activation main_noise * (1 + |main|); actions by Gumbel-max at
    # temperature sampling_noise * (1 + r), r = RMS(main): softmax over the preferences at that temperature
    main_noise: float = float_field(0.02, ge(0))
    sampling_noise: float = float_field(0.03, ge(0))
    learner: str = choice_field("td", LEARNERS)
    # the valence probe V(s) = w_probe . main(s) + b_probe on the detached, noise-free trunk, TD(0) at
    # rate probe_rate / n_main
    probe_rate: float = float_field(0.5, ge(0))
    # asleep: replay this many stored transitions a step, drawn with probability ~ (|TD error| + 1e-3)^priority
    # from the last replay_size (value-based losses only: td's Q, a2c's critic; 0: no replay)
    sleep_replay: int = field(default=1, validator=_non_negative_int)
    replay_size: int = field(default=512, validator=positive_int)
    replay_priority: float = float_field(0.6, ge(0))
    dtype: str = choice_field("float32", ("float32", "float64"))

    @property
    def n_in(self) -> int:
        """Place cells: one per cell of the grid."""
        return self.grid * self.grid

    @property
    def noise_levels(self) -> dict[str, float]:
        """Base noise amplitude per field, for ``StateDependentNoise``."""
        return {"main": self.main_noise, "emotion": self.emo_noise, "sampling": self.sampling_noise}


PRESETS: dict[str, dict[str, Any]] = {
    # 9 x 9 grid, trunk 128, emotion field 64: the small sweep (8 pairs x 2,000 steps) in seconds on a CPU.
    "small": dict(grid=9, n_main=128, n_emo=64, max_episode_steps=324),
    # 15 x 15 grid, trunk 256, emotion field 256 (the write-up's size), episodes capped at 4 x 225 steps.
    "paper": dict(grid=15, n_main=256, n_emo=256, max_episode_steps=900),
}
