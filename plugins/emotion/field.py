"""Metrics of the emotion field at each moment: mean, variance, leading principal components."""

from __future__ import annotations

import numpy as np
from attrs import field, frozen
from attrs import validators as v

from emergence.contract import EmotionData, PerTwinMetric

__all__ = ["Mean", "Variance", "PrincipalComponent"]


class Mean(PerTwinMetric):
    """The write-up's emotion scalar: the mean activation of the emotion field, every step (needs ``mean``)."""

    name = "mean"
    description = "mean activation of the emotion field (every step)"

    def one(self, data: EmotionData):
        return data.steps, data.mean


class Variance(PerTwinMetric):
    """The variance of the emotion field across its units, every step (needs ``var``)."""

    name = "variance"
    description = "variance of the emotion field across its units (every step)"

    def one(self, data: EmotionData):
        return data.steps, data.var


@frozen
class PrincipalComponent:
    """Projection of the field onto one principal component fitted per run on both twins' snapshots.

    Needs ``snapshots``. The component is fitted on the two twins' snapshots pooled and centred on
    their pooled mean, so both twins are read on the same axis from the same origin:
    ``score_t = (a_t - pooled_mean) . v_k``. The sign of ``v_k`` is fixed so that its loadings sum to a
    positive number (a higher score goes with a higher mean activation); if the sum is ~0, the largest
    loading is made positive. ``component`` is the index, 0 for the leading one.
    """

    component: int = field(default=0, validator=[v.instance_of(int), v.ge(0)])

    name = "pca"
    uses_snapshots = True

    @property
    def description(self) -> str:
        return f"projection on principal component {self.component} of both twins' pooled snapshots"

    def series(self, a: EmotionData, b: EmotionData):
        if not np.array_equal(a.snapshot_steps, b.snapshot_steps):
            raise ValueError("metric 'pca': twins were snapshotted on different steps")
        if len(a.snapshot_steps) == 0:
            return np.asarray(a.snapshot_steps), np.empty(0), np.empty(0)
        if a.snapshots.shape[1:] != b.snapshots.shape[1:]:
            raise ValueError(f"metric 'pca': twins' fields differ in size {a.snapshots.shape} vs {b.snapshots.shape}")
        pooled = np.concatenate([a.snapshots, b.snapshots])
        centre = pooled.mean(axis=0)
        axes = np.linalg.svd(pooled - centre, full_matrices=False)[2]
        if self.component >= len(axes):
            raise ValueError(f"metric 'pca': component {self.component} of {len(axes)} available")
        axis = aligned(axes[self.component])
        return np.asarray(a.snapshot_steps), (a.snapshots - centre) @ axis, (b.snapshots - centre) @ axis


def aligned(axis: np.ndarray) -> np.ndarray:
    """``axis`` or ``-axis``: the one whose loadings sum > 0 (or, if the sum is ~0, whose largest loading is > 0)."""
    total = axis.sum()
    if abs(total) <= 1e-9 * np.abs(axis).sum():
        total = axis[np.argmax(np.abs(axis))]
    return axis if total >= 0 else -axis
