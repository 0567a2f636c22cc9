"""The results folder: atomic storage, its layout and readers; checkpoints (``checkpoint``) and the
recorder (``recorder``) import torch and are imported from their modules."""

from .layout import (
    STEP_COLUMNS, TWINS, emotion_data, read_manifest, read_snapshots, read_steps, run_arrays, snapshot_part_path,
    step_part_path, write_table,
)
from .storage import ResultsError, atomic_write, read_json, write_json

__all__ = [
    "STEP_COLUMNS", "TWINS", "emotion_data", "read_manifest", "read_snapshots", "read_steps", "run_arrays",
    "snapshot_part_path", "step_part_path", "write_table", "ResultsError", "atomic_write", "read_json", "write_json",
]
