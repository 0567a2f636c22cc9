"""The fast engine of a population's step on CPU: numba kernels, in place, one pass over W_rec_main.

At n_main = 10,000 the step is memory-bound: W_rec_main is 400 MB and a learning step must read and
write it once. The fast engine does exactly that: a single sweep over W_rec_main applies Oja's rule
(and the weight noise, generated inside the sweep from the agent's counter-based stream) and computes,
from the updated rows, ``W_rec_main @ main``: the recurrent input of the *next* step. Every other
matrix is at most a few percent of that traffic. Buffers are allocated once; no temporary of matrix
size exists. The default noise and energy models are computed inside the kernels too; a plugin's are
called through the population (and checked before a kernel reads what they give: the kernels index
without bounds checks). What it keeps from the plain engine: ``emergence.fields.engines``. See
docs/performance.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch

from . import kernels
from ...agents.dynamics import StateDependentNoise
from ...agents.energy import HomeostaticEnergy
from ...agents.rng import draws
from ..plasticity import OjaPlasticity
from .cache import RecurrentInputCache
from .notice import notice_compiles

if TYPE_CHECKING:
    from ..agent import ContinuousEmergeBase

__all__ = ["CpuEngine"]

notice_compiles(kernels.__name__)  # a machine's first run compiles the kernels: say why it waits


class CpuEngine(RecurrentInputCache):
    """Advances a ``ContinuousEmergeBase`` population by the fields, energy and plasticity of one step."""

    def __init__(self, agent: ContinuousEmergeBase):
        c = agent.config
        P = agent.population
        T = np.float32 if agent.dtype == torch.float32 else np.float64
        self.T = T
        self.fused = type(agent.plasticity) is OjaPlasticity
        self.default_noise = type(agent.noise_model) is StateDependentNoise
        self.default_energy = type(agent.energy_model) is HomeostaticEnergy

        self.rates = np.array([c.dt / c.tau_sensory, c.dt / c.tau_main, c.dt / c.tau_emo, c.trace_rate], T)
        self.text_noise = T(c.text_noise)
        if self.default_noise:
            base = agent.noise_model.base
            self.base_noise = np.array([base["sensory"], base["main"], base["emotion"]], T)
        else:
            self.base_noise = np.zeros(3, T)
        if self.default_energy:
            e = agent.energy_model.config
            self.energy_params = np.array(
                [
                    agent.energy_model.rms_scale,
                    e.energy_setpoint,
                    e.energy_homeostasis,
                    e.energy_cost,
                    e.energy_sleep_cost,
                    e.sleep_below,
                    e.wake_above,
                ],
                T,
            )
        if self.fused:
            pc = agent.plasticity.config
            self.etas = np.array([pc.eta_in_main, pc.eta_main_emo, pc.eta_rec_main, pc.eta_rec_emo], T)
            self.rms = pc.oja_post == "rms"
            self.noise_sd = T(agent.plasticity.noise_sd)
            self.noise_every = pc.weight_noise_every
            self.draws_main = draws(c.n_main, c.n_main)
            self.draws_emo = draws(c.n_emo, c.n_emo)
        self.dummy = np.zeros((1, 1), T)
        # Allocated once: the recurrent product (a numpy view of the cache) and the normalised pre/post vectors.
        super().__init__(torch.zeros(P, c.n_main, dtype=agent.dtype))
        self.rec = self.recurrent.numpy()
        self.scratch = {
            name: np.zeros((P, n), T)
            for name, n in (
                ("x_s", c.n_input),
                ("y_m", c.n_main),
                ("x_m", c.n_main),
                ("x_mo", c.n_main),
                ("y_e", c.n_emo),
                ("x_e", c.n_emo),
            )
        }
        self.no_learning = np.zeros(P, np.bool_)
        self.no_counters = np.zeros(P, np.uint64)
        self._views: dict[str, tuple[torch.Tensor, np.ndarray]] = {}

    # -- state --------------------------------------------------------------------------------------
    def load_state(self, agent: ContinuousEmergeBase, tensors: dict[str, torch.Tensor]) -> None:
        self._views.clear()
        super().load_state(agent, tensors)

    # -- helpers ------------------------------------------------------------------------------------
    def _view(self, agent: ContinuousEmergeBase, name: str) -> np.ndarray:
        """A numpy view of the agent's persistent tensor ``name`` (cached while it is the same tensor)."""
        tensor = getattr(agent, name)
        cached = self._views.get(name)
        if cached is not None and cached[0] is tensor:
            return cached[1]
        if not tensor.is_contiguous():
            tensor = tensor.contiguous()
            setattr(agent, name, tensor)
        array = tensor.detach().numpy()
        self._views[name] = (tensor, array)
        return array

    def _compute_recurrent(self, agent: ContinuousEmergeBase) -> None:
        T = self.T
        kernels.oja_pass(
            self._view(agent, "W_rec_main"),
            self.dummy,
            self.dummy,
            T(0.0),
            self.no_learning,
            T(0.0),
            0,
            0,
            self.no_counters,
            self.no_counters,
            agent.main.detach().numpy(),
            self.rec,
            True,
        )

    # -- the step -----------------------------------------------------------------------------------
    def advance(self, agent: ContinuousEmergeBase, code: torch.Tensor, xi: torch.Tensor) -> None:
        """Fields, traces, energy and plasticity of one step (``ContinuousEmergeBase.step`` does the rest)."""
        a, v = agent, self._view
        P, dtype = a.population, a.dtype
        c = a.config
        rec = self.recurrent_product(a).numpy()
        s_old, m_old, e_old = a.sensory, a.main, a.emotion
        if self.default_noise:
            amp_s = amp_m = amp_e = self.dummy
        else:
            amp = a.noise_amplitude  # a plugin's checked: the kernels index it without bounds checks
            amp_s = amp("sensory", s_old).contiguous().numpy()
            amp_m = amp("main", m_old).contiguous().numpy()
            amp_e = amp("emotion", e_old).contiguous().numpy()
        s_new = torch.empty(P, c.n_input, dtype=dtype)
        m_new = torch.empty(P, c.n_main, dtype=dtype)
        e_new = torch.empty(P, c.n_emo, dtype=dtype)
        s_old_np, m_old_np, e_old_np = s_old.numpy(), m_old.numpy(), e_old.numpy()
        m_new_np, e_new_np, s_new_np = m_new.numpy(), e_new.numpy(), s_new.numpy()
        W_in, W_me, W_re = v(a, "W_in_main"), v(a, "W_main_emo"), v(a, "W_rec_emo")
        kernels.fields_step(
            code.numpy(),
            xi.numpy(),
            self.default_noise,
            self.base_noise,
            amp_s,
            amp_m,
            amp_e,
            self.rates,
            self.text_noise,
            v(a, "v_sensory"),
            s_old_np,
            s_new_np,
            W_in,
            v(a, "v_main"),
            m_old_np,
            rec,
            v(a, "bias_main"),
            m_new_np,
            W_me,
            W_re,
            v(a, "v_emotion"),
            e_old_np,
            e_new_np,
            v(a, "bias_emo"),
            v(a, "trace_sensory"),
            v(a, "trace_main"),
            v(a, "trace_emotion"),
        )
        a.sensory = s_new
        a.main_prev, a.main = m_old, m_new
        a.emotion_prev, a.emotion = e_old, e_new

        if self.default_energy:
            energy = torch.empty(P, dtype=dtype)
            awake = torch.empty(P, dtype=torch.bool)
            kernels.homeostatic_energy(
                m_new_np, a.energy.numpy(), a.awake.numpy(), energy.numpy(), awake.numpy(), self.energy_params
            )
            a.energy, a.awake = energy, awake
        else:
            a.update_energy()

        learning = a.learning
        if not self.fused:
            a.apply_plasticity(learning)  # a plugin's rule: the weights' shapes checked after
            self._rec_for = None
            return
        learn = learning.numpy()
        every, phase = (self.noise_every, a.step_index % self.noise_every) if self.noise_sd > 0 else (0, 0)
        stream = a.weight_noise.state.numpy().view(np.uint64)  # (P, 2): key, counter of each agent's stream
        keys, counters = stream[:, 0].copy(), stream[:, 1].copy()
        sc, etas, sd, none = self.scratch, self.etas, self.noise_sd, self.dummy
        kernels.normalise(
            s_new_np,
            m_old_np,
            m_new_np,
            e_old_np,
            e_new_np,
            self.rms,
            sc["x_s"],
            sc["y_m"],
            sc["x_m"],
            sc["x_mo"],
            sc["y_e"],
            sc["x_e"],
        )
        kernels.oja_pass(W_in, sc["x_s"], sc["y_m"], etas[0], learn, sd, 0, 0, keys, counters, none, none, False)
        kernels.oja_pass(W_me, sc["x_m"], sc["y_e"], etas[1], learn, sd, 0, 0, keys, counters, none, none, False)
        # The one pass over W_rec_main: Oja + noise + the next step's recurrent input.
        kernels.oja_pass(
            v(a, "W_rec_main"),
            sc["x_mo"],
            sc["y_m"],
            etas[2],
            learn,
            sd,
            every,
            phase,
            keys,
            counters,
            m_new_np,
            rec,
            True,
        )
        # Stream order as in the plain engine: W_rec_main's numbers, then W_rec_emo's.
        counters += np.uint64(self.draws_main)
        kernels.oja_pass(
            W_re, sc["x_e"], sc["y_e"], etas[3], learn, sd, every, phase, keys, counters, none, none, False
        )
        if every:
            a.weight_noise.skip(self.draws_main + self.draws_emo)
        self._mark_current(a)
