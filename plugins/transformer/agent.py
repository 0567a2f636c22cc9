"""``TransformerAgent``: a population of tiny character-level transformers behind the ``Agent`` interface.

Each step every agent reads its own recent text (the dream loop), runs its transformer with
state-dependent noise on the residual stream, samples the next character with state-dependent
noise, drives its emotion field from the residual stream, spends energy, learns (if awake and rested)
and lets its scaffolds act. Seeds, generators, hooks, dream loop and checkpoint are the core's
(``emergence.agents.population.PopulationBase``), as for the field substrate.
"""

from __future__ import annotations

import math

import torch

from emergence.agents.dynamics import leaky_update
from emergence.agents.population import PopulationBase, emotion_shapes

from .config import CORTEX_WEIGHTS, TransformerConfig
from .dream import VOCAB, decode, encode, mark, normalise
from .learning import TransformerPlasticity
from .model import cortex_shapes, residual_stream, unembed

__all__ = ["TransformerAgent"]

EMOTION_WEIGHTS = ("W_main_emo", "W_rec_emo", "bias_emo")
WEIGHTS = CORTEX_WEIGHTS + EMOTION_WEIGHTS
STATE = ("main", "v_emotion", "emotion", "emotion_prev", "energy", "awake")


class TransformerAgent(PopulationBase):
    """A population of ``len(init_seeds)`` transformer agents (docs/substrates.md); the parameters are
    ``PopulationBase``'s, with ``config`` a ``TransformerConfig`` and ``noise_seeds`` seeding the residual,
    emotion and sampling noise. ``main`` is the residual stream at the newest position; a trail's
    ``input`` is the text the agent read.
    """

    config: TransformerConfig
    TENSORS = WEIGHTS + STATE

    @classmethod
    def default_plasticity(cls, config: TransformerConfig) -> TransformerPlasticity:
        return TransformerPlasticity(config)

    def _init_own(self) -> None:
        self.texts = [normalise(self.config.seed_text)[-(self.config.context + 1) :]] * self.population

    def _init_tensors(self) -> None:
        c, P = self.config, self.population
        zeros = dict(dtype=self.dtype, device=self.device)
        self._draw({**cortex_shapes(c), **emotion_shapes(c)})
        self.main = torch.zeros(P, c.n_main, **zeros)
        for name in ("v_emotion", "emotion", "emotion_prev"):
            setattr(self, name, torch.zeros(P, c.n_emo, **zeros))
        self.energy = torch.full((P,), c.initial_energy, **zeros)
        self.awake = torch.ones(P, dtype=torch.bool, device=self.device)

    # -- the step -----------------------------------------------------------------------------------
    def _advance(self) -> list[str]:
        """Read, transform, sample, feel, spend energy, learn; returns the window each agent read.

        With h the residual stream, ξ standard normal and G standard Gumbel noise of the agent's own
        generator, r = |main| / sqrt(n_main) and σ(·) the noise model's amplitudes::

            h      <- h + σ_main(h) ⊙ ξ                        after every block
            next   =  argmax(logits + σ_sampling(r) · G)        (Gumbel-max: softmax at temperature σ)
            v_emo  += dt (-v_emo + W_main_emo main + W_rec_emo emotion + bias_emo + σ_emo ⊙ ξ) / tau_emo
            emotion = tanh(v_emo)
        """
        c, P = self.config, self.population
        self.texts = [mark(text, self.step_index, c.resonance_every) for text in self.texts]
        window = [text[-c.context :] for text in self.texts]
        tokens = encode(window, self.device)
        T = tokens.shape[1]
        gauss = torch.empty(P, c.n_layers * T * c.n_main + c.n_emo, dtype=self.dtype, device=self.device)
        uniform = torch.empty(P, VOCAB, dtype=self.dtype, device=self.device)
        for p, g in enumerate(self.generators):
            torch.randn(gauss.shape[1], generator=g, out=gauss[p])
            torch.rand(VOCAB, generator=g, out=uniform[p])
        xi_main, xi_emo = gauss.split([c.n_layers * T * c.n_main, c.n_emo], dim=1)
        xi_main = xi_main.view(P, c.n_layers, T, c.n_main)
        amp = self.noise_model.amplitude

        weights = {name: getattr(self, name) for name in CORTEX_WEIGHTS}
        h = residual_stream(weights, tokens, c, perturb=lambda layer, h: h + amp("main", h) * xi_main[:, layer])
        self.main = h[:, -1].contiguous()
        logits = unembed(weights, self.main.unsqueeze(1)).squeeze(1)
        temperature = amp("sampling", (self.activity / math.sqrt(c.n_main)).unsqueeze(1))
        gumbel = uniform.clamp_min(torch.finfo(self.dtype).tiny).log().neg().log().neg()
        chars = decode((logits + temperature * gumbel).argmax(dim=1))
        self.texts = [text + char for text, char in zip(window, chars)]

        self.emotion_prev = self.emotion
        drive = torch.baddbmm(self.bias_emo.unsqueeze(-1), self.W_main_emo, self.main.unsqueeze(-1)).squeeze(-1)
        drive.add_(torch.bmm(self.W_rec_emo, self.emotion_prev.unsqueeze(-1)).squeeze(-1))
        drive.addcmul_(amp("emotion", self.emotion_prev), xi_emo)
        self.emotion = leaky_update(self.v_emotion, drive, c.dt, c.tau_emo)

        self.energy, self.awake = self.energy_model.update(self.energy, self.awake, self.main)
        self.plasticity.apply(self, self.learning)
        return window

    # -- state ----------------------------------------------------------------------------------------
    def _own_metadata(self) -> dict:
        return {"texts": list(self.texts)}

    def _load_own(self, tensors: dict[str, torch.Tensor], metadata: dict) -> None:
        self.texts = list(metadata["texts"])
