"""The results folder: atomic storage, its layout, index, lock and check; checkpoints (``checkpoint``,
``commits``) and the recorder (``recorder``) import torch and are imported from their modules."""

from .check import check_folder, summarise
from .index import INDEX, FolderIndex
from .layout import (
    STEP_COLUMNS, TWINS, emotion_data, expected_parts, read_manifest, read_snapshots, read_steps, run_arrays,
    snapshot_part_path, step_part_path, window_parts, write_table,
)
from .lock import ChunkLock, FolderLock
from .names import foreign_entries, remove_temporaries
from .storage import ResultsError, atomic_write, read_json, sha256, write_json

__all__ = [
    "STEP_COLUMNS", "TWINS", "emotion_data", "expected_parts", "read_manifest", "read_snapshots", "read_steps",
    "run_arrays", "snapshot_part_path", "step_part_path", "window_parts", "write_table", "ResultsError",
    "atomic_write", "read_json", "remove_temporaries", "foreign_entries", "sha256", "write_json", "FolderIndex",
    "INDEX", "FolderLock", "ChunkLock", "check_folder", "summarise",
]
