"""A Twins results folder's manifest: written once, and on every resume checked for the same sweep.

Only what changes results identifies a sweep: the chunk size (speed and memory only) may differ
between runs, and the folder keeps the one it was grown with.
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch

from emergence.config import ConfigError
from emergence.contract import UnknownPluginError
from emergence.host import installed
from emergence.results import ResultsError, read_manifest, write_json
from emergence.results.differences import config_differences

from .seeds import run_seeds
from .settings import TwinsConfig

__all__ = ["manifest_for", "open_folder", "read_folder", "differences", "NOT_IDENTITY"]

# Config fields that never change what grows.
NOT_IDENTITY = ("chunk_size", "windows", "burn_in")  # how the folder is read: a re-run may change them


def manifest_for(config: TwinsConfig, chunk_size: int, command_line: list[str], device: torch.device) -> dict:
    catalogue = installed()
    substrate = catalogue.substrates[config.substrate]
    return {
        "protocol": "twins",
        "substrate": config.substrate,
        "device": str(device),
        "engine": substrate.engine(config.agent, device),
        "config": config.to_dict(),
        "scaffold_settings": config.scaffold_settings(),
        "seeds": run_seeds(config),
        "chunk_size": chunk_size,
        "weight_noise_mode": substrate.weight_noise_mode(config.agent),
        "versions": {
            "python": sys.version.split()[0],
            "torch": torch.__version__,
            "plugins": [dict(name=n, package=p, version=v) for n, p, v in catalogue.sources()],
        },
        "command_line": command_line,
    }


def _with_defaults(values: dict) -> dict:
    """A folder's config with any field added since it was written at its default, which reproduces what
    grew before the field existed; the config as written where it no longer parses."""
    try:
        return TwinsConfig.from_dict(values).to_dict()
    except (ConfigError, KeyError, TypeError, ValueError):
        return values


def differences(folder: dict, now: dict) -> list[str]:
    """``field: folder value -> this value`` for each config field that changes results and differs."""
    return config_differences(folder, now, ignore=NOT_IDENTITY)


def read_folder(out: Path) -> dict:
    """The manifest of an existing folder, checked for the shape a resume needs (a ResultsError otherwise)."""
    manifest = read_manifest(out)
    path = Path(out) / "manifest.json"
    size, device = manifest.get("chunk_size"), manifest.get("device", "cpu")
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise ResultsError(f"{path}: chunk_size must be a positive integer, got {size!r}; the file is damaged")
    try:
        torch.device(device)
    except (RuntimeError, TypeError):
        raise ResultsError(f"{path}: unknown device {device!r}; the file is damaged") from None
    try:
        TwinsConfig.from_dict(manifest["config"])
    except (ConfigError, UnknownPluginError, KeyError, TypeError, AttributeError) as err:
        raise ResultsError(f"{path}: its config is not valid ({err}); the file is damaged") from None
    return manifest


def open_folder(config: TwinsConfig, out: Path, chunk_size: int, command_line: list[str], device: torch.device) -> dict:
    """Create the manifest, or accept an existing one only if it holds a sweep with the same results
    (a refusal names each differing field) grown on the same kind of device (a checkpoint's generator
    states belong to their device)."""
    if not (out / "manifest.json").exists():
        manifest = manifest_for(config, chunk_size, command_line, device)
        write_json(out / "manifest.json", manifest)
        return manifest
    manifest = read_folder(out)
    changed = differences(_with_defaults(manifest["config"]), config.to_dict())
    if changed:
        raise ResultsError(f"{out} holds a sweep with a different configuration ({'; '.join(changed)}); choose "
                           "another --out (nothing was overwritten)")
    grown_on = manifest.get("device", "cpu")
    if torch.device(grown_on).type != device.type:
        raise ResultsError(f"{out} was grown on {grown_on}; resume it with --device {grown_on}")
    return manifest
