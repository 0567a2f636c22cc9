"""Check a results folder: every expected part present and matching the index, every committed
checkpoint matching its marker. What ``emergence check DIR`` prints, and what ``report`` runs first."""

from __future__ import annotations

from pathlib import Path

from .markers import committed, verified_files
from .index import FolderIndex
from .layout import TWINS, expected_parts, read_manifest
from .storage import ResultsError

__all__ = ["check_folder", "summarise"]


def check_folder(out: str | Path, checkpoints: bool = True) -> list[str]:
    """One line per problem (empty: the folder is complete and valid); ``checkpoints`` verifies those too."""
    out = Path(out)
    try:
        config = read_manifest(out)["config"]
        index = FolderIndex.load(out)
    except ResultsError as err:
        return [str(err)]
    problems = []
    for path in expected_parts(out, config):
        problem = index.problem(path)
        if problem:
            problems.append(f"{path.relative_to(out)}: {problem}")
    if checkpoints:
        chunks = sorted((out / "checkpoints").glob("chunk-*"))
        for chunk in (c for c in chunks if c.name[6:].isdigit()):
            for _, folder in committed(out, int(chunk.name[6:])):
                try:
                    verified_files(folder, TWINS)
                except ResultsError as err:
                    problems.append(str(err).replace(f"{out}/", "", 1))
    return problems


def summarise(out: str | Path, problems: list[str]) -> str:
    """The problems of a folder in one line, with what to do."""
    more = f" (and {len(problems) - 1} more: `emergence check {out}` lists them)" if len(problems) > 1 else ""
    return f"{out}: {problems[0]}{more}; re-run the sweep's command to resume and rebuild what is missing"
