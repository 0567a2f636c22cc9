"""A faulty third-party scaffold, installed as a package: whatever its hooks do wrong (raise, hand back a
tensor of the wrong shape, write NaN), the sweep ends in one line naming the plugin, its package, the
hook and the step, and the folder resumes once the plugin is fixed; a resume refuses another version of
the plugin or of emergence; two packages registering one name are one line."""

import importlib
import json
import sys

import pytest
from conftest import CLI, assert_one_line_error, assert_same_data, grow, interrupted, tiny

from emergence.cli import main
from emergence.host import installed
from emergence.results import ResultsError

MODULE = "emergence_faulty"
LABEL = "scaffold 'faulty' (emergence-faulty 0.1.0)"
AT = 15  # the step from which the fault shows: chunk 0 has committed step 10

FAULTY = '''
"""The starter's damping scaffold with one fault, switched on from step {at}: {mode}."""

import torch
from attrs import frozen
from attrs.validators import ge, gt, le

from emergence import hookimpl
from emergence.agents.dynamics import StateDependentNoise
from emergence.config import float_field

MODE, AT = {mode!r}, {at}


@frozen
class FaultySettings:
    threshold: float = float_field(0.5, ge(0))
    factor: float = float_field({factor}, gt(0), le(1))


class Faulty:
    SETTINGS = FaultySettings
    STATE = ("damped",)

    def __init__(self, config, settings):
        if MODE == "raise_init":
            raise ValueError("faulty scaffold cannot be built")
        self.settings, self.damped, self.step = settings, None, 0

    @hookimpl
    def relational_drift(self, agent, step):
        self.step = step + 1
        if self.damped is None:
            self.damped = torch.zeros(agent.population, dtype=torch.long, device=agent.device)
        high = agent.emotion.abs().mean(dim=1) > self.settings.threshold
        agent.emotion[high] *= self.settings.factor
        self.damped += high
        if step >= AT and MODE == "raise":
            raise RuntimeError("faulty scaffold bug")
        if step >= AT and MODE == "nan":
            agent.emotion[:, 0] = float("nan")
        if step >= AT and MODE == "shape":
            agent.W_main_emo = torch.zeros(agent.population, 3, 3)

    @hookimpl
    def receive_feedback(self, agent, message, strength):
        if agent.step_index >= AT and MODE == "raise_feedback":
            raise KeyError("faulty feedback")


class NoisyFaulty(Faulty):
    """Faulty, with a noise model whose amplitude goes wrong from step AT."""

    def __init__(self, config, settings):
        super().__init__(config, settings)
        self.base = StateDependentNoise(config)

    @hookimpl
    def noise(self, config):
        return self

    def amplitude(self, field, activation):
        amp = self.base.amplitude(field, activation.clone())
        if self.step < AT:
            return amp
        if MODE == "noise_raise":
            raise RuntimeError("faulty noise model broke")
        if MODE == "noise_nan":
            return torch.full_like(amp, float("nan"))
        if MODE == "noise_short":
            return amp[:, :-1].clone()
        return torch.full((1, amp.shape[1]), 0.01, dtype=amp.dtype)  # noise_shape: broadcasts in torch


@hookimpl
def register_scaffolds(register):
    register("faulty", NoisyFaulty if MODE.startswith("noise") else Faulty)


@hookimpl
def register_executors(register):
    if MODE == "dup":
        from emergence.executors import LocalPool

        register("local", LocalPool)
'''


def _install(site, dist, module, version, text):
    """A package ``dist`` of one module, installed under ``site`` as pip would (a dist-info with the
    entry point ``faulty``/``hrls`` = the module)."""
    site.mkdir(parents=True, exist_ok=True)
    (site / f"{module}.py").write_text(text)
    info = site / f"{module}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    (info / "entry_points.txt").write_text(f"[emergence]\n{module.removeprefix('emergence_')} = {module}\n")


@pytest.fixture
def faulty(tmp_path, monkeypatch):
    """``faulty(mode, version, factor)`` installs the faulty scaffold (replacing the one installed
    before: a fresh site folder on the path, the module and the catalogue forgotten)."""
    sites = []

    def install(mode="none", version="0.1.0", factor=0.9, extra=()):
        site = tmp_path / f"site-{len(sites)}"
        _install(site, "emergence-faulty", MODULE, version, FAULTY.format(mode=mode, at=AT, factor=factor))
        for dist, module in extra:
            _install(site, dist, module, "0.1.0", "")
        monkeypatch.setattr(sys, "path", [str(site), *(p for p in sys.path if p not in sites)])
        sites.append(str(site))
        forget()

    def forget():
        sys.modules.pop(MODULE, None)
        importlib.invalidate_caches()
        installed.cache_clear()

    yield install
    monkeypatch.undo()
    forget()


def faulty_config(**changes):
    return tiny(a="faulty", **changes)


@pytest.fixture
def reference_faulty(faulty, tmp_path):
    """The tiny sweep with the faulty scaffold, its fault off, grown without a stop."""
    faulty("none")
    out = tmp_path / "reference-faulty"
    grow(out, faulty_config())
    return out


class TestPluginRaises:
    def test_a_raising_drift_hook_is_one_line_and_the_folder_resumes(self, reference_faulty, faulty, tmp_path):
        """relational_drift raises: the sweep stops in one ResultsError naming the scaffold, its package,
        the hook and the step; once the plugin is fixed, the same sweep completes to the data of a
        sweep that never failed."""
        faulty("raise")
        out = tmp_path / "raise"
        with pytest.raises(ResultsError) as error:
            grow(out, faulty_config())
        message = str(error.value)
        assert "\n" not in message and "configuration" not in message
        for words in (
            LABEL,
            "relational_drift raised RuntimeError at step 15: faulty scaffold bug",
            "fix or update that plugin",
            "once the plugin is fixed, re-run the same command",
        ):
            assert words in message
        faulty("none")
        grow(out, faulty_config())
        assert_same_data(out, reference_faulty)

    @pytest.mark.parametrize(
        "mode, words",
        [
            ("raise_feedback", "receive_feedback raised KeyError at step 15: 'faulty feedback'"),
            ("noise_raise", "noise (amplitude) raised RuntimeError at step 15: faulty noise model broke"),
        ],
    )
    def test_other_hooks_that_raise_are_named(self, faulty, tmp_path, mode, words):
        """receive_feedback or the noise model raises: one line naming the scaffold, hook and step."""
        faulty(mode)
        with pytest.raises(ResultsError, match="^[^\n]*$") as error:
            grow(tmp_path / mode, faulty_config())
        assert LABEL in str(error.value) and words in str(error.value)

    @pytest.mark.parametrize("workers", ["1", "2"])
    def test_the_command_ends_in_one_error_line(self, faulty, tmp_path, capsys, workers):
        """From the command line, with one worker or two: exit 2, no traceback, the last line an error
        naming the plugin, its package, the hook and the step."""
        faulty("raise")
        code = main([*CLI, "--a", "faulty", "--workers", workers, "--out", str(tmp_path / "cli")])
        err = capsys.readouterr().err
        assert code == 2 and "Traceback" not in err, err
        last = err.strip().splitlines()[-1]
        assert (
            last.startswith("error: ") and LABEL in last and "relational_drift raised RuntimeError at step 15" in last
        )

    def test_a_scaffold_that_cannot_be_built_is_one_line(self, faulty, tmp_path, capsys):
        """The scaffold's constructor raises: one line naming it and its package, nothing written."""
        faulty("raise_init")
        assert main([*CLI, "--a", "faulty", "--out", str(tmp_path / "init")]) == 2
        assert_one_line_error(
            2, capsys.readouterr().err, LABEL, "its construction raised ValueError", "faulty scaffold cannot be built"
        )
        assert not (tmp_path / "init").exists()


class TestPluginValues:
    @pytest.mark.parametrize(
        "mode, words",
        [
            ("nan", "relational_drift left emotion not finite at step 15"),
            ("shape", "relational_drift left W_main_emo that has shape (1, 3, 3), expected (1, 8, 40), at step 15"),
            ("noise_nan", "noise gave amplitude('sensory') that is not finite, at step 15"),
            ("noise_short", "noise gave amplitude('sensory') that has shape (1, 15), expected (1, 16), at step 15"),
        ],
    )
    def test_a_bad_value_is_named_before_the_engine_reads_it(self, faulty, tmp_path, mode, words):
        """NaN written by the drift hook, a weight matrix replaced by one of another shape, a noise
        amplitude that is NaN or of the wrong shape: the sweep stops at that step naming the plugin and
        the hook (not "the configuration"), and nothing non-finite is written."""
        faulty(mode)
        out = tmp_path / mode
        with pytest.raises(ResultsError) as error:
            grow(out, faulty_config(agent=dict(n_input=16)))
        message = str(error.value)
        assert LABEL in message and words in message and "configuration" not in message, message

    def test_a_noise_amplitude_of_one_row_is_refused_in_a_population(self, faulty, tmp_path):
        """An amplitude of shape (1, n) (torch would broadcast it; the fast engine would read past it)
        for a chunk of two agents: refused, naming the shapes."""
        faulty("noise_shape")
        with pytest.raises(ResultsError, match=r"amplitude\('sensory'\) that has shape \(1, 16\), expected \(2, 16\)"):
            grow(tmp_path / "rows", faulty_config(agent=dict(n_input=16), chunk_size=2))


class TestResumeChecksTheCode:
    def _grown_to_step_25(self, faulty, tmp_path, monkeypatch, **install):
        faulty(**install)
        out = tmp_path / "mixed"
        interrupted(out, 25, monkeypatch, faulty_config())
        return out

    def test_an_upgraded_plugin_is_refused(self, faulty, tmp_path, monkeypatch, capsys):
        """Interrupted under faulty 0.1.0, resumed under 0.2.0: refused in one line naming both versions,
        nothing overwritten; with 0.1.0 back, it resumes."""
        out = self._grown_to_step_25(faulty, tmp_path, monkeypatch)
        manifest = (out / "manifest.json").read_text()
        faulty("none", version="0.2.0")
        assert main([*CLI, "--a", "faulty", "--out", str(out)]) == 2
        assert_one_line_error(
            2,
            capsys.readouterr().err,
            "scaffold 'faulty': emergence-faulty 0.1.0 -> emergence-faulty 0.2.0",
            "choose another --out",
        )
        assert (out / "manifest.json").read_text() == manifest
        faulty("none")
        grow(out, faulty_config())

    def test_changed_scaffold_settings_are_refused(self, faulty, tmp_path, monkeypatch):
        """The same version with another default setting: refused naming the setting."""
        out = self._grown_to_step_25(faulty, tmp_path, monkeypatch)
        faulty("none", factor=0.5)
        with pytest.raises(ResultsError, match=r"a\.faulty\.factor: 0\.9 -> 0\.5"):
            grow(out, faulty_config())

    def test_another_emergence_version_is_refused(self, faulty, tmp_path, monkeypatch):
        """A folder grown by another version of emergence: refused naming both versions."""
        out = self._grown_to_step_25(faulty, tmp_path, monkeypatch)
        manifest = json.loads((out / "manifest.json").read_text())
        now = manifest["versions"]["emergence"]
        manifest["versions"]["emergence"] = "0.0.1"
        (out / "manifest.json").write_text(json.dumps(manifest))
        with pytest.raises(ResultsError, match=f"emergence: 0.0.1 -> {now}"):
            grow(out, faulty_config())

    def test_an_older_manifest_resumes_and_its_plugin_list_is_checked(self, faulty, tmp_path, monkeypatch):
        """A manifest written before the code was recorded (no emergence, scaffolds, numpy, cpu ...)
        resumes; its list of plugins still tells the scaffold's version, and another is refused."""
        out = self._grown_to_step_25(faulty, tmp_path, monkeypatch)
        manifest = json.loads((out / "manifest.json").read_text())
        versions = manifest["versions"]
        manifest["versions"] = {key: versions[key] for key in ("python", "torch", "plugins")}
        del manifest["cpu"]
        (out / "manifest.json").write_text(json.dumps(manifest))
        faulty("none", version="0.2.0")
        with pytest.raises(ResultsError, match="scaffold 'faulty': emergence-faulty 0.1.0 -> emergence-faulty 0.2.0"):
            grow(out, faulty_config())
        faulty("none")
        grow(out, faulty_config())

    def test_the_manifest_records_what_grew_it(self, reference_faulty):
        """Packages, the scaffold's plugin, package and version, the CPU and (in a checkout) the commit."""
        manifest = json.loads((reference_faulty / "manifest.json").read_text())
        versions = manifest["versions"]
        assert {"emergence", "numpy", "numba", "scipy", "torch", "python"} <= versions.keys()
        assert versions["scaffolds"]["faulty"] == {
            "plugin": "faulty",
            "package": "emergence-faulty",
            "version": "0.1.0",
        }
        assert versions["scaffolds"]["surge"]["package"] == "emergence"
        assert {"name": "faulty", "package": "emergence-faulty", "version": "0.1.0"} in versions["plugins"]
        assert manifest["cpu"]["model"] and isinstance(manifest["cpu"]["flags"], list)
        if "git" in versions:
            assert len(versions["git"]["commit"]) == 40 and isinstance(versions["git"]["dirty"], bool)


class TestNameCollisions:
    def test_a_package_registering_a_builtin_name_is_one_line(self, faulty, capsys):
        """emergence-hrls registering the entry point ``hrls`` (as `emergence new scaffold hrls` would):
        every command refuses in one line naming both packages, instead of one silently shadowing the
        other."""
        faulty("none", extra=[("emergence-hrls", "emergence_hrls")])
        assert main(["plugins"]) == 2
        assert_one_line_error(
            2,
            capsys.readouterr().err,
            "two installed packages register the plugin 'hrls'",
            "emergence 0.1.0",
            "emergence-hrls 0.1.0",
            "pip uninstall emergence-hrls",
        )

    def test_a_duplicate_executor_name_is_one_line(self, faulty, tmp_path, capsys):
        """A plugin registering the executor ``local`` the core has: `plugins` and a sweep end in one line
        naming both plugins."""
        faulty("dup")
        assert main(["plugins"]) == 2
        assert_one_line_error(
            2,
            capsys.readouterr().err,
            "two plugins register the executor 'local'",
            "'emergence.executors'",
            "'faulty' (emergence-faulty 0.1.0)",
        )
        assert main([*CLI, "--out", str(tmp_path / "dup")]) == 2
        assert_one_line_error(2, capsys.readouterr().err, "two plugins register the executor 'local'")
