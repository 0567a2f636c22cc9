"""The results folder: the ``ResultsFolder`` that owns its layout, atomic storage, its tables, index and
locks; checkpoints (``checkpoint``, ``commits``) and the recorder (``recorder``) import torch and are
imported from their modules."""

from .folder import ChunkFolder, ResultsFolder
from .index import INDEX, FolderIndex
from .layout import STEP_COLUMNS, TWINS, emotion_data, run_arrays, write_table
from .lock import ChunkLock, FolderLock
from .storage import ResultsError, atomic_write, read_json, sha256, write_json

__all__ = [
    "ResultsFolder",
    "ChunkFolder",
    "STEP_COLUMNS",
    "TWINS",
    "emotion_data",
    "run_arrays",
    "write_table",
    "ResultsError",
    "atomic_write",
    "read_json",
    "sha256",
    "write_json",
    "FolderIndex",
    "INDEX",
    "FolderLock",
    "ChunkLock",
]
