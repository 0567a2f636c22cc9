"""What grew a results folder, for its manifest: the versions of the packages that shape its numbers, the
git commit of the checkout emergence runs from (and whether it had uncommitted changes), and the CPU
(the compiled kernels are built for its instruction set); and ``machine``, the short record of what a
run's numbers depend on beyond its configuration, which each chunk keeps for the steps it grew."""

from __future__ import annotations

import os
import platform
import subprocess
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

__all__ = ["PACKAGES", "VECTOR_EXTENSIONS", "package_versions", "git_commit", "cpu", "machine", "manifest_machine"]

PACKAGES = ("emergence", "numpy", "numba", "scipy")
# The CPU's vector extensions that change how the compiled kernels round, widest first.
VECTOR_EXTENSIONS = ("avx512f", "avx2", "avx", "sse4_2", "neon", "asimd")


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


def _widest(flags) -> str:
    flags = set(flags)
    return next((f for f in VECTOR_EXTENSIONS if f in flags), "other")


def machine(device: str) -> dict:
    """What a run grown here depends on beyond its configuration, as a stand-in: the device (as
    described by the caller: its type, and for a GPU its model), the widest vector extension of the CPU
    the kernels are compiled for (the CPU numba is told to compile for, where ``NUMBA_CPU_NAME`` says),
    and the numeric packages. Two machines that differ in one may round differently, and the dynamics
    make a run grown on each another draw."""
    versions = package_versions()
    target = os.environ.get("NUMBA_CPU_NAME")
    try:
        torch = version("torch")  # what torch.__version__ says, without importing torch here
    except PackageNotFoundError:
        torch = None
    return {
        "device": device,
        "cpu vectors": f"{target} (NUMBA_CPU_NAME)" if target else _widest(cpu()["flags"]),
        "numba": versions.get("numba"),
        "torch": torch,
        "numpy": versions.get("numpy"),
    }


def manifest_machine(manifest: dict) -> dict:
    """``machine`` as a folder's manifest records it (the machine that started the folder)."""
    versions = manifest.get("versions", {})
    return {
        "device": str(manifest.get("device", "")).split(":")[0] or None,
        "cpu vectors": _widest(manifest.get("cpu", {}).get("flags", ())),
        **{name: versions.get(name) for name in ("numba", "torch", "numpy")},
    }
