"""An exclusive lock on a results folder, so two processes never write one folder at once.

``DIR/.lock`` is locked with ``fcntl.flock`` and holds the holder's pid and host. The kernel releases
the lock when its process ends, however it ends, so a lock file left by a dead process is simply taken
over. The lock is re-entrant within a process (a sweep that analyses its own folder).
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from pathlib import Path

from .storage import ResultsError

__all__ = ["FolderLock", "LOCK_FILE"]

LOCK_FILE = ".lock"
_held: dict[Path, list] = {}  # folder -> [fd, depth]


class FolderLock:
    """``with FolderLock(out):`` holds ``out`` (created if needed) or raises a ResultsError naming the holder."""

    def __init__(self, out: str | os.PathLike):
        self.out = Path(out).resolve()

    def __enter__(self) -> FolderLock:
        if self.out in _held:
            _held[self.out][1] += 1
            return self
        path = self.out / LOCK_FILE
        try:
            self.out.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as err:
            raise ResultsError(f"{self.out}: could not create the results folder ({err.strerror or err})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 4096, 0).decode("utf-8", "replace")
            os.close(fd)
            raise ResultsError(f"{self.out} is in use by {_describe(holder)}; wait for it to finish or choose another "
                               "folder") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "since": time.time()}).encode(), 0)
        _held[self.out] = [fd, 1]
        return self

    def __exit__(self, *exc) -> None:
        entry = _held[self.out]
        entry[1] -= 1
        if entry[1] == 0:
            del _held[self.out]
            os.ftruncate(entry[0], 0)
            os.close(entry[0])  # closing the descriptor releases the lock


def _describe(holder: str) -> str:
    try:
        info = json.loads(holder)
        since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info["since"]))
        return f"process {info['pid']} on {info['host']} (since {since})"
    except (ValueError, KeyError, TypeError):
        return "another process"
