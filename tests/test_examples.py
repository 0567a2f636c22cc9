"""The examples stay runnable: the one-file scaffold keeps the invariants, as docs/plugins.md shows."""

import importlib.util
from pathlib import Path

from hypothesis import given, settings

from emergence.testing import agent_configs, check_invariants

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SOOTHE = _load("new_scaffold").Soothe


class TestNewScaffoldExample:
    @given(agent_configs())
    @settings(max_examples=8)
    def test_soothe_keeps_the_invariants(self, config):
        """The example scaffold passes the public invariant checks."""
        check_invariants(config, steps=30, plugins=[SOOTHE(config, limit=0.0)])

    def test_soothe_shrinks_the_emotion_synapse(self):
        """With limit 0 every step soothes: W_main_emo shrinks relative to a surge twin."""
        from emergence.fields.agent import ContinuousEmergeBase
        from emergence import build_agent, preset

        config = preset("small", n_main=40, n_emo=8)
        soothe = SOOTHE(config, limit=0.0, factor=0.9)
        agent = build_agent(config, [1], [2], plugins=[soothe])
        plain = ContinuousEmergeBase(config, [1], [2])
        agent.run(10)
        plain.run(10)
        assert soothe.soothed == 10 and agent.W_main_emo.norm() < plain.W_main_emo.norm()


class TestPythonApiExample:
    def test_two_run_sweep_loads_as_dataframes(self, tmp_path):
        """examples/python_api.py grows a two-run sweep from Python and reads it back as DataFrames."""
        import subprocess
        import sys

        import pandas as pd

        from emergence import load

        out = tmp_path / "api"
        result = subprocess.run(
            [sys.executable, str(EXAMPLES / "python_api.py"), str(out)], capture_output=True, text=True, check=True
        )
        assert "activity coupling across runs" in result.stdout
        results = load(out)
        assert isinstance(results.steps, pd.DataFrame) and len(results.steps) == 2 * 2 * 500
        assert isinstance(results.runs, pd.DataFrame) and sorted(results.runs.run) == [0, 1]
        assert isinstance(results.controls, pd.DataFrame) and len(results.controls) > 0
        assert results.summary.sweep.runs == 2
