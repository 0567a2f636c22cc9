"""Pure surge: no buffer, no cards; relational drift does nothing (twin B of the write-up)."""

from emergence.contract import hookimpl


class Surge:
    """The absence of a scaffold, as a plugin: it implements no agent hook."""

    def __init__(self, config):
        self.config = config


@hookimpl
def register_scaffolds(register):
    register("surge", Surge)
