"""The fast engine of a population's step on CUDA: the plain engine's torch ops, plus one Triton pass
over W_rec_main.

On a GPU, as on the CPU, the step at n_main = 10,000 is memory-bound: W_rec_main is 400 MB and a
learning step must read and write it once. One kernel does that (``triton_kernels.oja_pass``): it
applies Oja's rule and the weight noise (drawn inside the pass from each agent's counter-based
stream) and computes, from the updated rows, ``W_rec_main @ main``: the next step's recurrent input.
No temporary of the matrix's size exists. W_rec_emo takes the same kernel (Oja + noise, no product:
one launch for the population). The rest of the step (fields, traces, energy, Oja on W_in_main and
W_main_emo) is the plain engine's torch code (``advance_fields``), a few percent of the traffic; the
noise and energy models are always called through the population. Float32 only (``engine_for`` picks
the plain engine otherwise). What it keeps from the plain engine: ``emergence.fields.engines``. See
docs/performance.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from . import triton_kernels
from ...agents.oja import normalised, oja_update
from ...agents.rng import draws
from ..plasticity import OjaPlasticity
from .cache import RecurrentInputCache

if TYPE_CHECKING:
    from ..agent import ContinuousEmergeBase

__all__ = ["CudaEngine"]


class CudaEngine(RecurrentInputCache):
    """Advances a ``ContinuousEmergeBase`` population on a CUDA device by the fields, energy and
    plasticity of one step (on CPU tensors too, under Triton's interpreter: that is how it is tested)."""

    def __init__(self, agent: ContinuousEmergeBase):
        P, n_main, n_emo, device = agent.population, agent.config.n_main, agent.config.n_emo, agent.device
        super().__init__(torch.zeros(P, n_main, dtype=agent.dtype, device=device))
        self.fused = type(agent.plasticity) is OjaPlasticity
        # Each agent's stream, as in the plain engine: W_rec_main's numbers, then W_rec_emo's.
        self.stream_offsets = {"W_rec_main": 0, "W_rec_emo": draws(n_main, n_main)}
        self.draws = draws(n_main, n_main) + draws(n_emo, n_emo)
        self.no_learning = torch.zeros(P, dtype=torch.bool, device=device)
        self.no_stream = torch.zeros(P, dtype=torch.int64, device=device)

    def _compute_recurrent(self, agent: ContinuousEmergeBase) -> None:
        main = agent.main
        triton_kernels.oja_pass(
            agent.W_rec_main,
            main,
            main,
            0.0,
            self.no_learning,
            0.0,
            0,
            0,
            self.no_stream,
            self.no_stream,
            main,
            self.recurrent,
            True,
        )

    def advance(self, agent: ContinuousEmergeBase, code: torch.Tensor, xi: torch.Tensor) -> None:
        """Fields, traces, energy and plasticity of one step (``ContinuousEmergeBase.step`` does the rest)."""
        a = agent
        if not self.fused:  # another rule: the plain step as it is
            a.advance_fields(code, xi)
            a.apply_plasticity(a.learning)
            return
        for name in self.stream_offsets:  # the kernel's matrices: contiguous
            if not getattr(a, name).is_contiguous():
                setattr(a, name, getattr(a, name).contiguous())
        a.advance_fields(code, xi, self.recurrent_product(a))

        rule, learning = a.plasticity, a.learning
        c, sd, on = rule.config, rule.noise_sd, learning.to(a.dtype)
        every, phase = (c.weight_noise_every, a.step_index % c.weight_noise_every) if sd > 0 else (0, 0)
        stream = a.weight_noise.state.to(a.device)  # (P, 2): key, counter of each agent's stream
        for name, pre, post, eta in rule.synapses(a):
            W = getattr(a, name)
            if name not in self.stream_offsets:
                oja_update(W, pre, post, eta * on, c.oja_post)
                continue
            x, y = normalised(pre, post, c.oja_post)
            dot = name == "W_rec_main"  # its pass also computes the next step's recurrent input
            triton_kernels.oja_pass(
                W,
                x,
                y,
                eta,
                learning,
                sd,
                every,
                phase,
                stream[:, 0],
                stream[:, 1] + self.stream_offsets[name],
                a.main,
                self.recurrent,
                dot,
            )
        if sd > 0:
            a.weight_noise.skip(self.draws)
        self._mark_current(a)
