"""What a population's plugins hand its step is checked before an engine reads it: a tensor of the wrong
shape, dtype or device, a value that is not finite, an exception, each one PluginError naming the
plugin, the hook and the step; the substrate's own faults and the configuration's are not blamed on a
plugin."""

import pytest
import torch

from emergence import build_agent, preset
from emergence.config import replace
from emergence.contract import PluginError, hookimpl

TINY = preset("small", n_main=24, n_emo=6, n_input=8)
ENGINES = ["fast", "plain"]


def _noise(amplitude):
    """A plugin whose noise model's amplitude is ``amplitude(field, activation)``."""

    class Model:
        def amplitude(self, field, activation):
            return amplitude(field, activation)

    class Noise:
        @hookimpl
        def noise(self, config):
            return Model()

    return Noise()


def _run(plugin, engine="fast", steps=3, **changes):
    agent = build_agent(replace(TINY, engine=engine, **changes), [1, 2], [3, 4], plugins=[plugin])
    agent.run(steps)
    return agent


class TestNoiseAmplitudes:
    @pytest.mark.parametrize("engine", ENGINES)
    @pytest.mark.parametrize(
        "amplitude, words",
        [
            (lambda f, a: torch.full_like(a, 0.01)[:, :-1].clone(), "has shape (2, 7), expected (2, 8)"),
            (lambda f, a: torch.full((1, a.shape[1]), 0.01), "has shape (1, 8), expected (2, 8)"),
            (
                lambda f, a: torch.full_like(a, 0.01, dtype=torch.float64),
                "has dtype torch.float64, expected torch.float32",
            ),
            (lambda f, a: torch.full_like(a, float("nan")), "is not finite"),
            (lambda f, a: [0.01] * a.shape[1], "is a list, not a tensor"),
        ],
    )
    def test_a_bad_amplitude_is_named_before_a_kernel_reads_it(self, engine, amplitude, words):
        """One neuron short (the fast engine's kernels would read past it), one row for the whole
        population (torch would broadcast it), another dtype, NaN, not a tensor: a PluginError naming
        the plugin, the hook, what is wrong and the step."""
        with pytest.raises(PluginError) as error:
            _run(_noise(amplitude), engine)
        message = str(error.value)
        assert message.startswith("plugin Noise: noise gave amplitude('sensory') that ") and words in message
        assert "at step 0" in message and "\n" not in message

    def test_a_raising_noise_model_is_named(self):
        """An exception inside the noise model's method: a PluginError naming the hook and method."""

        def broken(field, activation):
            raise RuntimeError("noise model broke")

        with pytest.raises(
            PluginError,
            match=r"plugin Noise: noise \(amplitude\) raised RuntimeError at step 0: "
            "noise model broke; fix or update that plugin",
        ):
            _run(_noise(broken))

    def test_a_right_amplitude_runs_as_before(self):
        """A plugin's amplitude of the right shape passes the checks and is used."""
        agent = _run(_noise(lambda f, a: torch.zeros_like(a)), steps=5, text_noise=0.0, weight_noise=0.0)
        assert agent.step_index == 5


class TestOtherComponents:
    @pytest.mark.parametrize("engine", ENGINES)
    def test_an_energy_model_of_the_wrong_shape_is_named(self, engine):
        """Energy of shape (1,) for two agents (the kernels index ``learning`` per agent): a PluginError."""

        class Scalar:
            def update(self, energy, awake, main):
                return energy[:1].clone(), awake

        class Energy:
            @hookimpl
            def energy(self, config):
                return Scalar()

        with pytest.raises(
            PluginError,
            match=r"plugin Energy: energy gave energy that has shape \(1,\), expected "
            r"\(2,\), at step 0",
        ):
            _run(Energy(), engine)

    @pytest.mark.parametrize("engine", ENGINES)
    def test_a_rule_that_replaces_a_weight_matrix_is_named(self, engine):
        """A learning rule that replaces W_main_emo by a matrix of another shape: a PluginError."""

        class Shrinks:
            def apply(self, agent, learning):
                agent.W_main_emo = torch.zeros(agent.population, 3, 3)

        class Rule:
            @hookimpl
            def plasticity(self, config):
                return Shrinks()

        with pytest.raises(
            PluginError,
            match=r"plugin Rule: plasticity left W_main_emo that has shape \(2, 3, 3\), "
            r"expected \(2, 6, 24\), at step 0",
        ):
            _run(Rule(), engine)


class TestDriftAndFeedback:
    def test_a_drift_hook_that_replaces_a_weight_matrix_is_named(self):
        """relational_drift replacing W_main_emo by a (P, 3, 3) tensor: stopped that step."""

        class Shape:
            @hookimpl
            def relational_drift(self, agent, step):
                if step == 2:
                    agent.W_main_emo = torch.zeros(agent.population, 3, 3)

        with pytest.raises(
            PluginError,
            match=r"plugin Shape: relational_drift left W_main_emo that has shape "
            r"\(2, 3, 3\), expected \(2, 6, 24\), at step 2",
        ):
            _run(Shape(), steps=5)

    def test_a_drift_hook_that_writes_nan_is_named(self):
        """relational_drift writing NaN into the emotion field: named at that step."""

        class NaN:
            @hookimpl
            def relational_drift(self, agent, step):
                if step == 1:
                    agent.emotion[:, 0] = float("nan")

        with pytest.raises(PluginError, match="plugin NaN: relational_drift left emotion not finite at step 1"):
            _run(NaN(), steps=3)

    @pytest.mark.filterwarnings("ignore::RuntimeWarning")
    def test_state_the_dynamics_left_non_finite_is_not_blamed_on_the_drift(self):
        """A field driven out of range by the configuration (not the drift hook) is left for the
        recorder to report: no PluginError."""

        class Watches:
            @hookimpl
            def relational_drift(self, agent, step):
                pass

        agent = _run(Watches(), steps=3, emo_noise=1e308)
        assert not torch.isfinite(agent.emotion).all()

    def test_raising_hooks_are_named_with_their_step(self):
        """relational_drift and receive_feedback raising: the plugin, the hook, the step and the error."""

        class Raises:
            @hookimpl
            def relational_drift(self, agent, step):
                if step == 3:
                    raise ValueError("drift broke\nsecond line")

            @hookimpl
            def receive_feedback(self, agent, message, strength):
                raise KeyError("feedback")

        agent = build_agent(TINY, [1], [2], plugins=[Raises()])
        with pytest.raises(
            PluginError, match=r"^plugin Raises: receive_feedback raised KeyError at step 0: 'feedback'"
        ):
            agent.receive_feedback("Be kind to small voices")
        with pytest.raises(
            PluginError,
            match=r"^plugin Raises: relational_drift raised ValueError at step 3: "
            "drift broke; fix or update that plugin$",
        ):
            agent.run(5)

    def test_a_fault_of_the_substrate_is_not_blamed_on_a_plugin(self, monkeypatch):
        """An exception from the substrate's own code, with a plugin's component in the population,
        passes as it is."""
        agent = build_agent(TINY, [1], [2], plugins=[_noise(lambda f, a: torch.zeros_like(a))])

        def broken(*args):
            raise ZeroDivisionError("the substrate's bug")

        monkeypatch.setattr(agent._engine, "advance", broken)
        with pytest.raises(ZeroDivisionError):
            agent.step()
