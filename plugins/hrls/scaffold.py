"""HRLS: an uncertainty buffer and Principle Cards that nudge W_main_emo (MODEL.md section 5)."""

from __future__ import annotations

import hashlib
import math
from collections import deque

import torch
from attrs import field, frozen
from attrs.validators import ge, gt

from emergence.config import ConfigError, finite, to_float
from emergence.contract import hookimpl

__all__ = ["HRLS", "HRLSConfig", "PrincipleCard", "encode_message"]


@frozen
class HRLSConfig:
    """Settings of the HRLS scaffold."""

    variance_threshold: float = field(default=0.25, converter=to_float, validator=[finite, ge(0)])
    nudge_scale: float = field(default=1e-4, converter=to_float, validator=[finite, ge(0)])
    buffer_length: int = field(default=256, validator=gt(0))


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
    """

    def __init__(self, config, settings: HRLSConfig | None = None):
        if config.n_main < 2:
            raise ConfigError(f"the hrls scaffold needs n_main >= 2 (it reads the main field's variance, undefined "
                              f"for {config.n_main} neuron); use a larger --n-main")
        self.config = config
        self.settings = settings or HRLSConfig()
        self.cards: list[PrincipleCard] = []
        self.bank: dict[str, torch.Tensor] = {}
        self.uncertainty_buffer: deque[tuple[int, int, float]] = deque(maxlen=self.settings.buffer_length)
        self.nudges: torch.Tensor | None = None

    @hookimpl
    def receive_feedback(self, agent, message: str, strength: float) -> None:
        rationale = self.bank.get(message)
        if rationale is None:
            n_emo, n_main = agent.W_main_emo.shape[1:]
            rationale = encode_message(message, n_emo, n_main, agent.dtype, agent.device)
            self.bank[message] = rationale
        self.cards.append(PrincipleCard(message=message, rationale=rationale, strength=strength))

    @hookimpl
    def relational_drift(self, agent, step: int) -> None:
        if self.nudges is None:
            self.nudges = torch.zeros(agent.population, dtype=torch.long)
        main_var = agent.main.var(dim=1)
        high = (main_var > self.settings.variance_threshold).nonzero().flatten()
        if high.numel() == 0:
            return
        uncertain = high.tolist()
        self.uncertainty_buffer.extend((step, p, v) for p, v in zip(uncertain, main_var[high].tolist()))
        if not self.cards:
            return
        card = self.cards[-1]
        nudge = (card.rationale * (self.settings.nudge_scale * card.strength)).to(agent.W_main_emo.dtype)
        for p in uncertain:  # only the uncertain agents' matrices are read and written
            agent.W_main_emo[p].add_(nudge)
        self.nudges.index_add_(0, high.cpu(), torch.ones(high.numel(), dtype=torch.long))

    def get_state(self) -> dict:
        """JSON-ready: the cards (their matrices are re-encoded from the message), counts, buffer."""
        return {
            "cards": [
                dict(message=c.message, strength=c.strength, safe_analogy=c.safe_analogy,
                     counter_example=c.counter_example, tags=list(c.tags))
                for c in self.cards
            ],
            "nudges": None if self.nudges is None else self.nudges.tolist(),
            "uncertainty_buffer": [list(entry) for entry in self.uncertainty_buffer],
        }

    def set_state(self, state: dict, agent) -> None:
        self.cards.clear()
        for card in state["cards"]:
            self.receive_feedback(agent, card["message"], card["strength"])
            self.cards[-1] = PrincipleCard(
                message=card["message"], rationale=self.bank[card["message"]], strength=card["strength"],
                safe_analogy=card["safe_analogy"], counter_example=card["counter_example"], tags=tuple(card["tags"]),
            )
        self.nudges = None if state["nudges"] is None else torch.tensor(state["nudges"], dtype=torch.long)
        self.uncertainty_buffer.clear()
        self.uncertainty_buffer.extend(tuple(entry) for entry in state["uncertainty_buffer"])
