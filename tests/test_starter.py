"""The plugin author's kit: `emergence new` writes a package that installs, tests itself and runs in a
sweep by name; the conformance suite fails a broken scaffold, naming the invariant."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from emergence.cli import main

ROOT = Path(__file__).resolve().parents[1]
SIZES = ["--preset", "small", "--n-main", "40", "--n-emo", "8", "--runs", "2", "--steps", "40",
         "--checkpoint-every", "10", "--snapshot-every", "5"]
pytest_plugins = ["pytester"]


class TestNew:
    def test_writes_an_installable_package(self, tmp_path, capsys):
        """`emergence new scaffold damp` writes pyproject (with the entry point), module, README, tests."""
        assert main(["new", "scaffold", "damp", "--dir", str(tmp_path)]) == 0
        folder = tmp_path / "emergence-damp"
        assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) == [
            "README.md", "emergence_damp.py", "pyproject.toml", "tests/test_damp.py"]
        pyproject = (folder / "pyproject.toml").read_text()
        assert '[project.entry-points.emergence]\ndamp = "emergence_damp"' in pyproject
        assert "class DampSettings" in (folder / "emergence_damp.py").read_text()

    def test_existing_folder_is_refused(self, tmp_path, capsys):
        """A second `new` into the same folder: one line, exit 2, nothing overwritten."""
        main(["new", "metric", "share", "--dir", str(tmp_path)])
        module = tmp_path / "emergence-share" / "emergence_share.py"
        module.write_text("# mine")
        capsys.readouterr()
        assert main(["new", "metric", "share", "--dir", str(tmp_path)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "already exists" in err and module.read_text() == "# mine"

    @pytest.mark.parametrize("name", ["Damp", "my-damp", "2damp", ""])
    def test_bad_name_is_one_line(self, name, tmp_path, capsys):
        """A name that is not a lowercase identifier: one line saying what a name must be, exit 2."""
        assert main(["new", "scaffold", name, "--dir", str(tmp_path)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "lowercase Python identifier" in err and not any(tmp_path.iterdir())


BROKEN = '''
import torch
from emergence.contract import hookimpl
from emergence.testing import ScaffoldConformance


class WritesNaN:
    def __init__(self, config):
        pass

    @hookimpl
    def relational_drift(self, agent, step):
        agent.emotion[:, 0] = float("nan")


class LearnsAsleep:
    def __init__(self, config):
        pass

    @hookimpl
    def relational_drift(self, agent, step):
        agent.W_main_emo[~agent.learning] += 0.01


class Register:
    @hookimpl
    def register_scaffolds(self, register):
        register("nan", WritesNaN)
        register("insomniac", LearnsAsleep)


class TestNaN(ScaffoldConformance):
    scaffold = "nan"
    plugins = [Register()]


class TestInsomniac(ScaffoldConformance):
    scaffold = "insomniac"
    plugins = [Register()]
'''


@pytest.fixture(scope="module")
def outcome(tmp_path_factory):
    """The conformance suite run on two broken scaffolds, as their authors would run it."""
    folder = tmp_path_factory.mktemp("broken")
    (folder / "test_broken.py").write_text(BROKEN)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_broken.py", "-k",
         "fields and (invariants or asleep)"],
        cwd=folder, capture_output=True, text=True)
    return result.stdout


class TestBrokenScaffolds:
    def test_nan_breaks_bounded_activations(self, outcome):
        """A scaffold that writes NaN into the emotion field fails, naming 'bounded activations'."""
        assert "FAILED test_broken.py::TestNaN::test_keeps_the_invariants[fields]" in outcome
        assert "invariant 'bounded activations' broken (step 1): emotion has non-finite activations" in outcome

    def test_learning_while_asleep_is_named(self, outcome):
        """A scaffold that writes a sleeping agent's weights fails 'no learning while asleep'."""
        assert "FAILED test_broken.py::TestInsomniac::test_no_learning_while_asleep[fields]" in outcome
        assert ("invariant 'no learning while asleep' broken (scaffold 'insomniac' on fields): "
                "W_main_emo changed while the agent could not learn") in outcome


class TestGeneratedPackage:
    def test_installs_tests_itself_and_runs_in_a_sweep(self, tmp_path):
        """In a fresh virtual environment: `emergence new scaffold damp`, `pip install -e`, its own
        `pytest`, then a sweep with `--a damp:threshold=0.02` by name, its settings in the manifest."""
        venv = tmp_path / "venv"
        subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)], check=True)
        python, emergence = venv / "bin" / "python", venv / "bin" / "emergence"

        def run(*args, cwd=tmp_path):
            result = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True)
            assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
            return result.stdout

        install = [python, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "-e"]
        run(*install, ROOT)
        run(emergence, "new", "scaffold", "damp")
        run(*install, tmp_path / "emergence-damp")
        tests = run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=tmp_path / "emergence-damp")
        assert " passed" in tests and "failed" not in tests
        run(emergence, "protocol", "twins", "--a", "damp:threshold=0.02", "--b", "surge", *SIZES, "--out", "out")
        manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
        assert manifest["config"]["a"] == ["damp:threshold=0.02"]
        assert manifest["scaffold_settings"]["a"] == {"damp": {"threshold": 0.02, "factor": 0.9}}
        assert (tmp_path / "out" / "summary.json").exists()
