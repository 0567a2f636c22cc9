"""The pytest plugin shipped with emergence (entry point ``pytest11``): fixtures and a hypothesis profile.

Fixtures, built only when a test asks for them: ``seed`` (stable per test), ``population`` (a factory
of small populations of any substrate with scaffolds) and ``results_folder`` (a fresh folder for a
sweep). Test modules that import ``emergence.testing`` get the ``emergence-dynamics`` hypothesis
profile (no deadline: a step of dynamics takes longer than hypothesis' default 200 ms allows; a bounded
number of examples), unless a profile of your own is loaded. Importing this module loads no torch.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

PROFILE = "emergence-dynamics"
settings.register_profile(PROFILE, deadline=None, max_examples=10, suppress_health_check=[HealthCheck.too_slow])
USES_THE_KIT = re.compile(r"^\s*(from|import)\s+emergence\.testing\b", re.MULTILINE)


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector):
    """Import a test module that uses ``emergence.testing`` under the dynamics profile: hypothesis fixes
    a test's settings when the module defines it."""
    own_profile = settings.get_current_profile_name() != "default"
    if own_profile or not isinstance(collector, pytest.Module) or not _uses_the_kit(collector.path):
        return (yield)
    settings.load_profile(PROFILE)
    try:
        return (yield)
    finally:
        settings.load_profile("default")


def _uses_the_kit(path: Path) -> bool:
    try:
        return bool(USES_THE_KIT.search(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError):
        return False


@pytest.fixture
def seed(request: pytest.FixtureRequest) -> int:
    """A seed derived from the test's name: stable across runs, different between tests."""
    return sum(map(ord, request.node.name)) % 2**31


@pytest.fixture
def population(seed: int):
    """A factory: ``population(scaffolds=("damp",), substrate="fields", size=2, **config_changes)``
    builds a small population (tiny sizes of ``substrate``) seeded from ``seed``."""
    from emergence.host import build_agent
    from emergence.testing import tiny_config

    def build(scaffolds=(), substrate: str = "fields", size: int = 2, **changes: Any):
        config = tiny_config(substrate, **changes)
        return build_agent(
            config, [seed + p for p in range(size)], [seed + 1000 + p for p in range(size)], scaffolds=scaffolds
        )

    return build


@pytest.fixture
def results_folder(tmp_path: Path) -> Path:
    """A results folder that does not exist yet, for a sweep's ``out``."""
    return tmp_path / "results"
