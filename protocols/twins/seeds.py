"""The seeds of a sweep's runs, derived from the sweep seed (the manifest records them)."""

from __future__ import annotations

import numpy as np

from .settings import TwinsConfig

__all__ = ["run_seeds"]


def run_seeds(config: TwinsConfig) -> list[dict[str, int]]:
    """Per run: the init and noise seeds of both twins, derived from the sweep seed by SeedSequence, and
    with ``input="shared"`` the seed of the input noise both twins read."""

    def derive(*key: int) -> int:
        return int(np.random.SeedSequence([config.seed, *key]).generate_state(1, np.uint64)[0] >> 1)

    seeds = []
    for run in range(config.runs):
        init_a = derive(run, 0)
        init_b = init_a if config.init == "same" else derive(run, 1)
        run_seed = dict(run=run, init_a=init_a, init_b=init_b, noise_a=derive(run, 2), noise_b=derive(run, 3))
        if config.input == "shared":
            run_seed["input"] = derive(run, 4)
        seeds.append(run_seed)
    return seeds
