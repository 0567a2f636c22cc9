"""The fingerprint's standard errors: a few runs cannot read less noise than their windows carry."""

import math

import numpy as np
import pytest

from emergence.analysis.fingerprint import fingerprint


def _rows(activity_r: np.ndarray) -> dict:
    return {row["figure"]: row for row in fingerprint(activity_r, activity_r)["rows"]}


def _windows(run_means, windows: int, sd: float, seed: int = 0) -> np.ndarray:
    """Window r's (runs x windows) around per-run means ``run_means``, spread ``sd``."""
    noise = np.random.default_rng(seed).normal(0, sd, (len(run_means), windows))
    noise -= noise.mean(axis=1, keepdims=True)
    return np.clip(np.asarray(run_means)[:, None] + noise, -0.999, 0.999)


class TestMeanStandardError:
    def test_a_few_close_runs_keep_the_window_sampling_floor(self):
        """Four runs whose means agree to 0.01 over 100 windows of SD 0.5: the SE is the sampling
        floor 0.5 / sqrt(100) / sqrt(4) = 0.025, not their SD's 0.005."""
        r = _windows([0.10, 0.11, 0.12, 0.11], 100, 0.5)
        row = _rows(r)["activity mean of run r"]
        floor = np.nanstd(r, ddof=1) / math.sqrt(100) / math.sqrt(4)
        assert row["se"] == pytest.approx(floor) and row["se"] == pytest.approx(0.025, rel=0.1)

    def test_runs_that_differ_more_than_sampling_give_their_own_sd(self):
        """Sixteen runs spread 0.2 apart over 1,000 windows of SD 0.3: the runs' SD sets the SE."""
        r = _windows(np.linspace(-0.3, 0.3, 16), 1000, 0.3)
        row = _rows(r)["activity mean of run r"]
        assert row["se"] == pytest.approx(r.mean(axis=1).std(ddof=1) / 4)

    def test_the_distance_uses_the_floored_se(self):
        """The distance from the write-up's 0.2111 is over the floored SE and the write-up's own."""
        row = _rows(_windows([0.10, 0.11, 0.12, 0.11], 100, 0.5))["activity mean of run r"]
        expected = (row["sweep"] - 0.2111) / math.hypot(row["se"], 0.0720 / 10)
        assert row["distance_se"] == pytest.approx(expected)

    def test_the_drift_floor_is_both_halves(self):
        """The drift between halves carries the sampling of both halves: sqrt(2) times one half's floor."""
        r = _windows([0.1] * 4, 200, 0.5)
        rows = _rows(r)
        half = rows["activity plateau, first half of run"]["se"]
        assert rows["activity drift, second half - first"]["se"] == pytest.approx(math.sqrt(2) * half, rel=0.1)
