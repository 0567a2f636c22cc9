"""``emergence new scaffold|metric NAME``: write a small installable plugin package to start from.

The package (``emergence-NAME/``) holds a ``pyproject.toml`` with the ``emergence`` entry point, the
plugin module ``emergence_NAME.py`` (a working scaffold or metric with its attrs settings), a README
and tests that run the conformance suite. ``pip install -e emergence-NAME`` makes it usable by name.
"""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path
from string import Template

from ..host import installed

__all__ = ["KINDS", "StarterError", "write_package"]

KINDS = ("scaffold", "metric")
NAME = re.compile(r"[a-z][a-z0-9_]*\Z")


class StarterError(ValueError):
    """A package cannot be written (a bad name, an installed one, an existing folder); the message says
    what to change."""


def write_package(kind: str, name: str, parent: str | Path = ".") -> Path:
    """Write the starter package of a ``kind`` plugin called ``name`` under ``parent``; returns its folder.
    A name an installed plugin, scaffold or metric has is refused: installed, the new package would
    collide with it."""
    if kind not in KINDS:
        raise StarterError(f"unknown kind {kind!r}; known: {', '.join(KINDS)}")
    if not NAME.match(name):
        raise StarterError(f"NAME must be a lowercase Python identifier (a-z, 0-9, _; a letter first), got {name!r}")
    catalogue = installed()
    for taken, names in (
        ("plugin", [row[0] for row in catalogue.sources()]),
        ("scaffold", catalogue.scaffolds.names()),
        ("emotion metric", catalogue.metrics.names()),
    ):
        if name in names:
            raise StarterError(
                f"{name!r} is the name of an installed {taken} (see `emergence plugins`); choose another NAME"
            )
    folder = Path(parent) / f"emergence-{name}"
    if folder.exists():
        raise StarterError(f"{folder} already exists; choose another NAME or remove that folder")
    values = dict(
        name=name,
        dist=f"emergence-{name}",
        module=f"emergence_{name}",
        Class="".join(part.capitalize() for part in name.split("_")),
    )
    templates = files(__name__) / kind
    targets = {
        "pyproject.toml": "pyproject.toml",
        "README.md": "README.md",
        "module.py.tmpl": f"emergence_{name}.py",
        "tests/test_module.py.tmpl": f"tests/test_{name}.py",
    }
    for source, target in targets.items():
        path = folder / target
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Template(templates.joinpath(source).read_text()).substitute(values))
    return folder
