"""HRLS: the developmental scaffold of Principle Cards (twin A of the write-up)."""

from emergence.contract import hookimpl


def _make_hrls(config):
    from .scaffold import HRLS

    return HRLS(config)


@hookimpl
def register_scaffolds(register):
    register("hrls", _make_hrls)
