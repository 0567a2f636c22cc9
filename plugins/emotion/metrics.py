"""The built-in emotion metrics (MODEL.md section 8); ``BUILTIN`` is what the plugin registers.

Field at each moment (``field``): mean, variance, pca. Temporal structure of the mean series over
sliding windows (``temporal``): spectral, autocorr, volatility, burstiness. Each registered instance
uses its class's default parameters; docs/metrics.md lists them.
"""

from __future__ import annotations

from .field import Mean, PrincipalComponent, Variance
from .temporal import Autocorrelation, Burstiness, SpectralCentroid, Volatility

__all__ = [
    "Mean",
    "Variance",
    "PrincipalComponent",
    "SpectralCentroid",
    "Autocorrelation",
    "Volatility",
    "Burstiness",
    "BUILTIN",
]

BUILTIN = [
    Mean(),
    Variance(),
    PrincipalComponent(),
    SpectralCentroid(),
    Autocorrelation(),
    Volatility(),
    Burstiness(),
]
