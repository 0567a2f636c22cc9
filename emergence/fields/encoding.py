"""``encode_text``: the write-up's ord-based code of a string as a sensory vector."""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["encode_text"]


def encode_text(text: str, n_input: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Characters -> ``n_input``-d unit vector, without noise (the agent adds ``text_noise``).

    Character i adds ``(ord(c) mod 128) / 64 - 1`` (a signed value in [-1, 1)) to component
    ``i mod n_input``; the sum is normalised to unit length (left at zero for a string that sums to zero).
    Linear in the length of the string, in compiled code: an appended resonance marker makes it long.
    """
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    values = (points % 128) / 64.0 - 1.0
    code = np.bincount(np.arange(points.size) % n_input, weights=values, minlength=n_input)
    norm = np.linalg.norm(code)
    if norm > 0:
        code /= norm
    return torch.from_numpy(code).to(dtype)
