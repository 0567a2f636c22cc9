"""``ContinuousEmergeBase``: a population of agents of three continuous neural fields.

Every state and weight tensor carries a leading axis of independent agents; one agent is a population
of one. Each agent has its own noise generator, so its trajectory does not depend on which other agents
share the tensors. The population's plugin manager is resolved once, at construction, into the energy
model, noise model, plasticity rule and the list of ``relational_drift`` callables of the step loop.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pluggy
import torch

from .config import AgentConfig
from .drift import DreamLoop
from .dynamics import leaky_update
from .encoding import encode_text
from .plugins import resolve_agent_hooks

__all__ = ["ContinuousEmergeBase"]

_DTYPES = {"float32": torch.float32, "float64": torch.float64}
STATE_TENSORS = (
    "v_sensory", "sensory", "v_main", "main", "main_prev", "v_emotion", "emotion", "emotion_prev",
    "trace_sensory", "trace_main", "trace_emotion", "energy", "awake",
)
WEIGHT_TENSORS = ("W_in_main", "W_rec_main", "W_main_emo", "W_rec_emo", "bias_main", "bias_emo")


class ContinuousEmergeBase:
    """A population of ``len(init_seeds)`` agents (MODEL.md sections 1-4).

    :param config: the agent configuration, shared by the population.
    :param init_seeds: one seed per agent for its initial weights and biases (twins of a pair given the
        same seed start identical).
    :param noise_seeds: one seed per agent for its noise stream.
    :param scaffolds: names of registered scaffolds to instantiate on this population's manager.
    :param plugins: further plugin objects for this population only (asked before installed ones).
    :param entry_points: load installed plugins of the ``emergence`` group.
    """

    def __init__(
        self,
        config: AgentConfig,
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
        self.device = torch.device(device)
        self.dtype = _DTYPES[config.dtype]
        self.population = len(init_seeds)
        self.init_seeds = [int(s) for s in init_seeds]
        self.noise_seeds = [int(s) for s in noise_seeds]
        self.step_index = 0

        hooks = resolve_agent_hooks(config, scaffolds, plugins, entry_points=entry_points)
        self.pm: pluggy.PluginManager = hooks.pm
        self.scaffolds = hooks.scaffolds
        self.plasticity, self.energy_model, self.noise_model = hooks.plasticity, hooks.energy, hooks.noise
        self._drift = hooks.drift

        self._init_tensors()
        self.generators = [torch.Generator(self.device).manual_seed(s) for s in self.noise_seeds]
        self.dream = DreamLoop(config, self.population, self.dtype, self.device)
        self._text, self._code = None, None
        self._noise_buffer = torch.empty(
            self.population, 2 * config.n_input + config.n_main + config.n_emo, dtype=self.dtype, device=self.device
        )
        self._weight_noise_buffer: dict[int, torch.Tensor] = {}

    # -- construction -------------------------------------------------------------------------------
    def _init_tensors(self) -> None:
        c, P = self.config, self.population
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
            "W_in_main": ((c.n_main, c.n_input), c.feedforward_gain),
            "W_rec_main": ((c.n_main, c.n_main), c.recurrent_gain),
            "W_main_emo": ((c.n_emo, c.n_main), c.feedforward_gain),
            "W_rec_emo": ((c.n_emo, c.n_emo), c.emo_recurrent_gain),
        }
        for name, (shape, gain) in shapes.items():
            setattr(self, name, torch.empty(P, *shape, **zeros))
        self.bias_main = torch.empty(P, c.n_main, **zeros)
        self.bias_emo = torch.empty(P, c.n_emo, **zeros)
        for p, seed in enumerate(self.init_seeds):
            g = torch.Generator(self.device).manual_seed(seed)
            for name, (shape, gain) in shapes.items():
                getattr(self, name)[p] = torch.randn(shape, generator=g, **zeros) * (gain / math.sqrt(shape[1]))
            self.bias_main[p] = torch.randn(c.n_main, generator=g, **zeros) * c.bias_scale
            self.bias_emo[p] = torch.randn(c.n_emo, generator=g, **zeros) * c.bias_scale

    # -- the step -----------------------------------------------------------------------------------
    def step(self) -> None:
        """One step of every agent: drift input, three fields, traces, energy, plasticity, scaffolds."""
        c = self.config
        text = self.dream.next_text(self.step_index)
        if text != self._text:
            self._text, self._code = text, encode_text(text, c.n_input, self.dtype).to(self.device)
        noise = self._noise_buffer
        for p, g in enumerate(self.generators):
            torch.randn(noise.shape[1], generator=g, out=noise[p])
        xi_text, xi_s, xi_m, xi_e = noise.split([c.n_input, c.n_input, c.n_main, c.n_emo], dim=1)
        amp = self.noise_model.amplitude

        drive = self._code + c.text_noise * xi_text + amp("sensory", self.sensory) * xi_s
        self.sensory = leaky_update(self.v_sensory, drive, c.dt, c.tau_sensory)

        self.main_prev = self.main
        drive = _matvec(self.W_in_main, self.sensory)
        drive.add_(_matvec(self.W_rec_main, self.main_prev)).add_(self.bias_main)
        drive.addcmul_(amp("main", self.main_prev), xi_m)
        self.main = leaky_update(self.v_main, drive, c.dt, c.tau_main)

        self.emotion_prev = self.emotion
        drive = _matvec(self.W_main_emo, self.main)
        drive.add_(_matvec(self.W_rec_emo, self.emotion_prev)).add_(self.bias_emo)
        drive.addcmul_(amp("emotion", self.emotion_prev), xi_e)
        self.emotion = leaky_update(self.v_emotion, drive, c.dt, c.tau_emo)

        for name in ("sensory", "main", "emotion"):
            getattr(self, f"trace_{name}").lerp_(getattr(self, name), c.trace_rate)

        self.energy, self.awake = self.energy_model.update(self.energy, self.awake, self.main)
        self.plasticity.apply(self, self.learning)
        for drift in self._drift:
            drift(agent=self, step=self.step_index)
        self.dream.record(self.step_index, text, self.activity, self.energy, self.awake, self.emotion.mean(dim=1))
        self.step_index += 1

    def run(self, steps: int) -> None:
        for _ in range(steps):
            self.step()

    # -- views ----------------------------------------------------------------------------------------
    @property
    def learning(self) -> torch.Tensor:
        """Per agent: may it learn now? Awake and energy above ``learn_above`` (MODEL.md 2)."""
        return self.awake & (self.energy > self.config.learn_above)

    @property
    def activity(self) -> torch.Tensor:
        """The activity scalar (the write-up's "surge"): norm of the main activation, per agent."""
        return self.main.norm(dim=1)

    def trails(self, agent: int = 0) -> list[dict]:
        """The recent trails of one agent, oldest first."""
        return self.dream.trails(agent)

    def add_weight_noise(self, W: torch.Tensor, sd: float, learning: torch.Tensor) -> None:
        """``W[p] += sd * N(0, 1)`` for each learning agent p, from p's own generator.

        Every agent draws the same numbers whether or not it learns, so its noise stream does not
        depend on its sleep schedule.
        """
        shape = W.shape[1:]
        buffer = self._weight_noise_buffer.get(W.shape[1] * W.shape[2])
        if buffer is None:
            buffer = torch.empty(shape, dtype=self.dtype, device=self.device)
            self._weight_noise_buffer[W.shape[1] * W.shape[2]] = buffer
        for p, g in enumerate(self.generators):
            torch.randn(shape, generator=g, out=buffer)
            if learning[p]:
                W[p].add_(buffer, alpha=sd)

    def receive_feedback(self, message: str, strength: float = 1.0) -> None:
        """Give every agent a mentor's message through the ``receive_feedback`` hook."""
        self.pm.hook.receive_feedback(agent=self, message=message, strength=float(strength))

    # -- state ----------------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, torch.Tensor]:
        """Every tensor needed to continue exactly: state, weights, trails, each generator's state."""
        tensors = {name: getattr(self, name) for name in STATE_TENSORS + WEIGHT_TENSORS}
        tensors["rng"] = torch.stack([g.get_state() for g in self.generators])
        tensors.update(self.dream.state_dict())
        return tensors

    def metadata(self) -> dict:
        """JSON-ready state that is not a tensor: step, trail texts, scaffold states."""
        return {
            "step_index": self.step_index,
            "init_seeds": self.init_seeds,
            "noise_seeds": self.noise_seeds,
            "dream": self.dream.metadata(),
            "scaffolds": {name: s.get_state() for name, s in self.scaffolds.items() if hasattr(s, "get_state")},
        }

    def load_state(self, tensors: dict[str, torch.Tensor], metadata: dict) -> None:
        """Restore what ``state_dict`` and ``metadata`` saved (same config and population size)."""
        for name in STATE_TENSORS + WEIGHT_TENSORS:
            current = getattr(self, name)
            saved = tensors[name]
            if saved.shape != current.shape:
                raise ValueError(f"checkpoint tensor {name} has shape {tuple(saved.shape)}, expected {tuple(current.shape)}")
            setattr(self, name, saved.to(device=self.device, dtype=current.dtype).clone())
        for g, state in zip(self.generators, tensors["rng"]):
            g.set_state(state.clone())
        self.dream.load({k: v.to(self.device) for k, v in tensors.items() if k.startswith("trail.")}, metadata["dream"])
        self.step_index = int(metadata["step_index"])
        for name, state in metadata.get("scaffolds", {}).items():
            self.scaffolds[name].set_state(state, agent=self)
        self._text = None


def _matvec(W: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Per agent ``W[p] @ x[p]``: (P, n, m) x (P, m) -> (P, n)."""
    return torch.bmm(W, x.unsqueeze(-1)).squeeze(-1)
