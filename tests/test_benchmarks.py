"""The benchmarks stay runnable: each starts and measures a tiny population (their full runs are not tests)."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

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
        result = subprocess.run([sys.executable, str(BENCHMARKS / "step.py"), "--peak-of", "64", "1", "1", "fast"],
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stderr[-3000:]
        assert set(json.loads(result.stdout.strip().splitlines()[-1])) == {"peak", "with_construction"}

    def test_measures_the_reference_and_the_small_preset(self):
        """The plain reference step and the small preset's rate, each on a tiny population."""
        step = _load("step")
        assert step.measure_reference(64, 1, 1, 1)["ms_per_agent_step"] > 0
        assert step.small_preset_rate(1, "plain", seconds=0.01) > 0
