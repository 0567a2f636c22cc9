"""The interfaces of a population of agents, of the components its hooks provide, and of those hooks
resolved.

``Agent`` is what protocols, scaffolds, the checkpoint and the invariant checks may rely on, whatever
the substrate (continuous fields, a tiny transformer, ...; docs/substrates.md). ``PlasticityRule``,
``EnergyModel`` and ``NoiseModel`` are what the ``plasticity``, ``energy`` and ``noise`` hooks provide:
an agent resolves each once, when it is built, and calls it directly in the step loop. ``AgentHooks``
is one population's plugin manager resolved so (by ``emergence.build_agent``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from attrs import field, frozen

if TYPE_CHECKING:
    import pluggy
    import torch

__all__ = ["Agent", "PlasticityRule", "EnergyModel", "NoiseModel", "AgentHooks"]


class Agent(Protocol):
    """A population of P agents of one substrate; every tensor has a leading agent axis.

    ``main`` is the cortex (the main field, or a transformer's residual stream at the newest position),
    ``emotion`` the emotion field, ``W_main_emo`` the synapse from cortex to emotion field (where HRLS
    nudges; a scaffold that changes an agent's weights marks it in ``nudged``). A scaffold sees only these names, so it works on every substrate.
    """

    config: Any
    population: int
    dtype: torch.dtype
    device: torch.device
    step_index: int
    scaffolds: dict[str, object]
    main: torch.Tensor  # (P, n_main)
    emotion: torch.Tensor  # (P, n_emo), in [-1, 1]
    energy: torch.Tensor  # (P,), in [0, 1]
    awake: torch.Tensor  # (P,) bool
    W_main_emo: torch.Tensor  # (P, n_emo, n_main)
    nudged: torch.Tensor  # (P,) bool: did a scaffold nudge the agent's weights this step (reset every step)

    @property
    def learning(self) -> torch.Tensor:
        """(P,) bool: may each agent learn now (awake and energy above ``learn_above``)?"""

    @property
    def activity(self) -> torch.Tensor:
        """(P,): the activity scalar, the norm of ``main`` (the write-up's "surge")."""

    @property
    def w_main_emo_change(self) -> torch.Tensor:
        """(P,): |W_main_emo - W_main_emo at birth| / |W_main_emo at birth|."""

    def step(self) -> None:
        """One step of every agent: input, dynamics, energy, plasticity, then the scaffolds' drift."""

    def run(self, steps: int) -> None: ...

    def receive_feedback(self, message: str, strength: float = 1.0) -> None:
        """Give every agent a mentor's message through the ``receive_feedback`` hook."""

    def trails(self, agent: int = 0) -> list[dict]:
        """One agent's recent trails, oldest first (``emergence.agents.dream.TRAIL_FIELDS``)."""

    def state_dict(self) -> dict[str, torch.Tensor]:
        """Every tensor needed to continue exactly (weights, state, trails, generator states)."""

    def metadata(self) -> dict:
        """JSON-ready state that is not a tensor (step index, seeds, texts, scaffold states)."""

    def load_state(self, tensors: dict[str, torch.Tensor], metadata: dict) -> None:
        """Restore what ``state_dict`` and ``metadata`` saved (same config and population size)."""


class PlasticityRule(Protocol):
    def apply(self, agent: Agent, learning: torch.Tensor) -> None:
        """Update the agent's weights in place; ``learning[i]`` false leaves agent i's weights untouched.
        A tensor it replaces keeps its shape, dtype and device (checked every step on the field substrate)."""


class EnergyModel(Protocol):
    def update(
        self, energy: torch.Tensor, awake: torch.Tensor, main: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Next (energy, awake) per agent from this step's cortex activation ``main`` (P, n_main): tensors
        of ``energy``'s and ``awake``'s shape, dtype and device, the energy finite (checked every step on the
        field substrate)."""


class NoiseModel(Protocol):
    def amplitude(self, field: str, activation: torch.Tensor) -> torch.Tensor:
        """Noise standard deviation per unit for ``field`` from its activation (fields: "sensory",
        "main", "emotion"; transformer: "main", "emotion", "sampling"): a tensor of ``activation``'s
        shape, dtype and device, finite (checked every step on the field substrate)."""


@frozen
class AgentHooks:
    """One population's plugin manager, resolved once into what its step loop calls.

    ``plasticity``, ``energy`` and ``noise`` are None where no plugin provides one: the population then
    uses its substrate's default. ``drift`` and ``feedback`` are the ``relational_drift`` and
    ``receive_feedback`` implementations as plain callables, in pluggy's calling order. ``sources``
    names, for errors, the plugin behind each part from a plugin: per hook name, one label per part
    (``{"noise": ("scaffold 'damp' (emergence-damp 0.1.0)",), "relational_drift": (...)}``).
    """

    pm: pluggy.PluginManager | None = None
    scaffolds: dict[str, object] = field(factory=dict)
    plasticity: PlasticityRule | None = None
    energy: EnergyModel | None = None
    noise: NoiseModel | None = None
    drift: tuple[Callable[..., None], ...] = field(default=(), converter=tuple)
    feedback: tuple[Callable[..., None], ...] = field(default=(), converter=tuple)
    sources: dict[str, tuple[str, ...]] = field(factory=dict)
