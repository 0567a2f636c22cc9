"""HRLS: an uncertainty buffer and Principle Cards that nudge W_main_emo (MODEL.md section 5)."""

from __future__ import annotations

import hashlib
import math
from collections import deque

import torch
from attrs import field, frozen
from attrs.validators import ge

from emergence.agents.population import DTYPES
from emergence.config import ConfigError, float_field, positive_int
from emergence.contract import hookimpl

__all__ = ["HRLS", "HRLSConfig", "PrincipleCard", "encode_message"]


@frozen
class HRLSConfig:
    """Settings of the HRLS scaffold (``--a hrls:variance_threshold=0.3``)."""

    variance_threshold: float = float_field(0.25, ge(0))
    nudge_scale: float = float_field(1e-4, ge(0))
    buffer_length: int = field(default=256, validator=positive_int)


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
    """Twin A's scaffold.

    ``receive_feedback`` adds a Principle Card whose rationale is the encoded message, a matrix of the
    agent's W_main_emo shape (a card bank keyed by message: the same message 10,000 times keeps one
    matrix). After each step, every agent whose main-field variance exceeds ``variance_threshold`` is
    logged in the uncertainty buffer and, if it has cards, nudged:
    ``W_main_emo += nudge_scale * card.rationale * card.strength`` with its latest card. It reads only
    the agent interface (``main``, ``W_main_emo``), so it scaffolds every substrate alike.

    Its checkpointed state is the cards' notes (the rationale is re-encoded from the message), the
    nudge counts and the uncertainty buffer.
    """

    SETTINGS = HRLSConfig
    STATE = ("notes", "nudges", "uncertainty_buffer")

    def __init__(self, config, settings: HRLSConfig | None = None):
        if config.n_main < 2:
            raise ConfigError(f"the hrls scaffold needs n_main >= 2 (it reads the main field's variance, undefined "
                              f"for {config.n_main} neuron); use a larger --n-main")
        self.config = config
        self.settings = settings or HRLSConfig()
        self.notes: list[dict] = []  # one JSON-ready record per card: message, strength, analogy, ...
        self.bank: dict[str, torch.Tensor] = {}
        self.uncertainty_buffer: deque = deque(maxlen=self.settings.buffer_length)
        self.nudges: torch.Tensor | None = None
        self._placed: tuple[str, torch.Tensor] | None = None  # the latest rationale on the agent's device

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

    @hookimpl
    def relational_drift(self, agent, step: int) -> None:
        if self.nudges is None:
            self.nudges = torch.zeros(agent.population, dtype=torch.long, device=agent.device)
        main_var = agent.main.var(dim=1)
        high = (main_var > self.settings.variance_threshold).nonzero().flatten()
        if high.numel() == 0:
            return
        uncertain = high.tolist()
        self.uncertainty_buffer.extend((step, p, v) for p, v in zip(uncertain, main_var[high].tolist()))
        if not self.notes:
            return
        note = self.notes[-1]
        nudge = (self._placed_rationale(note["message"], agent.device) * (self.settings.nudge_scale * note["strength"]))
        nudge = nudge.to(agent.W_main_emo.dtype)
        for p in uncertain:  # only the uncertain agents' matrices are read and written
            agent.W_main_emo[p].add_(nudge)
        self.nudges.index_add_(0, high, torch.ones(high.numel(), dtype=torch.long, device=high.device))

    def _placed_rationale(self, message: str, device: torch.device) -> torch.Tensor:
        if self._placed is None or self._placed[0] != message:
            self._placed = (message, self._rationale(message).to(device))
        return self._placed[1]
