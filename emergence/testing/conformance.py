"""Conformance suites a plugin runs by subclassing: every invariant, on every registered substrate.

    from emergence.testing import ScaffoldConformance

    class TestDamp(ScaffoldConformance):
        scaffold = "damp:threshold=0.0"   # settings under which it acts
        idle = "damp:threshold=1.0"       # settings under which it has no reason to act

pytest collects the inherited tests; the built-in plugins run the same suites. A failure names the
invariant it broke.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
import torch
from attrs import has
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from ..contract import declared_state, resolve_spec
from ..host import Catalogue, build_agent, installed, make_plugin_manager
from ..results.checkpoint import restore, save_checkpoint
from .checks import TIRED, check_invariants, check_no_learning_while_asleep, invariant, tiny_config
from .strategies import from_field, seeds

__all__ = ["ScaffoldConformance", "MetricConformance"]

MESSAGE = "Be kind to small voices"
SUBSTRATES = installed().substrates.names()
each_substrate = pytest.mark.parametrize("substrate", SUBSTRATES)
# Every subclass runs the same inherited property tests on its own plugin, by design.
inherited = settings(suppress_health_check=[HealthCheck.differing_executors])


def _catalogue(plugins: Sequence[object]) -> Catalogue:
    return Catalogue(make_plugin_manager(plugins=plugins)) if plugins else installed()


def _equal_state(a, b, skip: str = "") -> None:
    """Two populations hold bit-identical tensors (those whose key starts with ``skip`` aside)."""
    ta, tb = a.state_dict(), b.state_dict()
    keys = {k for k in ta.keys() | tb.keys() if not (skip and k.startswith(skip))}
    for key in sorted(keys):
        assert key in ta and key in tb, f"{key} is held by one population only"
        assert torch.equal(ta[key], tb[key]), f"{key} differs"


class ScaffoldConformance:
    """Subclass with ``scaffold`` set: the invariants every scaffold keeps, on every substrate.

    ``scaffold``: its spec under settings where it acts (given a mentor's feedback). ``idle``: a spec
    under which, without feedback, it has no reason to act and so must change nothing (default:
    ``scaffold``). ``plugins``: plugin modules or objects that register it, for a scaffold not installed.
    """

    scaffold: ClassVar[str] = ""
    idle: ClassVar[str | None] = None
    plugins: ClassVar[Sequence[object]] = ()

    def _build(
        self,
        substrate: str,
        spec: str | None = None,
        seeds_: tuple[int, int] = (1, 2),
        feedback: bool = True,
        **changes: Any,
    ):
        config = tiny_config(substrate, **changes)
        agent = build_agent(
            config,
            list(seeds_),
            [s + 100 for s in seeds_],
            scaffolds=[spec or self.scaffold],
            catalogue=_catalogue(self.plugins),
        )
        if feedback:
            agent.receive_feedback(MESSAGE, 1.0)
        return agent

    def _where(self, substrate: str) -> str:
        return f"scaffold {self.scaffold!r} on {substrate}"

    def test_declares_settings_and_state(self):
        """SETTINGS, if declared, is a frozen attrs class valid at its defaults; STATE names attributes."""
        known = _catalogue(self.plugins).scaffolds
        resolved = resolve_spec("scaffold", self.scaffold, known)
        settings_class = getattr(known[resolved.name], "SETTINGS", None)
        if settings_class is not None:
            assert has(settings_class) and settings_class.__setattr__ is not object.__setattr__, (
                f"{resolved.name}.SETTINGS must be a frozen attrs class"
            )
            settings_class()
        agent = self._build(SUBSTRATES[0])
        instance = agent.scaffolds[resolved.name]
        for attr in declared_state(instance):
            assert hasattr(instance, attr), f"{resolved.name}.STATE names {attr!r}, which it does not have"

    @each_substrate
    @given(seed=seeds)
    @settings(inherited, max_examples=2)
    def test_keeps_the_invariants(self, substrate, seed):
        """Bounded activations, energy in [0, 1] and sleep/wake hysteresis, through sleep cycles."""
        check_invariants(
            tiny_config(substrate, **TIRED),
            steps=40,
            seed=seed % 10_000,
            feedback=MESSAGE,
            scaffolds=[self.scaffold],
            catalogue=_catalogue(self.plugins),
        )

    @each_substrate
    def test_no_learning_while_asleep(self, substrate):
        """Without a reason to act, an agent that may not learn keeps every plastic weight."""
        agent = self._build(substrate, self.idle, feedback=False, **TIRED)
        with invariant("no learning while asleep", self._where(substrate)):
            check_no_learning_while_asleep(agent, steps=40)
        assert any(not t["awake"] for t in agent.trails(0)), "the agents never slept: the check was vacuous"

    @each_substrate
    def test_same_seed_same_trajectory(self, substrate):
        """Two populations with the same seeds follow bit-identical trajectories, scaffold state included."""
        a, b = self._build(substrate), self._build(substrate)
        a.run(20), b.run(20)
        with invariant("determinism under a seed", self._where(substrate)):
            _equal_state(a, b)
            assert a.metadata() == b.metadata(), "the scaffolds' declared state differs"

    @each_substrate
    @given(before=st.integers(1, 15), after=st.integers(1, 15))
    @settings(inherited, max_examples=2)
    def test_checkpoint_round_trip(self, substrate, before, after, tmp_path_factory):
        """Checkpoint at any step, restore into a fresh population, continue: as if never stopped."""
        path: Path = tmp_path_factory.mktemp("checkpoint") / "agent.safetensors"
        straight, interrupted, resumed = (self._build(substrate) for _ in range(3))
        straight.run(before + after)
        interrupted.run(before)
        save_checkpoint(path, interrupted)
        restore(path, resumed)
        resumed.run(after)
        with invariant("checkpoint round trip", self._where(substrate)):
            _equal_state(straight, resumed)
            assert straight.metadata() == resumed.metadata(), "the scaffolds' declared state differs after resuming"

    @each_substrate
    def test_changes_nothing_without_reason(self, substrate):
        """Under ``idle`` and without feedback, the agents grow exactly as agents without the scaffold."""
        scaffolded = self._build(substrate, self.idle, feedback=False)
        plain = build_agent(scaffolded.config, [1, 2], [101, 102])
        scaffolded.run(20), plain.run(20)
        with invariant("changes nothing while it has no reason to act", self._where(substrate)):
            _equal_state(scaffolded, plain, skip="scaffold.")
            assert scaffolded.trails(1) == plain.trails(1), "the trails differ"


fields_values = arrays(np.float64, st.tuples(st.integers(1, 120), st.integers(1, 8)), elements=st.floats(-1, 1))


class MetricConformance:
    """Subclass with ``metric`` set: the properties every emotion metric keeps, and its closed forms.

    ``cases``: closed forms, pairs of a whole (T, n_emo) field recorded every step and the series the
    metric must give for it (an array, or one value for every step it reports). ``plugins``: plugin modules or objects that register it, if not installed.
    """

    metric: ClassVar[str] = ""
    cases: ClassVar[Sequence[tuple[Any, Any]]] = ()
    plugins: ClassVar[Sequence[object]] = ()

    @property
    def found(self):
        return _catalogue(self.plugins).metrics[self.metric]

    def test_describes_itself(self):
        """It is registered under its own name, with a description and a ``uses_snapshots`` flag."""
        assert self.found.name == self.metric and isinstance(self.found.description, str) and self.found.description
        assert isinstance(self.found.uses_snapshots, bool)

    @given(field=fields_values, every=st.integers(1, 10))
    @inherited
    def test_series_on_recorded_steps(self, field, every):
        """Any recorded field gives three arrays of one length, on steps that were recorded."""
        data = from_field(field, every)
        with invariant("series on recorded steps", f"metric {self.metric!r}"):
            steps, a, b = self.found.series(data, data)
            assert len(steps) == len(a) == len(b), f"lengths {len(steps)}, {len(a)}, {len(b)}"
            recorded = data.snapshot_steps if self.found.uses_snapshots else data.steps
            assert np.isin(steps, recorded).all(), "steps that were not recorded"

    def test_finite_on_a_noisy_run(self):
        """A noisy run of 1,500 steps gives finite values for both twins."""
        rng = np.random.default_rng(11)
        a, b = (from_field(np.tanh(rng.normal(size=(1500, 8))), every=5) for _ in range(2))
        with invariant("finite on a noisy run", f"metric {self.metric!r}"):
            steps, va, vb = self.found.series(a, b)
            assert len(steps) > 0 and np.isfinite(va).all() and np.isfinite(vb).all(), "empty or non-finite"

    def test_swapping_twins_swaps_series(self):
        """Twin A's series is the same whichever side it is given on."""
        rng = np.random.default_rng(12)
        a, b = (from_field(np.tanh(rng.normal(size=(400, 6))), every=4) for _ in range(2))
        with invariant("symmetric in the twins", f"metric {self.metric!r}"):
            steps, va, vb = self.found.series(a, b)
            swapped_steps, wb, wa = self.found.series(b, a)
            np.testing.assert_array_equal(steps, swapped_steps)
            np.testing.assert_allclose(va, wa, atol=1e-12, equal_nan=True)
            np.testing.assert_allclose(vb, wb, atol=1e-12, equal_nan=True)

    def test_constant_field_gives_a_constant_series(self):
        """A field that never changes gives one value (or none: NaN) at every step."""
        data = from_field(np.full((400, 5), 0.3), every=5)
        with invariant("constant in, constant out", f"metric {self.metric!r}"):
            _, values, _ = self.found.series(data, data)
            defined = values[~np.isnan(values)]
            assert np.allclose(defined, defined[0] if len(defined) else 0.0), "a constant field's series varies"

    def test_closed_forms(self):
        """Each of ``cases`` (at least one) gives exactly its expected series."""
        assert self.cases, f"declare the closed forms of {self.metric!r} in `cases`: (field, expected series) pairs"
        for field, expected in self.cases:
            data = from_field(field)
            with invariant("closed form", f"metric {self.metric!r}"):
                values = self.found.series(data, data)[1]
                assert len(values), "an empty series"
                np.testing.assert_allclose(values, expected, atol=1e-9)
