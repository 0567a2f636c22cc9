"""``ContinuousEmergeBase``: a population of agents of three continuous neural fields.

Every state and weight tensor carries a leading axis of independent agents; one agent is a population
of one. What every substrate shares (seeds, per-agent noise generators, the hooks resolved once, the
dream loop, the checkpoint) is ``emergence.agents.population.PopulationBase``; this module adds the fields.

Two engines advance the fields, energy and plasticity (config ``engine``): ``fast`` (the default: the
device's fused engine, one pass over W_rec_main; numba kernels on CPU, ``emergence.fields.engines.cpu``; a Triton
kernel on CUDA, ``emergence.fields.engines.cuda``) and ``plain`` (torch ops, any device; the reference). Both
draw the same noise: field noise from each agent's torch generator, weight noise from each agent's
counter-based stream (``weight_noise``, an ``emergence.agents.rng.WeightNoise``). The engines meet the
population through ``advance_fields`` and the checked component calls of ``PopulationBase``.
"""

from __future__ import annotations

import math

import torch

from ..agents.dynamics import leaky_update
from ..agents.population import DTYPES, PopulationBase
from ..agents.rng import WeightNoise
from .config import AgentConfig
from .encoding import encode_text
from .engines import engine_for, fast_engine
from .plasticity import OjaPlasticity

__all__ = ["ContinuousEmergeBase"]

STATE_TENSORS = (
    "v_sensory",
    "sensory",
    "v_main",
    "main",
    "main_prev",
    "v_emotion",
    "emotion",
    "emotion_prev",
    "trace_sensory",
    "trace_main",
    "trace_emotion",
    "energy",
    "awake",
)
WEIGHT_TENSORS = ("W_in_main", "W_rec_main", "W_main_emo", "W_rec_emo", "bias_main", "bias_emo")


class ContinuousEmergeBase(PopulationBase):
    """A population of ``len(init_seeds)`` agents (MODEL.md sections 1-4); the parameters are
    ``PopulationBase``'s, with ``config`` an ``AgentConfig`` and ``init_seeds`` seeding weights and biases.
    """

    config: AgentConfig
    TENSORS = STATE_TENSORS + WEIGHT_TENSORS

    def _init_own(self) -> None:
        config = self.config
        self.weight_noise = WeightNoise(self.noise_seeds)
        self._text, self._code = None, None
        self._noise_buffer = torch.empty(
            self.population, 2 * config.n_input + config.n_main + config.n_emo, dtype=self.dtype, device=self.device
        )
        self.engine = engine_for(config, self.device)
        self._engine = fast_engine(self) if self.engine == "fast" else None

    @classmethod
    def default_plasticity(cls, config: AgentConfig) -> OjaPlasticity:
        return OjaPlasticity(config)

    # -- construction -------------------------------------------------------------------------------
    def _init_tensors(self) -> None:
        c, P = self.config, self.population
        self.weight_dtype = DTYPES[c.dtype if c.weight_dtype == "same" else c.weight_dtype]
        zeros = dict(dtype=self.dtype, device=self.device)
        for name, n in (("sensory", c.n_input), ("main", c.n_main), ("emotion", c.n_emo)):
            setattr(self, f"v_{name}", torch.zeros(P, n, **zeros))
            setattr(self, name, torch.zeros(P, n, **zeros))
            setattr(self, f"trace_{name}", torch.zeros(P, n, **zeros))
        self.main_prev = torch.zeros(P, c.n_main, **zeros)
        self.emotion_prev = torch.zeros(P, c.n_emo, **zeros)
        self.energy = torch.full((P,), c.initial_energy, **zeros)
        self.awake = torch.ones(P, dtype=torch.bool, device=self.device)

        shapes = {
            "W_in_main": ((c.n_main, c.n_input), c.input_gain),
            "W_rec_main": ((c.n_main, c.n_main), c.recurrent_gain),
            "W_main_emo": ((c.n_emo, c.n_main), c.feedforward_gain),
            "W_rec_emo": ((c.n_emo, c.n_emo), c.emo_recurrent_gain),
        }
        for name, (shape, gain) in shapes.items():
            setattr(self, name, torch.empty(P, *shape, dtype=self.weight_dtype, device=self.device))
        self.bias_main = torch.empty(P, c.n_main, **zeros)
        self.bias_emo = torch.empty(P, c.n_emo, **zeros)
        for p, seed in enumerate(self.init_seeds):
            g = torch.Generator(self.device).manual_seed(seed)
            for name, (shape, gain) in shapes.items():  # in place: no temporary of a matrix's size
                W = getattr(self, name)[p]
                if W.dtype == self.dtype:
                    torch.randn(shape, generator=g, out=W).mul_(gain / math.sqrt(shape[1]))
                else:  # stored in another dtype: the same draw as in ``dtype``, rounded on store
                    W.copy_(torch.randn(shape, generator=g, **zeros).mul_(gain / math.sqrt(shape[1])))
            self.bias_main[p] = torch.randn(c.n_main, generator=g, **zeros) * c.bias_scale
            self.bias_emo[p] = torch.randn(c.n_emo, generator=g, **zeros) * c.bias_scale

    # -- the step -----------------------------------------------------------------------------------
    def _advance(self) -> str:
        """Dream input, three fields, traces, energy and plasticity; every agent reads the same text."""
        c = self.config
        text = self.dream.next_text(self.step_index)
        if text != self._text:
            self._text, self._code = text, encode_text(text, c.n_input, self.dtype).to(self.device)
        noise = self._noise_buffer
        for p, g in enumerate(self.generators):
            torch.randn(noise.shape[1], generator=g, out=noise[p])
        for p, g in enumerate(self.input_generators):  # the text noise from the input's own stream
            torch.randn(c.n_input, generator=g, out=noise[p, : c.n_input])
        if self._engine is not None:
            self._engine.advance(self, self._code, noise)
        else:  # the plain engine (MODEL.md 1-3)
            self.advance_fields(self._code, noise)
            self.apply_plasticity(self.learning)
        return text

    def advance_fields(self, code: torch.Tensor, noise: torch.Tensor, recurrent: torch.Tensor | None = None) -> None:
        """Fields, traces and energy of one step with torch ops, from the input ``code`` and the step's
        ``noise`` (text, sensory, main, emotion). ``recurrent``: the recurrent input ``W_rec_main @ main``
        (of the previous step's main) when already computed (the CUDA engine's fused pass), else computed here."""
        c = self.config
        xi_text, xi_s, xi_m, xi_e = noise.split([c.n_input, c.n_input, c.n_main, c.n_emo], dim=1)
        amp = self.noise_amplitude

        drive = code + c.text_noise * xi_text + amp("sensory", self.sensory) * xi_s
        self.sensory = leaky_update(self.v_sensory, drive, c.dt, c.tau_sensory)

        self.main_prev = self.main
        drive = _matvec(self.W_in_main, self.sensory)
        drive.add_(_matvec(self.W_rec_main, self.main_prev) if recurrent is None else recurrent).add_(self.bias_main)
        drive.addcmul_(amp("main", self.main_prev), xi_m)
        self.main = leaky_update(self.v_main, drive, c.dt, c.tau_main)

        self.emotion_prev = self.emotion
        drive = _matvec(self.W_main_emo, self.main)
        drive.add_(_matvec(self.W_rec_emo, self.emotion_prev)).add_(self.bias_emo)
        drive.addcmul_(amp("emotion", self.emotion_prev), xi_e)
        self.emotion = leaky_update(self.v_emotion, drive, c.dt, c.tau_emo)

        for name in ("sensory", "main", "emotion"):
            getattr(self, f"trace_{name}").lerp_(getattr(self, name), c.trace_rate)

        self.update_energy()

    # -- state ----------------------------------------------------------------------------------------
    def _own_tensors(self) -> dict[str, torch.Tensor]:
        """The weight-noise streams and the fast engine's cache."""
        tensors = {"weight_rng": self.weight_noise.state}
        if self._engine is not None:
            tensors.update(self._engine.state_dict(self))
        return tensors

    def _own_metadata(self) -> dict:
        return {
            "engine": {
                "engine": self.engine,
                "weight_noise_mode": self.config.weight_noise_mode,
                "weight_noise_every": self.config.weight_noise_every,
                "weight_noise_stream": "splitmix64-box-muller",
            },
        }

    def _load_own(self, tensors: dict[str, torch.Tensor], metadata: dict) -> None:
        if "weight_rng" not in tensors:
            raise ValueError("checkpoint has no weight_rng (the agents' weight-noise streams)")
        self.weight_noise.load(tensors["weight_rng"])

    def load_state(self, tensors: dict[str, torch.Tensor], metadata: dict) -> None:
        """Restore what ``state_dict`` and ``metadata`` saved, then the fast engine's cache."""
        super().load_state(tensors, metadata)
        if self._engine is not None:
            self._engine.load_state(self, tensors)
        self._text = None


def _matvec(W: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Per agent ``W[p] @ x[p]``: (P, n, m) x (P, m) -> (P, n), in ``x``'s dtype whatever W's storage."""
    return torch.bmm(W, x.to(W.dtype).unsqueeze(-1)).squeeze(-1).to(x.dtype)
