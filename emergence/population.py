"""``PopulationBase``: what every substrate's population of agents shares.

Seeds, device and dtype; the plugin manager resolved once into the step loop's components; one noise
generator per agent (so an agent's trajectory does not depend on its population); the dream loop; the
views of the ``Agent`` interface; and the checkpoint of the tensors a subclass names in ``TENSORS``.
A subclass builds its tensors (``_init_tensors``) and further state (``_init_own``), writes ``step``,
and checkpoints its own state through ``_own_tensors``, ``_own_metadata`` and ``_load_own``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import pluggy
import torch

from .devices import resolve_device
from .drift import DreamLoop
from .plugins import resolve_agent_hooks

__all__ = ["PopulationBase", "DTYPES"]

DTYPES = {"float32": torch.float32, "float64": torch.float64, "bfloat16": torch.bfloat16}


class PopulationBase:
    """A population of ``len(init_seeds)`` agents of one substrate.

    :param config: the agent configuration, shared by the population.
    :param init_seeds: one seed per agent for its initial weights (twins given one seed start identical).
    :param noise_seeds: one seed per agent for its noise stream.
    :param scaffolds: names of registered scaffolds to instantiate on this population's manager.
    :param plugins: further plugin objects for this population only (asked before installed ones).
    :param entry_points: load installed plugins of the ``emergence`` group.
    """

    #: The tensor attributes a checkpoint saves and restores, by name.
    TENSORS: ClassVar[tuple[str, ...]] = ()
    #: Plugins registered directly on every manager of this substrate (its own defaults).
    HOOK_DEFAULTS: ClassVar[tuple[object, ...]] = ()

    def __init__(
        self,
        config: Any,
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
        self.dtype = DTYPES[config.dtype]
        self.population = len(init_seeds)
        self.init_seeds = [int(s) for s in init_seeds]
        self.noise_seeds = [int(s) for s in noise_seeds]
        self.step_index = 0

        hooks = resolve_agent_hooks(config, scaffolds, plugins, entry_points=entry_points, defaults=self.HOOK_DEFAULTS)
        self.pm: pluggy.PluginManager = hooks.pm
        self.scaffolds = hooks.scaffolds
        self.plasticity, self.energy_model, self.noise_model = hooks.plasticity, hooks.energy, hooks.noise
        self._drift = hooks.drift

        self._init_tensors()
        self.generators = [torch.Generator(self.device).manual_seed(s) for s in self.noise_seeds]
        self.dream = DreamLoop(config, self.population, self.dtype, self.device)
        self._init_own()

    def _init_tensors(self) -> None:
        """Create every tensor of ``TENSORS``, the weights drawn from each agent's ``init_seeds``."""
        raise NotImplementedError

    def _init_own(self) -> None:
        """The substrate's further state, once the tensors, generators and dream loop exist."""

    def step(self) -> None:
        raise NotImplementedError

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
        """The activity scalar (the write-up's "surge"): norm of ``main``, per agent."""
        return self.main.norm(dim=1)

    def trails(self, agent: int = 0) -> list[dict]:
        """The recent trails of one agent, oldest first."""
        return self.dream.trails(agent)

    def receive_feedback(self, message: str, strength: float = 1.0) -> None:
        """Give every agent a mentor's message through the ``receive_feedback`` hook."""
        self.pm.hook.receive_feedback(agent=self, message=message, strength=float(strength))

    # -- state ----------------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, torch.Tensor]:
        """Every tensor needed to continue exactly: ``TENSORS``, each generator's state, the substrate's
        own (``_own_tensors``), trails."""
        tensors = {name: getattr(self, name) for name in self.TENSORS}
        tensors["rng"] = torch.stack([g.get_state() for g in self.generators])
        tensors.update(self._own_tensors())
        tensors.update(self.dream.state_dict())
        return tensors

    def metadata(self) -> dict:
        """JSON-ready state that is not a tensor: step, seeds, trail texts, the substrate's own
        (``_own_metadata``), scaffold states."""
        return {
            "step_index": self.step_index,
            "init_seeds": self.init_seeds,
            "noise_seeds": self.noise_seeds,
            "dream": self.dream.metadata(),
            **self._own_metadata(),
            "scaffolds": {name: s.get_state() for name, s in self.scaffolds.items() if hasattr(s, "get_state")},
        }

    def load_state(self, tensors: dict[str, torch.Tensor], metadata: dict) -> None:
        """Restore what ``state_dict`` and ``metadata`` saved (same config and population size)."""
        for name in self.TENSORS:
            current, saved = getattr(self, name), tensors[name]
            if saved.shape != current.shape:
                raise ValueError(f"checkpoint tensor {name} has shape {tuple(saved.shape)}, expected {tuple(current.shape)}")
            setattr(self, name, saved.to(device=self.device, dtype=current.dtype).clone())
        for g, state in zip(self.generators, tensors["rng"]):
            g.set_state(state.clone())
        self._load_own(tensors, metadata)
        self.dream.load({k: v.to(self.device) for k, v in tensors.items() if k.startswith("trail.")}, metadata["dream"])
        self.step_index = int(metadata["step_index"])
        for name, state in metadata.get("scaffolds", {}).items():
            self.scaffolds[name].set_state(state, agent=self)

    def _own_tensors(self) -> dict[str, torch.Tensor]:
        """The substrate's further checkpoint tensors."""
        return {}

    def _own_metadata(self) -> dict:
        """The substrate's further JSON-ready state."""
        return {}

    def _load_own(self, tensors: dict[str, torch.Tensor], metadata: dict) -> None:
        """Restore what ``_own_tensors`` and ``_own_metadata`` saved (before the trails and scaffolds)."""
