"""What grew a results folder, for its manifest: the versions of the packages that shape its numbers, the
git commit of the checkout emergence runs from (and whether it had uncommitted changes), and the CPU
(the compiled kernels are built for its instruction set)."""

from __future__ import annotations

import platform
import subprocess
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

__all__ = ["PACKAGES", "package_versions", "git_commit", "cpu"]

PACKAGES = ("emergence", "numpy", "numba", "scipy")


def package_versions() -> dict[str, str]:
    """The installed version of each of ``PACKAGES`` that is installed."""
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            continue
    return versions


@cache
def git_commit() -> dict | None:
    """``{"commit": SHA, "dirty": bool}`` of the git checkout emergence runs from (None: it runs from an
    installed copy, or git cannot tell); ``dirty``: tracked files differ from the commit."""
    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists():
        return None

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, timeout=30, check=True
        ).stdout.strip()

    try:
        return {"commit": git("rev-parse", "HEAD"), "dirty": bool(git("status", "--porcelain", "--untracked-files=no"))}
    except (OSError, subprocess.SubprocessError):
        return None


@cache
def cpu() -> dict:
    """The CPU's model and instruction-set flags (from Linux's /proc/cpuinfo; elsewhere the platform's
    name and no flags)."""
    info: dict[str, str] = {}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            info.setdefault(key.strip(), value.strip())
    except OSError:
        pass
    return {
        "model": info.get("model name") or platform.processor() or platform.machine(),
        "flags": sorted(info.get("flags", info.get("Features", "")).split()),
    }
