"""emergence: grow developmental agents side by side and compare them, before any reward is given.

The public face (everything a script or notebook needs)::

    import emergence
    config = emergence.preset("small", n_main=300)
    agent = emergence.build_agent(config, init_seeds=[1], noise_seeds=[2], scaffolds=["hrls"])
    agent.run(200)
    results = emergence.twins(a="hrls", b="surge", preset="small", runs=2, out="results/x").run()
    emergence.load("results/x").runs      # a pandas DataFrame
    emergence.plan("ablation")            # what a study can detect with its runs
    emergence.study("ablation", runs=16).run().lines
    emergence.compare("results/x", "results/y").lines

``ContinuousEmergeBase`` (the field population) imports torch when first used.
"""

from .api import Comparison, Results, compare, load, package_version, plan, preset, protocol, study, twins
from .config import ConfigError, replace
from .contract import hookimpl
from .fields import AgentConfig
from .host import build_agent

__all__ = [
    "hookimpl",
    "ContinuousEmergeBase",
    "AgentConfig",
    "preset",
    "replace",
    "ConfigError",
    "build_agent",
    "twins",
    "study",
    "plan",
    "compare",
    "protocol",
    "load",
    "Results",
    "Comparison",
]

__version__ = package_version()


def __getattr__(name: str):
    if name == "ContinuousEmergeBase":
        from .fields.agent import ContinuousEmergeBase  # torch: imported on first use, not by `emergence --help`

        return ContinuousEmergeBase
    raise AttributeError(f"module 'emergence' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
