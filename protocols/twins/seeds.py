"""The seeds of a sweep's runs, derived from the sweep seed (the manifest records them)."""

from __future__ import annotations

import numpy as np

from .settings import TwinsConfig

__all__ = ["run_seeds"]


def run_seeds(config: TwinsConfig) -> list[dict[str, int]]:
    """Per run: the init and noise seeds of both twins, derived from the sweep seed by SeedSequence (with
    ``init="one"`` every run has run 0's init; with ``noise="shared"`` twin B has twin A's noise seed), and
    with ``input="shared"`` the seed of the input noise both twins read."""

    def derive(*key: int) -> int:
        return int(np.random.SeedSequence([config.seed, *key]).generate_state(1, np.uint64)[0] >> 1)

    seeds = []
    for run in range(config.runs):
        init_a = derive(0 if config.init == "one" else run, 0)
        init_b = derive(run, 1) if config.init == "different" else init_a
        noise_a = derive(run, 2)
        noise_b = noise_a if config.noise == "shared" else derive(run, 3)
        run_seed = dict(run=run, init_a=init_a, init_b=init_b, noise_a=noise_a, noise_b=noise_b)
        if config.input == "shared":
            run_seed["input"] = derive(run, 4)
        seeds.append(run_seed)
    return seeds
