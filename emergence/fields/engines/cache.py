"""What the fused engines share: the recurrent input computed by the previous step's fused pass.

A fused pass over W_rec_main (``emergence.fields.engines.cpu`` on CPU, ``emergence.fields.engines.cuda`` on CUDA) leaves
``W_rec_main @ main`` behind: the next step's recurrent input. It stays current while W_rec_main and
``main`` are the same tensors at the same versions (a torch in-place op bumps ``_version``, a new
tensor changes identity); otherwise, after a plugin's edit or a restore, it is recomputed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from ..agent import ContinuousEmergeBase

__all__ = ["RecurrentInputCache"]


class RecurrentInputCache:
    """The cached recurrent input ``recurrent`` (P, n_main) of a fused engine, and whether it is current.

    Subclasses compute it from the matrix alone in ``_compute_recurrent`` and call ``_mark_current``
    after each fused pass.
    """

    def __init__(self, recurrent: torch.Tensor):
        self.recurrent = recurrent
        self._rec_for: tuple | None = None

    def _compute_recurrent(self, agent: ContinuousEmergeBase) -> None:
        """``self.recurrent = W_rec_main @ main`` per agent, in place."""
        raise NotImplementedError

    def _mark_current(self, agent: ContinuousEmergeBase) -> None:
        self._rec_for = (agent.W_rec_main, agent.W_rec_main._version, agent.main, agent.main._version)

    def _rec_valid(self, agent: ContinuousEmergeBase) -> bool:
        key = self._rec_for
        return (
            key is not None
            and key[0] is agent.W_rec_main
            and key[1] == agent.W_rec_main._version
            and key[2] is agent.main
            and key[3] == agent.main._version
        )

    def recurrent_product(self, agent: ContinuousEmergeBase) -> torch.Tensor:
        """``W_rec_main @ main`` per agent: the cached product of the last fused pass, or computed now."""
        if not self._rec_valid(agent):
            self._compute_recurrent(agent)
            self._mark_current(agent)
        return self.recurrent

    def state_dict(self, agent: ContinuousEmergeBase) -> dict[str, torch.Tensor]:
        """The cached recurrent input and whether it is current: a resumed run continues from exactly
        the numbers the uninterrupted one would use."""
        return {
            "recurrent_input": self.recurrent,
            "recurrent_input_valid": torch.tensor([int(self._rec_valid(agent))], dtype=torch.uint8),
        }

    def load_state(self, agent: ContinuousEmergeBase, tensors: dict[str, torch.Tensor]) -> None:
        """After ``agent.load_state``: take the saved recurrent input if it was current, else recompute."""
        self._rec_for = None
        saved = tensors.get("recurrent_input")
        if saved is not None and saved.shape == self.recurrent.shape and int(tensors["recurrent_input_valid"][0]):
            self.recurrent.copy_(saved)
            self._mark_current(agent)
