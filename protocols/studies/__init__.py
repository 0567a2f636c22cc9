"""Studies: grids of Twins sweeps, one per open question of the write-up (``emergence study NAME``)."""

from emergence.contract import ProtocolEntry, hookimpl

from .builtin import BUILTIN
from .command import study


def _study_run(study, **options):
    from .run import study_run  # the analysis stack, only when a study is made (keeps --help fast)

    return study_run(study, **options)


@hookimpl
def register_studies(register):
    for entry in BUILTIN:
        register(entry.name, entry)


@hookimpl
def register_protocols(register):
    register("study", ProtocolEntry(name="study", command=None, sweep=_study_run))


@hookimpl
def register_commands(cli):
    cli.add_command(study)
