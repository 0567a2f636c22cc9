"""The Twins protocol: pairs of agents grown side by side, one scaffolded, one not."""

from emergence.contract import ProtocolEntry, hookimpl

from .command import twins


def _sweep(**options):
    from .sweep import sweep  # the analysis stack, only when a sweep is made (keeps --help fast)

    return sweep(**options)


@hookimpl
def register_protocols(register):
    register("twins", ProtocolEntry(name="twins", command=twins, sweep=_sweep))
