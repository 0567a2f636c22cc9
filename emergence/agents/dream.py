"""The dream loop (the autonomous drift of MODEL.md 4): a bounded buffer of recent trails and the next input text."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Sequence

import torch

from ..config import DreamConfig

__all__ = ["DreamLoop", "TRAIL_FIELDS", "resonance_marker"]

_MARKER = re.compile(r" \(resonance \d+\)$")
TRAIL_FIELDS = ("iteration", "surge", "energy", "awake", "input", "emotion")


def resonance_marker(step: int, every: int) -> str | None:
    """The marker `` (resonance N)``, N = step // every, due at ``step`` (every ``every`` steps after
    step 0); None at other steps. It keeps a dream from settling into a trivial loop (MODEL.md 4)."""
    return f" (resonance {step // every})" if step > 0 and step % every == 0 else None


class DreamLoop:
    """Each agent dreams on its own past: the next input is the last trail's input text.

    The first step's input is ``seed_text``; every ``resonance_every`` steps the marker
    `` (resonance N)`` (N = step // resonance_every) replaces the previous marker, so the string never
    grows, or is appended to the string (``resonance_marker="append"``). The buffer keeps the last ``trail_length`` trails of every agent of the population: numbers as
    (P, L) tensors written in place; the input text once for all when the population shares it (the field
    substrate's schedule), or one per agent (a substrate that continues each agent's own text).
    """

    def __init__(self, config: DreamConfig, population: int, dtype: torch.dtype, device: torch.device):
        self.config = config
        L = config.trail_length
        self.iteration = torch.full((L,), -1, dtype=torch.long)
        self.surge = torch.zeros(population, L, dtype=dtype, device=device)
        self.energy = torch.zeros(population, L, dtype=dtype, device=device)
        self.emotion = torch.zeros(population, L, dtype=dtype, device=device)
        self.awake = torch.zeros(population, L, dtype=torch.bool, device=device)
        self.inputs: deque[str | tuple[str, ...]] = deque(maxlen=L)
        self.count = 0

    def next_text(self, step: int) -> str:
        """The input string for ``step``."""
        if not self.inputs:
            return self.config.seed_text
        last = self.inputs[-1]
        marker = resonance_marker(step, self.config.resonance_every)
        if marker is None:
            return last
        return (last if self.config.resonance_marker == "append" else _MARKER.sub("", last)) + marker

    def record(self, step: int, text: str | Sequence[str], surge, energy, awake, emotion) -> None:
        """Append one trail per agent (tensors of shape (P,)); ``text`` is shared or one per agent."""
        slot = self.count % self.config.trail_length
        self.iteration[slot] = step
        self.surge[:, slot] = surge
        self.energy[:, slot] = energy
        self.awake[:, slot] = awake
        self.emotion[:, slot] = emotion
        self.inputs.append(text if isinstance(text, str) else tuple(text))
        self.count += 1

    def trails(self, agent: int) -> list[dict]:
        """The buffered trails of one agent, oldest first, as plain dicts of TRAIL_FIELDS."""
        L = self.config.trail_length
        n = min(self.count, L)
        slots = [(self.count - n + k) % L for k in range(n)]
        return [
            dict(
                iteration=int(self.iteration[s]),
                surge=float(self.surge[agent, s]),
                energy=float(self.energy[agent, s]),
                awake=bool(self.awake[agent, s]),
                input=text if isinstance(text, str) else text[agent],
                emotion=float(self.emotion[agent, s]),
            )
            for s, text in zip(slots, self.inputs)
        ]

    def state_dict(self) -> dict[str, torch.Tensor]:
        return {
            "trail.iteration": self.iteration,
            "trail.surge": self.surge,
            "trail.energy": self.energy,
            "trail.emotion": self.emotion,
            "trail.awake": self.awake,
        }

    def metadata(self) -> dict:
        return {"count": self.count, "inputs": list(self.inputs)}

    def load(self, tensors: dict[str, torch.Tensor], metadata: dict) -> None:
        for name, tensor in self.state_dict().items():
            tensor.copy_(tensors[name])
        self.count = int(metadata["count"])
        self.inputs.clear()
        self.inputs.extend(text if isinstance(text, str) else tuple(text) for text in metadata["inputs"])
