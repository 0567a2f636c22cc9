"""Frozen, validated configuration of one transformer agent and its presets (docs/substrates.md).

The emotion field, energy and dream-loop settings are the core's shared groups, the same fields with
the same defaults as the field substrate's; only the cortex (a transformer) and its learning are new.
Importing this module does not import torch.
"""

from __future__ import annotations

from typing import Any

from attrs import field, frozen
from attrs.validators import and_, ge, gt

from emergence.config import (
    ConfigError,
    DreamConfig,
    EmotionFieldConfig,
    EnergyConfig,
    choice_field,
    float_field,
    positive_int,
)

__all__ = ["TransformerConfig", "PRESETS", "CORTEX_WEIGHTS"]

# The cortex's weights (model.py), in the order they are initialised; the emotion synapses follow.
CORTEX_WEIGHTS = ("tok_emb", "pos_emb", "W_qkv", "W_out", "W_up", "W_down", "W_unembed")


def _divides_width(instance, attribute, value):
    if instance.n_main % value:
        raise ConfigError(f"'n_heads' ({value}) must divide 'n_main' ({instance.n_main}), the residual width")


@frozen
class TransformerConfig(EmotionFieldConfig, EnergyConfig, DreamConfig):
    """A population of tiny character-level transformers whose residual stream is the cortex."""

    # sizes: the residual stream, of width n_main (d_model), is the cortex ("main field")
    n_main: int = field(default=128, validator=positive_int)
    n_layers: int = field(default=2, validator=positive_int)
    n_heads: int = field(default=4, validator=and_(positive_int, _divides_width))
    context: int = field(default=64, validator=positive_int)  # characters read per step
    mlp_ratio: int = field(default=4, validator=positive_int)
    # initial weights: embeddings N(0, embed_scale^2); a linear map from n_in units N(0, gain^2 / n_in),
    # with residual_gain for the two maps that write into the residual stream (attention out, MLP down)
    embed_scale: float = float_field(0.35, ge(0))
    weight_gain: float = float_field(1.0, ge(0))
    residual_gain: float = float_field(0.2, ge(0))
    # state-dependent noise: residual stream after every block main_noise * (1 + |x|) per unit; Gumbel
    # sampling at temperature sampling_noise * (1 + r), r = RMS of the residual stream's newest position
    main_noise: float = float_field(0.02, ge(0))
    sampling_noise: float = float_field(0.5, ge(0))
    # learning without labels or reward, on the agent's own text, every learn_every steps:
    # "next_token" = SGD on next-character prediction; "hebbian" = normalised Oja on every linear map
    learning_rule: str = choice_field("next_token", ("next_token", "hebbian"))
    learning_rate: float = float_field(0.1, ge(0))
    max_grad_norm: float = float_field(1.0, gt(0))
    hebbian_rate: float = float_field(1e-3, ge(0))
    learn_every: int = field(default=1, validator=positive_int)
    # numerics
    dtype: str = choice_field("float32", ("float32", "float64"))

    @property
    def noise_levels(self) -> dict[str, float]:
        """Base noise amplitude per field, for ``StateDependentNoise``."""
        return {"main": self.main_noise, "emotion": self.emo_noise, "sampling": self.sampling_noise}


PRESETS: dict[str, dict[str, Any]] = {
    # The transformer (d_model 128, context 64, n_emo 256) with 2 layers, learning every 2nd
    # step: a small sweep (8 pairs x 2,000 steps) in a minute or two on a laptop CPU.
    "small": dict(n_main=128, n_layers=2, n_heads=4, context=64, n_emo=256, learn_every=2),
    # The write-up's protocol scale (100 pairs x 50,000 steps) with a deeper transformer, learning every step.
    "paper": dict(n_main=128, n_layers=4, n_heads=4, context=64, n_emo=256, learn_every=1),
}
