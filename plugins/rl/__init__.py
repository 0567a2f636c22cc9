"""The ``rl`` substrate: twins as reinforcement learners on a grid with lava and a goal (docs/rl.md).

Registered by entry point: ``--substrate rl`` grows it, and the learners ``td``, ``reinforce`` and
``a2c`` are scaffolds that give one twin its learning rule (``--a td --b reinforce``). Importing this
package does not import torch (the agent and the learners are imported when used).
"""

from emergence.contract import Substrate, hookimpl

from .config import CORTEX_WEIGHTS, LEARNERS, PRESETS, PROBE_WEIGHTS, RLConfig

__all__ = ["RL", "RLConfig"]


def _build(config, init_seeds, noise_seeds, **kwargs):
    from .agent import RLAgent

    return RLAgent(config, init_seeds, noise_seeds, **kwargs)


def agent_bytes(c: RLConfig) -> int:
    """One agent: weights, replay and episode buffers, the place code, and a reinforce update's activations."""
    heads = 5
    weights = c.n_main * (c.n_in + 1 + heads + 1) + heads + 1 + c.n_emo * (c.n_main + c.n_emo + 1)
    buffers = 6 * c.replay_size + 4 * c.max_episode_steps + c.n_in * c.n_in
    activations = c.max_episode_steps * (c.n_in + 3 * c.n_main + 4 * heads) + c.max_episode_steps**2
    itemsize = 4 if c.dtype == "float32" else 8
    return itemsize * (2 * weights + activations) + 8 * buffers + 4 * c.n_emo + 4 * c.n_main


def _weight_noise_mode(c: RLConfig) -> str:
    return (
        f"none (the rl substrate has no weight noise; its trunk learns by its learner, {c.learner} unless a "
        "twin's learner scaffold says otherwise)"
    )


RL = Substrate(
    name="rl",
    config_class=RLConfig,
    presets=PRESETS,
    build=_build,
    agent_bytes=agent_bytes,
    weight_noise_mode=_weight_noise_mode,
    plastic=CORTEX_WEIGHTS + PROBE_WEIGHTS + ("W_main_emo", "W_rec_emo"),
    bounded=("main", "emotion"),
)


@hookimpl
def register_substrates(register):
    register(RL.name, RL)


@hookimpl
def register_studies(register):
    from .studies import STUDIES

    for study in STUDIES:
        register(study.name, study)


@hookimpl
def register_scaffolds(register):
    from .learners import SCAFFOLDS  # torch, only when scaffolds are looked up

    for name in LEARNERS:
        register(name, SCAFFOLDS[name])
