"""The core's essential plugin: default energy, noise and plasticity (asked last, so plugins override),
and the continuous-field substrate."""

from __future__ import annotations

from .hookspecs import hookimpl


@hookimpl
def plasticity(config):
    from .plasticity import OjaPlasticity

    return OjaPlasticity(config)


@hookimpl
def energy(config):
    from .energy import HomeostaticEnergy

    return HomeostaticEnergy(config)


@hookimpl
def noise(config):
    from .dynamics import StateDependentNoise

    return StateDependentNoise(config)


@hookimpl
def register_substrates(register):
    from .substrates import FIELDS

    register(FIELDS.name, FIELDS)
