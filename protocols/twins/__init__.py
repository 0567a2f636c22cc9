"""The Twins protocol: pairs of agents grown side by side, one scaffolded, one not."""

from emergence.hookspecs import hookimpl


@hookimpl
def register_protocols(register):
    from .command import twins

    register("twins", twins)
