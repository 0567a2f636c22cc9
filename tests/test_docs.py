"""The docs stay true: every hook is documented with its exact signature; the README's commands name
installed plugins."""

import inspect
import re
from pathlib import Path

import pytest

from emergence.contract import hookspecs

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
HOOKS = [name for name, obj in vars(hookspecs).items() if hasattr(obj, "emergence_spec")]


class TestHookDocs:
    @pytest.mark.parametrize("name", HOOKS)
    def test_every_hook_is_documented_with_its_signature(self, name):
        """docs/hooks.md has a section per hook showing its exact parameters."""
        text = (DOCS / "hooks.md").read_text()
        params = ", ".join(inspect.signature(getattr(hookspecs, name)).parameters)
        assert f"## {name}\n" in text and f"`{name}({params})`" in text

    def test_no_documented_hook_is_missing_from_the_specs(self):
        """Every section of docs/hooks.md is a real hook."""
        sections = [line[3:] for line in (DOCS / "hooks.md").read_text().splitlines() if line.startswith("## ")]
        assert sorted(sections) == sorted(HOOKS)


class TestReadme:
    def test_every_scaffold_it_names_is_installed(self):
        """Each `--a NAME` and `--b NAME` of the README (with or without settings) runs as written: the
        scaffold is installed with the project, not one a tutorial writes."""
        from emergence.host import installed

        named = set(re.findall(r"--[ab][ =]([a-z_]+)", (ROOT / "README.md").read_text()))
        assert named and named <= set(installed().scaffolds.names())
