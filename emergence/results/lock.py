"""Exclusive locks on a results folder, so two processes never write one folder (or one chunk) at once.

``DIR/.lock`` is the folder's, held by the process that drives a sweep; ``DIR/.chunk-CCC.lock`` a
chunk's, held by the worker growing it. Each is locked with ``fcntl.flock`` and holds the holder's pid
and host. The kernel releases a lock when its process ends, however it ends, so a lock file left by a
dead process is simply taken over (a shared folder must support ``flock``: a local disk, NFSv4, Lustre
or BeeGFS mounted with flock). A lock is re-entrant within a process (a sweep that analyses its own
folder).
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from pathlib import Path

from .storage import ResultsError

__all__ = ["FolderLock", "ChunkLock", "LOCK_FILE", "chunk_lock_path"]

LOCK_FILE = ".lock"
_held: dict[Path, list] = {}  # lock file -> [fd (None: no file to hold), depth, whether this process wrote it]


def chunk_lock_path(out: str | os.PathLike, chunk: int) -> Path:
    return Path(out) / f".chunk-{chunk:03d}.lock"


class FolderLock:
    """``with FolderLock(out):`` holds ``out`` (created if needed) or raises a ResultsError naming the holder.
    ``reading``: a reader's hold, which a folder this process cannot write (a read-only or full disk,
    another user's folder) does not refuse: its lock file is held without this process's name, or nothing
    is held when there is no lock file (no writer holds the folder)."""

    def __init__(self, out: str | os.PathLike, reading: bool = False):
        self.out = Path(out).resolve()
        self.path = self.out / LOCK_FILE
        self.reading = reading

    def _open(self) -> tuple[int | None, bool]:
        """The lock file's descriptor and whether it is writable (a reader: read-only, or None without one)."""
        try:
            self.out.mkdir(parents=True, exist_ok=True)
            return os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666), True
        except OSError as err:
            if not self.reading or not self.out.is_dir():
                raise ResultsError(f"{self.out}: could not create the results folder ({err.strerror or err})") from None
        try:
            return os.open(self.path, os.O_RDONLY), False
        except FileNotFoundError:
            return None, False
        except OSError as err:
            raise ResultsError(f"{self.path}: could not read the lock ({err.strerror or err})") from None

    def busy(self, holder: str) -> str:
        return f"{self.out} is in use by {holder}; wait for it to finish or choose another folder"

    def __enter__(self):
        if self.path in _held:
            _held[self.path][1] += 1
            return self
        fd, writable = self._open()
        if fd is None:
            _held[self.path] = [None, 1, False]
            return self
        try:
            fcntl.flock(fd, (fcntl.LOCK_EX if writable else fcntl.LOCK_SH) | fcntl.LOCK_NB)  # read-only: shared
        except BlockingIOError:
            found = os.pread(fd, 4096, 0).decode("utf-8", "replace")
            os.close(fd)
            raise ResultsError(self.busy(_describe(found))) from None
        try:
            if writable:
                os.ftruncate(fd, 0)
                os.pwrite(
                    fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "since": time.time()}).encode(), 0
                )
        except OSError as err:
            if not self.reading:
                os.close(fd)
                raise ResultsError(f"{self.path}: could not write the lock ({err.strerror or err})") from None
            writable = False  # a full disk: held without this process's name
        _held[self.path] = [fd, 1, writable]
        return self

    def __exit__(self, *exc) -> None:
        entry = _held[self.path]
        entry[1] -= 1
        if entry[1] == 0:
            del _held[self.path]
            fd, _, writable = entry
            if writable:
                os.ftruncate(fd, 0)
            if fd is not None:
                os.close(fd)  # closing the descriptor releases the lock


class ChunkLock(FolderLock):
    """``with ChunkLock(out, chunk):`` holds one chunk of the folder, or a ResultsError naming the holder."""

    def __init__(self, out: str | os.PathLike, chunk: int):
        super().__init__(out)
        self.chunk, self.path = chunk, chunk_lock_path(self.out, chunk)

    def busy(self, holder: str) -> str:
        return f"chunk {self.chunk} of {self.out} is being grown by {holder}; wait for it to finish"


def _describe(holder: str) -> str:
    try:
        info = json.loads(holder)
        since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info["since"]))
        return f"process {info['pid']} on {info['host']} (since {since})"
    except (ValueError, KeyError, TypeError):
        return "another process"
