"""The transformer's dream loop: each agent reads its own recent text and continues it.

The alphabet is printable ASCII (95 characters); any other character of the seed text reads as "?".
Step 0 reads ``seed_text``; each step appends the character the agent sampled, and the text keeps its
last ``context + 1`` characters (what the agent reads, plus the character that continued it: the
learning rule's example). Every ``resonance_every`` steps the marker `` (resonance N)`` is appended and
the previous marker is cut out wherever it still is, as in the field substrate (MODEL.md section 4).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from emergence.agents.dream import resonance_marker

__all__ = ["ALPHABET", "VOCAB", "normalise", "encode", "decode", "mark"]

ALPHABET = "".join(chr(i) for i in range(32, 127))
VOCAB = len(ALPHABET)
_FIRST = ord(ALPHABET[0])


def normalise(text: str) -> str:
    """``text`` in the alphabet: every character outside it becomes "?"."""
    return "".join(c if " " <= c <= "~" else "?" for c in text)


def encode(texts: Sequence[str], device: torch.device | str = "cpu") -> torch.Tensor:
    """(P, T) token indices of P texts of equal length T (already in the alphabet)."""
    return torch.tensor([[ord(c) - _FIRST for c in text] for text in texts], dtype=torch.long, device=device)


def decode(tokens: torch.Tensor) -> list[str]:
    """One character per token of a (P,) tensor."""
    return [ALPHABET[i] for i in tokens.tolist()]


def mark(text: str, step: int, every: int) -> str:
    """``text`` as read at ``step``: on a marker step, the previous marker cut out and the new one appended.

    The previous marker was appended ``every`` steps ago and one character has been appended per step
    since, so it ends ``every`` characters before the end; the part of it that is still in the text is
    cut. Every agent of a population has texts of the same length, so they stay of one length.
    """
    marker = resonance_marker(step, every)
    if marker is None:
        return text
    previous = resonance_marker(step - every, every)
    if previous is not None:
        end = len(text) - every
        if end > 0:
            text = text[: max(0, end - len(previous))] + text[end:]
    return text + marker
