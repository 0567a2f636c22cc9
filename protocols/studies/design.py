"""A study's grid: its conditions, each condition's sweep options and folder, a study file (TOML)."""

from __future__ import annotations

import tomllib
from itertools import product
from pathlib import Path
from typing import Any

from attrs import fields_dict

from emergence.config import ConfigError
from emergence.contract import Study

from ..twins.settings import TwinsConfig

__all__ = ["conditions", "folder_name", "split_options", "axis_name", "load_study"]

PROTOCOL_FIELDS = set(fields_dict(TwinsConfig)) - {"agent", "substrate"}


def axis_name(study: Study) -> list[str]:
    """The axes of the comparison: each axis, or one composite ``x+y`` axis when zipped."""
    return ["+".join(study.axes)] if study.zipped and study.axes else list(study.axes)


def conditions(study: Study) -> list[dict[str, Any]]:
    """Every condition as field -> value: the axes crossed, or zipped."""
    names = list(study.axes)
    combos = zip(*study.axes.values()) if study.zipped else product(*study.axes.values())
    return [dict(zip(names, combo)) for combo in combos]


def folder_name(condition: dict[str, Any]) -> str:
    """``a=hrls,init=same``: the condition's folder; a study without axes has one, ``all``."""
    return ",".join(f"{k}={v}" for k, v in condition.items()) or "all"


def split_options(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(options of the twins protocol, fields of the agent's config) of a condition or a study's base."""
    options = {k: v for k, v in values.items() if k in PROTOCOL_FIELDS}
    return options, {k: v for k, v in values.items() if k not in PROTOCOL_FIELDS}


def load_study(path: Path) -> Study:
    """A study from a TOML file: ``name``, ``question``, ``zipped``, ``split``, tables ``[base]`` and ``[axes]``."""
    try:
        data = tomllib.loads(Path(path).read_text())
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise ConfigError(f"study file {path}: {err}") from None
    unknown = set(data) - {"name", "question", "zipped", "split", "base", "axes"}
    if unknown:
        raise ConfigError(
            f"study file {path}: unknown key(s) {', '.join(sorted(unknown))}; "
            "known: name, question, zipped, split, base, axes"
        )
    try:
        return Study(
            name=data.get("name", Path(path).stem),
            question=data.get("question", ""),
            axes=data.get("axes", {}),
            zipped=bool(data.get("zipped", False)),
            base=data.get("base", {}),
            split=data.get("split", ""),
        )
    except (TypeError, ValueError) as err:
        raise ConfigError(f"study file {path}: {err}") from None
