"""``PopulationBase``: what every substrate's population of agents shares.

Seeds, device and dtype; the components of its hooks (resolved once by the host and handed in as
``AgentHooks``; the substrate's defaults where none is given), called through the checks on what a
plugin hands the step (``guard``: a fault is a PluginError naming the plugin); one noise generator per
agent (so an agent's trajectory does not depend on its population); the dream loop; the views of the
``Agent`` interface; the end of every step (scaffolds' drift, the trail, the step counter); and the
checkpoint of the tensors a subclass names in ``TENSORS`` and of its scaffolds' declared ``STATE``. A
subclass builds its tensors (``_init_tensors``) and further state (``_init_own``), advances its
dynamics (``_advance``), and checkpoints its own state through ``_own_tensors``, ``_own_metadata`` and
``_load_own``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, ClassVar

import torch

from ..config import check_seeds
from ..contract import AgentHooks, PluginError
from .devices import resolve_device
from .dream import DreamLoop
from .dynamics import StateDependentNoise
from .energy import HomeostaticEnergy
from .guard import PluginGuard
from .scaffold_state import restore_scaffolds, scaffold_metadata, scaffold_tensors

__all__ = ["PopulationBase", "DTYPES", "emotion_shapes"]

DTYPES = {"float32": torch.float32, "float64": torch.float64, "bfloat16": torch.bfloat16}


def emotion_shapes(config: Any) -> dict[str, tuple[tuple[int, ...], float]]:
    """The emotion field's weights as a substrate with a cortex of ``n_main`` units draws them: name ->
    (shape, SD), for ``PopulationBase._draw``."""
    c = config
    return {
        "W_main_emo": ((c.n_emo, c.n_main), c.feedforward_gain / math.sqrt(c.n_main)),
        "W_rec_emo": ((c.n_emo, c.n_emo), c.emo_recurrent_gain / math.sqrt(c.n_emo)),
        "bias_emo": ((c.n_emo,), c.bias_scale),
    }


class PopulationBase:
    """A population of ``len(init_seeds)`` agents of one substrate.

    :param config: the agent configuration, shared by the population.
    :param init_seeds: one seed per agent for its initial weights (twins given one seed start identical).
    :param noise_seeds: one seed per agent for its noise stream.
    :param input_seeds: one seed per agent for the noise on its sensory input (the text noise): agents
        given one seed read the same noisy input, as if one harness encoded the text once for them;
        None: that noise comes from each agent's own stream.
    :param hooks: this population's plugin manager, resolved (``emergence.build_agent`` builds it with
        scaffolds and installed plugins); None: no plugin, the substrate's default components.
    :param device: where the tensors live: ``cpu``, ``cuda`` or ``cuda:N``.
    """

    #: The tensor attributes a checkpoint saves and restores, by name.
    TENSORS: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        config: Any,
        init_seeds: Sequence[int],
        noise_seeds: Sequence[int],
        *,
        hooks: AgentHooks | None = None,
        device: str | torch.device = "cpu",
        input_seeds: Sequence[int] | None = None,
    ):
        init_seeds, noise_seeds = check_seeds("init_seeds", init_seeds), check_seeds("noise_seeds", noise_seeds)
        if len(init_seeds) != len(noise_seeds) or not init_seeds:
            raise ValueError("init_seeds and noise_seeds must be non-empty and of equal length")
        if input_seeds is not None and len(check_seeds("input_seeds", input_seeds)) != len(init_seeds):
            raise ValueError("input_seeds must have one seed per agent")
        self.config = config
        self.device = resolve_device(device)
        self.dtype = DTYPES[config.dtype]
        self.population = len(init_seeds)
        self.init_seeds, self.noise_seeds, self.input_seeds = init_seeds, noise_seeds, input_seeds
        self.step_index = 0

        hooks = hooks or AgentHooks()
        self.scaffolds = hooks.scaffolds
        self.plasticity = hooks.plasticity or self.default_plasticity(config)
        self.energy_model = hooks.energy or HomeostaticEnergy(config)
        self.noise_model = hooks.noise or StateDependentNoise(config)
        self._drift, self._feedback = list(hooks.drift), list(hooks.feedback)

        self._init_tensors()
        self.W_main_emo_birth = self.W_main_emo.clone()  # rebuilt, not saved: a resumed agent is built anew
        self.nudged = torch.zeros(self.population, dtype=torch.bool, device=self.device)
        self.generators = [torch.Generator(self.device).manual_seed(s) for s in self.noise_seeds]
        self.input_generators = [torch.Generator(self.device).manual_seed(s) for s in input_seeds or ()]
        self.dream = DreamLoop(config, self.population, self.dtype, self.device)
        self._init_own()
        self._guard = PluginGuard(self, hooks.sources)

    @classmethod
    def default_plasticity(cls, config: Any) -> Any:
        """The substrate's learning rule where no plugin provides one (``plasticity`` hook)."""
        raise NotImplementedError

    def _draw(self, drawn: dict[str, tuple[tuple[int, ...], float]]) -> None:
        """Create each tensor of ``drawn`` (name -> (shape, SD)) with an agent axis, every agent's
        N(0, SD^2) from its init seed, in the order of ``drawn``."""
        for name, (shape, _) in drawn.items():
            setattr(self, name, torch.empty(self.population, *shape, dtype=self.dtype, device=self.device))
        for p, seed in enumerate(self.init_seeds):
            g = torch.Generator(self.device).manual_seed(seed)
            for name, (shape, sd) in drawn.items():
                torch.randn(shape, generator=g, out=getattr(self, name)[p]).mul_(sd)

    def _init_tensors(self) -> None:
        """Create every tensor of ``TENSORS``, the weights drawn from each agent's ``init_seeds``."""
        raise NotImplementedError

    def _init_own(self) -> None:
        """The substrate's further state, once the tensors, generators and dream loop exist."""

    def _advance(self) -> str | Sequence[str]:
        """Input, dynamics, energy and plasticity of one step; returns the text each agent read (shared
        or one per agent), for its trail."""
        raise NotImplementedError

    def step(self) -> None:
        """One step of every agent: the substrate's dynamics, then the scaffolds' drift, then the trail.
        A plugin's fault (its hook raises, leaves a tensor of another shape or the state not finite) is a
        PluginError naming it (``emergence.agents.guard``)."""
        try:
            text = self._advance()
        except PluginError:
            raise
        except Exception as err:
            blamed = self._guard.blame(err, self.step_index)
            if blamed is None:
                raise
            raise blamed from err
        self.nudged.zero_()
        if self._drift:
            self._guard.run(self, self._drift, "relational_drift", step=self.step_index)
        self.dream.record(self.step_index, text, self.activity, self.energy, self.awake, self.emotion.mean(dim=1))
        self.step_index += 1

    def run(self, steps: int) -> None:
        for _ in range(steps):
            self.step()

    # -- the components, checked (what a substrate's step and its engines call) -----------------------
    def noise_amplitude(self, field: str, activation: torch.Tensor) -> torch.Tensor:
        """The noise model's amplitude of ``field``; a plugin's checked: ``activation``'s shape, dtype and
        device, finite."""
        return self._guard.amplitude(self, field, activation)

    def update_energy(self) -> None:
        """The energy model's next ``energy`` and ``awake`` from this step's ``main``; a plugin's checked."""
        self._guard.update_energy(self)

    def apply_plasticity(self, learning: torch.Tensor) -> None:
        """The learning rule, for the agents with ``learning`` true; after a plugin's, every tensor keeps
        its shape, dtype and device."""
        self._guard.apply_plasticity(self, learning)

    # -- views ----------------------------------------------------------------------------------------
    @property
    def learning(self) -> torch.Tensor:
        """Per agent: may it learn now? Awake and energy above ``learn_above`` (MODEL.md 2)."""
        return self.awake & (self.energy > self.config.learn_above)

    @property
    def activity(self) -> torch.Tensor:
        """The activity scalar (the write-up's "surge"): norm of ``main``, per agent."""
        return self.main.norm(dim=1)

    @property
    def w_main_emo_change(self) -> torch.Tensor:
        """(P,) how far W_main_emo has moved since birth: |W - W_birth| / |W_birth| (Frobenius norms)."""
        birth = self.W_main_emo_birth.to(torch.float64)
        change = self.W_main_emo.to(torch.float64) - birth
        return change.flatten(1).norm(dim=1) / birth.flatten(1).norm(dim=1)

    def trails(self, agent: int = 0) -> list[dict]:
        """The recent trails of one agent, oldest first."""
        return self.dream.trails(agent)

    def receive_feedback(self, message: str, strength: float = 1.0) -> None:
        """Give every agent a mentor's message through the ``receive_feedback`` hook."""
        if self._feedback:
            self._guard.run(self, self._feedback, "receive_feedback", message=message, strength=float(strength))

    # -- state ----------------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, torch.Tensor]:
        """Every tensor needed to continue exactly: ``TENSORS``, each generator's state, the substrate's
        own (``_own_tensors``), trails, the scaffolds' declared tensors."""
        tensors = {name: getattr(self, name) for name in self.TENSORS}
        tensors["rng"] = torch.stack([g.get_state() for g in self.generators])
        if self.input_generators:
            tensors["input_rng"] = torch.stack([g.get_state() for g in self.input_generators])
        tensors.update(self._own_tensors())
        tensors.update(self.dream.state_dict())
        tensors.update(scaffold_tensors(self.scaffolds))
        return tensors

    def metadata(self) -> dict:
        """JSON-ready state that is not a tensor: step, seeds, trail texts, the substrate's own
        (``_own_metadata``), the scaffolds' declared values."""
        return {
            "step_index": self.step_index,
            "init_seeds": self.init_seeds,
            "noise_seeds": self.noise_seeds,
            "input_seeds": self.input_seeds,
            "dream": self.dream.metadata(),
            **self._own_metadata(),
            "scaffolds": scaffold_metadata(self.scaffolds),
        }

    def load_state(self, tensors: dict[str, torch.Tensor], metadata: dict) -> None:
        """Restore what ``state_dict`` and ``metadata`` saved (same config and population size)."""
        for name in self.TENSORS:
            current, saved = getattr(self, name), tensors[name]
            if saved.shape != current.shape:
                raise ValueError(
                    f"checkpoint tensor {name} has shape {tuple(saved.shape)}, expected {tuple(current.shape)}"
                )
            setattr(self, name, saved.to(device=self.device, dtype=current.dtype).clone())
        for g, state in zip(self.generators, tensors["rng"]):
            g.set_state(state.clone())
        if self.input_generators and "input_rng" not in tensors:
            raise ValueError("checkpoint has no input_rng (the shared input noise streams)")
        for g, state in zip(self.input_generators, tensors.get("input_rng", ())):
            g.set_state(state.clone())
        self._load_own(tensors, metadata)
        self.dream.load({k: v.to(self.device) for k, v in tensors.items() if k.startswith("trail.")}, metadata["dream"])
        self.step_index = int(metadata["step_index"])
        restore_scaffolds(self.scaffolds, tensors, metadata.get("scaffolds", {}), self.device)

    def _own_tensors(self) -> dict[str, torch.Tensor]:
        """The substrate's further checkpoint tensors."""
        return {}

    def _own_metadata(self) -> dict:
        """The substrate's further JSON-ready state."""
        return {}

    def _load_own(self, tensors: dict[str, torch.Tensor], metadata: dict) -> None:
        """Restore what ``_own_tensors`` and ``_own_metadata`` saved (before the trails and scaffolds)."""
