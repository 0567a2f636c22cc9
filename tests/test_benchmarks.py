"""The benchmarks stay runnable: each starts and measures a tiny population (their full runs are not tests)."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def _load(name):
    spec = importlib.util.spec_from_file_location(f"benchmark_{name}", BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TestStepBenchmark:
    def test_runs_as_a_script(self):
        """`python benchmarks/step.py` starts, compiles the engine and measures one tiny population's
        peak memory (its own fresh-process measurement)."""
        result = subprocess.run(
            [sys.executable, str(BENCHMARKS / "step.py"), "--peak-of", "64", "1", "1", "fast"],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        assert set(json.loads(result.stdout.strip().splitlines()[-1])) == {"peak", "with_construction"}

    def test_measures_the_reference_and_the_small_preset(self):
        """The plain reference step and the small preset's rate, each on a tiny population."""
        step = _load("step")
        assert step.measure_reference(64, 1, 1, 1)["ms_per_agent_step"] > 0
        assert step.small_preset_rate(1, "plain", seconds=0.01) > 0


class TestRLMirror:
    def test_compare_pairs_the_learners_by_run(self):
        """Each learner's mean, SE and n at the end and at birth; td - reinforce paired by run, with the
        exact sign-flip p of 8 runs that all move one way (2 / 2^8)."""
        rl_mirror = _load("rl_mirror")
        rows = [
            dict(
                setting="s",
                run=run,
                learner=learner,
                step=step,
                expected_return=0.1 * run,
                trunk_mirror_ratio=value,
                emotion_mirror_ratio=value,
            )
            for run in range(8)
            for learner, end in (("td", 0.5 + 0.01 * run), ("reinforce", 1.0 + 0.01 * run))
            for step, value in ((0, 1.0 + 0.01 * run), (100, end))
        ]
        table = {t["readout"]: t for t in rl_mirror.compare(rows)}
        t = table["trunk_mirror_ratio"]
        se = np.std(0.01 * np.arange(8), ddof=1) / np.sqrt(8)
        assert (t["td"], t["reinforce"], t["birth"]) == pytest.approx((0.535, 1.035, 1.035))
        assert (t["td_se"], t["reinforce_se"], t["td_n"], t["step"]) == pytest.approx((se, se, 8, 100))
        assert t["difference"] == pytest.approx(-0.5) and t["p_permutation"] == pytest.approx(2 / 256)
        assert t["n_pairs"] == 8 and t["p_wilcoxon"] < 0.05
        assert table["expected_return"]["difference"] == pytest.approx(0.0, abs=1e-12)
        assert "| s | trunk_mirror_ratio | 1.035 ± " in rl_mirror.markdown(list(table.values()))

    def test_measures_a_grown_sweep(self, tmp_path):
        """On a tiny grown td-vs-reinforce sweep (symmetric 5 x 5 grid): one row per agent at birth and at
        its last checkpoint; at birth the twins are one agent (one init) and no trunk has moved; then the
        td trunk has; the figure is written."""
        from emergence_protocols.twins.runner import run_sweep
        from emergence_protocols.twins.settings import make_config

        rl_mirror = _load("rl_mirror")
        agent = dict(grid=5, layout="symmetric", n_main=16, n_emo=8, max_episode_steps=12, energy_cost=0.0)
        config = make_config(
            "rl",
            "small",
            agent,
            a=("td:trunk_rate=40",),
            b=("reinforce",),
            runs=2,
            steps=40,
            checkpoint_every=20,
            snapshot_every=20,
        )
        run_sweep(config, tmp_path / "sweep", say=lambda line: None)
        rows = rl_mirror.measure("s", tmp_path / "sweep")
        assert len(rows) == 2 * 2 * 2 and {r["step"] for r in rows} == {0, 40}
        birth = {(r["learner"], r["run"]): r for r in rows if r["step"] == 0}
        for run in (0, 1):
            td, reinforce = birth["td", run], birth["reinforce", run]
            assert td["trunk_mirror_ratio"] == reinforce["trunk_mirror_ratio"] and td["trunk_moved"] == 0.0
        assert all(r["trunk_moved"] > 0 for r in rows if r["step"] == 40 and r["learner"] == "td")
        assert all(np.isfinite(r[c]) for r in rows for c in rl_mirror.COLUMNS[4:])
        rl_mirror.figure(rows, tmp_path / "mirror.png")
        assert (tmp_path / "mirror.png").stat().st_size > 0
