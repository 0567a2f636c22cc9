"""A Twins results folder's manifest: written once, and on every resume checked for the same sweep.

Only what changes results identifies a sweep: the chunk size (speed and memory only) may differ
between runs, and the folder keeps the one it was grown with. The code counts too: a resume must run
the emergence version and each scaffold's package, version and settings that grew the folder (where
its manifest records them); the rest of what grew it (git commit, numpy, numba, CPU) is recorded only.
"""

from __future__ import annotations

import sys
from typing import Any

import torch

from emergence.config import ConfigError
from emergence.contract import UnknownPluginError
from emergence.host import installed
from emergence.results import ResultsError, ResultsFolder, write_json
from emergence.results.differences import config_differences
from emergence.results.provenance import cpu, git_commit, package_versions

from .seeds import run_seeds
from .settings import TwinsConfig

__all__ = [
    "manifest_for",
    "open_folder",
    "read_folder",
    "folder_chunk_size",
    "differences",
    "code_differences",
    "NOT_IDENTITY",
]

# Config fields that never change what grows.
NOT_IDENTITY = ("chunk_size", "windows", "burn_in")  # how the folder is read: a re-run may change them


def manifest_for(config: TwinsConfig, chunk_size: int, command_line: list[str], device: torch.device) -> dict:
    catalogue = installed()
    substrate = catalogue.substrates[config.substrate]
    git = git_commit()
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
            **package_versions(),
            **({"git": git} if git else {}),
            "plugins": [dict(name=n, package=p, version=v) for n, p, v in catalogue.sources()],
            "scaffolds": _scaffold_packages(config),
        },
        "cpu": cpu(),
        "command_line": command_line,
    }


def _preset_hint(grown: dict, config: TwinsConfig) -> str:
    """Where a folder's agent is exactly a preset other than the one asked for (a preset renamed or
    changed since it grew): the preset that resumes it."""
    substrate = installed().substrates[grown.get("substrate", config.substrate)]
    then = substrate.nearest_preset(grown["agent"])
    now = substrate.nearest_preset(config.to_dict()["agent"])
    if then["changed"] or (not now["changed"] and now["name"] == then["name"]):
        return ""
    return f"; its agent is the {then['name']} preset's: --preset {then['name']} with its other options resumes it"


def _scaffold_packages(config: TwinsConfig) -> dict[str, dict[str, str]]:
    """Each scaffold of the twins: the plugin that registers it, with that plugin's package and version."""
    catalogue = installed()
    sources = {name: (package, version) for name, package, version in catalogue.sources()}
    packages = {}
    for scaffolds in config.scaffold_settings().values():
        for name in scaffolds:
            plugin = catalogue.scaffolds.owners[name]
            packages[name] = dict(zip(("plugin", "package", "version"), (plugin, *sources[plugin])))
    return packages


def _code(manifest: dict) -> dict[str, str]:
    """What of a manifest's code must match to resume it: emergence's version and each scaffold's package
    and version. An older folder's, as far as its list of plugins tells them (scaffolds by their plugin's
    name); what it does not tell is left out."""
    versions = _dict(manifest.get("versions"))
    plugins = {_dict(row).get("name"): _dict(row) for row in versions.get("plugins", [])}
    code = {}
    if "emergence" in versions or "emergence.fields" in plugins:
        code["emergence"] = versions.get("emergence") or plugins["emergence.fields"].get("version")
    for scaffolds in _dict(manifest.get("scaffold_settings")).values():
        for name in _dict(scaffolds):
            row = _dict(versions.get("scaffolds")).get(name) or plugins.get(name)
            if row:
                code[f"scaffold {name!r}"] = f"{row.get('package')} {row.get('version')}"
    return code


def _dict(value: Any) -> dict:
    """``value`` where it is a dict, else an empty one (a hand-edited manifest's odd entry is not compared)."""
    return value if isinstance(value, dict) else {}


def code_differences(folder: dict, now: dict) -> list[str]:
    """``what: folder's -> this`` for the emergence version, each scaffold's package and version, and
    each scaffold setting, where both manifests record them and they differ."""
    old, new = _code(folder), _code(now)
    changed = [f"{key}: {old[key]} -> {new[key]}" for key in old.keys() & new.keys() if old[key] != new[key]]
    for twin, scaffolds in now["scaffold_settings"].items():
        for name, fields in scaffolds.items():
            was = _dict(_dict(_dict(folder.get("scaffold_settings")).get(twin)).get(name))
            changed += [
                f"{twin}.{name}.{field}: {was[field]!r} -> {value!r}"
                for field, value in fields.items()
                if field in was and was[field] != value
            ]
    return sorted(changed)


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


def read_folder(out: ResultsFolder) -> dict:
    """The manifest of an existing folder, checked for the shape a resume needs (a ResultsError otherwise)."""
    manifest = out.manifest()
    path = out.manifest_path
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


def folder_chunk_size(out: ResultsFolder) -> int | None:
    """The chunk size of the sweep in ``out`` (None: a new folder). Refused before anything is written:
    a path that is not UTF-8 (Parquet cannot write under it) and a folder that holds other files but no
    manifest (a user's folder, never to be written into or cleaned)."""
    try:
        str(out).encode("utf-8")
    except UnicodeEncodeError:
        raise ResultsError(
            f"{str(out)!r} is not a UTF-8 path, which Parquet files cannot be written under; choose "
            "another --out (nothing was written)"
        ) from None
    if out.is_sweep():
        return read_folder(out)["chunk_size"]
    foreign = out.foreign_entries()
    if foreign:
        more = f" and {len(foreign) - 3} more" if len(foreign) > 3 else ""
        raise ResultsError(
            f"{out} is not a results folder (it holds {', '.join(foreign[:3])}{more} and no "
            f"{out.manifest_path.name}); choose a new or empty --out (nothing was touched)"
        )
    return None


def open_folder(
    config: TwinsConfig, out: ResultsFolder, chunk_size: int, command_line: list[str], device: torch.device
) -> dict:
    """Create the manifest, or accept an existing one only if it holds a sweep with the same results
    (a refusal names each differing field) grown on the same kind of device (a checkpoint's generator
    states belong to their device) by the same code (``code_differences``)."""
    if not out.is_sweep():
        manifest = manifest_for(config, chunk_size, command_line, device)
        write_json(out.manifest_path, manifest)
        return manifest
    manifest = read_folder(out)
    grown = _with_defaults(manifest["config"])
    changed = differences(grown, config.to_dict())
    if changed:
        raise ResultsError(
            f"{out} holds a sweep with a different configuration ({'; '.join(changed)}){_preset_hint(grown, config)}; "
            "choose another --out (nothing was overwritten)"
        )
    grown_on = manifest.get("device", "cpu")
    if torch.device(grown_on).type != device.type:
        raise ResultsError(f"{out} was grown on {grown_on}; resume it with --device {grown_on}")
    changed = code_differences(manifest, manifest_for(config, chunk_size, command_line, device))
    if changed:
        raise ResultsError(
            f"{out} was grown by other code ({'; '.join(changed)}); install what grew it to resume it, "
            "or choose another --out (nothing was overwritten)"
        )
    return manifest
