"""Regime diagnostics: saturated, frozen and clone windows counted from the per-step records."""

import numpy as np

from emergence.analysis.regime import regime_lines, regime_summary, window_diagnostics
from emergence.analysis.windows import Windows


def _series(runs=2, steps=40, main_abs=0.5, emotion_sd=0.1, clones=False, seed=0):
    rng = np.random.default_rng(seed)
    activity_a = rng.normal(size=(runs, steps))
    activity_b = activity_a.copy() if clones else rng.normal(size=(runs, steps))
    twins = lambda f: {"A": f(), "B": f()}  # noqa: E731
    return {
        "activity": {"A": activity_a, "B": activity_b},
        "emotion": twins(lambda: rng.normal(scale=emotion_sd, size=(runs, steps))),
        "awake": twins(lambda: (np.arange(steps) % 5 == 0).astype(float)[None].repeat(runs, 0)),
        "main_abs": twins(lambda: np.full((runs, steps), main_abs)),
        "main_saturated": twins(lambda: np.full((runs, steps), 0.25)),
    }


class TestWindowDiagnostics:
    def test_values_per_run_and_window(self):
        """Mean |a|, saturated fraction and awake fraction are window means; shapes are (runs, windows)."""
        d = window_diagnostics(_series(), windows=10)
        assert d["main_abs"].shape == (2, 4) and np.allclose(d["main_abs"], 0.5)
        assert np.allclose(d["main_saturated"], 0.25) and np.allclose(d["awake"], 0.2)

    def test_clones_have_activity_r_one(self):
        """Identical twin activity gives r = 1 in every window."""
        assert np.allclose(window_diagnostics(_series(clones=True), windows=10)["activity_r"], 1.0)


class TestRegimeSummary:
    def test_the_write_ups_regime_is_said_so(self):
        """Unsaturated, moving and diverging: no window counted, one line saying the regime holds."""
        regime = regime_summary(_series(), windows=10, bounded=True)
        assert regime["counts"] == {"saturated": 0, "frozen": 0, "clones": 0} and regime["n_windows"] == 8
        assert regime_lines(regime) == [
            "regime: cortex never saturated, emotion field moving and twins diverging in all 8 windows"
        ]

    def test_saturated_frozen_clones_are_counted_and_said(self):
        """A saturated, frozen, cloned sweep: every window counted, a line for each."""
        regime = regime_summary(_series(main_abs=0.95, emotion_sd=1e-5, clones=True), windows=10, bounded=True)
        assert regime["counts"] == {"saturated": 8, "frozen": 8, "clones": 8}
        lines = regime_lines(regime)
        assert len(lines) == 3 and lines[0].startswith("cortex saturated in 8 of 8 windows")

    def test_unbounded_cortex_is_never_called_saturated(self):
        """For a substrate whose cortex is not bounded (a transformer's residual stream) saturation is not judged."""
        regime = regime_summary(_series(main_abs=5.0), windows=10, bounded=False)
        assert regime["counts"]["saturated"] is None and "saturated" not in " ".join(regime_lines(regime))


class TestBurnIn:
    def test_start_up_is_not_read_as_clones(self):
        """A start-up every agent shares (all fields rising from zero) is dropped with the burn-in: the first
        window is no clone, and its bounds start after the burn-in."""
        series = _series(steps=400)
        for twin in "AB":
            series["activity"][twin][:, :50] = np.linspace(0, 70, 50)
        kept = regime_summary(series, windows=Windows.blocks(100), bounded=True)
        dropped = regime_summary(series, windows=Windows.blocks(100, burn_in=50), bounded=True)
        assert kept["counts"]["clones"] == 2 and dropped["counts"]["clones"] == 0
        assert dropped["bounds"][0] == [50, 100] and "start-up" not in " ".join(regime_lines(dropped))
