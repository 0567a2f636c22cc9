"""The docs stay true: every hook is documented with its exact signature."""

import inspect
from pathlib import Path

import pytest

from emergence.contract import hookspecs

DOCS = Path(__file__).resolve().parent.parent / "docs"
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
