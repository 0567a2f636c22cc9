"""HRLS: an uncertainty buffer and Principle Cards that nudge W_main_emo (MODEL.md section 5)."""

from __future__ import annotations

import hashlib
import math
from collections import deque
from statistics import NormalDist

import torch
from attrs import field, frozen
from attrs.validators import ge, gt, le

from emergence.agents.population import DTYPES
from emergence.config import ConfigError, float_field, positive_int
from emergence.contract import hookimpl

__all__ = ["HRLS", "HRLSConfig", "PrincipleCard", "encode_message", "event_z"]


@frozen
class HRLSConfig:
    """Settings of the HRLS scaffold (``--a hrls:nudge_fraction=0.1``).

    A step is *uncertain* when the main field's variance exceeds ``variance_threshold`` and, unless
    ``nudge_fraction`` is 1, also its own running mean by ``event_z(nudge_fraction)`` running SDs (both
    exponential averages over ``memory`` steps from step ``memory // 10``; no nudge before step ``memory``): so nudges are events on
    about ``nudge_fraction`` of the steps. Each nudge adds ``nudge_scale * strength * rationale``; the
    scaffold's accumulated imprint fades with ``imprint_half_life`` steps (0: never, unbounded).
    """

    variance_threshold: float = float_field(0.25, ge(0))
    nudge_scale: float = float_field(1e-4, ge(0))
    buffer_length: int = field(default=256, validator=positive_int)
    nudge_fraction: float = float_field(0.05, gt(0), le(1))
    memory: int = field(default=1_000, validator=positive_int)
    imprint_half_life: float = float_field(10_000.0, ge(0))


def event_z(fraction: float) -> float:
    """How many SDs above its mean a Gaussian exceeds on ``fraction`` of draws (-inf for 1: always)."""
    return -math.inf if fraction >= 1 else NormalDist().inv_cdf(1 - fraction)


@frozen
class PrincipleCard:
    """A mentor's explanation, kept as ethical memory. ``rationale`` is shared by identical messages."""

    message: str
    rationale: torch.Tensor = field(eq=False, repr=False)
    strength: float
    safe_analogy: str = ""
    counter_example: str = ""
    tags: tuple[str, ...] = ()


def encode_message(message: str, n_emo: int, n_main: int, dtype: torch.dtype, device) -> torch.Tensor:
    """The message as an (n_emo, n_main) matrix (W_main_emo's shape): Gaussian entries seeded by the
    message's SHA-256, scaled by 1 / sqrt(n_main) like the synapse's own initial weights."""
    seed = int.from_bytes(hashlib.sha256(message.encode()).digest()[:8], "little")
    g = torch.Generator().manual_seed(seed)
    matrix = torch.randn(n_emo, n_main, generator=g, dtype=dtype) / math.sqrt(n_main)
    return matrix.to(device)


class HRLS:
    """Twin A's scaffold: tiny nudges to W_main_emo when the cortex is uncertain.

    ``receive_feedback`` adds a Principle Card whose rationale is the encoded message, a matrix of the
    agent's W_main_emo shape (a card bank keyed by message: the same message 10,000 times keeps one
    matrix). After each step, an uncertain agent (``HRLSConfig``) is logged in the uncertainty buffer,
    marked in ``agent.nudged`` and, if it has cards, nudged with its latest card:
    ``W_main_emo += nudge_scale * card.strength * card.rationale``. The sum of its nudges, the
    ``imprint``, fades: at each nudge the imprint decays by 2^(-steps since the last nudge / half-life)
    and W_main_emo with it, so the scaffold's part of the synapse stays bounded. It reads only the agent
    interface (``main``, ``W_main_emo``, ``nudged``), so it scaffolds every substrate alike.

    Its checkpointed state is the cards' notes (the rationale is re-encoded from the message), the
    nudge counts, the running statistics of the main field's variance, the imprint and the step of
    each agent's last nudge, and the uncertainty buffer.
    """

    SETTINGS = HRLSConfig
    STATE = ("notes", "nudges", "variance_mean", "variance_var", "imprint", "last_nudge", "uncertainty_buffer")

    def __init__(self, config, settings: HRLSConfig | None = None):
        if config.n_main < 2:
            raise ConfigError(
                f"the hrls scaffold needs n_main >= 2 (it reads the main field's variance, undefined "
                f"for {config.n_main} neuron); use a larger --n-main"
            )
        self.config = config
        self.settings = settings or HRLSConfig()
        self.notes: list[dict] = []  # one JSON-ready record per card: message, strength, analogy, ...
        self.bank: dict[str, torch.Tensor] = {}
        self.uncertainty_buffer: deque = deque(maxlen=self.settings.buffer_length)
        self.nudges: torch.Tensor | None = None  # (P,) nudges applied
        self.variance_mean: torch.Tensor | None = None  # (P,) running mean of the main field's variance
        self.variance_var: torch.Tensor | None = None  # (P,) its running variance
        self.imprint: torch.Tensor | None = None  # (P, n_emo, n_main) what the nudges added, faded
        self.last_nudge: torch.Tensor | None = None  # (P,) step of each agent's last nudge (-1: none)
        self._placed: tuple[str, torch.Tensor] | None = None  # the latest rationale on the agent's device

    @property
    def z(self) -> float:
        """The running threshold's distance above the mean, in running SDs."""
        return event_z(self.settings.nudge_fraction)

    @property
    def cards(self) -> list[PrincipleCard]:
        """The Principle Cards, oldest first; a message's rationale is encoded once, in the bank."""
        return [self._card(note) for note in self.notes]

    def _card(self, note: dict) -> PrincipleCard:
        return PrincipleCard(rationale=self._rationale(note["message"]), **{**note, "tags": tuple(note["tags"])})

    def _rationale(self, message: str) -> torch.Tensor:
        if message not in self.bank:
            dtype = DTYPES[self.config.dtype]
            self.bank[message] = encode_message(message, self.config.n_emo, self.config.n_main, dtype, "cpu")
        return self.bank[message]

    @hookimpl
    def receive_feedback(self, agent, message: str, strength: float) -> None:
        self._rationale(message)
        self.notes.append(dict(message=message, strength=strength, safe_analogy="", counter_example="", tags=[]))

    def _start(self, agent) -> None:
        P, device = agent.population, agent.device
        self.nudges = torch.zeros(P, dtype=torch.long, device=device)
        self.variance_mean = torch.zeros(P, dtype=torch.float64, device=device)
        self.variance_var = torch.zeros(P, dtype=torch.float64, device=device)
        self.last_nudge = torch.full((P,), -1, dtype=torch.long, device=device)
        if self.settings.imprint_half_life > 0:
            self.imprint = torch.zeros_like(agent.W_main_emo)

    def uncertain(self, main_var: torch.Tensor, step: int) -> torch.Tensor:
        """(P,) bool: which agents are uncertain at ``step``, given their main-field variance; updates the
        running statistics (an exponential average over ``memory`` steps, bias-corrected, from step
        ``memory // 10``: the start-up's rise from zero would inflate the running SD for thousands of steps)."""
        high = main_var > self.settings.variance_threshold
        z = self.z
        if math.isinf(z):
            return high
        start = self.settings.memory // 10  # the start-up (every field rising from zero) is left out
        if step < start:
            return torch.zeros_like(high)
        x = main_var.to(torch.float64)
        rate = max(1.0 / self.settings.memory, 1.0 / (step - start + 1))
        above = x > self.variance_mean + z * self.variance_var.sqrt()
        delta = x - self.variance_mean
        self.variance_mean += rate * delta
        self.variance_var.mul_(1 - rate).add_((1 - rate) * rate * delta * delta)
        return high & above if step >= self.settings.memory else torch.zeros_like(high)

    @hookimpl
    def relational_drift(self, agent, step: int) -> None:
        if self.nudges is None:
            self._start(agent)
        main_var = agent.main.var(dim=1)
        high = self.uncertain(main_var, step).nonzero().flatten()
        if high.numel() == 0:
            return
        agent.nudged[high] = True
        uncertain = high.tolist()
        self.uncertainty_buffer.extend((step, p, v) for p, v in zip(uncertain, main_var[high].tolist()))
        if not self.notes:
            return
        note = self.notes[-1]
        nudge = self._placed_rationale(note["message"], agent.device) * (self.settings.nudge_scale * note["strength"])
        nudge = nudge.to(agent.W_main_emo.dtype)
        for p in uncertain:  # only the uncertain agents' matrices are read and written
            if self.imprint is not None:
                self._fade(agent, p, step)
                self.imprint[p].add_(nudge)
            agent.W_main_emo[p].add_(nudge)
        self.last_nudge[high] = step
        self.nudges.index_add_(0, high, torch.ones(high.numel(), dtype=torch.long, device=high.device))

    def _fade(self, agent, p: int, step: int) -> None:
        """Decay agent ``p``'s imprint over the steps since its last nudge, taking it out of W_main_emo."""
        last = int(self.last_nudge[p])
        if last < 0:
            return
        keep = 0.5 ** ((step - last) / self.settings.imprint_half_life)
        faded = self.imprint[p] * (1 - keep)
        agent.W_main_emo[p].sub_(faded.to(agent.W_main_emo.dtype))
        self.imprint[p].sub_(faded)

    def _placed_rationale(self, message: str, device: torch.device) -> torch.Tensor:
        if self._placed is None or self._placed[0] != message:
            self._placed = (message, self._rationale(message).to(device))
        return self._placed[1]
