"""``encode_text``: the write-up's ord-based code of a string as a sensory vector."""

from __future__ import annotations

import torch

__all__ = ["encode_text"]


def encode_text(text: str, n_input: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Characters -> ``n_input``-d unit vector, without noise (the agent adds ``text_noise`` per agent).

    Character i adds ``(ord(c) mod 128) / 64 - 1`` (a signed value in [-1, 1)) to component
    ``i mod n_input``; the sum is normalised to unit length (left at zero for a string that sums to zero).
    """
    code = torch.zeros(n_input, dtype=torch.float64)
    for i, char in enumerate(text):
        code[i % n_input] += (ord(char) % 128) / 64.0 - 1.0
    norm = code.norm()
    if norm > 0:
        code /= norm
    return code.to(dtype)
