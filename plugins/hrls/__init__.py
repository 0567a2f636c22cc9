"""HRLS: the developmental scaffold of Principle Cards (twin A of the write-up)."""

from emergence.contract import hookimpl


@hookimpl
def register_scaffolds(register):
    from .scaffold import HRLS  # torch, only when scaffolds are looked up

    register("hrls", HRLS)
