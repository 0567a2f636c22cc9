"""$Class: the share of the emotion field's units whose |activation| exceeds ``level``, per snapshot."""

import numpy as np
from attrs import frozen
from attrs.validators import ge

from emergence import hookimpl
from emergence.config import float_field
from emergence.contract import EmotionData, PerTwinMetric


@frozen
class $Class(PerTwinMetric):
    """mean_i [|a_i| > level] at each snapshot of the emotion field."""

    level: float = float_field(0.5, ge(0))

    name = "$name"
    description = "share of emotion units above a level (snapshots)"
    uses_snapshots = True

    def one(self, data: EmotionData):
        return data.snapshot_steps, (np.abs(data.snapshots) > self.level).mean(axis=1)


@hookimpl
def emotion_metric(register):
    register("$name", $Class())
