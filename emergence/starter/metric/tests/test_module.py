"""The $name metric keeps the properties every metric keeps (the conformance suite) and its closed form."""

import numpy as np

from emergence.testing import MetricConformance


class TestConformance(MetricConformance):
    metric = "$name"
    cases = [(np.array([[0.9, 0.1], [0.6, -0.7], [0.0, 0.2]]), [0.5, 1.0, 0.0])]
