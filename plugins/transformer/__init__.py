"""The transformer substrate: twins as tiny character-level transformers (docs/substrates.md).

Registered by entry point; ``--substrate transformer`` grows it. Importing this package does not
import torch (the agent is built lazily).
"""

from emergence.contract import Substrate, hookimpl

from .config import CORTEX_WEIGHTS, PRESETS, TransformerConfig

__all__ = ["TRANSFORMER", "TransformerConfig"]


def _build(config, init_seeds, noise_seeds, **kwargs):
    from .agent import TransformerAgent

    return TransformerAgent(config, init_seeds, noise_seeds, **kwargs)


def agent_bytes(c: TransformerConfig) -> int:
    """One agent: its weights twice (weights and gradients) and the activations of a learning pass."""
    from .dream import VOCAB

    d, L, m, T = c.n_main, c.n_layers, c.mlp_ratio * c.n_main, c.context
    weights = 2 * VOCAB * d + T * d + L * (4 * d * d + 2 * m * d) + c.n_emo * (d + c.n_emo + 1)
    activations = L * T * (8 * d + 2 * m + c.n_heads * T) + T * VOCAB
    itemsize = 4 if c.dtype == "float32" else 8
    return itemsize * (2 * weights + 3 * activations + 4 * c.n_emo + d)


def _weight_noise_mode(c: TransformerConfig) -> str:
    rule = {"next_token": "next-token prediction", "hebbian": "Hebbian (Oja) updates"}[c.learning_rule]
    every = "every step" if c.learn_every == 1 else f"every {c.learn_every} steps"
    return f"none (the transformer has no weight noise; its cortex learns by {rule} {every})"


TRANSFORMER = Substrate(
    name="transformer",
    config_class=TransformerConfig,
    presets=PRESETS,
    build=_build,
    agent_bytes=agent_bytes,
    weight_noise_mode=_weight_noise_mode,
    plastic=CORTEX_WEIGHTS + ("W_main_emo", "W_rec_emo"),
    bounded=("emotion",),
)


@hookimpl
def register_substrates(register):
    register(TRANSFORMER.name, TRANSFORMER)
