"""A run against itself: couplings before and after a step, paired by run, and against a reference."""

import numpy as np
import pandas as pd
import pytest

from emergence.analysis.windows import Windows
from emergence.analysis.summary import SweepInfo
from emergence.analysis.within import change, paired, split_lines, split_runs, split_sweep, twin_series

BLOCKS = Windows.blocks(20)  # windows [0, 20), [20, 40), ... [180, 200)


def _twins(runs: int = 6, steps: int = 200, at: int = 100, seed: int = 0):
    """Twin B follows twin A before ``at`` and mirrors it from ``at`` on (plus a little noise)."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(runs, steps))
    sign = np.where(np.arange(steps) < at, 1.0, -1.0)
    return a, sign * a + 0.05 * rng.normal(size=(runs, steps))


class TestSplit:
    def test_windows_on_each_side_and_none_that_straddles(self):
        """Split at 100: the five blocks ending by 100 against the five from 100; at 110 the block
        [100, 120) is in neither side."""
        a, b = _twins()
        before, after, n_before, n_after = split_runs(a, b, BLOCKS, 100)
        assert (n_before, n_after) == (5, 5)
        assert (before > 0.99).all() and (after < -0.99).all()
        assert split_runs(a, b, BLOCKS, 110)[2:] == (5, 4)

    def test_change_is_paired_by_run(self):
        """after - before in Fisher z, per run; every run falling gives the exact sign-flip p of 6 runs."""
        before, after = np.full(6, 0.5), np.linspace(-0.5, -0.2, 6)
        c = change(before, after)
        np.testing.assert_allclose(c["per_run"], np.arctanh(after) - np.arctanh(0.5))
        assert c["before"] == pytest.approx(0.5) and c["after"] == pytest.approx(-0.35)
        assert c["p_value"] == pytest.approx(2 / 64) and c["n"] == 6 and c["p_wilcoxon"] < 0.05

    def test_no_change_is_not_tested(self):
        """The same values on both sides: difference 0, no p (sign-flip or Wilcoxon), and the reason."""
        p = paired(np.full(5, 0.2), np.full(5, 0.2))
        assert p["difference"] == 0 and np.isnan(p["p_value"]) and np.isnan(p["p_wilcoxon"])
        assert p["reason"] == "identical in every run"


class TestSweep:
    @staticmethod
    def _steps(a, b, emotion_sign: float = 1.0) -> pd.DataFrame:
        runs, steps = a.shape
        frames = [
            pd.DataFrame(
                {
                    "run": run,
                    "twin": twin,
                    "step": np.arange(steps),
                    "activity": x[run],
                    "emotion": emotion_sign * x[run],
                }
            )
            for twin, x in (("A", a), ("B", b))
            for run in range(runs)
        ]
        return pd.concat(frames[::-1], ignore_index=True)  # any row order

    def test_reads_both_quantities_of_a_sweep_and_says_it(self):
        """split_sweep takes the sweep's own windows from its summary, for activity and emotion; the lines
        give each side, the change and, against a reference split at the same step, the difference."""
        a, b = _twins()
        steps = self._steps(a, b)
        np.testing.assert_array_equal(twin_series(steps, "activity")[1], b)
        sweep = SweepInfo(
            protocol="twins",
            substrate="fields",
            a=("hrls",),
            b=("surge",),
            runs=6,
            steps=200,
            window=20,
            init="same",
            n_main=40,
            n_emo=8,
            snapshot_every=5,
            weight_noise_mode="step",
            windows="contiguous",
            burn_in=0,
        )
        split = split_sweep(steps, sweep, 100)
        assert split["activity"]["windows_before"] == 5 and split["emotion"]["after"] < -0.99
        reference = split_sweep(self._steps(a, a), sweep, 100)  # twins that never change: no change
        lines = split_lines("onset=100", "onset", 100, split, ("onset=never", reference))
        assert len(lines) == 2 and lines[0].startswith("onset=100, within runs, before vs after onset = 100")
        assert "A_corr +" in lines[0] and "-> -" in lines[0] and "against onset=never" in lines[0]
        assert "6 runs" in lines[1]
