"""Studies: grids of Twins sweeps, one per open question of the write-up (``emergence study NAME``)."""

from emergence.contract import hookimpl

from .builtin import BUILTIN
from .command import study


@hookimpl
def register_studies(register):
    for entry in BUILTIN:
        register(entry.name, entry)


@hookimpl
def register_commands(cli):
    cli.add_command(study)
