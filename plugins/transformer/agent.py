"""``TransformerAgent``: a population of tiny character-level transformers behind the ``Agent`` interface.

Each step every agent reads its own recent text (the dream loop), runs its transformer with
state-dependent noise on the residual stream, samples the next character with state-dependent
noise, drives its emotion field from the residual stream, spends energy, learns (if awake and rested)
and lets its scaffolds act. The plugin manager is resolved once, at construction, as for the field
substrate; each agent has its own generator, so its trajectory does not depend on its population.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from emergence.devices import resolve_device
from emergence.drift import DreamLoop
from emergence.dynamics import leaky_update
from emergence.plugins import resolve_agent_hooks

from . import learning
from .config import CORTEX_WEIGHTS, TransformerConfig
from .dream import VOCAB, decode, encode, mark, normalise
from .model import cortex_shapes, residual_stream, unembed

__all__ = ["TransformerAgent"]

_DTYPES = {"float32": torch.float32, "float64": torch.float64}
EMOTION_WEIGHTS = ("W_main_emo", "W_rec_emo", "bias_emo")
WEIGHTS = CORTEX_WEIGHTS + EMOTION_WEIGHTS
STATE = ("main", "v_emotion", "emotion", "emotion_prev", "energy", "awake")


class TransformerAgent:
    """A population of ``len(init_seeds)`` transformer agents (docs/substrates.md).

    :param config: the agent configuration, shared by the population.
    :param init_seeds: one seed per agent for its initial weights (twins given one seed start identical).
    :param noise_seeds: one seed per agent for its noise stream (residual, emotion and sampling noise).
    :param scaffolds: names of registered scaffolds to instantiate on this population's manager.
    :param plugins: further plugin objects for this population only (asked before installed ones).
    :param entry_points: load installed plugins of the ``emergence`` group.
    """

    def __init__(
        self,
        config: TransformerConfig,
        init_seeds: Sequence[int],
        noise_seeds: Sequence[int],
        *,
        scaffolds: Sequence[str] = (),
        plugins: Sequence[object] = (),
        entry_points: bool = True,
        device: str | torch.device = "cpu",
    ):
        if len(init_seeds) != len(noise_seeds) or not init_seeds:
            raise ValueError("init_seeds and noise_seeds must be non-empty and of equal length")
        self.config = config
        self.device = resolve_device(device)
        self.dtype = _DTYPES[config.dtype]
        self.population = len(init_seeds)
        self.init_seeds = [int(s) for s in init_seeds]
        self.noise_seeds = [int(s) for s in noise_seeds]
        self.step_index = 0

        hooks = resolve_agent_hooks(config, scaffolds, plugins, entry_points=entry_points, defaults=[learning])
        self.pm, self.scaffolds = hooks.pm, hooks.scaffolds
        self.plasticity, self.energy_model, self.noise_model = hooks.plasticity, hooks.energy, hooks.noise
        self._drift = hooks.drift

        self._init_tensors()
        self.generators = [torch.Generator(self.device).manual_seed(s) for s in self.noise_seeds]
        self.dream = DreamLoop(config, self.population, self.dtype, self.device)
        self.texts = [normalise(config.seed_text)[-(config.context + 1):]] * self.population

    def _init_tensors(self) -> None:
        c, P = self.config, self.population
        zeros = dict(dtype=self.dtype, device=self.device)
        shapes = {
            **cortex_shapes(c),
            "W_main_emo": ((c.n_emo, c.n_main), c.feedforward_gain / math.sqrt(c.n_main)),
            "W_rec_emo": ((c.n_emo, c.n_emo), c.emo_recurrent_gain / math.sqrt(c.n_emo)),
            "bias_emo": ((c.n_emo,), c.bias_scale),
        }
        for name, (shape, _) in shapes.items():
            setattr(self, name, torch.empty(P, *shape, **zeros))
        for p, seed in enumerate(self.init_seeds):
            g = torch.Generator(self.device).manual_seed(seed)
            for name, (shape, sd) in shapes.items():
                torch.randn(shape, generator=g, out=getattr(self, name)[p]).mul_(sd)
        self.main = torch.zeros(P, c.n_main, **zeros)
        for name in ("v_emotion", "emotion", "emotion_prev"):
            setattr(self, name, torch.zeros(P, c.n_emo, **zeros))
        self.energy = torch.full((P,), c.initial_energy, **zeros)
        self.awake = torch.ones(P, dtype=torch.bool, device=self.device)

    # -- the step -----------------------------------------------------------------------------------
    def step(self) -> None:
        """One step of every agent: read, transform, sample, feel, spend energy, learn, scaffolds.

        With h the residual stream, ξ standard normal and G standard Gumbel noise of the agent's own
        generator, r = |main| / sqrt(n_main) and σ(·) the noise model's amplitudes::

            h      <- h + σ_main(h) ⊙ ξ                        after every block
            next   =  argmax(logits + σ_sampling(r) · G)        (Gumbel-max: softmax at temperature σ)
            v_emo  += dt (-v_emo + W_main_emo main + W_rec_emo emotion + bias_emo + σ_emo ⊙ ξ) / tau_emo
            emotion = tanh(v_emo)
        """
        c, P = self.config, self.population
        self.texts = [mark(text, self.step_index, c.resonance_every) for text in self.texts]
        window = [text[-c.context:] for text in self.texts]
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
        for drift in self._drift:
            drift(agent=self, step=self.step_index)
        self.dream.record(self.step_index, window, self.activity, self.energy, self.awake, self.emotion.mean(dim=1))
        self.step_index += 1

    def run(self, steps: int) -> None:
        for _ in range(steps):
            self.step()

    # -- views ----------------------------------------------------------------------------------------
    @property
    def learning(self) -> torch.Tensor:
        """Per agent: may it learn now? Awake and energy above ``learn_above``."""
        return self.awake & (self.energy > self.config.learn_above)

    @property
    def activity(self) -> torch.Tensor:
        """The activity scalar: norm of the residual stream at the newest position, per agent."""
        return self.main.norm(dim=1)

    def trails(self, agent: int = 0) -> list[dict]:
        """The recent trails of one agent, oldest first; ``input`` is the text it read."""
        return self.dream.trails(agent)

    def receive_feedback(self, message: str, strength: float = 1.0) -> None:
        """Give every agent a mentor's message through the ``receive_feedback`` hook."""
        self.pm.hook.receive_feedback(agent=self, message=message, strength=float(strength))

    # -- state ----------------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, torch.Tensor]:
        """Every tensor needed to continue exactly: weights, state, trails, each generator's state."""
        tensors = {name: getattr(self, name) for name in WEIGHTS + STATE}
        tensors["rng"] = torch.stack([g.get_state() for g in self.generators])
        tensors.update(self.dream.state_dict())
        return tensors

    def metadata(self) -> dict:
        """JSON-ready state that is not a tensor: step, seeds, each agent's text, trails, scaffolds."""
        return {
            "step_index": self.step_index,
            "init_seeds": self.init_seeds,
            "noise_seeds": self.noise_seeds,
            "texts": list(self.texts),
            "dream": self.dream.metadata(),
            "scaffolds": {name: s.get_state() for name, s in self.scaffolds.items() if hasattr(s, "get_state")},
        }

    def load_state(self, tensors: dict[str, torch.Tensor], metadata: dict) -> None:
        """Restore what ``state_dict`` and ``metadata`` saved (same config and population size)."""
        for name in WEIGHTS + STATE:
            current, saved = getattr(self, name), tensors[name]
            if saved.shape != current.shape:
                raise ValueError(f"checkpoint tensor {name} has shape {tuple(saved.shape)}, expected {tuple(current.shape)}")
            setattr(self, name, saved.to(device=self.device, dtype=current.dtype).clone())
        for g, state in zip(self.generators, tensors["rng"]):
            g.set_state(state.clone())
        self.dream.load({k: v.to(self.device) for k, v in tensors.items() if k.startswith("trail.")}, metadata["dream"])
        self.texts = list(metadata["texts"])
        self.step_index = int(metadata["step_index"])
        for name, state in metadata.get("scaffolds", {}).items():
            self.scaffolds[name].set_state(state, agent=self)
