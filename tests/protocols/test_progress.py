"""Progress of a sweep outside a terminal (nohup, SLURM, a pipe): plain lines while it grows, counting
pair-steps; Ctrl-C says that the folder is kept and how to resume it."""

import io
import json

from emergence.cli import main
from emergence_protocols.twins.progress import PlainProgress

SIZES = [
    "--n-main",
    "40",
    "--n-emo",
    "8",
    "--runs",
    "2",
    "--steps",
    "40",
    "--checkpoint-every",
    "10",
    "--snapshot-every",
    "5",
]


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _progress(total=1000, runs=4):
    stream, clock = io.StringIO(), Clock()
    return PlainProgress(runs, total, stream=stream, clock=clock), stream, clock


class TestPlainProgress:
    def test_a_line_at_each_tenth_grown(self):
        """A line when the pair-steps cross a tenth of the sweep (several at once: one line), with the
        runs finished, the rate and the time left."""
        show, stream, clock = _progress()
        for t, (steps, finished) in enumerate(((0, 0), (50, 0), (100, 0), (150, 0), (350, 1), (1000, 4))):
            clock.now = 5 * t
            show(steps, finished)
        assert stream.getvalue().splitlines() == [
            "100/1,000 pair-steps (10%), 0/4 runs finished, 10 pair-steps/s, 0:00:10 elapsed, about 0:01:30 left",
            "350/1,000 pair-steps (35%), 1/4 runs finished, 18 pair-steps/s, 0:00:20 elapsed, about 0:00:37 left",
            "1,000/1,000 pair-steps (100%), 4/4 runs finished, 40 pair-steps/s, 0:00:25 elapsed",
        ]

    def test_a_line_every_30_seconds_while_nothing_grows(self):
        """While no tenth is crossed (a long chunk, kernels compiling), a line every 30 s says it is alive."""
        show, stream, clock = _progress()
        show(0, 0)
        for _ in range(4):
            clock.now += 20
            show(10, 0)
        assert stream.getvalue().count("10/1,000 pair-steps (1%)") == 2

    def test_nothing_for_a_finished_sweep(self):
        """A sweep already grown (re-run to rebuild its report) prints no progress line."""
        show, stream, clock = _progress()
        show(1000, 4)
        clock.now += 5
        show(1000, 4)
        assert stream.getvalue() == ""

    def test_a_resumed_sweep_counts_from_where_it_was(self):
        """The rate counts what grew since the re-run started, not what was there before."""
        show, stream, clock = _progress()
        show(500, 2)
        clock.now = 10
        show(600, 2)
        assert "600/1,000 pair-steps (60%), 2/4 runs finished, 10 pair-steps/s" in stream.getvalue()


class TestCommandLine:
    def test_a_piped_sweep_prints_plain_progress_lines(self, tmp_path, capsys):
        """Under a pipe (as here: not a terminal) the sweep prints plain progress lines on stderr, the
        last one the whole sweep."""
        assert main(["protocol", "twins", *SIZES, "--out", str(tmp_path / "x")]) == 0
        err = capsys.readouterr().err
        assert "80/80 pair-steps (100%), 2/2 runs finished" in err and "\x1b[" not in err

    def test_ctrl_c_says_the_folder_is_kept_and_resumes(self, tmp_path, capsys, monkeypatch):
        """Ctrl-C mid-sweep: exit 1 and a line saying what was written is kept and that re-running the same
        command resumes; re-running it finishes the sweep to the same numbers as one never stopped."""
        from emergence.fields.agent import ContinuousEmergeBase

        original, calls = ContinuousEmergeBase.step, [0]

        def interrupted(self):
            calls[0] += 1
            if calls[0] == 30:
                raise KeyboardInterrupt
            original(self)

        monkeypatch.setattr(ContinuousEmergeBase, "step", interrupted)
        out, straight = tmp_path / "stopped", tmp_path / "straight"
        assert main(["protocol", "twins", *SIZES, "--out", str(out)]) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert err[-1].startswith("aborted") and "kept" in err[-1] and "re-running the same command resumes" in err[-1]
        monkeypatch.setattr(ContinuousEmergeBase, "step", original)
        assert main(["protocol", "twins", *SIZES, "--out", str(out)]) == 0
        assert main(["protocol", "twins", *SIZES, "--out", str(straight)]) == 0
        resumed, expected = (json.loads((d / "summary.json").read_text()) for d in (out, straight))
        assert resumed == expected
