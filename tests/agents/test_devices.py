"""Where agents compute: the CPU threads of a process."""

import subprocess
import sys


class TestThreads:
    def test_use_threads_holds_as_a_process_first_call(self):
        """use_threads(1) as a fresh process's first call leaves torch on one thread: numba's thread pool,
        which its first call starts, would otherwise set torch's threads back to the machine's."""
        code = (
            "import torch; from emergence.agents.devices import use_threads; use_threads(1); "
            "print(torch.get_num_threads())"
        )
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert result.returncode == 0 and result.stdout.strip() == "1", result.stderr[-2000:]
