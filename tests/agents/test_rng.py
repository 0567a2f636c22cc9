"""Staggered weight noise on matrices with fewer rows than its period."""

import pytest
import torch

from emergence.agents.rng import add_gaussian_


@pytest.mark.parametrize("phase", range(10))
def test_every_k_rows_of_a_small_matrix(phase):
    """With 8 rows and noise every 10 steps, only a row with (i + phase) % 10 == 0 moves, if any."""
    W = torch.zeros(8, 5)
    add_gaussian_(W, 1.0, key=7, counter=3, every=10, phase=phase)
    moved = [i for i in range(8) if W[i].abs().sum() > 0]
    assert moved == [i for i in range(8) if (i + phase) % 10 == 0]
