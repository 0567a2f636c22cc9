"""Power before growing (emergence.analysis.power) against hand calculations, and equivalence (TOST)."""

import math

import numpy as np
import pytest

from emergence.analysis.power import detectable_dz, holm_floor, runs_needed, smallest_p, tost


def test_smallest_p_is_two_sign_patterns_of_all():
    """Every sign pattern of n runs enumerated: the two extreme ones give p = 2 / 2^n."""
    assert smallest_p(4) == 2 / 16 and smallest_p(10) == 2 / 1024
    assert smallest_p(20) == 2 / 10_000  # 2^20 patterns: 9,999 resamples, p >= 2 / (9,999 + 1)


def test_holm_floor_is_m_times_the_smallest_p():
    assert holm_floor(4, 3) == 3 * 2 / 16 and holm_floor(10, 5) == pytest.approx(5 * 2 / 1024)
    assert holm_floor(3, 18) == 1.0


def test_detectable_effect_by_hand():
    """(z(1 - 0.05 / 10) + z(0.8)) / sqrt(20) = (2.5758 + 0.8416) / 4.4721 = 0.7642."""
    assert detectable_dz(20, 5) == pytest.approx(0.7642, abs=1e-4)
    assert math.isinf(detectable_dz(4, 3))  # Holm floor 0.375: nothing can be detected


def test_runs_needed_is_the_fewest_that_detect_the_effect():
    n = runs_needed(0.7642, 5)
    assert n == 20 and detectable_dz(n - 1, 5) > 0.7642
    assert runs_needed(1.0, 18) == 15 and holm_floor(15, 18) < 0.05
    with pytest.raises(ValueError):
        runs_needed(0, 5)


def test_tost_says_equivalent_only_within_the_margin():
    """Ten runs whose per-run differences are all tiny: each one-sided exact test gives 1 / 2^10; a real
    shift of 0.3 is not equivalent within 0.1."""
    rng = np.random.default_rng(1)
    x = rng.normal(0, 0.2, 10)
    near = tost(x, x + rng.uniform(-0.01, 0.01, 10), margin=0.5)
    assert near["p_value"] == pytest.approx(1 / 1024) and near["n"] == 10
    far = tost(x, x + 0.3 + rng.uniform(-0.01, 0.01, 10), margin=0.1)
    assert far["p_value"] > 0.5
    assert tost([0.1], [0.2], margin=0.1)["reason"] == "fewer than 2 paired runs"
