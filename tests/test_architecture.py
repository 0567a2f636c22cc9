"""The shape of the core: its layers (import-linter), no import cycle, a small top level, a public API."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE = ROOT / "emergence"


def _imports() -> dict[str, set[str]]:
    """Module -> the core modules it imports, every import statement counted (function-local ones too)
    except those under ``if TYPE_CHECKING:``."""
    modules = {}
    for path in CORE.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = (path, parts[-1] == "__init__")
    graph = {}
    for name, (path, is_package) in modules.items():
        tree = ast.parse(path.read_text())
        skipped = {
            id(n)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for child in node.body
            for n in ast.walk(child)
        }
        base = name if is_package else name.rpartition(".")[0]
        targets = set()
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            if isinstance(node, ast.ImportFrom):
                prefix = ".".join(base.split(".")[: len(base.split(".")) - node.level + 1]) if node.level else ""
                module = ".".join(p for p in (prefix, node.module or "") if p)
                targets |= {module, *(f"{module}.{alias.name}" for alias in node.names)}
            elif isinstance(node, ast.Import):
                targets |= {alias.name for alias in node.names}
        resolved = set()
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name and not name.startswith(target + "."):
                resolved.add(target)
        graph[name] = resolved
    return graph


class TestLayers:
    @pytest.mark.skipif(shutil.which("lint-imports") is None, reason="import-linter is not installed")
    def test_import_linter_contracts_hold(self):
        """`lint-imports` keeps every contract of pyproject.toml (the layers; analysis never imports torch)."""
        result = subprocess.run(["lint-imports", "--no-cache"], cwd=ROOT, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr

    def test_no_import_cycle(self):
        """No module of the core reaches itself through imports, counting function-local ones."""
        graph = _imports()
        state: dict[str, int] = {}

        def visit(module: str, path: list[str]) -> None:
            state[module] = 1
            for target in graph[module]:
                assert state.get(target) != 1, "import cycle: " + " -> ".join(path + [target])
                if target not in state:
                    visit(target, path + [target])
            state[module] = 2

        for module in graph:
            if module not in state:
                visit(module, [module])

    def test_top_level_is_small(self):
        """At most a dozen modules at the top of emergence/; the rest lives in the layer packages."""
        assert len(list(CORE.glob("*.py"))) <= 12


class TestPublicApi:
    def test_public_names_import(self):
        """The names a researcher reaches for are on `emergence` itself, listed in __all__."""
        import emergence
        from emergence import AgentConfig, ContinuousEmergeBase, hookimpl, load, twins  # noqa: F401

        for name in emergence.__all__:
            assert getattr(emergence, name) is not None

    def test_import_is_light(self):
        """`import emergence` loads no torch (the agents import it when first built)."""
        code = "import sys, emergence; print('torch' in sys.modules)"
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        assert result.stdout.strip() == "False"
