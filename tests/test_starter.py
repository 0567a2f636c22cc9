"""The plugin author's kit: `emergence new` writes a package that installs, tests itself and runs in a
sweep by name; the conformance suite fails a broken scaffold, naming the invariant."""

import json
import site
import subprocess
import sys
import sysconfig
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy
import pytest

from emergence.cli import main

ROOT = Path(__file__).resolve().parents[1]
SIZES = [
    "--preset",
    "small",
    "--n-main",
    "40",
    "--n-emo",
    "8",
    "--runs",
    "2",
    "--steps",
    "40",
    "--checkpoint-every",
    "10",
    "--snapshot-every",
    "5",
]
pytest_plugins = ["pytester"]


class TestNew:
    def test_writes_an_installable_package(self, tmp_path, capsys):
        """`emergence new scaffold damp` writes pyproject (with the entry point), module, README, tests."""
        assert main(["new", "scaffold", "damp", "--dir", str(tmp_path)]) == 0
        folder = tmp_path / "emergence-damp"
        assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) == [
            "README.md",
            "emergence_damp.py",
            "pyproject.toml",
            "tests/test_damp.py",
        ]
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

    @pytest.mark.parametrize(
        "kind, name, taken",
        [("scaffold", "hrls", "plugin"), ("metric", "mean", "emotion metric"), ("scaffold", "twins", "plugin")],
    )
    def test_an_installed_name_is_refused(self, kind, name, taken, tmp_path, capsys):
        """A name an installed plugin, scaffold or metric has (installed, the new package would collide
        with it): one line, exit 2, nothing written."""
        assert main(["new", kind, name, "--dir", str(tmp_path)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"'{name}' is the name of an installed {taken}" in err
        assert not any(tmp_path.iterdir())

    @pytest.mark.parametrize("name", ["Damp", "my-damp", "2damp", ""])
    def test_bad_name_is_one_line(self, name, tmp_path, capsys):
        """A name that is not a lowercase identifier: one line saying what a name must be, exit 2."""
        assert main(["new", "scaffold", name, "--dir", str(tmp_path)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "lowercase Python identifier" in err and not any(tmp_path.iterdir())


BROKEN = """
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
"""


@pytest.fixture(scope="module")
def outcome(tmp_path_factory):
    """The conformance suite run on two broken scaffolds, as their authors would run it."""
    folder = tmp_path_factory.mktemp("broken")
    (folder / "test_broken.py").write_text(BROKEN)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "test_broken.py",
            "-k",
            "fields and (invariants or asleep)",
        ],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    return result.stdout


class TestBrokenScaffolds:
    def test_nan_breaks_bounded_activations(self, outcome):
        """A scaffold that writes NaN into the emotion field fails, naming 'bounded activations'."""
        assert "FAILED test_broken.py::TestNaN::test_keeps_the_invariants[fields]" in outcome
        assert "invariant 'bounded activations' broken (step 1): emotion has non-finite activations" in outcome

    def test_learning_while_asleep_is_named(self, outcome):
        """A scaffold that writes a sleeping agent's weights fails 'no learning while asleep'."""
        assert "FAILED test_broken.py::TestInsomniac::test_no_learning_while_asleep[fields]" in outcome
        assert (
            "invariant 'no learning while asleep' broken (scaffold 'insomniac' on fields): "
            "W_main_emo changed while the agent could not learn"
        ) in outcome


def _venv_over_this_environment(venv: Path) -> Path:
    """A fresh virtual environment that sees this one's packages (emergence's dependencies, pip).

    ``--system-site-packages`` sees only the base interpreter's: run from a virtual environment, this
    environment's site-packages are added by a ``.pth`` file, after the new environment's own."""
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)], check=True)
    if sys.prefix != sys.base_prefix:
        own = sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)})
        lines = [f"import site; site.addsitedir({path!r})" for path in site.getsitepackages()]
        Path(own, "_outer_environment.pth").write_text("\n".join(lines) + "\n")
    return venv


def _setuptools_builds_wheels() -> bool:
    """Whether this environment's setuptools builds an editable wheel by itself (70.1 or later; a new
    virtual environment of Python 3.11 has 65)."""
    try:
        return tuple(int(part) for part in version("setuptools").split(".")[:2]) >= (70, 1)
    except (PackageNotFoundError, ValueError):
        return False


class TestGeneratedPackage:
    def test_installs_tests_itself_and_runs_in_a_sweep(self, tmp_path):
        """In a fresh virtual environment: `emergence new scaffold damp`, `pip install -e`, its own
        `pytest`, then a sweep with `--a damp:threshold=0.02` by name, its settings in the manifest."""
        venv = _venv_over_this_environment(tmp_path / "venv")
        python, emergence = venv / "bin" / "python", venv / "bin" / "emergence"

        def run(*args, cwd=tmp_path):
            result = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True)
            assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
            return result.stdout

        # offline where this environment's setuptools builds wheels; else pip fetches one, as for the user
        isolation = ["--no-build-isolation"] if _setuptools_builds_wheels() else []
        install = [python, "-m", "pip", "install", "-q", "--no-deps", *isolation, "-e"]
        assert run(python, "-c", "import numpy; print(numpy.__file__)").strip() == numpy.__file__  # this env's
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
