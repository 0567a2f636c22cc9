"""The built-in plugins run the conformance suites that every plugin author runs."""

import numpy as np

from emergence.testing import MetricConformance, ScaffoldConformance

T = np.arange(600)


def same_units(series, n_emo=3):
    """A field whose every unit follows ``series``: its mean is ``series``."""
    return np.repeat(np.asarray(series, dtype=float)[:, None], n_emo, axis=1)


class TestHRLS(ScaffoldConformance):
    scaffold = "hrls:variance_threshold=0.0,nudge_fraction=1.0"  # every agent nudged at every step
    idle = "hrls"  # without feedback it holds no card: nothing to nudge with


class TestSurge(ScaffoldConformance):
    scaffold = "surge"


class TestMean(MetricConformance):
    metric = "mean"
    cases = [(np.array([[0.1, 0.3], [0.5, -0.5]]), [0.2, 0.0])]


class TestVariance(MetricConformance):
    metric = "variance"
    cases = [(np.array([[0.1, 0.3], [0.5, -0.5]]), [0.01, 0.25])]


class TestPrincipalComponent(MetricConformance):
    metric = "pca"
    cases = [(np.outer([1.0, 2.0, 3.0, 4.0], [0.6, 0.8]), [-1.5, -0.5, 0.5, 1.5])]  # (s - mean s) |u|


class TestSpectralCentroid(MetricConformance):
    metric = "spectral"
    cases = [(same_units(np.sin(2 * np.pi * T / 8)), 1 / 8)]  # a sine on an FFT bin


class TestAutocorrelation(MetricConformance):
    metric = "autocorr"
    cases = [(same_units((-1.0) ** T), -1.0)]


class TestVolatility(MetricConformance):
    metric = "volatility"
    cases = [(same_units(0.001 * T), 0.0)]  # constant increments


class TestBurstiness(MetricConformance):
    metric = "burstiness"
    cases = [(same_units(np.isin(T, np.arange(3, 600, 10))), -1.0)]  # evenly spaced events
