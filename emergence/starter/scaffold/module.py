"""$Class: a scaffold that damps a twin's emotion field while it runs above a threshold.

Each step, every agent whose mean |emotion| exceeds ``threshold`` has its emotion field scaled by
``factor``: a <- factor * a. Edit ``relational_drift`` to give your twin its own character.
"""

import torch
from attrs import frozen
from attrs.validators import ge, gt, le

from emergence import hookimpl
from emergence.config import float_field


@frozen
class ${Class}Settings:
    """The scaffold's parameters: ``--a $name:threshold=0.02,factor=0.5``."""

    threshold: float = float_field(0.5, ge(0))
    factor: float = float_field(0.9, gt(0), le(1))


class $Class:
    """Damps the emotion field of each agent whose mean |emotion| exceeds ``threshold``."""

    SETTINGS = ${Class}Settings
    STATE = ("damped",)  # saved in checkpoints: how often each agent was damped

    def __init__(self, config, settings: ${Class}Settings):
        self.settings = settings
        self.damped: torch.Tensor | None = None

    @hookimpl
    def relational_drift(self, agent, step):
        if self.damped is None:
            self.damped = torch.zeros(agent.population, dtype=torch.long, device=agent.device)
        high = agent.emotion.abs().mean(dim=1) > self.settings.threshold
        agent.emotion[high] *= self.settings.factor
        self.damped += high


@hookimpl
def register_scaffolds(register):
    register("$name", $Class)
