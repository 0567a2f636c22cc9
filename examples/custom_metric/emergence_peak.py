"""Example plugin: ``peak``, the largest |activation| of the emotion field, at each snapshot."""

import numpy as np

from emergence.contract import EmotionData, PerTwinMetric, hookimpl


class Peak(PerTwinMetric):
    """max_i |a_i| of the emotion field at each snapshot (needs ``snapshots``)."""

    name = "peak"
    description = "largest |activation| of the emotion field (snapshots)"
    uses_snapshots = True

    def one(self, data: EmotionData):
        return data.snapshot_steps, np.abs(data.snapshots).max(axis=1)


@hookimpl
def register_emotion_metrics(register):
    register(Peak.name, Peak())
