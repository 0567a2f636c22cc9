"""One line when numba compiles the fast CPU engine's kernels: a machine's first run waits minutes for
that, and nothing else would say why (numba then caches them on disk; later runs load them at once)."""

from __future__ import annotations

import sys

from numba.core import event

__all__ = ["NOTICE", "notice_compiles"]

NOTICE = (
    "compiling the fast engine's kernels for this machine, once: up to a few minutes (numba caches them; "
    "later runs start at once)"
)


class _FirstCompile(event.Listener):
    """Says ``NOTICE`` on stderr the first time this process compiles a kernel of ``module``."""

    def __init__(self, module: str):
        self.module, self.said = module, False

    def on_start(self, event_: event.Event) -> None:
        if not self.said and getattr(event_.data["dispatcher"].py_func, "__module__", None) == self.module:
            self.said = True
            print(NOTICE, file=sys.stderr, flush=True)

    def on_end(self, event_: event.Event) -> None:
        pass


def notice_compiles(module: str) -> None:
    """From now on, say ``NOTICE`` once when this process compiles a kernel of ``module`` (a kernel loaded
    from numba's cache is not compiled: nothing is said)."""
    event.register("numba:compile", _FirstCompile(module))
