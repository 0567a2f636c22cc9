"""The first run on a machine says why it waits: numba compiling the fast engine's kernels."""

import subprocess
import sys

# Compiles of two kernels and of another module's function, announced as numba announces them.
SCRIPT = """
import sys

from numba import njit
from numba.core import event

from emergence.fields.engines import cpu, kernels


@njit
def elsewhere(x):
    return x


for dispatcher in (elsewhere, kernels.fields_step, kernels.oja_pass):
    with event.trigger_event("numba:compile", data=dict(dispatcher=dispatcher, args=(), return_type=None)):
        pass
    print(f"compiled {dispatcher.__name__}", file=sys.stderr)
"""


class TestCompileNotice:
    def test_says_once_when_the_kernels_compile(self):
        """A process that compiles the kernels says so in one line on stderr, once, and not for a
        function of another module."""
        from emergence.fields.engines.notice import NOTICE

        result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr[-3000:]
        assert result.stderr.splitlines()[-4:] == [
            "compiled elsewhere",
            NOTICE,
            "compiled fields_step",
            "compiled oja_pass",
        ]
